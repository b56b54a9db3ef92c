/**
 * JSON shapes of every route under /api/v1. Types only: the web imports this file, so it must
 * never gain a runtime import. Times are ms since epoch; keys are the graph keys built by
 * generator/model/keys.ts (`wl:prod/shop/Deployment/web`, `ext:1.2.3.4`, ...).
 */
import type { GraphNodeKind, Level, L4Protocol, Verdict, VerdictCounts, WorkloadKind } from '../../generator/model/index.ts';

import type { SourceState, SourceStatusOf } from '../sources/types.ts';

export type { Level, L4Protocol, Verdict, VerdictCounts, GraphNodeKind };

/** Every error answer (400, 401, 404, 413, 429, 500, 501). */
export interface ApiError {
  /** Human message: what was wrong and how to fix it. */
  readonly error: string;
  /** Stable machine code: 'bad_request' | 'unauthorized' | 'not_found' | 'too_large' | 'rate_limited' | 'not_implemented' | 'internal'. */
  readonly code: string;
}

// ---------------------------------------------------------------- clusters and sources

export type SourceKind = 'demo' | 'inventory-file' | 'flows-file' | 'flows-follow' | 'hubble-relay' | 'goldmane' | 'kubernetes';
export type { SourceState };
export type SourceStatus = SourceStatusOf<SourceKind>;

export interface ClusterStatus {
  readonly name: string;
  /** The worst state among its sources ('connected' when it has none live and its files are read). */
  readonly state: SourceState;
  readonly counts: { readonly namespaces: number; readonly workloads: number; readonly pods: number; readonly services: number; readonly networkPolicies: number };
  readonly sources: readonly SourceStatus[];
}

/** GET /api/v1/clusters */
export interface ClustersResponse {
  readonly clusters: readonly ClusterStatus[];
  /** Every source, including those feeding several clusters (a multi-cluster flow file). */
  readonly sources: readonly SourceStatus[];
}

// ---------------------------------------------------------------- graph

/** Query of GET /api/v1/graph and GET /api/v1/events (same filters). All optional. */
export interface GraphQuery {
  /** Default 'workload'. */
  readonly level?: Level;
  /** Comma-separated cluster names. */
  readonly cluster?: string;
  /** Comma-separated namespace names. */
  readonly namespace?: string;
  /** Comma-separated verdicts: an edge is kept if it has at least one flow with one of them. */
  readonly verdict?: string;
  /** Comma-separated: TCP, UDP, SCTP, ICMPv4, ICMPv6, OTHER. */
  readonly protocol?: string;
  /** A port `443` or a range `8000-8100`. */
  readonly port?: string;
  /** ms since epoch or ISO-8601 date, or a duration back from now (`15m`, `24h`, `7d`). */
  readonly since?: string;
  readonly until?: string;
  /** `1` hides DNS, monitoring and kube-system workloads and their edges. */
  readonly hideInfra?: '1' | '0';
}

export interface ApiNode {
  readonly key: string;
  readonly kind: GraphNodeKind;
  readonly label: string;
  readonly cluster?: string;
  readonly namespace?: string;
  /** Key of the enclosing node one level up (pod -> workload -> namespace -> cluster). */
  readonly parent?: string;
  readonly workloadKind?: WorkloadKind;
  readonly infra?: 'dns' | 'monitoring' | 'system';
  /** Label values are attacker-controlled: render as text, never as HTML. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly ip?: string;
  readonly ips?: readonly string[];
  readonly fqdns?: readonly string[];
  /** Pods under it (workload, namespace, cluster levels). */
  readonly pods?: number;
}

export interface ApiEdge {
  /** Edge key at the requested level: `source->target|protocol|port`. */
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly protocol: L4Protocol;
  /** Destination port; absent for ICMP. */
  readonly port?: number;
  readonly count: number;
  readonly verdicts: VerdictCounts;
  readonly dropReasons?: Readonly<Record<string, number>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly interCluster: boolean;
  /** Service key the traffic was addressed to, and its port. */
  readonly service?: string;
  readonly servicePort?: number;
}

export interface GraphStats {
  readonly nodes: number;
  readonly edges: number;
  /** Sum of edge counts. */
  readonly flows: number;
  /** Edges with at least one DROPPED flow. */
  readonly droppedEdges: number;
  readonly interClusterEdges: number;
  readonly clusters: number;
  /** Delta sequence number this answer reflects: resume /events from here. */
  readonly seq: number;
  readonly generatedAt: number;
}

/** GET /api/v1/graph */
export interface GraphResponse {
  readonly level: Level;
  readonly nodes: readonly ApiNode[];
  readonly edges: readonly ApiEdge[];
  readonly stats: GraphStats;
}

