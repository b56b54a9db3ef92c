/**
 * Shapes of policy synthesis: what goes in (an inventory and observed workload-level flow
 * edges, with their pod-level detail), the options, the plan (one per subject workload, shared
 * by both output formats), the report, and the proof.
 */
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory, Protocol } from '../model/inventory.ts';
import type { LabelSelector } from '../model/labels.ts';

/**
 * networkpolicy: Kubernetes NetworkPolicy; cilium: CiliumNetworkPolicy; calico-staged: Calico's
 * StagedKubernetesNetworkPolicy (the same spec, previewed by Calico without being enforced).
 */
export type SynthesisFormat = 'networkpolicy' | 'cilium' | 'calico-staged';
export const SYNTHESIS_FORMATS: readonly SynthesisFormat[] = ['networkpolicy', 'cilium', 'calico-staged'];

/** Which directions the policies isolate: both (default), ingress only (Otterize's default), egress only. */
export type SynthesisDirection = 'ingress' | 'egress' | 'both';
export const SYNTHESIS_DIRECTIONS: readonly SynthesisDirection[] = ['ingress', 'egress', 'both'];

/**
 * Rules a cluster needs whether or not the window showed the traffic (each on by default):
 *  - dns: every subject may query the cluster DNS on UDP and TCP 53; the cluster DNS admits
 *    every pod of its cluster on 53 and may reach its upstream resolvers on 53.
 *  - api-server: the API server is reached (and reaches webhooks) at its endpoint addresses.
 *  - exposed: backends of LoadBalancer/NodePort Services admit 0.0.0.0/0 and ::/0 (or the
 *    Service's loadBalancerSourceRanges) on their target ports instead of observed clients;
 *    so do backends of the Services every Ingress and every route attached to a Gateway
 *    names (0.0.0.0/0 and ::/0 on the target ports behind the Service ports they name).
 *  - webhook: backends of the Services that admission webhook configurations and CRD
 *    conversion webhooks name admit the API server on the Service's target port.
 */
export type BaselineRule = 'dns' | 'api-server' | 'exposed' | 'webhook';
export const BASELINE_RULES: readonly BaselineRule[] = ['dns', 'api-server', 'exposed', 'webhook'];

/** Namespaces left alone unless asked (`includeSystem`): Kubernetes' own and the CNIs'. */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'kube-system', 'kube-public', 'kube-node-lease', 'cilium', 'cilium-system', 'calico-system', 'calico-apiserver', 'tigera-operator',
  'kube-flannel', 'gke-managed-system', 'gmp-system',
];

export interface SynthesisInput {
  readonly inventory: Inventory;
  /**
   * Observed edges as the graph aggregates them: workload-level edges (`level` absent or
   * 'workload') make the rules; pod-level edges (`level: 'pod'`) are the detail the proof
   * evaluates pod by pod. Plain data, not a graph instance.
   */
  readonly edges: readonly FlowEdge[];
  /** FQDNs seen for external addresses (DNS answers, Hubble destination_names): ip -> names. */
  readonly fqdns?: Readonly<Record<string, readonly string[]>>;
}

