/**
 * Normalized policy shapes. Absent and empty are kept distinct (`undefined` vs `[]`/`{}`)
 * because NetworkPolicy gives them different meanings.
 */
import type { SourceLocation } from './errors.ts';
import type { LabelSelector, Labels } from './labels.ts';
import type { Protocol } from './inventory.ts';

export type PolicyType = 'Ingress' | 'Egress';

export interface IPBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  /** Absent means TCP. */
  readonly protocol?: Protocol;
  /** Absent means every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyRule {
  /** `from` or `to`. Absent (or empty) means every peer. */
  readonly peers?: readonly NetworkPolicyPeer[];
  /** Absent (or empty) means every port. */
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyInfo {
  readonly kind: 'NetworkPolicy';
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly podSelector: LabelSelector;
  /** As written; undefined when the object did not list policyTypes (defaulting applies). */
  readonly policyTypes?: readonly PolicyType[];
  /** Absent `ingress` and `ingress: []` both mean no ingress rule. */
  readonly ingress?: readonly NetworkPolicyRule[];
  readonly egress?: readonly NetworkPolicyRule[];
  readonly source?: SourceLocation;
}

/**
 * Rule actions as written: AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1) use
 * Allow, ClusterNetworkPolicy (v1alpha2) uses Accept for the same effect.
 */
export type AdminAction = 'Allow' | 'Accept' | 'Deny' | 'Pass';

export interface AdminPodsSelector {
  readonly namespaceSelector: LabelSelector;
  readonly podSelector: LabelSelector;
}

export type AdminSubject =
  | { readonly namespaces: LabelSelector; readonly pods?: undefined }
  | { readonly pods: AdminPodsSelector; readonly namespaces?: undefined };

export type AdminPeer =
  | { readonly kind: 'namespaces'; readonly namespaces: LabelSelector }
  | { readonly kind: 'pods'; readonly pods: AdminPodsSelector }
  | { readonly kind: 'networks'; readonly networks: readonly string[] }
  | { readonly kind: 'nodes'; readonly nodes: LabelSelector }
  /** ClusterNetworkPolicy egress only: DNS names, which no snapshot can resolve statically. */
  | { readonly kind: 'domainNames'; readonly domainNames: readonly string[] };

export type AdminPort =
  | { readonly kind: 'portNumber'; readonly protocol: Protocol; readonly port: number }
  | { readonly kind: 'namedPort'; readonly name: string }
  | { readonly kind: 'portRange'; readonly protocol: Protocol; readonly start: number; readonly end: number };

export interface AdminRule {
  readonly name: string;
  readonly action: AdminAction;
  readonly peers: readonly AdminPeer[];
  /** Absent means every port. */
  readonly ports?: readonly AdminPort[];
}

/** The cluster-wide tiers around NetworkPolicy: Admin before it, Baseline after it. */
export type AdminTier = 'Admin' | 'Baseline';

/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1, read
 * as legacy) and ClusterNetworkPolicy (v1alpha2, which replaced both with one kind and a
 * `tier`). One shape: subject, ordered rules with actions, peers and ports.
 */
export interface AdminNetworkPolicyInfo {
  /** BANP has no priority, is cluster-wide and must be named `default`. */
  readonly kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';
  readonly cluster: string;
  readonly name: string;
  /** ClusterNetworkPolicy's `spec.tier` as written; implied by the kind for ANP and BANP. */
  readonly tier?: AdminTier;
  readonly priority?: number;
  readonly subject: AdminSubject;
  readonly ingress: readonly AdminRule[];
  readonly egress: readonly AdminRule[];
  readonly source?: SourceLocation;
}

export type PolicyInfo = NetworkPolicyInfo | AdminNetworkPolicyInfo;

/**
 * The tier a cluster-wide policy takes part in: ANP and Admin-tier ClusterNetworkPolicy come
 * before NetworkPolicy, BANP and Baseline-tier ClusterNetworkPolicy after it. An unknown
 * ClusterNetworkPolicy tier is reported by validation and reads as Admin here.
 */
export function adminTierOf(p: Pick<AdminNetworkPolicyInfo, 'kind' | 'tier'>): AdminTier {
  if (p.kind === 'AdminNetworkPolicy') return 'Admin';
  if (p.kind === 'BaselineAdminNetworkPolicy') return 'Baseline';
  return p.tier === 'Baseline' ? 'Baseline' : 'Admin';
}

