/**
 * The one projection of the connectivity graph at a level (cluster, namespace, workload, pod):
 * each node stands for its enclosing node at that level, and the edges are filtered, then
 * re-aggregated per (source, target, protocol, port) of the projected ends. The CLI's
 * `graph -o json`, the API's `/graph` and `/events` call it through server/graph/project.ts; the
 * web shows what the API projected and filters it with the same predicates (filters.ts).
 */
import { clusterKey, flowEdgeKey, namespaceKey, parseKey } from '../model/index.ts';
import type { L4Protocol, Level, VerdictCounts } from '../model/index.ts';
import { edgeMatches, hasEdgeFilters, nodeMatches, type EdgeFacts, type ViewFilters } from './filters.ts';
import type { ViewNode } from './infra.ts';

/** A node as the projection reads it: a pod names its workload. */
export interface ProjectableNode extends ViewNode {
  /** A pod's workload key. */
  readonly workload?: string;
}

/** The key a node is shown as at `level` (a pod becomes its workload at workload level, ...). */
export function keyAtLevel(node: ProjectableNode, level: Level): string {
  if (level === 'pod') return node.key;
  const { cluster } = node;
  switch (node.kind) {
    case 'pod':
      if (level === 'workload') return node.workload ?? node.key;
      return level === 'namespace' ? namespaceKey(cluster!, node.namespace!) : clusterKey(cluster!);
    case 'workload': case 'service':
      if (level === 'workload') return node.key;
      return level === 'namespace' ? namespaceKey(cluster!, node.namespace!) : clusterKey(cluster!);
    case 'namespace': case 'host': case 'unknown':
      // hosts and unknown addresses are in no namespace: their own node below cluster level
      return level === 'cluster' ? clusterKey(cluster!) : node.key;
    case 'reserved': {
      // `world` is outside every cluster: it stays itself
      const p = parseKey(node.key);
      return level === 'cluster' && p.kind === 'reserved' && p.identity !== 'world' ? clusterKey(cluster!) : node.key;
    }
    default:
      return node.key;
  }
}

/** The enclosing node one level up: a pod's workload, a workload's namespace, a namespace's cluster. */
export function parentOf(node: ProjectableNode): string | undefined {
  switch (node.kind) {
    case 'pod': return node.workload;
    case 'workload': case 'service': return namespaceKey(node.cluster!, node.namespace!);
    case 'namespace': case 'host': case 'reserved': case 'unknown': return clusterKey(node.cluster!);
    default: return undefined;
  }
}

/** The node kind that stands on its own at a level (the rest appear as ends of edges). */
export const levelKind = (level: Level): string => level;

/** An edge as the projection reads it: the graph's flow edges and stored edges have this shape. */
export interface BaseEdge extends EdgeFacts {
  readonly count: number;
  readonly dropReasons?: Readonly<Record<string, number>>;
  readonly service?: string;
  readonly servicePort?: number;
}

/** An aggregated edge at a level: what the API answers as ApiEdge and the CLI prints as attributes. */
export interface ProjectedEdge {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly protocol: L4Protocol;
  readonly port?: number;
  readonly count: number;
  readonly verdicts: VerdictCounts;
  readonly dropReasons?: Readonly<Record<string, number>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly interCluster: boolean;
  readonly service?: string;
  readonly servicePort?: number;
}

/** One projected edge while it is being summed (a fixed shape: fast, no deletes). */
interface Agg {
  key: string; source: string; target: string; protocol: L4Protocol; port: number | undefined;
  count: number; verdicts: Record<string, number>; dropReasons: Record<string, number> | undefined;
  firstSeen: number; lastSeen: number; interCluster: boolean;
  /** undefined: none seen yet; null: several differ. */
  service: string | null | undefined; servicePort: number | undefined;
}

function startAgg(key: string, source: string, target: string, e: BaseEdge): Agg {
  return {
    key, source, target, protocol: e.protocol, port: e.port, count: 0, verdicts: {}, dropReasons: undefined,
    firstSeen: e.firstSeen, lastSeen: e.lastSeen, interCluster: false, service: undefined, servicePort: undefined,
  };
}

