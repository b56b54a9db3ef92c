/**
 * Live activity from the server's deltas: the flow rate over the last minute and the edges
 * first seen in this session, which the map marks for a while. Pure (the clock is a parameter).
 */
import type { MapEdge, MapNode } from '../types.ts';
import { representativeOf } from './collapse.ts';
import { displayEdgeKey } from './display.ts';

/** The span the rate is measured over. */
export const RATE_WINDOW_MS = 60_000;
/** How long a new edge stays marked on the map. */
export const NEW_EDGE_MS = 60_000;

export interface LiveActivity {
  /** When Live was switched on (the rate's span is never longer than the time since). */
  readonly since: number;
  /** Each delta of the last minute: when, and how many connections it brought. */
  readonly updates: readonly { readonly at: number; readonly connections: number }[];
  /** Edge keys first seen in this session, with when. */
  readonly firstSeen: ReadonlyMap<string, number>;
}

export function startActivity(now: number): LiveActivity {
  return { since: now, updates: [], firstSeen: new Map() };
}

/** `activity` with one delta recorded (what deltaActivity found in it), the updates older than the window dropped. */
export function recordDelta(activity: LiveActivity, now: number, delta: { readonly connections: number; readonly newEdges: readonly string[] }): LiveActivity {
  const firstSeen = new Map(activity.firstSeen);
  for (const k of delta.newEdges) if (!firstSeen.has(k)) firstSeen.set(k, now);
  const updates = [...activity.updates.filter((u) => now - u.at < RATE_WINDOW_MS), { at: now, connections: delta.connections }];
  return { since: activity.since, updates, firstSeen };
}

/** Connections per second over the last minute (over the time since Live started when that is shorter, at least one second). */
export function flowRate(activity: LiveActivity, now: number): number {
  const recent = activity.updates.filter((u) => now - u.at < RATE_WINDOW_MS);
  const spanMs = Math.max(1000, Math.min(RATE_WINDOW_MS, now - activity.since));
  return recent.reduce((s, u) => s + u.connections, 0) / (spanMs / 1000);
}

/** "12 connections/s", "0.4 connections/s". */
export function formatRate(rate: number): string {
  return `${rate.toFixed(rate < 10 ? 1 : 0)} connections/s`;
}

/** The edge keys still marked new at `now`, and when the next of them stops being new (undefined: none left). */
export function recentEdges(activity: LiveActivity, now: number): { keys: Set<string>; nextExpiry: number | undefined } {
  const keys = new Set<string>();
  let nextExpiry: number | undefined;
  for (const [k, at] of activity.firstSeen) {
    const until = at + NEW_EDGE_MS;
    if (until <= now) continue;
    keys.add(k);
    if (nextExpiry === undefined || until < nextExpiry) nextExpiry = until;
  }
  return { keys, nextExpiry };
}

/**
 * The drawn edges (display keys: one per direction between two drawn nodes) that carry a new
 * edge, given the folded groups: a new edge inside a folded namespace marks the edge between
 * the groups its ends are folded into; one whose two ends fold into the same group marks nothing.
 */
export function markedDisplayEdges(newEdges: ReadonlySet<string>, edges: readonly MapEdge[], nodesByKey: ReadonlyMap<string, MapNode>, collapsed: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const drawnAs = (key: string): string => {
    const n = nodesByKey.get(key);
    return n ? representativeOf(n, collapsed) : key;
  };
  for (const e of edges) {
    if (!newEdges.has(e.key)) continue;
    const source = drawnAs(e.source), target = drawnAs(e.target);
    if (source !== target) out.add(displayEdgeKey(source, target));
  }
  return out;
}
