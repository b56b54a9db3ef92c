/**
 * ConnectionLog: turns the flow records an AppState ingests into connection rows
 * (connections.ts) between two flushes. A record is one connection (the readers fold repeated
 * reports first); a correction of it (a stronger verdict reported later, `supersedes`) folds
 * into its row, filed under the minute the connection was first seen, so a correction in a
 * later flush updates that row in the store rather than adding one.
 *
 * Bounded: at most `perEdgeMinute + 1` new rows per edge and minute wait for a flush (one more
 * than the store keeps, so the store learns that the slot reached its cap), and the identities
 * of at most `maxTracked` kept connections are remembered for corrections.
 */
import type { FlowRecord } from '../../generator/model/index.ts';
import { parseKey } from '../../generator/model/index.ts';
import type { EndpointIdentity } from '../graph/identity.ts';
import type { FlowEnd } from './connections.ts';
import type { ConnectionRow } from './connections.ts';
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, MINUTE_MS, connectionId, foldConnection } from './connections.ts';

export interface ConnectionLogOptions {
  readonly perEdgeMinute?: number;
  /** How long after its last report a connection identity still names the same connection. Default 120 s (the dedup window). */
  readonly windowMs?: number;
  /** Connection identities remembered for folding. Default 100,000. */
  readonly maxTracked?: number;
}

/** A pod key's namespace and name; a log files the same few pods' connections over and over, so it keeps them. */
type PodNames = Map<string, { readonly namespace: string; readonly name: string } | null>;
const MAX_POD_NAMES = 10_000;

function podNames(key: string, cache: PodNames | undefined): { readonly namespace: string; readonly name: string } | null {
  let names = cache?.get(key);
  if (names === undefined) {
    const p = parseKey(key);
    names = p.kind === 'pod' ? { namespace: p.namespace, name: p.name } : null;
    if (cache) {
      if (cache.size >= MAX_POD_NAMES) cache.clear();
      cache.set(key, names);
    }
  }
  return names;
}

function flowEnd(id: EndpointIdentity | undefined, raw: FlowRecord['source'], port: number | undefined, pods?: PodNames): FlowEnd {
  const out: MutableEnd = {};
  const cluster = id?.cluster ?? raw.cluster;
  if (cluster !== undefined) out.cluster = cluster;
  if (id?.key.startsWith('pod:')) {
    const p = podNames(id.key, pods);
    if (p) { out.namespace = p.namespace; out.pod = p.name; }
  } else if (raw.namespace !== undefined) out.namespace = raw.namespace;
  if (id?.workloadKey.startsWith('wl:')) out.workload = id.workloadKey;
  if (raw.ip !== undefined) out.ip = raw.ip;
  if (port !== undefined) out.port = port;
  return out;
}

/** Where a report was observed: its direction and the reporting node (`egress@prod/node-1`). */
export function observationPointOf(r: FlowRecord): string | undefined {
  return r.direction ? `${r.direction.toLowerCase()}${r.observer ? `@${r.observer}` : ''}` : r.observer;
}

/**
 * What the log remembers of a kept connection on one edge: its first and last sighting, and the
 * row it has pending for the next take, so a correction folds into that row in place. A
 * connection counted on several edges (a Service with several backend workloads) has one
 * sighting per edge, chained.
 */
interface Sighting {
  readonly edge: string;
  readonly first: number;
  last: number;
  take: number;
  /** Where its pending row is in `pending` (when `take` is the current take). */
  index: number;
  next: Sighting | undefined;
}

type MutableRow = { -readonly [K in keyof ConnectionRow]: ConnectionRow[K] };
type MutableEnd = { -readonly [K in keyof FlowEnd]: FlowEnd[K] };

export class ConnectionLog {
  readonly perEdgeMinute: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;
  /** Connection id -> its sightings on the edges it was kept on (a correction folds into them). */
  private readonly tracked = new Map<string, Sighting>();
  private pending: ConnectionRow[] = [];
  /** Which take the pending rows belong to. */
  private takes = 0;
  private readonly pods: PodNames = new Map();
  /** Rows passed on since the last take, per edge and minute. */
  private perSlot = new Map<string, Map<number, number>>();

  constructor(options: ConnectionLogOptions = {}) {
    this.perEdgeMinute = options.perEdgeMinute ?? DEFAULT_CONNECTIONS_PER_EDGE_MINUTE;
    this.windowMs = options.windowMs ?? 120_000;
    this.maxTracked = Math.max(1, options.maxTracked ?? 100_000);
  }

