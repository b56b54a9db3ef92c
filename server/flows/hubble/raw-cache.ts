/**
 * A bounded cache of values decoded from raw JSON bytes, looked up by a span of a line without
 * copying or hashing the whole span: the key is a fingerprint (length and 16 sampled bytes), a hit
 * is confirmed by comparing the bytes. Hashing a 600-byte span per lookup would cost more than the
 * rest of a line's fast path.
 *
 * Used for the parts of Hubble lines that repeat from line to line: the two endpoint objects, and
 * the members after them (Type .. Summary) on L3/L4 flows. When full it is cleared, so its memory
 * is bounded by `max` entries whatever the input. Entries hold their own copy of the bytes, never
 * a view of the (much larger) buffer the line came from.
 */
export class RawBytesCache<T> {
  private readonly buckets = new Map<number, CacheEntry<T>[]>();
  /** Entries of at least PREFIX bytes by a hash of their first PREFIX bytes (see `startingAt`). */
  private readonly byPrefix = new Map<number, CacheEntry<T>[]>();
  private entries = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries;
  }

  /** The value cached for the bytes b[start, end), or undefined. */
  get(b: Uint8Array, start: number, end: number): T | undefined {
    const bucket = this.buckets.get(fingerprint(b, start, end));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i];
      if (sameBytes(entry.raw, b, start, end)) return entry.value;
    }
    return undefined;
  }

  /**
   * An entry whose bytes b holds at `start` and which `follows` ends right after (b[start + length]
   * is one of the bytes given), or undefined. Finds a cached JSON value in a line without looking
   * for its end first: a complete JSON object is never a proper prefix of another one, so a match
   * is that value, and the caller need not scan it.
   */
  startingAt(b: Uint8Array, start: number, limit: number, follows1: number, follows2: number): CacheEntry<T> | undefined {
    if (limit - start < PREFIX) return undefined;
    const bucket = this.byPrefix.get(prefixHash(b, start));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i];
      const end = start + entry.raw.length;
      if (end >= limit) continue;
      const next = b[end];
      if ((next === follows1 || next === follows2) && b[end - 1] === entry.raw[entry.raw.length - 1] && sameBytes(entry.raw, b, start, end)) return entry;
    }
    return undefined;
  }

  /**
   * Caches `value` for the bytes b[start, end); clears the cache first when it is full. Values
   * whose fingerprint already has MAX_BUCKET entries are not cached (many values that differ only
   * where the fingerprint does not sample: a longer bucket would be scanned on every lookup, a
   * cost quadratic over a file); they are decoded again each time they are seen.
   */
  set(b: Uint8Array, start: number, end: number, value: T): void {
    if (this.entries >= this.max) this.clear();
    const fp = fingerprint(b, start, end);
    const bucket = this.buckets.get(fp);
    if (bucket !== undefined && bucket.length >= MAX_BUCKET) return;
    const raw = Buffer.allocUnsafeSlow(end - start);
    raw.set(b.subarray(start, end));
    const entry: CacheEntry<T> = { raw, value };
    if (bucket === undefined) this.buckets.set(fp, [entry]);
    else bucket.push(entry);
    if (end - start >= PREFIX) {
      // The same bound for a prefix many values share (startingAt scans its list).
      const key = prefixHash(b, start);
      const byPrefix = this.byPrefix.get(key);
      if (byPrefix === undefined) this.byPrefix.set(key, [entry]);
      else if (byPrefix.length < MAX_BUCKET) byPrefix.push(entry);
    }
    this.entries++;
  }

  clear(): void {
    this.buckets.clear();
    this.byPrefix.clear();
    this.entries = 0;
  }
}

export interface CacheEntry<T> {
  readonly raw: Buffer;
  readonly value: T;
}

const PREFIX = 24;
/** The longest list one fingerprint or one prefix keeps (see set). */
const MAX_BUCKET = 8;

function prefixHash(b: Uint8Array, start: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < start + PREFIX; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

/** Whether raw holds exactly the bytes b[start, end) (a native memcmp past a few dozen bytes). */
function sameBytes(raw: Buffer, b: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (raw.length !== length) return false;
  if (length > 48) return raw.compare(b, start, end) === 0;
  for (let i = 0; i < length; i++) if (raw[i] !== b[start + i]) return false;
  return true;
}

function fingerprint(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  let h = length;
  const step = (length >> 4) + 1;
  for (let i = start + 1; i < end; i += step) h = (Math.imul(h, 31) + b[i]) | 0;
  return h;
}
