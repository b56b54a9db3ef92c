/**
 * Flow sources for the SourceManager: a flow file read once, a followed (tailed) export file,
 * and Hubble Relay. All parse through server/flows (one normalizer for every input) and
 * hand on records in batches with the position to resume from.
 */
import type { FlowRecord } from '../../generator/model/index.ts';
import { createFlowParseState, parseFlowLine, parseFlowObject, readFlows, type FlowParseState } from '../flows/index.ts';
import { FileFollower, type FollowTimers } from '../flows/follow.ts';
import { HubbleRelayClient, type RelayClientOptions } from '../flows/relay/client.ts';
import type { Source, SourceContext, SourceReport } from './types.ts';

/** Flushed when this many records are waiting (default). */
export const DEFAULT_BATCH = 2000;

// Positions are type aliases, not interfaces, so they are assignable to the store's
// Record<string, unknown> positions as they are.

/** Saved position of a followed file (what `flows-follow` sources emit and accept). */
export type FollowPosition = {
  readonly kind: 'follow';
  readonly offset: number;
  readonly line: number;
  readonly ino?: number;
};

/** Saved position of a relay: the time of the last flow received. */
export type RelayPosition = {
  readonly kind: 'relay';
  readonly lastEventTime: number;
};

// ---------------------------------------------------------------- a file, read once

export interface FlowFileSourceOptions {
  readonly path: string;
  readonly cluster?: string;
  readonly id?: string;
}

export function flowFileSource(options: FlowFileSourceOptions): Source {
  let stopRequested = false;
  return {
    id: options.id ?? `flows-file:${options.path}`,
    kind: 'flows-file',
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    async start(ctx) {
      const reader = readFlows(options.path, { ...(options.cluster ? { cluster: options.cluster } : {}), onError: (m) => ctx.error(m) });
      ctx.report({ state: 'connected' });
      for await (const batch of reader.batches()) {
        if (stopRequested || ctx.signal.aborted) return;
        ctx.emitFlows(batch);
      }
      ctx.report({ state: 'done', reason: `read ${options.path} to its end` });
    },
    stop() {
      stopRequested = true;
    },
  };
}

// ---------------------------------------------------------------- a followed file

export interface FollowFlowsSourceOptions {
  readonly path: string;
  readonly cluster?: string;
  readonly id?: string;
  /** Where to resume (a position this source emitted before, e.g. from the store). */
  readonly position?: Record<string, unknown>;
  readonly intervalMs?: number;
  readonly timers?: FollowTimers;
  readonly batchSize?: number;
  readonly now?: () => number;
  readonly staleAfterMs?: number;
}

function asFollowPosition(p: Record<string, unknown> | undefined): FollowPosition | undefined {
  if (!p || p.kind !== 'follow' || typeof p.offset !== 'number') return undefined;
  return { kind: 'follow', offset: p.offset, line: typeof p.line === 'number' ? p.line : 0, ...(typeof p.ino === 'number' ? { ino: p.ino } : {}) };
}

export interface FollowFlowsSource extends Source {
  /** Reads what is new now (tests drive polls with this). */
  poll(): Promise<void>;
}

