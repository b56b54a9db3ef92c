/**
 * A generated estate for development without a server and for the browser benchmark:
 * `clusters` clusters, namespaces of uneven size, workloads and edges with a realistic mix
 * (mostly within a namespace, some across namespaces, a few across clusters, some to
 * external peers), verdicts mostly forwarded. Deterministic for a given seed. Dev-only: the
 * app never imports it.
 */
import { externalKey, flowEdgeKey, namespaceKey, workloadKey } from '../../../generator/model/index.ts';
import type { ApiEdge, ApiNode, GraphResponse } from '../types.ts';

export interface EstateSize {
  readonly clusters: number;
  readonly workloads: number;
  readonly edges: number;
  readonly seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export function syntheticEstate(size: EstateSize): GraphResponse {
  const rand = rng(size.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nodes: ApiNode[] = [];
  const byNs: ApiNode[][] = [];
  const byCluster: ApiNode[][] = [];
  const perCluster = Math.ceil(size.workloads / size.clusters);
  const nsPerCluster = Math.max(2, Math.round(Math.sqrt(perCluster) / 2.5));
  let made = 0;
  for (let c = 0; c < size.clusters; c++) {
    const cluster = `cluster-${c}`;
    const inCluster: ApiNode[] = [];
    for (let n = 0; n < nsPerCluster; n++) {
      const namespace = n === 0 ? 'kube-system' : `team-${n}`;
      const list: ApiNode[] = [];
      // uneven namespaces: a few large, many small
      const share = Math.max(1, Math.round((perCluster / nsPerCluster) * (0.3 + 1.4 * rand())));
      for (let w = 0; w < share && made < size.workloads; w++, made++) {
        const name = n === 0 && w === 0 ? 'coredns' : `svc-${c}-${n}-${w}`;
        const node: ApiNode = {
          key: workloadKey(cluster, namespace, 'Deployment', name), kind: 'workload', label: name, cluster, namespace,
          parent: namespaceKey(cluster, namespace), workloadKind: 'Deployment', labels: { app: name, team: namespace }, pods: 1 + Math.floor(rand() * 4),
          ...(n === 0 && w === 0 ? { infra: 'dns' as const } : {}),
        };
        list.push(node);
        nodes.push(node);
      }
      if (list.length) { byNs.push(list); inCluster.push(...list); }
    }
    byCluster.push(inCluster);
  }
  const externals: ApiNode[] = [];
  for (let i = 0; i < Math.max(5, Math.round(size.workloads / 200)); i++) {
    const ip = `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const node: ApiNode = { key: externalKey(ip), kind: 'external', label: ip, ip };
    externals.push(node);
    nodes.push(node);
  }
  const edges: ApiEdge[] = [];
  const seen = new Set<string>();
  const clusterOf = new Map(nodes.map((n) => [n.key, n.cluster] as const));
  const ports = [80, 443, 8080, 9090, 5432, 6379, 7070, 3550, 50051];
  const t0 = Date.UTC(2026, 10, 1);
  let guard = 0;
  while (edges.length < size.edges && guard++ < size.edges * 5) {
    const r = rand();
    const ns = pick(byNs);
    const source = pick(ns);
    let target: ApiNode;
    if (r < 0.6) target = pick(ns);
    else if (r < 0.92) target = pick(byCluster[Number(source.cluster!.slice('cluster-'.length))]);
    else if (r < 0.97) target = pick(pick(byCluster));
    else target = pick(externals);
    if (target.key === source.key) continue;
    const port = pick(ports);
    const key = flowEdgeKey(source.key, target.key, 'TCP', port);
    if (seen.has(key)) continue;
    seen.add(key);
    const count = Math.max(1, Math.round(Math.exp(rand() * 9)));
    const v = rand();
    const verdicts = v < 0.94 ? { FORWARDED: count } : v < 0.98 ? { DROPPED: count } : { AUDIT: count };
    const first = t0 + Math.floor(rand() * 86_400_000);
    edges.push({
      key, source: source.key, target: target.key, protocol: 'TCP', port, count, verdicts, firstSeen: first, lastSeen: first + Math.floor(rand() * 3_600_000),
      interCluster: clusterOf.get(target.key) !== undefined && clusterOf.get(target.key) !== source.cluster,
    });
  }
  return {
    level: 'workload', nodes, edges,
    stats: {
      nodes: nodes.length, edges: edges.length, flows: edges.reduce((s, e) => s + e.count, 0),
      droppedEdges: edges.filter((e) => e.verdicts.DROPPED).length, interClusterEdges: edges.filter((e) => e.interCluster).length,
      clusters: size.clusters, seq: 0, generatedAt: t0,
    },
  };
}
