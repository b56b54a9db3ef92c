/**
 * Shapes of the diff: intended policies against observed traffic, one policy set against
 * another, and risk findings with a score per component. Plain data: every result is
 * JSON-serializable (connection sets travel as their text form).
 */
import type { SourceLocation } from '../model/errors.ts';
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory, Protocol } from '../model/inventory.ts';
import type { AdminNetworkPolicyInfo, CalicoPolicyInfo, CalicoTierInfo, CiliumNetworkPolicyInfo, NetworkPolicyInfo } from '../model/policy.ts';
import type { EngineOptions } from '../semantics/types.ts';

/** A set of intended policies, evaluated on the snapshot's pods and namespaces. */
export interface PolicySet {
  readonly networkPolicies: readonly NetworkPolicyInfo[];
  readonly adminNetworkPolicies?: readonly AdminNetworkPolicyInfo[];
  /** Kinds a set may leave out: the snapshot's own are evaluated then. */
  readonly ciliumNetworkPolicies?: readonly CiliumNetworkPolicyInfo[];
  readonly calicoPolicies?: readonly CalicoPolicyInfo[];
  readonly calicoTiers?: readonly CalicoTierInfo[];
}

export interface DiffInput {
  /** The snapshot: pods, namespaces, services, nodes (and its own policies). */
  readonly inventory: Inventory;
  /** Observed edges (workload level; `level: 'pod'` edges, when present, give the pod pairs to evaluate). */
  readonly edges: readonly FlowEdge[];
  /** The intended policies; default: the snapshot's own. */
  readonly intended?: PolicySet;
  readonly engine?: EngineOptions;
}

/**
 * - allowed: observed (not dropped) and allowed by the intended policies;
 * - blocked: observed as DROPPED and denied by the intended policies;
 * - would-break: observed and forwarded, but the intended policies deny it;
 * - unexplained-drop: observed as DROPPED although the intended policies allow it;
 * - unevaluated: an end the engine cannot place (a reserved identity with no address, an
 *   unknown address) or a protocol NetworkPolicy does not describe (ICMP).
 */
export type EdgeClass = 'allowed' | 'blocked' | 'would-break' | 'unexplained-drop' | 'unevaluated';
export const EDGE_CLASSES: readonly EdgeClass[] = ['would-break', 'unexplained-drop', 'blocked', 'allowed', 'unevaluated'];

