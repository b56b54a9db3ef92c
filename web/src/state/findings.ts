/**
 * Findings arranged to lead to a fix: components ranked by risk with what makes up their
 * score, findings grouped by rule and namespace, messages with human names instead of graph
 * keys. Pure (the panel draws what these return).
 */
import { parseKey } from '../../../generator/model/index.ts';
import type { ScorePartName, WorkloadRisk } from '../../../generator/risk/types.ts';
import type { Finding } from '../types.ts';
import { parseEdgeKey, SEVERITY_SCORE } from './graph-data.ts';

export const SEVERITY_ORDER: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Graph keys inside a message (`wl:prod/shop/Deployment/web`, `ns:dev/tools`, ...), up to a space, comma or bracket. */
const KEY_IN_TEXT = /\b(?:wl|pod|ns|cluster|svc|host|ext|reserved|unknown):[^\s,;()[\]]+/g;

/** Replace the graph keys in `text` by `label(key)` (a key the labeller does not know stays as it is). */
export function humanizeKeys(text: string, label: (key: string) => string): string {
  return text.replace(KEY_IN_TEXT, (key) => {
    // an edge key (`a->b|TCP|7070`) reads as "a → b TCP/7070"
    const edge = parseEdgeKey(key);
    if (edge) return `${label(edge.source)} → ${label(edge.target)} ${edge.protocol}${edge.port !== undefined ? `/${edge.port}` : ''}`;
    return label(key);
  });
}

/** The node keys a finding is about (an edge subject stands for its two ends). */
export function subjectNodes(f: Finding): string[] {
  const out = new Set<string>();
  for (const s of f.subjects) {
    const e = parseEdgeKey(s);
    if (e) { out.add(e.source); out.add(e.target); } else out.add(s);
  }
  return [...out];
}

/** A name for a key the map does not hold as a node (another level's): "namespace prod/shop", "prod/shop/web", "10.0.0.1". */
export function humanKey(key: string): string {
  try {
    const p = parseKey(key);
    switch (p.kind) {
      case 'cluster': return `cluster ${p.cluster}`;
      case 'namespace': return `namespace ${p.cluster}/${p.namespace}`;
      case 'external': return p.ip;
      case 'reserved': return `${p.cluster}/${p.identity}`;
      case 'unknown': return `${p.cluster}/${p.ip}`;
      default: return `${p.cluster}/${'namespace' in p ? `${p.namespace}/` : ''}${p.name}`;
    }
  } catch {
    return key;
  }
}

/** "cluster/namespace" of a key, or "(outside the clusters)". */
export function namespaceOf(key: string): string {
  try {
    const p = parseKey(key);
    if ('namespace' in p) return `${p.cluster}/${p.namespace}`;
    if (p.kind === 'external') return '(outside the clusters)';
    return p.cluster;
  } catch {
    return '(unknown)';
  }
}

export interface FindingGroup {
  /** `code` + namespace. */
  readonly key: string;
  readonly code: string;
  readonly namespace: string;
  readonly severity: string;
  readonly findings: readonly Finding[];
}

export interface RiskPart {
  readonly name: ScorePartName;
  readonly points: number;
  readonly max: number;
  readonly facts: readonly string[];
}

/** Findings per component key (an edge finding counts for both its ends), with their per-rule breakdown. */
function findingsByComponent(findings: readonly Finding[]): Map<string, Finding[]> {
  const by = new Map<string, Finding[]>();
  for (const f of findings) for (const k of subjectNodes(f)) {
    let list = by.get(k);
    if (!list) by.set(k, (list = []));
    list.push(f);
  }
  return by;
}

function ruleBreakdown(list: readonly Finding[]): RankedComponent['breakdown'] {
  const codes = new Map<string, { code: string; severity: string; count: number }>();
  for (const f of list) {
    const c = codes.get(f.code);
    if (!c) codes.set(f.code, { code: f.code, severity: f.severity, count: 1 });
    else { c.count++; if ((SEVERITY_ORDER[f.severity] ?? 9) < (SEVERITY_ORDER[c.severity] ?? 9)) c.severity = f.severity; }
  }
  return [...codes.values()].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || b.count - a.count);
}

/**
 * Workloads ranked by the risk model (docs/risk.md): its score, the parts it is made of
 * (exposure, reach, privilege, vulnerability, sensitivity; parts worth 0 left out, largest first)
 * and the findings that touch each workload. Ties by number of findings, then key.
 */
export function rankByRisk(workloads: readonly WorkloadRisk[], findings: readonly Finding[], limit = 20): RankedComponent[] {
  const by = findingsByComponent(findings);
  return workloads.map((w): RankedComponent => {
    const list = by.get(w.workload) ?? [];
    const parts = Object.entries(w.parts).filter(([, p]) => p.points > 0)
      .map(([name, p]) => ({ name: name as ScorePartName, points: p.points, max: p.max, facts: p.facts }))
      .sort((a, b) => b.points - a.points || a.name.localeCompare(b.name));
    return { key: w.workload, score: Math.round(w.score), breakdown: ruleBreakdown(list), findings: list, parts };
  }).sort((a, b) => b.score - a.score || b.findings.length - a.findings.length || a.key.localeCompare(b.key)).slice(0, limit);
}

/** Findings grouped by rule (code) and the namespace of their first subject; worst severity first, then the largest groups. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, { code: string; namespace: string; severity: string; findings: Finding[] }>();
  for (const f of findings) {
    const first = subjectNodes(f)[0];
    const namespace = first ? namespaceOf(first) : '(none)';
    const key = `${f.code}|${namespace}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { code: f.code, namespace, severity: f.severity, findings: [] }));
    g.findings.push(f);
    if ((SEVERITY_ORDER[f.severity] ?? 9) < (SEVERITY_ORDER[g.severity] ?? 9)) g.severity = f.severity;
  }
  return [...groups.entries()].map(([key, g]) => ({ key, ...g }))
    .sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || b.findings.length - a.findings.length || a.key.localeCompare(b.key));
}

export interface RankedComponent {
  readonly key: string;
  /** 0..100, as riskScores. */
  readonly score: number;
  /** What the score is made of: per rule, its worst severity and how many findings. */
  readonly breakdown: readonly { code: string; severity: string; count: number }[];
  readonly findings: readonly Finding[];
  /** The risk model's parts of the score (GET /api/v1/risk), largest first; absent when ranked by findings alone. */
  readonly parts?: readonly RiskPart[];
}

/**
 * Components (workloads, pods, namespaces, clusters, peers) ranked by risk: the worst finding
 * about them, plus 5 for each further one (capped at 100), ties by number of findings.
 */
export function rankComponents(findings: readonly Finding[], limit = 20): RankedComponent[] {
  const out: RankedComponent[] = [];
  for (const [key, list] of findingsByComponent(findings)) {
    const worst = Math.max(...list.map((f) => SEVERITY_SCORE[f.severity] ?? 0));
    out.push({ key, score: Math.min(100, worst + 5 * (list.length - 1)), breakdown: ruleBreakdown(list), findings: list });
  }
  return out.sort((a, b) => b.score - a.score || b.findings.length - a.findings.length || a.key.localeCompare(b.key)).slice(0, limit);
}
