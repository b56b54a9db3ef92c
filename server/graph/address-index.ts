/**
 * Each cluster's address index: which pod held an IP when (pod IPs are reused, so a history with
 * start and end times per holder), node addresses, Service addresses and nodePorts, EndpointSlices,
 * pod CIDRs. Built from inventories; read by the IdentityResolver (identity.ts).
 */
import ipaddr from 'ipaddr.js';
import type { EndpointSliceInfo, NodeInfo, PodInfo, ServiceInfo, ServicePort, WorkloadInfo } from '../../generator/model/index.ts';

const PLAIN_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Canonical text of an address (IPv4-mapped IPv6 -> IPv4, compressed IPv6); plain IPv4 as is. */
export function normalizeIp(ip: string): string {
  if (PLAIN_IPV4.test(ip)) return ip;
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip;
  }
}

/** A pod that held an address, from `start` to `end` (ms). */
export interface IpHolder {
  readonly start: number;
  readonly end: number;
  readonly live: boolean;
  readonly pod: PodInfo;
}

export interface ClusterIndex {
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
  /** The text of each entry of `cidrs`: an inventory snapshot repeats them. */
  readonly cidrTexts: Set<string>;
  readonly namespaces: Set<string>;
  /** Top-level workloads (with selectors) per namespace, to place label-only endpoints. */
  readonly workloadsByNamespace: Map<string, WorkloadInfo[]>;
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

/** What an address index holds: pods by name, addresses with their holders, per-service slices and top workloads. */
export interface AddressIndexHeld {
  readonly pods: number;
  readonly podAddresses: number;
  readonly holders: number;
  readonly slices: number;
  readonly topWorkloads: number;
}

export function addressIndexHeld(indexes: Iterable<ClusterIndex>): AddressIndexHeld {
  let pods = 0, podAddresses = 0, holders = 0, slices = 0, topWorkloads = 0;
  for (const idx of indexes) {
    pods += idx.podsByName.size;
    podAddresses += idx.podIps.size;
    for (const list of idx.podIps.values()) holders += list.length;
    for (const list of idx.slicesByService.values()) slices += list.length;
    for (const list of idx.workloadsByNamespace.values()) topWorkloads += list.length;
  }
  return { pods, podAddresses, holders, slices, topWorkloads };
}

export function newClusterIndex(name: string): ClusterIndex {
  return {
    name, podsByName: new Map(), podIps: new Map(), nodeIps: new Map(), serviceIps: new Map(), services: new Map(),
    slicesByService: new Map(), nodePorts: new Map(), cidrs: [], cidrTexts: new Set(), namespaces: new Set(), workloadsByNamespace: new Map(),
  };
}

export function indexCidr(idx: ClusterIndex, cidr: string): void {
  if (idx.cidrTexts.has(cidr)) return;
  try {
    idx.cidrs.push(ipaddr.parseCIDR(cidr));
    idx.cidrTexts.add(cidr);
  } catch {
    // A malformed CIDR is reported by the inventory loader; here it just matches nothing.
  }
}

export function indexNode(idx: ClusterIndex, node: NodeInfo): void {
  for (const a of node.addresses) idx.nodeIps.set(normalizeIp(a), node.name);
  for (const cidr of node.podCIDRs) indexCidr(idx, cidr);
}

/**
 * Puts `item` into `list` in place of the entry `same` matches (a later snapshot of the same
 * object), else at its end: each inventory snapshot repeats every object, and a list that only
 * grew would hold one copy per snapshot.
 */
function replaceOrPush<T>(list: T[], item: T, same: (x: T) => boolean): void {
  const i = list.findIndex(same);
  if (i >= 0) list[i] = item;
  else list.push(item);
}

/** A top-level workload (one with a selector), to place label-only endpoints in its namespace. */
export function indexTopWorkload(idx: ClusterIndex, w: WorkloadInfo): void {
  const list = idx.workloadsByNamespace.get(w.namespace) ?? [];
  replaceOrPush(list, w, (x) => x.workloadKind === w.workloadKind && x.name === w.name);
  idx.workloadsByNamespace.set(w.namespace, list);
}

/** Removes a top-level workload the inventory deleted. */
export function unindexTopWorkload(idx: ClusterIndex, w: WorkloadInfo): void {
  const list = idx.workloadsByNamespace.get(w.namespace);
  if (!list) return;
  const left = list.filter((x) => !(x.workloadKind === w.workloadKind && x.name === w.name));
  if (left.length === 0) idx.workloadsByNamespace.delete(w.namespace);
  else idx.workloadsByNamespace.set(w.namespace, left);
}

/** A pod's name and addresses; a hostNetwork pod's addresses are its node's (unless known already). */
export function indexPod(idx: ClusterIndex, pod: PodInfo): void {
  idx.namespaces.add(pod.namespace);
  idx.podsByName.set(`${pod.namespace}/${pod.name}`, pod);
  if (pod.hostNetwork) {
    if (pod.nodeName) for (const ip of [...pod.hostIPs, ...pod.ips]) if (!idx.nodeIps.has(normalizeIp(ip))) idx.nodeIps.set(normalizeIp(ip), pod.nodeName);
    return;
  }
  for (const raw of pod.ips) {
    const ip = normalizeIp(raw);
    const list = idx.podIps.get(ip) ?? [];
    replaceOrPush(list, podLiveness(pod), (h) => h.pod.namespace === pod.namespace && h.pod.name === pod.name);
    idx.podIps.set(ip, list);
  }
}

/**
 * Forgets a pod the inventory deleted: its name, and its holds on its addresses (an address no
 * other pod held is no pod address any more). Addresses of a hostNetwork pod are its node's and
 * stay. Returns whether the index held it.
 */
export function unindexPod(idx: ClusterIndex, pod: PodInfo): boolean {
  const name = `${pod.namespace}/${pod.name}`;
  const held = idx.podsByName.get(name);
  idx.podsByName.delete(name);
  const sameName = (h: IpHolder) => h.pod.namespace === pod.namespace && h.pod.name === pod.name;
  for (const raw of new Set([...pod.ips, ...(held?.ips ?? [])])) {
    const ip = normalizeIp(raw);
    const list = idx.podIps.get(ip);
    if (!list) continue;
    const left = list.filter((h) => !sameName(h));
    if (left.length === 0) idx.podIps.delete(ip);
    else if (left.length < list.length) idx.podIps.set(ip, left);
  }
  return held !== undefined;
}

export function indexService(idx: ClusterIndex, svc: ServiceInfo): void {
  idx.services.set(`${svc.namespace}/${svc.name}`, svc);
  for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) if (ip && ip !== 'None') idx.serviceIps.set(normalizeIp(ip), svc);
  for (const sp of svc.ports) {
    if (sp.nodePort !== undefined && (svc.type === 'NodePort' || svc.type === 'LoadBalancer')) idx.nodePorts.set(`${sp.protocol}/${sp.nodePort}`, { svc, sp });
  }
}

