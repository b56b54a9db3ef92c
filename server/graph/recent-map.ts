/**
 * RecentMap: a Map that keeps what was used recently and at most `capacity` entries, whatever
 * the input. Two generations, as the connection cache of server/flows/dedup.ts: entries set or
 * read go into the current generation; when it holds capacity / 2 entries it becomes the previous
 * one and the previous one is dropped. A read finds an entry in either and moves it to the current.
 *
 * The rule that results: an entry is dropped only after at least capacity / 2 other entries have
 * been used since it was last used (an LRU within a factor of two), and a hit in the current
 * generation costs one Map lookup, no bookkeeping (what keeps it cheap on a per-flow path).
 */
export class RecentMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly half: number;
  /** Entries dropped since creation. */
  evicted = 0;

  /**
   * @param capacity the most entries held (at least 2).
   * @param onTurnOver called after each turnover, when entries may have been dropped (callers
   *   clear caches that could still name them).
   */
  constructor(readonly capacity: number, private readonly onTurnOver?: () => void) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`netatlas/graph: RecentMap capacity ${capacity} is not an integer of at least 2; pass the most entries to keep.`);
    }
    this.half = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The value of `key`, marking it used; undefined when absent or dropped. */
  get(key: K): V | undefined {
    const v = this.current.get(key);
    if (v !== undefined) return v;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.add(key, old);
    }
    return old;
  }

  /** Sets `key` (marking it used). */
  set(key: K, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.previous.delete(key);
    this.add(key, value);
  }

  private add(key: K, value: V): void {
    this.current.set(key, value);
    if (this.current.size < this.half) return;
    this.evicted += this.previous.size;
    this.previous = this.current;
    this.current = new Map();
    this.onTurnOver?.();
  }
}
