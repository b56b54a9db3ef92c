/**
 * Zoom to open: after a zoom gesture of the user's (wheel, the +/- buttons and keys) has come
 * to rest, opens the folded group zoomed onto, or folds back the groups zoomed out of. Only the
 * user's own zooms count: the camera framing a result (a filter, a search pick) opens nothing.
 * The rules are state/zoom-open.ts.
 */
import type { MapView } from '../render/map.ts';
import { DEFAULT_ZOOM_OPEN, groupsToFold, groupToOpen, type ScreenNode, type ZoomOpened } from '../state/zoom-open.ts';

export interface ZoomOpenHost {
  /** What the groups belong to (the level): a group opened at another level is not the zoom's to fold. */
  scope(): string;
  /** The groups folded now (view state). */
  collapsed(): readonly string[];
  /** Open one group in place, one level (as a double-click does, without framing: the user is zooming). */
  open(group: string): void;
  /** Fold these groups again. */
  fold(groups: readonly string[]): void;
}

/** How long the camera must rest after the last wheel event before the map opens or folds anything (ms). */
const SETTLE_MS = 300;

export class ZoomOpener {
  private opened: (ZoomOpened & { readonly scope: string })[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private focus: { x: number; y: number } | undefined;

  /** `zoomIn`/`zoomOut`: the map's zoom buttons (their clicks are zooms of the user's too, onto the centre). */
  constructor(private readonly map: MapView, private readonly container: HTMLElement, private readonly host: ZoomOpenHost, buttons: readonly HTMLElement[] = []) {
    container.addEventListener('wheel', (e) => {
      const box = container.getBoundingClientRect();
      this.zoomed({ x: e.clientX - box.left, y: e.clientY - box.top });
    }, { passive: true, capture: true }); // capture: sigma's own wheel handler stops the event below
    for (const b of buttons) b.addEventListener('click', () => this.zoomed());
    // the +/- keys (the controls zoom the map on them)
    document.addEventListener('keydown', (e) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
      if (!typing && (e.key === '+' || e.key === '=' || e.key === '-')) this.zoomed();
    });
  }

  /** A zoom of the user's, onto `focus` (viewport pixels; the centre when not given). */
  zoomed(focus?: { x: number; y: number }): void {
    this.focus = focus;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), SETTLE_MS);
  }

  private settle(): void {
    this.timer = undefined;
    if (this.map.renderProfile === undefined) return; // nothing drawn yet
    const sigma = this.map.sigma;
    const camera = sigma.getCamera();
    if (camera.isAnimating()) { this.timer = setTimeout(() => this.settle(), SETTLE_MS); return; }
    const ratio = camera.getState().ratio;
    // a group folded meanwhile by other means (double-click, the panel) is no longer the zoom's to fold
    const collapsed = new Set(this.host.collapsed());
    const scope = this.host.scope();
    this.opened = this.opened.filter((o) => o.scope === scope && !collapsed.has(o.key));
    const fold = groupsToFold(this.opened, ratio, DEFAULT_ZOOM_OPEN);
    if (fold.length) {
      this.opened = this.opened.filter((o) => !fold.includes(o.key));
      this.host.fold(fold);
      return;
    }
    const { width, height } = this.container.getBoundingClientRect();
    const nodes: ScreenNode[] = [];
    this.map.graph.forEachNode((key, a) => {
      if (a.visibility !== 'visible') return;
      const p = sigma.graphToViewport(a);
      nodes.push({ key, x: p.x, y: p.y, group: a.kind === 'group' });
    });
    const group = groupToOpen(nodes, { width, height }, this.focus ?? { x: width / 2, y: height / 2 }, DEFAULT_ZOOM_OPEN);
    if (group === undefined) return;
    this.opened.push({ key: group, ratio, scope });
    this.host.open(group);
  }
}
