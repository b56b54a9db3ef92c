/**
 * Public shapes of the policy engine. Other parts (synthesis proof, diff, server node/edge
 * detail) program against these.
 */
import type { ValidationError, Warning } from '../model/errors.ts';
import type { NamespaceInfo, NodeInfo, PodInfo, Protocol } from '../model/inventory.ts';
import type { WorkloadKind } from '../model/keys.ts';
import type { AdminNetworkPolicyInfo, CalicoNetworkSetInfo, CalicoPolicyInfo, CalicoTierInfo, CiliumNetworkPolicyInfo, NetworkPolicyInfo } from '../model/policy.ts';
import type { ConnectionSet } from './ports.ts';

/** What the engine needs. An `Inventory` is a superset and can be passed as is. */
export interface PolicySnapshot {
  readonly namespaces: readonly NamespaceInfo[];
  readonly pods: readonly PodInfo[];
  readonly networkPolicies: readonly NetworkPolicyInfo[];
  /** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy (both tiers). */
  readonly adminNetworkPolicies: readonly AdminNetworkPolicyInfo[];
  /** CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy: in the NetworkPolicy tier, deny rules first. */
  readonly ciliumNetworkPolicies?: readonly CiliumNetworkPolicyInfo[];
  /** Calico NetworkPolicy and GlobalNetworkPolicy: in Calico's tiers, which take the NetworkPolicy tier's place. */
  readonly calicoPolicies?: readonly CalicoPolicyInfo[];
  /** Calico Tier objects (order, defaultAction); the `default` tier exists without one. */
  readonly calicoTiers?: readonly CalicoTierInfo[];
  /** Calico NetworkSet and GlobalNetworkSet objects: the addresses rule selectors match besides endpoints. */
  readonly calicoNetworkSets?: readonly CalicoNetworkSetInfo[];
  readonly nodes?: readonly NodeInfo[];
}

export interface EngineOptions {
  /**
   * Whether NetworkPolicy ipBlock peers also match pod IPs. Implementation-defined:
   * Calico yes, Cilium no. Default false.
   */
  readonly ipBlockMatchesPods?: boolean;
  /**
   * Whether hostNetwork pods are selected and isolated like other pods (some CNIs and
   * analyzers read them so). Default false: they are node traffic, which no policy selects.
   */
  readonly hostNetworkAsPods?: boolean;
  /**
   * The CNI enforcing the policies, where it changes their reading. `cilium`: every pod carries
   * Cilium's identity labels (io.kubernetes.pod.namespace, io.cilium.k8s.policy.serviceaccount,
   * io.cilium.k8s.policy.cluster, io.cilium.k8s.namespace.labels.*) for every kind's selectors.
   * Implied when the snapshot holds Cilium policies. `calico`: NetworkPolicies are read as
   * Calico runs them (policies of its `default` tier, order 1000, among Calico's tiers). Implied
   * when the snapshot holds Calico policies. Default: none.
   */
  readonly cni?: 'cilium' | 'calico';
}

/** One end of a connection: a pod, or an address (outside the cluster, or a node's). */
export type Peer = { readonly kind: 'pod'; readonly pod: PodInfo } | { readonly kind: 'ip'; readonly ip: string };

export type Direction = 'ingress' | 'egress';

export interface ConnectionQuery {
  readonly src: Peer;
  readonly dst: Peer;
  readonly protocol: Protocol;
  readonly port: number;
}

/**
 * The precedence layer a rule takes part in, named after the kind that introduced it:
 * `AdminNetworkPolicy` is the Admin tier (ANP and Admin-tier ClusterNetworkPolicy),
 * `BaselineAdminNetworkPolicy` the Baseline tier (BANP and Baseline-tier ClusterNetworkPolicy).
 * The policy's own kind is `PolicyKind`.
 */
export type PolicyTier = 'AdminNetworkPolicy' | 'NetworkPolicy' | 'BaselineAdminNetworkPolicy';
export type PolicyKind =
  | 'NetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy'
  | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy'
  | 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy';
/** As written in the policy (`Accept` is ClusterNetworkPolicy's `Allow`). */
export type RuleAction = 'Allow' | 'Accept' | 'Deny' | 'Pass' | 'Log';