// ---------------------------------------------------------------- details

export interface PolicyRef {
  /** `cluster/namespace/NetworkPolicy/name` or `cluster/AdminNetworkPolicy/name`. */
  readonly key: string;
  readonly kind: 'NetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy' | 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy';
  readonly cluster: string;
  readonly namespace?: string;
  readonly name: string;
}

export type FindingSeverity = 'high' | 'medium' | 'low' | 'info';

export interface Finding {
  readonly id: string;
  readonly severity: FindingSeverity;
  /** Stable code, e.g. 'dropped-flow', 'unprotected-workload', 'inter-cluster-exposure'. */
  readonly code: string;
  readonly message: string;
  /** Node or edge keys it is about. */
  readonly subjects: readonly string[];
}

/** GET /api/v1/nodes/:key (the key URL-encoded). */
export interface NodeDetailResponse {
  readonly node: ApiNode;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Controller owner for pods/workloads (`ReplicaSet/web-5d9f`, `Deployment/web`). */
  readonly owner?: { readonly kind: string; readonly name: string };
  readonly pods: readonly ApiNode[];
  readonly inEdges: readonly ApiEdge[];
  readonly outEdges: readonly ApiEdge[];
  /** Policies selecting it; null when the policy engine is not available. */
  readonly policies: readonly PolicyRef[] | null;
  readonly findings: readonly Finding[];
}

export interface SampleFlow {
  readonly time: number;
  readonly verdict: Verdict;
  readonly protocol: L4Protocol;
  readonly sourceIp?: string;
  readonly sourcePort?: number;
  readonly destinationIp?: string;
  readonly port?: number;
  readonly sourcePod?: string;
  readonly destinationPod?: string;
  readonly dropReason?: string;
  readonly l7?: string;
}

export interface EdgeExplanation {
  readonly verdict: 'allowed' | 'denied' | 'unknown';
  /** One sentence: which rule allows or denies it, or why it cannot be told. */
  readonly reason: string;
  /** The policies whose rules matched, and for a denial those isolating the denied direction. */
  readonly policies: readonly PolicyRef[];
  /** The rule chain in evaluation order (egress of the source, then ingress of the destination), e.g. `NetworkPolicy shop/web ingress[0]: Allow`. */
  readonly rules?: readonly string[];
  /** The representative pair evaluated (pod keys or addresses). */
  readonly evaluated?: { readonly source: string; readonly destination: string };
  /**
   * What the flow sources themselves named as deciding the edge's connections (Calico policy
   * hits), beside the engine's verdict; absent when no stored connection names a policy.
   */
  readonly observed?: ObservedPolicies;
}

/** Policy hits the flow sources reported for an edge's connections, and whether they agree with the engine. */
export interface ObservedPolicies {
  /** denied when any connection was denied by a named policy, else allowed. */
  readonly verdict: 'allowed' | 'denied';
  /** Most connections first. */
  readonly policies: ReadonlyArray<{ readonly policy: string; readonly verdict: 'allowed' | 'denied'; readonly connections: number }>;
  /** undecided: the engine's verdict is unknown, so there is nothing to compare with. */
  readonly agreement: 'agrees' | 'disagrees' | 'undecided';
  /** One sentence saying what agrees or differs. */
  readonly reason: string;
}

/** GET /api/v1/edges/:key (the key URL-encoded, at any level). */
export interface EdgeDetailResponse {
  readonly edge: ApiEdge;
  readonly sourceNode: ApiNode;
  readonly targetNode: ApiNode;
  /** The workload/pod-level edges aggregated into it (ports, counts). */
  readonly parts: readonly ApiEdge[];
  /** The most recent flows seen on it (bounded). */
  readonly samples: readonly SampleFlow[];
  /** null when the policy engine is not available. */
  readonly explanation: EdgeExplanation | null;
}

// ---------------------------------------------------------------- policies, generate, diff, findings

export interface ApiPolicy extends PolicyRef {
  /** The normalized policy (generator/model/policy.ts shape) as JSON. */
  readonly spec: unknown;
}

/** GET /api/v1/policies?cluster=&namespace= */
export interface PoliciesResponse {
  readonly policies: readonly ApiPolicy[];
}

/** POST /api/v1/generate (JSON body, <= 1 MB). */
export interface GenerateRequest {
  readonly selection: {
    /** Node keys (workloads, namespaces, clusters) to generate policies for. Empty = everything. */
    readonly nodes?: readonly string[];
    readonly cluster?: string;
    readonly namespace?: string;
  };
}

export interface GenerateResponse {
  /** Multi-document YAML (NetworkPolicy objects). */
  readonly yaml: string;
  readonly policies: number;
  readonly warnings: readonly string[];
  /** The proof of the set: it is safe to apply only when broken and unproven are both 0. */
  readonly proof?: { readonly broken: number; readonly unproven: number; readonly extra: number };
}

