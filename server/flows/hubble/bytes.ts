/**
 * Reading compact JSON (no whitespace) straight from UTF-8 bytes: finding where a member's name and
 * value end, and decoding the few kinds of values the Hubble decoder needs without JSON.parse.
 * Anything outside compact JSON makes `ByteReader.member` throw INVALID, which the decoder turns
 * into "read this line with JSON.parse": the byte path never guesses.
 *
 * The free functions keep no state. `ByteReader` holds what a walk over one object carries from
 * member to member (where the last name ended) and a table of short strings seen before.
 */

export const QUOTE = 34, COMMA = 44, COLON = 58, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, BACKSLASH = 92;

/** Thrown inside a walk when the bytes are not compact JSON of the expected shape. */
export const INVALID = Symbol('invalid compact JSON');

/** The bytes of an ASCII text. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Whether b holds the bytes of `name` at `at`. */
export function bytesAt(b: Uint8Array, at: number, name: Uint8Array): boolean {
  if (at + name.length > b.length) return false;
  for (let i = 0; i < name.length; i++) if (b[at + i] !== name[i]) return false;
  return true;
}

/** Index of the `"` closing the member name that opens at `at`, when `:` follows it; else -1 (also for escaped names). */
export function memberName(b: Uint8Array, at: number, end: number): number {
  if (b[at] !== QUOTE) return -1;
  for (let i = at + 1; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) return b[i + 1] === COLON ? i : -1;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/** The next member's start after a value ending at `e`, or -1 after the object's last one; throws INVALID otherwise. */
export function nextMember(b: Uint8Array, e: number): number {
  const c = b[e];
  if (c === RBRACE) return -1;
  if (c !== COMMA) throw INVALID;
  return e + 1;
}

/** Index just after the JSON value that starts at `v`; -1 when it is not one. */
export function valueEnd(b: Uint8Array, v: number, end: number): number {
  const c = b[v];
  if (c === QUOTE) return stringEnd(b, v, end);
  if (c === LBRACE || c === LBRACKET) return compositeEnd(b, v, end);
  let i = v;
  for (; i < end; i++) {
    const d = b[i];
    if (d === COMMA || d === RBRACE || d === RBRACKET) break;
  }
  return i > v ? i : -1;
}

/** Index just after the string that opens at `at`; -1 when it is not closed. */
function stringEnd(b: Uint8Array, at: number, end: number): number {
  for (let i = at + 1; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/** Index after the `}` or `]` closing the object or array that opens at `start`; -1 if unbalanced. */
function compositeEnd(b: Uint8Array, start: number, end: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const s = stringEnd(b, i, end);
      if (s < 0) return -1;
      i = s - 1;
    } else if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Whether b[v, e) is a string with no escape and only ASCII characters. */
export function isPlainString(b: Uint8Array, v: number, e: number): boolean {
  if (b[v] !== QUOTE) return false;
  for (let i = v + 1; i < e - 1; i++) {
    const c = b[i];
    if (c === BACKSLASH || c > 127) return false;
  }
  return true;
}

/** The text of b[start, end) when it holds no escape (ASCII as latin1, else UTF-8); undefined when it does. */
function decodeText(b: Uint8Array, start: number, end: number): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === BACKSLASH || c < 32) return undefined;
    if (c > 127) ascii = false;
  }
  return (b as Buffer).toString(ascii ? 'latin1' : 'utf8', start, end);
}

/** JSON.parse of the value b[start, end); throws INVALID when it is not JSON (the line then goes the slow way). */
export function parseValue(b: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse((b as Buffer).toString('utf8', start, end));
  } catch {
    throw INVALID;
  }
}

/** Short strings (verdicts, directions, node names, addresses) kept by their bytes. */
const INTERN_MAX = 64;
const INTERN_SLOTS = 4096;

/**
 * Walks an object's members and reads their values. `member(b, i, end)` reads the member at `i`
 * (its name's `"`), sets `keyEnd` (the name's closing `"`; its value starts 2 later) and returns
 * the end of its value; callers read `keyEnd` (or `isNamed`) before walking further.
 *
 * Short strings go through a direct-mapped table: a value seen before costs a hash and a compare
 * instead of a decode (a native call). The table is this reader's own, bounded by its slot count.
 */
export class ByteReader {
  /** Where the name of the member `member` read last ends (its closing `"`). */
  keyEnd = -1;
  private readonly internedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(INTERN_SLOTS).fill(undefined);
  private readonly internedTexts: string[] = new Array<string>(INTERN_SLOTS).fill('');

  member(b: Uint8Array, i: number, end: number): number {
    const keyEnd = memberName(b, i, end);
    if (keyEnd < 0) throw INVALID;
    const e = valueEnd(b, keyEnd + 2, end);
    if (e < 0) throw INVALID;
    this.keyEnd = keyEnd;
    return e;
  }

  /** Whether the member `member` has just read at `i` is named `name` (no escapes in names). */
  isNamed(b: Uint8Array, i: number, name: Uint8Array): boolean {
    return this.keyEnd - i - 1 === name.length && bytesAt(b, i + 1, name);
  }

