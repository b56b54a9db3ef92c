/**
 * Which node labels the map draws, and where: in priority order (selected, its neighbours,
 * risky nodes, aggregates, then by traffic), each label placed right of its node only where it
 * overlaps no label already placed, so that no two labels are ever printed over each other and
 * the ones that matter win the space. Pure: positions in viewport pixels, text widths from an
 * injected measure.
 */

export interface LabelCandidate {
  readonly key: string;
  readonly text: string;
  /** Viewport pixels. */
  readonly x: number;
  readonly y: number;
  /** The node's drawn radius in pixels: the label starts right of it. */
  readonly radius: number;
  /** Drawn bold (the selection). */
  readonly strong?: boolean;
}

export interface PlacedLabel extends LabelCandidate {
  /** The label's box, viewport pixels. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface LabelBox { readonly width: number; readonly height: number }

export interface PlaceOptions {
  readonly width: number;
  readonly height: number;
  /** Stop after this many labels (a map of thousands of nodes needs a few hundred at most). */
  readonly max: number;
  /** Free space kept around each label, pixels. */
  readonly gap?: number;
}

/** The label tiers, highest first. */
export type LabelTier = 'selected' | 'neighbour' | 'risky' | 'aggregate' | 'traffic';
const TIER_RANK: Readonly<Record<LabelTier, number>> = { selected: 4, neighbour: 3, risky: 2, aggregate: 1, traffic: 0 };

/** Sort key: tier first, then the score within it (risk for risky nodes, else traffic). */
export function labelPriority(tier: LabelTier, score: number): number {
  return TIER_RANK[tier] * 1e15 + Math.max(0, Math.min(score, 1e15 - 1));
}

const CELL = 64;

/**
 * Place `candidates` (highest priority first) without overlap; candidates off screen are
 * skipped. A uniform grid of 64 px cells indexes the boxes placed so far.
 */
export function placeLabels(candidates: Iterable<LabelCandidate>, measure: (c: LabelCandidate) => LabelBox, opts: PlaceOptions): PlacedLabel[] {
  const gap = opts.gap ?? 2;
  const grid = new Map<number, PlacedLabel[]>();
  const placed: PlacedLabel[] = [];
  const cols = Math.ceil(opts.width / CELL) + 2;
  const cellsOf = (l: number, t: number, w: number, h: number): number[] => {
    const out: number[] = [];
    const c0 = Math.floor(l / CELL), c1 = Math.floor((l + w) / CELL);
    const r0 = Math.floor(t / CELL), r1 = Math.floor((t + h) / CELL);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(r * cols + c);
    return out;
  };
  for (const c of candidates) {
    if (placed.length >= opts.max) break;
    if (!c.text) continue;
    const box = measure(c);
    const left = c.x + c.radius + 3;
    const top = c.y - box.height / 2;
    if (left + box.width < 0 || left > opts.width || top + box.height < 0 || top > opts.height) continue;
    const l = left - gap, t = top - gap, w = box.width + 2 * gap, h = box.height + 2 * gap;
    const cells = cellsOf(l, t, w, h);
    let free = true;
    for (const cell of cells) {
      for (const o of grid.get(cell) ?? []) {
        if (l < o.left + o.width + gap && o.left - gap < l + w && t < o.top + o.height + gap && o.top - gap < t + h) { free = false; break; }
      }
      if (!free) break;
    }
    if (!free) continue;
    const label: PlacedLabel = { ...c, left, top, width: box.width, height: box.height };
    placed.push(label);
    for (const cell of cells) {
      let list = grid.get(cell);
      if (!list) grid.set(cell, (list = []));
      list.push(label);
    }
  }
  return placed;
}

/** Whether two placed labels overlap (tests, and a check anyone can run on `netatlasMap.drawnLabels`). */
export function labelsOverlap(a: PlacedLabel, b: PlacedLabel): boolean {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}
