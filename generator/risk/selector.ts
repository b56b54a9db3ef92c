/**
 * Workload selectors for `--crown-jewels` and `--entries`: comma-separated terms, all of which
 * must hold: `key=value`, `key!=value`, `key` (exists). The keys `cluster`, `namespace`,
 * `kind` and `name` name the workload itself; any other key is a label of its pods, its
 * workload object, or its namespace (`finance` cluster: `cluster=finance`; the ledger:
 * `namespace=payments,app=ledger`).
 */
import { InputError } from '../model/errors.ts';
import type { Labels } from '../model/labels.ts';

export interface SelectableWorkload {
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  /** Pod, workload and namespace labels together. */
  readonly labels: Labels;
}

interface Term {
  readonly key: string;
  readonly op: '=' | '!=' | 'exists';
  readonly value?: string;
}

export type WorkloadSelector = (w: SelectableWorkload) => boolean;

const OWN_KEYS = new Set(['cluster', 'namespace', 'kind', 'name']);

export function parseWorkloadSelector(text: string, flag = '--crown-jewels'): WorkloadSelector {
  const terms: Term[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (t === '') continue;
    const m = /^([A-Za-z0-9._/-]+)\s*(!=|==|=)\s*([A-Za-z0-9._-]*)$/.exec(t);
    if (m) terms.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] });
    else if (/^[A-Za-z0-9._/-]+$/.test(t)) terms.push({ key: t, op: 'exists' });
    else throw new InputError(`netatlas/risk: ${flag} ${JSON.stringify(text)}: cannot read ${JSON.stringify(t)}; expected key=value, key!=value or key (e.g. "cluster=finance,app=ledger").`);
  }
  if (terms.length === 0) throw new InputError(`netatlas/risk: ${flag} is empty; give key=value terms (e.g. "namespace=payments").`);
  return (w) => terms.every((term) => {
    const v = OWN_KEYS.has(term.key) ? (w as unknown as Record<string, string>)[term.key] : w.labels[term.key];
    if (term.op === 'exists') return v !== undefined;
    return term.op === '=' ? v === term.value : v !== term.value;
  });
}
