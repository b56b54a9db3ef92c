/**
 * The edge budget: a folded map of a large estate has thousands of edges between its few
 * hundred groups, which drawn together are a solid web. Past the budget the map draws the
 * strongest edges (by connection count), a dropped or denied edge before any other, plus every
 * edge of the selected node (or the selected edge itself), so that the selection always shows
 * all of its traffic. What is not drawn stays in the table and in the panels.
 */
/** At most this many edges are drawn, besides the selection's. */
export const EDGE_BUDGET = 600;

export interface BudgetEdge {
  readonly key: string;
  readonly source: string;
  readonly target: string;
  readonly count: number;
  /** Dropped or denied (a would-break or blocked edge in Diff mode too): drawn ahead of any other. */
  readonly dropped: boolean;
}

export interface BudgetResult {
  /** Keys of the edges to draw. */
  readonly drawn: ReadonlySet<string>;
  /** How many edges there were to draw. */
  readonly total: number;
  /** True when the budget left some out. */
  readonly limited: boolean;
}

/** Dropped first, then by count (highest first), then by key, so that the choice is stable. */
function stronger(a: BudgetEdge, b: BudgetEdge): number {
  return Number(b.dropped) - Number(a.dropped) || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The edges to draw out of `edges`: all of them up to `budget`, else the `budget` strongest
 * plus every edge touching `selected` (a node key) or equal to it (an edge key), and the edges
 * in `keep` (an attack path's hops).
 */
export function budgetEdges(edges: readonly BudgetEdge[], budget: number, selected?: string, keep: ReadonlySet<string> = new Set()): BudgetResult {
  if (edges.length <= budget) return { drawn: new Set(edges.map((e) => e.key)), total: edges.length, limited: false };
  const drawn = new Set([...edges].sort(stronger).slice(0, Math.max(0, budget)).map((e) => e.key));
  for (const e of edges) {
    if (keep.has(e.key) || (selected !== undefined && (e.key === selected || e.source === selected || e.target === selected))) drawn.add(e.key);
  }
  return { drawn, total: edges.length, limited: true };
}

/** The status line's words for a limited map. */
export function budgetStatus(drawn: number, total: number): string {
  return `showing ${drawn.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} edges, strongest first; select a node for all of its edges`;
}
