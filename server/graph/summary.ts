/** Counts that describe a connectivity graph: what `netatlas graph -o summary` prints. */
import type { FlowEdge, GraphNode, GraphNodeKind, VerdictCounts } from '../../generator/model/index.ts';
import type { MultiDirectedGraph } from 'graphology';

export interface GraphSummary {
  readonly clusters: string[];
  readonly nodes: Partial<Record<GraphNodeKind, number>>;
  /** Workload-level edges. */
  readonly edges: number;
  readonly podEdges: number;
  readonly interClusterEdges: number;
  /** Connections counted on workload-level edges. */
  readonly connections: number;
  readonly verdicts: VerdictCounts;
}

export function summarizeGraph(graph: MultiDirectedGraph<GraphNode, FlowEdge>): GraphSummary {
  const nodes: Partial<Record<GraphNodeKind, number>> = {};
  const clusters: string[] = [];
  graph.forEachNode((_key, a) => {
    nodes[a.kind] = (nodes[a.kind] ?? 0) + 1;
    if (a.kind === 'cluster') clusters.push(a.cluster);
  });
  let edges = 0;
  let podEdges = 0;
  let interClusterEdges = 0;
  let connections = 0;
  const verdicts: VerdictCounts = {};
  graph.forEachEdge((_key, e) => {
    if (e.level === 'pod') {
      podEdges++;
      return;
    }
    edges++;
    if (e.interCluster) interClusterEdges++;
    connections += e.count;
    for (const [v, n] of Object.entries(e.verdicts)) {
      const k = v as keyof VerdictCounts;
      verdicts[k] = (verdicts[k] ?? 0) + (n ?? 0);
    }
  });
  return { clusters: clusters.sort(), nodes, edges, podEdges, interClusterEdges, connections, verdicts };
}