// ---------------------------------------------------------------------------------------------
// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (cilium.io/v2), read at L3/L4.

/** Cilium's entities: peers known by their role rather than their labels or addresses. */
export const CILIUM_ENTITIES = [
  'all', 'world', 'world-ipv4', 'world-ipv6', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'health', 'init', 'ingress', 'unmanaged',
] as const;
export type CiliumEntity = (typeof CILIUM_ENTITIES)[number];

export interface CiliumPort {
  /** A number (as written: Cilium writes ports as strings), a container port name, or absent/0 for every port. */
  readonly port?: number | string;
  readonly endPort?: number;
  /** Absent means ANY (TCP, UDP and SCTP). */
  readonly protocol?: Protocol | 'ANY';
}

export interface CiliumPortRule {
  /** Absent or empty: every port. */
  readonly ports?: readonly CiliumPort[];
  /** The L7 kinds under `rules` (http, dns, kafka, l7): they are enforced by a proxy, after L4. */
  readonly l7?: readonly string[];
}

/**
 * One ingress/egress (or deny) rule. The L3 fields of the direction are normalized to
 * `endpoints`, `entities` and `cidrs` (fromCIDR and fromCIDRSet alike). A rule with no L3 field
 * and no port matches nothing; one with ports only matches every peer on those ports.
 */
export interface CiliumRule {
  readonly endpoints?: readonly LabelSelector[];
  readonly entities?: readonly string[];
  readonly cidrs?: readonly IPBlock[];
  readonly toPorts?: readonly CiliumPortRule[];
  /** `toFQDNs` names and patterns (matchName, or matchPattern with `*`). */
  readonly fqdns?: readonly string[];
  /**
   * The addresses `fqdns` were seen to resolve to in DNS flows (set by withObservedDns in
   * generator/semantics/kinds/cilium-fqdn.ts, never read from a manifest). Absent: unknowable,
   * the FQDN peer matches no address.
   */
  readonly fqdnAddresses?: readonly string[];
  /** Fields read but not evaluated (toServices, fromRequires, icmps, ...), by name. */
  readonly unsupported?: readonly string[];
}

export interface CiliumPolicySpec {
  /** Pods the spec applies to (keys may carry Cilium's `k8s:`/`any:` source prefixes). */
  readonly endpointSelector?: LabelSelector;
  /** CiliumClusterwideNetworkPolicy only: nodes (host firewall). */
  readonly nodeSelector?: LabelSelector;
  readonly ingress?: readonly CiliumRule[];
  readonly egress?: readonly CiliumRule[];
  readonly ingressDeny?: readonly CiliumRule[];
  readonly egressDeny?: readonly CiliumRule[];
  readonly enableDefaultDeny?: { readonly ingress?: boolean; readonly egress?: boolean };
}

export interface CiliumNetworkPolicyInfo {
  readonly kind: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  readonly cluster: string;
  /** CiliumNetworkPolicy only. */
  readonly namespace?: string;
  readonly name: string;
  /** `spec` and the entries of `specs`, in that order. */
  readonly specs: readonly CiliumPolicySpec[];
  readonly source?: SourceLocation;
}

// ---------------------------------------------------------------------------------------------
// Calico NetworkPolicy / GlobalNetworkPolicy / Tier (projectcalico.org/v3), read at L3/L4.
// Selectors stay as written (Calico's selector language, checked when read); the engine parses them.

export type CalicoAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

/** A port as written: a number or `a:b` range, or a container port name. */
export type CalicoPort = { readonly start: number; readonly end: number } | { readonly name: string };

/** `source` or `destination` of a rule: every field given must match (AND). */
export interface CalicoEntityRule {
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: string };
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
  readonly ports?: readonly CalicoPort[];
  readonly notPorts?: readonly CalicoPort[];
}

export interface CalicoRule {
  readonly action: CalicoAction;
  /** TCP/UDP/SCTP (names or 6/17/132); absent: every protocol. */
  readonly protocol?: Protocol;
  /** A protocol outside TCP/UDP/SCTP (ICMP, ...): the rule matches no connection the engine models. */
  readonly otherProtocol?: string;
  readonly source?: CalicoEntityRule;
  readonly destination?: CalicoEntityRule;
  /** Fields read but not evaluated (notProtocol, icmp, http, source ports, ...), by name: the rule matches nothing. */
  readonly unsupported?: readonly string[];
}

