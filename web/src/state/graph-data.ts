/**
 * The UI's copy of the server graph: conversion from API answers, SSE delta merging, diff
 * and risk annotation. Pure: the map renderer subscribes to what changed.
 */
import type { ApiEdge, ApiNode, DiffCategory, DiffResponse, Finding, GraphDelta, MapEdge, MapGraph, MapNode } from '../types.ts';
import { DIFF_CATEGORIES } from '../types.ts';

export function toMapNode(n: ApiNode): MapNode {
  return {
    key: n.key,
    kind: n.kind,
    label: n.label,
    ...(n.cluster !== undefined ? { cluster: n.cluster } : {}),
    ...(n.namespace !== undefined ? { namespace: n.namespace } : {}),
    ...(n.parent !== undefined ? { parent: n.parent } : {}),
    ...(n.infra !== undefined ? { infra: n.infra } : {}),
    ...(n.labels !== undefined ? { labels: n.labels } : {}),
    ...(n.workloadKind !== undefined ? { workloadKind: n.workloadKind } : {}),
    ...(n.pods !== undefined ? { pods: n.pods } : {}),
    ...(n.fqdns !== undefined ? { fqdns: n.fqdns } : {}),
    ...(n.ip !== undefined ? { ip: n.ip } : {}),
  };
}

export function toMapEdge(e: ApiEdge): MapEdge {
  return {
    key: e.key,
    source: e.source,
    target: e.target,
    protocol: e.protocol,
    ...(e.port !== undefined ? { port: e.port } : {}),
    count: e.count,
    verdicts: { ...e.verdicts },
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    interCluster: e.interCluster,
  };
}

export interface DeltaResult {
  readonly graph: MapGraph;
  /** Keys of nodes that did not exist before: only these need a layout. */
  readonly addedNodes: string[];
  readonly changedEdges: string[];
}

/**
 * Merge an SSE delta. Edges are replaced by their full current value (the server sends
 * totals, not increments), so merging the same delta twice is harmless.
 */
export function mergeDelta(graph: MapGraph, delta: Pick<GraphDelta, 'nodes' | 'edges' | 'removedEdges' | 'removedNodes'>): DeltaResult {
  const nodes = new Map(graph.nodes.map((n) => [n.key, n] as const));
  const edges = new Map(graph.edges.map((e) => [e.key, e] as const));
  const addedNodes: string[] = [];
  for (const n of delta.nodes) {
    const prev = nodes.get(n.key);
    if (!prev) addedNodes.push(n.key);
    nodes.set(n.key, { ...toMapNode(n), ...(prev?.risk !== undefined ? { risk: prev.risk } : {}) });
  }
  for (const key of delta.removedNodes) nodes.delete(key);
  const changedEdges: string[] = [];
  for (const e of delta.edges) {
    // an edge may name a node the delta did not carry (filtered server side): skip it rather than dangle
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    const prev = edges.get(e.key);
    edges.set(e.key, { ...toMapEdge(e), ...(prev?.diff ? { diff: prev.diff } : {}) });
    changedEdges.push(e.key);
  }
  for (const key of delta.removedEdges) edges.delete(key);
  for (const [key, e] of edges) if (!nodes.has(e.source) || !nodes.has(e.target)) edges.delete(key);
  return { graph: { nodes: [...nodes.values()], edges: [...edges.values()] }, addedNodes, changedEdges };
}

export interface DeltaActivity {
  /** Connections the delta adds (edges carry totals: the growth of each, new edges whole). */
  readonly connections: number;
  /** Keys of edges the graph did not have. */
  readonly newEdges: readonly string[];
}

/** What a live delta brings, measured against the graph before it is merged. */
export function deltaActivity(graph: MapGraph, delta: Pick<GraphDelta, 'edges'>): DeltaActivity {
  const before = new Map(graph.edges.map((e) => [e.key, e.count] as const));
  let connections = 0;
  const newEdges: string[] = [];
  for (const e of delta.edges) {
    const prev = before.get(e.key);
    if (prev === undefined) newEdges.push(e.key);
    connections += Math.max(0, e.count - (prev ?? 0));
  }
  return { connections, newEdges };
}

const DIFF_KIND_ALIASES: Readonly<Record<string, DiffCategory>> = {
  unused: 'unobserved',
  // the summary counts unused pairs (the items list is capped)
  unusedPairs: 'unobserved',
  'allowed-unobserved': 'unobserved',
  'allowed-but-unobserved': 'unobserved',
  'unexplained': 'unexplained-drop',
  'would-break': 'would-break',
  wouldBreak: 'would-break',
};

