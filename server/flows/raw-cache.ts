/**
 * A bounded cache of values decoded from raw JSON text, looked up by a span of a line without
 * copying or hashing the whole span: the key is a fingerprint (length and 16 sampled characters),
 * a hit is confirmed by comparing the text. Hashing a 600-character string per lookup would cost
 * more than the rest of a line's fast path.
 *
 * Used for the parts of Hubble lines that repeat from line to line: the two endpoint objects, and
 * the members after them (Type .. Summary) on L3/L4 flows. When full it is cleared, so its memory
 * is bounded by `max` entries whatever the input.
 */
export class RawTextCache<T> {
  private readonly buckets = new Map<number, { readonly raw: string; readonly value: T }[]>();
  private entries = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries;
  }

  /** The value cached for the text line[start, end), or undefined. */
  get(line: string, start: number, end: number): T | undefined {
    const bucket = this.buckets.get(fingerprint(line, start, end));
    if (bucket === undefined) return undefined;
    const length = end - start;
    // slice + === is a memcmp (a slice of a flat string is not a copy); startsWith compares by character.
    if (bucket.length === 1) {
      const only = bucket[0];
      return only.raw.length === length && line.slice(start, end) === only.raw ? only.value : undefined;
    }
    const text = line.slice(start, end);
    for (const c of bucket) if (c.raw === text) return c.value;
    return undefined;
  }

  /** Caches `value` for the text line[start, end); clears the cache first when it is full. */
  set(line: string, start: number, end: number, value: T): void {
    if (this.entries >= this.max) this.clear();
    const raw = ownedCopy(line.slice(start, end));
    const h = fingerprint(line, start, end);
    const entry = { raw, value };
    const bucket = this.buckets.get(h);
    if (bucket) bucket.push(entry);
    else this.buckets.set(h, [entry]);
    this.entries++;
  }

  clear(): void {
    this.buckets.clear();
    this.entries = 0;
  }
}

/**
 * `s` as a string that does not hold on to the text it was cut from. V8 keeps a slice of 13 or
 * more characters as a view of its parent (a 64 KiB piece of a flow file): a record or a cache
 * entry holding one would keep the whole piece alive. A cons with one character, sliced again,
 * is flattened into a copy of its own.
 */
export function ownedCopy<T extends string | undefined>(s: T): T {
  return (s === undefined || s.length < 13 ? s : (' ' + s).slice(1)) as T;
}

function fingerprint(line: string, start: number, end: number): number {
  const length = end - start;
  let h = length;
  const step = (length >> 4) + 1;
  for (let i = start + 1; i < end; i += step) h = (Math.imul(h, 31) + line.charCodeAt(i)) | 0;
  return h;
}
