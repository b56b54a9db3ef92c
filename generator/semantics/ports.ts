/**
 * Port interval sets and connection sets (protocol -> port intervals). Immutable values;
 * every operation returns a new set. Intervals are inclusive, sorted, merged, within
 * 1..65535, stored flat: [start0, end0, start1, end1, ...].
 */
import type { Protocol } from '../model/inventory.ts';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
/** Alphabetical: the order `toString` prints protocols in. */
export const CONNECTION_PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

export type Intervals = readonly number[];

const FULL: Intervals = Object.freeze([MIN_PORT, MAX_PORT]);
const EMPTY: Intervals = Object.freeze([]);

/** Normalizes arbitrary [start, end] pairs (clamped, sorted, merged). */
export function normalizeIntervals(pairs: readonly (readonly [number, number])[]): Intervals {
  const list = pairs
    .map(([s, e]) => [Math.max(MIN_PORT, s), Math.min(MAX_PORT, e)] as [number, number])
    .filter(([s, e]) => s <= e)
    .sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of list) {
    const n = out.length;
    if (n && s <= out[n - 1] + 1) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else out.push(s, e);
  }
  return out;
}

/** Union of two normalized lists: one merge pass (same result as normalizing both together). */
export function unionIntervals(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let s: number;
    let e: number;
    if (j >= b.length || (i < a.length && a[i] <= b[j])) {
      s = a[i];
      e = a[i + 1];
      i += 2;
    } else {
      s = b[j];
      e = b[j + 1];
      j += 2;
    }
    const n = out.length;
    if (n && s <= out[n - 1] + 1) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else out.push(s, e);
  }
  return out;
}

export function intersectIntervals(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return EMPTY;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i], b[j]);
    const e = Math.min(a[i + 1], b[j + 1]);
    if (s <= e) out.push(s, e);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

export function complementIntervals(a: Intervals): Intervals {
  const out: number[] = [];
  let next = MIN_PORT;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= MAX_PORT) out.push(next, MAX_PORT);
  return out;
}

export function subtractIntervals(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return a;
  return intersectIntervals(a, complementIntervals(b));
}

export function intervalsContain(a: Intervals, port: number): boolean {
  for (let i = 0; i < a.length; i += 2) {
    if (port < a[i]) return false;
    if (port <= a[i + 1]) return true;
  }
  return false;
}

function sameIntervals(a: Intervals, b: Intervals): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `1-79,81-65535` */
export function formatIntervals(a: Intervals): string {
  const parts: string[] = [];
  for (let i = 0; i < a.length; i += 2) parts.push(a[i] === a[i + 1] ? String(a[i]) : `${a[i]}-${a[i + 1]}`);
  return parts.join(',');
}

/** A set of (protocol, port) pairs. */
export class ConnectionSet {
  private constructor(
    readonly SCTP: Intervals,
    readonly TCP: Intervals,
    readonly UDP: Intervals,
  ) {}

  static readonly ALL = new ConnectionSet(FULL, FULL, FULL);
  static readonly NONE = new ConnectionSet(EMPTY, EMPTY, EMPTY);