export function diffCategoryOf(kind: string): DiffCategory | undefined {
  if ((DIFF_CATEGORIES as readonly string[]).includes(kind)) return kind as DiffCategory;
  return DIFF_KIND_ALIASES[kind];
}

/** `src->dst|TCP|7070` -> its parts, or undefined for a node key. */
export function parseEdgeKey(key: string): { source: string; target: string; protocol: string; port?: number } | undefined {
  const arrow = key.indexOf('->');
  if (arrow < 0) return undefined;
  const [target, protocol, port] = key.slice(arrow + 2).split('|');
  if (!target || !protocol) return undefined;
  const p = Number(port);
  return { source: key.slice(0, arrow), target, protocol, ...(Number.isInteger(p) && p > 0 ? { port: p } : {}) };
}

export interface DiffView {
  readonly graph: MapGraph;
  /** Per category: the API's own count when it gives one (its item list is capped), else the items counted. */
  readonly summary: Readonly<Record<string, number>>;
}

/**
 * Color observed edges by their diff category and add allowed-but-unobserved paths as
 * (dashed) edges. Subjects name edges by key; a pair of node keys is accepted too. The diff
 * lists what is wrong or unused: an observed edge it does not name is allowed by the
 * intended policies, and drawn as such.
 */
export function applyDiff(graph: MapGraph, diff: DiffResponse): DiffView {
  const nodes = new Set(graph.nodes.map((n) => n.key));
  const edges = new Map<string, MapEdge>(graph.edges.map((e): [string, MapEdge] => [e.key, { ...e, diff: undefined }]));
  const summary: Record<string, number> = {};
  for (const item of diff.items) {
    const cat = diffCategoryOf(item.kind);
    if (!cat) continue;
    summary[cat] = (summary[cat] ?? 0) + 1;
    const edgeKeys = item.subjects.filter((s) => s.includes('->'));
    const pairs: { source: string; target: string; protocol: string; port?: number; key: string }[] = [];
    for (const k of edgeKeys) {
      const p = parseEdgeKey(k);
      if (p) pairs.push({ ...p, key: k });
    }
    if (pairs.length === 0 && item.subjects.length >= 2) {
      pairs.push({ source: item.subjects[0], target: item.subjects[1], protocol: 'TCP', key: `${item.subjects[0]}->${item.subjects[1]}|diff` });
    }
    for (const p of pairs) {
      const existing = edges.get(p.key);
      if (existing) { existing.diff = cat; continue; }
      // an observed edge at this level with the same ends and port, when the key was built at another level
      const same = [...edges.values()].find((e) => e.source === p.source && e.target === p.target && (p.port === undefined || e.port === p.port));
      if (same && cat !== 'unobserved') { same.diff = cat; continue; }
      if (cat === 'unobserved' && nodes.has(p.source) && nodes.has(p.target)) {
        edges.set(`diff:${p.key}`, {
          key: `diff:${p.key}`, source: p.source, target: p.target,
          protocol: (['TCP', 'UDP', 'SCTP'].includes(p.protocol) ? p.protocol : 'TCP') as MapEdge['protocol'],
          ...(p.port !== undefined ? { port: p.port } : {}),
          count: 0, verdicts: {}, firstSeen: 0, lastSeen: 0, interCluster: false, diff: 'unobserved',
        });
      }
    }
  }
  for (const e of edges.values()) if (e.diff === undefined && e.count > 0) e.diff = 'allowed';
  for (const [k, v] of Object.entries(diff.summary ?? {})) {
    const cat = diffCategoryOf(k);
    if (cat && typeof v === 'number') summary[cat] = v;
  }
  return { graph: { nodes: graph.nodes, edges: [...edges.values()] }, summary };
}

/** Only the edges of one diff category (a chip of the diff bar), with the nodes they join. */
export function onlyDiffCategory(graph: MapGraph, category: DiffCategory): MapGraph {
  const edges = graph.edges.filter((e) => e.diff === category);
  const touched = new Set(edges.flatMap((e) => [e.source, e.target]));
  return { nodes: graph.nodes.filter((n) => touched.has(n.key)), edges };
}

export const SEVERITY_SCORE: Readonly<Record<string, number>> = { critical: 100, high: 80, medium: 50, low: 25, info: 5 };

/**
 * Risk score per node, 0..100: the worst finding about it, plus a little for each further
 * one, so a workload with three high findings reads hotter than one with one.
 */
export function riskScores(findings: readonly Finding[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of findings) {
    const s = SEVERITY_SCORE[f.severity] ?? 0;
    for (const subject of f.subjects) {
      const prev = out.get(subject);
      out.set(subject, prev === undefined ? s : Math.min(100, Math.max(prev, s) + 5));
    }
  }
  return out;
}
