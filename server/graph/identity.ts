/**
 * Who is this IP, this pod? Maps one end of a flow (FlowEndpoint) to graph keys, per cluster:
 * pods (time-aware, because pod IPs are reused), hosts (node addresses and hostNetwork pods),
 * Services (ClusterIP), external peers, Hubble reserved identities, and workloads of other
 * clusters known only from their labels. The rules are written down in docs/graph.md.
 *
 * By concern: the address index (which pod held an IP when, Services, nodes, CIDRs) is in
 * address-index.ts, what an endpoint's labels and observer say in flow-labels.ts, Service
 * translation in service-targets.ts; this file resolves endpoints and keeps what flows taught it
 * (workloads learnt from pod names and labels, DNS names), one decision table with its caches.
 */
import ipaddr from 'ipaddr.js';
import {
  WORKLOAD_KINDS, externalKey, hostKey, objectRef, parseKey, podKey, reservedKey,
  serviceKey, unknownKey, workloadKey,
} from '../../generator/model/index.ts';
import type {
  EndpointSliceInfo, FlowEndpoint, GraphNode, Inventory, Labels, PodInfo,
  PodNode, ReservedIdentity, ServiceInfo, ServicePort, WorkloadInfo, WorkloadKind, WorkloadNode,
} from '../../generator/model/index.ts';
import {
  addToOwnerIndex, buildOwnerIndex, deploymentFromPodName, removeFromOwnerIndex, resolveOwnerWorkload, resolveTopWorkload,
} from './owners.ts';
import {
  addressIndexHeld, holdsAddress, indexCidr, indexNode, indexPod, indexService, indexSlice, indexTopWorkload, newClusterIndex, normalizeIp, pickHolder,
  unindexPod, unindexService, unindexSlice, unindexTopWorkload,
  type AddressIndexHeld, type ClusterIndex,
} from './address-index.ts';
import { computeServiceTargets, serviceBackendsIn } from './service-targets.ts';
import { labelFacts, labelSetKey, labelsFromFlow, observerNode, type LabelFacts } from './flow-labels.ts';
import { isEmptySelector, matchesSelector } from '../../generator/selectors/index.ts';
import { infraOf } from '../../generator/view/index.ts';
import type { OwnerIndex } from './owners.ts';
import { RecentMap } from './recent-map.ts';

export { endpointCluster, labelsFromFlow, observerCluster, reservedOf } from './flow-labels.ts';
export { pickHolder, type AddressIndexHeld, type IpHolder } from './address-index.ts';

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

export interface ResolveContext {
  /** ms since epoch: picks the pod that held an IP at that time. */
  readonly time: number;
  /** The cluster that observed the flow: the default for ends that do not name theirs. */
  readonly cluster: string;
  /** The observing node (`node_name`, possibly `cluster/node`): where `reserved:host` lives. */
  readonly observer?: string;
}

const APP_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];
const MAX_FQDNS_PER_IP = 8;

/** Label-only and name-only endpoints are cached: a flow log repeats the same few thousand ends. */
const MAX_CACHE = 50_000;

/**
 * How much of what flows taught it a resolver keeps: each structure holds at most this many
 * entries, those used most recently (RecentMap: an entry goes only after at least half the cap of
 * others were used since its last use). What inventories say is never dropped. A collector or
 * `serve` that reads flows for months then holds the ends of recent traffic, not every address
 * that ever appeared (docs/scale.md, "Memory").
 */
export interface IdentityLimits {
  /** Pods known only from flows (a name and labels, no inventory object), with their workloads' nodes. */
  readonly flowPods: number;
  /** Workloads made up from flows (from pod names, labels or the flow's `workloads`). */
  readonly flowWorkloads: number;
  /** Label sets, and Cilium identities, that name a workload learnt from a named pod (each structure). */
  readonly learntLabels: number;
  /**
   * Addresses DNS answers named. An address dropped resolves as a plain external peer until an
   * answer names it again (DNS answers repeat at each TTL, so a peer still in use is named again).
   */
  readonly dnsAddresses: number;
}

export const DEFAULT_IDENTITY_LIMITS: IdentityLimits = { flowPods: 50_000, flowWorkloads: 20_000, learntLabels: 50_000, dnsAddresses: 100_000 };

/**
 * The smallest limit allowed: between resolving a flow's ends and making their graph nodes a
 * resolver adds a few entries to each structure, which must not push out the ones just made.
 */
export const MIN_IDENTITY_LIMIT = 64;