  /** The JSON value b[v, e): strings without escapes, booleans and unsigned integers read directly, the rest parsed. */
  value(b: Uint8Array, v: number, e: number): unknown {
    const c = b[v];
    if (c === QUOTE) {
      const text = e - v <= INTERN_MAX + 2 ? this.text(b, v + 1, e - 1) : decodeText(b, v + 1, e - 1);
      return text !== undefined ? text : parseValue(b, v, e);
    }
    if (c === 116 /* t */ && e - v === 4 && b[v + 1] === 114 && b[v + 2] === 117 && b[v + 3] === 101) return true;
    if (c === 102 /* f */ && e - v === 5 && b[v + 1] === 97 && b[v + 2] === 108 && b[v + 3] === 115 && b[v + 4] === 101) return false;
    // Unsigned integers (ports, codes) without JSON.parse; a leading 0 is JSON only alone.
    if (c >= 49 && c <= 57 && e - v <= 15) {
      let n = 0;
      for (let i = v; i < e; i++) {
        const d = b[i] - 48;
        if (d < 0 || d > 9) return parseValue(b, v, e);
        n = n * 10 + d;
      }
      return n;
    }
    return parseValue(b, v, e);
  }

  /** The text of a short span without escapes (at most INTERN_MAX bytes), from the table when seen before. */
  text(b: Uint8Array, start: number, end: number): string | undefined {
    const n = end - start;
    let h = n;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c === BACKSLASH || c < 32 || c > 127) return decodeText(b, start, end);
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
    const known = this.internedBytes[slot];
    if (known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known[i] === b[start + i]) i++;
      if (i === n) return this.internedTexts[slot];
    }
    const text = (b as Buffer).toString('latin1', start, end);
    const copy = new Uint8Array(n);
    for (let i = 0; i < n; i++) copy[i] = b[start + i];
    this.internedBytes[slot] = copy;
    this.internedTexts[slot] = text;
    return text;
  }
}

/**
 * An ASCII pattern searched for in bytes with Horspool's skips, forwards or backwards: a line is
 * ~1.4 kB, and a byte-by-byte loop over all of it costs more than the rest of a reply's fast path.
 * (A native Buffer.indexOf costs ~0.3 µs a call, more than a JS search through a whole line.)
 */
export class BytePattern {
  readonly bytes: Uint8Array;
  readonly length: number;
  /** Forward: how far the window may move on when its last byte is c. */
  private readonly forward = new Uint8Array(256);
  /** Backward: how far the window may move back when its first byte is c. */
  private readonly backward = new Uint8Array(256);

  constructor(text: string) {
    this.bytes = ascii(text);
    const n = (this.length = this.bytes.length);
    this.forward.fill(n);
    this.backward.fill(n);
    for (let k = 0; k < n - 1; k++) this.forward[this.bytes[k]] = n - 1 - k;
    for (let k = n - 1; k >= 1; k--) this.backward[this.bytes[k]] = k;
  }

  /** Index of the first occurrence in b[start, end), or -1. */
  firstIn(b: Uint8Array, start: number, end: number): number {
    const p = this.bytes;
    const n = this.length;
    const last = p[n - 1];
    for (let i = start; i + n <= end; ) {
      const c = b[i + n - 1];
      if (c === last) {
        let k = 0;
        while (k < n - 1 && b[i + k] === p[k]) k++;
        if (k === n - 1) return i;
      }
      i += this.forward[c];
    }
    return -1;
  }

  /** Index of the last occurrence in b[start, end), or -1. */
  lastIn(b: Uint8Array, start: number, end: number): number {
    const p = this.bytes;
    const n = this.length;
    const first = p[0];
    for (let i = end - n; i >= start; ) {
      const c = b[i];
      if (c === first) {
        let k = 1;
        while (k < n && b[i + k] === p[k]) k++;
        if (k === n) return i;
      }
      i -= this.backward[c];
    }
    return -1;
  }
}

/**
 * Several ASCII patterns that end in the same byte, searched for at once with Horspool's skips
 * over the shortest one's length (each skip the least any pattern allows): one pass over the
 * bytes, and the longer the patterns, the longer the skips.
 */
export class BytePatterns {
  private readonly patterns: readonly Uint8Array[];
  /** The shortest pattern's length: the window whose last byte decides the skip. */
  private readonly window: number;
  private readonly last: number;
  private readonly skip = new Uint8Array(256);

  constructor(texts: readonly string[]) {
    this.patterns = texts.map(ascii);
    const m = (this.window = Math.min(...this.patterns.map((p) => p.length)));
    this.last = this.patterns[0][this.patterns[0].length - 1];
    if (m < 1 || m > 255 || this.patterns.some((p) => p[p.length - 1] !== this.last)) throw new Error('BytePatterns: expected patterns of 1-255 bytes that end in the same byte');
    this.skip.fill(m);
    for (const p of this.patterns) {
      for (let k = 0; k < m - 1; k++) {
        const c = p[p.length - m + k];
        if (m - 1 - k < this.skip[c]) this.skip[c] = m - 1 - k;
      }
    }
  }

  /** Whether one of the patterns occurs in b[start, end). */
  anyIn(b: Uint8Array, start: number, end: number): boolean {
    const patterns = this.patterns;
    const skip = this.skip;
    const last = this.last;
    for (let e = start + this.window - 1; e < end; e += skip[b[e]]) {
      if (b[e] !== last) continue;
      for (let j = 0; j < patterns.length; j++) {
        const p = patterns[j];
        const from = e + 1 - p.length;
        if (from < start) continue;
        let k = 0;
        while (k < p.length && b[from + k] === p[k]) k++;
        if (k === p.length) return true;
      }
    }
    return false;
  }
}
