/**
 * The estate as the risk model sees it: workloads, what the policies in force allow between
 * them (every ordered pair, not only what was observed), who the internet can reach, and the
 * observed flows that a policy change must keep. Pods of two clusters see each other as
 * addresses (selectors never cross clusters), as in the diff and the synthesis proof.
 */
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory, PodInfo, Protocol, ServiceInfo, ServicePort } from '../model/inventory.ts';
import { parseKey, PROTOCOLS } from '../model/index.ts';
import { matchesSelector } from '../selectors/index.ts';
import { ConnectionSet, ipv4ToInt, parseIpv4Cidr, type Peer, type PolicyEngine } from '../semantics/index.ts';
import { asAddress } from '../synthesis/ends.ts';
import { synthesisContext } from '../synthesis/synthesize.ts';
import type { WorkloadEntry } from '../synthesis/workloads.ts';
import { backendPorts, entryRoutes, type EntryRoutes } from '../semantics/entries.ts';

/** A documentation address (RFC 5737) standing for "anyone on the internet" when none was observed. */
export const INTERNET_PROBE = '198.51.100.7';
export const INTERNET = 'internet';

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '0.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10']
  .map((c) => parseIpv4Cidr(c)!);

export function isPublicV4(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && !PRIVATE_V4.some((r) => n >= r.start && n <= r.end);
}

const REFUSED = new Set(['DROPPED', 'ERROR']);

export function forwardedOf(e: FlowEdge): number {
  let n = 0;
  for (const [verdict, count] of Object.entries(e.verdicts)) if (!REFUSED.has(verdict)) n += count ?? 0;
  return n;
}

/** An observed flow a cut must keep allowed, between concrete ends. */
export interface ObservedFlow {
  readonly text: string;
  readonly src: Peer;
  readonly dst: Peer;
  readonly protocol: Protocol;
  readonly port: number;
}

export interface ObservedPair {
  readonly ports: string[];
  connections: number;
}

export interface Estate {
  readonly inventory: Inventory;
  readonly workloads: readonly WorkloadEntry[];
  readonly byKey: ReadonlyMap<string, WorkloadEntry>;
  /** `from|to` (`internet` or `wl:` keys) -> what was observed (forwarded). */
  readonly observed: ReadonlyMap<string, ObservedPair>;
  readonly observedFlows: readonly ObservedFlow[];
  /**
   * Observed flows no policy evaluation can place (an end that is a reserved identity with no
   * address, ICMP, no port): a cut's proof counts them as unchecked rather than as kept.
   */
  readonly unevaluated: readonly string[];
  /** Workloads seen calling their cluster's API server. */
  readonly apiCallers: ReadonlySet<string>;
  /** Public addresses observed reaching each workload. */
  readonly internetSources: ReadonlyMap<string, string[]>;
  /** Backends of public Ingresses and Gateway routes (generator/semantics/entries.ts). */
  readonly entries: EntryRoutes;
}

const rep = (w: WorkloadEntry): PodInfo => w.pods.find((p) => !p.fromTemplate && p.ips.length > 0) ?? w.pods[0];

/** What `src` may open to `dst` under `engine`: egress of src AND ingress of dst, with the mesh convention. */
export function allowedBetween(engine: PolicyEngine, src: Peer, dst: Peer): ConnectionSet {
  const cross = src.kind === 'pod' && dst.kind === 'pod' && src.pod.cluster !== dst.pod.cluster;
  if (!cross) return engine.allowedConnections(src, dst);
  return engine.allowedInDirection(src, asAddress(dst), 'egress').intersect(engine.allowedInDirection(asAddress(src), dst, 'ingress'));
}