/** The limits with defaults for what `partial` leaves out; throws on one that is not an integer of at least MIN_IDENTITY_LIMIT. */
export function resolveIdentityLimits(partial: Partial<IdentityLimits> = {}): IdentityLimits {
  const out = { ...DEFAULT_IDENTITY_LIMITS, ...partial };
  for (const [name, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < MIN_IDENTITY_LIMIT) {
      throw new RangeError(`netatlas/graph: identity limit ${name} = ${value} is not an integer of at least ${MIN_IDENTITY_LIMIT}; leave it out for the default ${DEFAULT_IDENTITY_LIMITS[name as keyof IdentityLimits]}.`);
    }
  }
  return out;
}

/**
 * How long a pod the inventory deleted still resolves (ms after the snapshot that no longer held
 * it): a flow stamped before the deletion may arrive late (Hubble Relay buffers, an exporter file
 * read behind, a collector's spool), and must still land on the pod that held the address then.
 * At least the dedup window of the flow parsers (120 s) plus a flush interval; 15 minutes leaves
 * room for a source that is minutes behind. Past it the pod is dropped from the address index, so
 * a collector or `serve` running for weeks holds the pods alive and those deleted recently, not
 * every pod ever created (docs/scale.md, "Memory").
 */
export const DELETED_POD_GRACE_MS = 15 * 60_000;

/** The grace with its default; throws on one that is not a number of at least 0 (Infinity: never drop). */
export function resolveDeletedPodGrace(graceMs: number | undefined): number {
  const grace = graceMs ?? DELETED_POD_GRACE_MS;
  if (typeof grace !== 'number' || Number.isNaN(grace) || grace < 0) {
    throw new RangeError(`netatlas/graph: deletedPodGraceMs = ${grace} is not a number of at least 0 (ms); leave it out for the default ${DELETED_POD_GRACE_MS} (15 minutes), or pass Infinity to keep deleted pods.`);
  }
  return grace;
}

/** An inventory object identity resolution forgets some time after the inventory deleted it. */
export type DeletableObject = PodInfo | WorkloadInfo | ServiceInfo | EndpointSliceInfo;

/** The key of a deletable object: its graph key (pods, workloads, Services), else its object reference. */
export function deletableKey(o: DeletableObject): string {
  switch (o.kind) {
    case 'Pod': return podKey(o.cluster, o.namespace, o.name);
    case 'Workload': return workloadKey(o.cluster, o.namespace, o.workloadKind, o.name);
    case 'Service': return serviceKey(o.cluster, o.namespace, o.name);
    case 'EndpointSlice': return objectRef(o.cluster, 'EndpointSlice', o.name, o.namespace);
  }
}

/** The Service an EndpointSlice belongs to. */
const sliceService = (slice: EndpointSliceInfo): string | undefined => slice.serviceName ?? slice.labels['kubernetes.io/service-name'];

/** What a resolver holds of what inventories said (IdentityResolver.inventoryHeld). */
export interface InventoryHeld extends AddressIndexHeld {
  /** Workload keys of inventory pods. */
  readonly podWorkloads: number;
  /** Workloads in the owner index (every kind, owned ones included). */
  readonly ownerWorkloads: number;
  /** Pods, workloads, Services and EndpointSlices deleted and still within their grace. */
  readonly deleted: number;
  /** Those dropped past their grace, since start. */
  readonly deletedDropped: number;
}

/** What a resolver holds of what flows taught it (each against its IdentityLimits cap), and how much it dropped. */
export interface IdentityHeld {
  readonly flowPods: number;
  readonly flowWorkloads: number;
  readonly labelSets: number;
  readonly ciliumIdentities: number;
  readonly dnsAddresses: number;
  /** Entries dropped since start, all structures together. */
  readonly evicted: number;
}

/** A pod known only from flows: its node, and its workload's node when that was made up from flows too. */
interface FlowPod {
  readonly node: PodNode;
  readonly workload?: WorkloadNode;
}

