/**
 * Filters as pure predicates, hubble-ui style: `(edge, filters) => boolean`. An empty list
 * means "no restriction" so that a fresh view shows everything.
 */
import type { L4Protocol, MapEdge, MapGraph, MapNode, Verdict } from '../types.ts';

export interface Filters {
  readonly clusters: readonly string[];
  readonly namespaces: readonly string[];
  readonly verdicts: readonly Verdict[];
  readonly protocol?: L4Protocol;
  readonly port?: number;
  /** ms since epoch; an edge passes when its [firstSeen, lastSeen] overlaps the window. */
  readonly since?: number;
  readonly until?: number;
  /** Hide DNS, monitoring, system and host nodes, and the edges touching them. */
  readonly hideInfra: boolean;
  /** Only traffic between two clusters (and the nodes it joins). */
  readonly interClusterOnly?: boolean;
}

export const EMPTY_FILTERS: Filters = { clusters: [], namespaces: [], verdicts: [], hideInfra: false };

/** Node kinds that are infrastructure noise whatever their labels say. */
const INFRA_KINDS = new Set(['host', 'reserved']);

export function isInfraNode(node: MapNode): boolean {
  return node.infra !== undefined || INFRA_KINDS.has(node.kind);
}

export function nodeMatchesFilters(node: MapNode, filters: Filters): boolean {
  if (filters.hideInfra && isInfraNode(node)) return false;
  // External peers belong to no cluster: cluster/namespace filters never hide them on their own,
  // they disappear with their last visible edge instead.
  if (node.cluster === undefined) return true;
  if (filters.clusters.length > 0 && !filters.clusters.includes(node.cluster)) return false;
  if (filters.namespaces.length > 0 && node.namespace !== undefined) {
    if (!filters.namespaces.includes(node.namespace) && !filters.namespaces.includes(`${node.cluster}/${node.namespace}`)) return false;
  }
  return true;
}

export function edgeMatchesFilters(edge: MapEdge, filters: Filters): boolean {
  if (filters.verdicts.length > 0 && !filters.verdicts.some((v) => (edge.verdicts[v] ?? 0) > 0)) return false;
  if (filters.protocol !== undefined && edge.protocol !== filters.protocol) return false;
  if (filters.port !== undefined && edge.port !== filters.port) return false;
  if (filters.since !== undefined && edge.lastSeen < filters.since) return false;
  if (filters.until !== undefined && edge.firstSeen > filters.until) return false;
  if (filters.interClusterOnly && !edge.interCluster) return false;
  return true;
}

/**
 * The part of the graph the filters keep: nodes that match, and edges that match whose two
 * ends are kept. When an edge filter (verdict, protocol, port, time) is active, only nodes
 * such an edge reaches stay, so "show me the drops" shows the drops and not every idle
 * workload. External peers (no cluster) always need an edge to stay.
 */
export function applyFilters(graph: MapGraph, filters: Filters): MapGraph {
  const kept = new Map<string, MapNode>();
  for (const node of graph.nodes) if (nodeMatchesFilters(node, filters)) kept.set(node.key, node);
  const edges = graph.edges.filter((e) => kept.has(e.source) && kept.has(e.target) && edgeMatchesFilters(e, filters));
  const edgeFiltered = filters.verdicts.length > 0 || filters.protocol !== undefined || filters.port !== undefined
    || filters.since !== undefined || filters.until !== undefined || filters.interClusterOnly === true;
  const nodeFiltered = filters.clusters.length > 0 || filters.namespaces.length > 0 || filters.hideInfra;
  if (!edgeFiltered && !nodeFiltered) return { nodes: [...kept.values()], edges };
  const touched = new Set<string>();
  for (const e of edges) { touched.add(e.source); touched.add(e.target); }
  const nodes = [...kept.values()].filter((n) => touched.has(n.key) || (!edgeFiltered && n.cluster !== undefined));
  return { nodes, edges };
}

export function isEmptyFilters(filters: Filters): boolean {
  return filters.clusters.length === 0 && filters.namespaces.length === 0 && filters.verdicts.length === 0
    && filters.protocol === undefined && filters.port === undefined && filters.since === undefined
    && filters.until === undefined && !filters.hideInfra && !filters.interClusterOnly;
}
