/**
 * IPv4 range arithmetic on 32-bit unsigned integers (ipaddr.js only parses). Ranges are
 * inclusive [start, end]. IPv6 blocks are matched with ipaddr.js but kept out of the
 * external-range partition (the map covers IPv4 only).
 */
import ipaddr from 'ipaddr.js';

export interface Ipv4Range {
  readonly start: number;
  readonly end: number;
}

export const ALL_IPV4: Ipv4Range = { start: 0, end: 0xffffffff };

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `a.b.c.d` -> unsigned 32-bit integer; undefined for anything else (IPv6 included). */
export function ipv4ToInt(ip: string): number | undefined {
  const m = DOTTED_QUAD.exec(ip);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** `10.0.0.0/8` -> its range; undefined when not a valid IPv4 CIDR. Host bits are ignored. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const base = ipv4ToInt(cidr.slice(0, slash));
  const bitsText = cidr.slice(slash + 1);
  if (base === undefined || !/^\d{1,2}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const start = Math.floor(base / size) * size;
  return { start, end: start + size - 1 };
}

export function isValidCidr(cidr: string): boolean {
  return ipaddr.isValidCIDR(cidr);
}

export function isIpv6Cidr(cidr: string): boolean {
  return cidr.includes(':');
}

/** True when `ip` (v4 or v6) is inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const r = parseIpv4Cidr(cidr);
  if (r) {
    const n = ipv4ToInt(ip);
    return n !== undefined && n >= r.start && n <= r.end;
  }
  try {
    const [net, bits] = ipaddr.parseCIDR(cidr);
    const addr = ipaddr.parse(ip);
    return addr.kind() === net.kind() && addr.match([net, bits] as never);
  } catch {
    return false;
  }
}

/** `a.b.c.d-e.f.g.h`, how the connectivity map names an external range. */
export function formatRange(r: Ipv4Range): string {
  return `${intToIpv4(r.start)}-${intToIpv4(r.end)}`;
}

/** Parses `a.b.c.d-e.f.g.h`, a CIDR, or a single address. */
export function parseRange(text: string): Ipv4Range | undefined {
  const dash = text.indexOf('-');
  if (dash > 0) {
    const s = ipv4ToInt(text.slice(0, dash));
    const e = ipv4ToInt(text.slice(dash + 1));
    return s !== undefined && e !== undefined && s <= e ? { start: s, end: e } : undefined;
  }
  if (text.includes('/')) return parseIpv4Cidr(text);
  const n = ipv4ToInt(text);
  return n === undefined ? undefined : { start: n, end: n };
}

/**
 * Splits 0.0.0.0-255.255.255.255 at the boundaries of every range given: within one
 * resulting range, every address is inside or outside each given range alike.
 */
export function partitionIpv4(ranges: readonly Ipv4Range[]): Ipv4Range[] {
  const cuts = new Set<number>([0]);
  for (const r of ranges) {
    cuts.add(r.start);
    if (r.end < 0xffffffff) cuts.add(r.end + 1);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Ipv4Range[] = [];
  for (let i = 0; i < sorted.length; i++) {
    out.push({ start: sorted[i], end: i + 1 < sorted.length ? sorted[i + 1] - 1 : 0xffffffff });
  }
  return out;
}
