/**
 * FlowFields straight from the bytes of a compact Hubble line (`hubble observe -o jsonpb`, exporter
 * files: `{"flow":{...},"node_name":"..","time":".."}` with no whitespace), without JSON.parse-ing
 * it and without decoding it to a string first.
 *
 * A full JSON.parse of such a line costs ~10 µs, most of it building objects the parser never
 * reads (ethernet, interface, event_type, two endpoints' label lists). Here the flow's members are
 * walked once over the bytes (a Uint8Array loop is several times faster than the same loop over a
 * string cut from a bigger one); only the members FlowFields needs are decoded: strings, booleans and
 * numbers directly, small objects (IP, l4, l7) by their members, endpoints and the members after
 * them from caches keyed by their raw bytes, and anything unusual with JSON.parse of its slice.
 *
 * Anything outside that shape (whitespace, camelCase names, escaped keys, a cut endpoint) answers
 * undefined and the caller parses the line whole: the fast path never guesses. Duplicate member
 * names resolve as in JSON.parse (the last one wins), since every member is walked. A test checks
 * that both paths give the same records on every shared capture, the demo and mutated lines.
 */
import { VERDICTS, type FlowEndpoint } from '../../generator/model/flow.ts';
import {
  dropReasonOf,
  endpointBase,
  explicitReply,
  l4Info,
  num,
  str,
  toDirection,
  toVerdict,
  type FlowFields,
  type L4Info,
  type L7Info,
} from './hubble-fields.ts';
import type { FlowParseState } from './state.ts';
import { parseRfc3339Bytes, toEpochMs } from './time.ts';

const QUOTE = 34, COMMA = 44, COLON = 58, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, BACKSLASH = 92;

export const FLOW_START = ascii('{"flow":{');
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
/** The names above by length and first byte (index `length * 256 + byte`): a member name is matched in place. */
const MAX_NAME = 24;
const NAMES_BY_KEY: ({ readonly name: Uint8Array; readonly slot: number }[] | undefined)[] = new Array(MAX_NAME * 256).fill(undefined);
for (const [name, slot] of SLOT_NAMES) (NAMES_BY_KEY[name.length * 256 + name.charCodeAt(0)] ??= []).push({ name: ascii(name), slot });

/** The slot of the member named b(i, keyEnd) (`i` at its opening quote); -1 for members not used. */
function slotAt(b: Uint8Array, i: number, keyEnd: number): number {
  const length = keyEnd - i - 1;
  const names = length < MAX_NAME ? NAMES_BY_KEY[length * 256 + b[i + 1]] : undefined;
  if (names === undefined) return -1;
  for (let n = 0; n < names.length; n++) if (bytesAt(b, i + 1, names[n].name)) return names[n].slot;
  return -1;
}

const SCRATCH_SLOTS: unknown[] = new Array(SLOTS).fill(undefined);

/** Decoded members of a run of a flow's text, in order, as slot, value, slot, value...: replayed onto the slots when cached. */
export type MemberList = readonly unknown[];

/** A flow `time` read from its bytes (no string made): the slot holds this marker, the value `flowTimeMs`. */
const PARSED_TIME = Symbol('parsed time');
let flowTimeMs = NaN;
/** Where the flow's IP member put its addresses: byte spans, decoded only for a record. -1: not a plain string. */
let srcIpStart = -1, srcIpEnd = -1, dstIpStart = -1, dstIpEnd = -1;

/**
 * The first pass over a compact line: the flow's members up to the first IP and l4 (where a
 * duplicate check needs nothing more). Returns where the walk goes on (the next member's `"`), the
 * flow's closing `}` when it ended first, or -1 when the line is not of the compact shape.
 * `firstPassEnded` tells which of the first two it was.
 */
export let firstPassEnded = false;

