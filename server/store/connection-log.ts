/**
 * ConnectionLog: turns the flow records an AppState ingests into connection rows
 * (connections.ts) between two flushes. Every report of one connection (same identity, same
 * edge, within `windowMs` of its last sighting, as the flow dedup decides) folds into one row
 * filed under the minute the connection was first seen, so a report in a later flush updates
 * that row in the store rather than adding one.
 *
 * Bounded: at most `perEdgeMinute + 1` new rows per edge and minute wait for a flush (one more
 * than the store keeps, so the store learns that the slot reached its cap), and the identities
 * of at most `maxTracked` recent connections are remembered for folding.
 */
import type { FlowRecord } from '../../generator/model/index.ts';
import { parseKey } from '../../generator/model/index.ts';
import type { EndpointIdentity } from '../graph/identity.ts';
import type { FlowEnd } from '../http/api-types.ts';
import type { ConnectionRow } from './connections.ts';
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, connectionId, foldConnection, minuteOf, slotKey } from './connections.ts';

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

export class ConnectionLog {
  readonly perEdgeMinute: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;
  /** `edge \n id` -> first and last sighting of the connection. */
  private readonly tracked = new Map<string, { first: number; last: number }>();
  private pending = new Map<string, ConnectionRow>();
  private perSlot = new Map<string, number>();

  constructor(options: ConnectionLogOptions = {}) {
    this.perEdgeMinute = options.perEdgeMinute ?? DEFAULT_CONNECTIONS_PER_EDGE_MINUTE;
    this.windowMs = options.windowMs ?? 120_000;
    this.maxTracked = Math.max(1, options.maxTracked ?? 100_000);
  }

  /**
   * Files one ingested record: `edges` are the keys it was counted on, each workload-level key
   * followed by its pod-level key when there is one (GraphBuilder.lastEdges).
   */
  record(r: FlowRecord, src: EndpointIdentity | undefined, dst: EndpointIdentity | undefined, edges: readonly string[], observationPoint?: string): void {
    if (!edges.length) return;
    const source = flowEnd(src, r.source, r.source.port);
    const destination = flowEnd(dst, r.destination, r.port ?? r.destination.port);
    const id = connectionId(r.protocol, source, destination);
    for (let i = 0; i < edges.length; i++) {
      const edge = edges[i];
      if (edge.startsWith('pod|')) continue;
      const podEdge = edges[i + 1]?.startsWith('pod|') ? edges[i + 1] : undefined;
      const firstSeen = this.sighting(`${edge}\n${id}`, r.time);
      const row: ConnectionRow = {
        edge, ...(podEdge !== undefined ? { podEdge } : {}), id, firstSeen, lastSeen: Math.max(firstSeen, r.time), source, destination, protocol: r.protocol,
        ...(observationPoint !== undefined ? { observationPoint } : {}), verdict: r.verdict,
        ...(r.dropReason !== undefined ? { dropReason: r.dropReason } : {}), ...(r.policy !== undefined ? { policy: r.policy } : {}),
        reports: 1,
      };
      this.add(row);
    }
  }

  /** The rows gathered since the last call. */
  take(): ConnectionRow[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    this.perSlot = new Map();
    return out;
  }

  /** The first sighting of the connection this report belongs to (its own time when it is new). */
  private sighting(key: string, time: number): number {
    const seen = this.tracked.get(key);
    if (seen && Math.abs(time - seen.last) <= this.windowMs) {
      this.tracked.delete(key);
      this.tracked.set(key, { first: Math.min(seen.first, time), last: Math.max(seen.last, time) });
      return seen.first;
    }
    this.tracked.delete(key);
    if (this.tracked.size >= this.maxTracked) this.tracked.delete(this.tracked.keys().next().value!);
    this.tracked.set(key, { first: time, last: time });
    return time;
  }

  private add(row: ConnectionRow): void {
    const key = `${slotKey(row.edge, minuteOf(row))}\n${row.id}`;
    const seen = this.pending.get(key);
    if (seen) {
      this.pending.set(key, foldConnection(seen, row));
      return;
    }
    const slot = slotKey(row.edge, minuteOf(row));
    const n = this.perSlot.get(slot) ?? 0;
    // A report of a connection already stored (an earlier flush) is always passed on: it folds there.
    if (n > this.perEdgeMinute && row.firstSeen === row.lastSeen) return;
    this.perSlot.set(slot, n + 1);
    this.pending.set(key, row);
  }
}
