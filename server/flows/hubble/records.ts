/**
 * The meaning of one Hubble flow, whichever decoder read it (FlowFields): its direction, the
 * connection it belongs to, and the records it makes. Written once for both decoders.
 *
 * Direction: `is_reply` (a bool, or a BoolValue `{value}`), else the older `reply`; when neither is
 * there: the reverse 5-tuple of a connection already seen, TCP flags (SYN without ACK = request,
 * SYN+ACK = reply), `trace_reason` (NEW / REPLY), the ICMP type, the L7 type (REQUEST / RESPONSE),
 * and as a last resort the ports (the ephemeral or higher port is the client's).
 * DNS responses are replies, but their answers are harvested: a record in the request direction
 * (client -> DNS server) carrying `dns`, whose count is 0 when the request was already counted.
 */
import type { FlowEndpoint, FlowRecord, Verdict } from '../../../generator/model/flow.ts';
import { emit, reportMalformed, type FlowParseState } from '../state.ts';
import { isObject, str, type FlowFields, type L4Info, type L7Info } from './fields.ts';
import { decidingHubblePolicy, hasPolicyLists } from './policies.ts';

/** What a connection key reads of a packet's transport. */
export type KeyedTransport = Pick<L4Info, 'protocol' | 'sport' | 'dport' | 'icmpType'>;

/** The connection a packet from srcIp to dstIp belongs to, in that direction; undefined without addresses. */
export function connectionKey(l4: KeyedTransport, srcIp: string | undefined, dstIp: string | undefined): string | undefined {
  if (srcIp === undefined && dstIp === undefined) return undefined;
  if (l4.protocol === 'ICMPv4' || l4.protocol === 'ICMPv6') return `${l4.protocol}|${srcIp ?? ''}|${dstIp ?? ''}|${l4.icmpType ?? ''}`;
  return `${l4.protocol}|${srcIp ?? ''}|${l4.sport ?? ''}|${dstIp ?? ''}|${l4.dport ?? ''}`;
}

