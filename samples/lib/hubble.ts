/**
 * Renders the estate's traffic as `hubble observe -o jsonpb` lines, one file per cluster (what
 * that cluster's Hubble Relay saw): `{"flow":{...},"node_name":"cluster/node","time":"..."}`.
 *
 * Per connection, like Cilium reports it: the request on the source node (egress, to the
 * overlay or the stack) and on the destination node (ingress, to the endpoint), the reply
 * (`is_reply: true`) on both, TCP SYN / SYN-ACK / ACK, policy-verdict events (type 5) where
 * policies enforce, drop events (type 1, sub_type 133) for policy denials, and for DNS the
 * proxy path with L7 query and answer events (type 129). Field names and order follow
 * flow.proto as protojson prints them.
 */
import {
  DEMO_DAY, WINDOW_END_S, WINDOW_START_S,
  type ClusterM, type EdgeSpec, type Estate, type NodeM, type Peer, type ServiceM,
} from './estate.ts';
import { rngFor, uuidFor, type Rng } from './rng.ts';

type Obj = Record<string, unknown>;

const POLICY_DENIED = 133;
const TTL_NONE = 4294967295;
/** Trace observation points and their monitor sub_type. */
const POINT = { TO_ENDPOINT: 0, TO_PROXY: 1, TO_STACK: 3, TO_OVERLAY: 4 } as const;
type Point = keyof typeof POINT;

interface Ev {
  t: number;
  node: NodeM;
  verdict: 'FORWARDED' | 'DROPPED' | 'REDIRECTED';
  src: Peer;
  dst: Peer;
  sport: number;
  dport: number;
  proto: 'TCP' | 'UDP';
  flags?: readonly string[];
  /** 'trace' (4), 'drop' (1), 'verdict' (5), 'l7' (129). */
  kind: 'trace' | 'drop' | 'verdict' | 'l7';
  point?: Point;
  reason?: 'NEW' | 'ESTABLISHED' | 'REPLY';
  direction: 'INGRESS' | 'EGRESS';
  match?: number;
  isReply: boolean;
  service?: ServiceM;
  names?: readonly string[];
  dns?: Obj;
  summary: string;
}

export function peerCluster(p: Peer): ClusterM | undefined {
  switch (p.kind) {
    case 'pod': return p.pod.workload.cluster;
    case 'host': return p.node.cluster;
    case 'apiserver': return p.cluster;
    case 'world': return undefined;
  }
}

function peerNode(p: Peer): NodeM | undefined {
  return p.kind === 'pod' ? p.pod.node : p.kind === 'host' ? p.node : undefined;
}

function peerIP(p: Peer): string {
  switch (p.kind) {
    case 'pod': return p.pod.ip;
    case 'host': return p.node.ip;
    case 'apiserver': return p.ip;
    case 'world': return p.ip;
  }
}

/** What the observing node's Hubble knows about an endpoint. */
function endpointJson(p: Peer, observer: NodeM): Obj {
  switch (p.kind) {
    case 'pod': {
      const pod = p.pod;
      const w = pod.workload;
      if (w.cluster !== observer.cluster) {
        // A cluster-mesh peer: identity and labels from the remote cluster, no local endpoint.
        return { identity: pod.identity, cluster_name: w.cluster.name, labels: pod.identityLabels };
      }
      const out: Obj = {};
      if (pod.node === observer) out.ID = pod.endpointId;
      out.identity = pod.identity;
      out.cluster_name = w.cluster.name;
      out.namespace = w.namespace;
      out.labels = pod.identityLabels;
      out.pod_name = pod.name;
      if (w.kind !== 'Pod') out.workloads = [{ name: w.name, kind: w.kind }];
      return out;
    }
    case 'host':
      return p.node === observer ? { identity: 1, labels: ['reserved:host'] } : { identity: 6, labels: ['reserved:remote-node'] };
    case 'apiserver':
      return { identity: 7, labels: ['reserved:kube-apiserver'] };
    case 'world':
      return { identity: 2, labels: ['reserved:world'] };
  }
}

const DAY_PREFIX = `${DEMO_DAY}T`;