/** A workload named by what a flow taught (a label set, an identity): its key, and its node when made up from flows. */
interface WorkloadRef {
  readonly key: string;
  readonly node?: WorkloadNode;
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
  readonly limits: IdentityLimits;
  private readonly clusters = new Map<string, ClusterIndex>();
  /** Workload keys of inventory pods. */
  private readonly podWorkload = new Map<string, string>();
  private readonly endpointCache = new Map<string, EndpointIdentity>();
  private readonly inClusterCache = new Map<string, string | null>();
  private readonly targetCache = new Map<string, readonly ServiceTarget[]>();
  /*
   * What flows taught, each bounded by its limit (recently used first). Nodes the resolver makes
   * up whose key says everything (hosts, external peers, reserved identities, unknown addresses)
   * are not kept at all: GraphBuilder derives them from the key. A turnover of the pod or workload
   * nodes empties the endpoint cache, so a cached end never names a node no longer held.
   */
  private readonly flowPods: RecentMap<string, FlowPod>;
  private readonly flowWorkloads: RecentMap<string, WorkloadNode>;
  private readonly fqdnsByIp: RecentMap<string, readonly string[]>;
  /**
   * Workloads learnt from endpoints that had a pod name, by their label set and by their Cilium
   * identity (same labels, same identity): a label-only endpoint of the same pods lands on them.
   */
  private readonly workloadByLabels: RecentMap<string, WorkloadRef>;
  private readonly workloadByIdentity: RecentMap<string, WorkloadRef>;
  /**
   * Pods and workloads the inventory deleted that the indexes still hold, by key, in the order of
   * their deletion (markDeleted): a late flow still lands on them until expireDeleted.
   */
  private readonly deleted = new Map<string, { readonly object: DeletableObject; readonly at: number }>();
  /** Deleted pods and workloads dropped since start, past their grace. */
  private deletedDropped = 0;

  constructor(limits: Partial<IdentityLimits> = {}) {
    this.limits = resolveIdentityLimits(limits);
    const forgetCachedEnds = (): void => this.endpointCache.clear();
    this.flowPods = new RecentMap(this.limits.flowPods, forgetCachedEnds);
    this.flowWorkloads = new RecentMap(this.limits.flowWorkloads, forgetCachedEnds);
    this.fqdnsByIp = new RecentMap(this.limits.dnsAddresses);
    this.workloadByLabels = new RecentMap(this.limits.learntLabels);
    this.workloadByIdentity = new RecentMap(this.limits.learntLabels);
  }

  /** What the resolver holds of what flows taught it (see IdentityLimits). */
  held(): IdentityHeld {
    const maps = [this.flowPods, this.flowWorkloads, this.workloadByLabels, this.workloadByIdentity, this.fqdnsByIp];
    return {
      flowPods: this.flowPods.size, flowWorkloads: this.flowWorkloads.size, labelSets: this.workloadByLabels.size,
      ciliumIdentities: this.workloadByIdentity.size, dnsAddresses: this.fqdnsByIp.size, evicted: maps.reduce((n, m) => n + m.evicted, 0),
    };
  }

  /** What the indexes hold of what inventories said (all clusters together). */
  inventoryHeld(): InventoryHeld {
    return {
      ...addressIndexHeld(this.clusters.values()), podWorkloads: this.podWorkload.size, ownerWorkloads: this.owners.workloads.size,
      deleted: this.deleted.size, deletedDropped: this.deletedDropped,
    };
  }

  /**
   * The inventory no longer holds these objects, since `at` (ms, the clock of the caller). They
   * resolve as before until expireDeleted drops them; one an inventory holds again (its name
   * reused, a snapshot that missed it) is alive again.
   */
  markDeleted(objects: readonly DeletableObject[], at: number): void {
    for (const o of objects) {
      const key = deletableKey(o);
      if (!this.deleted.has(key)) this.deleted.set(key, { object: o, at });
    }
  }

  /**
   * Drops the objects deleted at least `graceMs` before `now`: a pod's name, its hold on its
   * addresses and its workload; a workload's place in the owner index and among the namespace's
   * top workloads; a Service's name, addresses and nodePorts; an EndpointSlice. A flow naming a pod afterwards resolves as any stranger would (its
   * address: another holder, an unknown address of the cluster's ranges, an external peer; its
   * name: a pod known only from flows). Returns the keys dropped.
   */
  expireDeleted(now: number, graceMs: number): string[] {
    const dropped: string[] = [];
    for (const [key, { object, at }] of this.deleted) {
      // Deletion order: the first one still within its grace ends the scan.
      if (!(now - at >= graceMs)) break;
      this.deleted.delete(key);
      const idx = this.clusters.get(object.cluster);
      if (object.kind === 'Pod') {
        if (idx) unindexPod(idx, object);
        this.podWorkload.delete(key);
      } else if (object.kind === 'Workload') {
        removeFromOwnerIndex(this.owners, object);
        if (idx) unindexTopWorkload(idx, object);
      } else if (object.kind === 'Service') {
        if (idx) unindexService(idx, object);
      } else {
        const svcName = sliceService(object);
        if (idx && svcName) unindexSlice(idx, object, svcName);
      }
      dropped.push(key);
    }
    if (dropped.length > 0) {
      this.deletedDropped += dropped.length;
      this.endpointCache.clear();
      this.inClusterCache.clear();
      this.targetCache.clear();
    }
    return dropped;
  }