  static all(): ConnectionSet {
    return ConnectionSet.ALL;
  }
  static none(): ConnectionSet {
    return ConnectionSet.NONE;
  }
  /** One protocol, ports start..end (inclusive); `allPorts` when start/end are omitted. */
  static of(protocol: Protocol, start: number = MIN_PORT, end: number = start === MIN_PORT ? MAX_PORT : start): ConnectionSet {
    const s = Math.max(MIN_PORT, start);
    const e = Math.min(MAX_PORT, end);
    return ConnectionSet.fromIntervals({ [protocol]: s <= e ? [s, e] : EMPTY });
  }
  static fromIntervals(p: Partial<Record<Protocol, Intervals>>): ConnectionSet {
    const s = p.SCTP ?? EMPTY;
    const t = p.TCP ?? EMPTY;
    const u = p.UDP ?? EMPTY;
    if (s.length === 0 && t.length === 0 && u.length === 0) return ConnectionSet.NONE;
    if (sameIntervals(s, FULL) && sameIntervals(t, FULL) && sameIntervals(u, FULL)) return ConnectionSet.ALL;
    return new ConnectionSet(s, t, u);
  }
  /** Parses the `toString` form back (`All Connections`, `No Connections`, `TCP 80,UDP 53`). */
  static parse(text: string): ConnectionSet {
    const t = text.trim();
    if (t === 'All Connections') return ConnectionSet.ALL;
    if (t === 'No Connections' || t === '') return ConnectionSet.NONE;
    const acc: Partial<Record<Protocol, [number, number][]>> = {};
    let current: Protocol | undefined;
    for (const token of t.split(',')) {
      let tok = token.trim();
      const m = /^(TCP|UDP|SCTP)\s+(.*)$/.exec(tok);
      if (m) {
        current = m[1] as Protocol;
        tok = m[2];
      }
      if (!current) throw new Error(`netatlas/semantics: cannot parse connection set ${JSON.stringify(text)}: expected e.g. "TCP 80,UDP 53".`);
      const r = /^(\d+)(?:-(\d+))?$/.exec(tok);
      if (!r) throw new Error(`netatlas/semantics: cannot parse port ${JSON.stringify(tok)} in ${JSON.stringify(text)}.`);
      (acc[current] ??= []).push([Number(r[1]), Number(r[2] ?? r[1])]);
    }
    return ConnectionSet.fromIntervals({
      SCTP: normalizeIntervals(acc.SCTP ?? []),
      TCP: normalizeIntervals(acc.TCP ?? []),
      UDP: normalizeIntervals(acc.UDP ?? []),
    });
  }

  get(protocol: Protocol): Intervals {
    return this[protocol];
  }
  isEmpty(): boolean {
    return this === ConnectionSet.NONE || (this.SCTP.length === 0 && this.TCP.length === 0 && this.UDP.length === 0);
  }
  isAll(): boolean {
    return this === ConnectionSet.ALL || (sameIntervals(this.SCTP, FULL) && sameIntervals(this.TCP, FULL) && sameIntervals(this.UDP, FULL));
  }
  contains(protocol: Protocol, port: number): boolean {
    return intervalsContain(this[protocol], port);
  }
  union(o: ConnectionSet): ConnectionSet {
    if (this === o || o.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || o.isAll()) return o;
    return ConnectionSet.fromIntervals({
      SCTP: unionIntervals(this.SCTP, o.SCTP),
      TCP: unionIntervals(this.TCP, o.TCP),
      UDP: unionIntervals(this.UDP, o.UDP),
    });
  }
  intersect(o: ConnectionSet): ConnectionSet {
    if (this === o || o.isAll() || this.isEmpty()) return this;
    if (this.isAll() || o.isEmpty()) return o;
    return ConnectionSet.fromIntervals({
      SCTP: intersectIntervals(this.SCTP, o.SCTP),
      TCP: intersectIntervals(this.TCP, o.TCP),
      UDP: intersectIntervals(this.UDP, o.UDP),
    });
  }
  subtract(o: ConnectionSet): ConnectionSet {
    if (o.isEmpty() || this.isEmpty()) return this;
    if (o.isAll() || this === o) return ConnectionSet.NONE;
    return ConnectionSet.fromIntervals({
      SCTP: subtractIntervals(this.SCTP, o.SCTP),
      TCP: subtractIntervals(this.TCP, o.TCP),
      UDP: subtractIntervals(this.UDP, o.UDP),
    });
  }
  equals(o: ConnectionSet): boolean {
    return sameIntervals(this.SCTP, o.SCTP) && sameIntervals(this.TCP, o.TCP) && sameIntervals(this.UDP, o.UDP);
  }
  /** `All Connections`, `No Connections`, or e.g. `TCP 1-79,81-65535,UDP 53`. */
  toString(): string {
    if (this.isAll()) return 'All Connections';
    if (this.isEmpty()) return 'No Connections';
    const parts: string[] = [];
    for (const p of CONNECTION_PROTOCOLS) {
      const iv = this[p];
      if (iv.length) parts.push(`${p} ${formatIntervals(iv)}`);
    }
    return parts.join(',');
  }
  toJSON(): string {
    return this.toString();
  }
}
