/**
 * The status of every source feeding the server (files, follows, relays, live inventories), as
 * GET /clusters and the health routes report it: state, records, errors and the first few error
 * messages. Listeners (SSE clients) hear of every change; one failing never affects ingest.
 */
import type { SourceKind, SourceStatus } from '../sources/types.ts';

const MAX_LAST_ERRORS = 10;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A source's status while it runs (SourceStatus, writable). */
export type MutableSource = Writable<Omit<SourceStatus, 'lastErrors'>> & { lastErrors: string[] };

export class SourceRegistry {
  private readonly sources = new Map<string, MutableSource>();
  private readonly listeners = new Set<() => void>();

  register(id: string, kind: SourceKind, cluster?: string): void {
    if (!this.sources.has(id)) {
      this.sources.set(id, { id, kind, cluster, state: 'starting', records: 0, errors: 0, lastErrors: [] });
      this.notify();
    }
  }

  /** The source `id`, registered as a flow file of `cluster` when it is not known yet. */
  ensure(id: string, cluster?: string): MutableSource {
    if (!this.sources.has(id)) this.register(id, 'flows-file', cluster);
    return this.sources.get(id)!;
  }

  /** Updates a source's status (creating it as kind 'flows-file' if unknown). */
  update(id: string, patch: Partial<Omit<SourceStatus, 'id' | 'lastErrors'>> & { error?: string }): void {
    let s = this.sources.get(id);
    if (!s) {
      s = { id, kind: patch.kind ?? 'flows-file', state: 'starting', records: 0, errors: 0, lastErrors: [] };
      this.sources.set(id, s);
    }
    const { error, ...rest } = patch;
    Object.assign(s, rest);
    if (patch.state && patch.state !== 'stale' && patch.state !== 'error' && patch.reason === undefined) delete s.reason;
    if (error) noteError(s, error);
    this.notify();
  }

  /** Records a source delivered: it counts them, and a starting or stale source is connected again. */
  noteRecords(s: MutableSource, n: number, lastTime: number | undefined, now: number): void {
    s.records += n;
    s.lastEventTime = Math.max(s.lastEventTime ?? 0, lastTime ?? 0) || now;
    if (s.state === 'starting' || s.state === 'stale') {
      s.state = 'connected';
      delete s.reason;
    }
  }

  statuses(): SourceStatus[] {
    return [...this.sources.values()].map((s) => ({ ...s, lastErrors: [...s.lastErrors] }));
  }

  /**
   * The statuses as the API shows them: a file's folder is the server's business, so every
   * absolute path in an id, reason or error is cut to its file name (`flows-file:events.log`).
   */
  publicStatuses(): SourceStatus[] {
    return this.statuses().map((s) => ({
      ...s,
      id: withoutFolders(s.id),
      ...(s.reason !== undefined ? { reason: withoutFolders(s.reason) } : {}),
      lastErrors: s.lastErrors.map(withoutFolders),
    }));
  }

  onChanged(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) {
      try {
        fn();
      } catch {
        // A listener (an SSE client) failing never affects ingest.
      }
    }
  }
}

/** Counts an error against a source, keeping the first few messages. */
export function noteError(s: MutableSource, message: string): void {
  s.errors++;
  if (s.lastErrors.length < MAX_LAST_ERRORS) s.lastErrors.push(message);
}

/** An absolute path (after a start, a space, a quote, '(', ':' or '='): its folders, then its name. */
const ABSOLUTE_PATH = /(^|[\s"'(:=])\/(?:[^\s"'/:]+\/)+([^\s"'/:]+)/g;

/** `text` with every absolute path cut to its file name. */
export function withoutFolders(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1$2');
}
