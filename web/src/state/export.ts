/** What the YAML export sends to the generator: one batch of node keys per cluster, one file each. */
import type { MapNode } from '../types.ts';

/** Node keys per cluster, clusters in name order; external peers and other cluster-less nodes have no policy of their own. */
export function exportBatches(nodes: readonly MapNode[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of [...nodes].sort((a, b) => (a.cluster ?? '').localeCompare(b.cluster ?? ''))) {
    if (n.cluster === undefined) continue;
    let list = out.get(n.cluster);
    if (!list) out.set(n.cluster, (list = []));
    list.push(n.key);
  }
  return out;
}
