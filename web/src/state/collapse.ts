/**
 * Collapse and expand groups in place: every node of a collapsed cluster or namespace is
 * replaced by one group node, and the edges between groups are merged (counts and verdicts
 * summed, time window widened). Pure, so expanding is just collapsing with a smaller set.
 */
import { clusterKey, flowEdgeKey, namespaceKey } from '../../../generator/model/index.ts';
import type { MapEdge, MapGraph, MapNode, VerdictCounts } from '../types.ts';
import { worstDiff } from './style.ts';

/** The key of the node that stands for `node` once `collapsed` groups are folded. */
export function representativeOf(node: MapNode, collapsed: ReadonlySet<string>): string {
  if (node.cluster !== undefined && collapsed.has(clusterKey(node.cluster))) return clusterKey(node.cluster);
  if (node.cluster !== undefined && node.namespace !== undefined && collapsed.has(namespaceKey(node.cluster, node.namespace))) {
    return namespaceKey(node.cluster, node.namespace);
  }
  return node.key;
}

function mergeVerdicts(into: VerdictCounts, from: VerdictCounts): VerdictCounts {
  const out: VerdictCounts = { ...into };
  for (const [v, n] of Object.entries(from) as [keyof VerdictCounts, number][]) out[v] = (out[v] ?? 0) + n;
  return out;
}

export function collapseGraph(graph: MapGraph, collapsed: ReadonlySet<string>): MapGraph {
  if (collapsed.size === 0) return graph;
  const rep = new Map<string, string>();
  const groups = new Map<string, { node: MapNode; members: number }>();
  const nodes: MapNode[] = [];
  for (const node of graph.nodes) {
    const r = representativeOf(node, collapsed);
    rep.set(node.key, r);
    if (r === node.key) { nodes.push(node); continue; }
    const g = groups.get(r);
    if (g) { g.members++; continue; }
    const isCluster = r.startsWith('cluster:');
    groups.set(r, {
      members: 1,
      node: {
        key: r,
        kind: 'group',
        label: isCluster ? (node.cluster as string) : `${node.cluster}/${node.namespace}`,
        cluster: node.cluster,
        ...(isCluster ? {} : { namespace: node.namespace }),
      },
    });
  }
  for (const [, g] of groups) nodes.push({ ...g.node, members: g.members });
  const merged = new Map<string, MapEdge>();
  for (const e of graph.edges) {
    const source = rep.get(e.source) ?? e.source;
    const target = rep.get(e.target) ?? e.target;
    if (source === e.source && target === e.target) { merged.set(e.key, e); continue; }
    const key = flowEdgeKey(source, target, e.protocol, e.port);
    const prev = merged.get(key);
    if (!prev) {
      merged.set(key, { ...e, key, source, target, verdicts: { ...e.verdicts } });
    } else {
      merged.set(key, {
        ...prev,
        count: prev.count + e.count,
        verdicts: mergeVerdicts(prev.verdicts, e.verdicts),
        firstSeen: Math.min(prev.firstSeen, e.firstSeen),
        lastSeen: Math.max(prev.lastSeen, e.lastSeen),
        interCluster: prev.interCluster || e.interCluster,
        // the group's edge shows its worst member (a would-break inside a folded namespace stays red)
        ...(worstDiff(prev.diff, e.diff) !== undefined ? { diff: worstDiff(prev.diff, e.diff) } : {}),
      });
    }
  }
  return { nodes, edges: [...merged.values()] };
}
