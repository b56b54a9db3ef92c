/**
 * What the Hubble parser reads of one flow, whichever syntax it came in: `FlowFields`. Two decoders
 * produce it: `decodeFlowObject` from a parsed object (any jsonpb / protojson / gRPC form) and
 * compact.ts straight from a compact jsonpb line. records.ts turns FlowFields into records, so the
 * meaning of a flow (direction, connection, verdict) is written once.
 */
import type { FlowEndpoint, L4Protocol, TrafficDirection, Verdict } from '../../../generator/model/flow.ts';
import { RESERVED_IDENTITIES, type ReservedIdentity } from '../../../generator/model/keys.ts';
import type { FlowParseState } from '../state.ts';
import { toEpochMs } from '../time.ts';

export type Json = Record<string, unknown>;

/** The transport of a flow: protocol, ports, the SYN/ACK flags and the ICMP type. */
export interface L4Info {
  protocol: L4Protocol;
  sport?: number;
  dport?: number;
  icmpType?: number;
  /** TCP flags, when the flow carries a `flags` object (`SYN: true` etc.). */
  syn?: boolean;
  ack?: boolean;
}

/** What the parser reads of a flow's `l7` object (raw values; absent sub-objects undefined). */
export interface L7Info {
  type: unknown;
  dns?: { query: unknown; ips: unknown };
  http?: { method: unknown; url: unknown };
  kafka?: { apiKey: unknown; topic: unknown };
}

/** One flow as the parser uses it. Raw (`unknown`) values are interpreted by hubble.ts. */
export interface FlowFields {
  /** ms since epoch: the flow's time, else the wrapper's, else undefined. */
  time: number | undefined;
  srcIp: string | undefined;
  dstIp: string | undefined;
  /** The endpoint objects as FlowEndpoints without address, port, names or service. */
  source: FlowEndpoint;
  destination: FlowEndpoint;
  l4: L4Info;
  l7: L7Info | undefined;
  /** The explicit reply flag (`is_reply`, else `reply`); undefined when the flow has none. */
  reply: boolean | undefined;
  traceReason: unknown;
  verdict: Verdict;
  direction: TrafficDirection | undefined;
  /** The node that reported the flow. */
  observer: string | undefined;
  dropReason: string | undefined;
  sourceNames: unknown;
  destinationNames: unknown;
  sourceService: unknown;
  destinationService: unknown;
  /** The policies Cilium names as deciding the flow (`egress_allowed_by` ...): raw, read by policies.ts. */
  egressAllowedBy: unknown;
  ingressAllowedBy: unknown;
  egressDeniedBy: unknown;
  ingressDeniedBy: unknown;
}

/** FlowFields of a decoded flow object; `wrapper` is the GetFlowsResponse around it, if any. */
export function decodeFlowObject(f: Json, wrapper: Json | undefined, state: FlowParseState): FlowFields {
  const ip = isObject(f.IP) ? f.IP : isObject(f.ip) ? f.ip : undefined;
  return {
    time: toEpochMs(f.time) ?? toEpochMs(wrapper?.time),
    srcIp: str(ip?.source),
    dstIp: str(ip?.destination),
    source: endpointBase(f.source, state),
    destination: endpointBase(f.destination, state),
    l4: l4Info(f.l4),
    l7: l7Info(f.l7),
    reply: explicitReply(f.is_reply ?? f.isReply, f.reply),
    traceReason: f.trace_reason ?? f.traceReason,
    verdict: toVerdict(f.verdict),
    direction: toDirection(f.traffic_direction ?? f.trafficDirection),
    observer: str(wrapper?.node_name ?? wrapper?.nodeName ?? f.node_name ?? f.nodeName),
    dropReason: dropReasonOf(f.drop_reason_desc ?? f.dropReasonDesc, f.drop_reason),
    sourceNames: f.source_names ?? f.sourceNames,
    destinationNames: f.destination_names ?? f.destinationNames,
    sourceService: f.source_service ?? f.sourceService,
    destinationService: f.destination_service ?? f.destinationService,
    egressAllowedBy: f.egress_allowed_by ?? f.egressAllowedBy,
    ingressAllowedBy: f.ingress_allowed_by ?? f.ingressAllowedBy,
    egressDeniedBy: f.egress_denied_by ?? f.egressDeniedBy,
    ingressDeniedBy: f.ingress_denied_by ?? f.ingressDeniedBy,
  };
}

export function l7Info(l7: unknown): L7Info | undefined {
  if (!isObject(l7)) return undefined;
  const info: L7Info = { type: l7.type };
  if (isObject(l7.dns)) info.dns = { query: l7.dns.query, ips: l7.dns.ips };
  if (isObject(l7.http)) info.http = { method: l7.http.method, url: l7.http.url };
  if (isObject(l7.kafka)) info.kafka = { apiKey: l7.kafka.api_key, topic: l7.kafka.topic };
  return info;
}

/** Explicit reply flag: `is_reply` (bool or BoolValue `{value}`), else the older `reply`; undefined when absent. */
export function explicitReply(isReply: unknown, reply: unknown): boolean | undefined {
  if (typeof isReply === 'boolean') return isReply;
  if (isObject(isReply)) return isReply.value === true;
  if (typeof reply === 'boolean') return reply;
  return undefined;
}

export function dropReasonOf(desc: unknown, code: unknown): string | undefined {
  return str(desc) ?? (num(code) ? String(code) : undefined);
}

const VERDICT_BY_NUMBER: readonly Verdict[] = ['UNKNOWN', 'FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED'];
const VERDICT_NAMES = new Set<string>(VERDICT_BY_NUMBER);

export function toVerdict(v: unknown): Verdict {
  if (typeof v === 'string') {
    if (VERDICT_NAMES.has(v)) return v as Verdict;
    if (/^\d+$/.test(v)) return VERDICT_BY_NUMBER[Number(v)] ?? 'UNKNOWN';
    return 'UNKNOWN';
  }
  if (typeof v === 'number') return VERDICT_BY_NUMBER[v] ?? 'UNKNOWN';
  return 'UNKNOWN';
}

export function toDirection(v: unknown): TrafficDirection | undefined {
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
export function endpointBase(e: unknown, state: FlowParseState): FlowEndpoint {
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

const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

/** The L4Info of a decoded `l4` object: the first of TCP, UDP, SCTP, ICMPv4, ICMPv6 it holds. */
export function l4Info(l4: unknown): L4Info {
  if (!isObject(l4)) return { protocol: 'OTHER' };
  for (const proto of PORT_PROTOCOLS) {
    const p = l4[proto];
    if (isObject(p)) return portInfo(proto, p.source_port ?? p.sourcePort, p.destination_port ?? p.destinationPort, p.flags);
  }
  for (const proto of ['ICMPv4', 'ICMPv6'] as const) {
    const p = l4[proto];
    // A zero type (ICMPv4 EchoReply) is omitted like every zero value.
    if (isObject(p)) return { protocol: proto, icmpType: num(p.type) ?? 0 };
  }
  return { protocol: 'OTHER' };
}

/** L4Info of a TCP, UDP or SCTP flow from its raw port and flags values. */
export function portInfo(protocol: L4Protocol, sport: unknown, dport: unknown, flags: unknown): L4Info {
  const info: L4Info = { protocol, sport: num(sport), dport: num(dport) };
  if (isObject(flags)) {
    info.syn = flags.SYN === true;
    info.ack = flags.ACK === true;
  }
  return info;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A number, also when written as a string (64-bit fields); undefined otherwise. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
