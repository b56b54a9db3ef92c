/**
 * Calico flow logs -> FlowRecords. Two shapes, one object per line:
 *
 * - Calico OSS, as Goldmane aggregates and Whisker shows them (`calicoctl`/Whisker export, or
 *   Goldmane's gRPC stream as JSON): `{start_time, end_time (RFC 3339), action: Allow|Deny,
 *   source_name, source_namespace, source_labels: "k=v | k=v", dest_*, dest_service_*,
 *   protocol: "tcp", dest_port, reporter: Src|Dst, policies: {enforced, pending},
 *   num_connections_started?, packets_*, bytes_*}`;
 * - Calico Enterprise flow-log documents as stored in Elasticsearch: `{start_time, end_time
 *   (epoch seconds), source_ip, source_name ("-" for none), source_name_aggr, source_namespace,
 *   source_type: wep|hep|ns|net, source_labels: {labels: ["k=v"]}, dest_*, proto, action:
 *   allow|deny, reporter: src|dst, policies: {all_policies: ["idx|tier|name|action|rule"]},
 *   num_flows, num_flows_started, host}`.
 *
 * Names are often aggregated (`web-574ff6d9fd-*`): such an end is a workload, found from the
 * name and its pod-template-hash label (a Deployment) or from its labels, never a made-up pod.
 *
 * Counting once: a connection between two workload endpoints is reported by both ends (Src and
 * Dst). The destination's report is the one counted (it carries the verdict the packet finally
 * got); a source's report counts only when no destination report will follow: a Deny at the
 * source, or a destination outside the cluster's workload endpoints.
 */
import type { FlowEndpoint, FlowRecord, L4Protocol, Verdict } from '../../generator/model/flow.ts';
import { textProblem } from '../../generator/model/index.ts';
import { emit, reportMalformed, type FlowParseState } from './state.ts';
import { toEpochMs } from './time.ts';

type Json = Record<string, unknown>;
type MutableEndpoint = { -readonly [K in keyof FlowEndpoint]: FlowEndpoint[K] };

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A Calico text field: "-" and "" mean none. */
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && v !== '-' ? v : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v !== '' && v !== '-' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** True when a parsed JSON object looks like a Calico flow log entry (OSS or Enterprise). */
export function isCalicoObject(obj: unknown): boolean {
  if (!isObject(obj)) return false;
  return typeof obj.action === 'string' && typeof obj.reporter === 'string' && ('dest_namespace' in obj || 'dest_name' in obj || 'dest_name_aggr' in obj);
}

const PROTOCOLS: Record<string, L4Protocol> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP', icmp: 'ICMPv4', icmp6: 'ICMPv6', icmpv6: 'ICMPv6', '6': 'TCP', '17': 'UDP', '132': 'SCTP', '1': 'ICMPv4', '58': 'ICMPv6' };
const ACTIONS: Record<string, Verdict> = { allow: 'FORWARDED', deny: 'DROPPED' };

/** "k=v | k=v" (OSS), ["k=v"] or {labels: ["k=v"]} (Enterprise) -> Hubble-style `k8s:k=v`; Calico's own labels left out. */
function calicoLabels(v: unknown): string[] | undefined {
  let list: unknown[] | undefined;
  if (typeof v === 'string') list = v.split('|');
  else if (Array.isArray(v)) list = v;
  else if (isObject(v) && Array.isArray(v.labels)) list = v.labels;
  if (!list) return undefined;
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const t = item.trim();
    if (!t || t.startsWith('projectcalico.org/')) continue;
    out.push(`k8s:${t}`);
  }
  return out.length ? out : undefined;
}

/** `web-574ff6d9fd-*` with pod-template-hash=574ff6d9fd -> Deployment web. */
function workloadOfAggregate(name: string, labels: readonly string[] | undefined): { kind: string; name: string } | undefined {
  const base = name.replace(/-?\*$/, '');
  const hash = labels?.find((l) => l.startsWith('k8s:pod-template-hash='))?.slice('k8s:pod-template-hash='.length);
  if (hash && base.endsWith(`-${hash}`)) return { kind: 'Deployment', name: base.slice(0, -hash.length - 1) };
  return undefined;
}

function endpoint(e: Json, side: 'source' | 'dest', state: FlowParseState): MutableEndpoint {
  const ep: MutableEndpoint = {};
  const type = text(e[`${side}_type`])?.toLowerCase();
  const ip = text(e[`${side}_ip`]);
  const namespace = text(e[`${side}_namespace`]);
  const name = text(e[`${side}_name`]);
  const aggr = text(e[`${side}_name_aggr`]);
  if (ip) ep.ip = ip;
  if (side === 'source') {
    const port = num(e.source_port);
    if (port !== undefined && port > 0) ep.port = port;
  }
  if (type === 'hep') {
    ep.reserved = 'host';
    if (name ?? aggr) ep.nodeName = (name ?? aggr)!;
    if (state.cluster) ep.cluster = state.cluster;
    return ep;
  }
  if (type === 'net' || (!namespace && type !== 'wep')) {
    // A network (public or private) or a global NetworkSet: an address, when the log has one.
    if (!ip && (aggr === 'pub' || name === 'pub')) ep.reserved = 'world';
    return ep;
  }
  if (namespace) ep.namespace = namespace;
  if (state.cluster) ep.cluster = state.cluster;
  const labels = calicoLabels(e[`${side}_labels`]);
  if (labels) ep.labels = labels;
  const shown = name ?? aggr;
  if (shown && !shown.includes('*')) ep.podName = shown;
  else if (shown) {
    const wl = workloadOfAggregate(shown, labels);
    if (wl) ep.workloads = [wl];
  }
  if (side === 'dest') {
    const svc = text(e.dest_service_name);
    if (svc) ep.service = { name: svc, ...(text(e.dest_service_namespace) ? { namespace: text(e.dest_service_namespace)! } : {}) };
  }
  return ep;
}

