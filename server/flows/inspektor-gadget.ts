/**
 * Inspektor Gadget network events -> FlowRecords (request direction). Keys are matched
 * case-insensitively (`podName`, `podname`, `PodName` are one key). Three generations:
 *
 * - 2020 network-policy advisor (snake_case, a JSON array or one object per line):
 *   `{type: connect|accept, port, local_pod_namespace, local_pod_name, local_pod_labels,
 *     remote_kind: pod|svc|other, remote_pod_*, remote_svc_*, remote_other}`;
 * - 2023 `trace network` flat: `{type: normal, node, namespace, pod, pktType: OUTGOING|HOST,
 *     proto, port, dst: {kind: pod|svc|raw, addr, namespace, name, podLabels}}`;
 * - 2024 nested: the same with `k8s: {node, namespace, podname}` for the local pod, and
 *   trace_tcp-style events `{type: connect|accept|close, src: {addr, port, proto, k8s?},
 *     dst: {...}, k8s: {namespace, podName, node, hostnetwork}, timestamp}`.
 *
 * Direction: OUTGOING / connect -> the local pod is the client; HOST / accept -> the remote end
 * is the client and the port is the local one. `close` events and log lines (type err, warn,
 * info, debug) are counted as skipped: the connection was counted at connect/accept.
 */
import type { FlowEndpoint, FlowRecord, L4Protocol } from '../../generator/model/flow.ts';
import { connectionKey } from './hubble/index.ts';
import { emit, reportMalformed, type FlowParseState } from './state.ts';
import { toEpochMs } from './time.ts';

type Json = Record<string, unknown>;
type MutableEndpoint = { -readonly [K in keyof FlowEndpoint]: FlowEndpoint[K] };

/** A copy of `obj` with every key lower-cased, recursively (arrays kept). */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = lowerKeys(v);
  return out;
}

/** True when a parsed JSON object looks like an Inspektor Gadget network event. */
export function isGadgetObject(obj: unknown): boolean {
  const o = lowerKeys(obj);
  if (!isObject(o)) return false;
  if ('pkttype' in o || 'local_pod_name' in o || 'remote_kind' in o) return true;
  if (isObject(o.dst) || isObject(o.src)) return isObject(o.k8s) || 'namespace' in o || 'pod' in o || 'comm' in o || 'type' in o;
  return false;
}

const LOG_TYPES = new Set(['err', 'error', 'warn', 'info', 'debug', 'ready', 'close']);

export function gadgetRecordsFrom(raw: unknown, state: FlowParseState, out: FlowRecord[]): void {
  const e = lowerKeys(raw);
  if (!isObject(e)) {
    reportMalformed(state, 'expected a JSON object (an Inspektor Gadget network event)');
    return;
  }
  const type = str(e.type)?.toLowerCase();
  if (type !== undefined && LOG_TYPES.has(type)) {
    state.stats.skipped++;
    return;
  }
  const time = toEpochMs(e.timestamp) ?? toEpochMs(e.timestamp_raw) ?? toEpochMs(e.time) ?? state.now();
  const k8s = isObject(e.k8s) ? e.k8s : {};
  const node = str(k8s.node ?? e.node);

  if ('local_pod_name' in e || 'remote_kind' in e) {
    snakeCase2020(e, type, time, node, state, out);
    return;
  }

  const local: MutableEndpoint = {};
  const namespace = str(k8s.namespace ?? e.namespace);
  const pod = str(k8s.podname ?? k8s.pod ?? e.pod ?? e.podname);
  if (namespace) local.namespace = namespace;
  if (pod) local.podName = pod;
  if (state.cluster && (namespace || pod)) local.cluster = state.cluster;
  if (node) local.nodeName = node;
  const localLabels = labelList(k8s.podlabels ?? k8s.labels ?? e.podlabels);
  if (localLabels) local.labels = localLabels;

  if (isObject(e.src) && isObject(e.dst)) {
    // trace_tcp style: src/dst are the socket's local and remote ends.
    const src = gadgetEndpoint(e.src, state);
    const dst = gadgetEndpoint(e.dst, state);
    const protocol = toProtocol(e.src.proto ?? e.dst.proto ?? e.proto) ?? 'TCP';
    let client: MutableEndpoint = { ...local, ...src };
    let server: MutableEndpoint = dst;
    if (type === 'accept') {
      client = dst;
      server = { ...local, ...src };
    }
    const port = server.port;
    const key = connectionKey({ protocol, sport: client.port, dport: port }, client.ip, server.ip);
    if (key !== undefined && client.port !== undefined && state.connections.seen(key, time)) {
      state.stats.duplicates++;
      return;
    }
    emitGadget(state, out, time, client, server, protocol, port, node);
    return;
  }

  if (!isObject(e.dst)) {
    reportMalformed(state, 'Inspektor Gadget event has no "dst" endpoint');
    return;
  }
  const remote = gadgetEndpoint(e.dst, state);
  const protocol = toProtocol(e.proto ?? e.dst.proto);
  if (!protocol) {
    reportMalformed(state, `Inspektor Gadget event has an unknown protocol ${JSON.stringify(e.proto ?? null)}: expected tcp, udp or sctp`);
    return;
  }
  const port = num(e.port) ?? remote.port;
  const pktType = str(e.pkttype)?.toUpperCase();
  if (pktType === 'HOST') emitGadget(state, out, time, remote, { ...local, ...(port !== undefined ? { port } : {}) }, protocol, port, node);
  else emitGadget(state, out, time, local, { ...remote, ...(port !== undefined ? { port } : {}) }, protocol, port, node);
}

