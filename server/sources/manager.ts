/**
 * SourceManager: runs several sources at once, keeps each one's status, and isolates them:
 * a source that throws, rejects, or whose records the sink refuses is marked and counted,
 * and every other source goes on. A long-running source (`restart`) whose start fails is
 * started again after a jittered exponential wait (backoff.ts); a file stays in error.
 */
import type { FlowRecord, Inventory } from '../../generator/model/index.ts';
import { DEFAULT_RESTART, restartDelay, type RestartPolicy } from './backoff.ts';
import type { Source, SourceContext, SourceReport, SourceSink, SourceStatus } from './types.ts';

const MAX_LAST_ERRORS = 10;

interface Entry {
  readonly source: Source;
  status: {
    state: SourceStatus['state'];
    reason?: string;
    lastEventTime?: number;
    records: number;
    errors: number;
    lastErrors: string[];
  };
  abort: AbortController;
  running?: Promise<void>;
  started: boolean;
  /** Failed starts in a row (restartable sources). */
  failures: number;
  retry?: unknown;
  /** Its status has been published (a quiet source's is held back until it has something). */
  shown: boolean;
}

export interface SourceManagerOptions {
  readonly sink: SourceSink;
  readonly now?: () => number;
  readonly restart?: RestartPolicy;
  /** In [0, 1), for the jitter of restart waits. */
  readonly random?: () => number;
  readonly timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

const realTimers = {
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms).unref(),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
};

export class SourceManager {
  private readonly entries = new Map<string, Entry>();
  private readonly sink: SourceSink;
  private readonly now: () => number;
  private readonly policy: RestartPolicy;
  private readonly random: () => number;
  private readonly timers: NonNullable<SourceManagerOptions['timers']>;

  constructor(options: SourceManagerOptions) {
    this.sink = options.sink;
    this.now = options.now ?? Date.now;
    this.policy = options.restart ?? DEFAULT_RESTART;
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? realTimers;
  }

  /** Registers a source (not started). Ids are unique. */
  add(source: Source): void {
    if (this.entries.has(source.id)) {
      throw new Error(`netatlas/sources: a source with id "${source.id}" is already registered. Give each flow file, relay and cluster once.`);
    }
    this.entries.set(source.id, {
      source,
      status: { state: 'starting', records: 0, errors: 0, lastErrors: [] },
      abort: new AbortController(),
      started: false,
      failures: 0,
      shown: false,
    });
    this.publish(source.id);
  }

  /** Starts one source, or every source not started yet. Never rejects. */
  async start(id?: string): Promise<void> {
    const ids = id === undefined ? [...this.entries.keys()] : [id];
    for (const one of ids) {
      const entry = this.entry(one);
      if (entry.started) continue;
      entry.started = true;
      entry.running = this.run(entry);
    }
  }

  /** Resolves when the given source (or every started source) has finished its start(). */
  async settled(id?: string): Promise<void> {
    const entries = id === undefined ? [...this.entries.values()] : [this.entry(id)];
    await Promise.all(entries.map((e) => e.running));
  }

  /** Stops one source or all; each stop is isolated from the others' failures. */
  async stop(id?: string): Promise<void> {
    const entries = id === undefined ? [...this.entries.values()] : [this.entry(id)];
    await Promise.all(
      entries.map(async (entry) => {
        entry.abort.abort();
        if (entry.retry !== undefined) this.timers.clearTimeout(entry.retry);
        try {
          await entry.source.stop();
        } catch (error) {
          this.fail(entry, `stop failed: ${(error as Error).message}`);
        }
        if (entry.status.state !== 'error') this.set(entry, { state: 'done', reason: entry.started ? 'stopped' : 'never started' });
      }),
    );
  }

  /** Stops and forgets a source. */
  async remove(id: string): Promise<void> {
    if (!this.entries.has(id)) return;
    await this.stop(id);
    this.entries.delete(id);
  }