export interface DiffItem {
  /** 'blocked' (observed, denied), 'unused' (allowed, never seen), 'unexpected' (observed, allowed but not intended), ... */
  readonly kind: string;
  readonly message: string;
  readonly subjects: readonly string[];
}

/** GET /api/v1/diff */
export interface DiffResponse {
  readonly items: readonly DiffItem[];
  readonly summary: Readonly<Record<string, number>>;
}

/** GET /api/v1/findings */
export interface FindingsResponse {
  readonly findings: readonly Finding[];
}

/** GET /api/v1/histogram: connections per time bucket, from the store's buckets. */
export interface HistogramResponse {
  /** The first ms covered: `from` rounded down to the store's resolution. */
  readonly from: number;
  /** The first ms after the last slot covered (exclusive). */
  readonly to: number;
  /** The store's slot width the counts were read at: 3,600,000 (hour) or 60,000 (minute). */
  readonly resolutionMs: number;
  /** Each bucket's width: a whole number of slots. */
  readonly bucketMs: number;
  readonly buckets: ReadonlyArray<{ readonly start: number; readonly count: number }>;
  /** The sum of the buckets' counts. */
  readonly total: number;
}

/** One end of a connection in GET /api/v1/flows. */
export interface FlowEnd {
  readonly cluster?: string;
  readonly namespace?: string;
  /** The pod's name, when the address resolved to a pod at the connection's time. */
  readonly pod?: string;
  /** The workload key (generator/model/keys.ts) the end was resolved to, as the graph's edges use. */
  readonly workload?: string;
  readonly ip?: string;
  readonly port?: number;
}

/**
 * One connection behind an edge: every flow report of the same connection (5-tuple within the
 * connection cache's lifetime) folded into one row.
 */
export interface FlowRow {
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly source: FlowEnd;
  readonly destination: FlowEnd;
  readonly protocol: L4Protocol;
  /** Where the flow was observed, e.g. "hubble:to-endpoint", "calico:src", "gadget". */
  readonly observationPoint?: string;
  /** The strongest verdict among the folded reports (dropped > denied > allowed > unknown). */
  readonly verdict: Verdict;
  readonly dropReason?: string;
  /** The policy the flow source names as deciding (Calico policy hits, Hubble policy names). */
  readonly policy?: string;
  /** Flow reports folded into this row. */
  readonly reports: number;
}

/**
 * GET /api/v1/flows?edge=<edge key>&from=&to=&verdict=&q=&cursor=&limit=
 * Newest connection first; `q` matches pod, namespace, address or port text; `limit` 1..500,
 * default 50; `nextCursor` is opaque and absent on the last page.
 */
export interface FlowsResponse {
  readonly edge: string;
  readonly rows: readonly FlowRow[];
  /** Connections matching the query (all pages). */
  readonly total: number;
  readonly nextCursor?: string;
  /**
   * The store keeps at most `perEdgeMinute` connections per edge and minute; `capped` says some
   * minute in the range reached it, so `total` is a lower bound.
   */
  readonly kept: { readonly perEdgeMinute: number; readonly capped: boolean };
}

// ---------------------------------------------------------------- health

/** GET /api/v1/healthz: the process answers. */
export interface HealthResponse {
  readonly status: 'ok';
  readonly uptimeSeconds: number;
}

/** GET /api/v1/readyz: 200 when every source has answered once and the store is open, else 503. */
export interface ReadyResponse {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

// ---------------------------------------------------------------- events (SSE)

/**
 * GET /api/v1/events?<GraphQuery>: `text/event-stream`. Events:
 * - `delta` (id = seq): a batch of changes projected at the query's level and filters;
 * - `reset`: the Last-Event-ID is older than the server's delta log: refetch /graph;
 * - `sources`: source statuses changed (data: ClustersResponse['sources']).
 * At most a few `delta` events per second; a comment line every 15 s keeps proxies open.
 * Resume by reconnecting with the `Last-Event-ID` header (browsers do it) or `?lastEventId=`.
 */
export interface GraphDelta {
  readonly seq: number;
  readonly time: number;
  /** Nodes that appeared or changed. */
  readonly nodes: readonly ApiNode[];
  /** Edges that appeared or changed: full current values (replace, do not add). */
  readonly edges: readonly ApiEdge[];
  /** Keys of edges dropped (retention). */
  readonly removedEdges: readonly string[];
  readonly removedNodes: readonly string[];
}

export interface ResetEvent {
  readonly seq: number;
  readonly reason: string;
}

export type SseEventName = 'delta' | 'reset' | 'sources';