/** The 2020 events' `<side>_pod_namespace`, `<side>_pod_name` and `<side>_pod_labels`. */
function snakeCasePod(e: Json, side: 'local' | 'remote', state: FlowParseState): MutableEndpoint {
  const ep: MutableEndpoint = {};
  const ns = str(e[`${side}_pod_namespace`]);
  const name = str(e[`${side}_pod_name`]);
  if (ns) ep.namespace = ns;
  if (name) ep.podName = name;
  if (state.cluster) ep.cluster = state.cluster;
  const labels = labelList(e[`${side}_pod_labels`]);
  if (labels) ep.labels = labels;
  return ep;
}

function snakeCase2020(e: Json, type: string | undefined, time: number, node: string | undefined, state: FlowParseState, out: FlowRecord[]): void {
  const local = snakeCasePod(e, 'local', state);
  let remote: MutableEndpoint = {};
  const kind = str(e.remote_kind)?.toLowerCase();
  if (kind === 'pod') {
    remote = snakeCasePod(e, 'remote', state);
  } else if (kind === 'svc') {
    const rns = str(e.remote_svc_namespace);
    const rname = str(e.remote_svc_name);
    if (rns) remote.namespace = rns;
    if (state.cluster) remote.cluster = state.cluster;
    if (rname) remote.service = rns ? { namespace: rns, name: rname } : { name: rname };
  } else if (kind === 'other') {
    const ip = str(e.remote_other);
    if (ip) remote.ip = ip;
  } else {
    reportMalformed(state, `Inspektor Gadget event has an unknown remote_kind ${JSON.stringify(e.remote_kind ?? null)}: expected pod, svc or other`);
    return;
  }
  const port = num(e.port);
  if (type !== 'accept' && type !== 'connect') {
    reportMalformed(state, `Inspektor Gadget event has an unknown type ${JSON.stringify(e.type ?? null)}: expected connect or accept`);
    return;
  }
  const [client, server] = type === 'accept' ? [remote, withPort(local, port)] : [local, withPort(remote, port)];
  // These events carry no client port: the connect seen by the client and the accept seen by the
  // server of one connection are told apart from a repeat only by time (the de-dup window).
  const key = `ig|${endpointName(client)}|${endpointName(server)}|${port ?? ''}`;
  if (state.connections.seen(key, time)) {
    state.stats.duplicates++;
    return;
  }
  emitGadget(state, out, time, client, server, 'TCP', port, node);
}

function endpointName(e: FlowEndpoint): string {
  if (e.podName) return `pod:${e.namespace ?? ''}/${e.podName}`;
  if (e.service) return `svc:${e.service.namespace ?? ''}/${e.service.name}`;
  return `ip:${e.ip ?? ''}`;
}

function withPort(e: MutableEndpoint, port: number | undefined): MutableEndpoint {
  return port === undefined ? e : { ...e, port };
}

function emitGadget(
  state: FlowParseState,
  out: FlowRecord[],
  time: number,
  source: FlowEndpoint,
  destination: FlowEndpoint,
  protocol: L4Protocol,
  port: number | undefined,
  observer: string | undefined,
): void {
  emit(state, out, {
    time,
    source,
    destination,
    protocol,
    ...(port !== undefined ? { port } : {}),
    // Gadgets see sockets, not policy verdicts: a traced connection was let through.
    verdict: 'FORWARDED',
    ...(observer ? { observer } : {}),
    count: 1,
    origin: { file: state.file, line: state.line },
  });
}

/** A `src`/`dst` object: `{addr, port, proto, kind?, namespace?, name?, podlabels?, k8s?: {...}}`. */
function gadgetEndpoint(o: Json, state: FlowParseState): MutableEndpoint {
  const k8s = isObject(o.k8s) ? o.k8s : o;
  const out: MutableEndpoint = {};
  const ip = str(o.addr ?? o.ip);
  if (ip) out.ip = ip;
  const port = num(o.port);
  if (port !== undefined && port !== 0) out.port = port;
  const kind = str(k8s.kind ?? o.kind)?.toLowerCase();
  const namespace = str(k8s.namespace);
  const name = str(k8s.name ?? k8s.podname);
  if (namespace) {
    out.namespace = namespace;
    if (state.cluster) out.cluster = state.cluster;
  }
  if (kind === 'svc' && name) out.service = namespace ? { namespace, name } : { name };
  else if ((kind === 'pod' || kind === undefined) && name) out.podName = name;
  const labels = labelList(k8s.podlabels ?? k8s.labels);
  if (labels) out.labels = labels;
  return out;
}

/** Labels as Hubble-style `k8s:key=value` strings, from a map or a `a=b,c=d` string. */
function labelList(v: unknown): string[] | undefined {
  let pairs: [string, string][] = [];
  if (typeof v === 'string' && v) {
    pairs = v.split(',').filter(Boolean).map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    });
  } else if (isObject(v)) {
    // a value that is not text or a number is no label value (and String() throws on some objects)
    pairs = Object.entries(v).flatMap(([k, val]): [string, string][] => (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean' ? [[k, String(val)]] : []));
  }
  return pairs.length ? pairs.map(([k, val]) => `k8s:${k}=${val}`) : undefined;
}

function toProtocol(v: unknown): L4Protocol | undefined {
  if (typeof v === 'number') return v === 6 ? 'TCP' : v === 17 ? 'UDP' : v === 132 ? 'SCTP' : v === 1 ? 'ICMPv4' : v === 58 ? 'ICMPv6' : undefined;
  if (typeof v !== 'string') return undefined;
  switch (v.toLowerCase()) {
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    case 'sctp':
      return 'SCTP';
    case 'icmp':
    case 'icmpv4':
      return 'ICMPv4';
    case 'icmpv6':
      return 'ICMPv6';
    default:
      return /^\d+$/.test(v) ? toProtocol(Number(v)) : undefined;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