export function buildEstate(inventory: Inventory, edges: readonly FlowEdge[]): Estate {
  const ctx = synthesisContext(inventory);
  const workloads = [...ctx.index.byKey.values()].filter((w) => w.pods.length > 0).sort((a, b) => (a.key < b.key ? -1 : 1));
  const byKey = new Map(workloads.map((w) => [w.key, w]));
  const pods = new Map(inventory.pods.map((p) => [`${p.cluster}/${p.namespace}/${p.name}`, p]));
  const observed = new Map<string, ObservedPair>();
  const observedFlows: ObservedFlow[] = [];
  const unevaluated: string[] = [];
  // The API server's address: the endpoints of Service default/kubernetes.
  const apiServerIp = new Map<string, string>();
  for (const sl of inventory.endpointSlices) {
    if (sl.namespace !== 'default' || (sl.serviceName ?? sl.name) !== 'kubernetes' || apiServerIp.has(sl.cluster)) continue;
    const ip = sl.endpoints.flatMap((e) => e.addresses).find((a) => ipv4ToInt(a) !== undefined);
    if (ip) apiServerIp.set(sl.cluster, ip);
  }
  const nodeIp = new Map(inventory.nodes.map((n) => [`${n.cluster}/${n.name}`, n.addresses.find((a) => ipv4ToInt(a) !== undefined)]));
  const apiCallers = new Set<string>();
  const internetSources = new Map<string, string[]>();
  const peerOf = (key: string): Peer | undefined => {
    const k = parseKey(key);
    if (k.kind === 'pod') {
      const pod = pods.get(`${k.cluster}/${k.namespace}/${k.name}`);
      return pod ? { kind: 'pod', pod } : undefined;
    }
    if (k.kind === 'external' && ipv4ToInt(k.ip) !== undefined) return { kind: 'ip', ip: k.ip };
    if (k.kind === 'host') {
      const ip = nodeIp.get(`${k.cluster}/${k.name}`);
      return ip ? { kind: 'ip', ip } : undefined;
    }
    if (k.kind === 'reserved' && k.identity === 'kube-apiserver') {
      const ip = apiServerIp.get(k.cluster);
      return ip ? { kind: 'ip', ip } : undefined;
    }
    return undefined;
  };
  const isWorld = (key: string): boolean => (key.startsWith('ext:') && isPublicV4(key.slice(4))) || /^reserved:[^/]+\/world$/.test(key);
  const hasPodEdges = edges.some((e) => e.level === 'pod');
  for (const e of edges) {
    const fwd = forwardedOf(e);
    if (fwd === 0) continue;
    if (hasPodEdges ? e.level === 'pod' : true) {
      const src = hasPodEdges ? peerOf(e.source) : e.source.startsWith('wl:') && byKey.has(e.source) ? { kind: 'pod' as const, pod: rep(byKey.get(e.source)!) } : peerOf(e.source);
      const dst = hasPodEdges ? peerOf(e.destination) : e.destination.startsWith('wl:') && byKey.has(e.destination) ? { kind: 'pod' as const, pod: rep(byKey.get(e.destination)!) } : peerOf(e.destination);
      if (src && dst && e.port !== undefined && (PROTOCOLS as readonly string[]).includes(e.protocol)) {
        observedFlows.push({ text: `${e.source} -> ${e.destination} ${e.protocol}/${e.port} (${fwd} forwarded)`, src, dst, protocol: e.protocol as Protocol, port: e.port });
      } else {
        unevaluated.push(`${e.source} -> ${e.destination} ${e.protocol}${e.port !== undefined ? `/${e.port}` : ''}`);
      }
    }
    if (e.level === 'pod') continue;
    if (/^reserved:[^/]+\/kube-apiserver$/.test(e.destination) || (e.service && /^svc:[^/]+\/default\/kubernetes$/.test(e.service))) apiCallers.add(e.source);
    const from = isWorld(e.source) ? INTERNET : e.source;
    if (!(from === INTERNET || byKey.has(from)) || !byKey.has(e.destination)) continue;
    if (from === INTERNET && e.source.startsWith('ext:')) {
      const list = internetSources.get(e.destination) ?? [];
      if (!list.includes(e.source.slice(4))) list.push(e.source.slice(4));
      internetSources.set(e.destination, list);
    }
    const id = `${from}|${e.destination}`;
    const o = observed.get(id) ?? { ports: [], connections: 0 };
    const port = `${e.protocol}/${e.port ?? '-'}`;
    if (!o.ports.includes(port)) o.ports.push(port);
    o.connections += fwd;
    observed.set(id, o);
  }
  return { inventory, workloads, byKey, observed, observedFlows, unevaluated, apiCallers, internetSources, entries: entryRoutes(inventory, isPublicV4) };
}

export interface Exposure {
  /** What the internet may open to the workload through its externally reachable Services. */
  readonly allowed: ConnectionSet;
  readonly services: readonly string[];
}

