/**
 * Service translation over one cluster's address index: a Service's backends (its
 * EndpointSlices, else its selector) and where a flow addressed to one of its ports really goes,
 * the way kube-proxy/Cilium translate it (see IdentityResolver.serviceTargets).
 */
import { serviceKey } from '../../generator/model/index.ts';
import type { EndpointSliceInfo, PodInfo, ServiceInfo, ServicePort } from '../../generator/model/index.ts';
import { endpointPod, type ClusterIndex } from './address-index.ts';
import type { EndpointIdentity, ServiceTarget } from './identity.ts';

/** The Service whose ClusterIP fronts the API server in every cluster. */
const API_SERVICE = 'default/kubernetes';

/** How the resolver names a backend: a pod, the API server of a cluster, an address that is no pod. */
export interface TargetEnds {
  pod(pod: PodInfo): EndpointIdentity;
  apiServer(cluster: string): EndpointIdentity;
  address(ip: string, cluster: string): EndpointIdentity;
}

/**
 * Backends of a Service: the pods its EndpointSlices point at (targetRef, else address),
 * else the pods its selector matches. Empty for a Service without either.
 */
export function serviceBackendsIn(idx: ClusterIndex, service: ServiceInfo): PodInfo[] {
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

/** The backends of Service port `sp`, each at workload level with its port (see IdentityResolver.serviceTargets). */
export function computeServiceTargets(idx: ClusterIndex, svc: ServiceInfo, sp: ServicePort, ends: TargetEnds): ServiceTarget[] {
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
    const api = ends.apiServer(svc.cluster);
    for (const slice of slices) add(api, slicePort(slice));
    if (targets.size === 0 && typeof sp.targetPort === 'number') add(api, sp.targetPort);
    return [...targets.values()];
  }
  if (slices.length > 0) {
    for (const slice of slices) {
      const fromSlice = slicePort(slice);
      for (const ep of slice.endpoints) {
        const pod = endpointPod(idx, slice, ep);
        if (pod) add(ends.pod(pod), podPort(pod, fromSlice));
        else for (const a of ep.addresses) add(ends.address(a, svc.cluster), fromSlice ?? (typeof sp.targetPort === 'number' ? sp.targetPort : undefined));
      }
    }
  } else {
    for (const pod of serviceBackendsIn(idx, svc)) add(ends.pod(pod), podPort(pod, undefined));
  }
  return [...targets.values()].sort((a, b) => (a.id.key < b.id.key ? -1 : a.id.key > b.id.key ? 1 : a.port - b.port));
}