export interface SynthesisOptions {
  /** Only workloads of this cluster get a policy (peers may be anywhere). */
  readonly cluster?: string;
  /** Only workloads of this namespace get a policy. */
  readonly namespace?: string;
  /** Only these workload keys (`workloadKey(...)`) get a policy; namespace/cluster keys widen to theirs. */
  readonly workloads?: readonly string[];
  readonly format?: SynthesisFormat;
  /** Edges with fewer allowed connections are ignored (reported). Default 1. */
  readonly minCount?: number;
  /** ms since epoch: edges last seen before this are ignored (reported). */
  readonly since?: number;
  /** Allow DROPPED connections too (default: reported, not allowed). */
  readonly includeDropped?: boolean;
  /** Aggregate external IPv4 addresses to this prefix length (e.g. 24). Default: /32 each. */
  readonly aggregatePrefix?: number;
  /** Pod CIDR per cluster: cross-cluster peers become that CIDR instead of their pods' IPs. */
  readonly clusterCidrs?: Readonly<Record<string, string>>;
  /** Add one default-deny policy per namespace in scope. */
  readonly defaultDeny?: boolean;
  /** Cilium: toFQDNs for external peers whose name is known. */
  readonly fqdn?: boolean;
  /** Directions to isolate (default both). */
  readonly direction?: SynthesisDirection;
  /** Baseline rules switched off (all on by default). */
  readonly withoutBaseline?: readonly BaselineRule[];
  /** Also system namespaces (SYSTEM_NAMESPACES); implied when `namespace` names one. */
  readonly includeSystem?: boolean;
  /** Also workloads with no observed traffic in the window (each gets a deny-all policy). */
  readonly unobserved?: boolean;
  /** A subject observed for less than this (ms between its first and last flow) is flagged. Default one hour. */
  readonly shortSeenMs?: number;
  /**
   * Observed edges (`edgeId`) never to allow, with why (flagged by a finding): left out and
   * listed; the proof expects them denied.
   */
  readonly exclude?: Readonly<Record<string, string>>;
  /**
   * Allow cross-environment flows (a lower environment such as dev into a sensitive one such
   * as prod or finance, named as `diff` names them). Default: left out and listed.
   */
  readonly allowCrossEnvironment?: boolean;
  readonly environments?: import('../diff/types.ts').EnvironmentOptions;
}

export interface PortSpec {
  readonly protocol: Protocol;
  /** A number, or a container port name (resolved per pod) when every backend declares it. */
  readonly port: number | string;
}

export type PlannedPeer =
  /** A workload of the subject's cluster: selected by its stable selector (+ namespace). */
  | {
      readonly kind: 'workload';
      readonly id: string;
      readonly key: string;
      readonly cluster: string;
      readonly namespace: string;
      readonly selector: LabelSelector;
    }
  /** A workload of another cluster: ipBlocks of its pods (or the cluster CIDR), or Cilium's cluster label. */
  | {
      readonly kind: 'remote-workload';
      readonly id: string;
      readonly key: string;
      readonly cluster: string;
      readonly namespace: string;
      readonly selector?: LabelSelector;
      readonly cidrs: readonly string[];
      readonly viaClusterCidr: boolean;
    }
  /** Every pod of the subject's cluster (namespaceSelector: {}): the cluster DNS's clients. */
  | { readonly kind: 'any-pod'; readonly id: string; readonly cluster: string }
  /** Addresses: external peers, the API server's endpoints, node addresses, NodeLocal DNS, the whole internet. */
  | {
      readonly kind: 'cidr';
      readonly id: string;
      readonly what: 'external' | 'kube-apiserver' | 'node' | 'nodelocal-dns' | 'world' | 'dns-upstream';
      readonly cidrs: readonly string[];
      readonly fqdns: readonly string[];
      /** Cilium entity to use instead of the CIDRs. */
      readonly entity?: 'kube-apiserver' | 'remote-node' | 'host';
    }
  /** Cilium only: an entity with no address (reserved:world, reserved:remote-node, ...). */
  | { readonly kind: 'entity'; readonly id: string; readonly entity: 'world' | 'host' | 'remote-node' | 'kube-apiserver' };

export interface PlannedAllowance {
  readonly peer: PlannedPeer;
  readonly ports: readonly PortSpec[];
  /** Workload-level edges behind it. */
  readonly edges: readonly string[];
}

export interface PlannedRule {
  readonly peers: readonly PlannedPeer[];
  readonly ports: readonly PortSpec[];
}

export interface Evidence {
  readonly flows: number;
  readonly edges: number;
  readonly firstSeen?: number;
  readonly lastSeen?: number;
}

export interface SubjectPlan {
  /** workloadKey */
  readonly key: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly name: string;
  readonly selector: LabelSelector;
  readonly selectorSource: 'owner' | 'pod-labels';
  readonly pods: number;
  readonly ingress: readonly PlannedRule[];
  readonly egress: readonly PlannedRule[];
  readonly evidence: Evidence;
  /** ip/cidr -> FQDNs, kept as evidence. */
  readonly fqdns: Readonly<Record<string, readonly string[]>>;
  /** Cluster CIDR -> the remote workloads observed behind it (written as an annotation). */
  readonly remotePeers: Readonly<Record<string, readonly string[]>>;
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
}