  addInventory(inv: Inventory): void {
    this.endpointCache.clear();
    this.inClusterCache.clear();
    this.targetCache.clear();
    addToOwnerIndex(this.owners, inv.workloads);
    if (this.deleted.size > 0) for (const w of inv.workloads) this.deleted.delete(deletableKey(w));
    for (const c of inv.clusters) for (const cidr of c.podCIDRs ?? []) indexCidr(this.cluster(c.name), cidr);
    for (const n of inv.namespaces) this.cluster(n.cluster).namespaces.add(n.name);
    for (const node of inv.nodes) indexNode(this.cluster(node.cluster), node);
    for (const w of inv.workloads) if (!w.owner) indexTopWorkload(this.cluster(w.cluster), w);
    for (const pod of inv.pods) {
      indexPod(this.cluster(pod.cluster), pod);
      if (this.deleted.size > 0) this.deleted.delete(deletableKey(pod));
      const owner = resolveOwnerWorkload(pod, this.owners);
      this.podWorkload.set(podKey(pod.cluster, pod.namespace, pod.name), workloadKey(pod.cluster, pod.namespace, owner.workloadKind, owner.name));
    }
    for (const svc of inv.services) indexService(this.cluster(svc.cluster), svc);
    for (const slice of inv.endpointSlices) {
      const svcName = sliceService(slice);
      if (svcName) indexSlice(this.cluster(slice.cluster), slice, svcName);
    }
    if (this.deleted.size > 0) for (const o of [...inv.services, ...inv.endpointSlices]) this.deleted.delete(deletableKey(o));
  }

  private cluster(name: string): ClusterIndex {
    let idx = this.clusters.get(name);
    if (!idx) {
      idx = newClusterIndex(name);
      this.clusters.set(name, idx);
    }
    return idx;
  }

  clusterNames(): string[] {
    return [...this.clusters.keys()];
  }

  /** Workload key of a pod key (inventory or flow-made); undefined when unknown. */
  workloadOfPod(key: string): string | undefined {
    return this.podWorkload.get(key) ?? this.flowPods.get(key)?.node.workload;
  }

  /**
   * Attributes for a pod or workload the resolver made up from flows and still holds; undefined
   * for inventory nodes and for nodes whose key says everything (hosts, external peers, ...).
   */
  synthesizedNode(key: string): GraphNode | undefined {
    const pod = this.flowPods.get(key);
    if (pod === undefined) return this.flowWorkloads.get(key);
    this.useWorkload(pod.node.workload, pod.workload);
    return pod.node;
  }

  /** The names recent DNS answers gave `ip` (none once it was dropped: see IdentityLimits.dnsAddresses). */
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
      // A new array: the old one may be a graph node's `fqdns`.
      this.fqdnsByIp.set(ip, [...list, name].sort());
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
    return idx ? serviceBackendsIn(idx, service) : [];
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
    if (!out) {
      out = computeServiceTargets(this.clusters.get(svc.cluster)!, svc, sp, {
        pod: (pod) => this.podIdentity(pod),
        apiServer: (cluster) => this.reservedIdentity(cluster, 'kube-apiserver'),
        address: (ip, cluster) => this.resolveIp(ip, { time: Number.POSITIVE_INFINITY, cluster }),
      });
      this.targetCache.set(cacheKey, out);
    }
    return out;
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
      if (idx && holdsAddress(idx, ip, addr)) {
        found = idx.name;
        break;
      }
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

  private hostIdentity(cluster: string, nodeName: string): EndpointIdentity {
    const key = hostKey(cluster, nodeName);
    return { key, workloadKey: key, cluster };
  }

  private reservedIdentity(cluster: string, identity: ReservedIdentity): EndpointIdentity {
    const key = reservedKey(cluster, identity);
    return { key, workloadKey: key, cluster };
  }

  private externalIdentity(ip: string): EndpointIdentity {
    const key = externalKey(ip);
    return { key, workloadKey: key };
  }

