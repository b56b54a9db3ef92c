/**
 * The small objects of a compact Hubble flow read member by member from their bytes: `IP`, `l4`
 * (and its TCP flags) and `l7`. Each answers what FlowFields needs of it; an `l4` of another shape
 * goes through JSON.parse of its slice, and anything that is not compact JSON throws INVALID (the
 * line is then read whole).
 */
import { l4Info, num, type L4Info, type L7Info } from './fields.ts';
import { ascii, bytesAt, isPlainString, LBRACE, nextMember, memberName, parseValue, RBRACE, type ByteReader } from './bytes.ts';

/**
 * Where a flow's IP member put its addresses, as byte spans (decoded only when the line makes a
 * record); -1 when an address is not a plain string.
 */
export interface IpSpans {
  srcStart: number;
  srcEnd: number;
  dstStart: number;
  dstEnd: number;
}

export function clearSpans(s: IpSpans): void {
  s.srcStart = s.srcEnd = s.dstStart = s.dstEnd = -1;
}

const NAME_SOURCE = ascii('source');
const NAME_DESTINATION = ascii('destination');

/**
 * `IP`: `{"source":"a","destination":"b","ipVersion":"IPv4"}` -> [source, destination] (raw values).
 * With `spans` (at flow level), plain string addresses are left as byte spans there and their
 * values stay undefined.
 */
export function readIp(r: ByteReader, b: Uint8Array, start: number, end: number, spans: IpSpans | undefined): readonly [unknown, unknown] {
  if (b[start] !== LBRACE) return [undefined, undefined];
  let source: unknown;
  let destination: unknown;
  let s0 = -1, s1 = -1, d0 = -1, d1 = -1;
  if (b[start + 1] !== RBRACE) {
    for (let i = start + 1; i >= 0; ) {
      const e = r.member(b, i, end);
      const v = r.keyEnd + 2;
      if (r.isNamed(b, i, NAME_SOURCE)) {
        source = spans && isPlainString(b, v, e) ? undefined : r.value(b, v, e);
        s0 = source === undefined && spans ? v + 1 : -1;
        s1 = e - 1;
      } else if (r.isNamed(b, i, NAME_DESTINATION)) {
        destination = spans && isPlainString(b, v, e) ? undefined : r.value(b, v, e);
        d0 = destination === undefined && spans ? v + 1 : -1;
        d1 = e - 1;
      }
      i = nextMember(b, e);
    }
  }
  if (spans) {
    spans.srcStart = s0;
    spans.srcEnd = s1;
    spans.dstStart = d0;
    spans.dstEnd = d1;
  }
  return [source, destination];
}

const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const ICMP_PROTOCOLS = ['ICMPv4', 'ICMPv6'] as const;
const PORT_PROTOCOL_BYTES = PORT_PROTOCOLS.map(ascii);
const ICMP_PROTOCOL_BYTES = ICMP_PROTOCOLS.map(ascii);
const NAME_SOURCE_PORT = ascii('source_port');
const NAME_DESTINATION_PORT = ascii('destination_port');
const NAME_SOURCE_PORT_CAMEL = ascii('sourcePort');
const NAME_DESTINATION_PORT_CAMEL = ascii('destinationPort');
const NAME_FLAGS = ascii('flags');
const NAME_TYPE = ascii('type');

/** The four port values an l4 object may carry (proto and protojson names), read raw. */
interface RawPorts {
  sport: unknown;
  dport: unknown;
  sportCamel: unknown;
  dportCamel: unknown;
  type: unknown;
  /** NO_FLAGS, or the SYN/ACK bits of a flags object. */
  flags: number;
}

const NO_FLAGS = -1, SYN = 1, ACK = 2;

/**
 * `l4` of a compact line: `{"TCP":{"source_port":1,"destination_port":2,"flags":{"SYN":true}}}`
 * read member by member; any other shape through JSON.parse of the slice and l4Info.
 */
export function readL4(r: ByteReader, b: Uint8Array, start: number, end: number): L4Info {
  const nameEnd = b[start] === LBRACE ? memberName(b, start + 1, end) : -1;
  if (nameEnd > 0 && b[nameEnd + 2] === LBRACE) {
    const portProtocol = protocolAt(b, start + 2, nameEnd, PORT_PROTOCOL_BYTES);
    const icmpProtocol = portProtocol >= 0 ? -1 : protocolAt(b, start + 2, nameEnd, ICMP_PROTOCOL_BYTES);
    if (portProtocol >= 0 || icmpProtocol >= 0) {
      const raw: RawPorts = { sport: undefined, dport: undefined, sportCamel: undefined, dportCamel: undefined, type: undefined, flags: NO_FLAGS };
      const i = readPorts(r, b, nameEnd + 3, end, raw);
      // The inner object must be l4's only member.
      if (i + 1 === end && b[i] === RBRACE) {
        if (portProtocol >= 0) {
          const info: L4Info = { protocol: PORT_PROTOCOLS[portProtocol], sport: num(raw.sport ?? raw.sportCamel), dport: num(raw.dport ?? raw.dportCamel) };
          if (raw.flags !== NO_FLAGS) {
            info.syn = (raw.flags & SYN) !== 0;
            info.ack = (raw.flags & ACK) !== 0;
          }
          return info;
        }
        return { protocol: ICMP_PROTOCOLS[icmpProtocol], icmpType: num(raw.type) ?? 0 };
      }
    }
  }
  return l4Info(parseValue(b, start, end));
}

