/** Autocomplete over node labels and keys: prefix matches first, then word starts, then substrings. */
import type { MapNode } from '../types.ts';

export interface SearchHit {
  readonly key: string;
  readonly label: string;
  /** cluster/namespace, for telling two `frontend`s apart. */
  readonly context: string;
  readonly score: number;
}

function scoreOf(node: MapNode, q: string): number {
  const label = node.label.toLowerCase();
  if (label === q) return 100;
  if (label.startsWith(q)) return 80 - Math.min(20, label.length - q.length);
  if (label.split(/[-_.\/ ]/).some((w) => w.startsWith(q))) return 50;
  if (label.includes(q)) return 30;
  const ctx = `${node.cluster ?? ''}/${node.namespace ?? ''}/${node.label}`.toLowerCase();
  if (ctx.includes(q)) return 20;
  if (node.key.toLowerCase().includes(q)) return 10;
  return 0;
}

export function searchNodes(nodes: Iterable<MapNode>, query: string, limit = 10): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: SearchHit[] = [];
  for (const node of nodes) {
    const score = scoreOf(node, q);
    if (score > 0) {
      hits.push({ key: node.key, label: node.label, context: [node.cluster, node.namespace].filter(Boolean).join('/') || node.kind, score });
    }
  }
  hits.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
  return hits.slice(0, limit);
}