/**
 * The policy Calico names as deciding the flow's action: OSS/Goldmane `policies.enforced[]` (the
 * first entry whose action is the flow's, as `namespace/Kind/name`, or `Kind/name` when
 * cluster-scoped), Enterprise `policies.all_policies` (`"idx|tier|name|action|rule"`, the
 * first by index whose action is the flow's). Pass entries never decide. Undefined when none
 * is named or the name is not plain text.
 */
export function decidingCalicoPolicy(policies: unknown, action: string): string | undefined {
  if (!isObject(policies)) return undefined;
  let name: string | undefined;
  if (Array.isArray(policies.enforced)) {
    const hit = policies.enforced.find((p) => isObject(p) && typeof p.action === 'string' && p.action.toLowerCase() === action) as Json | undefined;
    const kind = text(hit?.kind);
    const n = text(hit?.name);
    if (n) name = [text(hit?.namespace), kind, n].filter((x) => x !== undefined).join('/');
  } else if (Array.isArray(policies.all_policies)) {
    const hits = policies.all_policies.filter((p): p is string => typeof p === 'string').map((p) => p.split('|'))
      .filter((f) => f.length >= 4 && f[3].toLowerCase() === action).sort((a, b) => Number(a[0]) - Number(b[0]));
    name = text(hits[0]?.[2]);
  }
  return name !== undefined && name.length <= 256 && textProblem(name) === undefined ? name : undefined;
}

/** Whether the destination is a workload endpoint that reports the flow itself. */
function destinationReports(e: Json): boolean {
  const type = text(e.dest_type)?.toLowerCase();
  if (type !== undefined) return type === 'wep';
  return text(e.dest_namespace) !== undefined;
}

export function calicoRecordsFrom(raw: unknown, state: FlowParseState, out: FlowRecord[]): void {
  if (!isObject(raw)) {
    reportMalformed(state, 'expected a JSON object (a Calico flow log entry)');
    return;
  }
  const e = raw;
  const action = typeof e.action === 'string' ? e.action.toLowerCase() : '';
  const verdict = ACTIONS[action];
  if (!verdict) {
    reportMalformed(state, `Calico flow has action ${JSON.stringify(e.action)}: expected Allow or Deny`);
    return;
  }
  const reporter = typeof e.reporter === 'string' ? e.reporter.toLowerCase() : '';
  if (reporter !== 'src' && reporter !== 'dst') {
    reportMalformed(state, `Calico flow has reporter ${JSON.stringify(e.reporter)}: expected Src or Dst`);
    return;
  }
  const rawProtocol = e.protocol ?? e.proto ?? '';
  const protoText = typeof rawProtocol === 'string' || typeof rawProtocol === 'number' ? String(rawProtocol).toLowerCase() : '';
  const protocol = PROTOCOLS[protoText];
  if (!protocol) {
    reportMalformed(state, `Calico flow has protocol ${JSON.stringify(e.protocol ?? e.proto ?? null)}: expected tcp, udp, sctp, icmp or icmp6`);
    return;
  }
  const time = toEpochMs(e.start_time) ?? toEpochMs(e.end_time);
  if (time === undefined) {
    reportMalformed(state, 'Calico flow has no readable start_time or end_time');
    return;
  }
  if (reporter === 'src' && verdict === 'FORWARDED' && destinationReports(e)) {
    // The destination's own report of these connections is the one counted.
    state.stats.duplicates++;
    return;
  }
  const count = num(e.num_connections_started) ?? num(e.num_flows_started) ?? num(e.num_flows) ?? 1;
  if (!Number.isInteger(count) || count < 0) {
    reportMalformed(state, `Calico flow has a connection count ${JSON.stringify(count)}: expected a whole number >= 0`);
    return;
  }
  if (count === 0) {
    // Connections started in an earlier interval, still open: counted then.
    state.stats.duplicates++;
    return;
  }
  const source = endpoint(e, 'source', state);
  const destination = endpoint(e, 'dest', state);
  const dport = num(e.dest_port);
  if (dport === undefined && e.dest_port !== undefined && e.dest_port !== null && e.dest_port !== '' && e.dest_port !== '-') {
    reportMalformed(state, `Calico flow has dest_port ${JSON.stringify(e.dest_port)}: expected 1-65535`);
    return;
  }
  const port = protocol === 'ICMPv4' || protocol === 'ICMPv6' || dport === undefined || dport <= 0 ? undefined : dport;
  if (port !== undefined && (port > 65535 || !Number.isInteger(port))) {
    reportMalformed(state, `Calico flow has dest_port ${dport}: expected 1-65535`);
    return;
  }
  if (port !== undefined) destination.port = port;
  const host = text(e.host);
  const policy = decidingCalicoPolicy(e.policies, action);
  emit(state, out, {
    time, source, destination, protocol, ...(port !== undefined ? { port } : {}), verdict,
    ...(verdict === 'DROPPED' ? { dropReason: 'POLICY_DENIED' } : {}), ...(policy !== undefined ? { policy } : {}),
    direction: reporter === 'src' ? 'EGRESS' : 'INGRESS', count,
    ...(host ? { observer: state.cluster ? `${state.cluster}/${host}` : host } : {}),
  });
}