/** The members of the protocol object opening before `i`, into `raw`; returns the index after its `}`. */
function readPorts(r: ByteReader, b: Uint8Array, i: number, end: number, raw: RawPorts): number {
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    const e = r.member(b, i, end);
    const v = r.keyEnd + 2;
    if (r.isNamed(b, i, NAME_SOURCE_PORT)) raw.sport = r.value(b, v, e);
    else if (r.isNamed(b, i, NAME_DESTINATION_PORT)) raw.dport = r.value(b, v, e);
    else if (r.isNamed(b, i, NAME_SOURCE_PORT_CAMEL)) raw.sportCamel = r.value(b, v, e);
    else if (r.isNamed(b, i, NAME_DESTINATION_PORT_CAMEL)) raw.dportCamel = r.value(b, v, e);
    else if (r.isNamed(b, i, NAME_FLAGS)) {
      // All portInfo reads of the flags object is whether SYN and ACK are true.
      raw.flags = b[v] === LBRACE ? readFlags(r, b, v, e) : NO_FLAGS;
    } else if (r.isNamed(b, i, NAME_TYPE)) raw.type = r.value(b, v, e);
    const next = nextMember(b, e);
    if (next < 0) return e + 1;
    i = next;
  }
}

/** The flags object b[v, e) (`{"SYN":true,"ACK":true}`): SYN | ACK for its last SYN and ACK members that are `true`. */
function readFlags(r: ByteReader, b: Uint8Array, v: number, e: number): number {
  let flags = 0;
  if (b[v + 1] === RBRACE) return flags;
  for (let i = v + 1; i >= 0; ) {
    const end = r.member(b, i, e);
    const value = r.keyEnd + 2;
    if (r.keyEnd - i === 4) {
      const isTrue = end - value === 4 && b[value] === 116 && b[value + 1] === 114 && b[value + 2] === 117 && b[value + 3] === 101;
      if (!isTrue) r.value(b, value, end); // any other value must still be JSON
      if (b[i + 1] === 83 && b[i + 2] === 89 && b[i + 3] === 78) flags = isTrue ? flags | SYN : flags & ~SYN;
      else if (b[i + 1] === 65 && b[i + 2] === 67 && b[i + 3] === 75) flags = isTrue ? flags | ACK : flags & ~ACK;
    }
    i = nextMember(b, end);
  }
  return flags;
}

/** Index in `names` of the name b[start, end) spells, or -1. */
function protocolAt(b: Uint8Array, start: number, end: number, names: readonly Uint8Array[]): number {
  for (let i = 0; i < names.length; i++) if (names[i].length === end - start && bytesAt(b, start, names[i])) return i;
  return -1;
}

const NAME_DNS = ascii('dns');
const NAME_HTTP = ascii('http');
const NAME_KAFKA = ascii('kafka');
const DNS_NAMES = [ascii('query'), ascii('ips')] as const;
const HTTP_NAMES = [ascii('method'), ascii('url')] as const;
const KAFKA_NAMES = [ascii('api_key'), ascii('topic')] as const;

/**
 * `l7` as L7Info: its type, and the few members of `dns`, `http` and `kafka` records use; the rest
 * (headers, latency) is skipped, not parsed.
 */
export function readL7(r: ByteReader, b: Uint8Array, start: number, end: number): L7Info | undefined {
  if (b[start] !== LBRACE || b[end - 1] !== RBRACE) return undefined;
  const info: L7Info = { type: undefined };
  let dns: L7Info['dns'];
  let http: L7Info['http'];
  let kafka: L7Info['kafka'];
  if (b[start + 1] !== RBRACE) {
    for (let i = start + 1; i >= 0; ) {
      const e = r.member(b, i, end);
      const v = r.keyEnd + 2;
      const isObject = b[v] === LBRACE;
      if (r.isNamed(b, i, NAME_TYPE)) info.type = r.value(b, v, e);
      else if (r.isNamed(b, i, NAME_DNS)) {
        const [query, ips] = isObject ? readTwo(r, b, v, end, DNS_NAMES) : [];
        dns = isObject ? { query, ips } : undefined;
      } else if (r.isNamed(b, i, NAME_HTTP)) {
        const [method, url] = isObject ? readTwo(r, b, v, end, HTTP_NAMES) : [];
        http = isObject ? { method, url } : undefined;
      } else if (r.isNamed(b, i, NAME_KAFKA)) {
        const [apiKey, topic] = isObject ? readTwo(r, b, v, end, KAFKA_NAMES) : [];
        kafka = isObject ? { apiKey, topic } : undefined;
      }
      i = nextMember(b, e);
    }
  }
  if (dns) info.dns = dns;
  if (http) info.http = http;
  if (kafka) info.kafka = kafka;
  return info;
}

/** The two members named `names` of the object opening at `v`, the last of each name. */
function readTwo(r: ByteReader, b: Uint8Array, v: number, end: number, names: readonly [Uint8Array, Uint8Array]): [unknown, unknown] {
  const out: [unknown, unknown] = [undefined, undefined];
  if (b[v + 1] === RBRACE) return out;
  for (let i = v + 1; i >= 0; ) {
    const e = r.member(b, i, end);
    const value = r.keyEnd + 2;
    if (r.isNamed(b, i, names[0])) out[0] = r.value(b, value, e);
    else if (r.isNamed(b, i, names[1])) out[1] = r.value(b, value, e);
    i = nextMember(b, e);
  }
  return out;
}