/** A rule written because a cluster needs it, not because it was observed. */
export interface BaselineEntry {
  readonly rule: BaselineRule;
  /** The subject workload key, or `ns:` key for a namespace default-deny. */
  readonly subject: string;
  readonly direction: 'ingress' | 'egress';
  readonly what: string;
  readonly reason: string;
}

/** Observation coverage of one cluster. */
export interface ClusterCoverage {
  readonly cluster: string;
  /** First and last observed flow of the cluster's subjects (ms); undefined when none. */
  readonly firstSeen?: number;
  readonly lastSeen?: number;
  /** Workloads in scope with no observed traffic: no policy written (unless `unobserved`). */
  readonly neverSeen: readonly string[];
  /** Subjects observed for less than `shortSeenMs`: their policy may miss rare traffic. */
  readonly shortSeen: readonly { readonly key: string; readonly seenMs: number }[];
}

export type LeftOutReason =
  | 'host-traffic' // from the pod's own node: always allowed, no rule needed
  | 'unresolved' // reserved identity or unknown address: nothing to select
  | 'dropped' // DROPPED verdicts (use --include-dropped)
  | 'min-count'
  | 'since'
  | 'not-expressible' // ICMP and other protocols, or no port
  | 'no-stable-selector' // a peer no label set isolates
  | 'unknown-peer' // a workload with no pods in the inventory
  | 'flagged' // behind a finding: never allowed silently
  | 'exposed'; // an internet client of an exposed Service: covered by the exposed baseline rule

export interface LeftOut {
  readonly edge: string;
  readonly reason: LeftOutReason;
  readonly detail: string;
}

export interface SkippedSubject {
  readonly key: string;
  readonly reason: 'no-stable-selector' | 'host-network';
  readonly detail: string;
  /** A label to add to the pod template so a selector can isolate the workload. */
  readonly suggestedLabel?: Readonly<Record<string, string>>;
}

export interface SynthesisReport {
  readonly subjects: readonly SubjectPlan[];
  readonly skipped: readonly SkippedSubject[];
  readonly leftOut: readonly LeftOut[];
  /** Facts worth knowing that changed nothing (remote-node rules, aggregation, ...). */
  readonly notes: readonly string[];
  readonly defaultDenyNamespaces: readonly string[];
  readonly baseline: readonly BaselineEntry[];
  readonly coverage: readonly ClusterCoverage[];
  readonly shortSeenMs: number;
  readonly direction: SynthesisDirection;
}

/** A CiliumNetworkPolicy (cilium.io/v2), the fields netatlas writes. */
export interface CiliumNetworkPolicy {
  readonly apiVersion: 'cilium.io/v2';
  readonly kind: 'CiliumNetworkPolicy';
  readonly metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** Calico's staged form of a Kubernetes NetworkPolicy (projectcalico.org/v3): same spec, not enforced. */
export interface StagedKubernetesNetworkPolicy {
  readonly apiVersion: 'projectcalico.org/v3';
  readonly kind: 'StagedKubernetesNetworkPolicy';
  readonly metadata: V1NetworkPolicy['metadata'];
  readonly spec: V1NetworkPolicy['spec'];
}

export interface GeneratedPolicy {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** The subject workload key, or undefined for a namespace default-deny. */
  readonly subject?: string;
  readonly object: V1NetworkPolicy | CiliumNetworkPolicy | StagedKubernetesNetworkPolicy;
}

export interface SynthesisResult {
  readonly policies: readonly GeneratedPolicy[];
  /**
   * The NetworkPolicy rendering of the same plan in the project's own shape, whatever the
   * output format: what the proof evaluates.
   */
  readonly networkPolicies: readonly import('../model/policy.ts').NetworkPolicyInfo[];
  readonly report: SynthesisReport;
  /**
   * Observed allowed edges touching the scope that passed the filters (min-count, since, verdicts,
   * protocol): what the proof checks, whether or not a rule could be written for them.
   */
  readonly allowedEdges: readonly FlowEdge[];
  /** Pod-level detail of the allowed edges (the input's `level: 'pod'` edges with allowed connections). */
  readonly podEdges: readonly FlowEdge[];
  /** Workload keys in scope (subjects). */
  readonly scope: readonly string[];
}
