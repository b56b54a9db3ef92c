/**
 * Named builders for the risk tests: pods, workloads, services and policies of small estates,
 * and flow edges at both levels (as the graph holds them).
 */
import type {
  EntryObject, FlowEdge, Inventory, NetworkPolicyInfo, NetworkPolicyRule, PodInfo, RouteKind, SecurityReport, ServiceInfo, Vulnerability, WorkloadInfo,
} from '../../../generator/model/index.ts';
import { emptyInventory, podKey, workloadKey } from '../../../generator/model/index.ts';
import { normalizeObject } from '../../../server/inventory/index.ts';

export interface WorkloadSpec {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly pods?: number;
  readonly port?: number;
  /** Third octet of its pod IPs (10.<cluster index>.<subnet>.<n>). */
  readonly subnet: number;
  readonly clusterIndex?: number;
  readonly images?: readonly string[];
}

export function deployment(spec: WorkloadSpec): { workload: WorkloadInfo; pods: PodInfo[] } {
  const labels = { app: spec.name };
  const workload: WorkloadInfo = {
    kind: 'Workload', workloadKind: 'Deployment', cluster: spec.cluster, namespace: spec.namespace, name: spec.name, labels: {},
    selector: { matchLabels: labels }, templateLabels: labels,
  };
  const pods: PodInfo[] = [];
  for (let i = 0; i < (spec.pods ?? 1); i++) {
    pods.push({
      kind: 'Pod', cluster: spec.cluster, namespace: spec.namespace, name: `${spec.name}-5d8c7b9f4-p${i}`,
      labels: { ...labels, 'pod-template-hash': '5d8c7b9f4' }, ips: [`10.${spec.clusterIndex ?? 0}.${spec.subnet}.${i + 1}`], hostIPs: [],
      hostNetwork: false, privileged: false, ports: spec.port ? [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }] : [],
      owner: { kind: 'ReplicaSet', name: `${spec.name}-5d8c7b9f4`, controller: true }, ...(spec.images ? { images: spec.images } : {}),
    });
  }
  return { workload, pods };
}

export function loadBalancer(cluster: string, namespace: string, app: string, targetPort: number): ServiceInfo {
  return {
    kind: 'Service', cluster, namespace, name: `${app}-external`, labels: {}, type: 'LoadBalancer', clusterIPs: ['10.96.0.50'], externalIPs: [],
    loadBalancerIPs: ['34.1.2.3'], selector: { app }, ports: [{ protocol: 'TCP', port: 80, targetPort }],
  };
}

export function ingressPolicy(cluster: string, namespace: string, app: string, ingress: NetworkPolicyRule[]): NetworkPolicyInfo {
  return { kind: 'NetworkPolicy', cluster, namespace, name: `${app}-in`, podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ingress };
}

export function egressPolicy(cluster: string, namespace: string, app: string, egress: NetworkPolicyRule[]): NetworkPolicyInfo {
  return { kind: 'NetworkPolicy', cluster, namespace, name: `${app}-out`, podSelector: { matchLabels: { app } }, policyTypes: ['Egress'], egress };
}

export const fromApp = (app: string, port?: number): NetworkPolicyRule => ({ peers: [{ podSelector: { matchLabels: { app } } }], ...(port ? { ports: [{ protocol: 'TCP', port }] } : {}) });
export const fromEveryone = (port?: number): NetworkPolicyRule => ({ ...(port ? { ports: [{ protocol: 'TCP', port }] } : {}) });
export const fromCidr = (cidr: string, port?: number): NetworkPolicyRule => ({ peers: [{ ipBlock: { cidr } }], ...(port ? { ports: [{ protocol: 'TCP', port }] } : {}) });
export const fromAllNamespaces = (port?: number): NetworkPolicyRule => ({ peers: [{ namespaceSelector: {} }], ...(port ? { ports: [{ protocol: 'TCP', port }] } : {}) });

/** An inventory of the given workloads; `podCidrs` declares clusters' pod ranges (cluster -> CIDRs). */
export function estateOf(parts: { workloads: ReturnType<typeof deployment>[]; services?: ServiceInfo[]; policies?: NetworkPolicyInfo[]; reports?: SecurityReport[]; podCidrs?: Record<string, string[]> }): Inventory {
  const namespaces = new Map<string, { cluster: string; name: string }>();
  for (const w of parts.workloads) namespaces.set(`${w.workload.cluster}/${w.workload.namespace}`, { cluster: w.workload.cluster, name: w.workload.namespace });
  return {
    ...emptyInventory(),
    clusters: [...new Set(parts.workloads.map((w) => w.workload.cluster))].sort()
      .map((name) => ({ kind: 'Cluster' as const, name, ...(parts.podCidrs?.[name] ? { podCIDRs: parts.podCidrs[name] } : {}) })),
    namespaces: [...namespaces.values()].map((n) => ({ kind: 'Namespace' as const, cluster: n.cluster, name: n.name, labels: { 'kubernetes.io/metadata.name': n.name } })),
    workloads: parts.workloads.map((w) => w.workload),
    pods: parts.workloads.flatMap((w) => w.pods),
    services: parts.services ?? [],
    networkPolicies: parts.policies ?? [],
    ...(parts.reports ? { securityReports: parts.reports } : {}),
  };
}

