/** Named builders for inventory objects and flow records, made by spreading a base object. */
import { emptyInventory } from '../../../generator/model/index.ts';
import type {
  EndpointSliceInfo, FlowEndpoint, FlowRecord, Inventory, NodeInfo, PodInfo, ServiceInfo, WorkloadInfo,
} from '../../../generator/model/index.ts';

export const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

export function pod(overrides: Partial<PodInfo> & Pick<PodInfo, 'name'>): PodInfo {
  return {
    kind: 'Pod', cluster: 'prod', namespace: 'shop', labels: {}, ips: [], hostIPs: ['192.168.0.11'], nodeName: 'node-1',
    hostNetwork: false, privileged: false, ports: [], phase: 'Running', ...overrides,
  };
}

export function deploymentPod(cluster: string, namespace: string, deploy: string, hash: string, suffix: string, ip: string, extra: Partial<PodInfo> = {}): PodInfo {
  return pod({
    cluster, namespace, name: `${deploy}-${hash}-${suffix}`, labels: { app: deploy, 'pod-template-hash': hash }, ips: [ip],
    owner: { kind: 'ReplicaSet', name: `${deploy}-${hash}`, controller: true }, ...extra,
  });
}

export function workload(overrides: Partial<WorkloadInfo> & Pick<WorkloadInfo, 'name' | 'workloadKind'>): WorkloadInfo {
  return { kind: 'Workload', cluster: 'prod', namespace: 'shop', labels: {}, ...overrides };
}

export function service(overrides: Partial<ServiceInfo> & Pick<ServiceInfo, 'name'>): ServiceInfo {
  return {
    kind: 'Service', cluster: 'prod', namespace: 'shop', labels: {}, type: 'ClusterIP', clusterIPs: [], externalIPs: [], loadBalancerIPs: [],
    ports: [], ...overrides,
  };
}

export function node(overrides: Partial<NodeInfo> & Pick<NodeInfo, 'name'>): NodeInfo {
  return { kind: 'Node', cluster: 'prod', labels: {}, addresses: [], podCIDRs: [], ...overrides };
}

export function slice(overrides: Partial<EndpointSliceInfo> & Pick<EndpointSliceInfo, 'name'>): EndpointSliceInfo {
  return { kind: 'EndpointSlice', cluster: 'prod', namespace: 'shop', labels: {}, endpoints: [], ports: [], ...overrides };
}

export function inventory(parts: Partial<Inventory>): Inventory {
  return { ...emptyInventory(), ...parts };
}

export const tcpForwarded: FlowRecord = {
  time: T0, source: {}, destination: {}, protocol: 'TCP', port: 8080, verdict: 'FORWARDED', count: 1, direction: 'EGRESS',
};

export function flow(source: FlowEndpoint, destination: FlowEndpoint, overrides: Partial<FlowRecord> = {}): FlowRecord {
  return { ...tcpForwarded, source, destination, ...overrides };
}

/** A small two-cluster estate: prod/shop (frontend -> checkout), finance/payments (ledger). */
export function shopEstate(): Inventory {
  return inventory({
    clusters: [{ kind: 'Cluster', name: 'prod', podCIDRs: ['10.2.0.0/16'] }, { kind: 'Cluster', name: 'finance', podCIDRs: ['10.3.0.0/16'] }],
    namespaces: [
      { kind: 'Namespace', cluster: 'prod', name: 'shop', labels: { team: 'web' } },
      { kind: 'Namespace', cluster: 'prod', name: 'kube-system', labels: {} },
      { kind: 'Namespace', cluster: 'finance', name: 'payments', labels: {} },
    ],
    nodes: [node({ name: 'node-1', addresses: ['192.168.0.11'], podCIDRs: ['10.2.1.0/24'] })],
    workloads: [
      workload({ name: 'frontend', workloadKind: 'Deployment', selector: { matchLabels: { app: 'frontend' } }, templateLabels: { app: 'frontend' } }),
      workload({ name: 'frontend-5d4c8b7f9', workloadKind: 'ReplicaSet', owner: { kind: 'Deployment', name: 'frontend', controller: true } }),
      workload({ cluster: 'finance', namespace: 'payments', name: 'ledger', workloadKind: 'Deployment', selector: { matchLabels: { app: 'ledger' } } }),
    ],
    pods: [
      deploymentPod('prod', 'shop', 'frontend', '5d4c8b7f9', 'abcde', '10.2.1.10'),
      deploymentPod('prod', 'shop', 'checkout', '6f7b9c8d5', 'xk2lm', '10.2.1.11', { ports: [{ name: 'http', containerPort: 5050, protocol: 'TCP' }] }),
      deploymentPod('prod', 'kube-system', 'coredns', '7c9d8f5b6', 'q2w4r', '10.2.1.2', { labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '7c9d8f5b6' } }),
      deploymentPod('finance', 'payments', 'ledger', '84c6d5f7b', 'zz9tt', '10.3.1.20', { nodeName: 'fin-node-1' }),
    ],
    services: [
      service({ name: 'checkout', clusterIPs: ['10.96.5.5'], selector: { app: 'checkout' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 'http' }] }),
      service({ namespace: 'kube-system', name: 'kube-dns', clusterIPs: ['10.96.0.10'], selector: { 'k8s-app': 'kube-dns' }, ports: [{ protocol: 'UDP', port: 53, targetPort: 53 }] }),
    ],
  });
}