export interface ObservedRow {
  readonly class: EdgeClass;
  /** flowEdgeKey of the workload-level edge. */
  readonly edge: string;
  readonly source: string;
  readonly destination: string;
  readonly protocol: string;
  readonly port?: number;
  readonly service?: string;
  readonly connections: number;
  /** Connections not refused (FORWARDED, REDIRECTED, ...). */
  readonly forwarded: number;
  readonly dropped: number;
  readonly dropReasons?: Readonly<Record<string, number>>;
  readonly interCluster: boolean;
  /** Whether the intended policies allow it (undefined when unevaluated). */
  readonly intendedAllowed?: boolean;
  readonly deniedBy?: 'egress' | 'ingress';
  /** The pods (or addresses) the engine evaluated, `pod:...` or an IP. */
  readonly evaluated?: { readonly source: string; readonly destination: string };
  /** Rules that matched (`cluster/ns/NetworkPolicy/name ingress[0]`), in evaluation order. */
  readonly rules: readonly string[];
  /** The engine's explanation, one line each (or why it could not evaluate). */
  readonly explanation: readonly string[];
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface UnusedRow {
  /** Workload key or IPv4 range `a.b.c.d-e.f.g.h`. */
  readonly source: string;
  readonly destination: string;
  readonly sourceKind: 'workload' | 'range';
  readonly destinationKind: 'workload' | 'range';
  /** What the intended policies allow for the pair (`All Connections`, `TCP 80,UDP 53`). */
  readonly allowed: string;
  /** The part of it no observed flow used. */
  readonly unused: string;
  /** Number of (protocol, port) values in `unused`. */
  readonly ports: number;
  readonly interCluster: boolean;
  /** The engine's explanation for one unused port of the pair. */
  readonly explanation: readonly string[];
}

export interface SurfaceSize {
  /** Pairs (workload -> workload, workload <-> external range) with unused allowed connections. */
  readonly pairs: number;
  /** Sum over those pairs of unused (protocol, port) values. */
  readonly ports: number;
  readonly workloadPairs: number;
  readonly externalPairs: number;
}

export interface SurfaceChange {
  readonly before: SurfaceSize;
  readonly after: SurfaceSize;
  readonly pairsRemoved: number;
  readonly portsRemoved: number;
  /** Share of the baseline's unused ports the intended set removes, 0..100 (one decimal). */
  readonly portsRemovedPercent: number;
}

export interface DiffResult {
  /** Observed edges, ordered by class (EDGE_CLASSES) then edge key. */
  readonly observed: readonly ObservedRow[];
  readonly counts: Readonly<Record<EdgeClass, number>>;
  /** Allowed but unobserved, ranked by unused ports (largest first), then by names. */
  readonly unused: readonly UnusedRow[];
  readonly surface: SurfaceSize;
  /** Set when a baseline (the snapshot's own policies) was compared: how much the intended set shrinks the surface. */
  readonly surfaceChange?: SurfaceChange;
  /** Rule ids some observed, not dropped, edge matched with an Allow. */
  readonly usedRules: readonly string[];
  /** Invalid intended policies and other problems, one line each. */
  readonly problems: readonly string[];
}

export interface PolicyPairDiff {
  readonly source: string;
  readonly destination: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Allowed under A / under B. */
  readonly a: string;
  readonly b: string;
  /** B minus A, A minus B. */
  readonly added: string;
  readonly removed: string;
  readonly addedPorts: number;
  readonly removedPorts: number;
}

export interface PolicySetDiff {
  readonly pairs: readonly PolicyPairDiff[];
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  /** Pairs where A allows something B does not (A is looser there). */
  readonly looserInA: number;
  readonly looserInB: number;
}

export type Severity = 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

export type FindingKind =
  | 'would-break'
  | 'unexplained-drop'
  | 'observed-drop'
  | 'cross-environment'
  | 'inter-cluster-sensitive'
  | 'world-exposed'
  | 'unprotected'
  | 'no-default-deny'
  | 'allow-all'
  | 'unused-rule'
  | 'host-network'
  | 'privileged';
export const FINDING_KINDS: readonly FindingKind[] = [
  'would-break', 'unexplained-drop', 'observed-drop', 'cross-environment', 'inter-cluster-sensitive', 'world-exposed',
  'unprotected', 'no-default-deny', 'allow-all', 'unused-rule', 'host-network', 'privileged',
];

export type ComponentLevel = 'cluster' | 'namespace' | 'workload' | 'pod';

export interface Finding {
  /** Stable: `<kind>:<subject>[#detail]`. */
  readonly id: string;
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly level: ComponentLevel;
  /** Graph key of the component: `cluster:`, `ns:`, `wl:` or `pod:`. */
  readonly subject: string;
  /** Other components it concerns (the other end of an edge, workloads a policy selects). */
  readonly related: readonly string[];
  readonly title: string;
  readonly evidence: readonly string[];
  /** The generated least-privilege policy for the subject, as YAML (when a generator was given). */
  readonly remediation?: string;
  /** A policy file and object, when the finding is about a policy. */
  readonly location?: SourceLocation;
}

export interface ComponentScore {
  readonly key: string;
  readonly level: ComponentLevel;
  /** 0..100, see docs/diff.md. */
  readonly score: number;
  readonly findings: number;
  readonly worst?: Severity;
}

export interface EnvironmentOptions {
  /** Name tokens / label values of lower environments. */
  readonly lower?: readonly string[];
  /** Name tokens / label values of sensitive environments. */
  readonly sensitive?: readonly string[];
  /** Namespace and cluster labels that name an environment. */
  readonly labelKeys?: readonly string[];
}

export interface RiskInput extends DiffInput {
  /** A diff already computed on the same input (else computed here). */
  readonly diff?: DiffResult;
  /**
   * The remediation YAML for a workload or namespace key (`wl:...`, `ns:...`); `flagged` holds
   * the observed edges (flowEdgeKey -> why) behind findings, which it must not allow.
   */
  readonly remediation?: (subject: string, flagged: ReadonlyMap<string, string>) => string | undefined;
  readonly environments?: EnvironmentOptions;
  /** Cluster labels (e.g. from the user), by cluster name. */
  readonly clusterLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface RiskResult {
  /** Ordered by severity, kind, subject, id. */
  readonly findings: readonly Finding[];
  readonly scores: readonly ComponentScore[];
  readonly counts: Readonly<Record<Severity, number>>;
}

export type { Protocol };