/** protojson's Timestamp: RFC 3339 UTC with 0, 3, 6 or 9 fractional digits. */
export function formatTime(nsOfDay: number): string {
  const s = Math.floor(nsOfDay / 1e9);
  const ns = nsOfDay - s * 1e9;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  let frac = '';
  if (ns !== 0) {
    const digits = String(ns).padStart(9, '0');
    frac = `.${ns % 1e6 === 0 ? digits.slice(0, 3) : ns % 1e3 === 0 ? digits.slice(0, 6) : digits}`;
  }
  return `${DAY_PREFIX}${hh}:${mm}:${ss}${frac}Z`;
}

function tcpSummary(flags: readonly string[]): string {
  return `TCP Flags: ${[...flags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(', ')}`;
}

function render(seed: string, ev: Ev, uuidKey: string): string {
  const time = formatTime(ev.t);
  const node = `${ev.node.cluster.name}/${ev.node.name}`;
  const reply = ev.isReply;
  const f: Obj = { time, uuid: uuidFor(seed, uuidKey), verdict: ev.verdict };
  if (ev.verdict === 'DROPPED') f.drop_reason = POLICY_DENIED;
  f.IP = { source: peerIP(ev.src), destination: peerIP(ev.dst), ipVersion: 'IPv4' };
  const l4: Obj = { source_port: ev.sport, destination_port: ev.dport };
  if (ev.proto === 'TCP' && ev.flags) l4.flags = Object.fromEntries(ev.flags.map((x) => [x, true]));
  f.l4 = { [ev.proto]: l4 };
  f.source = endpointJson(ev.src, ev.node);
  f.destination = endpointJson(ev.dst, ev.node);
  f.Type = ev.kind === 'l7' ? 'L7' : 'L3_L4';
  f.node_name = node;
  if (ev.names && reply) f.source_names = ev.names;
  if (ev.names && !reply) f.destination_names = ev.names;
  if (ev.dns) {
    const l7: Obj = { type: reply ? 'RESPONSE' : 'REQUEST' };
    if (reply) l7.latency_ns = String(rngFor(seed, `lat|${uuidKey}`).int(150_000, 2_500_000));
    l7.dns = ev.dns;
    f.l7 = l7;
  }
  f.event_type = ev.kind === 'trace'
    ? (POINT[ev.point!] === 0 ? { type: 4 } : { type: 4, sub_type: POINT[ev.point!] })
    : ev.kind === 'drop' ? { type: 1, sub_type: POLICY_DENIED } : ev.kind === 'verdict' ? { type: 5 } : { type: 129 };
  if (ev.service) f[reply ? 'source_service' : 'destination_service'] = { name: ev.service.name, namespace: ev.service.namespace };
  f.traffic_direction = ev.direction;
  if (ev.match !== undefined) f.policy_match_type = ev.match;
  if (ev.kind === 'trace') {
    f.trace_observation_point = ev.point;
    if (ev.reason) f.trace_reason = ev.reason;
  }
  if (ev.verdict === 'DROPPED') f.drop_reason_desc = 'POLICY_DENIED';
  f.is_reply = reply;
  f.Summary = ev.summary;
  return JSON.stringify({ flow: f, node_name: node, time });
}

/** Network latency between two peers, in ns. */
function latency(r: Rng, src: Peer, dst: Peer): number {
  if (src.kind === 'world' || dst.kind === 'world') return r.int(4_000_000, 40_000_000);
  const a = peerCluster(src);
  const b = peerCluster(dst);
  if (a !== b) return r.int(900_000, 3_000_000);
  return r.int(60_000, 450_000);
}

/** Connection `i` of edge `e`: its two ends and source port, and the stream for the rest. */
export function connectionEnds(seed: string, e: EdgeSpec, i: number): { r: Rng; src: Peer; dst: Peer; sport: number } {
  const r = rngFor(seed, `conn|${e.id}|${i}`);
  const drawn = r.pick(e.sources);
  // World clients take turns, so every listed address shows up.
  const src = e.sources.every((p) => p.kind === 'world') ? e.sources[i % e.sources.length] : drawn;
  const dst = r.pick(e.destinations);
  const sport = r.int(32768, 60999);
  return { r, src, dst, sport };
}

