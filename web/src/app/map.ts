/**
 * The map controller: the sigma map (render/map.ts) drawn from the state, selection, groups
 * opened and folded, and the read-only figures of `window.netatlasDebug`.
 */
import { clusterKey, namespaceKey } from '../../../generator/model/index.ts';
import { MapView, type RenderProfile } from '../render/map.ts';
import { collapseAround, expandGroup } from '../state/aggregate.ts';
import { collapseGraph } from '../state/collapse.ts';
import { budgetStatus } from '../state/edge-budget.ts';
import { applyFilters, isEmptyFilters } from '../state/filters.ts';
import { applyDiff, onlyDiffCategory } from '../state/graph-data.ts';
import type { MapGraph } from '../types.ts';
import { byId } from '../ui/dom.ts';
import type { PanelController } from './panels.ts';
import type { Actions, AppState } from './state.ts';

/** Read-only figures for tests and the benchmark (no behaviour hangs on them). */
export interface DebugInfo {
  loadedAt?: number; sigmaInitMs?: number; nodesFirst?: boolean; renderProfile?: string; firstFrameGpuDoneAt?: number; fullFrameAt?: number; fullFrameGpuDoneAt?: number; firstFrameAt?: number; layoutSettledAt?: number; layoutIterations?: number; layoutMillis?: number; layoutReason?: string;
  /** Nodes drawn; edges drawn (one per direction of a pair, within the edge budget); edges the filters keep (one per port, as the table lists them). */
  nodes: number; edges: number; edgesShown?: number; errors: string[];
}
declare global {
  interface Window {
    netatlasDebug: DebugInfo; netatlasMap?: MapView; netatlasBenchSync?: boolean;
    /** The benchmark's A/B only: a large map draws every camera frame instead of moving the last one (BitmapMover). */
    netatlasBenchNoMover?: boolean;
  }
}

/**
 * raw -> diff -> risk -> collapse: the whole map, which the layout places; the same with the
 * filters (and Diff mode's chip) applied before collapsing: what is drawn and what the table lists.
 */
export function shownGraph(state: AppState): { all: MapGraph; shown: MapGraph } {
  const { view, data } = state;
  let g = data.raw;
  // the table's diff column is filled whenever the diff is in
  if ((view.mode === 'diff' || view.mode === 'table') && data.diff) g = applyDiff(g, data.diff).graph;
  if (data.risk.size) g = { nodes: g.nodes.map((n) => (data.risk.has(n.key) ? { ...n, risk: data.risk.get(n.key) } : n)), edges: g.edges };
  const collapsed = new Set(view.collapsed);
  const all = collapseGraph(g, collapsed);
  const diffOnly = view.mode === 'diff' ? view.diffOnly : undefined;
  if (isEmptyFilters(view.filters) && !diffOnly) return { all, shown: all };
  let shown = applyFilters(g, view.filters, view.level);
  if (diffOnly) shown = onlyDiffCategory(shown, diffOnly);
  return { all, shown: collapseGraph(shown, collapsed) };
}

export class MapController {
  readonly map: MapView;
  /** The status line's word on the edge budget while it leaves edges out, else undefined. */
  budgetNote: string | undefined;

  constructor(private readonly state: AppState, private readonly app: Actions, private readonly panel: PanelController) {
    // `?render=light|full` forces sigma's program set (tests, side-by-side comparisons)
    const forced = new URLSearchParams(location.search).get('render');
    const debug = window.netatlasDebug;
    this.map = new MapView(byId('map'), {
      onNodeClick: (key) => app.select(key),
      onNodeDoubleClick: (key) => this.openOrFold(key),
      onEdgeClick: (key, members) => app.selectEdge(key, members),
      onStageClick: () => app.select(undefined),
      onCameraChange: (camera) => { if (state.ui.layoutDone) app.setView({ camera }, false); },
      onLayout: (p) => {
        debug.layoutIterations = p.iterations;
        if (!p.settled) return;
        // frame the settled layout, unless the URL asked for a camera or the user moved it
        if (!state.view.camera && !state.ui.cameraTouched) this.map.fitToNodes(false);
        debug.layoutSettledAt = performance.now();
        state.ui.layoutDone = true;
        debug.layoutMillis = p.millis;
        debug.layoutReason = p.reason;
        const shown = state.data.shown;
        app.status(`${shown.nodes.length} nodes, ${this.budgetNote ?? `${shown.edges.length} edges`} · layout settled after ${p.iterations} iterations (${Math.round(p.millis)} ms)`);
      },
      onFirstFrame: () => {
        debug.firstFrameAt = performance.now();
        debug.firstFrameGpuDoneAt = this.gpuDone();
      },
      onEdgesDrawn: (drawn, total, limited) => {
        debug.edges = drawn;
        const note = limited ? budgetStatus(drawn, total) : undefined;
        if (note !== undefined && note !== this.budgetNote) app.status(note);
        this.budgetNote = note;
      },
      onFullFrame: () => {
        debug.fullFrameAt = performance.now();
        debug.fullFrameGpuDoneAt = this.gpuDone();
      },
    }, forced === 'light' || forced === 'full' ? (forced as RenderProfile) : undefined);
    window.netatlasMap = this.map;
    // a user's own camera move (drag, wheel) is kept: the settled layout is not framed over it
    for (const type of ['wheel', 'pointerdown'] as const) byId('map').addEventListener(type, () => { state.ui.cameraTouched = true; }, { capture: true, passive: true });
    byId('zoom-in').addEventListener('click', () => this.map.zoom(1.5));
    byId('zoom-out').addEventListener('click', () => this.map.zoom(1 / 1.5));
    byId('zoom-reset').addEventListener('click', () => this.map.resetCamera());
    byId('btn-relayout').addEventListener('click', () => this.map.relayout());
  }

