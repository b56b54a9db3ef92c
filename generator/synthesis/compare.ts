/**
 * Compare what two policy sets allow, workload pair by workload pair (with the engine, not as
 * text): used to hold generated policies against hand-written ones (e.g. a project's upstream
 * policies) and to report where either is looser.
 */
import type { PodInfo } from '../model/inventory.ts';
import { ConnectionSet } from '../semantics/ports.ts';
import type { PolicyEngine } from '../semantics/types.ts';
import { indexWorkloads } from './workloads.ts';
import type { Inventory } from '../model/inventory.ts';

export interface ConnectivityDifference {
  readonly source: string;
  readonly destination: string;
  /** Allowed by `a` only, and by `b` only (`No Connections` when none). */
  readonly onlyA: string;
  readonly onlyB: string;
}

/**
 * Every ordered pair of distinct workloads of the inventory (one representative pod each),
 * plus each workload towards the given external addresses: where the two engines differ.
 */
export function compareConnectivity(
  inventory: Inventory, a: PolicyEngine, b: PolicyEngine, externalAddresses: readonly string[] = [],
): ConnectivityDifference[] {
  const index = indexWorkloads(inventory);
  const reps: { key: string; pod: PodInfo }[] = [...index.byKey.values()]
    .filter((w) => w.pods.length > 0)
    .map((w) => ({ key: w.key, pod: w.pods[0] }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const out: ConnectivityDifference[] = [];
  const diff = (source: string, destination: string, sa: ConnectionSet, sb: ConnectionSet): void => {
    if (sa.equals(sb)) return;
    out.push({ source, destination, onlyA: sa.subtract(sb).toString(), onlyB: sb.subtract(sa).toString() });
  };
  for (const s of reps) {
    for (const d of reps) {
      if (s === d) continue;
      const src = { kind: 'pod' as const, pod: s.pod };
      const dst = { kind: 'pod' as const, pod: d.pod };
      diff(s.key, d.key, a.allowedConnections(src, dst), b.allowedConnections(src, dst));
    }
    for (const ip of externalAddresses) {
      const src = { kind: 'pod' as const, pod: s.pod };
      const dst = { kind: 'ip' as const, ip };
      diff(s.key, `ext:${ip}`, a.allowedConnections(src, dst), b.allowedConnections(src, dst));
      diff(`ext:${ip}`, s.key, a.allowedConnections(dst, src), b.allowedConnections(dst, src));
    }
  }
  return out;
}

export { ConnectionSet };