  status(id: string): SourceStatus;
  status(): SourceStatus[];
  status(id?: string): SourceStatus | SourceStatus[] {
    if (id !== undefined) return this.snapshot(this.entry(id));
    return [...this.entries.values()].map((e) => this.snapshot(e));
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`netatlas/sources: no source with id "${id}". Known: ${[...this.entries.keys()].join(', ') || '(none)'}.`);
    return entry;
  }

  private snapshot(entry: Entry): SourceStatus {
    const s = entry.status;
    // A source's live view (staleness from its clock) wins over the last pushed state,
    // except once the manager marked it error or done.
    let live: SourceReport = {};
    if (entry.source.report && s.state !== 'done' && s.state !== 'error') {
      try {
        live = entry.source.report();
      } catch {
        live = {};
      }
    }
    const state = live.state ?? s.state;
    const reason = live.state ? live.reason : s.reason;
    const lastEventTime = Math.max(live.lastEventTime ?? 0, s.lastEventTime ?? 0) || undefined;
    const { source } = entry;
    return {
      id: source.id,
      kind: source.kind,
      ...(source.cluster !== undefined ? { cluster: source.cluster } : {}),
      state,
      ...(reason ? { reason } : {}),
      ...(lastEventTime !== undefined ? { lastEventTime } : {}),
      records: s.records,
      errors: s.errors,
      lastErrors: [...s.lastErrors],
    };
  }

  private publish(id: string): void {
    if (!this.sink.status) return;
    const entry = this.entry(id);
    const s = entry.status;
    if (entry.source.quiet && !entry.shown && s.records === 0 && s.errors === 0 && s.state !== 'error') return;
    entry.shown = true;
    try {
      this.sink.status(this.snapshot(entry));
    } catch {
      // A sink that fails on a status update must not take the source down with it.
    }
  }

  private set(entry: Entry, report: SourceReport): void {
    const s = entry.status;
    if (report.state !== undefined) {
      s.state = report.state;
      s.reason = report.reason;
    } else if (report.reason !== undefined) {
      s.reason = report.reason;
    }
    if (report.lastEventTime !== undefined) s.lastEventTime = Math.max(s.lastEventTime ?? 0, report.lastEventTime);
    if (report.records !== undefined) s.records = report.records;
    this.publish(entry.source.id);
  }

  private fail(entry: Entry, message: string): void {
    entry.status.errors++;
    if (entry.status.lastErrors.length < MAX_LAST_ERRORS) entry.status.lastErrors.push(message);
    this.publish(entry.source.id);
    try {
      this.sink.error?.(entry.source.id, message);
    } catch {
      // As for status: the sink's trouble is not the source's.
    }
  }

  private context(entry: Entry): SourceContext {
    const id = entry.source.id;
    const cluster = entry.source.cluster;
    const stopped = (): boolean => entry.abort.signal.aborted && entry.status.state === 'done';
    return {
      signal: entry.abort.signal,
      emitFlows: (records: readonly FlowRecord[], position?: Record<string, unknown>) => {
        if (stopped() || (records.length === 0 && !position)) return;
        if (records.length && !entry.shown) {
          // A quiet source is shown from its first records on, before the sink takes them.
          entry.shown = true;
          this.publish(id);
        }
        try {
          this.sink.flows(id, records, { ...(cluster !== undefined ? { cluster } : {}), ...(position ? { position } : {}) });
        } catch (error) {
          this.fail(entry, `${id}: the sink refused ${records.length} records: ${(error as Error).message}`);
          return;
        }
        if (records.length === 0) return;
        entry.status.records += records.length;
        let last = 0;
        for (const r of records) if (r.time > last) last = r.time;
        const patch: SourceReport = { lastEventTime: last || this.now() };
        this.set(entry, entry.status.state === 'starting' || entry.status.state === 'stale' ? { ...patch, state: 'connected' } : patch);
      },
      emitInventory: (clusterName: string, inventory: Inventory, objects?: number) => {
        if (stopped()) return;
        try {
          this.sink.inventory?.(id, clusterName, inventory);
        } catch (error) {
          this.fail(entry, `${id}: the sink refused the inventory of ${clusterName}: ${(error as Error).message}`);
          return;
        }
        if (objects !== undefined) entry.status.records = objects;
        this.set(entry, { lastEventTime: this.now() });
      },
      error: (message: string) => this.fail(entry, message),
      report: (report: SourceReport) => {
        if (stopped()) return;
        this.set(entry, report);
      },
      savedPosition: async () => (this.sink.position ? this.sink.position(id) : undefined),
    };
  }

  private async run(entry: Entry): Promise<void> {
    try {
      await entry.source.start(this.context(entry));
      entry.failures = 0;
    } catch (error) {
      const message = (error as Error).message;
      this.fail(entry, `${entry.source.id}: ${message}`);
      if (!entry.source.restart || entry.abort.signal.aborted) {
        this.set(entry, { state: 'error', reason: message });
        return;
      }
      const wait = restartDelay(entry.failures++, this.policy, this.random());
      this.set(entry, { state: 'error', reason: `${message} (starting again in ${Math.max(1, Math.round(wait / 1000))} s)` });
      entry.retry = this.timers.setTimeout(() => {
        entry.retry = undefined;
        if (!entry.abort.signal.aborted) entry.running = this.run(entry);
      }, wait);
    }
  }
}
