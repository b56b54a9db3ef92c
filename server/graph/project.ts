/**
 * The connectivity graph (graphology) seen through the one projection of generator/view: what
 * `netatlas graph -o json` prints and what the API's views (server/http/view.ts) map to API
 * types. This module only adapts the graph: node facts (a pod carries its workload's infra
 * class), the base edges of a level, and plain data out.
 */
import { parseKey } from '../../generator/model/index.ts';
import type { FlowEdge, GraphNode, Level } from '../../generator/model/index.ts';
import { parentOf, projectEdges, viewNodeKeys } from '../../generator/view/index.ts';
import type { ProjectableNode, ProjectedEdges, ViewFilters } from '../../generator/view/index.ts';
import type Graph from 'graphology';

type AnyGraph = Graph<GraphNode, FlowEdge>;

export interface ProjectedNode {
  readonly key: string;
  readonly attributes: GraphNode;
  /** The enclosing node: a pod's workload, a workload's namespace, a namespace's cluster. */
  readonly parent?: string;
}

export interface ProjectedEdge {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly attributes: FlowEdge;
}

export interface ProjectedGraph {
  readonly level: Level;
  readonly nodes: ProjectedNode[];
  readonly edges: ProjectedEdge[];
}

/** A node's facts for the projection and the filters (cached: a view asks for each end of each edge). */
export function nodeFacts(graph: AnyGraph): (key: string) => ProjectableNode | undefined {
  const cache = new Map<string, ProjectableNode | undefined>();
  return (key) => {
    if (cache.has(key)) return cache.get(key);
    let facts: ProjectableNode | undefined;
    if (graph.hasNode(key)) {
      const a = graph.getNodeAttributes(key);
      let infra = a.kind === 'workload' ? a.infra : undefined;
      if (a.kind === 'pod' && graph.hasNode(a.workload)) {
        const w = graph.getNodeAttributes(a.workload);
        infra = w.kind === 'workload' ? w.infra : undefined;
      }
      facts = {
        key, kind: a.kind,
        ...(a.cluster !== undefined ? { cluster: a.cluster } : {}),
        ...('namespace' in a ? { namespace: a.namespace } : {}),
        ...(infra !== undefined ? { infra } : {}),
        ...(a.kind === 'pod' ? { workload: a.workload } : {}),
      };
    }
    cache.set(key, facts);
    return facts;
  };
}

/**
 * The edges a view at `level` aggregates: the pod-level edges at pod level (when the graph has
 * any), the workload-level edges otherwise.
 */
export function baseEdgesAt<E extends Pick<FlowEdge, 'level'>>(all: ReadonlyArray<readonly [string, E]>, level: Level): Array<readonly [string, E]> {
  const wantPod = level === 'pod' && all.some(([, e]) => e.level === 'pod');
  return all.filter(([, e]) => (e.level === 'pod') === wantPod);
}

/** `[key, source, target, edge]` of each edge (an edge's own ends, else the graph's). */
export function withEnds(graph: AnyGraph, edges: Iterable<readonly [string, FlowEdge]>): Array<readonly [string, string, string, FlowEdge]> {
  const out: Array<readonly [string, string, string, FlowEdge]> = [];
  for (const [key, e] of edges) {
    const source = e.source ?? (graph.hasEdge(key) ? graph.source(key) : undefined);
    const target = e.destination ?? (graph.hasEdge(key) ? graph.target(key) : undefined);
    if (source !== undefined && target !== undefined) out.push([key, source, target, e]);
  }
  return out;
}

/** The graph's own edges at the base of `level`, projected and filtered. */
export function projectGraphEdges(graph: AnyGraph, level: Level, filters: ViewFilters, all?: ReadonlyArray<readonly [string, FlowEdge]>): ProjectedEdges {
  const edges = all ?? graph.mapEdges((key, e) => [key, e] as const);
  return projectEdges({ nodeOf: nodeFacts(graph), edges: withEnds(graph, baseEdgesAt(edges, level)) }, level, filters);
}

/** The node keys a view shows: the ends of its edges and the nodes that stand alone (generator/view). */
export function projectedNodeKeys(graph: AnyGraph, edges: ProjectedEdges, level: Level, filters: ViewFilters): Set<string> {
  const facts = nodeFacts(graph);
  const nodes: ProjectableNode[] = [];
  graph.forEachNode((key, a) => { if (a.kind === level) nodes.push(facts(key)!); });
  return viewNodeKeys(edges, nodes, level, filters);
}

/** Attributes of a key the graph does not hold: a namespace or cluster only flows revealed. */
function revealedNode(key: string): GraphNode | undefined {
  const p = parseKey(key);
  if (p.kind === 'cluster') return { kind: 'cluster', cluster: p.cluster, label: p.cluster };
  if (p.kind === 'namespace') return { kind: 'namespace', cluster: p.cluster, namespace: p.namespace, labels: {}, label: p.namespace };
  return undefined;
}

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The graph seen at `level` with `filters`, as plain data sorted by key (what `graph -o json` prints). */
export function projectGraph(graph: AnyGraph, level: Level, filters: ViewFilters = {}): ProjectedGraph {
  const projected = projectGraphEdges(graph, level, filters);
  const nodes: ProjectedNode[] = [];
  for (const key of projectedNodeKeys(graph, projected, level, filters)) {
    const attributes = graph.hasNode(key) ? graph.getNodeAttributes(key) : revealedNode(key);
    if (!attributes) continue;
    const parent = parentOf({ ...attributes, key });
    nodes.push(parent !== undefined ? { key, attributes, parent } : { key, attributes });
  }
  const edges: ProjectedEdge[] = [...projected.edges.values()].map((e) => {
    const { key, target, ...rest } = e;
    const attributes: FlowEdge = {
      kind: 'flow', ...rest, destination: target, verdicts: { ...e.verdicts },
      ...(e.dropReasons ? { dropReasons: { ...e.dropReasons } } : {}),
      ...(level === 'pod' || level === 'workload' ? { level: level === 'pod' && hasPodEdges(graph) ? 'pod' as const : 'workload' as const } : {}),
    };
    return { key, source: e.source, target, attributes };
  });
  return { level, nodes: nodes.sort(byKey), edges: edges.sort(byKey) };
}

function hasPodEdges(graph: AnyGraph): boolean {
  return graph.someEdge((_k, e) => e.level === 'pod');
}

