/**
 * Edge filters as pure `(edge, filters) => boolean` functions, one per criterion, and
 * `edgeMatches` combining them. An edge matches a cluster or namespace filter when EITHER end
 * is in it, so a view of one namespace shows its traffic in and out.
 */
import { parseKey } from '../../generator/model/index.ts';
import type { FlowEdge, GraphNode, L4Protocol, Verdict } from '../../generator/model/index.ts';

export interface GraphFilters {
  readonly clusters?: readonly string[];
  /** Namespace names (`shop`) or cluster-qualified (`prod/shop`). */
  readonly namespaces?: readonly string[];
  readonly verdicts?: readonly Verdict[];
  readonly protocols?: readonly L4Protocol[];
  readonly ports?: readonly number[];
  /** ms since epoch: keep edges seen at or after `since` and at or before `until`. */
  readonly since?: number;
  readonly until?: number;
  /** Hide edges touching DNS, monitoring and kube-system workloads (and their pods). */
  readonly hideInfra?: boolean;
}

/** Finds a node's attributes (a graph's `getNodeAttributes`, guarded). */
export type NodeLookup = (key: string) => GraphNode | undefined;

interface Place { readonly cluster?: string; readonly namespace?: string }

const placeCache = new Map<string, Place>();

/** The cluster and namespace a key names (none for external peers). */
export function placeOfKey(key: string): Place {
  let place = placeCache.get(key);
  if (place) return place;
  const p = parseKey(key);
  place = p.kind === 'external' ? {} : { cluster: p.cluster, namespace: 'namespace' in p ? p.namespace : undefined };
  if (placeCache.size > 100_000) placeCache.clear();
  placeCache.set(key, place);
  return place;
}

export function matchesCluster(edge: FlowEdge, filters: GraphFilters): boolean {
  const wanted = filters.clusters;
  if (!wanted || wanted.length === 0) return true;
  const a = placeOfKey(edge.source).cluster;
  const b = placeOfKey(edge.destination).cluster;
  return (a !== undefined && wanted.includes(a)) || (b !== undefined && wanted.includes(b));
}

function inNamespaces(place: Place, wanted: readonly string[]): boolean {
  if (place.namespace === undefined) return false;
  return wanted.includes(place.namespace) || wanted.includes(`${place.cluster}/${place.namespace}`);
}

export function matchesNamespace(edge: FlowEdge, filters: GraphFilters): boolean {
  const wanted = filters.namespaces;
  if (!wanted || wanted.length === 0) return true;
  return inNamespaces(placeOfKey(edge.source), wanted) || inNamespaces(placeOfKey(edge.destination), wanted);
}

export function matchesVerdict(edge: FlowEdge, filters: GraphFilters): boolean {
  const wanted = filters.verdicts;
  if (!wanted || wanted.length === 0) return true;
  return wanted.some((v) => (edge.verdicts[v] ?? 0) > 0);
}

export function matchesProtocol(edge: FlowEdge, filters: GraphFilters): boolean {
  const wanted = filters.protocols;
  return !wanted || wanted.length === 0 || wanted.includes(edge.protocol);
}

export function matchesPort(edge: FlowEdge, filters: GraphFilters): boolean {
  const wanted = filters.ports;
  if (!wanted || wanted.length === 0) return true;
  return (edge.port !== undefined && wanted.includes(edge.port)) || (edge.servicePort !== undefined && wanted.includes(edge.servicePort));
}

/** Aggregated edges keep first/last seen only: an edge matches when its span overlaps the window. */
export function matchesTimeWindow(edge: FlowEdge, filters: GraphFilters): boolean {
  if (filters.since !== undefined && edge.lastSeen < filters.since) return false;
  if (filters.until !== undefined && edge.firstSeen > filters.until) return false;
  return true;
}

/** Whether a node is infrastructure: an infra workload, or a pod of one. */
export function isInfraNode(key: string, nodeOf: NodeLookup): boolean {
  const node = nodeOf(key);
  if (!node) return false;
  if (node.kind === 'workload') return node.infra !== undefined;
  if (node.kind === 'pod') {
    const wl = nodeOf(node.workload);
    return wl?.kind === 'workload' && wl.infra !== undefined;
  }
  return false;
}

export function matchesInfra(edge: FlowEdge, filters: GraphFilters, nodeOf: NodeLookup): boolean {
  if (!filters.hideInfra) return true;
  return !isInfraNode(edge.source, nodeOf) && !isInfraNode(edge.destination, nodeOf);
}

export function edgeMatches(edge: FlowEdge, filters: GraphFilters, nodeOf: NodeLookup = () => undefined): boolean {
  return matchesCluster(edge, filters) && matchesNamespace(edge, filters) && matchesVerdict(edge, filters)
    && matchesProtocol(edge, filters) && matchesPort(edge, filters) && matchesTimeWindow(edge, filters)
    && matchesInfra(edge, filters, nodeOf);
}

/** Node filters: cluster, namespace and hideInfra (edge-only criteria do not apply to nodes). */
export function nodeMatches(key: string, filters: GraphFilters, nodeOf: NodeLookup): boolean {
  const place = placeOfKey(key);
  if (filters.clusters && filters.clusters.length > 0 && !(place.cluster !== undefined && filters.clusters.includes(place.cluster))) return false;
  if (filters.namespaces && filters.namespaces.length > 0 && !inNamespaces(place, filters.namespaces)) return false;
  if (filters.hideInfra && isInfraNode(key, nodeOf)) return false;
  return true;
}