  /**
   * Files one ingested record: `edges` are the keys it was counted on, each workload-level key
   * followed by its pod-level key when there is one (GraphBuilder.lastEdges).
   *
   * A record is one connection, as the edge counts it: the readers fold a connection's repeated
   * reports before this point (server/flows/dedup.ts), and a later, stronger report of it comes
   * as a correction (`supersedes`), which folds into the connection's row. This runs for every
   * flow a collector reads, so it decides before it builds anything: a connection its edge's
   * minute has no room for costs two map lookups, and a row is made only for one it keeps.
   */
  record(r: FlowRecord, src: EndpointIdentity | undefined, dst: EndpointIdentity | undefined, edges: readonly string[]): void {
    let id: string | undefined;
    for (let i = 0; i < edges.length; i++) {
      const edge = edges[i];
      if (edge.startsWith('pod|')) continue;
      let seen: Sighting | undefined;
      if (r.supersedes !== undefined) {
        id ??= recordId(r, src, dst);
        seen = this.sighting(id, edge);
        // a correction of a connection whose row was not kept (or is long gone) has nothing to fold into
        if (!seen || Math.abs(r.time - seen.last) > this.windowMs) continue;
        if (r.time > seen.last) seen.last = r.time;
      } else {
        if (!this.claim(edge, Math.floor(r.time / MINUTE_MS))) continue;
        id ??= recordId(r, src, dst);
        const earlier = this.sighting(id, edge);
        // The same connection id again within its minute: one row, as the store would fold it.
        if (earlier && earlier.take === this.takes && Math.floor(earlier.first / MINUTE_MS) === Math.floor(r.time / MINUTE_MS)) {
          seen = earlier;
          if (r.time > seen.last) seen.last = r.time;
        } else seen = this.track(id, edge, r.time);
      }
      const podEdge = edges[i + 1]?.startsWith('pod|') ? edges[i + 1] : undefined;
      const row = this.row(r, src, dst, edge, podEdge, id, seen.first);
      if (seen.take === this.takes) this.pending[seen.index] = foldConnection(this.pending[seen.index], row);
      else {
        seen.take = this.takes;
        seen.index = this.pending.push(row) - 1;
      }
    }
  }

  /** Rows handed on by `take` so far. */
  taken = 0;

  /** The rows gathered since the last call. */
  take(): ConnectionRow[] {
    const out = this.pending;
    this.taken += out.length;
    this.pending = [];
    this.takes++;
    this.perSlot = new Map();
    return out;
  }

  private row(r: FlowRecord, src: EndpointIdentity | undefined, dst: EndpointIdentity | undefined, edge: string, podEdge: string | undefined, id: string, firstSeen: number): MutableRow {
    const row: MutableRow = {
      edge, id, firstSeen, lastSeen: Math.max(firstSeen, r.time),
      source: flowEnd(src, r.source, r.source.port, this.pods), destination: flowEnd(dst, r.destination, r.port ?? r.destination.port, this.pods), protocol: r.protocol,
      verdict: r.verdict, reports: 1,
    };
    if (podEdge !== undefined) row.podEdge = podEdge;
    const observationPoint = observationPointOf(r);
    if (observationPoint !== undefined) row.observationPoint = observationPoint;
    if (r.dropReason !== undefined) row.dropReason = r.dropReason;
    if (r.policy !== undefined) row.policy = r.policy;
    return row;
  }

  /**
   * Room for one more row in the edge's minute: one more than the store keeps, so the store
   * learns that the slot reached its cap.
   */
  private claim(edge: string, minute: number): boolean {
    let minutes = this.perSlot.get(edge);
    if (!minutes) this.perSlot.set(edge, (minutes = new Map()));
    const n = minutes.get(minute) ?? 0;
    if (n > this.perEdgeMinute) return false;
    minutes.set(minute, n + 1);
    return true;
  }

  private sighting(id: string, edge: string): Sighting | undefined {
    for (let s = this.tracked.get(id); s; s = s.next) if (s.edge === edge) return s;
    return undefined;
  }

  /** A new sighting of `id` on `edge`, replacing any earlier one there; the least recently tracked id goes past `maxTracked`. */
  private track(id: string, edge: string, time: number): Sighting {
    const head = this.tracked.get(id);
    let rest = head;
    if (head) {
      this.tracked.delete(id);
      // drop an earlier sighting on the same edge: this connection starts afresh there
      if (head.edge === edge) rest = head.next;
      else for (let s = head; s.next; s = s.next) if (s.next.edge === edge) { s.next = s.next.next; break; }
    } else if (this.tracked.size >= this.maxTracked) {
      this.tracked.delete(this.tracked.keys().next().value!);
    }
    const s: Sighting = { edge, first: time, last: time, take: -1, index: -1, next: rest };
    this.tracked.set(id, s);
    return s;
  }
}

/** connectionId of the record's two ends. */
function recordId(r: FlowRecord, src: EndpointIdentity | undefined, dst: EndpointIdentity | undefined): string {
  const dstPort = r.port ?? r.destination.port;
  // an end with an address is named by it (connectionId's text), so the ends need not be built
  if (r.source.ip !== undefined && r.destination.ip !== undefined) {
    return `${r.protocol} ${r.source.ip}${r.source.port !== undefined ? `:${r.source.port}` : ''}>${r.destination.ip}${dstPort !== undefined ? `:${dstPort}` : ''}`;
  }
  return connectionId(r.protocol, flowEnd(src, r.source, r.source.port), flowEnd(dst, r.destination, dstPort));
}
