/**
 * FlowFields straight from the bytes of a compact Hubble line (`hubble observe -o jsonpb`, exporter
 * files: `{"flow":{...},"node_name":"..","time":".."}` with no whitespace), without JSON.parse-ing
 * it and without decoding it to a string first.
 *
 * A full JSON.parse of such a line builds objects nobody reads (ethernet, interface, event_type,
 * two endpoints' label lists). Here the flow's members are walked once over the bytes; only the
 * members FlowFields needs are decoded: strings, booleans and numbers directly, small objects (IP,
 * l4, l7) by their members (members.ts), endpoints and the members after them from caches keyed by
 * their raw bytes, and anything unusual with JSON.parse of its slice.
 *
 * Anything outside that shape (whitespace, camelCase names, escaped keys, a cut endpoint) answers
 * undefined or -1 and the caller parses the line whole: the fast path never guesses. Duplicate
 * member names resolve as in JSON.parse (the last one wins), since every member is walked.
 *
 * A line is read in two steps, so a repeated report can be dropped after the first:
 * `startFlow` walks the flow's members up to its first IP and l4 (the first pass), and
 * `finishFlow` walks the rest. What the first pass read stays readable in between.
 */
import type { FlowEndpoint } from '../../../generator/model/flow.ts';
import type { FlowParseState } from '../state.ts';
import { parseRfc3339Bytes, toEpochMs } from '../time.ts';
import { ascii, bytesAt, ByteReader, COMMA, INVALID, isPlainString, LBRACE, memberName, nextMember, QUOTE, RBRACE, valueEnd } from './bytes.ts';
import { dropReasonOf, endpointBase, explicitReply, str, toDirection, toVerdict, type FlowFields, type L4Info, type L7Info } from './fields.ts';
import { clearSpans, readIp, readL4, readL7, type IpSpans } from './members.ts';
import { RawBytesCache } from './raw-cache.ts';

export const FLOW_START = ascii('{"flow":{');
const EMPTY_ENDPOINT: FlowEndpoint = Object.freeze({});
const NO_L4: L4Info = Object.freeze({ protocol: 'OTHER' });

// The FlowFields inputs a member sets ("slots"), in the order of a flow's slot array.
const TIME = 0, VERDICT = 1, IP = 2, L4 = 3, L7 = 4, IS_REPLY = 5, REPLY = 6, TRACE_REASON = 7, DIRECTION = 8,
  NODE_NAME = 9, DROP_DESC = 10, DROP_CODE = 11, SOURCE_NAMES = 12, DESTINATION_NAMES = 13, SOURCE_SERVICE = 14,
  DESTINATION_SERVICE = 15, SOURCE = 16, DESTINATION = 17, EGRESS_ALLOWED_BY = 18, INGRESS_ALLOWED_BY = 19,
  EGRESS_DENIED_BY = 20, INGRESS_DENIED_BY = 21, SLOTS = 22;