/** The key of the other direction of the packet connectionKey(l4, srcIp, dstIp) names. */
export function reverseConnectionKey(l4: KeyedTransport, srcIp: string | undefined, dstIp: string | undefined): string | undefined {
  if (srcIp === undefined && dstIp === undefined) return undefined;
  if (l4.protocol === 'ICMPv4' || l4.protocol === 'ICMPv6') return `${l4.protocol}|${dstIp ?? ''}|${srcIp ?? ''}|${l4.icmpType ?? ''}`;
  return `${l4.protocol}|${dstIp ?? ''}|${l4.dport ?? ''}|${srcIp ?? ''}|${l4.sport ?? ''}`;
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

/** A request-direction connection key the byte decoder hashed from the line (no key string made). */
export interface KeyHash {
  readonly hi: number;
  readonly lo: number;
}

/**
 * The records of one flow: none for a reply or a repeated report, else one (or a correction).
 * `forwardHash`: the caller hashed the request-direction key already.
 */
export function recordsOf(f: FlowFields, state: FlowParseState, out: FlowRecord[], forwardHash?: KeyHash): void {
  const time = f.time ?? state.now();
  const { srcIp, dstIp, source: srcBase, destination: dstBase } = f;
  if (srcIp === undefined && dstIp === undefined && isEmpty(srcBase) && isEmpty(dstBase)) {
    reportMalformed(state, 'Hubble flow has neither IP addresses nor source/destination endpoints');
    return;
  }
  const info = f.l4;
  const dns = f.l7?.dns;
  const answers = dns && Array.isArray(dns.ips) ? dns.ips.filter((x): x is string => typeof x === 'string') : [];

  // The forward key's text is needed only when the caller has not hashed it (forwardHash, for a request).
  const forwardKey = forwardHash === undefined ? connectionKey(info, srcIp, dstIp) : undefined;
  let reply = f.reply;
  if (reply === undefined) {
    const reverseKey = reverseConnectionKey(info, srcIp, dstIp);
    if (reverseKey !== undefined && state.connections.has(reverseKey, time) && !state.connections.has(forwardKey!, time)) reply = true;
    else reply = guessReply(info, f.traceReason, f.l7?.type);
  }
  if (reply) {
    if (answers.length === 0) state.stats.replies++;
    else dnsAnswerRecord(f, state, out, answers);
    return;
  }

  // One record per connection; a later report with a stronger verdict emits a correction, and so
  // does the first later report of the same verdict that names the deciding policy when the
  // records emitted for the connection named none (a policy correction: count 0, see below).
  let supersedes: Verdict | undefined;
  let policyOnly = false;
  const keyed = forwardKey !== undefined || forwardHash !== undefined;
  if (keyed) {
    const seen = forwardHash !== undefined ? state.connections.observeKey(forwardHash.hi, forwardHash.lo, time, f.verdict) : state.connections.observe(forwardKey!, time, f.verdict);
    if (seen.kind === 'duplicate' || (seen.kind === 'unnamed' && !hasPolicyLists(f))) {
      state.stats.duplicates++;
      return;
    }
    if (seen.kind === 'supersede') supersedes = seen.previous;
    else if (seen.kind === 'unnamed') {
      supersedes = f.verdict;
      policyOnly = true;
    }
  }
  const l7Text = l7Summary(f.l7);
  // Built member by member in a fixed order (no spreads): one of the few allocations per record.
  const record = {
    time,
    source: endpoint(srcBase, srcIp, info.sport, f.sourceNames, undefined),
    destination: endpoint(dstBase, dstIp, info.dport, f.destinationNames, f.destinationService),
    protocol: info.protocol,
  } as Mutable<FlowRecord>;
  if (info.dport !== undefined) record.port = info.dport;
  addVerdictAndObserver(record, f, state);
  if (policyOnly && record.policy === undefined) {
    // Its lists named no valid policy: a duplicate after all (what they held was counted as ignored).
    state.stats.duplicates++;
    return;
  }
  if (keyed && record.policy !== undefined) state.connections.namePolicy();
  // A policy correction changes no count: the connection was counted with this verdict already.
  record.count = policyOnly ? 0 : 1;
  if (supersedes !== undefined) record.supersedes = supersedes;
  if (answers.length) record.dns = { query: stripDot(str(dns!.query) ?? ''), ips: answers };
  if (l7Text) record.l7 = l7Text;
  record.origin = { file: state.file, line: state.line };
  emit(state, out, record);
}

/** A DNS answer (a reply): reported in the request direction (client -> server), once per connection and query. */
function dnsAnswerRecord(f: FlowFields, state: FlowParseState, out: FlowRecord[], answers: string[]): void {
  const time = f.time ?? state.now();
  const info = f.l4;
  const requestKey = reverseConnectionKey(info, f.srcIp, f.dstIp);
  const query = stripDot(str(f.l7!.dns!.query) ?? '');
  if (requestKey !== undefined && state.connections.seen(`dns|${requestKey}|${query}`, time)) {
    state.stats.duplicates++;
    return;
  }
  const counted = requestKey !== undefined && state.connections.seen(requestKey, time);
  const record = {
    time,
    source: endpoint(f.destination, f.dstIp, info.dport, f.destinationNames, undefined),
    destination: endpoint(f.source, f.srcIp, info.sport, f.sourceNames, f.sourceService),
    protocol: info.protocol,
  } as Mutable<FlowRecord>;
  if (info.sport !== undefined) record.port = info.sport;
  addVerdictAndObserver(record, f, state);
  record.count = counted ? 0 : 1;
  record.dns = { query, ips: answers };
  record.l7 = `DNS ${query}`;
  record.origin = { file: state.file, line: state.line };
  emit(state, out, record);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function addVerdictAndObserver(record: Mutable<FlowRecord>, f: FlowFields, state: FlowParseState): void {
  record.verdict = f.verdict;
  if (f.dropReason) record.dropReason = f.dropReason;
  if (hasPolicyLists(f)) {
    const policy = decidingHubblePolicy(f, state);
    if (policy !== undefined) record.policy = policy;
  }
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

