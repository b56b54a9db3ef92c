/**
 * Named fixture builders: spread a base object and override what a test is about.
 */
import type {
  AdminNetworkPolicyInfo, AdminPeer, AdminRule, CalicoPolicyInfo, CalicoRule, CalicoTierInfo, CiliumNetworkPolicyInfo, CiliumPolicySpec, ContainerPort, LabelSelector, Labels, NamespaceInfo, NetworkPolicyInfo,
  NetworkPolicyPeer, NetworkPolicyRule, NodeInfo, PodInfo,
} from '../../../generator/model/index.ts';
import type { PolicySnapshot } from '../../../generator/semantics/index.ts';

export const CLUSTER = 'c1';

export function ns(name: string, labels: Labels = {}, cluster = CLUSTER): NamespaceInfo {
  return { kind: 'Namespace', cluster, name, labels };
}

export function pod(namespace: string, name: string, labels: Labels = {}, more: Partial<PodInfo> = {}): PodInfo {
  return {
    kind: 'Pod',
    cluster: CLUSTER,
    namespace,
    name,
    labels,
    ips: [],
    hostIPs: [],
    hostNetwork: false,
    privileged: false,
    ports: [],
    ...more,
  };
}

export const tcp = (containerPort: number, name?: string): ContainerPort => ({ containerPort, protocol: 'TCP', ...(name ? { name } : {}) });
export const udp = (containerPort: number, name?: string): ContainerPort => ({ containerPort, protocol: 'UDP', ...(name ? { name } : {}) });

export function np(namespace: string, name: string, spec: Partial<NetworkPolicyInfo> = {}): NetworkPolicyInfo {
  return { kind: 'NetworkPolicy', cluster: CLUSTER, namespace, name, podSelector: {}, ...spec };
}

export const sel = (matchLabels: Labels): LabelSelector => ({ matchLabels });
export const fromPods = (matchLabels: Labels): NetworkPolicyPeer => ({ podSelector: { matchLabels } });
export const rule = (peers?: NetworkPolicyPeer[], ports?: NetworkPolicyRule['ports']): NetworkPolicyRule => ({
  ...(peers !== undefined ? { peers } : {}),
  ...(ports !== undefined ? { ports } : {}),
});

export function anp(name: string, priority: number, spec: Partial<AdminNetworkPolicyInfo> = {}): AdminNetworkPolicyInfo {
  return { kind: 'AdminNetworkPolicy', cluster: CLUSTER, name, priority, subject: { namespaces: {} }, ingress: [], egress: [], ...spec };
}

export function banp(spec: Partial<AdminNetworkPolicyInfo> = {}, name = 'default'): AdminNetworkPolicyInfo {
  return { kind: 'BaselineAdminNetworkPolicy', cluster: CLUSTER, name, subject: { namespaces: {} }, ingress: [], egress: [], ...spec };
}

export const adminRule = (action: AdminRule['action'], peers: AdminPeer[], ports?: AdminRule['ports'], name = `${action.toLowerCase()}-rule`): AdminRule => ({
  name,
  action,
  peers,
  ...(ports ? { ports } : {}),
});
export const nsPeer = (matchLabels: Labels = {}): AdminPeer => ({ kind: 'namespaces', namespaces: { matchLabels } });
export const podsPeer = (nsLabels: Labels, podLabels: Labels): AdminPeer => ({
  kind: 'pods',
  pods: { namespaceSelector: { matchLabels: nsLabels }, podSelector: { matchLabels: podLabels } },
});

export function node(name: string, addresses: string[], labels: Labels = {}): NodeInfo {
  return { kind: 'Node', cluster: CLUSTER, name, labels, addresses, podCIDRs: [] };
}

export function snapshot(parts: Partial<PolicySnapshot>): PolicySnapshot {
  return { namespaces: [], pods: [], networkPolicies: [], adminNetworkPolicies: [], nodes: [], ...parts };
}

/** ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2): rules use Accept, Deny, Pass. */
export function cnp(name: string, tier: 'Admin' | 'Baseline', priority: number, spec: Partial<AdminNetworkPolicyInfo> = {}): AdminNetworkPolicyInfo {
  return { kind: 'ClusterNetworkPolicy', cluster: CLUSTER, name, tier, priority, subject: { namespaces: {} }, ingress: [], egress: [], ...spec };
}

/** CiliumNetworkPolicy (namespaced) or, without a namespace, CiliumClusterwideNetworkPolicy, with one spec. */
export function cilium(name: string, spec: CiliumPolicySpec, namespace?: string): CiliumNetworkPolicyInfo {
  return namespace !== undefined
    ? { kind: 'CiliumNetworkPolicy', cluster: CLUSTER, namespace, name, specs: [spec] }
    : { kind: 'CiliumClusterwideNetworkPolicy', cluster: CLUSTER, name, specs: [spec] };
}

/** Calico NetworkPolicy (namespaced) or, without a namespace, GlobalNetworkPolicy (projectcalico.org/v3). */
export function calico(name: string, spec: Partial<CalicoPolicyInfo> = {}, namespace?: string): CalicoPolicyInfo {
  const base = { cluster: CLUSTER, name, tier: 'default', selector: 'all()', ingress: [], egress: [] };
  return namespace !== undefined ? { kind: 'CalicoNetworkPolicy', namespace, ...base, ...spec } : { kind: 'CalicoGlobalNetworkPolicy', ...base, ...spec };
}

export function calicoTier(name: string, order?: number, defaultAction?: 'Deny' | 'Pass'): CalicoTierInfo {
  return { kind: 'CalicoTier', cluster: CLUSTER, name, ...(order !== undefined ? { order } : {}), ...(defaultAction ? { defaultAction } : {}) };
}

export const calicoRule = (action: CalicoRule['action'], more: Partial<CalicoRule> = {}): CalicoRule => ({ action, ...more });
