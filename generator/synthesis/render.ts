/**
 * Plans -> objects: Kubernetes NetworkPolicy (typed with client-node's V1NetworkPolicy),
 * CiliumNetworkPolicy, and the project's own NetworkPolicyInfo the proof evaluates.
 * Key order is fixed here so the YAML writer stays a plain dump.
 */
import type {
  V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicyPort,
} from '@kubernetes/client-node';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL, type LabelSelector } from '../model/labels.ts';
import type { NetworkPolicyInfo, NetworkPolicyPeer, NetworkPolicyRule } from '../model/policy.ts';
import type {
  CiliumNetworkPolicy, Evidence, PlannedPeer, PlannedRule, PortSpec, StagedKubernetesNetworkPolicy, SubjectPlan, SynthesisFormat, SynthesisOptions,
} from './types.ts';
import { namespaceSelectorOf } from './workloads.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'netatlas';
export const EVIDENCE_ANNOTATION = 'netatlas.io/evidence';
export const SUBJECT_ANNOTATION = 'netatlas.io/subject';
export const FQDN_ANNOTATION = 'netatlas.io/fqdns';
export const REMOTE_PEERS_ANNOTATION = 'netatlas.io/remote-peers';
export { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL } from '../model/labels.ts';

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

export function evidenceText(ev: Evidence): string {
  return `flows=${ev.flows} edges=${ev.edges} firstSeen=${iso(ev.firstSeen)} lastSeen=${iso(ev.lastSeen)}`;
}

function metadata(s: SubjectPlan, name: string): { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } {
  // Counts only: a flow's time may be the reader's clock (sources without timestamps), and the
  // output must be byte-identical for identical input. The report carries the times.
  const annotations: Record<string, string> = { [EVIDENCE_ANNOTATION]: `flows=${s.evidence.flows} edges=${s.evidence.edges}` };
  if (Object.keys(s.fqdns).length > 0) annotations[FQDN_ANNOTATION] = JSON.stringify(s.fqdns);
  if (Object.keys(s.remotePeers).length > 0) annotations[REMOTE_PEERS_ANNOTATION] = JSON.stringify(s.remotePeers);
  annotations[SUBJECT_ANNOTATION] = s.key;
  return { name, namespace: s.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations };
}

function selectorObject(sel: LabelSelector): { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } {
  const out: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } = {};
  if (sel.matchLabels && Object.keys(sel.matchLabels).length) out.matchLabels = { ...sel.matchLabels };
  if (sel.matchExpressions && sel.matchExpressions.length) {
    out.matchExpressions = sel.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
  }
  return out;
}

/** NetworkPolicy peers of a planned peer; [] when NetworkPolicy cannot express it (Cilium entities). */
function npPeers(p: PlannedPeer, subjectNamespace: string): NetworkPolicyPeer[] {
  switch (p.kind) {
    case 'workload':
      return p.namespace === subjectNamespace
        ? [{ podSelector: p.selector }]
        : [{ namespaceSelector: namespaceSelectorOf(p.namespace), podSelector: p.selector }];
    case 'remote-workload':
    case 'cidr':
      return p.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    case 'any-pod':
      return [{ namespaceSelector: {} }];
    case 'entity':
      return [];
  }
}

function npRules(rules: readonly PlannedRule[], ns: string): NetworkPolicyRule[] {
  const out: NetworkPolicyRule[] = [];
  for (const r of rules) {
    const peers = r.peers.flatMap((p) => npPeers(p, ns));
    // A rule with no peer would allow every peer: never write one by accident.
    if (peers.length === 0) continue;
    out.push({ peers, ports: r.ports.map((p) => ({ protocol: p.protocol, port: p.port })) });
  }
  return out;
}

export function renderNetworkPolicyInfo(s: SubjectPlan, name: string): NetworkPolicyInfo {
  return {
    kind: 'NetworkPolicy', cluster: s.cluster, namespace: s.namespace, name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    podSelector: s.selector, policyTypes: [...s.policyTypes], ingress: npRules(s.ingress, s.namespace), egress: npRules(s.egress, s.namespace),
  };
}

