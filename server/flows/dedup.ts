/**
 * A bounded, time-windowed set of recently seen connections, so one connection reported several
 * times (both nodes, both observation points, the policy-verdict event, every packet of a TCP
 * stream) is counted once. Memory is bounded by `maxEntries`, never by the number of flows.
 *
 * A key is "seen" while the gap between two sightings stays within `windowMs`; every sighting
 * refreshes it, so a long-lived connection stays one connection. Eviction is least-recently-seen
 * (a Map keeps insertion order; a refresh re-inserts the key at the end).
 */
export interface ConnectionCacheOptions {
  /** How long after its last sighting a 5-tuple still names the same connection. Default 120 s
   *  (twice Linux's TIME_WAIT, so a keep-alive connection quiet for a minute stays one connection). */
  readonly windowMs?: number;
  /** Upper bound on remembered connections. Default 100,000 (about 15 MB). */
  readonly maxEntries?: number;
}

export const DEFAULT_DEDUP_WINDOW_MS = 120_000;
export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

export class ConnectionCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  private readonly lastSeen = new Map<string, number>();
  /** The latest flow time seen; flows from several nodes arrive slightly out of order. */
  private now = -Infinity;

  constructor(options: ConnectionCacheOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES);
  }

  get size(): number {
    return this.lastSeen.size;
  }

  /** True when `key` was seen within the window before `time` (ms); records the sighting either way. */
  seen(key: string, time: number): boolean {
    const previous = this.lastSeen.get(key);
    const duplicate = previous !== undefined && Math.abs(time - previous) <= this.windowMs;
    if (previous !== undefined) this.lastSeen.delete(key);
    this.lastSeen.set(key, previous !== undefined && previous > time ? previous : time);
    if (time > this.now) this.now = time;
    if (previous === undefined) this.evict();
    return duplicate;
  }

  /** True when `key` was seen within the window before `time`, without recording anything. */
  has(key: string, time: number): boolean {
    const previous = this.lastSeen.get(key);
    return previous !== undefined && Math.abs(time - previous) <= this.windowMs;
  }

  private inserts = 0;

  private evict(): void {
    // Oldest first: drop anything beyond the size bound at once; sweep what fell out of the
    // window only every 1,024 inserts (an iterator per insert costs more than the insert).
    if (this.lastSeen.size <= this.maxEntries && (++this.inserts & 1023) !== 0) return;
    for (const entry of this.lastSeen) {
      if (this.lastSeen.size > this.maxEntries || this.now - entry[1] > this.windowMs) this.lastSeen.delete(entry[0]);
      else break;
    }
  }
}
