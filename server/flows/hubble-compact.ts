/**
 * FlowFields straight from a compact Hubble line (`hubble observe -o jsonpb`, exporter files:
 * `{"flow":{...},"node_name":"..","time":".."}` with no whitespace), without JSON.parse-ing it.
 *
 * A full JSON.parse of such a line costs ~6-10 µs, most of it building objects the parser never
 * reads (ethernet, interface, event_type, two endpoints' label lists). Here the flow's top-level
 * members are walked once; only the members FlowFields needs are decoded, each from its own slice:
 * strings and booleans directly, small objects (IP, l4) by their members, endpoints from a cache
 * keyed by their raw text, and the rare rest (l7, services, names) with JSON.parse of that slice.
 *
 * Anything outside that shape (whitespace, camelCase names, escaped keys, a cut endpoint) answers
 * undefined and the caller parses the line whole: the fast path never guesses. A test checks that
 * both paths give the same records on every shared capture and the demo.
 */
import type { FlowEndpoint } from '../../generator/model/flow.ts';
import {
  dropReasonOf,
  endpointBase,
  explicitReply,
  l4Info,
  num,
  portInfo,
  str,
  toDirection,
  toVerdict,
  type FlowFields,
  type L4Info,
  type L7Info,
} from './hubble-fields.ts';
import { ownedCopy } from './raw-cache.ts';
import type { FlowParseState } from './state.ts';
import { toEpochMs } from './time.ts';

const FLOW_START = '{"flow":{';
const EMPTY_ENDPOINT: FlowEndpoint = Object.freeze({});
const NO_L4: L4Info = Object.freeze({ protocol: 'OTHER' });

// The FlowFields inputs a member sets ("slots"), in the order of a flow's scratch array.
const TIME = 0, VERDICT = 1, IP = 2, L4 = 3, L7 = 4, IS_REPLY = 5, REPLY = 6, TRACE_REASON = 7, DIRECTION = 8,
  NODE_NAME = 9, DROP_DESC = 10, DROP_CODE = 11, SOURCE_NAMES = 12, DESTINATION_NAMES = 13, SOURCE_SERVICE = 14,
  DESTINATION_SERVICE = 15, SOURCE = 16, DESTINATION = 17, SLOTS = 18;
/** A member the slow path reads under its protojson (camelCase) name: such lines go the slow way. */
const CAMEL_CASE = -2;
const SLOT_NAMES: readonly (readonly [string, number])[] = [
  ['time', TIME], ['verdict', VERDICT], ['IP', IP], ['l4', L4], ['l7', L7], ['is_reply', IS_REPLY], ['reply', REPLY],
  ['trace_reason', TRACE_REASON], ['traffic_direction', DIRECTION], ['node_name', NODE_NAME],
  ['drop_reason_desc', DROP_DESC], ['drop_reason', DROP_CODE], ['source_names', SOURCE_NAMES],
  ['destination_names', DESTINATION_NAMES], ['source_service', SOURCE_SERVICE], ['destination_service', DESTINATION_SERVICE],
  ['source', SOURCE], ['destination', DESTINATION],
  ...['ip', 'isReply', 'traceReason', 'trafficDirection', 'nodeName', 'dropReasonDesc', 'sourceNames', 'destinationNames', 'sourceService', 'destinationService']
    .map((name): [string, number] => [name, CAMEL_CASE]),
];
/** The names above by length (names, then their slots): a member name is matched in place, without slicing it out. */
const NAMES_BY_LENGTH: string[][] = Array.from({ length: 20 }, () => []);
const SLOTS_OF_NAMES: number[][] = Array.from({ length: 20 }, () => []);
for (const [name, slot] of SLOT_NAMES) {
  NAMES_BY_LENGTH[name.length].push(name);
  SLOTS_OF_NAMES[name.length].push(slot);
}

/** The slot of the member named line(i, keyEnd) (`i` at its opening quote); -1 for members not used. */
function slotAt(line: string, i: number, keyEnd: number): number {
  const length = keyEnd - i - 1;
  if (length >= NAMES_BY_LENGTH.length) return -1;
  const names = NAMES_BY_LENGTH[length];
  for (let n = 0; n < names.length; n++) if (line.startsWith(names[n], i + 1)) return SLOTS_OF_NAMES[length][n];
  return -1;
}

const SCRATCH_SLOTS: unknown[] = new Array(SLOTS).fill(undefined);

/** Decoded members of a run of a flow's text, in order, as slot, value, slot, value...: replayed onto the slots when cached. */
export type MemberList = readonly unknown[];

