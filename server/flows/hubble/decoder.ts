/**
 * Cilium Hubble flows -> FlowRecords, request direction only, one record per connection.
 *
 * Accepted lines (see docs/flow-format.md):
 * - `hubble observe -o jsonpb` / `-o json` and Hubble exporter lines: a GetFlowsResponse
 *   `{"flow":{...},"node_name":...,"time":...}`; `node_status`, `lost_events`, `agent_event` and
 *   `debug_event` lines are counted as skipped;
 * - the legacy bare-flow form (`-o json` with legacy output: a Flow object at top level);
 * - decoded gRPC objects (the Relay client) through `hubbleRecordsFrom`.
 * Keys are proto names (`IP`, `l4`, `source_port`); protojson camelCase names are accepted too.
 * Enums may be strings or numbers, 64-bit numbers strings, and any field may be absent.
 *
 * `HubbleDecoder` reads lines of one ingest state. A compact line (what `hubble observe -o jsonpb`
 * and the exporter write) is read from its bytes (compact.ts); replies and repeated reports of a
 * counted connection are recognised from a first look and dropped; anything of another shape goes
 * through JSON.parse, with the same results (test/server/flows/fast-path.test.ts). The meaning of a
 * flow (direction, connection, records) is in records.ts, shared by both paths.
 */
import type { FlowRecord, L4Protocol, Verdict } from '../../../generator/model/flow.ts';
import { decimalLength, KeyHasher, MAX_VERDICT_RANK, verdictRank } from '../dedup.ts';
import { reportMalformed, type FlowParseState } from '../state.ts';
import { ascii, bytesAt, BytePattern, BytePatterns } from './bytes.ts';
import { CompactFlowReader, FLOW_START } from './compact.ts';
import { decodeFlowObject, isObject, toVerdict, type Json } from './fields.ts';
import { recordsOf, type KeyHash } from './records.ts';

const SKIPPED_EVENTS = ['node_status', 'lost_events', 'agent_event', 'debug_event'] as const;

/** True when a parsed JSON object looks like a Hubble line (wrapper, exporter event or bare flow). */
export function isHubbleObject(obj: unknown): boolean {
  if (!isObject(obj)) return false;
  if (isObject(obj.flow)) return true;
  if (SKIPPED_EVENTS.some((k) => k in obj) || 'nodeStatus' in obj || 'lostEvents' in obj) return true;
  return isBareFlow(obj);
}

function isBareFlow(obj: Json): boolean {
  return (
    isObject(obj.IP) || isObject(obj.ip) || isObject(obj.l4) ||
    ((isObject(obj.source) || isObject(obj.destination)) && ('verdict' in obj || 'Type' in obj || 'node_name' in obj || 'event_type' in obj))
  );
}

/**
 * Turns one decoded Hubble object (GetFlowsResponse, exporter event, or bare Flow) into records.
 * Non-flow events are counted as skipped; objects that are not Hubble at all as malformed.
 */
export function hubbleRecordsFrom(obj: unknown, state: FlowParseState, out: FlowRecord[]): void {
  if (!isObject(obj)) {
    reportMalformed(state, 'expected a JSON object (a Hubble flow line)');
    return;
  }
  if (isObject(obj.flow)) {
    recordsOf(decodeFlowObject(obj.flow, obj, state), state, out);
    return;
  }
  if (SKIPPED_EVENTS.some((k) => k in obj) || 'nodeStatus' in obj || 'lostEvents' in obj || 'agentEvent' in obj || 'debugEvent' in obj) {
    state.stats.skipped++;
    return;
  }
  if (isBareFlow(obj)) {
    recordsOf(decodeFlowObject(obj, undefined, state), state, out);
    return;
  }
  reportMalformed(state, 'not a Hubble flow: expected {"flow":{...}} or a Flow object with IP/l4/source/destination');
}

