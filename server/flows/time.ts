/**
 * Flow timestamps: RFC3339 strings with up to nanosecond fractions (`2021-06-16T16:52:13.136834446Z`),
 * protobuf Timestamp objects (`{ seconds: "1623862333", nanos: 136834446 }`, 64-bit seconds as strings),
 * epoch numbers (seconds, milliseconds or nanoseconds, told apart by magnitude).
 */

/**
 * Parses an RFC3339 timestamp to ms since epoch, or NaN. Hubble's form
 * (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`) is read by parseRfc3339Bytes (one fast path, for bytes and
 * strings alike); anything else (offsets, other precisions) goes to Date.parse.
 */
export function parseRfc3339(text: string): number {
  const n = text.length;
  if (n <= TEXT_BYTES.length) {
    let ascii = true;
    for (let i = 0; i < n && ascii; i++) {
      const c = text.charCodeAt(i);
      ascii = c < 128;
      TEXT_BYTES[i] = c;
    }
    if (ascii) {
      const ms = parseRfc3339Bytes(TEXT_BYTES, 0, n);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return Date.parse(text);
}
const TEXT_BYTES = new Uint8Array(48);

const lastPrefixBytes = new Uint8Array(16);
let lastPrefixBytesMs = NaN;

/**
 * The time of the bytes b[start, end) in the form Hubble writes (`YYYY-MM-DDTHH:MM:SS[.f]Z`,
 * ASCII), without making a string; NaN for any other text (the caller then reads it as a string,
 * toEpochMs). Consecutive flows share their `YYYY-MM-DDTHH:MM` prefix, so the date part is parsed
 * once per minute and only seconds and fraction are read per call (Date.parse costs as much as
 * the rest of a line's fast path).
 */
export function parseRfc3339Bytes(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 20 || b[start + 4] !== 45 /* - */ || b[start + 10] !== 84 /* T */ || b[end - 1] !== 90 /* Z */ || b[start + 16] !== 58) return NaN;
  const s1 = b[start + 17] - 48;
  const s2 = b[start + 18] - 48;
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return NaN;
  let same = !Number.isNaN(lastPrefixBytesMs);
  for (let i = 0; i < 16 && same; i++) same = b[start + i] === lastPrefixBytes[i];
  let base = lastPrefixBytesMs;
  if (!same) {
    for (let i = 0; i < 16; i++) if (b[start + i] > 127) return NaN;
    base = Date.parse(String.fromCharCode(...b.subarray(start, start + 16)) + ':00Z');
    if (Number.isNaN(base)) return NaN;
    lastPrefixBytes.set(b.subarray(start, start + 16));
    lastPrefixBytesMs = base;
  }
  base += (s1 * 10 + s2) * 1000;
  if (n === 20) return base;
  if (b[start + 19] !== 46 /* . */) return NaN;
  let ms = 0;
  let digits = 0;
  for (let i = start + 20; i < end - 1 && digits < 3; i++, digits++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return NaN;
    ms = ms * 10 + c;
  }
  while (digits++ < 3) ms *= 10;
  return base + ms;
}

/** Any timestamp form a flow source may use, to ms since epoch; undefined when absent or unreadable. */
export function toEpochMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    // An RFC3339 text has its `-` at 4; an epoch number never does.
    if (value.charCodeAt(4) !== 45 && /^\d+(\.\d+)?$/.test(value)) return fromEpochNumber(Number(value));
    const ms = parseRfc3339(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? fromEpochNumber(value) : undefined;
  if (typeof value === 'object') {
    const ts = value as { seconds?: unknown; nanos?: unknown };
    if (ts.seconds === undefined && ts.nanos === undefined) return undefined;
    // Only numbers and numeric text: Number() throws on an object without a prototype.
    const num = (x: unknown): number => (x === undefined ? 0 : typeof x === 'number' || typeof x === 'string' ? Number(x) : NaN);
    const seconds = num(ts.seconds);
    const nanos = num(ts.nanos);
    if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined;
    return seconds * 1000 + Math.floor(nanos / 1e6);
  }
  return undefined;
}

/** Epoch seconds, ms, µs or ns, told apart by magnitude (valid for dates between 1973 and 5138). */
function fromEpochNumber(n: number): number {
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.floor(n / 1e3);
  return Math.floor(n / 1e6);
}