  private unknownIdentity(cluster: string, what: string): EndpointIdentity {
    const key = unknownKey(cluster, what);
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

  /** A workload made up from flows: the node held for its key, else a new one. */
  private synthWorkload(cluster: string, namespace: string, kind: WorkloadKind, name: string, labels: Labels, inferred: WorkloadNode['inferred']): WorkloadRef {
    const key = workloadKey(cluster, namespace, kind, name);
    let node = this.flowWorkloads.get(key);
    if (node === undefined) {
      const infra = infraOf(namespace, name, labels);
      node = { kind: 'workload', cluster, namespace, workloadKind: kind, name, labels, label: name, inferred, ...(infra ? { infra } : {}) };
      this.flowWorkloads.set(key, node);
    }
    return { key, node };
  }

  /**
   * Marks a workload named by flow-learnt knowledge used; its node (when made up from flows) is
   * put back if it was dropped meanwhile, so a pod or label set still in use keeps its workload's
   * attributes. Returns the key.
   */
  private useWorkload(key: string, node: WorkloadNode | undefined): string {
    if (node !== undefined && this.flowWorkloads.get(key) === undefined) this.flowWorkloads.set(key, node);
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
  private flowPod(cluster: string, namespace: string, name: string, ep: FlowEndpoint): FlowPod {
    const key = podKey(cluster, namespace, name);
    const known = this.flowPods.get(key);
    if (known !== undefined) {
      this.useWorkload(known.node.workload, known.workload);
      return known;
    }
    const labels = labelsFromFlow(ep.labels);
    const declared = this.flowWorkload(ep);
    const selected = declared ? undefined : this.workloadBySelector(cluster, namespace, labels);
    const deployment = declared || selected ? undefined : deploymentFromPodName(name);
    const wl: WorkloadRef = declared
      ? this.synthWorkload(cluster, namespace, declared.kind, declared.name, labels, 'flow-workloads')
      : selected !== undefined ? { key: selected } : deployment
        ? this.synthWorkload(cluster, namespace, 'Deployment', deployment, labels, 'pod-name')
        : this.synthWorkload(cluster, namespace, 'Pod', name, labels, undefined);
    const pod: FlowPod = {
      node: { kind: 'pod', cluster, namespace, name, workload: wl.key, labels, ips: ep.ip ? [ep.ip] : [], hostNetwork: false, fromFlows: true, label: name },
      ...(wl.node ? { workload: wl.node } : {}),
    };
    this.flowPods.set(key, pod);
    return pod;
  }

  private learnWorkload(cluster: string, namespace: string, ep: FlowEndpoint, wl: WorkloadRef): void {
    if (ep.labels && ep.labels.length > 0) {
      const k = labelSetKey(cluster, namespace, ep.labels);
      if (this.workloadByLabels.get(k) === undefined) this.workloadByLabels.set(k, wl);
    }
    // Identities below 256 are reserved; above they name one label set in one cluster.
    if (ep.identity !== undefined && ep.identity >= 256) {
      const k = `${cluster}|${ep.identity}`;
      if (this.workloadByIdentity.get(k) === undefined) this.workloadByIdentity.set(k, wl);
    }
  }

  /** An endpoint known only by labels (typically a pod of another cluster). */
  private labelledWorkload(cluster: string, namespace: string, ep: FlowEndpoint): EndpointIdentity | undefined {
    const labels = labelsFromFlow(ep.labels);
    const declared = this.flowWorkload(ep);
    if (declared) {
      const { key } = this.synthWorkload(cluster, namespace, declared.kind, declared.name, labels, 'flow-workloads');
      return { key, workloadKey: key, cluster };
    }
    const seen = (ep.labels && ep.labels.length > 0 ? this.workloadByLabels.get(labelSetKey(cluster, namespace, ep.labels)) : undefined)
      ?? (ep.identity !== undefined && ep.identity >= 256 ? this.workloadByIdentity.get(`${cluster}|${ep.identity}`) : undefined);
    if (seen) {
      const key = this.useWorkload(seen.key, seen.node);
      return { key, workloadKey: key, cluster };
    }
    const selected = this.workloadBySelector(cluster, namespace, labels);
    if (selected) return { key: selected, workloadKey: selected, cluster };
    for (const l of APP_LABELS) {
      const name = labels[l];
      if (name) {
        const { key } = this.synthWorkload(cluster, namespace, 'Deployment', name, labels, 'labels');
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
      if (pod) {
        const id = this.podIdentity(pod);
        this.learnWorkload(cluster, namespace, ep, { key: id.workloadKey });
        return this.remember(cacheKey, id);
      }
      const made = this.flowPod(cluster, namespace, podName, ep);
      this.learnWorkload(cluster, namespace, ep, { key: made.node.workload, ...(made.workload ? { node: made.workload } : {}) });
      return this.remember(cacheKey, { key: podKey(cluster, namespace, podName), workloadKey: made.node.workload, cluster });
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

export function createIdentityResolver(inventory?: Inventory): IdentityResolver {
  const resolver = new IdentityResolver();
  if (inventory) resolver.addInventory(inventory);
  return resolver;
}

function parseServiceKey(key: string): { cluster: string; namespace: string; name: string } | undefined {
  const p = parseKey(key);
  return p.kind === 'service' ? p : undefined;
}
