/** The edge table: rows, sorting and text filtering, kept pure for tests. */
import type { MapEdge, MapNode } from '../types.ts';
import { portLabel } from './display.ts';
import { verdictClass } from './style.ts';

export interface EdgeRow {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly port: string;
  readonly count: number;
  readonly verdict: string;
  readonly diff: string;
  readonly lastSeen: number;
  readonly interCluster: boolean;
}

export type EdgeColumn = 'source' | 'target' | 'port' | 'count' | 'verdict' | 'diff' | 'lastSeen';
export const EDGE_COLUMNS: readonly EdgeColumn[] = ['source', 'target', 'port', 'count', 'verdict', 'diff', 'lastSeen'];

function nodeName(nodes: ReadonlyMap<string, MapNode>, key: string): string {
  const n = nodes.get(key);
  if (!n) return key;
  return [n.cluster, n.namespace, n.label].filter(Boolean).join('/');
}

export function edgeRows(edges: readonly MapEdge[], nodes: ReadonlyMap<string, MapNode>): EdgeRow[] {
  return edges.map((e) => ({
    key: e.key,
    source: nodeName(nodes, e.source),
    target: nodeName(nodes, e.target),
    port: portLabel(e),
    count: e.count,
    verdict: verdictClass(e.verdicts),
    diff: e.diff ?? '',
    lastSeen: e.lastSeen,
    interCluster: e.interCluster,
  }));
}

export function sortRows(rows: readonly EdgeRow[], column: EdgeColumn, descending: boolean): EdgeRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * c || a.key.localeCompare(b.key);
  });
}

/** Every whitespace-separated term must appear in some column (case-insensitive). */
export function filterRows(rows: readonly EdgeRow[], text: string): EdgeRow[] {
  const terms = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [...rows];
  return rows.filter((r) => {
    const hay = `${r.source} ${r.target} ${r.port} ${r.verdict} ${r.diff} ${r.interCluster ? 'inter-cluster' : ''}`.toLowerCase();
    return terms.every((t) => hay.includes(t));
  });
}
