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
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, MINUTE_MS, connectionId, foldConnection, slotKey } from './connections.ts';

export interface ConnectionLogOptions {
  readonly perEdgeMinute?: number;
  /** How long after its last report a connection identity still names the same connection. Default 120 s (the dedup window). */
  readonly windowMs?: number;
  /** Connection identities remembered for folding. Default 100,000. */
  readonly maxTracked?: number;
}

function flowEnd(id: EndpointIdentity | undefined, raw: FlowRecord['source'], port: number | undefined): FlowEnd {
  const out: { -readonly [K in keyof FlowEnd]: FlowEnd[K] } = {};
  const cluster = id?.cluster ?? raw.cluster;
  if (cluster !== undefined) out.cluster = cluster;
  if (id?.key.startsWith('pod:')) {
    const p = parseKey(id.key);
    if (p.kind === 'pod') { out.namespace = p.namespace; out.pod = p.name; }
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

/** What the log remembers of a kept connection on one edge: its first and last sighting. */
interface Sighting {
  first: number;
  last: number;
}

export class ConnectionLog {
  readonly perEdgeMinute: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;
  /** `edge \n id` of the connections whose rows were kept -> their sightings (a correction folds into them). */
  private readonly tracked = new Map<string, Sighting>();
  private pending = new Map<string, ConnectionRow>();
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
      let firstSeen: number;
      if (r.supersedes !== undefined) {
        id ??= recordId(r, src, dst);
        const seen = this.tracked.get(`${edge}\n${id}`);
        // a correction of a connection whose row was not kept (or is long gone) has nothing to fold into
        if (!seen || Math.abs(r.time - seen.last) > this.windowMs) continue;
        if (r.time > seen.last) seen.last = r.time;
        firstSeen = seen.first;
      } else {
        if (!this.claim(edge, Math.floor(r.time / MINUTE_MS))) continue;
        id ??= recordId(r, src, dst);
        this.track(`${edge}\n${id}`, r.time);
        firstSeen = r.time;
      }
      const podEdge = edges[i + 1]?.startsWith('pod|') ? edges[i + 1] : undefined;
      const observationPoint = observationPointOf(r);
      const row: ConnectionRow = {
        edge, ...(podEdge !== undefined ? { podEdge } : {}), id, firstSeen, lastSeen: Math.max(firstSeen, r.time),
        source: flowEnd(src, r.source, r.source.port), destination: flowEnd(dst, r.destination, r.port ?? r.destination.port), protocol: r.protocol,
        ...(observationPoint !== undefined ? { observationPoint } : {}), verdict: r.verdict,
        ...(r.dropReason !== undefined ? { dropReason: r.dropReason } : {}), ...(r.policy !== undefined ? { policy: r.policy } : {}),
        reports: 1,
      };
      const key = `${slotKey(edge, Math.floor(firstSeen / MINUTE_MS))}\n${id}`;
      const pending = this.pending.get(key);
      this.pending.set(key, pending ? foldConnection(pending, row) : row);
    }
  }

  /** The rows gathered since the last call. */
  take(): ConnectionRow[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    this.perSlot = new Map();
    return out;
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

  private track(key: string, time: number): void {
    if (this.tracked.has(key)) this.tracked.delete(key);
    else if (this.tracked.size >= this.maxTracked) this.tracked.delete(this.tracked.keys().next().value!);
    this.tracked.set(key, { first: time, last: time });
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
