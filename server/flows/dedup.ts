/**
 * A bounded, time-windowed set of recently seen connections, so one connection reported several
 * times (both nodes, both observation points, the policy-verdict event, every packet of a TCP
 * stream) is counted once. Memory is bounded by `maxEntries`, never by the number of flows.
 *
 * A key is "seen" while the gap between two sightings stays within `windowMs`; every sighting
 * refreshes it, so a long-lived connection stays one connection.
 *
 * Expiry is relative to the time of each record looked up (`|record time - last sighting| <=
 * windowMs`), never to the newest time seen so far: the files of several clusters are read one
 * after another (each from 09:00 to 10:00, say), and a connection the second file shares with the
 * first must still be found when the second file gets to it. So entries are not swept by time;
 * memory is bounded by `maxEntries` alone.
 *
 * Layout: two generations, each an open-addressing hash table in typed arrays holding up to
 * maxEntries / 2 connections. New sightings go into the current generation; a connection found
 * only in the previous one is copied forward; when the current one is full, the previous one is
 * dropped and the current one becomes the previous. So a connection seen within the last
 * maxEntries / 2 distinct connections is always remembered (least recently seen out first, in
 * halves), and the cache never holds more than maxEntries. The tables grow by doubling up to that
 * size and are then reused: memory stays flat however long the input.
 *
 * Keys are stored as a 64-bit hash (two independent 32-bit hashes of the key text), not as text:
 * two different connections would have to agree in all 64 bits to be taken for one, about
 * 1 in 10^9 for a full cache of 100,000.
 *
 * The cache also remembers the verdict emitted for each connection (`observe`), so a later,
 * stronger report (the destination node's DROPPED after the source node's FORWARDED SYN) can
 * correct it: see `verdictRank` and FlowRecord.supersedes. Beside the verdict it keeps one bit:
 * whether the records emitted for the connection named its deciding policy (`namePolicy`), so a
 * later report of the same verdict that names one (the destination node's policy verdict with
 * `ingress_allowed_by` after the source node's trace) is emitted once as a policy correction.
 */
import type { Verdict } from '../../generator/model/flow.ts';

export interface ConnectionCacheOptions {
  /** How long after its last sighting a 5-tuple still names the same connection. Default 120 s
   *  (twice Linux's TIME_WAIT, so a keep-alive connection quiet for a minute stays one connection). */
  readonly windowMs?: number;
  /** Upper bound on remembered connections. Default 100,000 (4.7 MB of typed arrays at most). */
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

/**
 * What `observe` found: a new connection, a duplicate, a duplicate whose verdict must change, or
 * `unnamed`: a duplicate of the verdict emitted before, for a connection whose records named no
 * policy yet. An `unnamed` report that names a deciding policy is emitted as a policy correction
 * (`namePolicy` then records that one was named); any other counts as a duplicate.
 */
export type Observation =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unnamed' }
  | { readonly kind: 'supersede'; readonly previous: Verdict };

const NEW: Observation = { kind: 'new' };
const DUPLICATE: Observation = { kind: 'duplicate' };
const UNNAMED: Observation = { kind: 'unnamed' };

const VERDICTS: readonly Verdict[] = ['UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'];
const VERDICT_CODE = new Map<Verdict, number>(VERDICTS.map((v, i) => [v, i + 1]));
/**
 * A connection's byte holds its verdict code (the low bits) and this bit: a record emitted for it
 * named its deciding policy. Writing a verdict code clears it (a verdict correction names its own).
 */
const POLICY_NAMED = 0x80;
const VERDICT_MASK = 0x7f;

/** One generation: open addressing with linear probing over typed arrays; no deletions. */
class Generation {
  capacity: number;
  count = 0;
  used: Uint8Array;
  hi: Int32Array;
  lo: Int32Array;
  time: Float64Array;
  /** 0: no verdict recorded (keys recorded by `seen`), else index in VERDICTS + 1; POLICY_NAMED or-ed in. */
  verdict: Uint8Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.used = new Uint8Array(capacity);
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.verdict = new Uint8Array(capacity);
  }

  /** The slot holding (hi, lo), or -1. */
  find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      if (this.used[i] === 0) return -1;
      if (this.lo[i] === lo && this.hi[i] === hi) return i;
    }
  }

  /** Stores (hi, lo) in a free slot (the caller knows it is absent and the table has room). */
  insert(hi: number, lo: number, time: number, verdict: number): number {
    const mask = this.capacity - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.used[i] !== 0) i = (i + 1) & mask;
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.time[i] = time;
    this.verdict[i] = verdict;
    this.count++;
    return i;
  }

  /** Twice the size, same entries. */
  grow(): void {
    const old = { used: this.used, hi: this.hi, lo: this.lo, time: this.time, verdict: this.verdict, capacity: this.capacity };
    this.capacity *= 2;
    this.used = new Uint8Array(this.capacity);
    this.hi = new Int32Array(this.capacity);
    this.lo = new Int32Array(this.capacity);
    this.time = new Float64Array(this.capacity);
    this.verdict = new Uint8Array(this.capacity);
    this.count = 0;
    for (let i = 0; i < old.capacity; i++) if (old.used[i] !== 0) this.insert(old.hi[i], old.lo[i], old.time[i], old.verdict[i]);
  }

  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }
}