  /**
   * The benchmark only (it sets `netatlasBenchSync`): wait until the GPU has drawn the frame
   * sigma just submitted (a 1-pixel readPixels; WebGL's finish() is only a flush in Chromium).
   */
  private gpuDone(): number | undefined {
    if (!window.netatlasBenchSync) return undefined;
    const gl = this.map.sigma.getWebGLContext();
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    return performance.now();
  }

  /** Draw the state; `frame`: then fit the camera to what is drawn. */
  render(frame: boolean): void {
    const { state } = this;
    const edgesPending = state.phase.phase === 'nodes';
    const { all, shown: g } = shownGraph(state);
    state.data.shown = g;
    const byKey = new Map(state.data.raw.nodes.map((n) => [n.key, n]));
    for (const n of g.nodes) byKey.set(n.key, n);
    state.data.nodesByKey = byKey;
    window.netatlasDebug.nodes = g.nodes.length;
    window.netatlasDebug.edgesShown = g.edges.length;
    this.map.setColorMode(state.view.mode === 'diff' ? 'diff' : state.ui.findingsOn ? 'risk' : 'verdict');
    this.map.setData(all, { edgesPending, visible: g });
    if (frame) this.map.fitToNodes();
    window.netatlasDebug.sigmaInitMs = this.map.sigmaBuildMs;
    window.netatlasDebug.renderProfile = this.map.renderProfile;
  }

  select(key: string | undefined, focus = false): void {
    // a selection replaces the attack path shown (the map clears it in select)
    if (this.state.ui.pathShown !== undefined) this.app.clearPath();
    if (key) this.reveal(key);
    this.app.setView({ selection: key }, false);
    this.map.select(key);
    if (!key) { this.panel.hide(); return; }
    const node = this.state.data.nodesByKey.get(key);
    if (node) this.panel.node(node);
    if (focus) this.map.focusNode(key);
  }

  selectEdge(displayKey: string, members: readonly string[]): void {
    this.app.setView({ selection: displayKey }, false);
    this.map.select(displayKey);
    this.panel.edge(displayKey, members);
  }

  /** A shared URL's selection: its groups opened, the node selected and its panel shown. */
  restoreSelection(key: string): void {
    this.reveal(key);
    const node = this.state.data.nodesByKey.get(key);
    if (node) { this.map.select(key); this.panel.node(node); }
  }

  /** Collapse (or expand) a cluster or namespace group (the panel's buttons). */
  toggleGroup(groupKey: string): void {
    if (this.state.view.collapsed.includes(groupKey)) { this.openOrFold(groupKey); return; }
    this.app.setView({ collapsed: [...this.state.view.collapsed, groupKey].sort() }, false);
    this.app.render();
  }

  /** Double-click: a group opens in place one level (and its content is framed); any other node folds into its group. */
  openOrFold(key: string): void {
    const { state, app } = this;
    const node = state.data.nodesByKey.get(key);
    if (!node) return;
    app.select(undefined);
    if (node.kind === 'group') {
      app.setView({ collapsed: expandGroup(state.view.collapsed, key, state.data.raw.nodes) }, false);
      app.render();
      const inside = state.data.shown.nodes.filter((n) => n.cluster === node.cluster && (node.namespace === undefined || n.namespace === node.namespace)).map((n) => n.key);
      this.map.fitToNodes(true, inside);
    } else {
      app.setView({ collapsed: collapseAround(state.view.collapsed, node) }, false);
      app.render();
    }
  }

  /** Open the folded groups that hide `key` (a search pick, a finding, a shared URL's selection). */
  reveal(key: string): void {
    const { state } = this;
    if (this.map.graph.hasNode(key)) return;
    const raw = state.data.raw.nodes;
    const node = raw.find((n) => n.key === key);
    if (!node?.cluster) return;
    let collapsed = state.view.collapsed;
    const cluster = clusterKey(node.cluster);
    if (collapsed.includes(cluster)) collapsed = expandGroup(collapsed, cluster, raw);
    const ns = node.namespace !== undefined ? namespaceKey(node.cluster, node.namespace) : undefined;
    if (ns && collapsed.includes(ns)) collapsed = expandGroup(collapsed, ns, raw);
    if (collapsed === state.view.collapsed) return;
    this.app.setView({ collapsed }, false);
    this.app.render();
  }
}