/**
 * Whether the line b[start, end) can be read in place by `HubbleDecoder.parseBytes`: not blank,
 * padded (CR, spaces, tabs) or a `#` comment, which parseFlowLine reads as text.
 */
export function readsInPlace(b: Uint8Array, start: number, end: number): boolean {
  if (end === start) return false;
  const first = b[start];
  const last = b[end - 1];
  return last !== 13 && last !== 32 && first !== 32 && first !== 9 && first !== 35;
}

/** What the first look at a compact line found: not a compact line (parse it whole), */
const LINE_NOT_COMPACT = 0;
/** a reply that carries no DNS answers (counted, nothing else), */
const LINE_REPLY = 1;
/** a request whose connection key and time the first pass read (`Classified`), */
const LINE_REQUEST = 2;
/** or another compact flow (finish reading it). */
const LINE_FLOW = 3;

/** The first look's findings on the line being decoded; `hi`, `lo` its quick key when `keyed`. */
interface Classified extends KeyHash {
  kind: number;
  /** Where the first pass stopped (for finishFlow). */
  at: number;
  /** Whether the first pass hashed the request-direction connection key from the bytes (into hi, lo). */
  keyed: boolean;
  hi: number;
  lo: number;
  /** For LINE_REQUEST: the flow's time (ms). */
  time: number;
}

const TRUE = 1, FALSE = 0, UNKNOWN = -1;
const IS_REPLY = new BytePattern('"is_reply":');
const LEGACY_REPLY = new BytePattern('"reply":');
const IPS_ARRAY = new BytePattern('"ips":[');
const VERDICT_MEMBER = new BytePattern(',"verdict":');
/** The deciding-policy lists' member names, snake_case and protojson camelCase (see mayChange). */
const POLICY_LIST_MEMBERS = ['egress_allowed_by', 'ingress_allowed_by', 'egress_denied_by', 'ingress_denied_by', 'egressAllowedBy', 'ingressAllowedBy', 'egressDeniedBy', 'ingressDeniedBy']
  .map((name) => `"${name}":`);
const POLICY_LIST_MEMBER = new BytePatterns(POLICY_LIST_MEMBERS);
/** Either a later verdict or a policy list, in one pass over the line. */
const VERDICT_OR_POLICY_LIST_MEMBER = new BytePatterns([',"verdict":', ...POLICY_LIST_MEMBERS]);
const TRUE_BYTES = ascii('true');
const FALSE_BYTES = ascii('false');
const PROTOCOL_BYTES: Partial<Record<L4Protocol, Uint8Array>> = { TCP: ascii('TCP'), UDP: ascii('UDP'), SCTP: ascii('SCTP') };

/** The Hubble decoder of one ingest state (see the top of this file). Its scratch state and caches are its own. */
export class HubbleDecoder {
  private readonly compact: CompactFlowReader;
  private readonly classified: Classified = { kind: LINE_NOT_COMPACT, at: -1, keyed: false, hi: 0, lo: 0, time: NaN };
  private readonly quickKey = new KeyHasher();
  /** A text line's UTF-8 bytes, for `parseLine` (the compact reader reads bytes; it keeps no view of them). */
  private scratch = Buffer.allocUnsafeSlow(1 << 16);

  constructor(private readonly state: FlowParseState) {
    this.compact = new CompactFlowReader(state);
  }

  /** The compact reader's caches, bounded (for tests). */
  get caches(): Pick<CompactFlowReader, 'endpoints' | 'runs' | 'l7Runs'> {
    return this.compact;
  }

  /** Parses one Hubble line (text) into `out`. */
  parseLine(line: string, out: FlowRecord[]): void {
    if (this.state.hubbleDecoder === 'json') return this.parseJson(line, out);
    if (this.scratch.length < 3 * line.length) this.scratch = Buffer.allocUnsafeSlow(Math.max(3 * line.length, 2 * this.scratch.length));
    const n = this.scratch.write(line, 0, 'utf8');
    if (!this.parseCompact(this.scratch, 0, n, out)) this.parseJson(line, out);
  }

