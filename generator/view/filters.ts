/**
 * The filters of every view (CLI `graph`, API `/graph` and `/events`, the web map) as pure
 * predicates, hubble-ui style: one per criterion, each `(edge or node, filters) => boolean`.
 * An absent or empty criterion restricts nothing.
 *
 * Edges are filtered before they are aggregated at a level (project.ts): a namespace view of
 * "dropped only" sums the edges that carried drops, "hide infrastructure" removes DNS traffic
 * from a cluster-to-cluster edge. An edge is in a cluster or namespace when EITHER end is, so a
 * view of one namespace shows its traffic in and out; external peers are in none.
 */
import type { L4Protocol, Verdict, VerdictCounts } from '../model/index.ts';
import { isInfraNode, type ViewNode } from './infra.ts';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export interface ViewFilters {
  readonly clusters?: readonly string[];
  /** Namespace names (`shop`, in any cluster) or cluster-qualified (`prod/shop`). */
  readonly namespaces?: readonly string[];
  /** Edges on which at least one connection had one of these verdicts. */
  readonly verdicts?: readonly Verdict[];
  readonly protocols?: readonly L4Protocol[];
  /** Destination port (or range); an edge without a port (ICMP) never matches. */
  readonly port?: PortRange;
  /** ms since epoch: edges whose [firstSeen, lastSeen] overlaps [since, until]. */
  readonly since?: number;
  readonly until?: number;
  /** Hide infrastructure nodes (infra.ts) and every edge touching one. */
  readonly hideInfra?: boolean;
  /** Only traffic between two clusters. */
  readonly interClusterOnly?: boolean;
}

/** What the edge predicates read of an edge (a graph edge, an API edge and a map edge all have it). */
export interface EdgeFacts {
  readonly protocol: L4Protocol;
  readonly port?: number;
  readonly verdicts: VerdictCounts;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly interCluster: boolean;
}

/** The protocols a filter may name. */
export const FILTER_PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6', 'OTHER'];

/** A protocol named in any case (`udp`) as the model spells it, or undefined when it is none. */
export function protocolNamed(text: string): L4Protocol | undefined {
  return FILTER_PROTOCOLS.find((n) => n.toLowerCase() === text.toLowerCase());
}

/** `443` or `8000-8100` as a port range, or undefined when it is not one of 1-65535. */
export function parsePortRange(text: string): PortRange | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = Number(m[2] ?? m[1]);
  return from >= 1 && to <= 65535 && from <= to ? { from, to } : undefined;
}

const given = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;

export function matchesVerdict(edge: EdgeFacts, f: ViewFilters): boolean {
  return !given(f.verdicts) || f.verdicts.some((v) => (edge.verdicts[v] ?? 0) > 0);
}

export function matchesProtocol(edge: EdgeFacts, f: ViewFilters): boolean {
  return !given(f.protocols) || f.protocols.includes(edge.protocol);
}

export function matchesPort(edge: EdgeFacts, f: ViewFilters): boolean {
  return !f.port || (edge.port !== undefined && edge.port >= f.port.from && edge.port <= f.port.to);
}

export function matchesTimeWindow(edge: EdgeFacts, f: ViewFilters): boolean {
  return (f.since === undefined || edge.lastSeen >= f.since) && (f.until === undefined || edge.firstSeen <= f.until);
}

export function matchesInterCluster(edge: EdgeFacts, f: ViewFilters): boolean {
  return !f.interClusterOnly || edge.interCluster;
}

/** Whether a node is in the clusters and namespaces asked for (a node of no cluster never is). */
export function inPlace(node: Pick<ViewNode, 'cluster' | 'namespace'> | undefined, f: ViewFilters): boolean {
  if (given(f.clusters) && (node?.cluster === undefined || !f.clusters.includes(node.cluster))) return false;
  if (given(f.namespaces)) {
    if (node?.namespace === undefined) return false;
    if (!f.namespaces.includes(node.namespace) && !f.namespaces.includes(`${node.cluster}/${node.namespace}`)) return false;
  }
  return true;
}

/** Either end in the clusters and namespaces asked for. */
export function matchesPlace(source: ViewNode | undefined, target: ViewNode | undefined, f: ViewFilters): boolean {
  if (!given(f.clusters) && !given(f.namespaces)) return true;
  return inPlace(source, f) || inPlace(target, f);
}

export function matchesInfra(source: ViewNode | undefined, target: ViewNode | undefined, f: ViewFilters): boolean {
  return !f.hideInfra || !((source && isInfraNode(source)) || (target && isInfraNode(target)));
}

/** Every criterion: an edge, and the nodes at its two ends (undefined: not known). */
export function edgeMatches(edge: EdgeFacts, source: ViewNode | undefined, target: ViewNode | undefined, f: ViewFilters): boolean {
  return matchesVerdict(edge, f) && matchesProtocol(edge, f) && matchesPort(edge, f) && matchesTimeWindow(edge, f)
    && matchesInterCluster(edge, f) && matchesPlace(source, target, f) && matchesInfra(source, target, f);
}

/**
 * Whether criteria about traffic (verdict, protocol, port, time, inter-cluster) are given: then
 * a view shows only the nodes such traffic reaches ("show me the drops" shows the drops, not
 * every idle workload).
 */
export function hasEdgeFilters(f: ViewFilters): boolean {
  return given(f.verdicts) || given(f.protocols) || f.port !== undefined || f.since !== undefined || f.until !== undefined
    || f.interClusterOnly === true;
}

/** Whether a node may stand in a view without an edge: in place, and not hidden as infrastructure. */
export function nodeMatches(node: ViewNode, f: ViewFilters): boolean {
  return inPlace(node, f) && !(f.hideInfra && isInfraNode(node));
}

export function isEmptyViewFilters(f: ViewFilters): boolean {
  return !hasEdgeFilters(f) && !given(f.clusters) && !given(f.namespaces) && !f.hideInfra;
}
