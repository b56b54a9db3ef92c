/**
 * Who is this IP, this pod? Maps one end of a flow (FlowEndpoint) to graph keys, per cluster:
 * pods (time-aware, because pod IPs are reused), hosts (node addresses and hostNetwork pods),
 * Services (ClusterIP), external peers, Hubble reserved identities, and workloads of other
 * clusters known only from their labels. The rules are written down in docs/graph.md.
 */
import ipaddr from 'ipaddr.js';
import {
  RESERVED_IDENTITIES, WORKLOAD_KINDS, externalKey, hostKey, namespaceKey, clusterKey, parseKey, podKey, reservedKey,
  serviceKey, unknownKey, workloadKey,
} from '../../generator/model/index.ts';
import type {
  EndpointSliceInfo, FlowEndpoint, GraphNode, HostNode, Inventory, Labels, NodeInfo, PodInfo,
  PodNode, ReservedIdentity, ServiceInfo, ServicePort, WorkloadInfo, WorkloadKind, WorkloadNode,
} from '../../generator/model/index.ts';
import {
  addToOwnerIndex, buildOwnerIndex, deploymentFromPodName, resolveOwnerWorkload, resolveTopWorkload,
} from './owners.ts';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL } from '../../generator/model/index.ts';
import { isEmptySelector, matchesSelector } from '../../generator/selectors/index.ts';
import { infraOf } from '../../generator/view/index.ts';
import type { OwnerIndex } from './owners.ts';

/** One end of a flow, resolved. */
export interface EndpointIdentity {
  /** The most specific node: a pod, host, service, external peer, reserved identity or unknown address. */
  readonly key: string;
  /** The node at workload level: a pod's owner workload; for anything else the same as `key`. */
  readonly workloadKey: string;
  /** Undefined only for external peers. */
  readonly cluster?: string;
  /** The Service the traffic was addressed to (ClusterIP or the flow's `destination_service`). */
  readonly serviceKey?: string;
}

/** Where a flow addressed to a Service (before DNAT) really goes: one backend workload (or address) and its port. */
export interface ServiceTarget {
  /** The backend at workload level (`key` = `workloadKey`: which pod served the flow is not known), with `serviceKey`. */
  readonly id: EndpointIdentity;
  /** The backend's port (the Service's targetPort, resolved per pod when named). */
  readonly port: number;
  /** The Service port the flow was addressed to. */
  readonly servicePort: number;
}

/** The Service whose ClusterIP fronts the API server in every cluster. */
const API_SERVICE = 'default/kubernetes';

export interface ResolveContext {
  /** ms since epoch: picks the pod that held an IP at that time. */
  readonly time: number;
  /** The cluster that observed the flow: the default for ends that do not name theirs. */
  readonly cluster: string;
  /** The observing node (`node_name`, possibly `cluster/node`): where `reserved:host` lives. */
  readonly observer?: string;
}

interface IpHolder {
  readonly start: number;
  readonly end: number;
  readonly live: boolean;
  readonly pod: PodInfo;
}

interface ClusterIndex {
  readonly name: string;
  readonly podsByName: Map<string, PodInfo>;
  readonly podIps: Map<string, IpHolder[]>;
  readonly nodeIps: Map<string, string>;
  readonly serviceIps: Map<string, ServiceInfo>;
  readonly services: Map<string, ServiceInfo>;
  readonly slicesByService: Map<string, EndpointSliceInfo[]>;
  /** `protocol/nodePort` -> the Service port a node address answers on. */
  readonly nodePorts: Map<string, { readonly svc: ServiceInfo; readonly sp: ServicePort }>;
  readonly cidrs: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  readonly namespaces: Set<string>;
  /** Top-level workloads (with selectors) per namespace, to place label-only endpoints. */
  readonly workloadsByNamespace: Map<string, WorkloadInfo[]>;
}

const RESERVED_PRIORITY: readonly ReservedIdentity[] = [
  'kube-apiserver', 'host', 'remote-node', 'health', 'ingress', 'world', 'init', 'unmanaged',
];
const APP_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];
const MAX_FQDNS_PER_IP = 8;

/** Label-only and name-only endpoints are cached: a flow log repeats the same few thousand ends. */
const MAX_CACHE = 50_000;