/** The scratch slots of the line being decoded (valid between `startFlow` and `finishFlow`). */
export function startFlow(b: Uint8Array, start: number, end: number, state: FlowParseState): number {
  SCRATCH_SLOTS.fill(undefined);
  srcIpStart = srcIpEnd = dstIpStart = dstIpEnd = -1;
  flowTimeMs = NaN;
  const i = start + FLOW_START.length;
  if (b[i] === RBRACE) {
    firstPassEnded = true;
    firstPassAt = i;
    firstPassIp = firstPassL4Value = undefined;
    firstPassSrcStart = firstPassDstStart = -1;
    return i;
  }
  try {
    const at = walkMembers(b, i, end, state, SCRATCH_SLOTS, undefined, true);
    firstPassAt = at;
    firstPassIp = SCRATCH_SLOTS[IP];
    firstPassL4Value = SCRATCH_SLOTS[L4];
    firstPassSrcStart = srcIpStart;
    firstPassDstStart = dstIpStart;
    return at;
  } catch (err) {
    if (err === INVALID) return -1;
    throw err;
  }
}

// What the first pass read, to tell whether a later member of the same name replaced it.
let firstPassAt = -1;
let firstPassIp: unknown;
let firstPassL4Value: unknown;
let firstPassSrcStart = -1;
let firstPassDstStart = -1;
let firstPassHolds = false;

/** After `finishFlow`: whether the line's IP and l4 are the ones the first pass read (no later member replaced them). */
export function firstPassStillHolds(): boolean {
  return firstPassHolds;
}

/** After `startFlow`: the raw verdict the first pass read, if any. */
export function firstPassVerdict(): unknown {
  return SCRATCH_SLOTS[VERDICT];
}

/** After `startFlow`: where the first pass stopped (the rest of the line starts there). */
export function firstPassEnd(): number {
  return firstPassAt;
}

/** After `startFlow`: the time (ms) the first pass read, NaN when none was read from bytes. */
export function firstPassTime(): number {
  return SCRATCH_SLOTS[TIME] === PARSED_TIME ? flowTimeMs : NaN;
}

/** After `startFlow`: the first pass's l4, when it read one. */
export function firstPassL4(): L4Info | undefined {
  return SCRATCH_SLOTS[L4] as L4Info | undefined;
}

/** After `startFlow`: the byte spans of the IP addresses (start, end; -1 when not plain strings). */
export function firstPassIps(): readonly [number, number, number, number] {
  return [srcIpStart, srcIpEnd, dstIpStart, dstIpEnd];
}

/**
 * Walks the rest of the flow from `at` (what `startFlow` returned) and the wrapper after it; the
 * FlowFields of the line, or undefined when it is not of the compact shape.
 */
export function finishFlow(b: Uint8Array, at: number, end: number, state: FlowParseState): FlowFields | undefined {
  try {
    return finish(b, at, end, state);
  } catch (err) {
    if (err === INVALID) return undefined;
    throw err;
  }
}