/** A Service port's target port on `pod` (a number, or a container port of that name). */
function targetPortOn(sp: ServicePort, pod: PodInfo): number | undefined {
  return typeof sp.targetPort === 'number' ? sp.targetPort : pod.ports.find((p) => p.name === sp.targetPort)?.containerPort;
}

/**
 * Internet exposure: Services of type LoadBalancer or NodePort, or with external IPs, that
 * select the workload's pods, on the target ports the policies let a public address reach;
 * and backends of public Ingresses and Gateway routes (generator/semantics/entries.ts) on the target ports the
 * policies let the data plane reach: the Gateway's pods when known, else any source of the
 * cluster (another workload's pod, or a public address, for a controller on the host network
 * or outside the cluster). Public addresses seen reaching the workload are probed too.
 */
export function internetExposure(estate: Estate, engine: PolicyEngine, w: WorkloadEntry): Exposure {
  const pod = rep(w);
  let allowed = ConnectionSet.none();
  const services: string[] = [];
  const probes = [...(estate.internetSources.get(w.key) ?? []).slice(0, 3), INTERNET_PROBE];
  const selects = (s: ServiceInfo) => s.cluster === w.cluster && s.namespace === w.namespace && !!s.selector && Object.keys(s.selector).length > 0 && matchesSelector({ matchLabels: s.selector }, pod.labels);
  for (const s of estate.inventory.services) {
    if (!(s.type === 'LoadBalancer' || s.type === 'NodePort' || s.externalIPs.length > 0)) continue;
    if (!selects(s)) continue;
    let any = false;
    for (const sp of s.ports) {
      const port = targetPortOn(sp, pod);
      if (port === undefined) continue;
      for (const ip of probes) {
        if (engine.allowedInDirection({ kind: 'ip', ip }, { kind: 'pod', pod }, 'ingress').contains(sp.protocol, port)) {
          allowed = allowed.union(ConnectionSet.of(sp.protocol, port));
          any = true;
          break;
        }
      }
    }
    if (any) services.push(`${s.namespace}/${s.name} (${s.type})`);
  }
  const me: Peer = { kind: 'pod', pod };
  let clusterSources: Peer[] | undefined;
  for (const r of estate.entries.routes) {
    if (!selects(r.service)) continue;
    let any = false;
    for (const sp of backendPorts(r)) {
      const port = targetPortOn(sp, pod);
      if (port === undefined) continue;
      let admitted: boolean;
      if (r.dataPlane.length) {
        admitted = r.dataPlane.some((dp) => allowedBetween(engine, { kind: 'pod', pod: dp }, me).contains(sp.protocol, port));
      } else {
        clusterSources ??= [
          ...probes.map((ip): Peer => ({ kind: 'ip', ip })),
          ...estate.workloads.filter((o) => o.cluster === w.cluster && o !== w).map((o): Peer => ({ kind: 'pod', pod: rep(o) })),
        ];
        admitted = clusterSources.some((src) => engine.allowedInDirection(src, me, 'ingress').contains(sp.protocol, port));
      }
      if (admitted) {
        allowed = allowed.union(ConnectionSet.of(sp.protocol, port));
        any = true;
      }
    }
    if (any) services.push(`${r.service.namespace}/${r.service.name} (${r.via})`);
  }
  const seen = estate.observed.get(`${INTERNET}|${w.key}`);
  if (seen) {
    for (const p of seen.ports) {
      const [proto, port] = p.split('/');
      if ((PROTOCOLS as readonly string[]).includes(proto) && port !== '-') allowed = allowed.union(ConnectionSet.of(proto as Protocol, Number(port)));
    }
  }
  return { allowed, services };
}

/** Every ordered pair of workloads with a non-empty allowed set, under `engine`. */
export function allowedPairs(estate: Estate, engine: PolicyEngine): Map<string, ConnectionSet> {
  const out = new Map<string, ConnectionSet>();
  for (const a of estate.workloads) {
    const pa: Peer = { kind: 'pod', pod: rep(a) };
    for (const b of estate.workloads) {
      if (a === b) continue;
      const set = allowedBetween(engine, pa, { kind: 'pod', pod: rep(b) });
      if (!set.isEmpty()) out.set(`${a.key}|${b.key}`, set);
    }
  }
  return out;
}

export { rep as representativePod };