/** An EndpointSlice under the name of its Service. */
export function indexSlice(idx: ClusterIndex, slice: EndpointSliceInfo, svcName: string): void {
  const k = `${slice.namespace}/${svcName}`;
  const list = idx.slicesByService.get(k) ?? [];
  replaceOrPush(list, slice, (x) => x.name === slice.name);
  idx.slicesByService.set(k, list);
}

/** Removes a Service the inventory deleted: its name, and the addresses and nodePorts still naming it. */
export function unindexService(idx: ClusterIndex, svc: ServiceInfo): void {
  const same = (x: ServiceInfo) => x.namespace === svc.namespace && x.name === svc.name;
  idx.services.delete(`${svc.namespace}/${svc.name}`);
  for (const [ip, x] of idx.serviceIps) if (same(x)) idx.serviceIps.delete(ip);
  for (const [k, np] of idx.nodePorts) if (same(np.svc)) idx.nodePorts.delete(k);
}

/** Removes an EndpointSlice the inventory deleted. */
export function unindexSlice(idx: ClusterIndex, slice: EndpointSliceInfo, svcName: string): void {
  const k = `${slice.namespace}/${svcName}`;
  const left = (idx.slicesByService.get(k) ?? []).filter((x) => x.name !== slice.name);
  if (left.length === 0) idx.slicesByService.delete(k);
  else idx.slicesByService.set(k, left);
}

/** Whether `ip` (normalized; `addr` parsed, if it parses) is a known address of this cluster or in its pod ranges. */
export function holdsAddress(idx: ClusterIndex, ip: string, addr: ipaddr.IPv4 | ipaddr.IPv6 | undefined): boolean {
  if (idx.podIps.has(ip) || idx.nodeIps.has(ip) || idx.serviceIps.has(ip)) return true;
  return !!addr && idx.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match([net, bits] as never));
}

/** The pod behind an EndpointSlice endpoint: its targetRef, else the current holder of one of its addresses. */
export function endpointPod(idx: ClusterIndex, slice: EndpointSliceInfo, ep: EndpointSliceInfo['endpoints'][number]): PodInfo | undefined {
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