/** A member the slow path reads under its protojson (camelCase) name: such lines go the slow way. */
const CAMEL_CASE = -2;
const SLOT_NAMES: readonly (readonly [string, number])[] = [
  ['time', TIME], ['verdict', VERDICT], ['IP', IP], ['l4', L4], ['l7', L7], ['is_reply', IS_REPLY], ['reply', REPLY],
  ['trace_reason', TRACE_REASON], ['traffic_direction', DIRECTION], ['node_name', NODE_NAME],
  ['drop_reason_desc', DROP_DESC], ['drop_reason', DROP_CODE], ['source_names', SOURCE_NAMES],
  ['destination_names', DESTINATION_NAMES], ['source_service', SOURCE_SERVICE], ['destination_service', DESTINATION_SERVICE],
  ['source', SOURCE], ['destination', DESTINATION], ['egress_allowed_by', EGRESS_ALLOWED_BY],
  ['ingress_allowed_by', INGRESS_ALLOWED_BY], ['egress_denied_by', EGRESS_DENIED_BY], ['ingress_denied_by', INGRESS_DENIED_BY],
  ...['ip', 'isReply', 'traceReason', 'trafficDirection', 'nodeName', 'dropReasonDesc', 'sourceNames', 'destinationNames', 'sourceService', 'destinationService',
    'egressAllowedBy', 'ingressAllowedBy', 'egressDeniedBy', 'ingressDeniedBy']
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

/** A flow `time` read from its bytes (no string made): the slot holds this marker, the value `timeMs`. */
const PARSED_TIME = Symbol('parsed time');

/** Decoded members of a run of a flow's text, in order, as slot, value, slot, value...: replayed onto the slots when cached. */
export type MemberList = readonly unknown[];

export const ENDPOINT_CACHE_MAX = 20_000;
export const RUN_CACHE_MAX = 4_096;

const NAME_TIME = ascii('time');
const NAME_NODE_NAME = ascii('node_name');
const NAME_NODE_NAME_CAMEL = ascii('nodeName');
const NAME_FLOW = ascii('flow');

/** The wrapper's own members after the flow: node_name and time (Hubble repeats the flow's). */
interface Wrapper {
  node: unknown;
  nodeCamel: unknown;
  time: unknown;
  /** The time's span when it is a plain string (read only when the flow has no time of its own), else -1. */
  timeStart: number;
  timeEnd: number;
}

/** What the first pass read, to tell whether a later member of the same name replaced it. */
interface FirstPass {
  /** Where the walk goes on (the next member's `"`), or the flow's `}` when `ended`. */
  at: number;
  ended: boolean;
  ip: unknown;
  l4: unknown;
  srcStart: number;
  dstStart: number;
}

/** One compact-line reader per ingest state: its slots, spans and caches are this reader's own. */
export class CompactFlowReader {
  /** Decoded Hubble endpoints by their raw JSON bytes. */
  readonly endpoints = new RawBytesCache<FlowEndpoint>(ENDPOINT_CACHE_MAX);
  /** Decoded members of a line from its source endpoint to the flow's end (endpoints, Type .. Summary) by their raw bytes. */
  readonly runs = new RawBytesCache<MemberList>(RUN_CACHE_MAX);
  /** The same for runs that hold an `l7` member (see applyRun). */
  readonly l7Runs = new RawBytesCache<MemberList>(RUN_CACHE_MAX);
  private readonly r = new ByteReader();
  private readonly slots: unknown[] = new Array(SLOTS).fill(undefined);
  private timeMs = NaN;
  /** The spans of the line's IP addresses (see IpSpans). */
  readonly ips: IpSpans = { srcStart: -1, srcEnd: -1, dstStart: -1, dstEnd: -1 };
  private readonly first: FirstPass = { at: -1, ended: false, ip: undefined, l4: undefined, srcStart: -1, dstStart: -1 };
  private firstHolds = false;

  /** `state.cluster` places endpoints that name no cluster (endpointBase). */
  constructor(private readonly state: FlowParseState) {}

  /**
   * The first pass over a compact line b[start, end): the flow's members up to the first IP and l4
   * (where a duplicate check needs nothing more). Returns where the walk goes on (the next
   * member's `"`), the flow's closing `}` when it ended first (`firstPassEnded`), or -1 when the
   * line is not of the compact shape.
   */
  startFlow(b: Uint8Array, start: number, end: number): number {
    this.slots.fill(undefined);
    clearSpans(this.ips);
    this.timeMs = NaN;
    const first = this.first;
    const i = start + FLOW_START.length;
    if (b[i] === RBRACE) {
      first.ended = true;
      first.at = i;
      first.ip = first.l4 = undefined;
      first.srcStart = first.dstStart = -1;
      return i;
    }
    try {
      const at = this.walk(b, i, end, undefined, true);
      first.at = at;
      first.ip = this.slots[IP];
      first.l4 = this.slots[L4];
      first.srcStart = this.ips.srcStart;
      first.dstStart = this.ips.dstStart;
      return at;
    } catch (err) {
      if (err === INVALID) return -1;
      throw err;
    }
  }

  /** After `startFlow`: whether the flow ended before the first pass found both IP and l4. */
  get firstPassEnded(): boolean {
    return this.first.ended;
  }

  /** After `startFlow`: where the first pass stopped (the rest of the line starts there). */
  get firstPassEnd(): number {
    return this.first.at;
  }

  /** After `startFlow`: the raw verdict the first pass read, if any. */
  firstPassVerdict(): unknown {
    return this.slots[VERDICT];
  }

  /** After `startFlow`: the time (ms) the first pass read, NaN when none was read from bytes. */
  firstPassTime(): number {
    return this.slots[TIME] === PARSED_TIME ? this.timeMs : NaN;
  }

  /** After `startFlow`: the first pass's l4, when it read one. */
  firstPassL4(): L4Info | undefined {
    return this.slots[L4] as L4Info | undefined;
  }

  /** After `startFlow`: whether the first pass read one of the deciding-policy lists (`egress_allowed_by`, ...). */
  firstPassReadPolicyList(): boolean {
    const slots = this.slots;
    return slots[EGRESS_ALLOWED_BY] !== undefined || slots[INGRESS_ALLOWED_BY] !== undefined || slots[EGRESS_DENIED_BY] !== undefined || slots[INGRESS_DENIED_BY] !== undefined;
  }

  /** After `finishFlow`: whether the line's IP and l4 are the ones the first pass read (no later member replaced them). */
  firstPassStillHolds(): boolean {
    return this.firstHolds;
  }

  /**
   * Walks the rest of the flow from `at` (what `startFlow` returned) and the wrapper after it; the
   * FlowFields of the line, or undefined when it is not of the compact shape.
   */
  finishFlow(b: Uint8Array, at: number, end: number): FlowFields | undefined {
    try {
      return this.finish(b, at, end);
    } catch (err) {
      if (err === INVALID) return undefined;
      throw err;
    }
  }

  private finish(b: Uint8Array, at: number, end: number): FlowFields | undefined {
    const slots = this.slots;
    let i = at;
    if (!this.first.ended) {
      i = this.walk(b, at, end, undefined, false);
      if (i < 0) return undefined;
    }
    i++;
    const wrapper: Wrapper = { node: undefined, nodeCamel: undefined, time: undefined, timeStart: -1, timeEnd: -1 };
    if (b[i] === COMMA) i = this.readWrapper(b, i + 1, end, wrapper);
    else if (b[i] === RBRACE) i++;
    else return undefined;
    if (i !== end) return undefined;

    const time = slots[TIME] === PARSED_TIME ? this.timeMs : toEpochMs(slots[TIME]);
    if (time === undefined && wrapper.timeStart >= 0) wrapper.time = this.r.value(b, wrapper.timeStart, wrapper.timeEnd);
    const ips = this.ips;
    const first = this.first;
    this.firstHolds = slots[IP] === first.ip && slots[L4] === first.l4 && ips.srcStart === first.srcStart && ips.dstStart === first.dstStart;
    return {
      time: time ?? toEpochMs(wrapper.time),
      srcIp: ips.srcStart >= 0 ? str(this.r.text(b, ips.srcStart, ips.srcEnd)) : ipMember(slots[IP], 0),
      dstIp: ips.dstStart >= 0 ? str(this.r.text(b, ips.dstStart, ips.dstEnd)) : ipMember(slots[IP], 1),
      source: (slots[SOURCE] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
      destination: (slots[DESTINATION] as FlowEndpoint | undefined) ?? EMPTY_ENDPOINT,
      l4: (slots[L4] as L4Info | undefined) ?? NO_L4,
      l7: slots[L7] as L7Info | undefined,
      reply: explicitReply(slots[IS_REPLY], slots[REPLY]),
      traceReason: slots[TRACE_REASON],
      verdict: toVerdict(slots[VERDICT]),
      direction: toDirection(slots[DIRECTION]),
      observer: str(wrapper.node ?? wrapper.nodeCamel ?? slots[NODE_NAME]),
      dropReason: dropReasonOf(slots[DROP_DESC], slots[DROP_CODE]),
      sourceNames: slots[SOURCE_NAMES],
      destinationNames: slots[DESTINATION_NAMES],
      sourceService: slots[SOURCE_SERVICE],
      destinationService: slots[DESTINATION_SERVICE],
      egressAllowedBy: slots[EGRESS_ALLOWED_BY],
      ingressAllowedBy: slots[INGRESS_ALLOWED_BY],
      egressDeniedBy: slots[EGRESS_DENIED_BY],
      ingressDeniedBy: slots[INGRESS_DENIED_BY],
    };
  }

  /** The wrapper's members from `i` into `w`; returns the index after the wrapper's `}`. A second `flow` member throws INVALID. */
  private readWrapper(b: Uint8Array, i: number, end: number, w: Wrapper): number {
    const r = this.r;
    for (;;) {
      const e = r.member(b, i, end);
      const v = r.keyEnd + 2;
      if (r.isNamed(b, i, NAME_TIME)) {
        // Read only when the flow has no time of its own; a plain string needs no check.
        if (isPlainString(b, v, e)) (w.timeStart = v), (w.timeEnd = e), (w.time = undefined);
        else (w.timeStart = -1), (w.time = r.value(b, v, e));
      } else if (r.isNamed(b, i, NAME_NODE_NAME)) w.node = r.value(b, v, e);
      else if (r.isNamed(b, i, NAME_NODE_NAME_CAMEL)) w.nodeCamel = r.value(b, v, e);
      else if (r.isNamed(b, i, NAME_FLOW)) throw INVALID;
      const next = nextMember(b, e);
      if (next < 0) return e + 1;
      i = next;
    }
  }

  /**
   * Walks the members of an object from `i` (its first member's `"`), decoding those FlowFields
   * uses into the slots, or, when `list` is given, appending them to it instead. Returns the index
   * of the object's closing `}`, or -1 when the bytes are not of the compact shape. With
   * `firstPass`, stops after the member that completes IP and l4 and returns the next member's start.
   *
   * At flow level (no `list`, after the first pass), the members from the source endpoint to the
   * flow's end are looked up as one run of bytes (applyRun).
   */
  private walk(b: Uint8Array, i: number, end: number, list: unknown[] | undefined, firstPass: boolean): number {
    const slots = this.slots;
    const r = this.r;
    for (;;) {
      const keyEnd = memberName(b, i, end);
      if (keyEnd < 0) return -1;
      const slot = slotAt(b, i, keyEnd);
      if (slot === CAMEL_CASE) return -1;
      // From the source endpoint on, a record's members (endpoints, Type .. Summary) repeat line
      // after line: they are looked up as one run of bytes.
      if (slot === SOURCE && list === undefined && !firstPass) return this.applyRun(b, i, end);
      const v = keyEnd + 2;
      let e: number;
      let value: unknown;
      if (slot === SOURCE || slot === DESTINATION) {
        e = this.endpointAt(b, v, end);
        if (e < 0) return -1;
        value = this.endpoint;
      } else {
        e = valueEnd(b, v, end);
        if (e < 0) return -1;
        if (slot >= 0) {
          if (slot === IP) value = readIp(r, b, v, e, list === undefined ? this.ips : undefined);
          else if (slot === L4) value = readL4(r, b, v, e);
          else if (slot === L7) value = readL7(r, b, v, e);
          else if (slot === TIME && list === undefined && b[v] === QUOTE && !Number.isNaN((this.timeMs = parseRfc3339Bytes(b, v + 1, e - 1)))) value = PARSED_TIME;
          else value = r.value(b, v, e);
        }
      }
      if (slot >= 0) {
        if (list === undefined) slots[slot] = value;
        else list.push(slot, value);
      }
      const c = b[e];
      if (c === RBRACE) {
        if (firstPass) this.first.ended = true;
        return e;
      }
      if (c !== COMMA) return -1;
      i = e + 1;
      if (firstPass && slots[IP] !== undefined && slots[L4] !== undefined) {
        this.first.ended = false;
        return i;
      }
    }
  }

  /** The endpoint `endpointAt` read last. */
  private endpoint: FlowEndpoint | undefined;

  /**
   * The endpoint object opening at `v`, into `this.endpoint`; returns the index after it, or -1.
   * In compact output an endpoint ends at its first `},"` (its only nested objects are `workloads`
   * items, followed by `,{` or `]`). A cut that lands elsewhere leaves unbalanced text, which the
   * endpoint cache never holds and JSON.parse rejects: the line then goes slow.
   */
  private endpointAt(b: Uint8Array, v: number, end: number): number {
    if (b[v] !== LBRACE) return -1;
    // An endpoint seen before is found from its first bytes, without looking for its end.
    const known = this.endpoints.startingAt(b, v, end, COMMA, RBRACE);
    if (known !== undefined) {
      this.endpoint = known.value;
      return v + known.raw.length;
    }
    const e = endpointEnd(b, v, end);
    if (e < 0) return -1;
    const endpoint = this.lookupEndpoint(b, v, e);
    if (endpoint === undefined) return -1;
    this.endpoint = endpoint;
    return e;
  }

  /**
   * The members from `start` (the source endpoint's member) to the flow's end, from the cache when
   * these bytes were seen before: the flow's `}` is the line's last but one `}` (the wrapper after
   * it holds strings), and a walk over the same bytes ends at the same place. Returns the flow's
   * `}`, or -1. Runs holding `l7` go to a cache of their own: DNS requests and answers repeat (every
   * pod resolves the same names), responses with a latency rarely do, and those must not push the
   * L3/L4 runs out.
   */
  private applyRun(b: Uint8Array, start: number, end: number): number {
    let guess = end - 2;
    while (guess > start && b[guess] !== RBRACE) guess--;
    let members = guess > start ? this.runs.get(b, start, guess) ?? this.l7Runs.get(b, start, guess) : undefined;
    let close = guess;
    if (members === undefined) {
      const list: unknown[] = [];
      close = this.walk(b, start, end, list, false);
      if (close < 0) return -1;
      let hasL7 = false;
      for (let m = 0; m < list.length; m += 2) if (list[m] === L7) hasL7 = true;
      (hasL7 ? this.l7Runs : this.runs).set(b, start, close, list);
      members = list;
    }
    const slots = this.slots;
    for (let m = 0; m < members.length; m += 2) {
      const slot = members[m] as number;
      slots[slot] = members[m + 1];
      // An IP member here is the last one: its value, not the spans an earlier one left.
      if (slot === IP) clearSpans(this.ips);
    }
    return close;
  }

  /** The endpoint whose raw JSON is b[start, end), parsed once per distinct text. */
  private lookupEndpoint(b: Uint8Array, start: number, end: number): FlowEndpoint | undefined {
    const cached = this.endpoints.get(b, start, end);
    if (cached !== undefined) return cached;
    let parsed: unknown;
    try {
      parsed = JSON.parse((b as Buffer).toString('utf8', start, end));
    } catch {
      return undefined;
    }
    const endpoint = endpointBase(parsed, this.state);
    this.endpoints.set(b, start, end, endpoint);
    return endpoint;
  }
}

/** Index after the first `}` followed by `,"` from `v` (see endpointAt), or -1. */
function endpointEnd(b: Uint8Array, v: number, end: number): number {
  for (let i = v + 1; i < end - 2; i++) {
    if (b[i] === RBRACE && b[i + 1] === COMMA && b[i + 2] === QUOTE) return i + 1;
  }
  return -1;
}

/** source (0) or destination (1) of an IP member read as a value (not as plain strings). */
function ipMember(ip: unknown, which: 0 | 1): string | undefined {
  return ip === undefined ? undefined : str((ip as readonly unknown[])[which]);
}
