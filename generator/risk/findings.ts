/**
 * The findings that touch each workload, joined onto the risk answer so that a UI shows a
 * workload's score breakdown and its findings together. The findings come from the findings
 * provider (GET /api/v1/findings); a finding touches a workload when one of its subjects is the
 * workload, one of its pods, or its namespace.
 */
import { parseKey } from '../model/keys.ts';
import type { RiskResult, WorkloadFinding, WorkloadRisk } from './types.ts';

/** What the join needs of a finding (the API's `Finding` has these fields). */
export interface FindingSummary {
  readonly id: string;
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  /** Subject first, then related keys. */
  readonly subjects: readonly string[];
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
const rank = (s: string): number => {
  const i = SEVERITY_ORDER.indexOf(s);
  return i < 0 ? SEVERITY_ORDER.length : i;
};

/**
 * Every workload of `result` with `findings`: the findings touching it, worst first.
 * `workloadOfPod` maps `cluster/namespace/pod` to the pod's `wl:` key.
 */
export function withFindings(result: RiskResult, findings: readonly FindingSummary[], workloadOfPod: ReadonlyMap<string, string>): RiskResult {
  const byWorkload = new Map<string, WorkloadFinding[]>();
  const byNamespace = new Map<string, WorkloadRisk[]>();
  for (const w of result.workloads) {
    const ns = `${w.cluster}/${w.namespace}`;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), w]);
  }
  const touch = (key: string, f: FindingSummary, via: WorkloadFinding['via']): void => {
    const list = byWorkload.get(key) ?? [];
    if (list.some((x) => x.id === f.id)) return;
    list.push({ id: f.id, code: f.code, severity: f.severity, title: f.message, via });
    byWorkload.set(key, list);
  };
  for (const f of findings) {
    f.subjects.forEach((s, i) => {
      let k: ReturnType<typeof parseKey>;
      try {
        k = parseKey(s);
      } catch {
        return; // an edge key or another shape: touches no workload by itself
      }
      if (k.kind === 'workload') touch(s, f, i === 0 ? 'workload' : 'related');
      else if (k.kind === 'pod') {
        const wl = workloadOfPod.get(`${k.cluster}/${k.namespace}/${k.name}`);
        if (wl) touch(wl, f, i === 0 ? 'pod' : 'related');
      } else if (k.kind === 'namespace' && i === 0) {
        for (const w of byNamespace.get(`${k.cluster}/${k.namespace}`) ?? []) touch(w.workload, f, 'namespace');
      }
    });
  }
  return {
    ...result,
    workloads: result.workloads.map((w) => ({
      ...w,
      findings: (byWorkload.get(w.workload) ?? []).sort((a, b) => rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : 1)),
    })),
  };
}
