/**
 * GET /events: Server-Sent Events carrying graph deltas projected at the client's level and
 * filters. Deltas are batched by AppState.flush (at most every 500 ms by default); a client
 * that reconnects with Last-Event-ID gets what it missed, or `reset` when the log no longer
 * reaches back that far.
 */
import { Router } from 'express';
import type { Response } from 'express';
import type { ApiEdge, ApiNode, GraphDelta, ResetEvent } from '../api-types.ts';
import { badRequest, HttpError } from '../errors.ts';
import type { AppState, DeltaEntry, Timers } from '../../state/app-state.ts';
import { standsAlone } from '../../../generator/view/index.ts';
import { nodeFacts } from '../../graph/project.ts';
import { parseGraphQuery, podCounts, projectEdges, toApiNode } from '../view.ts';
import type { GraphFilters } from '../view.ts';

export interface EventsOptions {
  /** Comment line every N ms so proxies keep the stream open. Default 15 s. */
  readonly heartbeatMs?: number;
  readonly timers?: Timers;
  /** At most this many clients at once; one more is answered 503. Default 100 (MAX_SSE_CLIENTS). */
  readonly maxClients?: number;
  /**
   * A client that leaves more than this many bytes unread in the server's buffer is dropped
   * (it reconnects with Last-Event-ID when it can read again). Default 1 MiB (MAX_SSE_BUFFERED_BYTES).
   */
  readonly maxBufferedBytes?: number;
}

export const MAX_SSE_CLIENTS = 100;
export const MAX_SSE_BUFFERED_BYTES = 2 ** 20;

/** What a client stream needs: node's ServerResponse, or any Writable in tests. */
export interface SseStream {
  readonly writableLength: number;
  write(chunk: string): boolean;
  destroy(error?: Error): void;
}

/**
 * Writes events to one client with backpressure: while the client reads, every event goes out;
 * once more than `maxBuffered` bytes wait unread in the server's buffer (a stalled or very slow
 * client), the client is dropped with a reason instead of the server holding ever more memory.
 */
export class SseWriter {
  dropped: string | undefined;
  constructor(private readonly stream: SseStream, private readonly maxBuffered: number, private readonly onDrop: (reason: string) => void) {}

  write(text: string): void {
    if (this.dropped !== undefined) return;
    if (this.stream.writableLength > this.maxBuffered) {
      this.dropped = `the client left more than ${this.maxBuffered} bytes unread; dropped (it may reconnect with Last-Event-ID)`;
      this.onDrop(this.dropped);
      this.stream.destroy();
      return;
    }
    this.stream.write(text);
  }
}

/** Builds the delta a client with these filters sees for some log entries (empty when nothing of it is visible). */
export function projectDelta(state: AppState, f: GraphFilters, entries: readonly DeltaEntry[]): GraphDelta | undefined {
  if (entries.length === 0) return undefined;
  const changed = new Set<string>();
  const newNodes = new Set<string>();
  for (const e of entries) {
    e.edges.forEach((k) => changed.add(k));
    e.nodes.forEach((k) => newNodes.add(k));
  }
  const g = state.graph;
  const { edges, parts } = projectEdges(state, f);
  const out = ([...edges.values()] as ApiEdge[]).filter((e) => parts.get(e.key)!.some((p) => changed.has(p)));
  const nodeKeys = new Set<string>();
  for (const e of out) {
    nodeKeys.add(e.source);
    nodeKeys.add(e.target);
  }
  // a new node shows on its own as it would in GET /graph (generator/view standsAlone)
  const facts = nodeFacts(g);
  for (const k of newNodes) {
    const node = facts(k);
    if (node && standsAlone(node, f.level, f)) nodeKeys.add(k);
  }
  const last = entries[entries.length - 1];
  if (out.length === 0 && nodeKeys.size === 0) return undefined;
  const pods = podCounts(g);
  const nodes: ApiNode[] = [...nodeKeys].sort().map((k) => toApiNode(g, k, pods));
  return { seq: last.seq, time: last.time, nodes, edges: out, removedEdges: [], removedNodes: [] };
}

function send(out: SseWriter, event: string, data: unknown, id?: number): void {
  out.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function eventsRoutes(state: AppState, options: EventsOptions = {}): { router: Router; clients: () => number; dropped: () => number } {
  const r = Router();
  let clients = 0;
  let dropped = 0;
  const maxClients = options.maxClients ?? MAX_SSE_CLIENTS;
  const maxBuffered = options.maxBufferedBytes ?? MAX_SSE_BUFFERED_BYTES;
  const timers: Timers = options.timers ?? { setInterval: (f, ms) => setInterval(f, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };

  r.get('/events', (req, res) => {
    if (clients >= maxClients) {
      throw new HttpError(503, `netatlas/api: ${maxClients} live clients are connected, the most this server serves at once; retry later, or close another view.`);
    }
    const query = { ...(req.query as Record<string, unknown>) };
    const filters = parseGraphQuery(query, state.now());
    const rawLast = req.get('last-event-id') ?? (typeof query.lastEventId === 'string' ? query.lastEventId : undefined);
    let lastSeq: number | undefined;
    if (rawLast !== undefined && rawLast !== '') {
      if (!/^\d{1,15}$/.test(rawLast)) throw badRequest('Last-Event-ID (or lastEventId) must be a delta sequence number from a previous event.');
      lastSeq = Number(rawLast);
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: 3000\n: netatlas events, seq ${state.seq}\n\n`);
    clients++;
    const out = new SseWriter(res as Response & SseStream, maxBuffered, () => dropped++);

    if (lastSeq !== undefined) {
      const missed = state.deltasSince(lastSeq);
      if (missed === undefined) {
        const reset: ResetEvent = { seq: state.seq, reason: `Last-Event-ID ${lastSeq} is older than the delta log: refetch /api/v1/graph.` };
        send(out, 'reset', reset, state.seq);
      } else {
        for (const entry of missed) {
          const d = projectDelta(state, filters, [entry]);
          if (d) send(out, 'delta', d, d.seq);
        }
      }
    }

    const offDelta = state.onDelta((entry) => {
      const d = projectDelta(state, filters, [entry]);
      if (d) send(out, 'delta', d, d.seq);
    });
    const offSources = state.onSourcesChanged(() => send(out, 'sources', state.publicSourceStatuses()));
    const heartbeat = timers.setInterval(() => out.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
    (heartbeat as { unref?: () => void })?.unref?.();
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clients--;
      offDelta();
      offSources();
      timers.clearInterval(heartbeat);
    };
    req.on('close', close);
    res.on('close', close);
    res.on('error', close);
  });

  return { router: r, clients: () => clients, dropped: () => dropped };
}
