/**
 * The map's pod classes: pods that no policy can tell apart (same cluster, namespace, labels,
 * declared ports, and, only when something can depend on them, node traffic, node, address
 * range cell and service account) share one endpoint; each class knows its workloads.
 */
import { workloadKey } from '../../model/keys.ts';
import type { PodInfo } from '../../model/inventory.ts';
import { labelsKey } from '../../selectors/index.ts';
import type { Endpoint } from '../compile.ts';
import { topLevelOwner, workloadLabel } from '../owner.ts';
import type { MapPeer } from '../types.ts';
import type { MapContext } from './connectivity-map.ts';
import { cmp } from './policy-index.ts';

/** A workload peer of the map; `order` is its rank by label. */
export interface WorkloadPeer { label: string; peer: MapPeer; order: number; pods: number }

export interface PodClasses {
  readonly workloads: WorkloadPeer[];
  /** One endpoint per class (no podRef: it stands for every pod of the class). */
  readonly classRep: Endpoint[];
  /** The workloads (indexes into `workloads`) each class has pods of. */
  readonly classWorkloads: Set<number>[];
}

export function podClasses(ctx: MapContext): PodClasses {
  const { snapshot, options: opts, policies } = ctx;
  const podEndpoint = (pod: PodInfo): Endpoint => ctx.endpoints.pod(pod);
  const nodeTraffic = (pod: PodInfo): boolean => policies.nodeTraffic(pod);
  const { ciliumLabels, anyCalico } = policies;
  const { ranges: atoms, anyNetworksPeer, anyNodesPeer, nodeAddresses } = ctx.cuts;
  const atomStarts = atoms.map((a) => a.start);
  const atomOf = (n: number): number => {
    let lo = 0;
    let hi = atomStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (atomStarts[mid] <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const anyHostNetwork = snapshot.pods.some(nodeTraffic);
  // Node addresses as map endpoints: traffic from a pod's own node is allowed, and `host` is it.
  const needNode = anyHostNetwork || anyNodesPeer || nodeAddresses.size > 0;
  const needIps = opts.ipBlockMatchesPods || anyNetworksPeer;
  const clusters = new Set(snapshot.pods.map((p) => p.cluster));
  const withCluster = clusters.size > 1;

  const workloads: WorkloadPeer[] = [];
  const workloadIndex = new Map<string, number>();
  const classIndex = new Map<string, number>();
  const classRep: Endpoint[] = [];
  const classWorkloads: Set<number>[] = [];
  for (const pod of snapshot.pods) {
    const owner = topLevelOwner(pod);
    const wkey = workloadKey(pod.cluster, pod.namespace, owner.kind, owner.name);
    let w = workloadIndex.get(wkey);
    if (w === undefined) {
      w = workloads.length;
      workloadIndex.set(wkey, w);
      workloads.push({
        label: workloadLabel(pod.cluster, pod.namespace, owner, withCluster),
        peer: { kind: 'workload', cluster: pod.cluster, namespace: pod.namespace, workloadKind: owner.kind, name: owner.name, pods: 0 },
        order: 0,
        pods: 0,
      });
    }
    workloads[w].pods++;
    let ep: Endpoint | undefined;
    let ipSig = '';
    if (needIps || nodeTraffic(pod)) {
      ep = podEndpoint(pod);
      ipSig = [...new Set(ep.v4.map(atomOf))].sort((a, b) => a - b).join(',') + '|' + [...ep.v6].sort().join(',');
    }
    let portsSig = '';
    for (const p of pod.ports) portsSig += `${p.name ?? ''}:${p.containerPort}/${p.protocol},`;
    if (pod.ports.length > 1) portsSig = pod.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).sort().join(',');
    // With Cilium's identity labels (and Calico's) the service account is a label too.
    const sa = ciliumLabels || anyCalico ? pod.serviceAccount ?? '' : '';
    const key = [pod.cluster, pod.namespace, labelsKey(pod.labels), portsSig, nodeTraffic(pod) ? 'h' : '', needNode ? pod.nodeName ?? '' : '', ipSig, sa].join('\u0001');
    let c = classIndex.get(key);
    if (c === undefined) {
      c = classRep.length;
      classIndex.set(key, c);
      classRep.push({ ...(ep ?? podEndpoint(pod)), podRef: undefined });
      classWorkloads.push(new Set());
    }
    classWorkloads[c].add(w);
  }
  const sortedW = workloads.map((_, i) => i).sort((a, b) => cmp(workloads[a].label, workloads[b].label));
  sortedW.forEach((w, i) => (workloads[w].order = i));
  for (const w of workloads) if (w.peer.kind === 'workload') (w.peer as { pods: number }).pods = w.pods;
  return { workloads, classRep, classWorkloads };
}
