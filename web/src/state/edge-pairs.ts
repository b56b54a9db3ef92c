/**
 * What an aggregated edge (cluster to cluster, namespace to namespace) stands for: the
 * workload pairs behind it, from the finer edges the server lists as its `parts`, with their
 * ports, counts and verdicts. Pure; ui/edge-pairs-view.ts draws it.
 */
import { parseKey } from '../../../generator/model/index.ts';
import type { ApiEdge, VerdictCounts } from '../types.ts';
import { portLabel } from './display.ts';

export interface WorkloadPair {
  readonly source: string;
  readonly target: string;
  /** The per-port edge keys of the pair (the map's edge between the two selects them all). */
  readonly edges: readonly string[];
  /** "TCP/8443, UDP/53", in the order first seen. */
  readonly ports: readonly string[];
  readonly count: number;
  readonly verdicts: VerdictCounts;
  readonly interCluster: boolean;
}

/** Whether a key names an aggregate end (its edges have parts rather than flows of their own). */
export function isAggregateKey(key: string): boolean {
  try {
    const kind = parseKey(key).kind;
    return kind === 'cluster' || kind === 'namespace';
  } catch {
    return false; // not a graph key (a diff-only edge's end, say): nothing behind it
  }
}

/** The parts of one or more aggregated edges folded into one row per source -> target pair, most connections first. */
export function workloadPairs(parts: readonly ApiEdge[]): WorkloadPair[] {
  const pairs = new Map<string, { source: string; target: string; edges: string[]; ports: string[]; count: number; verdicts: Record<string, number>; interCluster: boolean }>();
  const seen = new Set<string>();
  for (const e of parts) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    const id = `${e.source}=>${e.target}`;
    let p = pairs.get(id);
    if (!p) {
      p = { source: e.source, target: e.target, edges: [], ports: [], count: 0, verdicts: {}, interCluster: false };
      pairs.set(id, p);
    }
    p.edges.push(e.key);
    const port = portLabel(e);
    if (!p.ports.includes(port)) p.ports.push(port);
    p.count += e.count;
    for (const [v, n] of Object.entries(e.verdicts)) p.verdicts[v] = (p.verdicts[v] ?? 0) + (n ?? 0);
    p.interCluster ||= e.interCluster;
  }
  return [...pairs.values()].sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
}