  /** `parseLine` of the line held by the bytes b[start, end) (UTF-8), read in place. */
  parseBytes(b: Buffer, start: number, end: number, out: FlowRecord[]): void {
    if (this.state.hubbleDecoder === 'json' || !this.parseCompact(b, start, end, out)) this.parseJson(b.toString('utf8', start, end), out);
  }

  private parseJson(line: string, out: FlowRecord[]): void {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      reportMalformed(this.state, `invalid JSON (${(err as Error).message})`);
      return;
    }
    hubbleRecordsFrom(obj, this.state, out);
  }

  /**
   * The compact fast path over a line's bytes; false when the line is not a compact Hubble line and
   * must be parsed whole. Replies are recognised by their reply flag, repeated reports of a known
   * request by their 5-tuple (read in a first pass over the flow's members, up to IP and l4), and
   * the rest is decoded member by member.
   */
  private parseCompact(b: Buffer, start: number, end: number, out: FlowRecord[]): boolean {
    const c = this.classify(b, start, end);
    if (c.kind === LINE_NOT_COMPACT) return false;
    if (c.kind === LINE_REPLY) {
      this.state.stats.replies++;
      return true;
    }
    if (c.kind === LINE_REQUEST && this.isRepeatedRequest(c, b, end)) return true;
    const fields = this.compact.finishFlow(b, c.at, end);
    if (fields === undefined) return false;
    // A new request whose key the quick check hashed: the same key, unless a later member replaced IP or l4.
    recordsOf(fields, this.state, out, c.keyed && fields.reply === false && this.compact.firstPassStillHolds() ? c : undefined);
    return true;
  }

  /**
   * The first look at a compact line, which needs no state but caches: is it a reply, a request
   * with a quick connection key, or something to read whole?
   */
  private classify(b: Uint8Array, start: number, end: number): Classified {
    const c = this.classified;
    c.keyed = false;
    c.kind = LINE_NOT_COMPACT;
    if (end - start < FLOW_START.length + 2 || !bytesAt(b, start, FLOW_START)) return c;
    // The quick paths drop a line without reading all of it; they take only lines that end as a
    // compact line does (`"}` after the wrapper, `}}` without one), so a line cut short is parsed and
    // reported. (A cut that happens to end in `"}` or `}}` after the reply flag still passes.)
    const whole = b[end - 1] === 125 && (b[end - 2] === 34 || b[end - 2] === 125);
    // Replies say so (`is_reply`, else the older `reply`); DNS answers (`"ips":[`) are replies worth parsing.
    const flag = whole ? replyFlag(b, start, end) : UNKNOWN;
    if (flag === TRUE && IPS_ARRAY.firstIn(b, start, end) < 0) {
      c.kind = LINE_REPLY;
      return c;
    }
    const at = this.compact.startFlow(b, start, end);
    if (at < 0) return c;
    c.at = at;
    c.kind = LINE_FLOW;
    if (flag !== FALSE || this.compact.firstPassEnded) return c;
    const key = this.quickConnectionHash(b);
    if (key === undefined) return c;
    c.keyed = true;
    c.hi = key.hi();
    c.lo = key.lo();
    c.time = this.compact.firstPassTime();
    if (!Number.isNaN(c.time)) c.kind = LINE_REQUEST;
    return c;
  }

  /**
   * For a request line (its key and time in `c`): when its connection was counted before,
   * counts the line as a duplicate and returns true, unless the line may change what was emitted
   * for it (mayChange): such a line is read whole, and recordsOf decides.
   */
  private isRepeatedRequest(c: Classified, b: Uint8Array, end: number): boolean {
    const connections = this.state.connections;
    const known = connections.emittedOfKey(c.hi, c.lo, c.time);
    if (known === undefined) return false;
    if (known.verdict !== undefined && this.mayChange(known.verdict, known.policyNamed, b, end)) return false;
    connections.seenKey(c.hi, c.lo, c.time);
    this.state.stats.duplicates++;
    return true;
  }

  /**
   * After the first pass over a compact line of a connection emitted with verdict `emitted`:
   * whether the line may change what was emitted. Its verdict may outrank `emitted` (a DROPPED
   * after a FORWARDED): its first verdict does, or is not a plain string, or another `"verdict"`
   * member follows (JSON.parse keeps a repeated member's last value; one nested in an object
   * there also counts, which is merely cautious). Or, while no policy was named for the
   * connection, the line may name one: the first pass read a deciding-policy list, or one of
   * their member names follows. Whichever of the two applies is looked for in one pass over the
   * rest of the line.
   */
  private mayChange(emitted: Verdict, policyNamed: boolean, b: Uint8Array, end: number): boolean {
    const compact = this.compact;
    const emittedRank = verdictRank(emitted);
    const rankMayRise = emittedRank < MAX_VERDICT_RANK;
    if (rankMayRise) {
      const verdict = compact.firstPassVerdict();
      if (verdict !== undefined && (typeof verdict !== 'string' || verdictRank(toVerdict(verdict)) > emittedRank)) return true;
    }
    if (!policyNamed && compact.firstPassReadPolicyList()) return true;
    // A later member starts with `,"` (the first pass stopped right after a comma).
    const rest = compact.firstPassEnd - 1;
    if (rankMayRise && !policyNamed) return VERDICT_OR_POLICY_LIST_MEMBER.anyIn(b, rest, end);
    if (rankMayRise) return VERDICT_MEMBER.firstIn(b, rest, end) >= 0;
    if (!policyNamed) return POLICY_LIST_MEMBER.anyIn(b, rest, end);
    return false;
  }

  /**
   * The request-direction connection key of the line the first pass read, as connectionKey builds
   * it, hashed straight from its bytes (no key string): TCP, UDP and SCTP flows whose addresses
   * are plain strings and whose ports are integers. Undefined otherwise.
   */
  private quickConnectionHash(b: Uint8Array): KeyHasher | undefined {
    const l4 = this.compact.firstPassL4();
    const proto = l4 === undefined ? undefined : PROTOCOL_BYTES[l4.protocol];
    if (l4 === undefined || proto === undefined || !isPort(l4.sport) || !isPort(l4.dport)) return undefined;
    const { srcStart: s0, srcEnd: s1, dstStart: d0, dstEnd: d1 } = this.compact.ips;
    // No address at all: connectionKey makes no key.
    if (s0 < 0 || d0 < 0 || (s1 === s0 && d1 === d0)) return undefined;
    const length = proto.length + (s1 - s0) + decimalLength(l4.sport) + (d1 - d0) + decimalLength(l4.dport) + 4;
    return this.quickKey.reset(length)
      .bytes(proto, 0, proto.length).char(124)
      .bytes(b, s0, s1).char(124)
      .digits(l4.sport).char(124)
      .bytes(b, d0, d1).char(124)
      .digits(l4.dport);
  }
}

/** The value of the last `"is_reply":` member of a line, else of its last `"reply":`: TRUE, FALSE or UNKNOWN. */
function replyFlag(b: Uint8Array, start: number, end: number): number {
  let at = IS_REPLY.lastIn(b, start, end);
  if (at >= 0) at += IS_REPLY.length;
  else {
    at = LEGACY_REPLY.lastIn(b, start, end);
    if (at < 0) return UNKNOWN;
    at += LEGACY_REPLY.length;
  }
  if (b[at] === 116 && bytesAt(b, at, TRUE_BYTES)) return TRUE;
  if (b[at] === 102 && bytesAt(b, at, FALSE_BYTES)) return FALSE;
  return UNKNOWN;
}

function isPort(n: number | undefined): boolean {
  return n === undefined || (Number.isInteger(n) && n >= 0 && n <= 0xffffffff);
}
