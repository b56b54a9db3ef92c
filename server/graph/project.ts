/**
 * Views of the connectivity graph at one level (cluster, namespace, workload, pod), with
 * edges re-aggregated at that level and filters applied. Returns plain data (not a graph):
 * what the API and the CLI print.
 */
import { clusterKey, flowEdgeKey, namespaceKey } from '../../generator/model/index.ts';
import type { FlowEdge, GraphNode, Level } from '../../generator/model/index.ts';
import type { MultiDirectedGraph } from 'graphology';
import { edgeMatches, nodeMatches } from './filters.ts';
import type { GraphFilters, NodeLookup } from './filters.ts';

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

export interface ProjectOptions {
  /** Drop nodes no kept edge touches (default false: inventory without traffic is shown). */
  readonly onlyConnected?: boolean;
}

type AnyGraph = MultiDirectedGraph<GraphNode, FlowEdge>;

/** Which node kinds stand on their own at each level (the rest appear as edge ends). */
const LEVEL_KINDS: Record<Level, ReadonlySet<GraphNode['kind']>> = {
  cluster: new Set(['cluster']),
  namespace: new Set(['namespace']),
  workload: new Set(['workload']),
  pod: new Set(['pod']),
};

/** The key a node stands for at `level` (a workload becomes its namespace at namespace level, ...). */
export function keyAtLevel(node: GraphNode, key: string, level: Level): string {
  if (node.kind === 'external' || level === 'workload' || level === 'pod') return key;
  const cluster = node.cluster!;
  if (level === 'cluster') return clusterKey(cluster);
  switch (node.kind) {
    case 'workload': case 'pod': case 'service': case 'namespace':
      return namespaceKey(cluster, node.namespace);
    default:
      // Hosts, reserved identities and unknown addresses are in no namespace: kept as they are.
      return key;
  }
}

export function parentOf(node: GraphNode): string | undefined {
  switch (node.kind) {
    case 'pod': return node.workload;
    case 'workload': case 'service': return namespaceKey(node.cluster, node.namespace);
    case 'namespace': case 'host': case 'reserved': case 'unknown': return clusterKey(node.cluster);
    default: return undefined;
  }
}

function mergeInto(target: FlowEdge, e: FlowEdge): void {
  target.count += e.count;
  for (const [v, n] of Object.entries(e.verdicts)) {
    const k = v as keyof FlowEdge['verdicts'];
    target.verdicts[k] = (target.verdicts[k] ?? 0) + (n ?? 0);
  }
  if (e.dropReasons) {
    const reasons = target.dropReasons ?? (target.dropReasons = {});
    for (const [r, n] of Object.entries(e.dropReasons)) reasons[r] = (reasons[r] ?? 0) + n;
  }
  if (e.firstSeen < target.firstSeen) target.firstSeen = e.firstSeen;
  if (e.lastSeen > target.lastSeen) target.lastSeen = e.lastSeen;
  if (target.service !== e.service) target.service = undefined;
  if (target.servicePort !== e.servicePort) target.servicePort = undefined;
}

function copyEdge(e: FlowEdge, source: string, destination: string, interCluster: boolean): FlowEdge {
  return {
    ...e, source, destination, interCluster, verdicts: { ...e.verdicts },
    ...(e.dropReasons ? { dropReasons: { ...e.dropReasons } } : {}),
  };
}

/**
 * The graph seen at `level`: workload and pod levels use the stored edges of that level;
 * namespace and cluster levels re-aggregate workload edges per (source, destination,
 * protocol, port) of the projected ends. Edge filters apply before re-aggregation.
 */
export function projectGraph(graph: AnyGraph, level: Level, filters: GraphFilters = {}, options: ProjectOptions = {}): ProjectedGraph {
  const nodeOf: NodeLookup = (k) => (graph.hasNode(k) ? graph.getNodeAttributes(k) : undefined);
  const wantedEdgeLevel = level === 'pod' ? 'pod' : 'workload';
  const edges = new Map<string, ProjectedEdge>();
  const touched = new Set<string>();
  graph.forEachEdge((key, e, source, target, sAttrs, tAttrs) => {
    if ((e.level ?? 'workload') !== wantedEdgeLevel) return;
    if (!edgeMatches(e, filters, nodeOf)) return;
    const s = keyAtLevel(sAttrs, source, level);
    const t = keyAtLevel(tAttrs, target, level);
    touched.add(s);
    touched.add(t);
    if (level === 'workload' || level === 'pod') {
      edges.set(key, { key, source, target, attributes: copyEdge(e, source, target, e.interCluster) });
      return;
    }
    const k = flowEdgeKey(s, t, e.protocol, e.port);
    const existing = edges.get(k);
    if (existing) mergeInto(existing.attributes, e);
    else {
      const projected = copyEdge(e, s, t, e.interCluster);
      delete (projected as { level?: string }).level;
      edges.set(k, { key: k, source: s, target: t, attributes: projected });
    }
  });
  const nodes: ProjectedNode[] = [];
  const kinds = LEVEL_KINDS[level];
  graph.forEachNode((key, attrs) => {
    const standsAlone = kinds.has(attrs.kind) && !options.onlyConnected && nodeMatches(key, filters, nodeOf);
    if (!standsAlone && !touched.has(key)) return;
    const parent = parentOf(attrs);
    nodes.push(parent !== undefined ? { key, attributes: attrs, parent } : { key, attributes: attrs });
  });
  return { level, nodes, edges: [...edges.values()] };
}
