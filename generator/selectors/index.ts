/**
 * Kubernetes label selectors: matchLabels + matchExpressions, and the namespace labels a
 * selector sees (with `kubernetes.io/metadata.name` synthesized when a snapshot lacks it).
 */
import { NAMESPACE_NAME_LABEL } from '../model/labels.ts';
import type { LabelSelector, LabelSelectorRequirement, Labels } from '../model/labels.ts';

/** True when `labels` satisfy every matchLabels entry and every matchExpressions requirement. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  const ml = selector.matchLabels;
  if (ml) {
    for (const key in ml) {
      if (labels[key] !== ml[key]) return false;
    }
  }
  const me = selector.matchExpressions;
  if (me) {
    for (const req of me) {
      if (!matchesRequirement(req, labels)) return false;
    }
  }
  return true;
}

/** One requirement. NotIn and DoesNotExist match objects that lack the key. */
export function matchesRequirement(req: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(labels[req.key]);
    case 'NotIn':
      return !has || !(req.values ?? []).includes(labels[req.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      // An unknown operator selects nothing (validateSelector reports it).
      return false;
  }
}

/** True for `{}`: the selector that selects everything. */
export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Problems the API server would reject, as sentences (empty when valid). */
export function validateSelector(selector: LabelSelector): string[] {
  const problems: string[] = [];
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) problems.push(`matchExpressions key ${JSON.stringify(req.key)} with operator ${req.operator} needs at least one value`);
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) problems.push(`matchExpressions key ${JSON.stringify(req.key)} with operator ${req.operator} must not list values`);
        break;
      default:
        problems.push(`matchExpressions key ${JSON.stringify(req.key)} has unknown operator ${JSON.stringify(req.operator)} (use In, NotIn, Exists or DoesNotExist)`);
    }
  }
  return problems;
}

/** Namespace labels as selectors see them: `kubernetes.io/metadata.name` is always present. */
export function namespaceLabels(name: string, labels: Labels | undefined): Labels {
  if (labels && labels[NAMESPACE_NAME_LABEL] === name) return labels;
  return { ...(labels ?? {}), [NAMESPACE_NAME_LABEL]: name };
}

/** A stable text form of a label set, for grouping pods into equivalence classes. */
export function labelsKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let out = '';
  for (const k of keys) out += `${k}=${labels[k]}\u0000`;
  return out;
}

/** `app=web,tier in (a,b)`: how explanations print a selector; `{}` prints as `(all)`. */
export function formatSelector(selector: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '(all)';
}
