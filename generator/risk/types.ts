/**
 * Shapes of the risk analysis: per-workload scores with their parts, attack paths from entry
 * points to crown jewels over the connections the policies allow, and for each path the
 * smallest policy change that cuts it, with its proof. Plain, JSON-serializable data.
 */
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory } from '../model/inventory.ts';
import type { AttachedReport, SecurityReport } from '../model/security.ts';
import type { EngineOptions } from '../semantics/types.ts';

export interface RiskOptions {
  /** Crown jewels: workloads matching any of these selectors (`cluster=finance,app=ledger`), in addition to those carrying the `netatlas.io/crown-jewel=true` label or annotation. */
  readonly crownJewels?: readonly string[];
  /** Entry points: workloads matching any of these selectors. Default: the internet-exposed ones. */
  readonly entries?: readonly string[];
  readonly engine?: EngineOptions;
  /** Longest path searched, in hops (default 6). */
  readonly maxHops?: number;
  /** Paths kept, best first (default 20). */
  readonly maxPaths?: number;
  /**
   * Refuse estates with more workloads (default 2000): every ordered pair is evaluated, so the
   * time grows with the square (about 17 us a pair, 1,000 workloads about 17 s).
   */
  readonly maxWorkloads?: number;
}

export interface RiskInput {
  readonly inventory: Inventory;
  /** Observed flow edges (both levels, as the graph holds them). */
  readonly edges: readonly FlowEdge[];
}

/** One part of a score: its points and the facts behind them. */
export interface ScorePart {
  readonly points: number;
  /** The most this part can give. */
  readonly max: number;
  readonly facts: readonly string[];
}

export const SCORE_PARTS = ['exposure', 'reach', 'privilege', 'vulnerability', 'sensitivity'] as const;
export type ScorePartName = (typeof SCORE_PARTS)[number];

export interface VulnerabilitySummary {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  /** Critical or high with a fixed version. */
  readonly fixable: number;
  readonly maxScore?: number;
  /** Worst first: critical before high, fixable first, then by score. At most 10. */
  readonly top: readonly { readonly id: string; readonly severity: string; readonly score?: number; readonly package: string; readonly fixedVersion?: string }[];
  readonly secrets: number;
  readonly secretRules: readonly string[];
  readonly failedChecks: readonly string[];
}

export interface WorkloadRisk {
  /** `wl:` key. */
  readonly workload: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly score: number;
  readonly parts: Readonly<Record<ScorePartName, ScorePart>>;
  /** Reachable from the internet (a LoadBalancer/NodePort/external IP Service, and the policies allow it). */
  readonly internetExposed: boolean;
  readonly crownJewel: boolean;
  /** Likelihood (0..1) that an attacker who reaches it takes it over: see docs/risk.md. */
  readonly compromise: number;
  readonly vulnerabilities: VulnerabilitySummary;
  /**
   * The findings that touch it (GET /api/v1/risk fills them from the findings provider; absent
   * from `netatlas risk`), worst first.
   */
  readonly findings?: readonly WorkloadFinding[];
}

/** A finding of GET /api/v1/findings that touches a workload. */
export interface WorkloadFinding {
  readonly id: string;
  /** The finding kind (`unprotected-workload`, `inter-cluster-exposure`, ...). */
  readonly code: string;
  readonly severity: string;
  readonly title: string;
  /** How it touches the workload: about it, about one of its pods, about its namespace, or naming it as related. */
  readonly via: 'workload' | 'pod' | 'namespace' | 'related';
}

/** One hop of a path: `from` may reach `to` on `allowed`; observed or merely allowed. */
export interface PathHop {
  /** `internet` or a `wl:` key. */
  readonly from: string;
  readonly to: string;
  /** Connections the policies allow (`TCP 8080`, `All Connections`). */
  readonly allowed: string;
  readonly observed: boolean;
  /** Observed ports and connections, when observed. */
  readonly evidence: readonly string[];
  /** Likelihood the attacker takes over `to` (its compromise likelihood). */
  readonly likelihood: number;
}

export type CutStatus = 'cut' | 'impossible';

export interface PolicyChange {
  /** `cluster/namespace/NetworkPolicy/name`. */
  readonly policy: string;
  readonly action: 'modify' | 'add';
  /** The rules changed, e.g. `ingress[0]`. */
  readonly rules: readonly string[];
  /** The Kubernetes object to apply (a NetworkPolicy manifest). */
  readonly manifest: Record<string, unknown>;
  /** The manifest as YAML (filled in by the server, which owns the YAML writer). */
  readonly yaml?: string;
}

export interface CutProof {
  /** The hop cut no longer has any allowed connection (checked with the engine). */
  readonly hopDenied: boolean;
  /** Observed, allowed flows checked, and those the change would deny (must be none). */
  readonly observedChecked: number;
  readonly observedBroken: readonly string[];
  /** Observed flows the engine cannot evaluate (a reserved identity with no address, ICMP): neither kept nor broken, unknown. */
  readonly observedUnchecked: number;
  /** A few of them, for the report. */
  readonly uncheckedExamples: readonly string[];
  /** The path's other hops, re-checked (they may stay; the path is gone once one hop is). */
  readonly pathGone: boolean;
}

export interface PathCut {
  readonly status: CutStatus;
  /** The hop cut (index into hops). */
  readonly hop?: number;
  readonly changes: readonly PolicyChange[];
  readonly proof?: CutProof;
  /** Why no cut: each hop's observed flow that any cut would break, or the reason a hop has no expressible change. */
  readonly reasons: readonly string[];
}

export interface AttackPath {
  readonly id: string;
  readonly entry: string;
  readonly target: string;
  readonly hops: readonly PathHop[];
  /** Product of the hops' likelihoods. */
  readonly likelihood: number;
  /** The target's sensitivity, 0..1. */
  readonly impact: number;
  /** likelihood x impact: the rank. */
  readonly rank: number;
  readonly crossesClusters: boolean;
  readonly cut: PathCut;
}

export interface UnattachedReport {
  readonly report: SecurityReport;
  readonly reason: string;
}

export interface RiskResult {
  /** Highest score first. */
  readonly workloads: readonly WorkloadRisk[];
  readonly paths: readonly AttackPath[];
  readonly entries: readonly string[];
  readonly crownJewels: readonly string[];
  readonly reports: { readonly attached: readonly AttachedReport[]; readonly unattached: readonly UnattachedReport[] };
  /** Problems (invalid policies the engine left out, selectors matching nothing), one line each. */
  readonly problems: readonly string[];
}
