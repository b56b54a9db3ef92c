/**
 * The shapes the UI works on. They mirror the JSON of GET /api/v1/graph (see
 * server/http/api-types.ts and docs/api.md); the UI keeps its own narrow view so that a
 * field the server adds never breaks rendering, and a field it lacks degrades to a default.
 */
import type { GraphNodeKind, Level, Verdict, L4Protocol, VerdictCounts } from '../../generator/model/index.ts';

export type { Level, Verdict, L4Protocol, VerdictCounts, GraphNodeKind };

/** Diff categories of issue 5, plus `unobserved` for allowed-but-unobserved paths. */
export type DiffCategory = 'allowed' | 'blocked' | 'would-break' | 'unexplained-drop' | 'unobserved';
export const DIFF_CATEGORIES: readonly DiffCategory[] = ['allowed', 'blocked', 'would-break', 'unexplained-drop', 'unobserved'];

/** Node kinds the map draws: the model's kinds, plus `group` for a collapsed cluster/namespace. */
export type MapNodeKind = GraphNodeKind | 'group';

export interface MapNode {
  readonly key: string;
  readonly kind: MapNodeKind;
  readonly label: string;
  readonly cluster?: string;
  readonly namespace?: string;
  /** Key of the enclosing node one level up (workload for a pod, namespace for a workload...). */
  readonly parent?: string;
  readonly infra?: 'dns' | 'monitoring' | 'system';
  readonly labels?: Readonly<Record<string, string>>;
  readonly workloadKind?: string;
  readonly pods?: number;
  readonly fqdns?: readonly string[];
  readonly ip?: string;
  /** 0..100, from findings. */
  risk?: number;
  /** How many members a collapsed group stands for. */
  readonly members?: number;
}

export interface MapEdge {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly protocol: L4Protocol;
  readonly port?: number;
  count: number;
  verdicts: VerdictCounts;
  firstSeen: number;
  lastSeen: number;
  readonly interCluster: boolean;
  /** Present in diff mode. */
  diff?: DiffCategory;
  /** Name of the policy rule that allows or denies it, when the server knows it. */
  rule?: string;
}

export interface MapGraph {
  readonly nodes: MapNode[];
  readonly edges: MapEdge[];
}

export type { Finding, FindingSeverity, ApiNode, ApiEdge, GraphResponse, GraphDelta, NodeDetailResponse, EdgeDetailResponse,
  DiffResponse, DiffItem, FindingsResponse, GenerateRequest, GenerateResponse, ClustersResponse, ApiError, SampleFlow } from '../../server/http/api-types.ts';