function k8sPeer(p: NetworkPolicyPeer): V1NetworkPolicyPeer {
  const out: V1NetworkPolicyPeer = {};
  if (p.ipBlock) out.ipBlock = { cidr: p.ipBlock.cidr, ...(p.ipBlock.except ? { except: [...p.ipBlock.except] } : {}) };
  if (p.namespaceSelector) out.namespaceSelector = selectorObject(p.namespaceSelector);
  if (p.podSelector) out.podSelector = selectorObject(p.podSelector);
  return out;
}

const k8sPorts = (r: NetworkPolicyRule): V1NetworkPolicyPort[] =>
  (r.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port as number | string }));
const k8sIngress = (rules: readonly NetworkPolicyRule[]): V1NetworkPolicyIngressRule[] =>
  rules.map((r) => ({ from: (r.peers ?? []).map(k8sPeer), ports: k8sPorts(r) }));
const k8sEgress = (rules: readonly NetworkPolicyRule[]): V1NetworkPolicyEgressRule[] =>
  rules.map((r) => ({ to: (r.peers ?? []).map(k8sPeer), ports: k8sPorts(r) }));

/** `info`: the plan's NetworkPolicyInfo when the caller already rendered it (same rules). */
export function renderNetworkPolicy(s: SubjectPlan, name: string, info: NetworkPolicyInfo = renderNetworkPolicyInfo(s, name)): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(s, name),
    spec: {
      podSelector: selectorObject(s.selector),
      policyTypes: [...s.policyTypes],
      ...(s.policyTypes.includes('Ingress') ? { ingress: k8sIngress(info.ingress ?? []) } : {}),
      ...(s.policyTypes.includes('Egress') ? { egress: k8sEgress(info.egress ?? []) } : {}),
    },
  };
}

/** The cluster DNS a namespace default-deny lets every pod query: its pods' selector in kube-system. */
export interface DnsTarget {
  readonly selector: LabelSelector;
}

const DNS_PORTS = [{ protocol: 'UDP' as const, port: 53 }, { protocol: 'TCP' as const, port: 53 }];
const dnsPeer = (dns: DnsTarget): NetworkPolicyPeer => ({ namespaceSelector: namespaceSelectorOf('kube-system'), podSelector: dns.selector });

export function defaultDenyInfo(cluster: string, namespace: string, dns?: DnsTarget): NetworkPolicyInfo {
  return {
    kind: 'NetworkPolicy', cluster, namespace, name: 'default-deny-netatlas', labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: dns ? [{ peers: [dnsPeer(dns)], ports: DNS_PORTS }] : [],
  };
}

/** A NetworkPolicy as Calico's StagedKubernetesNetworkPolicy: the same spec under Calico's staged kind. */
export function staged(np: V1NetworkPolicy): StagedKubernetesNetworkPolicy {
  return { apiVersion: 'projectcalico.org/v3', kind: 'StagedKubernetesNetworkPolicy', metadata: np.metadata, spec: np.spec };
}

export function renderDefaultDeny(cluster: string, namespace: string, format: SynthesisFormat, dns?: DnsTarget): V1NetworkPolicy | CiliumNetworkPolicy | StagedKubernetesNetworkPolicy {
  const meta = {
    name: 'default-deny-netatlas', namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
    annotations: { 'netatlas.io/purpose': `default deny for ${cluster}/${namespace} (--default-deny): selects every pod on purpose${dns ? '; every pod may still query the cluster DNS' : ''}` },
  };
  if (format === 'cilium') {
    const egress = dns
      ? [{ toEndpoints: [{ matchLabels: { ...(selectorObject(dns.selector).matchLabels ?? {}), [CILIUM_NAMESPACE_LABEL]: 'kube-system' } }], toPorts: [{ ports: DNS_PORTS.map((p) => ({ port: '53', protocol: p.protocol })) }] }]
      : [{}];
    return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: meta, spec: { endpointSelector: {}, ingress: [{}], egress } };
  }
  const np: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta,
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: k8sEgress(defaultDenyInfo(cluster, namespace, dns).egress ?? []) },
  };
  return format === 'calico-staged' ? staged(np) : np;
}

