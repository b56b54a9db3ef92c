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
 * Direction: `is_reply` (a bool, or a BoolValue `{value}`), else the older `reply`; when neither is
 * there: the reverse 5-tuple of a connection already seen, TCP flags (SYN without ACK = request,
 * SYN+ACK = reply), `trace_reason` (NEW / REPLY), the ICMP type, the L7 type (REQUEST / RESPONSE),
 * and as a last resort the ports (the ephemeral or higher port is the client's).
 * DNS responses are replies, but their answers are harvested: a record in the request direction
 * (client -> DNS server) carrying `dns`, whose count is 0 when the request was already counted.
 */
import type { FlowEndpoint, FlowRecord, L4Protocol, Verdict } from '../../generator/model/flow.ts';
import { KeyHasher, MAX_VERDICT_RANK, verdictRank } from './dedup.ts';
import { tryCompactFlowFields } from './hubble-compact.ts';
import { decodeFlowObject, isObject, str, type FlowFields, type Json, type L4Info, type L7Info } from './hubble-fields.ts';
import { emit, reportMalformed, type FlowParseState } from './state.ts';
import { parseRfc3339In } from './time.ts';

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
 * Parses one Hubble line into `out`. No compact line is JSON.parse-d whole: replies are recognised
 * by their reply flag, repeated reports of a known request by their 5-tuple hashed in place, and
 * the rest is decoded member by member (hubble-compact.ts). Anything of another shape goes through
 * JSON.parse, with the same results (test/server/flows/fast-path.test.ts). See docs/flow-format.md.
 */
export function parseHubbleLine(line: string, state: FlowParseState, out: FlowRecord[]): void {
  const stats = state.stats;
  // The quick paths below drop a line without parsing it; they take only lines that end as a
  // compact line does (`"}` after the wrapper, `}}` without one), so a line cut short is parsed and
  // reported. (A cut that happens to end in `"}` or `}}` after the reply flag still passes.)
  const n = line.length;
  const whole = line.charCodeAt(n - 1) === 125 && (line.charCodeAt(n - 2) === 34 || line.charCodeAt(n - 2) === 125);
  if (whole && line.indexOf('"flow":{') >= 0) {
    // Replies say so in compact JSON (`is_reply`, else the older `reply`); DNS answers (`"ips":[`)
    // are replies worth parsing. A request already seen is a duplicate unless its verdict may
    // outrank the one emitted before (a DROPPED after a FORWARDED): that one is parsed whole.
    const isReplyAt = lastIsReplyAt(line);
    const flagAt = isReplyAt >= 0 ? isReplyAt + 11 : lastLegacyReplyAt(line);
    if (flagAt >= 0) {
      if (line.startsWith('true', flagAt)) {
        if (!hasDnsAnswers(line)) {
          stats.replies++;
          return;
        }
      } else if (line.startsWith('false', flagAt)) {
        const key = quickConnectionHash(line);
        if (key !== undefined) {
          const time = quickTime(line) ?? state.now();
          if (state.connections.hasHashed(key, time) && !mayOutrank(line, state.connections.verdictOfHashed(key, time))) {
            state.connections.seenHashed(key, time);
            stats.duplicates++;
            return;
          }
        }
      }
    }
    const fields = tryCompactFlowFields(line, state);
    if (fields !== undefined) {
      recordsOf(fields, state, out);
      return;
    }
  }
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    reportMalformed(state, `invalid JSON (${(err as Error).message})`);
    return;
  }
  hubbleRecordsFrom(obj, state, out);
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

// ---------------------------------------------------------------------------------------------
// Fast path helpers. A line is ~1.4 kB; indexOf of a pattern that starts with `"` stops at every
// quote, so these helpers hop between occurrences of a rarer character (`_`, `[`) instead.

/** Index of the last `"is_reply":` member name of a line, or -1 (`_reply":` is rare and led by `_`). */
function lastIsReplyAt(line: string): number {
  let found = -1;
  for (let i = line.indexOf('_reply":'); i >= 0; i = line.indexOf('_reply":', i + 8)) {
    if (line.startsWith('"is', i - 3)) found = i - 3;
  }
  return found;
}

/** Index of the value of the last `"reply":` member of a line, or -1. It sits near the end. */
function lastLegacyReplyAt(line: string): number {
  const WINDOW = 768;
  let at = -1;
  if (line.length > WINDOW) {
    const tailAt = line.slice(line.length - WINDOW).lastIndexOf('"reply":');
    at = tailAt >= 0 ? tailAt + line.length - WINDOW : line.lastIndexOf('"reply":', line.length - WINDOW + 7);
  } else at = line.lastIndexOf('"reply":');
  return at < 0 ? -1 : at + 8;
}

/** Whether a line holds a `"ips":[` member (DNS answers); hops between `[`. */
function hasDnsAnswers(line: string): boolean {
  for (let i = line.indexOf('['); i >= 0; i = line.indexOf('[', i + 1)) {
    if (line.charCodeAt(i - 1) === 58 /* : */ && line.startsWith('"ips":[', i - 6)) return true;
  }
  return false;
}

/**
 * Whether a compact line's verdict may outrank `emitted` (see verdictRank): true for a verdict not
 * written as a plain string, and for a line that says `DROPPED"` or `ERROR"` anywhere after its
 * verdict (a repeated `verdict` member is the one JSON.parse keeps). Such a line is parsed whole.
 */
function mayOutrank(line: string, emitted: Verdict | undefined): boolean {
  if (emitted === undefined || verdictRank(emitted) >= MAX_VERDICT_RANK) return false;
  const at = line.indexOf('"verdict":');
  if (at < 0) return false;
  if (line.charCodeAt(at + 10) !== 34) return true;
  // Searches led by a capital letter: few of them in a line, so these are quick.
  return line.indexOf('DROPPED"', at) >= 0 || line.indexOf('ERROR"', at) >= 0;
}

const QUICK_KEY = new KeyHasher();

/**
 * The request-direction connection key of a compact Hubble line, as `connectionKey` builds it,
 * hashed straight from the line (no key string): read at the fixed places compact jsonpb puts it,
 * `"IP":{"source":"a","destination":"b"` and `"l4":{"TCP":{"source_port":1,"destination_port":2`.
 * Undefined when the line differs.
 */
function quickConnectionHash(line: string): KeyHasher | undefined {
  // `I` is rare before the IP member (time, uuid, verdict, ethernet): a fast first-character search.
  const ipAt = line.indexOf('IP":{"source":"');
  if (ipAt < 1 || line.charCodeAt(ipAt - 1) !== 34) return undefined;
  const srcStart = ipAt + 15;
  const srcEnd = line.indexOf('"', srcStart);
  if (srcEnd < 0 || !line.startsWith('","destination":"', srcEnd)) return undefined;
  const dstStart = srcEnd + 17;
  const dstEnd = line.indexOf('"', dstStart);
  // l4 follows IP: `..."ipVersion":"IPv4"},"l4":{"TCP":{...`
  const ipEnd = dstEnd < 0 ? -1 : line.indexOf('}', dstEnd);
  if (ipEnd < 0 || !line.startsWith(',"l4":{"', ipEnd + 1)) return undefined;
  const protoStart = ipEnd + 9;
  const c = line.charCodeAt(protoStart);
  let proto: string;
  if (c === 84 && line.startsWith('TCP":{', protoStart)) proto = 'TCP';
  else if (c === 85 && line.startsWith('UDP":{', protoStart)) proto = 'UDP';
  else if (c === 83 && line.startsWith('SCTP":{', protoStart)) proto = 'SCTP';
  else return undefined;
  let i = protoStart + proto.length + 3;
  let sportStart = i;
  let sportEnd = i;
  let dportStart = i;
  let dportEnd = i;
  if (line.startsWith('"source_port":', i)) {
    i += 14;
    sportStart = i;
    while (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
    sportEnd = i;
    if (line.charCodeAt(i) === 44) i++;
  }
  if (line.startsWith('"destination_port":', i)) {
    i += 19;
    dportStart = i;
    while (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
    dportEnd = i;
  }
  const length = proto.length + (srcEnd - srcStart) + (sportEnd - sportStart) + (dstEnd - dstStart) + (dportEnd - dportStart) + 4;
  return QUICK_KEY.reset(length)
    .text(proto, 0, proto.length).char(124)
    .text(line, srcStart, srcEnd).char(124)
    .text(line, sportStart, sportEnd).char(124)
    .text(line, dstStart, dstEnd).char(124)
    .text(line, dportStart, dportEnd);
}

function quickTime(line: string): number | undefined {
  const at = line.indexOf('"time":"');
  if (at < 0) return undefined;
  const end = line.indexOf('"', at + 8);
  const ms = end < 0 ? NaN : parseRfc3339In(line, at + 8, end);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------
// Meaning: direction, connection, verdict

/** The connection a packet belongs to, in the direction given; undefined without addresses. */
export function connectionKey(protocol: L4Protocol, srcIp: string | undefined, sport: number | undefined, dstIp: string | undefined, dport: number | undefined, icmpType?: number): string | undefined {
  if (srcIp === undefined && dstIp === undefined) return undefined;
  if (protocol === 'ICMPv4' || protocol === 'ICMPv6') return `${protocol}|${srcIp ?? ''}|${dstIp ?? ''}|${icmpType ?? ''}`;
  return `${protocol}|${srcIp ?? ''}|${sport ?? ''}|${dstIp ?? ''}|${dport ?? ''}`;
}

/** ICMP types that answer something (echo/timestamp/info/mask replies and error reports). */
const ICMPV4_ANSWERS = new Set([0, 3, 4, 5, 11, 12, 14, 16, 18]);
const ICMPV6_ANSWERS = new Set([1, 2, 3, 4, 129]);
/** Linux's default ephemeral range starts at 32768 (IANA's at 49152). */
const EPHEMERAL_PORT_MIN = 32768;

/** Guesses whether a packet with no reply flag travels in the reply direction. */
export function guessReply(info: L4Info, traceReason: unknown, l7Type: unknown): boolean {
  if (info.protocol === 'TCP' && info.syn === true) return info.ack === true;
  if (traceReason === 'NEW' || traceReason === 1) return false;
  if (traceReason === 'REPLY' || traceReason === 3) return true;
  if (info.protocol === 'ICMPv4') return ICMPV4_ANSWERS.has(info.icmpType ?? 0);
  if (info.protocol === 'ICMPv6') return ICMPV6_ANSWERS.has(info.icmpType ?? 0);
  if (l7Type === 'RESPONSE' || l7Type === 2) return true;
  if (l7Type === 'REQUEST' || l7Type === 1) return false;
  // Last resort: the client's port is ephemeral, or at least the higher of the two.
  const { sport, dport } = info;
  if (sport === undefined || dport === undefined) return false;
  const srcEphemeral = sport >= EPHEMERAL_PORT_MIN;
  const dstEphemeral = dport >= EPHEMERAL_PORT_MIN;
  if (srcEphemeral !== dstEphemeral) return dstEphemeral;
  return sport < dport;
}

/** The records of one flow: none for a reply or a repeated report, else one (or a correction). */
function recordsOf(f: FlowFields, state: FlowParseState, out: FlowRecord[]): void {
  const stats = state.stats;
  const time = f.time ?? state.now();
  const { srcIp, dstIp, source: srcBase, destination: dstBase } = f;
  if (srcIp === undefined && dstIp === undefined && isEmpty(srcBase) && isEmpty(dstBase)) {
    reportMalformed(state, 'Hubble flow has neither IP addresses nor source/destination endpoints');
    return;
  }
  const info = f.l4;
  const l7 = f.l7;
  const dns = l7?.dns;
  const answers = dns && Array.isArray(dns.ips) ? dns.ips.filter((x): x is string => typeof x === 'string') : [];

  const forwardKey = connectionKey(info.protocol, srcIp, info.sport, dstIp, info.dport, info.icmpType);
  let reply = f.reply;
  if (reply === undefined) {
    const reverseKey = connectionKey(info.protocol, dstIp, info.dport, srcIp, info.sport, info.icmpType);
    if (reverseKey !== undefined && state.connections.has(reverseKey, time) && !state.connections.has(forwardKey!, time)) reply = true;
    else reply = guessReply(info, f.traceReason, l7?.type);
  }

  const verdict = f.verdict;

  if (reply) {
    if (answers.length === 0) {
      stats.replies++;
      return;
    }
    // A DNS answer: report it in the request direction (client -> server), once per connection+query.
    const requestKey = connectionKey(info.protocol, dstIp, info.dport, srcIp, info.sport, info.icmpType);
    const query = stripDot(str(dns!.query) ?? '');
    if (requestKey !== undefined && state.connections.seen(`dns|${requestKey}|${query}`, time)) {
      stats.duplicates++;
      return;
    }
    const counted = requestKey !== undefined && state.connections.seen(requestKey, time);
    const record = {
      time,
      source: endpoint(dstBase, dstIp, info.dport, f.destinationNames, undefined),
      destination: endpoint(srcBase, srcIp, info.sport, f.sourceNames, f.sourceService),
      protocol: info.protocol,
    } as Mutable<FlowRecord>;
    if (info.sport !== undefined) record.port = info.sport;
    addVerdictAndObserver(record, f);
    record.count = counted ? 0 : 1;
    record.dns = { query, ips: answers };
    record.l7 = `DNS ${query}`;
    record.origin = { file: state.file, line: state.line };
    emit(state, out, record);
    return;
  }

  // One record per connection; a later report with a stronger verdict emits a correction.
  let supersedes: Verdict | undefined;
  if (forwardKey !== undefined) {
    const seen = state.connections.observe(forwardKey, time, verdict);
    if (seen.kind === 'duplicate') {
      stats.duplicates++;
      return;
    }
    if (seen.kind === 'supersede') supersedes = seen.previous;
  }
  const l7Text = l7Summary(l7);
  // Built member by member in a fixed order (no spreads): one of the few allocations per record.
  const record = {
    time,
    source: endpoint(srcBase, srcIp, info.sport, f.sourceNames, undefined),
    destination: endpoint(dstBase, dstIp, info.dport, f.destinationNames, f.destinationService),
    protocol: info.protocol,
  } as Mutable<FlowRecord>;
  if (info.dport !== undefined) record.port = info.dport;
  addVerdictAndObserver(record, f);
  record.count = 1;
  if (supersedes !== undefined) record.supersedes = supersedes;
  if (answers.length) record.dns = { query: stripDot(str(dns!.query) ?? ''), ips: answers };
  if (l7Text) record.l7 = l7Text;
  record.origin = { file: state.file, line: state.line };
  emit(state, out, record);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function addVerdictAndObserver(record: Mutable<FlowRecord>, f: FlowFields): void {
  record.verdict = f.verdict;
  if (f.dropReason) record.dropReason = f.dropReason;
  if (f.direction) record.direction = f.direction;
  if (f.observer) record.observer = f.observer;
}

function endpoint(base: FlowEndpoint, ip: string | undefined, port: number | undefined, names: unknown, service: unknown): FlowEndpoint {
  // Object.assign, not a spread: bases come in many shapes, and V8's spread of an object whose
  // shape varies from call to call takes its slow path (~3 µs here against ~0.1 µs).
  const e: { -readonly [K in keyof FlowEndpoint]: FlowEndpoint[K] } = Object.assign({}, base);
  if (ip !== undefined) e.ip = ip;
  if (port !== undefined) e.port = port;
  if (Array.isArray(names) && names.length) e.names = names.filter((n): n is string => typeof n === 'string').map(stripDot);
  if (isObject(service) && typeof service.name === 'string' && service.name) {
    const namespace = str(service.namespace);
    e.service = namespace ? { namespace, name: service.name } : { name: service.name };
  }
  return e;
}

function l7Summary(l7: L7Info | undefined): string | undefined {
  if (!l7) return undefined;
  if (l7.http) return `HTTP ${str(l7.http.method) ?? ''} ${str(l7.http.url) ?? ''}`.trim();
  if (l7.dns) return `DNS ${stripDot(str(l7.dns.query) ?? '')}`;
  if (l7.kafka) return `Kafka ${str(l7.kafka.apiKey) ?? ''} ${str(l7.kafka.topic) ?? ''}`.trim();
  return undefined;
}

function isEmpty(e: FlowEndpoint): boolean {
  for (const _ in e) return false;
  return true;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
