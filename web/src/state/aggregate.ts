/**
 * Aggregation that keeps the map readable: the map opens at the deepest level (workloads,
 * else namespaces, else clusters) that draws at most a few hundred nodes, and a group opens in
 * place one level at a time (a cluster into its namespaces, a namespace into its workloads) and
 * folds back the same way. Pure: sets of group keys in, sets out (collapse.ts draws them).
 */
import { clusterKey, namespaceKey } from '../../../generator/model/index.ts';
import type { MapNode } from '../types.ts';

/** What "a few hundred nodes" means for the first picture. */
export const READABLE_NODES = 300;

/** The nodes drawn when every namespace (else every cluster) is folded, and its group keys. */
function foldAt(nodes: readonly MapNode[], by: 'namespace' | 'cluster'): { drawn: number; groups: string[] } {
  const groups = new Set<string>();
  let loose = 0;
  for (const n of nodes) {
    if (n.cluster === undefined) { loose++; continue; }
    if (by === 'cluster') groups.add(clusterKey(n.cluster));
    else if (n.namespace !== undefined) groups.add(namespaceKey(n.cluster, n.namespace));
    else loose++;
  }
  return { drawn: groups.size + loose, groups: [...groups].sort() };
}

/** The groups to fold so that the map draws at most `max` nodes, as deep as that allows. */
export function readableCollapse(nodes: readonly MapNode[], max = READABLE_NODES): string[] {
  if (nodes.length <= max) return [];
  const ns = foldAt(nodes, 'namespace');
  if (ns.drawn <= max) return ns.groups;
  return foldAt(nodes, 'cluster').groups;
}

/**
 * Open a group one level: a cluster shows its namespaces (each still folded, unless the whole
 * cluster has few enough nodes to show them all), a namespace its workloads.
 */
export function expandGroup(collapsed: readonly string[], group: string, nodes: readonly MapNode[], max = READABLE_NODES): string[] {
  const out = new Set(collapsed);
  if (!out.delete(group)) return [...collapsed];
  if (group.startsWith('cluster:')) {
    const cluster = group.slice('cluster:'.length);
    const members = nodes.filter((n) => n.cluster === cluster);
    if (members.length > Math.min(max, 60)) for (const n of members) if (n.namespace !== undefined) out.add(namespaceKey(cluster, n.namespace));
  }
  return [...out].sort();
}

/** Fold the group around a node: a workload into its namespace, a namespace group into its cluster. */
export function collapseAround(collapsed: readonly string[], node: MapNode): string[] {
  if (node.cluster === undefined) return [...collapsed];
  const out = new Set(collapsed);
  const cluster = node.cluster;
  if (node.kind === 'group' && node.namespace !== undefined) {
    for (const k of [...out]) if (k.startsWith(`ns:${cluster}/`)) out.delete(k);
    out.add(clusterKey(cluster));
  } else if (node.kind === 'group' || node.namespace === undefined) {
    out.add(clusterKey(cluster));
  } else {
    out.add(namespaceKey(cluster, node.namespace));
  }
  return [...out].sort();
}