// ---------------------------------------------------------------- Cilium

function ciliumEndpoint(p: Extract<PlannedPeer, { kind: 'workload' | 'remote-workload' }>): Record<string, unknown> {
  const sel = selectorObject(p.selector ?? {});
  return {
    matchLabels: { ...(sel.matchLabels ?? {}), [CILIUM_CLUSTER_LABEL]: p.cluster, [CILIUM_NAMESPACE_LABEL]: p.namespace },
    ...(sel.matchExpressions ? { matchExpressions: sel.matchExpressions } : {}),
  };
}

function ciliumPorts(ports: readonly PortSpec[], dnsRules: boolean): Record<string, unknown>[] {
  return [{
    ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })),
    ...(dnsRules ? { rules: { dns: [{ matchPattern: '*' }] } } : {}),
  }];
}

function ciliumRules(rules: readonly PlannedRule[], dir: 'ingress' | 'egress', fqdn: boolean, dnsVisibility: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const pre = dir === 'ingress' ? 'from' : 'to';
  for (const r of rules) {
    const endpoints: Record<string, unknown>[] = [];
    const cidrs: string[] = [];
    const entities = new Set<string>();
    const fqdns: string[] = [];
    let toDns = false;
    for (const p of r.peers) {
      if (p.kind === 'workload' || p.kind === 'remote-workload') {
        endpoints.push(ciliumEndpoint(p));
        if (p.namespace === 'kube-system' && r.ports.some((x) => x.port === 53)) toDns = true;
      } else if (p.kind === 'any-pod') {
        entities.add('cluster');
      } else if (p.kind === 'cidr') {
        if (p.entity === 'kube-apiserver' || (p.entity && p.what === 'node')) entities.add(p.entity);
        else if (fqdn && dir === 'egress' && p.fqdns.length > 0) fqdns.push(...p.fqdns);
        else cidrs.push(...p.cidrs);
      } else entities.add(p.entity);
    }
    const ports = ciliumPorts(r.ports, false);
    if (endpoints.length) out.push({ [`${pre}Endpoints`]: endpoints, toPorts: dir === 'egress' && toDns && dnsVisibility ? ciliumPorts(r.ports, true) : ports });
    if (cidrs.length) out.push({ [`${pre}CIDR`]: [...new Set(cidrs)].sort(), toPorts: ports });
    if (entities.size) out.push({ [`${pre}Entities`]: [...entities].sort(), toPorts: ports });
    if (fqdns.length) out.push({ toFQDNs: [...new Set(fqdns)].sort().map((matchName) => ({ matchName })), toPorts: ports });
  }
  return out;
}

export function renderCilium(s: SubjectPlan, name: string, o: SynthesisOptions): CiliumNetworkPolicy {
  const fqdn = !!o.fqdn;
  const usesFqdn = fqdn && s.egress.some((r) => r.peers.some((p) => p.kind === 'cidr' && p.fqdns.length > 0));
  const sel = selectorObject(s.selector);
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: metadata(s, name),
    spec: {
      endpointSelector: sel,
      // Cilium has no policyTypes: a direction listed (even empty, as [{}]) is enforced, one left out is not.
      ...(s.policyTypes.includes('Ingress') ? { ingress: s.ingress.length ? ciliumRules(s.ingress, 'ingress', fqdn, false) : [{}] } : {}),
      ...(s.policyTypes.includes('Egress') ? { egress: s.egress.length ? ciliumRules(s.egress, 'egress', fqdn, usesFqdn) : [{}] } : {}),
    },
  };
}