const PLAIN_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Canonical text of an address (IPv4-mapped IPv6 -> IPv4, compressed IPv6); plain IPv4 as is. */
function normalizeIp(ip: string): string {
  if (PLAIN_IPV4.test(ip)) return ip;
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip;
  }
}

/** `k8s:app=web` -> app: web; drops Cilium's own bookkeeping labels; keeps `reserved:` out. */
export function labelsFromFlow(raw: readonly string[] | undefined): Labels {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const entry of raw) {
    if (!entry.startsWith('k8s:')) continue;
    const body = entry.slice(4);
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    if (key.startsWith('io.cilium.k8s.') || key === CILIUM_NAMESPACE_LABEL || key.startsWith('io.kubernetes.pod.')) continue;
    out[key] = eq < 0 ? '' : body.slice(eq + 1);
  }
  return out;
}

function rawLabel(raw: readonly string[] | undefined, key: string): string | undefined {
  if (!raw) return undefined;
  const prefix = `k8s:${key}=`;
  for (const entry of raw) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

interface LabelFacts {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly reserved?: ReservedIdentity;
}

/**
 * What a label list says about cluster, namespace and reserved identity. Parsers share one
 * label array between the flows of the same endpoint, so this is computed once per array.
 */
const labelFactsCache = new WeakMap<readonly string[], LabelFacts>();
const NO_FACTS: LabelFacts = {};

function labelFacts(labels: readonly string[] | undefined): LabelFacts {
  if (!labels || labels.length === 0) return NO_FACTS;
  let facts = labelFactsCache.get(labels);
  if (facts) return facts;
  let reserved: ReservedIdentity | undefined;
  for (const entry of labels) {
    if (!entry.startsWith('reserved:')) continue;
    const id = entry.slice(9) as ReservedIdentity;
    if (!RESERVED_IDENTITIES.includes(id)) continue;
    if (reserved === undefined || RESERVED_PRIORITY.indexOf(id) < RESERVED_PRIORITY.indexOf(reserved)) reserved = id;
  }
  facts = { cluster: rawLabel(labels, CILIUM_CLUSTER_LABEL), namespace: rawLabel(labels, CILIUM_NAMESPACE_LABEL), reserved };
  labelFactsCache.set(labels, facts);
  return facts;
}

/** The cluster a flow endpoint names itself (Hubble `cluster_name`, or the Cilium policy label). */
export function endpointCluster(ep: FlowEndpoint): string | undefined {
  return ep.cluster ?? labelFacts(ep.labels).cluster;
}

export function reservedOf(ep: FlowEndpoint): ReservedIdentity | undefined {
  return ep.reserved ?? labelFacts(ep.labels).reserved;
}

function podLiveness(pod: PodInfo): IpHolder {
  const ended = pod.endTime !== undefined || pod.phase === 'Succeeded' || pod.phase === 'Failed';
  return {
    start: pod.startTime ?? Number.NEGATIVE_INFINITY,
    end: pod.endTime ?? Number.POSITIVE_INFINITY,
    live: !ended,
    pod,
  };
}

/**
 * The pod that held an IP at `time`. When no holder's interval covers it: the holder that
 * started most recently before `time` (its deletion time may lag, or be missing from the
 * snapshot); undefined when every holder started after `time` (a flow before any holder
 * existed belongs to none of them).
 */
export function pickHolder(holders: readonly IpHolder[], time: number): PodInfo | undefined {
  let atTime: IpHolder | undefined;
  let before: IpHolder | undefined;
  for (const h of holders) {
    if (time >= h.start && time < h.end && (!atTime || h.start > atTime.start)) atTime = h;
    if (h.start <= time && (!before || h.start > before.start || (h.start === before.start && h.end > before.end))) before = h;
  }
  return (atTime ?? before)?.pod;
}

/**
 * Backends of a Service: the pods its EndpointSlices point at (targetRef, else address),
 * else the pods its selector matches. Empty for a Service without either.
 */
export function serviceBackends(service: ServiceInfo, inventory: Inventory): PodInfo[] {
  const resolver = createIdentityResolver(inventory);
  return resolver.serviceBackends(service);
}

export class IdentityResolver {
  readonly owners: OwnerIndex = buildOwnerIndex([]);
  private readonly clusters = new Map<string, ClusterIndex>();
  /** Nodes the resolver made up from flows (pods, workloads, hosts of other clusters, ...). */
  private readonly synthesized = new Map<string, GraphNode>();
  private readonly podWorkload = new Map<string, string>();
  private readonly fqdnsByIp = new Map<string, string[]>();
  private readonly endpointCache = new Map<string, EndpointIdentity>();
  private readonly inClusterCache = new Map<string, string | null>();
  private readonly targetCache = new Map<string, readonly ServiceTarget[]>();
  /**
   * Workloads learnt from endpoints that had a pod name, by their label set and by their Cilium
   * identity (same labels, same identity): a label-only endpoint of the same pods lands on them.
   */
  private readonly workloadByLabels = new Map<string, string>();
  private readonly workloadByIdentity = new Map<string, string>();

  addInventory(inv: Inventory): void {
    this.endpointCache.clear();
    this.inClusterCache.clear();
    this.targetCache.clear();
    addToOwnerIndex(this.owners, inv.workloads);
    for (const c of inv.clusters) {
      const idx = this.cluster(c.name);
      for (const cidr of c.podCIDRs ?? []) this.addCidr(idx, cidr);
    }
    for (const n of inv.namespaces) this.cluster(n.cluster).namespaces.add(n.name);
    for (const node of inv.nodes) this.addNode(node);
    for (const w of inv.workloads) {
      if (w.owner) continue;
      const idx = this.cluster(w.cluster);
      const list = idx.workloadsByNamespace.get(w.namespace) ?? [];
      list.push(w);
      idx.workloadsByNamespace.set(w.namespace, list);
    }
    for (const pod of inv.pods) this.addPod(pod);
    for (const svc of inv.services) {
      const idx = this.cluster(svc.cluster);
      idx.services.set(`${svc.namespace}/${svc.name}`, svc);
      for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) if (ip && ip !== 'None') idx.serviceIps.set(normalizeIp(ip), svc);
      for (const sp of svc.ports) {
        if (sp.nodePort !== undefined && (svc.type === 'NodePort' || svc.type === 'LoadBalancer')) idx.nodePorts.set(`${sp.protocol}/${sp.nodePort}`, { svc, sp });
      }
    }
    for (const slice of inv.endpointSlices) {
      const svcName = slice.serviceName ?? slice.labels['kubernetes.io/service-name'];
      if (!svcName) continue;
      const idx = this.cluster(slice.cluster);
      const k = `${slice.namespace}/${svcName}`;
      const list = idx.slicesByService.get(k) ?? [];
      list.push(slice);
      idx.slicesByService.set(k, list);
    }
  }

  private cluster(name: string): ClusterIndex {
    let idx = this.clusters.get(name);
    if (!idx) {
      idx = {
        name, podsByName: new Map(), podIps: new Map(), nodeIps: new Map(), serviceIps: new Map(), services: new Map(),
        slicesByService: new Map(), nodePorts: new Map(), cidrs: [], namespaces: new Set(), workloadsByNamespace: new Map(),
      };
      this.clusters.set(name, idx);
    }
    return idx;
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  private addCidr(idx: ClusterIndex, cidr: string): void {
    try {
      idx.cidrs.push(ipaddr.parseCIDR(cidr));
    } catch {
      // A malformed CIDR is reported by the inventory loader; here it just matches nothing.
    }
  }

  private addNode(node: NodeInfo): void {
    const idx = this.cluster(node.cluster);
    for (const a of node.addresses) idx.nodeIps.set(normalizeIp(a), node.name);
    for (const cidr of node.podCIDRs) this.addCidr(idx, cidr);
  }

  private addPod(pod: PodInfo): void {
    const idx = this.cluster(pod.cluster);
    idx.namespaces.add(pod.namespace);
    idx.podsByName.set(`${pod.namespace}/${pod.name}`, pod);
    const owner = resolveOwnerWorkload(pod, this.owners);
    this.podWorkload.set(podKey(pod.cluster, pod.namespace, pod.name), workloadKey(pod.cluster, pod.namespace, owner.workloadKind, owner.name));
    if (pod.hostNetwork) {
      if (pod.nodeName) for (const ip of [...pod.hostIPs, ...pod.ips]) if (!idx.nodeIps.has(normalizeIp(ip))) idx.nodeIps.set(normalizeIp(ip), pod.nodeName);
      return;
    }
    for (const raw of pod.ips) {
      const ip = normalizeIp(raw);
      const list = idx.podIps.get(ip) ?? [];
      const i = list.findIndex((h) => h.pod.namespace === pod.namespace && h.pod.name === pod.name);
      if (i >= 0) list[i] = podLiveness(pod);
      else list.push(podLiveness(pod));
      idx.podIps.set(ip, list);
    }
  }

  /** Workload key of a pod key (inventory or flow-made); undefined when unknown. */
  workloadOfPod(key: string): string | undefined {
    return this.podWorkload.get(key);
  }

  /** Attributes for a node the resolver made up from flows; undefined for inventory nodes. */
  synthesizedNode(key: string): GraphNode | undefined {
    return this.synthesized.get(key);
  }

  fqdnsOf(ip: string): readonly string[] {
    return this.fqdnsByIp.get(normalizeIp(ip)) ?? [];
  }

  /** DNS answers seen in flows: `query` resolved to `ips`. Returns the IPs whose names changed. */
  learnDns(query: string, ips: readonly string[]): string[] {
    const name = query.endsWith('.') ? query.slice(0, -1) : query;
    if (!name) return [];
    const changed: string[] = [];
    for (const raw of ips) {
      const ip = normalizeIp(raw);
      const list = this.fqdnsByIp.get(ip) ?? [];
      if (list.includes(name) || list.length >= MAX_FQDNS_PER_IP) continue;
      list.push(name);
      list.sort();
      this.fqdnsByIp.set(ip, list);
      changed.push(ip);
    }
    return changed;
  }

  podByName(cluster: string, namespace: string, name: string): PodInfo | undefined {
    return this.clusters.get(cluster)?.podsByName.get(`${namespace}/${name}`);
  }

  /** The pod holding `ip` in `cluster` at `time` (see pickHolder). */
  podByIp(cluster: string, ip: string, time: number): PodInfo | undefined {
    const holders = this.clusters.get(cluster)?.podIps.get(normalizeIp(ip));
    return holders ? pickHolder(holders, time) : undefined;
  }

  serviceBackends(service: ServiceInfo): PodInfo[] {
    const idx = this.clusters.get(service.cluster);
    if (!idx) return [];
    const slices = idx.slicesByService.get(`${service.namespace}/${service.name}`);
    if (slices && slices.length > 0) {
      const out = new Map<string, PodInfo>();
      for (const slice of slices) {
        for (const ep of slice.endpoints) {
          const pod = endpointPod(idx, slice, ep);
          if (pod) out.set(`${pod.namespace}/${pod.name}`, pod);
        }
      }
      return [...out.values()];
    }
    if (!service.selector || Object.keys(service.selector).length === 0) return [];
    const out: PodInfo[] = [];
    for (const pod of idx.podsByName.values()) {
      if (pod.namespace !== service.namespace) continue;
      if (Object.entries(service.selector).every(([k, v]) => pod.labels[k] === v)) out.push(pod);
    }
    return out;
  }

  /**
   * A flow addressed to a Service (its ClusterIP, load-balancer or external IP, or a node's
   * nodePort) translated the way kube-proxy/Cilium would: to each backend workload on its
   * targetPort (a named targetPort resolved per pod; an EndpointSlice port when the pod does
   * not declare it). `default/kubernetes` goes to the API server (`reserved:kube-apiserver`)
   * on its endpoint port; endpoints that are no pod go to their address. Undefined when `dst`
   * is not a Service address; empty when the Service has no such port or no backend.
   */
  serviceTargets(dst: EndpointIdentity, protocol: string, port: number): readonly ServiceTarget[] | undefined {
    let svc: ServiceInfo | undefined;
    let sp: ServicePort | undefined;
    if (dst.key.startsWith('svc:') && dst.cluster !== undefined) {
      const p = parseServiceKey(dst.key);
      svc = p ? this.clusters.get(p.cluster)?.services.get(`${p.namespace}/${p.name}`) : undefined;
      if (!svc) return undefined;
      sp = svc.ports.find((x) => x.port === port && x.protocol === protocol);
    } else if (dst.key.startsWith('host:') && dst.cluster !== undefined) {
      const np = this.clusters.get(dst.cluster)?.nodePorts.get(`${protocol}/${port}`);
      if (!np) return undefined;
      ({ svc, sp } = np);
    } else return undefined;
    if (!sp) return [];
    const cacheKey = `${svc.cluster}|${svc.namespace}/${svc.name}|${sp.protocol}/${sp.port}`;
    let out = this.targetCache.get(cacheKey);
    if (!out) this.targetCache.set(cacheKey, (out = this.computeTargets(svc, sp)));
    return out;
  }

  private computeTargets(svc: ServiceInfo, sp: ServicePort): ServiceTarget[] {
    const idx = this.clusters.get(svc.cluster)!;
    const sKey = serviceKey(svc.cluster, svc.namespace, svc.name);
    const slices = idx.slicesByService.get(`${svc.namespace}/${svc.name}`) ?? [];
    const slicePort = (slice: EndpointSliceInfo): number | undefined => {
      const same = slice.ports.filter((p) => p.protocol === sp.protocol && p.port !== undefined);
      return (same.find((p) => (p.name ?? '') === (sp.name ?? '')) ?? (same.length === 1 ? same[0] : undefined))?.port;
    };
    const targets = new Map<string, ServiceTarget>();
    const add = (id: EndpointIdentity, port: number | undefined): void => {
      if (port === undefined) return;
      const k = `${id.workloadKey}|${port}`;
      if (!targets.has(k)) targets.set(k, { id: { key: id.workloadKey, workloadKey: id.workloadKey, cluster: id.cluster, serviceKey: sKey }, port, servicePort: sp.port });
    };
    const podPort = (pod: PodInfo, fallback: number | undefined): number | undefined =>
      typeof sp.targetPort === 'number'
        ? sp.targetPort
        : pod.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort ?? fallback;
    if (`${svc.namespace}/${svc.name}` === API_SERVICE) {
      const api = this.reservedIdentity(svc.cluster, 'kube-apiserver');
      for (const slice of slices) add(api, slicePort(slice));
      if (targets.size === 0 && typeof sp.targetPort === 'number') add(api, sp.targetPort);
      return [...targets.values()];
    }
    if (slices.length > 0) {
      for (const slice of slices) {
        const fromSlice = slicePort(slice);
        for (const ep of slice.endpoints) {
          const pod = endpointPod(idx, slice, ep);
          if (pod) add(this.podIdentity(pod), podPort(pod, fromSlice));
          else for (const a of ep.addresses) add(this.resolveIp(a, { time: Number.POSITIVE_INFINITY, cluster: svc.cluster }), fromSlice ?? (typeof sp.targetPort === 'number' ? sp.targetPort : undefined));
        }
      }
    } else {
      for (const pod of this.serviceBackends(svc)) add(this.podIdentity(pod), podPort(pod, undefined));
    }
    return [...targets.values()].sort((a, b) => (a.id.key < b.id.key ? -1 : a.id.key > b.id.key ? 1 : a.port - b.port));
  }

  /** The cluster whose ranges or known addresses contain `ip`, preferring `first`. */
  private clusterOfIp(ip: string, first: string): string | undefined {
    const cacheKey = `${first}|${ip}`;
    const cached = this.inClusterCache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    let found: string | undefined;
    const order = [this.clusters.get(first), ...[...this.clusters.values()].filter((c) => c.name !== first)];
    let addr: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
    try {
      addr = ipaddr.process(ip);
    } catch {
      addr = undefined;
    }
    for (const idx of order) {
      if (!idx) continue;
      if (idx.podIps.has(ip) || idx.nodeIps.has(ip) || idx.serviceIps.has(ip)) { found = idx.name; break; }
      if (addr && idx.cidrs.some(([net, bits]) => net.kind() === addr!.kind() && addr!.match([net, bits] as never))) { found = idx.name; break; }
    }
    if (this.inClusterCache.size >= MAX_CACHE) this.inClusterCache.clear();
    this.inClusterCache.set(cacheKey, found ?? null);
    return found;
  }

  private remember(cacheKey: string, id: EndpointIdentity): EndpointIdentity {
    if (this.endpointCache.size >= MAX_CACHE) this.endpointCache.clear();
    this.endpointCache.set(cacheKey, id);
    return id;
  }

  private ensureSynth(key: string, make: () => GraphNode): void {
    if (!this.synthesized.has(key)) this.synthesized.set(key, make());
  }

  private hostIdentity(cluster: string, nodeName: string): EndpointIdentity {
    const key = hostKey(cluster, nodeName);
    this.ensureSynth(key, (): HostNode => ({ kind: 'host', cluster, name: nodeName, addresses: [], label: nodeName }));
    return { key, workloadKey: key, cluster };
  }

  private reservedIdentity(cluster: string, identity: ReservedIdentity): EndpointIdentity {
    const key = reservedKey(cluster, identity);
    this.ensureSynth(key, () => ({ kind: 'reserved', cluster, identity, label: identity }));
    return { key, workloadKey: key, cluster };
  }

  private externalIdentity(ip: string): EndpointIdentity {
    const key = externalKey(ip);
    this.ensureSynth(key, () => ({ kind: 'external', ip, fqdns: [], label: ip }));
    return { key, workloadKey: key };
  }

  private unknownIdentity(cluster: string, what: string): EndpointIdentity {
    const key = unknownKey(cluster, what);
    this.ensureSynth(key, () => ({ kind: 'unknown', cluster, ip: what, label: what }));
    return { key, workloadKey: key, cluster };
  }

  /** A Service address, before translation to its backends (serviceTargets): the Service itself at both levels. */
  private serviceIdentity(svc: ServiceInfo): EndpointIdentity {
    const key = serviceKey(svc.cluster, svc.namespace, svc.name);
    return { key, workloadKey: key, cluster: svc.cluster, serviceKey: key };
  }

  private podIdentity(pod: PodInfo): EndpointIdentity {
    const key = podKey(pod.cluster, pod.namespace, pod.name);
    return { key, workloadKey: this.podWorkload.get(key) ?? key, cluster: pod.cluster };
  }

  private flowWorkload(ep: FlowEndpoint): { kind: WorkloadKind; name: string } | undefined {
    for (const w of ep.workloads ?? []) {
      if ((WORKLOAD_KINDS as readonly string[]).includes(w.kind) && w.name) return { kind: w.kind as WorkloadKind, name: w.name };
    }
    return undefined;
  }

  private synthWorkload(cluster: string, namespace: string, kind: WorkloadKind, name: string, labels: Labels, inferred: WorkloadNode['inferred']): string {
    const key = workloadKey(cluster, namespace, kind, name);
    this.ensureSynth(key, (): WorkloadNode => {
      const infra = infraOf(namespace, name, labels);
      return { kind: 'workload', cluster, namespace, workloadKind: kind, name, labels, label: name, inferred, ...(infra ? { infra } : {}) };
    });
    return key;
  }

  /** The inventory workload of `namespace` whose selector matches `labels` (manifests name no live pod). */
  private workloadBySelector(cluster: string, namespace: string, labels: Labels): string | undefined {
    if (Object.keys(labels).length === 0) return undefined;
    for (const w of this.clusters.get(cluster)?.workloadsByNamespace.get(namespace) ?? []) {
      if (!w.selector || isEmptySelector(w.selector) || !matchesSelector(w.selector, labels)) continue;
      const top = resolveTopWorkload(w, this.owners);
      return workloadKey(cluster, namespace, top.workloadKind, top.name);
    }
    return undefined;
  }

  /**
   * A pod seen only in flows: its workload from the flow's `workloads`, else the inventory
   * workload whose selector matches its labels, else its name's shape.
   */
  private flowPod(cluster: string, namespace: string, name: string, ep: FlowEndpoint): EndpointIdentity {
    const key = podKey(cluster, namespace, name);
    let wl = this.podWorkload.get(key);
    if (!wl) {
      const labels = labelsFromFlow(ep.labels);
      const declared = this.flowWorkload(ep);
      const selected = declared ? undefined : this.workloadBySelector(cluster, namespace, labels);
      const deployment = declared || selected ? undefined : deploymentFromPodName(name);
      wl = declared
        ? this.synthWorkload(cluster, namespace, declared.kind, declared.name, labels, 'flow-workloads')
        : selected ?? (deployment
          ? this.synthWorkload(cluster, namespace, 'Deployment', deployment, labels, 'pod-name')
          : this.synthWorkload(cluster, namespace, 'Pod', name, labels, undefined));
      this.podWorkload.set(key, wl);
      this.ensureSynth(key, (): PodNode => ({
        kind: 'pod', cluster, namespace, name, workload: wl!, labels, ips: ep.ip ? [ep.ip] : [], hostNetwork: false,
        fromFlows: true, label: name,
      }));
    }
    return { key, workloadKey: wl, cluster };
  }

  private learnWorkload(cluster: string, namespace: string, ep: FlowEndpoint, wl: string): void {
    if (ep.labels && ep.labels.length > 0) {
      const k = labelSetKey(cluster, namespace, ep.labels);
      if (!this.workloadByLabels.has(k)) this.workloadByLabels.set(k, wl);
    }
    // Identities below 256 are reserved; above they name one label set in one cluster.
    if (ep.identity !== undefined && ep.identity >= 256) {
      const k = `${cluster}|${ep.identity}`;
      if (!this.workloadByIdentity.has(k)) this.workloadByIdentity.set(k, wl);
    }
  }

  /** An endpoint known only by labels (typically a pod of another cluster). */
  private labelledWorkload(cluster: string, namespace: string, ep: FlowEndpoint): EndpointIdentity | undefined {
    const labels = labelsFromFlow(ep.labels);
    const declared = this.flowWorkload(ep);
    if (declared) {
      const key = this.synthWorkload(cluster, namespace, declared.kind, declared.name, labels, 'flow-workloads');
      return { key, workloadKey: key, cluster };
    }
    const seen = (ep.labels && ep.labels.length > 0 ? this.workloadByLabels.get(labelSetKey(cluster, namespace, ep.labels)) : undefined)
      ?? (ep.identity !== undefined && ep.identity >= 256 ? this.workloadByIdentity.get(`${cluster}|${ep.identity}`) : undefined);
    if (seen) return { key: seen, workloadKey: seen, cluster };
    const selected = this.workloadBySelector(cluster, namespace, labels);
    if (selected) return { key: selected, workloadKey: selected, cluster };
    for (const l of APP_LABELS) {
      const name = labels[l];
      if (name) {
        const key = this.synthWorkload(cluster, namespace, 'Deployment', name, labels, 'labels');
        return { key, workloadKey: key, cluster };
      }
    }
    return undefined;
  }

  /** Resolves an address alone, within `cluster` first, then the other clusters. */
  resolveIp(ip: string, ctx: ResolveContext, cluster = ctx.cluster): EndpointIdentity {
    const n = normalizeIp(ip);
    const home = this.clusterOfIp(n, cluster);
    if (home === undefined) return this.externalIdentity(n);
    const idx = this.clusters.get(home)!;
    const holders = idx.podIps.get(n);
    if (holders) {
      const pod = pickHolder(holders, ctx.time);
      if (pod) return this.podIdentity(pod);
    }
    const nodeName = idx.nodeIps.get(n);
    if (nodeName) return this.hostIdentity(home, nodeName);
    const svc = idx.serviceIps.get(n);
    if (svc) return this.serviceIdentity(svc);
    return this.unknownIdentity(home, n);
  }

  /** Resolves one end of a flow. */
  resolveEndpoint(ep: FlowEndpoint, ctx: ResolveContext): EndpointIdentity {
    // Endpoints come in many shapes (every field optional): read each field once.
    const facts = labelFacts(ep.labels);
    const cluster = ep.cluster ?? facts.cluster ?? ctx.cluster;
    const id = this.resolveEndpointInner(ep, ctx, cluster, facts);
    const service = ep.service;
    if (service !== undefined && id.serviceKey === undefined) {
      const ns = service.namespace || ep.namespace || facts.namespace;
      if (ns) return { ...id, serviceKey: serviceKey(id.cluster ?? cluster, ns, service.name) };
    }
    return id;
  }

  private resolveEndpointInner(ep: FlowEndpoint, ctx: ResolveContext, cluster: string, facts: LabelFacts): EndpointIdentity {
    const reserved = ep.reserved ?? facts.reserved;
    if (reserved) {
      switch (reserved) {
        case 'world':
          return ep.ip ? this.externalIdentity(normalizeIp(ep.ip)) : this.reservedIdentity(cluster, 'world');
        case 'host': {
          const byIp = ep.ip ? this.clusters.get(cluster)?.nodeIps.get(normalizeIp(ep.ip)) : undefined;
          const node = ep.nodeName ?? byIp ?? observerNode(ctx.observer);
          return node ? this.hostIdentity(cluster, node) : this.reservedIdentity(cluster, 'host');
        }
        case 'remote-node': {
          const byIp = ep.ip ? this.clusters.get(cluster)?.nodeIps.get(normalizeIp(ep.ip)) : undefined;
          const node = ep.nodeName ?? byIp;
          return node ? this.hostIdentity(cluster, node) : this.reservedIdentity(cluster, 'remote-node');
        }
        default:
          return this.reservedIdentity(cluster, reserved);
      }
    }
    const namespace = ep.namespace || facts.namespace;
    const podName = ep.podName;
    if (podName && namespace) {
      const cacheKey = `p|${cluster}|${namespace}|${podName}`;
      const cached = this.endpointCache.get(cacheKey);
      if (cached) return cached;
      const pod = this.podByName(cluster, namespace, podName);
      const id = pod ? this.podIdentity(pod) : this.flowPod(cluster, namespace, podName, ep);
      this.learnWorkload(cluster, namespace, ep, id.workloadKey);
      return this.remember(cacheKey, id);
    }
    // Addressed to a named Service whose address the inventory does not hold (Inspektor
    // Gadget's `svc` ends, a ClusterIP from manifests without status): the Service itself.
    const named = ep.service && !podName ? this.clusters.get(cluster)?.services.get(`${ep.service.namespace || namespace || ''}/${ep.service.name}`) : undefined;
    if (ep.ip) {
      const byIp = this.resolveIp(ep.ip, ctx, cluster);
      if (named && !byIp.key.startsWith('pod:') && !byIp.key.startsWith('svc:')) return this.serviceIdentity(named);
      // A labelled endpoint whose IP we do not know is better named by its labels.
      if (!(namespace && (byIp.key.startsWith('unknown:') || byIp.key.startsWith('ext:')))) return byIp;
    }
    if (named) return this.serviceIdentity(named);
    if (namespace) {
      const cacheKey = `l|${cluster}|${namespace}|${(ep.labels ?? []).join(',')}|${(ep.workloads ?? []).map((w) => `${w.kind}/${w.name}`).join(',')}`;
      const cached = this.endpointCache.get(cacheKey);
      if (cached) return cached;
      const byLabels = this.labelledWorkload(cluster, namespace, ep);
      if (byLabels) return this.remember(cacheKey, byLabels);
      if (ep.ip) return this.unknownIdentity(cluster, normalizeIp(ep.ip));
    }
    return this.unknownIdentity(cluster, ep.identity !== undefined ? `identity-${ep.identity}` : 'unidentified');
  }
}

function parseServiceKey(key: string): { cluster: string; namespace: string; name: string } | undefined {
  const p = parseKey(key);
  return p.kind === 'service' ? p : undefined;
}

function labelSetKey(cluster: string, namespace: string, raw: readonly string[]): string {
  const labels = labelsFromFlow(raw);
  return `${cluster}|${namespace}|${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}`;
}

function observerNode(observer: string | undefined): string | undefined {
  if (!observer) return undefined;
  const slash = observer.lastIndexOf('/');
  return slash >= 0 ? observer.slice(slash + 1) : observer;
}

/** The cluster prefix of a Hubble Relay `node_name` (`cluster/node`), if any. */
export function observerCluster(observer: string | undefined): string | undefined {
  if (!observer) return undefined;
  const slash = observer.indexOf('/');
  return slash > 0 ? observer.slice(0, slash) : undefined;
}

export function createIdentityResolver(inventory?: Inventory): IdentityResolver {
  const resolver = new IdentityResolver();
  if (inventory) resolver.addInventory(inventory);
  return resolver;
}

/** The pod behind an EndpointSlice endpoint: its targetRef, else the current holder of one of its addresses. */
function endpointPod(idx: ClusterIndex, slice: EndpointSliceInfo, ep: EndpointSliceInfo['endpoints'][number]): PodInfo | undefined {
  if (ep.targetRef?.kind === 'Pod') {
    const pod = idx.podsByName.get(`${ep.targetRef.namespace ?? slice.namespace}/${ep.targetRef.name}`);
    if (pod) return pod;
  }
  for (const a of ep.addresses) {
    const holders = idx.podIps.get(normalizeIp(a));
    const pod = holders ? pickHolder(holders, Number.POSITIVE_INFINITY) : undefined;
    if (pod) return pod;
  }
  return undefined;
}