/** Adds an edge's counts, verdicts, drop reasons and time span into an aggregate. */
function addToAgg(p: Agg, e: BaseEdge): void {
  p.count += e.count;
  for (const v in e.verdicts) p.verdicts[v] = (p.verdicts[v] ?? 0) + ((e.verdicts as Record<string, number>)[v] ?? 0);
  if (e.dropReasons) {
    p.dropReasons ??= {};
    for (const r in e.dropReasons) p.dropReasons[r] = (p.dropReasons[r] ?? 0) + e.dropReasons[r];
  }
  if (e.firstSeen < p.firstSeen) p.firstSeen = e.firstSeen;
  if (e.lastSeen > p.lastSeen) p.lastSeen = e.lastSeen;
  if (e.interCluster) p.interCluster = true;
  // a service survives aggregation only when every part was addressed to the same one
  if (p.service === undefined) {
    p.service = e.service ?? null;
    p.servicePort = e.servicePort;
  } else if (p.service !== (e.service ?? null)) p.service = null;
}

function toProjectedEdge(a: Agg): ProjectedEdge {
  const e: Record<string, unknown> = { key: a.key, source: a.source, target: a.target, protocol: a.protocol };
  if (a.port !== undefined) e.port = a.port;
  e.count = a.count;
  e.verdicts = a.verdicts;
  if (a.dropReasons) e.dropReasons = a.dropReasons;
  e.firstSeen = a.firstSeen;
  e.lastSeen = a.lastSeen;
  e.interCluster = a.interCluster;
  if (a.service) {
    e.service = a.service;
    if (a.servicePort !== undefined) e.servicePort = a.servicePort;
  }
  return e as unknown as ProjectedEdge;
}

/** What a projection reads: the nodes by key, and the base edges with the keys of their ends. */
export interface ProjectionInput<E extends BaseEdge = BaseEdge> {
  /** A node's facts; undefined for a key the graph does not hold (kept as it is). */
  readonly nodeOf: (key: string) => ProjectableNode | undefined;
  /** Base edges: `[edge key, source key, target key, edge]`. */
  readonly edges: Iterable<readonly [string, string, string, E]>;
}

export interface ProjectedEdges {
  readonly edges: Map<string, ProjectedEdge>;
  /** Projected edge key -> the base edge keys aggregated into it. */
  readonly parts: Map<string, string[]>;
  /** The projected ends of every kept edge. */
  readonly nodeKeys: Set<string>;
}

/** Filters the base edges and re-aggregates them at `level`. */
export function projectEdges(input: ProjectionInput, level: Level, filters: ViewFilters): ProjectedEdges {
  const aggs = new Map<string, Agg>();
  const parts = new Map<string, string[]>();
  const nodeKeys = new Set<string>();
  const projected = new Map<string, string>();
  const project = (k: string): string => {
    let p = projected.get(k);
    if (p === undefined) {
      const node = input.nodeOf(k);
      p = node ? keyAtLevel(node, level) : k;
      projected.set(k, p);
    }
    return p;
  };
  for (const [key, src, dst, e] of input.edges) {
    if (!edgeMatches(e, input.nodeOf(src), input.nodeOf(dst), filters)) continue;
    const source = project(src);
    const target = project(dst);
    const pkey = flowEdgeKey(source, target, e.protocol, e.port);
    nodeKeys.add(source);
    nodeKeys.add(target);
    let p = aggs.get(pkey);
    if (!p) {
      p = startAgg(pkey, source, target, e);
      aggs.set(pkey, p);
      parts.set(pkey, []);
    }
    addToAgg(p, e);
    parts.get(pkey)!.push(key);
  }
  const edges = new Map<string, ProjectedEdge>();
  for (const [k, a] of aggs) edges.set(k, toProjectedEdge(a));
  return { edges, parts, nodeKeys };
}

/**
 * Whether a node is shown at `level` without an edge: a node of the level's kind, in place and
 * not hidden, and only while no criterion about traffic is given (hasEdgeFilters).
 */
export function standsAlone(node: ViewNode, level: Level, filters: ViewFilters): boolean {
  return node.kind === levelKind(level) && !hasEdgeFilters(filters) && nodeMatches(node, filters);
}

/** The node keys of a view: the ends of its edges, and the nodes that stand alone. */
export function viewNodeKeys(edges: ProjectedEdges, nodes: Iterable<ViewNode>, level: Level, filters: ViewFilters): Set<string> {
  const keys = new Set(edges.nodeKeys);
  for (const n of nodes) if (standsAlone(n, level, filters)) keys.add(n.key);
  return keys;
}
