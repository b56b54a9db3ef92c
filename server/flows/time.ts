/**
 * Flow timestamps: RFC3339 strings with up to nanosecond fractions (`2021-06-16T16:52:13.136834446Z`),
 * protobuf Timestamp objects (`{ seconds: "1623862333", nanos: 136834446 }`, 64-bit seconds as strings),
 * epoch numbers (seconds, milliseconds or nanoseconds, told apart by magnitude).
 */

let lastPrefix = '';
let lastPrefixMs = NaN;

/**
 * Parses an RFC3339 timestamp to ms since epoch, or NaN. Consecutive flows share their
 * `YYYY-MM-DDTHH:MM` prefix, so the date part is parsed once per minute and only seconds and
 * fraction are read per call (Date.parse costs as much as the rest of a line's fast path).
 */
export function parseRfc3339(text: string): number {
  return parseRfc3339In(text, 0, text.length);
}

/** parseRfc3339 of text[start, end), read in place (no substring for the usual form). */
export function parseRfc3339In(text: string, start: number, end: number): number {
  // Fast path: `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC), the only form Hubble writes.
  const n = end - start;
  if (n >= 20 && text.charCodeAt(start + 10) === 84 /* T */ && text.charCodeAt(end - 1) === 90 /* Z */ && text.charCodeAt(start + 16) === 58) {
    const s1 = text.charCodeAt(start + 17) - 48;
    const s2 = text.charCodeAt(start + 18) - 48;
    if (s1 >= 0 && s1 <= 5 && s2 >= 0 && s2 <= 9) {
      let base: number;
      if (lastPrefix.length === 16 && text.startsWith(lastPrefix, start)) base = lastPrefixMs;
      else {
        const prefix = text.slice(start, start + 16);
        base = Date.parse(prefix + ':00Z');
        if (Number.isNaN(base)) return Date.parse(text.slice(start, end));
        lastPrefix = prefix;
        lastPrefixMs = base;
      }
      base += (s1 * 10 + s2) * 1000;
      if (n === 20) return base;
      if (text.charCodeAt(start + 19) === 46 /* . */) {
        let ms = 0;
        let digits = 0;
        for (let i = start + 20; i < end - 1 && digits < 3; i++, digits++) {
          const c = text.charCodeAt(i) - 48;
          if (c < 0 || c > 9) return Date.parse(text.slice(start, end));
          ms = ms * 10 + c;
        }
        while (digits++ < 3) ms *= 10;
        return base + ms;
      }
    }
  }
  return Date.parse(text.slice(start, end));
}

const lastPrefixBytes = new Uint8Array(16);
let lastPrefixBytesMs = NaN;

/**
 * parseRfc3339 of the bytes b[start, end) in the form Hubble writes (`YYYY-MM-DDTHH:MM:SS[.f]Z`,
 * ASCII), without making a string; NaN for any other text, which the caller then reads as a string
 * (toEpochMs), so both give the same result for the same text.
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
    const seconds = Number(ts.seconds ?? 0);
    const nanos = Number(ts.nanos ?? 0);
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