const INITIAL_CAPACITY = 1024;

/** ConnectionCache.snapshot(): the entries inside the window, column by column, base64. */
export interface ConnectionSnapshot {
  readonly v: 1;
  readonly n: number;
  readonly hi: string;
  readonly lo: string;
  readonly time: string;
  readonly verdict: string;
}

/** What ConnectionCache.emittedOfKey found of a connection seen before. */
export interface EmittedConnection {
  verdict: Verdict | undefined;
  policyNamed: boolean;
}

export class ConnectionCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  /** Connections per generation: the current one turns over when it holds this many. */
  private readonly perGeneration: number;
  private readonly maxCapacity: number;
  private current: Generation;
  private previous: Generation;
  // The hash of the last key looked up: callers often ask `has`, then `seen`, for one key object.
  private lastKey: string | undefined;
  private lastHi = 0;
  private lastLo = 0;

  constructor(options: ConnectionCacheOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES);
    this.perGeneration = Math.max(1, Math.floor(this.maxEntries / 2));
    // Load factor at most 1/2: a probe ends at an empty slot within a few steps.
    let max = INITIAL_CAPACITY;
    while (max < 2 * this.perGeneration) max *= 2;
    this.maxCapacity = max;
    const initial = Math.min(INITIAL_CAPACITY, max);
    this.current = new Generation(initial);
    this.previous = new Generation(initial);
  }

  /**
   * The connections still inside the window of the newest one, as a compact JSON-safe value (the
   * typed arrays' bytes in base64), for a checkpoint to store beside its offset: a reader that
   * resumes there with `restore` counts a connection that straddles the restart once.
   */
  snapshot(): ConnectionSnapshot {
    let newest = -Infinity;
    for (const g of [this.current, this.previous]) for (let i = 0; i < g.capacity; i++) if (g.used[i] !== 0 && g.time[i] > newest) newest = g.time[i];
    const hi: number[] = [];
    const lo: number[] = [];
    const time: number[] = [];
    const verdict: number[] = [];
    const taken = new Set<string>();
    for (const g of [this.current, this.previous]) {
      for (let i = 0; i < g.capacity; i++) {
        if (g.used[i] === 0 || g.time[i] < newest - this.windowMs) continue;
        const id = `${g.hi[i]},${g.lo[i]}`;
        if (taken.has(id)) continue; // copied forward: the current generation's entry is the live one
        taken.add(id);
        hi.push(g.hi[i]);
        lo.push(g.lo[i]);
        time.push(g.time[i]);
        verdict.push(g.verdict[i]);
      }
    }
    const bytes = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return { v: 1, n: hi.length, hi: bytes(Int32Array.from(hi)), lo: bytes(Int32Array.from(lo)), time: bytes(Float64Array.from(time)), verdict: bytes(Uint8Array.from(verdict)) };
  }

  /**
   * A cache holding what `snapshot` saved (with these options); undefined when `saved` is not a
   * snapshot of this version (a checkpoint from an older netatlas), so the caller starts empty.
   */
  static restore(saved: unknown, options: ConnectionCacheOptions = {}): ConnectionCache | undefined {
    const s = saved as Partial<ConnectionSnapshot> | undefined;
    if (!s || s.v !== 1 || typeof s.n !== 'number' || typeof s.hi !== 'string' || typeof s.lo !== 'string' || typeof s.time !== 'string' || typeof s.verdict !== 'string') return undefined;
    const n = s.n;
    const read = (text: string, width: number): Buffer | undefined => {
      const b = Buffer.from(text, 'base64');
      return b.length === n * width ? b : undefined;
    };
    const hiB = read(s.hi, 4), loB = read(s.lo, 4), timeB = read(s.time, 8), verdictB = read(s.verdict, 1);
    if (!hiB || !loB || !timeB || !verdictB) return undefined;
    const cache = new ConnectionCache(options);
    for (let i = 0; i < n; i++) {
      const verdict = verdictB[i];
      if ((verdict & VERDICT_MASK) > VERDICTS.length || (verdict & ~(VERDICT_MASK | POLICY_NAMED)) !== 0) return undefined;
      cache.insertCurrent(hiB.readInt32LE(4 * i), loB.readInt32LE(4 * i), timeB.readDoubleLE(8 * i), verdict);
    }
    return cache;
  }

  /** Connections held (a connection copied forward from the previous generation counts twice). */
  get size(): number {
    return this.current.count + this.previous.count;
  }

  /** True when `key` was seen within the window before `time` (ms); records the sighting either way. */
  seen(key: string, time: number): boolean {
    return this.touch(key, time, 0) >= 0;
  }

  /**
   * Records a report of connection `key` with `verdict`: `new` the first time (within the window),
   * `supersede` when it is a duplicate whose verdict outranks the one emitted before (the cache
   * then remembers the new one), `unnamed` when it repeats the verdict emitted before and no
   * policy was named for the connection yet, else `duplicate`.
   */
  observe(key: string, time: number, verdict: Verdict): Observation {
    return this.observeTouched(this.touch(key, time, VERDICT_CODE.get(verdict) ?? 1), verdict);
  }

  /** What `observe` answers once the sighting is recorded (`touched`: what touch returned). */
  private observeTouched(touched: number, verdict: Verdict): Observation {
    const code = VERDICT_CODE.get(verdict) ?? 1;
    if (touched < 0) return NEW;
    const before = touched & VERDICT_MASK;
    if (before === code) return (touched & POLICY_NAMED) === 0 ? UNNAMED : DUPLICATE;
    if (before === 0 || verdictRank(verdict) <= verdictRank(VERDICTS[before - 1])) {
      if (before === 0) this.setVerdict(code);
      return DUPLICATE;
    }
    this.setVerdict(code);
    return { kind: 'supersede', previous: VERDICTS[before - 1] };
  }

  /**
   * After an `observe` (or `observeKey`) that answered `new`, `supersede` or `unnamed`: the record
   * emitted for it named the connection's deciding policy, so no later report of the same verdict
   * is emitted for its policy.
   */
  namePolicy(): void {
    if (this.touchedGeneration !== undefined && this.touchedSlot >= 0) this.touchedGeneration.verdict[this.touchedSlot] |= POLICY_NAMED;
  }

  /** `observe` for a key given by its two 32-bit hashes (see emittedOfKey). */
  observeKey(hi: number, lo: number, time: number, verdict: Verdict): Observation {
    this.useKey(hi, lo);
    return this.observeTouched(this.touchHashed(time, VERDICT_CODE.get(verdict) ?? 1), verdict);
  }

  /** True when `key` was seen within the window before `time`, without recording anything. */
  has(key: string, time: number): boolean {
    return this.lookup(key, time) >= 0;
  }

  /** The verdict emitted for `key` when it was seen within the window of `time`, else undefined. */
  verdictOf(key: string, time: number): Verdict | undefined {
    const code = this.lookup(key, time) & VERDICT_MASK;
    return code > 0 ? VERDICTS[code - 1] : undefined;
  }

  /** -1 when `key` was not seen within the window of `time`, else its byte (verdict code, 0: none; POLICY_NAMED). */
  private lookup(key: string, time: number): number {
    this.hash(key);
    return this.lookupHashed(time);
  }

  private lookupHashed(time: number): number {
    let g = this.current;
    let slot = g.find(this.lastHi, this.lastLo);
    if (slot < 0) {
      g = this.previous;
      slot = g.find(this.lastHi, this.lastLo);
      if (slot < 0) return -1;
    }
    return Math.abs(time - g.time[slot]) <= this.windowMs ? g.verdict[slot] : -1;
  }

  // Where the last `touch` left its entry, for `setVerdict`.
  private touchedGeneration: Generation | undefined;
  private touchedSlot = -1;

  /**
   * Records a sighting with verdict code `verdict` (0: none). Returns -1 when it is a new connection
   * (absent, or last seen outside the window), else the byte recorded before (verdict code and
   * POLICY_NAMED).
   */
  private touch(key: string, time: number, verdict: number): number {
    this.hash(key);
    return this.touchHashed(time, verdict);
  }

  private touchHashed(time: number, verdict: number): number {
    const hi = this.lastHi;
    const lo = this.lastLo;
    let slot = this.current.find(hi, lo);
    if (slot < 0) {
      const old = this.previous.find(hi, lo);
      if (old >= 0) {
        // Copy it forward: the previous generation is the next to go.
        slot = this.insertCurrent(hi, lo, this.previous.time[old], this.previous.verdict[old]);
      }
    }
    if (slot < 0) {
      this.touchedGeneration = this.current;
      this.touchedSlot = this.insertCurrent(hi, lo, time, verdict);
      return -1;
    }
    const g = this.current;
    this.touchedGeneration = g;
    this.touchedSlot = slot;
    const last = g.time[slot];
    if (time > last) g.time[slot] = time;
    if (Math.abs(time - last) <= this.windowMs) return g.verdict[slot];
    // The same 5-tuple long before or after: a new connection.
    g.verdict[slot] = verdict;
    return -1;
  }

  private setVerdict(code: number): void {
    if (this.touchedGeneration !== undefined && this.touchedSlot >= 0) this.touchedGeneration.verdict[this.touchedSlot] = code;
  }

  private insertCurrent(hi: number, lo: number, time: number, verdict: number): number {
    let g = this.current;
    if (g.count >= this.perGeneration) {
      // Turn over: the previous generation goes, the current one becomes it.
      const next = this.previous;
      next.clear();
      this.previous = g;
      this.current = next;
      g = next;
    } else if (2 * (g.count + 1) > g.capacity && g.capacity < this.maxCapacity) g.grow();
    return g.insert(hi, lo, time, verdict);
  }

  /** Hashes `key` into lastHi/lastLo, memoized for one key object. */
  private hash(key: string): void {
    if (key === this.lastKey) return;
    const h = SCRATCH.reset(key.length).text(key, 0, key.length);
    this.lastKey = key;
    this.lastHi = h.hi();
    this.lastLo = h.lo();
  }

  /**
   * For a key given by its two 32-bit hashes (KeyHasher's hi() and lo(): a key read off a line's
   * bytes), what the cache holds of it within the window of `time`, without recording anything:
   * undefined when it was not seen, else `verdict`, the verdict emitted for it (undefined when
   * none was), and `policyNamed`, whether a record emitted for it named its deciding policy. The
   * object is reused by the next call.
   */
  emittedOfKey(hi: number, lo: number, time: number): EmittedConnection | undefined {
    this.useKey(hi, lo);
    const byte = this.lookupHashed(time);
    if (byte < 0) return undefined;
    const code = byte & VERDICT_MASK;
    const out = this.emitted;
    out.verdict = code > 0 ? VERDICTS[code - 1] : undefined;
    out.policyNamed = (byte & POLICY_NAMED) !== 0;
    return out;
  }

  private readonly emitted: EmittedConnection = { verdict: undefined, policyNamed: false };

  /** `seen` for a key given by its two 32-bit hashes. */
  seenKey(hi: number, lo: number, time: number): boolean {
    this.useKey(hi, lo);
    return this.touchHashed(time, 0) >= 0;
  }

  /** Makes (hi, lo) the key the next `…Hashed` steps look up. */
  private useKey(hi: number, lo: number): void {
    this.lastKey = undefined;
    this.lastHi = hi;
    this.lastLo = lo;
  }
}

