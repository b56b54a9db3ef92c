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
import type { FlowEndpoint, FlowRecord, L4Protocol, TrafficDirection, Verdict } from '../../generator/model/flow.ts';
import { RESERVED_IDENTITIES, type ReservedIdentity } from '../../generator/model/keys.ts';
import { ENDPOINT_CACHE_MAX, emit, reportMalformed, type FlowParseState } from './state.ts';
import { MAX_VERDICT_RANK, verdictRank } from './dedup.ts';
import { parseRfc3339, toEpochMs } from './time.ts';

type Json = Record<string, unknown>;

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
 * Parses one Hubble line into `out`. A fast path answers most lines without a full JSON.parse:
 * replies are recognised by substring, repeated reports of a known request by their 5-tuple, and
 * endpoint objects are parsed once per distinct raw text. Anything unusual falls back to JSON.parse.
 */
export function parseHubbleLine(line: string, state: FlowParseState, out: FlowRecord[]): void {
  const stats = state.stats;
  if (line.indexOf('"flow":{') >= 0) {
    // Replies say so in compact JSON; DNS answers (`"ips":[`) are replies worth parsing.
    // Both flags sit near the end of a line (proto field order): search from there.
    const isReplyAt = line.lastIndexOf('"is_reply":');
    if (isReplyAt >= 0) {
      if (line.startsWith('true', isReplyAt + 11)) {
        if (line.indexOf('"ips":[') < 0) {
          stats.replies++;
          return;
        }
      } else if (line.startsWith('false', isReplyAt + 11)) {
        const key = quickConnectionKey(line);
        if (key !== undefined) {
          const time = quickTime(line) ?? state.now();
          // A repeated report is dropped here unless it may outrank the verdict emitted before
          // (a DROPPED after a FORWARDED): that one is parsed whole and corrects the count.
          if (state.connections.has(key, time) && !mayOutrank(line, state.connections.verdictOf(key, time))) {
            state.connections.seen(key, time);
            stats.duplicates++;
            return;
          }
        }
      }
    } else if (line.lastIndexOf('"reply":true') >= 0 && line.indexOf('"ips":[') < 0) {
      stats.replies++;
      return;
    }
    if (parseWithEndpointCache(line, state, out)) return;
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
    flowRecords(obj.flow, obj, state, out, undefined, undefined);
    return;
  }
  if (SKIPPED_EVENTS.some((k) => k in obj) || 'nodeStatus' in obj || 'lostEvents' in obj || 'agentEvent' in obj || 'debugEvent' in obj) {
    state.stats.skipped++;
    return;
  }
  if (isBareFlow(obj)) {
    flowRecords(obj, undefined, state, out, undefined, undefined);
    return;
  }
  reportMalformed(state, 'not a Hubble flow: expected {"flow":{...}} or a Flow object with IP/l4/source/destination');
}

// ---------------------------------------------------------------------------------------------
// Fast path helpers

/**
 * Reads a compact jsonpb line `{"flow":{...},"node_name":..,"time":..}` without parsing its
 * endpoints: in Hubble's compact output `"source":{` ends at the first `},"` after it (an endpoint
 * holds no nested object but `workloads` items, which end in `}]` or `},{`), and likewise
 * `"destination":{`. The endpoints (two thirds of a line: labels) come from a cache keyed by their
 * raw text; JSON.parse reads only the head (time .. l4) and the tail (Type .. Summary) of the flow.
 * Returns false (nothing emitted) when the line is not of that shape; the caller then parses it whole.
 */