/** The FlowFields of a compact Hubble line, or undefined when the line is not of that shape. */
function compactFlowFields(line: string, state: FlowParseState): FlowFields | undefined {
  if (!line.startsWith(FLOW_START)) return undefined;
  // One scratch array for every line (the decoder does not re-enter itself; tails use their own).
  const slots = SCRATCH_SLOTS.fill(undefined);
  let i = FLOW_START.length;
  if (line.charCodeAt(i) === 125 /* } */) i++;
  else {
    const close = walkMembers(line, i, state, slots, undefined);
    if (close < 0) return undefined;
    i = close + 1;
  }

  // The wrapper's own members after the flow: node_name and time (Hubble repeats the flow's).
  let wrapperTime: unknown;
  let wrapperNode: unknown;
  let wrapperNodeCamel: unknown;
  if (line.charCodeAt(i) === 44) {
    i++;
    for (;;) {
      const keyEnd = memberName(line, i);
      if (keyEnd < 0) return undefined;
      const key = line.slice(i + 1, keyEnd);
      const v = keyEnd + 2;
      const end = valueEnd(line, v);
      if (end < 0) return undefined;
      if (key === 'time') wrapperTime = readValue(line, v, end);
      else if (key === 'node_name') wrapperNode = readValue(line, v, end);
      else if (key === 'nodeName') wrapperNodeCamel = readValue(line, v, end);
      else if (key === 'flow') return undefined;
      const c = line.charCodeAt(end);
      i = end + 1;
      if (c === 125) break;
      if (c !== 44) return undefined;
    }
  } else if (line.charCodeAt(i) === 125) i++;
  else return undefined;
  if (i !== line.length) return undefined;

  const ip = slots[IP] as readonly [string | undefined, string | undefined] | undefined;
  return {
    time: toEpochMs(slots[TIME]) ?? toEpochMs(wrapperTime),
    srcIp: ownedCopy(ip?.[0]),
    dstIp: ownedCopy(ip?.[1]),
    source: (slots[SOURCE] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
    destination: (slots[DESTINATION] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
    l4: (slots[L4] as L4Info | undefined) ?? NO_L4,
    l7: slots[L7] as L7Info | undefined,
    reply: explicitReply(slots[IS_REPLY], slots[REPLY]),
    traceReason: slots[TRACE_REASON],
    verdict: toVerdict(slots[VERDICT]),
    direction: toDirection(slots[DIRECTION]),
    observer: ownedCopy(str(wrapperNode ?? wrapperNodeCamel ?? slots[NODE_NAME])),
    dropReason: ownedCopy(dropReasonOf(slots[DROP_DESC], slots[DROP_CODE])),
    sourceNames: slots[SOURCE_NAMES],
    destinationNames: slots[DESTINATION_NAMES],
    sourceService: slots[SOURCE_SERVICE],
    destinationService: slots[DESTINATION_SERVICE],
  };
}

/**
 * Walks the members of an object from `i` (its first member's `"`), decoding those FlowFields uses
 * into `slots` (and, when `list` is given, appending them to it). Returns the index of the object's
 * closing `}`, or -1 when the text is not of the compact shape.
 *
 * At flow level (`list` undefined), the members after the destination endpoint (Type .. Summary)
 * are looked up as one text in `state.tails`: on L3/L4 flows they repeat line after line.
 */
function walkMembers(line: string, i: number, state: FlowParseState, slots: unknown[], list: unknown[] | undefined): number {
  for (;;) {
    const keyEnd = memberName(line, i);
    if (keyEnd < 0) return -1;
    const slot = slotAt(line, i, keyEnd);
    if (slot === CAMEL_CASE) return -1;
    const v = keyEnd + 2;
    let end: number;
    if (slot === SOURCE || slot === DESTINATION) {
      // In compact output an endpoint ends at its first `},"` (its only nested objects are
      // `workloads` items, followed by `,{` or `]`). A cut that lands elsewhere leaves unbalanced
      // text, which the endpoint cache never holds and JSON.parse rejects: the line then goes slow.
      end = line.indexOf('},"', v) + 1;
      if (end === 0 || line.charCodeAt(v) !== 123) return -1;
      const endpoint = lookupEndpoint(line, v, end, state);
      if (endpoint === undefined) return -1;
      slots[slot] = endpoint;
      list?.push(slot, endpoint);
      if (slot === DESTINATION && list === undefined && line.charCodeAt(end) === 44) return applyTail(line, end + 1, state, slots);
    } else {
      end = valueEnd(line, v);
      if (end < 0) return -1;
      if (slot >= 0) {
        const value = slot === IP ? readIp(line, v, end) : slot === L4 ? readL4(line, v, end) : slot === L7 ? readL7(line, v, end) : readValue(line, v, end);
        slots[slot] = value;
        list?.push(slot, value);
      }
    }
    const c = line.charCodeAt(end);
    if (c === 125 /* } */) return end;
    if (c !== 44 /* , */) return -1;
    i = end + 1;
  }
}

/**
 * The members from `start` to the flow's end, from the cache when this text was seen before (the
 * flow's `}` is the line's last but one `}`: the wrapper after it holds strings). Caches the text
 * unless it holds `l7` (requests and answers rarely repeat). Returns the flow's `}`, or -1.
 */
function applyTail(line: string, start: number, state: FlowParseState, slots: unknown[]): number {
  const guess = line.lastIndexOf('}', line.length - 2);
  let members = guess > start ? state.tails.get(line, start, guess) : undefined;
  let close = guess;
  if (members === undefined) {
    const list: unknown[] = [];
    close = walkMembers(line, start, state, [], list);
    if (close < 0) return -1;
    let hasL7 = false;
    for (let m = 0; m < list.length; m += 2) if (list[m] === L7) hasL7 = true;
    if (!hasL7) {
      for (let m = 1; m < list.length; m += 2) if (typeof list[m] === 'string') list[m] = ownedCopy(list[m] as string);
      state.tails.set(line, start, close, list);
    }
    members = list;
  }
  for (let m = 0; m < members.length; m += 2) slots[members[m] as number] = members[m + 1];
  return close;
}

/** `IP`: `{"source":"a","destination":"b","ipVersion":"IPv4"}` (no nested object) -> [source, destination]. */
function readIp(line: string, start: number, end: number): readonly [string | undefined, string | undefined] {
  if (line.startsWith('{"source":"', start)) {
    const s0 = start + 11;
    const s1 = line.indexOf('"', s0);
    if (s1 > 0 && s1 < end && line.startsWith('","destination":"', s1)) {
      const d0 = s1 + 17;
      const d1 = line.indexOf('"', d0);
      const source = line.slice(s0, s1);
      const destination = line.slice(d0, d1);
      // The rest (ipVersion, encrypted) must not name either again: JSON.parse would take the last.
      const rest = d1 > 0 && d1 < end ? line.slice(d1 + 1, end) : '"';
      if (source.indexOf('\\') < 0 && destination.indexOf('\\') < 0 && rest.indexOf('"source":') < 0 && rest.indexOf('"destination":') < 0) {
        return [str(source), str(destination)];
      }
    }
  }
  if (line.charCodeAt(start) !== 123) return [undefined, undefined];
  // A slice bounds every search to this object (a slice of a long string is not a copy).
  const body = line.slice(start, end);
  return [str(member(body, '"source":')), str(member(body, '"destination":'))];
}

const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const ICMP_PROTOCOLS = ['ICMPv4', 'ICMPv6'] as const;

/**
 * `l4` of a compact line: `{"TCP":{"source_port":1,"destination_port":2,"flags":{"SYN":true}}}`
 * read member by member; any other shape through JSON.parse of the slice and l4Info.
 */
function readL4(line: string, start: number, end: number): L4Info {
  const nameEnd = memberName(line, start + 1);
  if (nameEnd > 0 && line.charCodeAt(start) === 123 && line.charCodeAt(nameEnd + 2) === 123) {
    const portProtocol = protocolAt(line, start + 2, nameEnd, PORT_PROTOCOLS);
    const icmpProtocol = portProtocol ? undefined : protocolAt(line, start + 2, nameEnd, ICMP_PROTOCOLS);
    if (portProtocol || icmpProtocol) {
      let sport: unknown, dport: unknown, sportCamel: unknown, dportCamel: unknown, type: unknown;
      let flags: { SYN: unknown; ACK: unknown } | undefined;
      let i = nameEnd + 3;
      let ok = true;
      if (line.charCodeAt(i) === 125) i++;
      else {
        for (;;) {
          const keyEnd = memberName(line, i);
          const v = keyEnd + 2;
          const e = keyEnd < 0 ? -1 : valueEnd(line, v);
          if (e < 0) {
            ok = false;
            break;
          }
          const k = i + 1;
          const len = keyEnd - k;
          if (len === 11 && line.startsWith('source_port', k)) sport = readValue(line, v, e);
          else if (len === 16 && line.startsWith('destination_port', k)) dport = readValue(line, v, e);
          else if (len === 10 && line.startsWith('sourcePort', k)) sportCamel = readValue(line, v, e);
          else if (len === 15 && line.startsWith('destinationPort', k)) dportCamel = readValue(line, v, e);
          else if (len === 5 && line.startsWith('flags', k)) {
            // All portInfo reads of the flags object is SYN and ACK.
            const [SYN, ACK] = line.charCodeAt(v) === 123 ? readTwo(line, v, 'SYN', 'ACK') : [];
            flags = line.charCodeAt(v) === 123 ? { SYN, ACK } : undefined;
          }
          else if (len === 4 && line.startsWith('type', k)) type = readValue(line, v, e);
          const c = line.charCodeAt(e);
          i = e + 1;
          if (c === 125) break;
          if (c !== 44) {
            ok = false;
            break;
          }
        }
      }
      // The inner object must be l4's only member.
      if (ok && i + 1 === end && line.charCodeAt(i) === 125) {
        if (portProtocol) return portInfo(portProtocol, sport ?? sportCamel, dport ?? dportCamel, flags);
        return { protocol: icmpProtocol!, icmpType: num(type) ?? 0 };
      }
    }
  }
  return l4Info(parseValue(line.slice(start, end)));
}

/** The name in `names` that line[start, end) spells, if any. */
function protocolAt<P extends string>(line: string, start: number, end: number, names: readonly P[]): P | undefined {
  for (let i = 0; i < names.length; i++) if (names[i].length === end - start && line.startsWith(names[i], start)) return names[i];
  return undefined;
}

/**
 * `l7` as L7Info: its type, and the few members of `dns`, `http` and `kafka` records use; the rest
 * (headers, latency) is skipped, not parsed.
 */
function readL7(line: string, start: number, end: number): L7Info | undefined {
  if (line.charCodeAt(start) !== 123 || line.charCodeAt(end - 1) !== 125) return undefined;
  const info: L7Info = { type: undefined };
  let dns: L7Info['dns'];
  let http: L7Info['http'];
  let kafka: L7Info['kafka'];
  let i = start + 1;
  if (line.charCodeAt(i) !== 125) {
    for (;;) {
      const keyEnd = memberName(line, i);
      if (keyEnd < 0) throw INVALID;
      const v = keyEnd + 2;
      const e = valueEnd(line, v);
      if (e < 0) throw INVALID;
      const k = i + 1;
      const len = keyEnd - k;
      const isObject = line.charCodeAt(v) === 123;
      if (len === 4 && line.startsWith('type', k)) info.type = ownedValue(readValue(line, v, e));
      else if (len === 3 && line.startsWith('dns', k)) {
        const [query, ips] = isObject ? readTwo(line, v, 'query', 'ips') : [];
        dns = isObject ? { query, ips } : undefined;
      } else if (len === 4 && line.startsWith('http', k)) {
        const [method, url] = isObject ? readTwo(line, v, 'method', 'url') : [];
        http = isObject ? { method, url } : undefined;
      } else if (len === 5 && line.startsWith('kafka', k)) {
        const [apiKey, topic] = isObject ? readTwo(line, v, 'api_key', 'topic') : [];
        kafka = isObject ? { apiKey, topic } : undefined;
      }
      const c = line.charCodeAt(e);
      if (c === 125) break;
      if (c !== 44) throw INVALID;
      i = e + 1;
    }
  }
  if (dns) info.dns = dns;
  if (http) info.http = http;
  if (kafka) info.kafka = kafka;
  return info;
}

/** Members `a` and `b` of the object opening at `v` (owned strings), the last of each name. */
function readTwo(line: string, v: number, a: string, b: string): [unknown, unknown] {
  const out: [unknown, unknown] = [undefined, undefined];
  let i = v + 1;
  if (line.charCodeAt(i) === 125) return out;
  for (;;) {
    const keyEnd = memberName(line, i);
    if (keyEnd < 0) throw INVALID;
    const e = valueEnd(line, keyEnd + 2);
    if (e < 0) throw INVALID;
    const len = keyEnd - i - 1;
    if (len === a.length && line.startsWith(a, i + 1)) out[0] = ownedValue(readValue(line, keyEnd + 2, e));
    else if (len === b.length && line.startsWith(b, i + 1)) out[1] = ownedValue(readValue(line, keyEnd + 2, e));
    const c = line.charCodeAt(e);
    if (c === 125) return out;
    if (c !== 44) throw INVALID;
    i = e + 1;
  }
}

/**
 * The value of member `needle` (`"name":`) in `body`, the text of an object that holds no nested
 * object where `needle` could also occur; undefined when absent. Duplicate names: the last wins,
 * as in JSON.parse.
 */
function member(body: string, needle: string): unknown {
  const at = body.lastIndexOf(needle);
  if (at < 0) return undefined;
  const v = at + needle.length;
  const end = valueEnd(body, v);
  return end < 0 ? undefined : readValue(body, v, end);
}

/** Index of the `"` closing the member name that opens at `at`, when `:` follows it; else -1. */
function memberName(line: string, at: number): number {
  if (line.charCodeAt(at) !== 34) return -1;
  const end = line.indexOf('"', at + 1);
  if (end < 0 || line.charCodeAt(end + 1) !== 58 /* : */ || line.charCodeAt(end - 1) === 92 /* \ */) return -1;
  return end;
}

/** Index just after the JSON value that starts at `v`; -1 when it is not one. */
function valueEnd(line: string, v: number): number {
  const c = line.charCodeAt(v);
  if (c === 34) return stringEnd(line, v);
  if (c === 123 || c === 91) return objectEnd(line, v);
  let i = v;
  for (; i < line.length; i++) {
    const d = line.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93) break;
  }
  return i > v ? i : -1;
}

/** Index just after the string that opens at `at`; -1 when it is not closed. */
function stringEnd(line: string, at: number): number {
  let j = at + 1;
  for (;;) {
    j = line.indexOf('"', j);
    if (j < 0) return -1;
    let k = j - 1;
    while (line.charCodeAt(k) === 92 /* \ */) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1;
    j++;
  }
}

/** Index after the `}` or `]` closing the object or array that opens at `start`; -1 if unbalanced. */
function objectEnd(s: string, start: number): number {
  // Most objects skipped here are flat (ethernet, interface, event_type): hop over their strings
  // with indexOf and look at the few characters between them; nesting takes the general loop.
  if (s.charCodeAt(start) !== 123) return nestedEnd(s, start);
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    const stop = q < 0 ? s.length : q;
    for (let j = i; j < stop; j++) {
      const c = s.charCodeAt(j);
      if (c === 125) return j + 1;
      if (c === 123 || c === 91 || c === 93) return nestedEnd(s, start);
    }
    if (q < 0) return -1;
    i = stringEnd(s, q);
    if (i < 0) return -1;
  }
}

function nestedEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEnd(s, i) - 1;
      if (i < 0) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

function ownedValue(v: unknown): unknown {
  return typeof v === 'string' ? ownedCopy(v) : v;
}

/** The JSON value line[v, end): strings without escapes and booleans read directly, the rest parsed. */
function readValue(line: string, v: number, end: number): unknown {
  const c = line.charCodeAt(v);
  if (c === 34) {
    const text = line.slice(v + 1, end - 1);
    return text.indexOf('\\') < 0 ? text : parseValue(line.slice(v, end));
  }
  if (c === 116 && end - v === 4 && line.startsWith('true', v)) return true;
  if (c === 102 && end - v === 5 && line.startsWith('false', v)) return false;
  // Unsigned integers (ports, codes) without JSON.parse; a leading 0 is JSON only alone.
  if (c >= 49 && c <= 57 && end - v <= 15) {
    let n = 0;
    for (let i = v; i < end; i++) {
      const d = line.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return parseValue(line.slice(v, end));
      n = n * 10 + d;
    }
    return n;
  }
  return parseValue(line.slice(v, end));
}

const INVALID = Symbol('invalid');

/** JSON.parse of one value; on failure the line goes the slow way (see tryCompactFlowFields). */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw INVALID;
  }
}

/** Runs the compact decoder; a value that is not JSON makes the whole line go the slow way. */
export function tryCompactFlowFields(line: string, state: FlowParseState): FlowFields | undefined {
  try {
    return compactFlowFields(line, state);
  } catch (err) {
    if (err === INVALID) return undefined;
    throw err;
  }
}

/** The endpoint whose raw JSON text is line[start, end), parsed once per distinct text. */
function lookupEndpoint(line: string, start: number, end: number, state: FlowParseState): FlowEndpoint | undefined {
  const cached = state.endpoints.get(line, start, end);
  if (cached !== undefined) return cached;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(start, end));
  } catch {
    return undefined;
  }
  const endpoint = endpointBase(parsed, state);
  state.endpoints.set(line, start, end, endpoint);
  return endpoint;
}