/**
 * Two independent 32-bit hashes (FNV-1a and a multiplicative one) of a key's text, fed in pieces:
 * `reset(length)` with the whole text's length, then its characters in order. The result equals
 * the hash of the joined text, so a key read off a line in pieces and the same key built as a
 * string name the same connection.
 */
export class KeyHasher {
  private a = 0;
  private b = 0;

  reset(length: number): this {
    this.a = 0x811c9dc5 | 0;
    this.b = length | 0;
    return this;
  }

  text(s: string, start: number, end: number): this {
    let a = this.a;
    let b = this.b;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b + c, 0x5bd1e995) ^ (b >>> 15);
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** The bytes b[start, end) as characters (ASCII: the same hash as `text` of that text). */
  bytes(b: Uint8Array, start: number, end: number): this {
    let a = this.a;
    let h = this.b;
    for (let i = start; i < end; i++) {
      const c = b[i];
      a = Math.imul(a ^ c, 0x01000193);
      h = Math.imul(h + c, 0x5bd1e995) ^ (h >>> 15);
    }
    this.a = a;
    this.b = h;
    return this;
  }

  /** The decimal digits of a non-negative integer, as `${n}` writes them; nothing for undefined. */
  digits(n: number | undefined): this {
    if (n === undefined) return this;
    let p = 1;
    while (p * 10 <= n) p *= 10;
    for (; p >= 1; p = Math.floor(p / 10)) this.char(48 + (Math.floor(n / p) % 10));
    return this;
  }

  char(c: number): this {
    this.a = Math.imul(this.a ^ c, 0x01000193);
    this.b = Math.imul(this.b + c, 0x5bd1e995) ^ (this.b >>> 15);
    return this;
  }

  hi(): number {
    return this.a ^ (this.a >>> 13);
  }

  lo(): number {
    return this.b ^ (this.b >>> 16);
  }
}

const SCRATCH = new KeyHasher();

/** How many characters `${n}` has, for a non-negative integer n; 0 for undefined. */
export function decimalLength(n: number | undefined): number {
  if (n === undefined) return 0;
  let length = 1;
  for (let p = 10; p <= n; p *= 10) length++;
  return length;
}