/** A rule that matched the connection (peer and port), in evaluation order. */
export interface MatchedRule {
  /** `cluster/namespace/NetworkPolicy/name` or `cluster/AdminNetworkPolicy/name`. */
  readonly policy: string;
  readonly tier: PolicyTier;
  /** The policy's kind (absent on rules built before kinds were recorded: read `tier` then). */
  readonly kind?: PolicyKind;
  readonly name: string;
  readonly namespace?: string;
  readonly priority?: number;
  readonly direction: Direction;
  /** Index of the rule in the policy's ingress/egress list. */
  readonly ruleIndex: number;
  /** ANP/BANP rule name. */
  readonly ruleName?: string;
  readonly action: RuleAction;
  /** Calico policies: the Calico tier and the policy's order. */
  readonly calicoTier?: string;
  readonly order?: number;
}

export type DecidedBy =
  | 'not-subject' // the peer is an address or a hostNetwork pod: no policy applies in this direction
  | 'self' // a pod's traffic to itself
  | 'node' // traffic from the pod's own node
  | PolicyTier
  | 'default'; // nothing isolates the pod and nothing matched: allowed

export interface DirectionVerdict {
  readonly direction: Direction;
  readonly allowed: boolean;
  readonly decidedBy: DecidedBy;
  /** NetworkPolicies selecting the pod whose effective policyTypes include this direction. */
  readonly isolatedBy: readonly string[];
  readonly matchedRules: readonly MatchedRule[];
  /** One sentence. */
  readonly reason: string;
}

export interface ConnectionVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
  /** Human explanation, one line each. */
  readonly explanation: readonly string[];
}

export interface SelectingPolicy {
  readonly policy: string;
  readonly tier: PolicyTier;
  readonly kind?: PolicyKind;
  readonly name: string;
  readonly namespace?: string;
  readonly priority?: number;
  /** For NetworkPolicy: whether its effective policyTypes include the direction (it isolates). */
  readonly isolates: boolean;
}

export type MapPeer =
  | {
      readonly kind: 'workload';
      readonly cluster: string;
      readonly namespace: string;
      readonly workloadKind: WorkloadKind;
      readonly name: string;
      readonly pods: number;
    }
  | { readonly kind: 'range'; readonly start: number; readonly end: number };

export interface ConnectivityRow {
  /** `namespace/name[Kind]` (prefixed by `cluster/` when several clusters) or `a.b.c.d-e.f.g.h`. */
  readonly src: string;
  readonly dst: string;
  /** `All Connections` or e.g. `TCP 1-79,81-65535,UDP 53`. */
  readonly conn: string;
  readonly srcPeer: MapPeer;
  readonly dstPeer: MapPeer;
  readonly connections: ConnectionSet;
}

export interface ValidationResult {
  readonly errors: readonly ValidationError[];
  readonly warnings: readonly Warning[];
}

export interface PolicyEngine {
  /** The options in effect; `cni` is absent when none was given or implied. */
  readonly options: Required<Omit<EngineOptions, 'cni'>> & Pick<EngineOptions, 'cni'>;
  /** Invalid objects (left out of evaluation) and warnings, as validatePolicies reports them. */
  readonly validation: ValidationResult;
  /** The verdict for one connection (protocol, port), per direction, with the rules behind it. */
  evaluate(query: ConnectionQuery): ConnectionVerdict;
  /** Every (protocol, port) `src` may open to `dst`: egress of src AND ingress of dst. */
  allowedConnections(src: Peer, dst: Peer): ConnectionSet;
  /** One direction only (egress of src, or ingress of dst). */
  allowedInDirection(src: Peer, dst: Peer, direction: Direction): ConnectionSet;
  /**
   * Workload-level map: every ordered pair of workloads and external IPv4 ranges (split at
   * every CIDR the policies mention) with a non-empty connection set; self pairs omitted.
   */
  connectivityMap(): ConnectivityRow[];
  /** Policies whose subject/podSelector selects the pod, for a direction, in evaluation order. */
  policiesSelecting(pod: PodInfo, direction: Direction): SelectingPolicy[];
  /** The external IPv4 ranges of the map (the partition by every CIDR the policies mention). */
  externalRanges(): readonly { readonly start: number; readonly end: number }[];
}