/** One observed connection, at workload and pod level, as the graph aggregates it. */
export function observed(src: PodInfo | string, dst: PodInfo, port: number, count = 1): FlowEdge[] {
  const base = { kind: 'flow' as const, protocol: 'TCP' as const, port, count, verdicts: { FORWARDED: count }, firstSeen: 0, lastSeen: 1 };
  const wl = (p: PodInfo): string => workloadKey(p.cluster, p.namespace, 'Deployment', p.labels.app);
  const srcWl = typeof src === 'string' ? src : wl(src);
  const srcPod = typeof src === 'string' ? src : podKey(src.cluster, src.namespace, src.name);
  const inter = typeof src !== 'string' && src.cluster !== dst.cluster;
  return [
    { ...base, source: srcWl, destination: wl(dst), interCluster: inter, level: 'workload' },
    { ...base, source: srcPod, destination: podKey(dst.cluster, dst.namespace, dst.name), interCluster: inter, level: 'pod' },
  ];
}

export function vulnerabilityReport(cluster: string, namespace: string, replicaSet: string, vulns: Vulnerability[]): SecurityReport {
  return { kind: 'VulnerabilityReport', subject: { cluster, namespace, kind: 'ReplicaSet', name: replicaSet }, vulnerabilities: vulns };
}

export const criticalFixable: Vulnerability = { id: 'CVE-2024-0001', severity: 'CRITICAL', score: 9.8, package: 'openssl', installedVersion: '3.0.1', fixedVersion: '3.0.13' };

/** A NetworkPolicy manifest read back through the inventory normalizer (what `kubectl apply` would get). */
export function readManifest(cluster: string, manifest: Record<string, unknown>): NetworkPolicyInfo {
  const out = normalizeObject(manifest, { cluster });
  if (out.kind !== 'object' || out.object.kind !== 'NetworkPolicy') throw new Error(`not a NetworkPolicy: ${JSON.stringify(out)}`);
  return out.object;
}

/** An Ingress, Gateway or route manifest read through the inventory normalizer. */
export function readEntry<K extends 'Ingress' | 'Gateway' | RouteKind>(cluster: string, kind: K, manifest: Record<string, unknown>): Extract<EntryObject, { kind: K }> {
  const out = normalizeObject({ ...manifest, kind }, { cluster });
  if (out.kind !== 'object' || out.object.kind !== kind) throw new Error(`not a ${kind}: ${JSON.stringify(out)}`);
  return out.object as Extract<EntryObject, { kind: K }>;
}

export function clusterIp(cluster: string, namespace: string, name: string, app: string, port: number, targetPort: number): ServiceInfo {
  return { kind: 'Service', cluster, namespace, name, labels: {}, type: 'ClusterIP', clusterIPs: ['10.96.0.60'], externalIPs: [], loadBalancerIPs: [], selector: { app }, ports: [{ name: 'http', protocol: 'TCP', port, targetPort }] };
}

/** Kubernetes docs, "Ingress": the minimal Ingress in prod/shop, sending to Service `service` port 80. */
export const docsMinimalIngress = (opts: { service?: string; status?: Record<string, unknown> } = {}) => readEntry('prod', 'Ingress', {
  apiVersion: 'networking.k8s.io/v1',
  metadata: { name: 'minimal-ingress', namespace: 'shop', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
  spec: { ingressClassName: 'nginx-example', rules: [{ http: { paths: [{ path: '/testpath', pathType: 'Prefix', backend: { service: { name: opts.service ?? 'test', port: { number: 80 } } } }] } }] },
  ...(opts.status ? { status: opts.status } : {}),
});

/** Gateway API docs, "Simple Gateway": Gateway prod/shop/prod-web, one HTTP listener on 80 admitting routes of its own namespace. */
export const docsProdWebGateway = () => readEntry('prod', 'Gateway', {
  apiVersion: 'gateway.networking.k8s.io/v1',
  metadata: { name: 'prod-web', namespace: 'shop' },
  spec: { gatewayClassName: 'example', listeners: [{ protocol: 'HTTP', port: 80, name: 'prod-web-gw', allowedRoutes: { namespaces: { from: 'Same' } } }] },
});

/** Gateway API docs, "Simple Gateway": HTTPRoute foo in `namespace`, attached to prod-web, sending to shop/test port 80. */
export const docsFooRoute = (namespace: string) => readEntry('prod', 'HTTPRoute', {
  apiVersion: 'gateway.networking.k8s.io/v1',
  metadata: { name: 'foo', namespace },
  spec: { parentRefs: [{ name: 'prod-web', namespace: 'shop' }], rules: [{ backendRefs: [{ name: 'test', namespace: 'shop', port: 80 }] }] },
});
