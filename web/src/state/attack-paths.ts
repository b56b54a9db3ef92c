/**
 * Attack paths (GET /api/v1/risk) as the map and the Findings panel show them: each hop in
 * human names, observed or merely allowed; the nodes and edges a selected path lights on the
 * map; the edge its cut removes. Pure.
 */
import type { AttackPath, PathHop } from '../../../generator/risk/types.ts';
import { displayEdgeKey } from './display.ts';

export type { AttackPath, PathHop };

/** The hop source that stands for the outside world: it has no node on the map. */
export const INTERNET = 'internet';

/** A hop between two nodes of the map: drawn over the map as a line (an allowed-only hop has no edge). */
export interface PathLink {
  readonly source: string;
  readonly target: string;
  readonly observed: boolean;
  /** The hop the cut removes. */
  readonly cut: boolean;
  /** The map draws an edge for it. */
  readonly drawn: boolean;
}

/** What a path lights on the map: its nodes, its drawn edges, and the drawn edge of the hop its cut removes. */
export interface PathFocus {
  readonly nodes: ReadonlySet<string>;
  readonly edges: ReadonlySet<string>;
  readonly cutEdge?: string;
  /** Its hops between nodes of the map, in path order. */
  readonly links: readonly PathLink[];
  /** The node the internet reaches first, when the path starts there. */
  readonly fromInternet?: string;
}

/**
 * The part of `path` the map holds: every hop end but `internet`, and each hop's display edge
 * when drawn (a hop the policies allow but no flow took has no edge: its two ends still light).
 */
export function pathFocus(path: Pick<AttackPath, 'hops' | 'cut'>, hasNode: (key: string) => boolean, hasEdge: (key: string) => boolean): PathFocus {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  const links: PathLink[] = [];
  let cutEdge: string | undefined;
  let fromInternet: string | undefined;
  path.hops.forEach((hop, i) => {
    for (const k of [hop.from, hop.to]) if (k !== INTERNET && hasNode(k)) nodes.add(k);
    if (hop.from === INTERNET) { if (hasNode(hop.to)) fromInternet = hop.to; return; }
    if (!hasNode(hop.from) || !hasNode(hop.to)) return;
    const cut = path.cut.status === 'cut' && path.cut.hop === i;
    const key = displayEdgeKey(hop.from, hop.to);
    const drawn = hasEdge(key);
    links.push({ source: hop.from, target: hop.to, observed: hop.observed, cut, drawn });
    if (!drawn) return;
    edges.add(key);
    if (cut) cutEdge = key;
  });
  return { nodes, edges, links, ...(cutEdge !== undefined ? { cutEdge } : {}), ...(fromInternet !== undefined ? { fromInternet } : {}) };
}

/** "internet → prod/boutique/frontend": a hop's two ends in human names. */
export function hopTitle(hop: Pick<PathHop, 'from' | 'to'>, label: (key: string) => string): string {
  const name = (k: string): string => (k === INTERNET ? 'the internet' : label(k));
  return `${name(hop.from)} → ${name(hop.to)}`;
}

/** "observed: TCP 8080" or "allowed, never observed: TCP 8080". */
export function hopEvidence(hop: Pick<PathHop, 'observed' | 'evidence' | 'allowed'>): string {
  return hop.observed ? `observed: ${hop.evidence.length ? hop.evidence.join(', ') : hop.allowed}` : `allowed, never observed: ${hop.allowed}`;
}

/** A likelihood 0..1 as a percentage ("42%", "<1%"). */
export function percent(p: number): string {
  const v = Math.round(p * 100);
  return v === 0 && p > 0 ? '<1%' : `${v}%`;
}
