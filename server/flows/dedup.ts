/**
 * A bounded, time-windowed set of recently seen connections, so one connection reported several
 * times (both nodes, both observation points, the policy-verdict event, every packet of a TCP
 * stream) is counted once. Memory is bounded by `maxEntries`, never by the number of flows.
 *
 * A key is "seen" while the gap between two sightings stays within `windowMs`; every sighting
 * refreshes it, so a long-lived connection stays one connection. Eviction is least-recently-seen
 * (a Map keeps insertion order; a refresh re-inserts the key at the end).
 *
 * Expiry is relative to the time of each record looked up (`|record time - last sighting| <=
 * windowMs`), never to the newest time seen so far: the files of several clusters are read one
 * after another (each from 09:00 to 10:00, say), and a connection the second file shares with the
 * first must still be found when the second file gets to it. So entries are not swept by time;
 * memory is bounded by `maxEntries` alone (least-recently-seen out first): exact while an ingest
 * holds fewer distinct connections than that.
 *
 * The cache also remembers the verdict emitted for each connection (`observe`), so a later,
 * stronger report (the destination node's DROPPED after the source node's FORWARDED SYN) can
 * correct it: see `verdictRank` and FlowRecord.supersedes.
 */
import type { Verdict } from '../../generator/model/flow.ts';

export interface ConnectionCacheOptions {
  /** How long after its last sighting a 5-tuple still names the same connection. Default 120 s
   *  (twice Linux's TIME_WAIT, so a keep-alive connection quiet for a minute stays one connection). */
  readonly windowMs?: number;
  /** Upper bound on remembered connections. Default 100,000 (about 15 MB). */
  readonly maxEntries?: number;
}

export const DEFAULT_DEDUP_WINDOW_MS = 120_000;
export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

/**
 * How strongly a report of a connection states its fate: DROPPED and ERROR (the packet did not
 * get through) outrank every other verdict, so one such report of a connection decides its
 * verdict whichever observation point reported first. Equal ranks: the first report stays.
 */
export function verdictRank(v: Verdict): number {
  return v === 'DROPPED' || v === 'ERROR' ? 1 : 0;
}
export const MAX_VERDICT_RANK = 1;

/** What `observe` found: a new connection, a duplicate, or a duplicate whose verdict must change. */
export type Observation =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'supersede'; readonly previous: Verdict };

const NEW: Observation = { kind: 'new' };
const DUPLICATE: Observation = { kind: 'duplicate' };

interface Entry {
  time: number;
  /** The verdict last emitted for this connection (undefined: keys recorded by `seen`). */
  verdict: Verdict | undefined;
}

export class ConnectionCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  private readonly lastSeen = new Map<string, Entry>();

  constructor(options: ConnectionCacheOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES);
  }

  get size(): number {
    return this.lastSeen.size;
  }

  /** True when `key` was seen within the window before `time` (ms); records the sighting either way. */
  seen(key: string, time: number): boolean {
    return this.touch(key, time, undefined) !== undefined;
  }

  /**
   * Records a report of connection `key` with `verdict`: `new` the first time (within the window),
   * `supersede` when it is a duplicate whose verdict outranks the one emitted before (the cache
   * then remembers the new one), else `duplicate`.
   */
  observe(key: string, time: number, verdict: Verdict): Observation {
    const previous = this.touch(key, time, verdict);
    if (previous === undefined) return NEW;
    const before = previous.verdict;
    if (before === undefined || before === verdict || verdictRank(verdict) <= verdictRank(before)) {
      if (before === undefined) previous.verdict = verdict;
      return DUPLICATE;
    }
    previous.verdict = verdict;
    return { kind: 'supersede', previous: before };
  }

  /** True when `key` was seen within the window before `time`, without recording anything. */
  has(key: string, time: number): boolean {
    const previous = this.lastSeen.get(key);
    return previous !== undefined && Math.abs(time - previous.time) <= this.windowMs;
  }

  /** The verdict emitted for `key` when it was seen within the window of `time`, else undefined. */
  verdictOf(key: string, time: number): Verdict | undefined {
    const previous = this.lastSeen.get(key);
    return previous !== undefined && Math.abs(time - previous.time) <= this.windowMs ? previous.verdict : undefined;
  }

  /** Records a sighting; returns the live entry when it is a duplicate, else undefined. */
  private touch(key: string, time: number, verdict: Verdict | undefined): Entry | undefined {
    const previous = this.lastSeen.get(key);
    if (previous !== undefined) {
      this.lastSeen.delete(key);
      this.lastSeen.set(key, previous);
      if (Math.abs(time - previous.time) <= this.windowMs) {
        if (time > previous.time) previous.time = time;
        return previous;
      }
      // The same 5-tuple long before or after: a new connection.
      if (time > previous.time) previous.time = time;
      previous.verdict = verdict;
      return undefined;
    }
    this.lastSeen.set(key, { time, verdict });
    this.evict();
    return undefined;
  }

  private evict(): void {
    // Least recently seen first (a Map iterates in insertion order; a sighting re-inserts).
    if (this.lastSeen.size <= this.maxEntries) return;
    for (const entry of this.lastSeen) {
      if (this.lastSeen.size <= this.maxEntries) break;
      this.lastSeen.delete(entry[0]);
    }
  }
}