/** The events of one connection, every observer included. */
function connectionEvents(seed: string, e: EdgeSpec, i: number): Ev[] {
  const { r, src, dst, sport } = connectionEnds(seed, e, i);
  const window = (WINDOW_END_S - WINDOW_START_S - 10) * 1e9;
  const t0 = WINDOW_START_S * 1e9 + Math.floor(r.next() * window);
  const lat = latency(r, src, dst);
  const sNode = peerNode(src);
  const dNode = peerNode(dst);
  const srcIsPod = src.kind === 'pod';
  const dstIsPod = dst.kind === 'pod';
  const sameNode = srcIsPod && dstIsPod && sNode === dNode;
  const outPoint: Point = dst.kind === 'pod' ? 'TO_OVERLAY' : 'TO_STACK';
  const backPoint: Point = src.kind === 'pod' ? 'TO_OVERLAY' : 'TO_STACK';
  const base = { src, dst, sport, dport: e.port, proto: e.protocol, service: e.service, names: dst.kind === 'world' ? dst.names : undefined };
  const req = (x: Partial<Ev> & Pick<Ev, 't' | 'node' | 'kind' | 'direction' | 'summary'>): Ev => ({
    verdict: 'FORWARDED', isReply: false, ...base, ...x,
  });
  const rep = (x: Partial<Ev> & Pick<Ev, 't' | 'node' | 'kind' | 'direction' | 'summary'>): Ev => ({
    verdict: 'FORWARDED', ...base, src: dst, dst: src, sport: e.port, dport: sport, isReply: true, ...x,
  });
  const evs: Ev[] = [];
  const us = (n: number) => n * 1000 + r.int(0, 999);

  if (e.dns) {
    // Through Cilium's DNS proxy: verdict REDIRECTED, then L7 query and answer.
    const q = e.dns.query;
    const answered = e.dns.ips.length > 0;
    const ttl = answered ? r.int(5, 30) : TTL_NONE;
    const dnsReq = { query: q, observation_source: 'proxy', qtypes: ['A'] };
    const dnsRes: Obj = answered
      ? { query: q, ips: e.dns.ips, ttl, observation_source: 'proxy', qtypes: ['A'], rrtypes: ['A'] }
      : { query: q, ttl, observation_source: 'proxy', rcode: 3, qtypes: ['A'] };
    const answer = answered
      ? `DNS Answer "${e.dns.ips.join(',')}" TTL: ${ttl} (Proxy ${q} A)`
      : `DNS Answer RCode: Non-Existent Domain TTL: ${ttl} (Proxy ${q} A)`;
    let t = t0;
    evs.push(req({ t, node: sNode!, verdict: 'REDIRECTED', kind: 'verdict', direction: 'EGRESS', match: e.egressMatch, summary: 'UDP' }));
    evs.push(req({ t: (t += us(0)), node: sNode!, kind: 'trace', point: 'TO_PROXY', reason: 'NEW', direction: 'EGRESS', summary: 'UDP' }));
    evs.push(req({ t: (t += us(0)), node: sNode!, kind: 'l7', direction: 'EGRESS', dns: dnsReq, summary: `DNS Query ${q} A` }));
    evs.push(req({ t: (t += lat), node: dNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'NEW', direction: 'INGRESS', summary: 'UDP' }));
    evs.push(rep({ t: (t += us(r.int(40, 400))), node: dNode!, kind: 'trace', point: sameNode ? 'TO_STACK' : 'TO_OVERLAY', reason: 'REPLY', direction: 'INGRESS', summary: 'UDP' }));
    evs.push(rep({ t: (t += lat), node: sNode!, kind: 'l7', direction: 'EGRESS', dns: dnsRes, summary: answer }));
    evs.push(rep({ t: (t += us(0)), node: sNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'REPLY', direction: 'EGRESS', summary: 'UDP' }));
    return evs;
  }

  const syn = tcpSummary(['SYN']);
  let t = t0;
  const attempts = e.outcome === 'policy-denied' ? 2 : 1;
  for (let a = 0; a < attempts; a++) {
    if (a > 0) t += 1_000_000_000 + r.int(0, 50_000_000); // SYN retransmission after ~1s
    if (srcIsPod && e.egressMatch !== undefined && a === 0) {
      evs.push(req({ t, node: sNode!, kind: 'verdict', direction: 'EGRESS', match: e.egressMatch, flags: ['SYN'], summary: syn }));
    }
    if (srcIsPod && !sameNode) {
      evs.push(req({ t: t + us(0), node: sNode!, kind: 'trace', point: outPoint, reason: 'NEW', direction: 'EGRESS', flags: ['SYN'], summary: syn }));
    }
    if (!dstIsPod) continue;
    const ti = t + (sameNode ? us(0) : lat);
    if (e.outcome === 'policy-denied') {
      if (a === 0) {
        evs.push(req({ t: ti, node: dNode!, verdict: 'DROPPED', kind: 'verdict', direction: 'INGRESS', flags: ['SYN'], summary: syn }));
      }
      evs.push(req({ t: ti + us(0), node: dNode!, verdict: 'DROPPED', kind: 'drop', direction: 'INGRESS', flags: ['SYN'], summary: syn }));
      continue;
    }
    if (e.ingressMatch !== undefined) {
      evs.push(req({ t: ti, node: dNode!, kind: 'verdict', direction: 'INGRESS', match: e.ingressMatch, flags: ['SYN'], summary: syn }));
    }
    evs.push(req({ t: ti + us(0), node: dNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'NEW', direction: 'INGRESS', flags: ['SYN'], summary: syn }));
  }
  if (e.outcome === 'policy-denied') return evs;

  const synAck = tcpSummary(['SYN', 'ACK']);
  const ack = tcpSummary(['ACK']);
  let tr = t + (sameNode ? us(1) : lat) + us(r.int(20, 120));
  if (sameNode) {
    evs.push(rep({ t: tr, node: sNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'REPLY', direction: 'EGRESS', flags: ['SYN', 'ACK'], summary: synAck }));
    evs.push(req({ t: tr + us(5), node: dNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'ESTABLISHED', direction: 'INGRESS', flags: ['ACK'], summary: ack }));
    return evs;
  }
  if (dstIsPod) {
    evs.push(rep({ t: tr, node: dNode!, kind: 'trace', point: backPoint, reason: 'REPLY', direction: 'INGRESS', flags: ['SYN', 'ACK'], summary: synAck }));
  }
  tr += lat;
  if (srcIsPod) {
    evs.push(rep({ t: tr, node: sNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'REPLY', direction: 'EGRESS', flags: ['SYN', 'ACK'], summary: synAck }));
    evs.push(req({ t: tr + us(10), node: sNode!, kind: 'trace', point: outPoint, reason: 'ESTABLISHED', direction: 'EGRESS', flags: ['ACK'], summary: ack }));
  } else if (dstIsPod) {
    evs.push(req({ t: tr, node: dNode!, kind: 'trace', point: 'TO_ENDPOINT', reason: 'ESTABLISHED', direction: 'INGRESS', flags: ['ACK'], summary: ack }));
  }
  return evs;
}

/** Whether the edge can be seen from the cluster at all. */
function touches(e: EdgeSpec, c: ClusterM): boolean {
  return e.sources.some((p) => peerCluster(p) === c) || e.destinations.some((p) => peerCluster(p) === c);
}

/** The flows one cluster's Hubble saw, as jsonpb lines sorted by time. */
export function renderFlows(estate: Estate, c: ClusterM): string[] {
  const seed = estate.options.seed;
  const out: { t: number; seq: number; line: string }[] = [];
  let seq = 0;
  for (const e of estate.edges) {
    if (!touches(e, c)) continue;
    for (let i = 0; i < e.count; i++) {
      const evs = connectionEvents(seed, e, i);
      for (let k = 0; k < evs.length; k++) {
        const ev = evs[k];
        if (ev.node.cluster !== c) continue;
        out.push({ t: ev.t, seq: seq++, line: render(seed, ev, `${e.id}|${i}|${k}`) });
      }
    }
  }
  out.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return out.map((x) => x.line);
}