function parseWithEndpointCache(line: string, state: FlowParseState, out: FlowRecord[]): boolean {
  if (!line.startsWith('{"flow":{')) return false;
  const srcKey = line.indexOf(',"source":{', 9);
  if (srcKey < 0) return false;
  const srcStart = srcKey + 10;
  const srcEnd = line.indexOf('},"', srcStart) + 1;
  if (srcEnd === 0 || line.charCodeAt(srcEnd + 2) !== 100 /* d */ || line.slice(srcEnd, srcEnd + 16) !== ',"destination":{') return false;
  const dstStart = srcEnd + 15;
  // The flow closes at the last `}` but the wrapper's own: the wrapper's other keys are strings.
  const flowEnd = line.lastIndexOf('}', line.length - 2);
  if (flowEnd < dstStart || line.charCodeAt(line.length - 1) !== 125) return false;
  const suffix = line.slice(flowEnd + 1, line.length - 1);
  if (suffix !== '' && !WRAPPER_SUFFIX.test(suffix)) return false;
  let dstEnd = line.indexOf('},"', dstStart) + 1;
  if (dstEnd === 0 || dstEnd > flowEnd) dstEnd = flowEnd;
  let head: Json;
  let tail: Json;
  let wrapper: Json | undefined;
  try {
    // The MAC addresses are never used: leave `"ethernet":{...}` (no nested object) out of the parse.
    const ethAt = line.indexOf('"ethernet":{', 9);
    const ethEnd = ethAt > 0 && ethAt < srcKey ? line.indexOf('}', ethAt) : -1;
    head = JSON.parse(
      ethEnd > 0 && line.charCodeAt(ethEnd + 1) === 44 ? line.slice(8, ethAt) + line.slice(ethEnd + 2, srcKey) + '}' : line.slice(8, srcKey) + '}',
    ) as Json;
    tail = dstEnd + 1 < flowEnd ? (JSON.parse('{' + line.slice(dstEnd + 1, flowEnd) + '}') as Json) : {};
    // The wrapper repeats the flow's own time and node_name: read it only when the flow lacks them.
    if (suffix !== '' && (head.time === undefined || tail.node_name === undefined)) wrapper = JSON.parse('{' + suffix.slice(1) + '}') as Json;
  } catch {
    return false;
  }
  const source = lookupEndpoint(line, srcStart, srcEnd, state);
  const destination = lookupEndpoint(line, dstStart, dstEnd, state);
  if (!source || !destination) return false;
  for (const k in tail) head[k] = tail[k];
  flowRecords(head, wrapper, state, out, source, destination);
  return true;
}

const WRAPPER_SUFFIX = /^(,"[A-Za-z_]+":"[^"\\]*")+$/;

/**
 * Whether a compact line's verdict may outrank `emitted` (see verdictRank): true for a
 * `"verdict":"DROPPED"` or `"ERROR"`, and for any verdict not written as a plain string.
 */
function mayOutrank(line: string, emitted: Verdict | undefined): boolean {
  if (emitted === undefined || verdictRank(emitted) >= MAX_VERDICT_RANK) return false;
  const at = line.indexOf('"verdict":');
  if (at < 0) return false;
  const v = at + 10;
  if (line.charCodeAt(v) !== 34) return true;
  return line.startsWith('"DROPPED"', v) || line.startsWith('"ERROR"', v);
}

/** A JSON value of the line: strings without escapes, booleans and integers read directly. */
function readValue(line: string, v: number, end: number): unknown {
  const c = line.charCodeAt(v);
  if (c === 34) {
    const text = line.slice(v + 1, end - 1);
    return text.indexOf('\\') < 0 ? text : JSON.parse(line.slice(v, end));
  }
  if (c === 116 && end - v === 4) return true;
  if (c === 102 && end - v === 5) return false;
  return JSON.parse(line.slice(v, end));
}

interface CachedEndpoint {
  readonly raw: string;
  readonly endpoint: FlowEndpoint;
}

/**
 * The endpoint whose raw JSON text is line[start, end). Hashing a 600-character key per lookup
 * costs more than the rest of the line, so the cache is keyed by a fingerprint (length and a few
 * sampled characters) and a hit is confirmed by comparing the text in place (startsWith).
 */
function lookupEndpoint(line: string, start: number, end: number, state: FlowParseState): FlowEndpoint | undefined {
  const length = end - start;
  let h = length;
  const step = (length >> 4) + 1;
  for (let i = start + 1; i < end; i += step) h = (Math.imul(h, 31) + line.charCodeAt(i)) | 0;
  const bucket = state.endpointBuckets.get(h);
  if (bucket) {
    // slice + === is a memcmp; startsWith(text, position) compares character by character.
    if (bucket.length === 1 && bucket[0].raw.length === length) {
      if (line.slice(start, end) === bucket[0].raw) return bucket[0].endpoint;
    } else {
      const text = line.slice(start, end);
      for (const c of bucket) if (c.raw === text) return c.endpoint;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(start, end));
  } catch {
    return undefined;
  }
  const endpoint = endpointBase(parsed, state);
  if (state.endpoints.size >= ENDPOINT_CACHE_MAX) {
    state.endpoints.clear();
    state.endpointBuckets.clear();
  }
  // A slice keeps its whole line alive; keep a flat copy instead.
  const raw = Buffer.from(line.slice(start, end), 'utf8').toString('utf8');
  state.endpoints.set(raw, endpoint);
  const entry = { raw, endpoint };
  if (bucket) bucket.push(entry);
  else state.endpointBuckets.set(h, [entry]);
  return endpoint;
}