export function followFlowsSource(options: FollowFlowsSourceOptions): FollowFlowsSource {
  const id = options.id ?? `flows-follow:${options.path}`;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const start = asFollowPosition(options.position);
  let ctx: SourceContext | undefined;
  let pending: FlowRecord[] = [];
  let parse: FlowParseState | undefined;
  const position = (): FollowPosition => {
    const c = follower.checkpoint();
    return { kind: 'follow', offset: c.offset, line: c.line, ...(c.ino !== undefined ? { ino: c.ino } : {}) };
  };
  const flush = (): void => {
    if (!ctx) return;
    const records = pending;
    pending = [];
    ctx.emitFlows(records, position());
  };
  const follower = new FileFollower({
    path: options.path,
    ...(start ? { startOffset: start.offset, startLine: start.line, ...(start.ino !== undefined ? { startIno: start.ino } : {}) } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
    onError: (m) => ctx?.error(m),
    onLine: (line, lineNumber) => {
      if (!parse) return;
      parse.line = lineNumber - 1;
      parseFlowLine(line, parse, pending);
      // The follower advanced its offset past this line already: a flush here is exact.
      if (pending.length >= batchSize) flush();
    },
  });
  const afterPoll = async (): Promise<void> => {
    const before = follower.checkpoint().offset;
    await follower.poll();
    if (pending.length > 0 || follower.checkpoint().offset !== before) flush();
    const s = follower.status();
    ctx?.report({ state: s.state, ...(s.reason ? { reason: s.reason } : {}) });
  };
  return {
    id,
    kind: 'flows-follow',
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    start(context) {
      ctx = context;
      parse = createFlowParseState({ file: options.path, ...(options.cluster ? { cluster: options.cluster } : {}), onError: (m) => context.error(m) });
      parse.line = start?.line ?? 0;
      const interval = options.intervalMs ?? 1000;
      const timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
      let timer: unknown;
      const tick = (): void => {
        if (context.signal.aborted) return;
        void afterPoll().then(() => {
          if (!context.signal.aborted) timer = timers.setTimeout(tick, interval);
        });
      };
      context.signal.addEventListener('abort', () => timer !== undefined && timers.clearTimeout(timer));
      tick();
    },
    poll: afterPoll,
    async stop() {
      await follower.stop();
    },
    report(): SourceReport {
      const s = follower.status();
      return { state: s.state, ...(s.reason ? { reason: s.reason } : {}) };
    },
  };
}

// ---------------------------------------------------------------- Hubble Relay

export interface RelayFlowsSourceOptions extends Omit<RelayClientOptions, 'onEvent' | 'onStatus'> {
  readonly cluster?: string;
  readonly id?: string;
  /** Where to resume (a position this source emitted before): asks the relay for flows since then. */
  readonly position?: Record<string, unknown>;
  readonly batchSize?: number;
  /** Schedules a flush of a partial batch; setImmediate by default (flows decoded together go together). */
  readonly schedule?: (fn: () => void) => void;
}

export function relayFlowsSource(options: RelayFlowsSourceOptions): Source {
  const { cluster, id, position, batchSize = DEFAULT_BATCH, schedule = (fn) => setImmediate(fn), ...clientOptions } = options;
  const sourceId = id ?? `hubble-relay:${options.address}`;
  let ctx: SourceContext | undefined;
  let pending: FlowRecord[] = [];
  let scheduled = false;
  let lastFlowTime = 0;
  const resumeFrom = position && position.kind === 'relay' && typeof position.lastEventTime === 'number' ? position.lastEventTime : undefined;
  const parse = createFlowParseState({ file: sourceId, format: 'hubble', ...(cluster ? { cluster } : {}), onError: (m) => ctx?.error(m) });
  const flush = (): void => {
    scheduled = false;
    if (!ctx || pending.length === 0) return;
    const records = pending;
    pending = [];
    const relayPosition: RelayPosition = { kind: 'relay', lastEventTime: lastFlowTime };
    ctx.emitFlows(records, relayPosition);
  };
  const client = new HubbleRelayClient({
    ...clientOptions,
    ...(resumeFrom !== undefined && clientOptions.since === undefined ? { since: resumeFrom } : {}),
    onEvent: (response) => {
      if (!response.flow) return;
      parse.line++;
      const before = pending.length;
      parseFlowObject(response, parse, pending);
      for (let i = before; i < pending.length; i++) if (pending[i].time > lastFlowTime) lastFlowTime = pending[i].time;
      if (pending.length >= batchSize) flush();
      else if (!scheduled && pending.length > 0) {
        scheduled = true;
        schedule(flush);
      }
    },
    onStatus: (s) => ctx?.report({ state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) }),
  });
  return {
    id: sourceId,
    kind: 'hubble-relay',
    ...(cluster !== undefined ? { cluster } : {}),
    start(context) {
      ctx = context;
      // Runs until stopped; failures are in the status, never a rejection.
      void client.start().then(flush);
    },
    async stop() {
      await client.stop();
      flush();
    },
    report(): SourceReport {
      const s = client.status();
      return { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) };
    },
  };
}
