/**
 * What the canvas draws: one edge per direction between two nodes (ports folded together),
 * so that A->B and B->A form the parallel pair sigma curves apart. The per-port edges stay
 * available for panels and the table.
 */
import type { DiffCategory, MapEdge, VerdictCounts } from '../types.ts';
import { worstDiff } from './style.ts';

export interface DisplayEdge {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  count: number;
  verdicts: VerdictCounts;
  interCluster: boolean;
  diff?: DiffCategory;
  /** Keys of the per-port edges behind it. */
  readonly members: string[];
  /** "TCP/7070, UDP/53" */
  ports: string[];
}

export const displayEdgeKey = (source: string, target: string): string => `${source}=>${target}`;

export function portLabel(e: Pick<MapEdge, 'protocol' | 'port'>): string {
  return e.port === undefined ? e.protocol : `${e.protocol}/${e.port}`;
}

export function toDisplayEdges(edges: readonly MapEdge[]): DisplayEdge[] {
  const out = new Map<string, DisplayEdge>();
  for (const e of edges) {
    if (e.source === e.target) continue;
    const key = displayEdgeKey(e.source, e.target);
    let d = out.get(key);
    if (!d) {
      d = { key, source: e.source, target: e.target, count: 0, verdicts: {}, interCluster: e.interCluster, members: [], ports: [] };
      out.set(key, d);
    }
    d.count += e.count;
    for (const [v, n] of Object.entries(e.verdicts) as [keyof VerdictCounts, number][]) d.verdicts[v] = (d.verdicts[v] ?? 0) + n;
    d.interCluster ||= e.interCluster;
    // `unobserved` ranks lowest, so an observed member always decides the colour
    d.diff = worstDiff(d.diff, e.diff);
    d.members.push(e.key);
    const p = portLabel(e);
    if (!d.ports.includes(p)) d.ports.push(p);
  }
  return [...out.values()];
}