function finish(b: Uint8Array, at: number, end: number, state: FlowParseState): FlowFields | undefined {
  const slots = SCRATCH_SLOTS;
  let i = at;
  if (!firstPassEnded) {
    i = walkMembers(b, at, end, state, slots, undefined, false);
    if (i < 0) return undefined;
  }
  i++;

  // The wrapper's own members after the flow: node_name and time (Hubble repeats the flow's).
  let wrapperTime: unknown;
  let wrapperTimeStart = -1;
  let wrapperTimeEnd = -1;
  let wrapperNode: unknown;
  let wrapperNodeCamel: unknown;
  if (b[i] === COMMA) {
    i++;
    for (;;) {
      const e = member(b, i, end);
      const v = memberKeyEnd + 2;
      if (isNamed(b, i, NAME_TIME)) {
        // Read only when the flow has no time of its own; a plain string needs no check.
        if (isPlainString(b, v, e)) (wrapperTimeStart = v), (wrapperTimeEnd = e), (wrapperTime = undefined);
        else (wrapperTimeStart = -1), (wrapperTime = readValue(b, v, e));
      }
      else if (isNamed(b, i, NAME_NODE_NAME)) wrapperNode = readValue(b, v, e);
      else if (isNamed(b, i, NAME_NODE_NAME_CAMEL)) wrapperNodeCamel = readValue(b, v, e);
      else if (isNamed(b, i, NAME_FLOW)) return undefined;
      i = nextMember(b, e);
      if (i < 0) {
        i = e + 1;
        break;
      }
    }
  } else if (b[i] === RBRACE) i++;
  else return undefined;
  if (i !== end) return undefined;

  const time = slots[TIME] === PARSED_TIME ? flowTimeMs : toEpochMs(slots[TIME]);
  if (time === undefined && wrapperTimeStart >= 0) wrapperTime = readValue(b, wrapperTimeStart, wrapperTimeEnd);
  firstPassHolds = slots[IP] === firstPassIp && slots[L4] === firstPassL4Value && srcIpStart === firstPassSrcStart && dstIpStart === firstPassDstStart;
  return {
    time: time ?? toEpochMs(wrapperTime),
    srcIp: srcIpStart >= 0 ? str(internedText(b, srcIpStart, srcIpEnd)) : ipMember(slots[IP], 0),
    dstIp: dstIpStart >= 0 ? str(internedText(b, dstIpStart, dstIpEnd)) : ipMember(slots[IP], 1),
    source: (slots[SOURCE] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
    destination: (slots[DESTINATION] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
    l4: (slots[L4] as L4Info | undefined) ?? NO_L4,
    l7: slots[L7] as L7Info | undefined,
    reply: explicitReply(slots[IS_REPLY], slots[REPLY]),
    traceReason: slots[TRACE_REASON],
    verdict: toVerdict(slots[VERDICT]),
    direction: toDirection(slots[DIRECTION]),
    observer: str(wrapperNode ?? wrapperNodeCamel ?? slots[NODE_NAME]),
    dropReason: dropReasonOf(slots[DROP_DESC], slots[DROP_CODE]),
    sourceNames: slots[SOURCE_NAMES],
    destinationNames: slots[DESTINATION_NAMES],
    sourceService: slots[SOURCE_SERVICE],
    destinationService: slots[DESTINATION_SERVICE],
  };
}

const NAME_TIME = ascii('time');
const NAME_NODE_NAME = ascii('node_name');
const NAME_NODE_NAME_CAMEL = ascii('nodeName');
const NAME_FLOW = ascii('flow');

/** source (0) or destination (1) of an IP member read as a value (not as plain strings). */
function ipMember(ip: unknown, which: 0 | 1): string | undefined {
  return ip === undefined ? undefined : str((ip as readonly unknown[])[which]);
}

/**
 * Walks the members of an object from `i` (its first member's `"`), decoding those FlowFields uses
 * into `slots` (and, when `list` is given, appending them to it). Returns the index of the object's
 * closing `}`, or -1 when the bytes are not of the compact shape. With `firstPass`, stops after the
 * member that completes IP and l4 and returns the next member's start (see `startFlow`).
 *
 * At flow level (`list` undefined, after the first pass), the members from the source endpoint to
 * the flow's end are looked up as one run of bytes in `state.runs` (see applyRun).
 */
function walkMembers(b: Uint8Array, i: number, end: number, state: FlowParseState, slots: unknown[], list: unknown[] | undefined, firstPass: boolean): number {
  for (;;) {
    const keyEnd = memberName(b, i, end);
    if (keyEnd < 0) return -1;
    const slot = slotAt(b, i, keyEnd);
    if (slot === CAMEL_CASE) return -1;
    // From the source endpoint on, a record's members (endpoints, Type .. Summary) repeat line
    // after line: they are looked up as one run of bytes.
    if (slot === SOURCE && list === undefined && !firstPass) return applyRun(b, i, end, state, slots);
    const v = keyEnd + 2;
    let e: number;
    if (slot === SOURCE || slot === DESTINATION) {
      // In compact output an endpoint ends at its first `},"` (its only nested objects are
      // `workloads` items, followed by `,{` or `]`). A cut that lands elsewhere leaves unbalanced
      // text, which the endpoint cache never holds and JSON.parse rejects: the line then goes slow.
      if (b[v] !== LBRACE) return -1;
      // An endpoint seen before is found from its first bytes, without looking for its end.
      const known = state.endpoints.startingAt(b, v, end, COMMA, RBRACE);
      let endpoint: FlowEndpoint | undefined;
      if (known !== undefined) {
        e = v + known.raw.length;
        endpoint = known.value;
      } else {
        e = endpointEnd(b, v, end);
        if (e < 0) return -1;
        endpoint = lookupEndpoint(b, v, e, state);
        if (endpoint === undefined) return -1;
      }
      slots[slot] = endpoint;
      list?.push(slot, endpoint);
    } else {
      e = valueEnd(b, v, end);
      if (e < 0) return -1;
      if (slot >= 0) {
        let value: unknown;
        if (slot === IP) value = readIp(b, v, e, list === undefined);
        else if (slot === L4) value = readL4(b, v, e);
        else if (slot === L7) value = readL7(b, v, e);
        else if (slot === TIME && list === undefined && b[v] === QUOTE && !Number.isNaN((flowTimeMs = parseRfc3339Bytes(b, v + 1, e - 1)))) value = PARSED_TIME;
        else value = readValue(b, v, e);
        slots[slot] = value;
        list?.push(slot, value);
      }
    }
    const c = b[e];
    if (c === RBRACE) {
      if (firstPass) firstPassEnded = true;
      return e;
    }
    if (c !== COMMA) return -1;
    i = e + 1;
    if (firstPass && slots[IP] !== undefined && slots[L4] !== undefined) {
      firstPassEnded = false;
      return i;
    }
  }
}

/** Index after the first `}` followed by `,"` from `v` (see walkMembers), or -1. */
function endpointEnd(b: Uint8Array, v: number, end: number): number {
  for (let i = v + 1; i < end - 2; i++) {
    if (b[i] === RBRACE && b[i + 1] === COMMA && b[i + 2] === QUOTE) return i + 1;
  }
  return -1;
}

/**
 * The members from `start` (the source endpoint's member) to the flow's end, from the cache when
 * these bytes were seen before: the flow's `}` is the line's last but one `}` (the wrapper after
 * it holds strings), and a walk over the same bytes ends at the same place. Returns the flow's
 * `}`, or -1. Runs holding `l7` go to a cache of their own: DNS requests and answers repeat (every
 * pod resolves the same names), responses with a latency rarely do, and those must not push the
 * L3/L4 runs out.
 */
function applyRun(b: Uint8Array, start: number, end: number, state: FlowParseState, slots: unknown[]): number {
  let guess = end - 2;
  while (guess > start && b[guess] !== RBRACE) guess--;
  let members = guess > start ? state.runs.get(b, start, guess) ?? state.l7Runs.get(b, start, guess) : undefined;
  let close = guess;
  if (members === undefined) {
    const list: unknown[] = [];
    close = walkMembers(b, start, end, state, [], list, false);
    if (close < 0) return -1;
    let hasL7 = false;
    for (let m = 0; m < list.length; m += 2) if (list[m] === L7) hasL7 = true;
    (hasL7 ? state.l7Runs : state.runs).set(b, start, close, list);
    members = list;
  }
  for (let m = 0; m < members.length; m += 2) {
    const slot = members[m] as number;
    slots[slot] = members[m + 1];
    // An IP member here is the last one: its value, not the spans an earlier one left.
    if (slot === IP) srcIpStart = srcIpEnd = dstIpStart = dstIpEnd = -1;
  }
  return close;
}

/**
 * `IP`: `{"source":"a","destination":"b","ipVersion":"IPv4"}` -> [source, destination] (raw values).
 * At flow level, plain string addresses are left as byte spans (srcIpStart..), decoded only when
 * the line makes a record.
 */
function readIp(b: Uint8Array, start: number, end: number, spans: boolean): readonly [unknown, unknown] {
  if (b[start] !== LBRACE) return [undefined, undefined];
  let source: unknown;
  let destination: unknown;
  let s0 = -1, s1 = -1, d0 = -1, d1 = -1;
  if (b[start + 1] !== RBRACE) {
    for (let i = start + 1; i >= 0; ) {
      const e = member(b, i, end);
      const v = memberKeyEnd + 2;
      if (isNamed(b, i, NAME_SOURCE)) {
        // A plain string at flow level is kept as a span (its value stays undefined: finishFlow reads the span).
        source = spans && isPlainString(b, v, e) ? undefined : readValue(b, v, e);
        s0 = source === undefined && spans ? v + 1 : -1;
        s1 = e - 1;
      } else if (isNamed(b, i, NAME_DESTINATION)) {
        destination = spans && isPlainString(b, v, e) ? undefined : readValue(b, v, e);
        d0 = destination === undefined && spans ? v + 1 : -1;
        d1 = e - 1;
      }
      i = nextMember(b, e);
    }
  }
  if (spans) {
    srcIpStart = s0;
    srcIpEnd = s1;
    dstIpStart = d0;
    dstIpEnd = d1;
  }
  return [source, destination];
}

const NAME_SOURCE = ascii('source');
const NAME_DESTINATION = ascii('destination');

/** Whether b[v, e) is a string with no escape and only ASCII characters. */
function isPlainString(b: Uint8Array, v: number, e: number): boolean {
  if (b[v] !== QUOTE) return false;
  for (let i = v + 1; i < e - 1; i++) {
    const c = b[i];
    if (c === BACKSLASH || c > 127) return false;
  }
  return true;
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

/**
 * `l4` of a compact line: `{"TCP":{"source_port":1,"destination_port":2,"flags":{"SYN":true}}}`
 * read member by member; any other shape through JSON.parse of the slice and l4Info.
 */
function readL4(b: Uint8Array, start: number, end: number): L4Info {
  const nameEnd = b[start] === LBRACE ? memberName(b, start + 1, end) : -1;
  if (nameEnd > 0 && b[nameEnd + 2] === LBRACE) {
    const portProtocol = protocolAt(b, start + 2, nameEnd, PORT_PROTOCOL_BYTES);
    const icmpProtocol = portProtocol >= 0 ? -1 : protocolAt(b, start + 2, nameEnd, ICMP_PROTOCOL_BYTES);
    if (portProtocol >= 0 || icmpProtocol >= 0) {
      let sport: unknown, dport: unknown, sportCamel: unknown, dportCamel: unknown, type: unknown;
      let hasFlags = false;
      let i = nameEnd + 3;
      if (b[i] === RBRACE) i++;
      else {
        for (;;) {
          const e = member(b, i, end);
          const v = memberKeyEnd + 2;
          if (isNamed(b, i, NAME_SOURCE_PORT)) sport = readValue(b, v, e);
          else if (isNamed(b, i, NAME_DESTINATION_PORT)) dport = readValue(b, v, e);
          else if (isNamed(b, i, NAME_SOURCE_PORT_CAMEL)) sportCamel = readValue(b, v, e);
          else if (isNamed(b, i, NAME_DESTINATION_PORT_CAMEL)) dportCamel = readValue(b, v, e);
          else if (isNamed(b, i, NAME_FLAGS)) {
            // All portInfo reads of the flags object is whether SYN and ACK are true.
            hasFlags = b[v] === LBRACE;
            if (hasFlags) readFlags(b, v, e);
          } else if (isNamed(b, i, NAME_TYPE)) type = readValue(b, v, e);
          i = nextMember(b, e);
          if (i < 0) {
            i = e + 1;
            break;
          }
        }
      }
      // The inner object must be l4's only member.
      if (i + 1 === end && b[i] === RBRACE) {
        if (portProtocol >= 0) {
          const info: L4Info = { protocol: PORT_PROTOCOLS[portProtocol], sport: num(sport ?? sportCamel), dport: num(dport ?? dportCamel) };
          if (hasFlags) {
            info.syn = flagSyn;
            info.ack = flagAck;
          }
          return info;
        }
        return { protocol: ICMP_PROTOCOLS[icmpProtocol], icmpType: num(type) ?? 0 };
      }
    }
  }
  return l4Info(parseValue(b, start, end));
}

let flagSyn = false;
let flagAck = false;

/** The flags object b[v, e) (`{"SYN":true,"ACK":true}`): whether its last SYN and ACK members are `true` (into flagSyn, flagAck). */
function readFlags(b: Uint8Array, v: number, e: number): void {
  flagSyn = flagAck = false;
  if (b[v + 1] === RBRACE) return;
  for (let i = v + 1; i >= 0; ) {
    const end = member(b, i, e);
    const value = memberKeyEnd + 2;
    if (memberKeyEnd - i === 4) {
      const isTrue = end - value === 4 && b[value] === 116 && b[value + 1] === 114 && b[value + 2] === 117 && b[value + 3] === 101;
      if (!isTrue) readValue(b, value, end); // any other value must still be JSON
      if (b[i + 1] === 83 && b[i + 2] === 89 && b[i + 3] === 78) flagSyn = isTrue; // SYN
      else if (b[i + 1] === 65 && b[i + 2] === 67 && b[i + 3] === 75) flagAck = isTrue; // ACK
    }
    i = nextMember(b, end);
  }
}

/** Index in `names` of the name b[start, end) spells, or -1. */
function protocolAt(b: Uint8Array, start: number, end: number, names: readonly Uint8Array[]): number {
  for (let i = 0; i < names.length; i++) if (names[i].length === end - start && bytesAt(b, start, names[i])) return i;
  return -1;
}

const NAME_DNS = ascii('dns');
const NAME_HTTP = ascii('http');
const NAME_KAFKA = ascii('kafka');
const NAME_QUERY = ascii('query');
const NAME_IPS = ascii('ips');
const NAME_METHOD = ascii('method');
const NAME_URL = ascii('url');
const NAME_API_KEY = ascii('api_key');
const NAME_TOPIC = ascii('topic');

/**
 * `l7` as L7Info: its type, and the few members of `dns`, `http` and `kafka` records use; the rest
 * (headers, latency) is skipped, not parsed.
 */
function readL7(b: Uint8Array, start: number, end: number): L7Info | undefined {
  if (b[start] !== LBRACE || b[end - 1] !== RBRACE) return undefined;
  const info: L7Info = { type: undefined };
  let dns: L7Info['dns'];
  let http: L7Info['http'];
  let kafka: L7Info['kafka'];
  if (b[start + 1] !== RBRACE) {
    for (let i = start + 1; i >= 0; ) {
      const e = member(b, i, end);
      const v = memberKeyEnd + 2;
      const isObject = b[v] === LBRACE;
      if (isNamed(b, i, NAME_TYPE)) info.type = readValue(b, v, e);
      else if (isNamed(b, i, NAME_DNS)) {
        const [query, ips] = isObject ? readTwo(b, v, end, NAME_QUERY, NAME_IPS) : [];
        dns = isObject ? { query, ips } : undefined;
      } else if (isNamed(b, i, NAME_HTTP)) {
        const [method, url] = isObject ? readTwo(b, v, end, NAME_METHOD, NAME_URL) : [];
        http = isObject ? { method, url } : undefined;
      } else if (isNamed(b, i, NAME_KAFKA)) {
        const [apiKey, topic] = isObject ? readTwo(b, v, end, NAME_API_KEY, NAME_TOPIC) : [];
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

/** Members `x` and `y` of the object opening at `v`, the last of each name. */
function readTwo(b: Uint8Array, v: number, end: number, x: Uint8Array, y: Uint8Array): [unknown, unknown] {
  const out: [unknown, unknown] = [undefined, undefined];
  if (b[v + 1] === RBRACE) return out;
  for (let i = v + 1; i >= 0; ) {
    const e = member(b, i, end);
    const value = memberKeyEnd + 2;
    if (isNamed(b, i, x)) out[0] = readValue(b, value, e);
    else if (isNamed(b, i, y)) out[1] = readValue(b, value, e);
    i = nextMember(b, e);
  }
  return out;
}

/** Index of the `"` closing the member name that opens at `at`, when `:` follows it; else -1 (also for escaped names). */
function memberName(b: Uint8Array, at: number, end: number): number {
  if (b[at] !== QUOTE) return -1;
  for (let i = at + 1; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) return b[i + 1] === COLON ? i : -1;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

// Walking an object's members: `member(b, i, end)` reads the member at `i` (its name's `"`), sets
// `memberKeyEnd` (the name's closing `"`; its value starts 2 later) and returns the end of its
// value; `nextMember(b, e)` is the next member's start, or -1 after the object's last one. Both
// throw INVALID on anything not compact JSON. Callers read memberKeyEnd before walking further.
let memberKeyEnd = -1;

/** Whether the member `member` has just read at `i` is named `name` (no escapes in names). */
function isNamed(b: Uint8Array, i: number, name: Uint8Array): boolean {
  return memberKeyEnd - i - 1 === name.length && bytesAt(b, i + 1, name);
}

function member(b: Uint8Array, i: number, end: number): number {
  const keyEnd = memberName(b, i, end);
  if (keyEnd < 0) throw INVALID;
  const e = valueEnd(b, keyEnd + 2, end);
  if (e < 0) throw INVALID;
  memberKeyEnd = keyEnd;
  return e;
}

function nextMember(b: Uint8Array, e: number): number {
  const c = b[e];
  if (c === RBRACE) return -1;
  if (c !== COMMA) throw INVALID;
  return e + 1;
}

/** Index just after the JSON value that starts at `v`; -1 when it is not one. */
function valueEnd(b: Uint8Array, v: number, end: number): number {
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

/** The JSON value b[v, e): strings without escapes, booleans and unsigned integers read directly, the rest parsed. */
function readValue(b: Uint8Array, v: number, e: number): unknown {
  const c = b[v];
  if (c === QUOTE) {
    const text = e - v <= INTERN_MAX + 2 ? internedText(b, v + 1, e - 1) : decodeText(b, v + 1, e - 1);
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

// Short strings (verdicts, directions, node names, addresses) by their bytes: a direct-mapped
// table, so a value seen before costs a hash and a compare instead of a decode (a native call).
const INTERN_MAX = 64;
const INTERN_SLOTS = 4096;
const internedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(INTERN_SLOTS).fill(undefined);
const internedTexts: string[] = new Array<string>(INTERN_SLOTS).fill('');

/** decodeText of a short span (at most INTERN_MAX bytes), from the table when seen before. */
function internedText(b: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  let h = n;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === BACKSLASH || c < 32 || c > 127) return decodeText(b, start, end);
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const known = internedBytes[slot];
  if (known !== undefined && known.length === n) {
    let i = 0;
    while (i < n && known[i] === b[start + i]) i++;
    if (i === n) return internedTexts[slot];
  }
  const text = (b as Buffer).toString('latin1', start, end);
  const copy = new Uint8Array(n);
  for (let i = 0; i < n; i++) copy[i] = b[start + i];
  internedBytes[slot] = copy;
  internedTexts[slot] = text;
  return text;
}

const INVALID = Symbol('invalid');

/** JSON.parse of the value b[start, end); on failure the line goes the slow way (see tryCompactFlowFields). */
function parseValue(b: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse((b as Buffer).toString('utf8', start, end));
  } catch {
    throw INVALID;
  }
}

/** The endpoint whose raw JSON is b[start, end), parsed once per distinct text. */
function lookupEndpoint(b: Uint8Array, start: number, end: number, state: FlowParseState): FlowEndpoint | undefined {
  const cached = state.endpoints.get(b, start, end);
  if (cached !== undefined) return cached;
  let parsed: unknown;
  try {
    parsed = JSON.parse((b as Buffer).toString('utf8', start, end));
  } catch {
    return undefined;
  }
  const endpoint = endpointBase(parsed, state);
  state.endpoints.set(b, start, end, endpoint);
  return endpoint;
}

/** Whether b holds the bytes of `name` at `at`. */
export function bytesAt(b: Uint8Array, at: number, name: Uint8Array): boolean {
  if (at + name.length > b.length) return false;
  for (let i = 0; i < name.length; i++) if (b[at + i] !== name[i]) return false;
  return true;
}

/** The bytes of an ASCII text. */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * An ASCII pattern searched for in bytes with Horspool's skips, forwards or backwards: a line is
 * ~1.4 kB, and a byte-by-byte loop over all of it costs more than the rest of a reply's fast path.
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

