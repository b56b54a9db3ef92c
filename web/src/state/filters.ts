/**
 * The map's filters: what the controls and the URL hold (`Filters`), and what is shown for them.
 * What a filter means is generator/view's, the same code the CLI's `graph` and the API's `/graph`
 * run: its predicates decide which edges and nodes stay. An empty list means "no restriction",
 * so that a fresh view shows everything.
 *
 * At workload and pod level the map holds the level's whole graph and filters it here, at once
 * and without moving a node (a node's key is itself at its own level, so filtering the level's
 * graph is the same as projecting the filtered base edges). At namespace and cluster level an
 * aggregated edge no longer tells which of its parts were dropped, DNS or in a namespace: there
 * the server projects the filtered edges (filtersForServer) and its answer is shown as it is.
 */
import type { Level } from '../../../generator/model/index.ts';
import { edgeMatches, isEmptyViewFilters, standsAlone, type ViewFilters } from '../../../generator/view/index.ts';
import type { L4Protocol, MapGraph, MapNode, Verdict } from '../types.ts';

export interface Filters {
  readonly clusters: readonly string[];
  readonly namespaces: readonly string[];
  readonly verdicts: readonly Verdict[];
  readonly protocol?: L4Protocol;
  readonly port?: number;
  /** ms since epoch; an edge passes when its [firstSeen, lastSeen] overlaps the window. */
  readonly since?: number;
  readonly until?: number;
  /** Hide infrastructure (generator/view infra.ts: DNS, monitoring, system namespaces, hosts, the API server) and its edges. */
  readonly hideInfra: boolean;
  /** Only traffic between two clusters (and the nodes it joins). */
  readonly interClusterOnly?: boolean;
}

export const EMPTY_FILTERS: Filters = { clusters: [], namespaces: [], verdicts: [], hideInfra: false };

/** The controls' filters as generator/view reads them. */
export function toViewFilters(f: Filters): ViewFilters {
  return {
    clusters: f.clusters, namespaces: f.namespaces, verdicts: f.verdicts,
    ...(f.protocol !== undefined ? { protocols: [f.protocol] } : {}),
    ...(f.port !== undefined ? { port: { from: f.port, to: f.port } } : {}),
    ...(f.since !== undefined ? { since: f.since } : {}),
    ...(f.until !== undefined ? { until: f.until } : {}),
    hideInfra: f.hideInfra,
    ...(f.interClusterOnly ? { interClusterOnly: true } : {}),
  };
}

/** Whether the server projects the filters at this level (namespace, cluster) rather than the map. */
export function filteredByServer(level: Level): boolean {
  return level === 'namespace' || level === 'cluster';
}

/** The filters to ask GET /graph and /events for at a level: none where the map filters itself. */
export function filtersForServer(level: Level, filters: Filters): Filters {
  return filteredByServer(level) ? filters : EMPTY_FILTERS;
}

/**
 * What the filters keep of the level's graph: the edges generator/view's predicates pass (both
 * ends known to the map), their ends, and the nodes that stand alone at the level. At namespace
 * and cluster level the graph is the server's answer for these filters, shown as it is.
 */
export function applyFilters(graph: MapGraph, filters: Filters, level: Level): MapGraph {
  const f = toViewFilters(filters);
  if (filteredByServer(level) || isEmptyViewFilters(f)) return graph;
  const byKey = new Map<string, MapNode>(graph.nodes.map((n) => [n.key, n]));
  const edges = graph.edges.filter((e) => {
    const s = byKey.get(e.source);
    const t = byKey.get(e.target);
    return s !== undefined && t !== undefined && edgeMatches(e, s, t, f);
  });
  const shown = new Set<string>();
  for (const e of edges) { shown.add(e.source); shown.add(e.target); }
  return { nodes: graph.nodes.filter((n) => shown.has(n.key) || standsAlone(n, level, f)), edges };
}

export function isEmptyFilters(filters: Filters): boolean {
  return isEmptyViewFilters(toViewFilters(filters));
}