/** Index after the `}` closing the object or array that opens at `start`; -1 if unbalanced. */
export function objectEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      for (;;) {
        j = s.indexOf('"', j);
        if (j < 0) return -1;
        let k = j - 1;
        while (s.charCodeAt(k) === 92 /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The request-direction connection key of a compact Hubble line, as `connectionKey` builds it,
 * read at the fixed places compact jsonpb puts it: `"IP":{"source":"a","destination":"b"` and
 * `"l4":{"TCP":{"source_port":1,"destination_port":2`. Undefined when the line differs.
 */
function quickConnectionKey(line: string): string | undefined {
  const ipAt = line.indexOf('"IP":{"source":"');
  if (ipAt < 0) return undefined;
  const srcStart = ipAt + 16;
  const srcEnd = line.indexOf('"', srcStart);
  if (srcEnd < 0 || line.slice(srcEnd, srcEnd + 17) !== '","destination":"') return undefined;
  const dstStart = srcEnd + 17;
  const dstEnd = line.indexOf('"', dstStart);
  const l4At = line.indexOf('"l4":{"', dstEnd);
  if (dstEnd < 0 || l4At < 0) return undefined;
  const protoStart = l4At + 7;
  const c = line.charCodeAt(protoStart);
  let proto: string;
  if (c === 84 && line.startsWith('TCP":{', protoStart)) proto = 'TCP';
  else if (c === 85 && line.startsWith('UDP":{', protoStart)) proto = 'UDP';
  else if (c === 83 && line.startsWith('SCTP":{', protoStart)) proto = 'SCTP';
  else return undefined;
  let i = protoStart + proto.length + 3;
  let sport = '';
  let dport = '';
  if (line.startsWith('"source_port":', i)) {
    i += 14;
    const start = i;
    while (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
    sport = line.slice(start, i);
    if (line.charCodeAt(i) === 44) i++;
  }
  if (line.startsWith('"destination_port":', i)) {
    i += 19;
    const start = i;
    while (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
    dport = line.slice(start, i);
  }
  return `${proto}|${line.slice(srcStart, srcEnd)}|${sport}|${line.slice(dstStart, dstEnd)}|${dport}`;
}

function quickTime(line: string): number | undefined {
  const at = line.indexOf('"time":"');
  if (at < 0) return undefined;
  const end = line.indexOf('"', at + 8);
  const ms = parseRfc3339(line.slice(at + 8, end));
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------
// Normalization

const VERDICT_BY_NUMBER: readonly Verdict[] = ['UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'];
const VERDICT_NAMES = new Set<string>(VERDICT_BY_NUMBER);

function toVerdict(v: unknown): Verdict {
  if (typeof v === 'string') {
    if (VERDICT_NAMES.has(v)) return v as Verdict;
    if (/^\d+$/.test(v)) return VERDICT_BY_NUMBER[Number(v)] ?? 'UNKNOWN';
    return 'UNKNOWN';
  }
  if (typeof v === 'number') return VERDICT_BY_NUMBER[v] ?? 'UNKNOWN';
  return 'UNKNOWN';
}

function toDirection(v: unknown): TrafficDirection | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'INGRESS' || v === 1) return 'INGRESS';
  if (v === 'EGRESS' || v === 2) return 'EGRESS';
  return 'UNKNOWN';
}

/** Most specific first: a flow labelled `reserved:host` + `reserved:remote-node` is the host. */
const RESERVED_PRIORITY: readonly ReservedIdentity[] = [
  'kube-apiserver', 'health', 'host', 'remote-node', 'ingress', 'init', 'unmanaged', 'world',
];
/** Cilium's fixed numeric identities. */
const RESERVED_BY_IDENTITY: Record<number, ReservedIdentity> = {
  1: 'host', 2: 'world', 3: 'unmanaged', 4: 'health', 5: 'init', 6: 'remote-node', 7: 'kube-apiserver', 8: 'ingress', 9: 'world', 10: 'world',
};
const RESERVED_SET = new Set<string>(RESERVED_IDENTITIES);

const CLUSTER_LABEL = 'k8s:io.cilium.k8s.policy.cluster=';
const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace=';

/** The per-endpoint part of a FlowEndpoint (what the Endpoint object says), cacheable by raw text. */
function endpointBase(e: unknown, state: FlowParseState): FlowEndpoint {
  const out: { -readonly [K in keyof FlowEndpoint]: FlowEndpoint[K] } = {};
  if (!isObject(e)) return out;
  const labels = Array.isArray(e.labels) ? e.labels.filter((l): l is string => typeof l === 'string') : [];
  let cluster = str(e.cluster_name ?? e.clusterName);
  let namespace = str(e.namespace);
  let reserved: ReservedIdentity | undefined;
  let reservedRank = RESERVED_PRIORITY.length;
  for (const label of labels) {
    if (label.startsWith('reserved:')) {
      const id = label.slice(9);
      if (RESERVED_SET.has(id)) {
        const rank = RESERVED_PRIORITY.indexOf(id as ReservedIdentity);
        if (rank < reservedRank) {
          reservedRank = rank;
          reserved = id as ReservedIdentity;
        }
      }
    } else if (cluster === undefined && label.startsWith(CLUSTER_LABEL)) cluster = label.slice(CLUSTER_LABEL.length);
    else if (namespace === undefined && label.startsWith(NAMESPACE_LABEL)) namespace = label.slice(NAMESPACE_LABEL.length);
  }
  const identity = num(e.identity);
  if (reserved === undefined && identity !== undefined && !namespace) reserved = RESERVED_BY_IDENTITY[identity];
  const podName = str(e.pod_name ?? e.podName);
  // Sidecar-proxied traffic can carry identity world next to a pod name: the pod is the better answer.
  if (reserved === 'world' && podName) reserved = undefined;
  if (cluster === undefined && state.cluster !== undefined && (namespace || (reserved && reserved !== 'world'))) cluster = state.cluster;
  if (cluster !== undefined) out.cluster = cluster;
  if (namespace !== undefined) out.namespace = namespace;
  if (podName !== undefined) out.podName = podName;
  if (labels.length) out.labels = labels;
  if (Array.isArray(e.workloads)) {
    const workloads = e.workloads
      .filter(isObject)
      .map((w) => ({ kind: str(w.kind) ?? '', name: str(w.name) ?? '' }))
      .filter((w) => w.name !== '');
    if (workloads.length) out.workloads = workloads;
  }
  if (identity !== undefined) out.identity = identity;
  if (reserved !== undefined) out.reserved = reserved;
  return out;
}

interface L4Info {
  protocol: L4Protocol;
  sport?: number;
  dport?: number;
  icmpType?: number;
  flags?: Json;
}

function l4Info(l4: unknown): L4Info {
  if (!isObject(l4)) return { protocol: 'OTHER' };
  for (const proto of ['TCP', 'UDP', 'SCTP'] as const) {
    const p = l4[proto];
    if (isObject(p)) {
      return {
        protocol: proto,
        sport: num(p.source_port ?? p.sourcePort),
        dport: num(p.destination_port ?? p.destinationPort),
        flags: isObject(p.flags) ? p.flags : undefined,
      };
    }
  }
  for (const proto of ['ICMPv4', 'ICMPv6'] as const) {
    const p = l4[proto];
    // A zero type (ICMPv4 EchoReply) is omitted like every zero value.
    if (isObject(p)) return { protocol: proto, icmpType: num(p.type) ?? 0 };
  }
  return { protocol: 'OTHER' };
}

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

/** Explicit reply flag: `is_reply` (bool or BoolValue), else the older `reply`; undefined when absent. */
function explicitReply(f: Json): boolean | undefined {
  const isReply = f.is_reply ?? f.isReply;
  if (typeof isReply === 'boolean') return isReply;
  if (isObject(isReply)) return isReply.value === true;
  if (typeof f.reply === 'boolean') return f.reply;
  return undefined;
}

/** Guesses whether a packet with no reply flag travels in the reply direction. */
export function guessReply(info: L4Info, traceReason: unknown, l7Type: unknown): boolean {
  const flags = info.flags;
  if (info.protocol === 'TCP' && flags && flags.SYN === true) return flags.ACK === true;
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

function flowRecords(
  f: Json,
  wrapper: Json | undefined,
  state: FlowParseState,
  out: FlowRecord[],
  cachedSource: FlowEndpoint | undefined,
  cachedDestination: FlowEndpoint | undefined,
): void {
  const stats = state.stats;
  const time = toEpochMs(f.time) ?? toEpochMs(wrapper?.time) ?? state.now();
  const ip = isObject(f.IP) ? f.IP : isObject(f.ip) ? f.ip : undefined;
  const srcIp = str(ip?.source);
  const dstIp = str(ip?.destination);
  const srcBase = cachedSource ?? endpointBase(f.source, state);
  const dstBase = cachedDestination ?? endpointBase(f.destination, state);
  if (srcIp === undefined && dstIp === undefined && isEmpty(srcBase) && isEmpty(dstBase)) {
    reportMalformed(state, 'Hubble flow has neither IP addresses nor source/destination endpoints');
    return;
  }
  const info = l4Info(f.l4);
  const l7 = isObject(f.l7) ? f.l7 : undefined;
  const dns = l7 && isObject(l7.dns) ? l7.dns : undefined;
  const answers = dns && Array.isArray(dns.ips) ? dns.ips.filter((x): x is string => typeof x === 'string') : [];

  const forwardKey = connectionKey(info.protocol, srcIp, info.sport, dstIp, info.dport, info.icmpType);
  let reply = explicitReply(f);
  if (reply === undefined) {
    const reverseKey = connectionKey(info.protocol, dstIp, info.dport, srcIp, info.sport, info.icmpType);
    if (reverseKey !== undefined && state.connections.has(reverseKey, time) && !state.connections.has(forwardKey!, time)) reply = true;
    else reply = guessReply(info, f.trace_reason ?? f.traceReason, l7?.type);
  }

  const verdict = toVerdict(f.verdict);
  const direction = toDirection(f.traffic_direction ?? f.trafficDirection);
  const observer = str(wrapper?.node_name ?? wrapper?.nodeName ?? f.node_name ?? f.nodeName);
  const dropReason = str(f.drop_reason_desc ?? f.dropReasonDesc) ?? (num(f.drop_reason) ? String(f.drop_reason) : undefined);

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
    emit(state, out, {
      time,
      source: endpoint(dstBase, dstIp, info.dport, f.destination_names, undefined),
      destination: endpoint(srcBase, srcIp, info.sport, f.source_names, f.source_service),
      protocol: info.protocol,
      ...(info.sport !== undefined ? { port: info.sport } : {}),
      verdict,
      ...(dropReason ? { dropReason } : {}),
      ...(direction ? { direction } : {}),
      ...(observer ? { observer } : {}),
      count: counted ? 0 : 1,
      dns: { query, ips: answers },
      l7: `DNS ${query}`,
      origin: { file: state.file, line: state.line },
    });
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
  emit(state, out, {
    time,
    source: endpoint(srcBase, srcIp, info.sport, f.source_names, undefined),
    destination: endpoint(dstBase, dstIp, info.dport, f.destination_names, f.destination_service),
    protocol: info.protocol,
    ...(info.dport !== undefined ? { port: info.dport } : {}),
    verdict,
    ...(dropReason ? { dropReason } : {}),
    ...(direction ? { direction } : {}),
    ...(observer ? { observer } : {}),
    count: 1,
    ...(supersedes !== undefined ? { supersedes } : {}),
    ...(answers.length ? { dns: { query: stripDot(str(dns!.query) ?? ''), ips: answers } } : {}),
    ...(l7Text ? { l7: l7Text } : {}),
    origin: { file: state.file, line: state.line },
  });
}

function endpoint(base: FlowEndpoint, ip: string | undefined, port: number | undefined, names: unknown, service: unknown): FlowEndpoint {
  const e: { -readonly [K in keyof FlowEndpoint]: FlowEndpoint[K] } = { ...base };
  if (ip !== undefined) e.ip = ip;
  if (port !== undefined) e.port = port;
  if (Array.isArray(names) && names.length) e.names = names.filter((n): n is string => typeof n === 'string').map(stripDot);
  if (isObject(service) && typeof service.name === 'string' && service.name) {
    const namespace = str(service.namespace);
    e.service = namespace ? { namespace, name: service.name } : { name: service.name };
  }
  return e;
}

function l7Summary(l7: Json | undefined): string | undefined {
  if (!l7) return undefined;
  if (isObject(l7.http)) return `HTTP ${str(l7.http.method) ?? ''} ${str(l7.http.url) ?? ''}`.trim();
  if (isObject(l7.dns)) return `DNS ${stripDot(str(l7.dns.query) ?? '')}`;
  if (isObject(l7.kafka)) return `Kafka ${str(l7.kafka.api_key) ?? ''} ${str(l7.kafka.topic) ?? ''}`.trim();
  return undefined;
}

// ---------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(e: FlowEndpoint): boolean {
  for (const _ in e) return false;
  return true;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A number, also when written as a string (64-bit fields); undefined otherwise. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function stripDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