export interface CalicoPolicyInfo {
  /** Calico's NetworkPolicy (namespaced) and GlobalNetworkPolicy, named apart from Kubernetes' kind. */
  readonly kind: 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy';
  readonly cluster: string;
  /** CalicoNetworkPolicy only. */
  readonly namespace?: string;
  readonly name: string;
  /** `default` when not written. */
  readonly tier: string;
  /** Absent: after every policy with an order. */
  readonly order?: number;
  /** The endpoints the policy applies to; `all()` when not written. */
  readonly selector: string;
  /** GlobalNetworkPolicy only: the namespaces whose endpoints it applies to. */
  readonly namespaceSelector?: string;
  readonly serviceAccountSelector?: string;
  /** As written; absent means Calico's default (see calicoPolicyTypes). */
  readonly types?: readonly PolicyType[];
  readonly ingress: readonly CalicoRule[];
  readonly egress: readonly CalicoRule[];
  /** `doNotTrack` or `preDNAT` (GlobalNetworkPolicy): the policy applies to host endpoints only, so to no pod. */
  readonly hostEndpointsOnly?: boolean;
  readonly source?: SourceLocation;
}

export interface CalicoTierInfo {
  readonly kind: 'CalicoTier';
  readonly cluster: string;
  readonly name: string;
  /** Absent: after every tier with an order. */
  readonly order?: number;
  /** What an endpoint the tier selects gets when no rule matches: Deny (default) or Pass. */
  readonly defaultAction?: 'Deny' | 'Pass';
  readonly source?: SourceLocation;
}

/**
 * Calico's effective `types`: as written, else Ingress when there are no egress rules, Egress when
 * there are egress rules and no ingress rules, both when there are both.
 */
export function calicoPolicyTypes(p: Pick<CalicoPolicyInfo, 'types' | 'ingress' | 'egress'>): { ingress: boolean; egress: boolean } {
  if (p.types && p.types.length > 0) return { ingress: p.types.includes('Ingress'), egress: p.types.includes('Egress') };
  if (p.egress.length === 0) return { ingress: true, egress: false };
  return { ingress: p.ingress.length > 0, egress: true };
}

/** The order of Calico's `default` tier when no Tier object gives it (Calico 3.26 and later). */
export const CALICO_DEFAULT_TIER_ORDER = 1_000_000;
/** The order Calico gives Kubernetes NetworkPolicies, in the `default` tier. */
export const CALICO_K8S_POLICY_ORDER = 1000;

/**
 * Calico's staged policies (StagedNetworkPolicy, StagedGlobalNetworkPolicy,
 * StagedKubernetesNetworkPolicy): read, never enforced; `diff --staged` evaluates them as if
 * they were. `Set` puts `policy` in place of the enforced policy of the same kind and name (or
 * adds it), `Delete` removes that policy.
 */
export interface StagedPolicyInfo {
  readonly kind: 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'StagedKubernetesNetworkPolicy';
  readonly cluster: string;
  readonly namespace?: string;
  readonly name: string;
  readonly stagedAction: 'Set' | 'Delete';
  /** The policy it stages, as it would be enforced. */
  readonly policy: CalicoPolicyInfo | NetworkPolicyInfo;
  readonly source?: SourceLocation;
}

/**
 * Calico NetworkSet (namespaced) and GlobalNetworkSet: labelled address sets. A rule's
 * `selector` matches the addresses of the sets it selects (as it matches endpoints): in a
 * namespaced policy the NetworkSets of its namespace, with a `namespaceSelector` those of the
 * selected namespaces (`global()`: GlobalNetworkSets), in a GlobalNetworkPolicy every set.
 */
export interface CalicoNetworkSetInfo {
  readonly kind: 'CalicoNetworkSet' | 'CalicoGlobalNetworkSet';
  readonly cluster: string;
  /** CalicoNetworkSet only. */
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Labels;
  /** CIDRs (or single addresses), checked when read. */
  readonly nets: readonly string[];
  readonly source?: SourceLocation;
}
