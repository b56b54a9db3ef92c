/**
 * Flow files as sources: a file (or pipe) read once, and a followed (tailed) export file. Both
 * parse through server/flows (one normalizer for every input) and hand on records in batches
 * with the position to resume from, which the sink stores in the same transaction as the edges.
 */
import { statSync } from 'node:fs';
import type { FlowRecord } from '../../generator/model/index.ts';
import { ConnectionCache, createFlowParseState, parseFlowLine, readFlows, type FlowParseState } from '../flows/index.ts';
import { FileFollower, type FollowTimers } from '../flows/follow.ts';
import { checkpointed, restoredConnections, type Checkpoints } from './checkpoint.ts';
import type { Source, SourceContext, SourceReport } from './types.ts';

/** Flushed when this many records are waiting (default). */
export const DEFAULT_BATCH = 2000;

// Positions are type aliases, not interfaces, so they are assignable to the store's
// Record<string, unknown> positions as they are.

/** Saved position of a file read once: which version of it, and how many records were taken. */
export type FilePosition = { readonly size: number; readonly mtimeMs: number; readonly records: number; readonly done?: boolean };

// ---------------------------------------------------------------- a file, read once

export interface FlowFileSourceOptions {
  readonly path: string;
  readonly cluster?: string;
  readonly id?: string;
  /** `demo` for the bundled demo's files. Default `flows-file`. */
  readonly kind?: 'flows-file' | 'demo';
  /**
   * Found by walking a folder (an inventory dump may sit next to flow logs): a source only once
   * it yields flows, and a file that is no flow file is skipped without an error.
   */
  readonly walked?: boolean;
  /**
   * Shared by the files of one run (as the CLI's ingest): a connection reported by both nodes'
   * files, the two ends of an inter-cluster connection, counts once.
   */
  readonly connections?: ConnectionCache;
}

function asFilePosition(p: Record<string, unknown> | undefined): FilePosition | undefined {
  if (!p || typeof p.size !== 'number' || typeof p.mtimeMs !== 'number' || typeof p.records !== 'number') return undefined;
  return { size: p.size, mtimeMs: p.mtimeMs, records: p.records, ...(p.done === true ? { done: true } : {}) };
}

/**
 * Read once: the position saved per file (its size, mtime and how many records were taken)
 * lets a restart skip what was already counted, so observation accumulates instead of doubling.
 */
export function flowFileSource(options: FlowFileSourceOptions): Source {
  const { path: file, cluster, walked = false } = options;
  let stopRequested = false;
  return {
    id: options.id ?? `flows-file:${file}`,
    kind: options.kind ?? 'flows-file',
    ...(cluster !== undefined ? { cluster } : {}),
    ...(walked ? { quiet: true } : {}),
    async start(ctx) {
      const st = file === '-' ? undefined : statSync(file, { throwIfNoEntry: false });
      const saved = asFilePosition(await ctx.savedPosition());
      const same = st && saved && saved.size === st.size && saved.mtimeMs === st.mtimeMs;
      if (same && saved.done) {
        ctx.report({ state: 'done', records: saved.records });
        return;
      }
      const skip = same ? saved.records : 0;
      let taken = 0;
      const position = (): FilePosition | undefined => (st ? { size: st.size, mtimeMs: st.mtimeMs, records: taken } : undefined);
      try {
        const reader = readFlows(file, { ...(cluster ? { cluster } : {}), ...(options.connections ? { connections: options.connections } : {}), onError: (m) => ctx.error(m) });
        for await (const batch of reader.batches()) {
          if (stopRequested || ctx.signal.aborted) return;
          let records: FlowRecord[] = batch;
          if (taken < skip) {
            const drop = Math.min(skip - taken, batch.length);
            records = batch.slice(drop);
            taken += drop;
          }
          if (records.length === 0) continue;
          taken += records.length;
          ctx.emitFlows(records, position());
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        if (walked && (error as Error).name === 'InputError' && taken === 0) {
          ctx.report({ state: 'done', reason: 'not a flow file' });
          return;
        }
        throw error;
      }
      const at = position();
      if (at && taken > 0) ctx.emitFlows([], { ...at, done: true });
      ctx.report({ state: 'done' });
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
  readonly intervalMs?: number;
  readonly timers?: FollowTimers;
  /** A checkpoint is taken within a poll once this many records wait (and at the end of each poll). */
  readonly batchSize?: number;
  readonly now?: () => number;
  readonly staleAfterMs?: number;
}

export interface FollowFlowsSource extends Source {
  /** Reads what is new now and checkpoints it (tests drive polls with this). */
  poll(): Promise<void>;
}

/**
 * Tails a file from the checkpoint an earlier run stored (offset, line, inode and the
 * de-duplication state), so a restart reads each line once and counts a connection once.
 */
export function followFlowsSource(options: FollowFlowsSourceOptions): FollowFlowsSource {
  const id = options.id ?? `flows-follow:${options.path}`;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let ctx: SourceContext | undefined;
  let parse: FlowParseState | undefined;
  let checkpoints: Checkpoints | undefined;
  let follower: FileFollower | undefined;
  const report = (): SourceReport => {
    const s = follower?.status();
    return s ? { state: s.state, ...(s.reason ? { reason: s.reason } : {}) } : {};
  };
  const poll = async (): Promise<void> => {
    if (!follower || !checkpoints) return;
    const before = follower.checkpoint();
    await follower.poll();
    const after = follower.checkpoint();
    // A checkpoint when something was read (or the file was replaced); else only the state (staleness).
    if (checkpoints.records.length || after.offset !== before.offset || after.ino !== before.ino) checkpoints.flush();
    else ctx?.report(report());
  };
  return {
    id,
    kind: 'flows-follow',
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    restart: true,
    async start(context) {
      ctx = context;
      const saved = await context.savedPosition();
      const offset = typeof saved?.offset === 'number' && saved.offset > 0 ? saved.offset : undefined;
      const line = typeof saved?.line === 'number' ? saved.line : 0;
      const connections = restoredConnections(offset !== undefined ? saved : undefined);
      parse = createFlowParseState({ file: options.path, ...(options.cluster ? { cluster: options.cluster } : {}), connections, onError: (m) => context.error(m) });
      const f = new FileFollower({
        path: options.path,
        ...(offset !== undefined ? { startOffset: offset, startLine: line, ...(typeof saved?.ino === 'number' ? { startIno: saved.ino } : {}) } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
        onError: (m) => context.error(m),
        onLine: (text, lineNumber) => {
          // The follower advanced its offset past this line already: a checkpoint between lines is exact.
          parse!.line = lineNumber - 1;
          parseFlowLine(text, parse!, checkpoints!.records);
          if (checkpoints!.records.length >= batchSize) checkpoints!.schedule();
        },
      });
      follower = f;
      checkpoints = checkpointed(connections, () => ({ ...f.checkpoint() }), (records, at) => context.emitFlows(records, at), () => context.report(report()));
      const interval = options.intervalMs ?? 1000;
      const timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
      let timer: unknown;
      const tick = (): void => {
        if (context.signal.aborted) return;
        void poll().then(() => {
          if (!context.signal.aborted) timer = timers.setTimeout(tick, interval);
        });
      };
      context.signal.addEventListener('abort', () => timer !== undefined && timers.clearTimeout(timer));
      tick();
    },
    poll,
    async stop() {
      await follower?.stop();
      checkpoints?.flush();
    },
    report,
  };
}
