/**
 * Aggregation that follows the zoom: zooming in far enough onto a folded cluster or namespace
 * opens it in place (as a double-click does), and zooming back out past where it opened folds
 * it again. Pure: screen positions and camera ratios in, group keys out; ui/zoom-open.ts
 * watches the gestures and applies them.
 *
 * Opening is decided on the screen, not on a fixed zoom: a group opens once it stands alone,
 * its nearest drawn neighbour at least `space` of the viewport's short side away, and it is the
 * group nearest the point zoomed onto. Folding back is decided on the camera ratio, with a gap
 * (`foldFactor`) between the zoom that opened a group and the one that folds it, so that a
 * group never flickers open and shut around one zoom level.
 */
import { parseKey, type ParsedKey } from '../../../generator/model/index.ts';

export interface ZoomOpenSettings {
  /** How alone a group must stand to open: its nearest neighbour's distance over the viewport's short side. */
  readonly space: number;
  /** How near the point zoomed onto a group must be: a fraction of the viewport's short side. */
  readonly reach: number;
  /** A group opened by zooming folds back once the camera ratio is this many times the ratio it opened at. */
  readonly foldFactor: number;
}

export const DEFAULT_ZOOM_OPEN: ZoomOpenSettings = { space: 0.2, reach: 0.3, foldFactor: 2 };

export interface ScreenNode {
  readonly key: string;
  /** Viewport pixels. */
  readonly x: number;
  readonly y: number;
  readonly group: boolean;
}

export interface Viewport {
  readonly width: number;
  readonly height: number;
}

/** A group opened by zooming, and the camera ratio it opened at. */
export interface ZoomOpened {
  readonly key: string;
  readonly ratio: number;
}

/** The folded group to open after a zoom-in onto `focus`, if one stands alone enough near it. */
export function groupToOpen(nodes: readonly ScreenNode[], viewport: Viewport, focus: { x: number; y: number }, settings: ZoomOpenSettings = DEFAULT_ZOOM_OPEN): string | undefined {
  const short = Math.min(viewport.width, viewport.height);
  if (short <= 0) return undefined;
  const inside = (n: ScreenNode): boolean => n.x >= 0 && n.y >= 0 && n.x <= viewport.width && n.y <= viewport.height;
  let best: ScreenNode | undefined;
  let bestDist = settings.reach * short;
  for (const n of nodes) {
    if (!n.group || !inside(n)) continue;
    const d = Math.hypot(n.x - focus.x, n.y - focus.y);
    if (d <= bestDist) { best = n; bestDist = d; }
  }
  if (!best) return undefined;
  let nearest = Infinity;
  for (const n of nodes) if (n.key !== best.key) nearest = Math.min(nearest, Math.hypot(n.x - best.x, n.y - best.y));
  return nearest >= settings.space * short ? best.key : undefined;
}

/** The groups opened by zooming that the camera has zoomed back out of (ratio grows as the camera zooms out). */
export function groupsToFold(opened: readonly ZoomOpened[], ratio: number, settings: ZoomOpenSettings = DEFAULT_ZOOM_OPEN): string[] {
  return opened.filter((o) => ratio >= o.ratio * settings.foldFactor).map((o) => o.key);
}

/** `collapsed` with `groups` folded again: a cluster folds whole (the namespaces inside it need no entries of their own). */
export function foldGroups(collapsed: readonly string[], groups: readonly string[]): string[] {
  const out = new Set(collapsed);
  for (const g of groups) {
    out.add(g);
    const folded = parsed(g);
    if (folded?.kind !== 'cluster') continue;
    for (const k of [...out]) {
      const inner = parsed(k);
      if (inner?.kind === 'namespace' && inner.cluster === folded.cluster) out.delete(k);
    }
  }
  return [...out].sort();
}

function parsed(key: string): ParsedKey | undefined {
  try {
    return parseKey(key);
  } catch {
    return undefined; // not a graph key: left as it is
  }
}
