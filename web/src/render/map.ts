/**
 * The Sigma.js 4 map: a graphology graph of display nodes and (per-direction) display
 * edges, drawn with sigma's styles and primitives. Appearance is computed by style
 * functions from data attributes and state (hover, highlight, selection), never written
 * into the data.
 *
 * What is not the sigma instance's own lives elsewhere: the drawing on the 2D canvases (hulls
 * below the stage; attack paths and Live's new-edge marks above it) in overlays.ts, the layout
 * worker in layout.ts, the pure decisions (label placement and priority, seeds, stored
 * positions, colours) in state/. What stays here is one class on purpose: the graph, sigma's
 * item states, the selection, hover and attack-path focus, the label order and the layout all
 * change together on each setData, select or hover, and splitting them would pass that state
 * back and forth on every frame.
 */
import Graph from 'graphology';
import type { Attributes } from 'graphology-types';
import Sigma from 'sigma';
import {
  extremityArrow, extremityCircle, layerDashed, layerFill, layerPlain, pathCurved, pathLine, sdfCircle, sdfDiamond, sdfSquare, sdfTriangle,
} from 'sigma/rendering';
import type { DiffCategory, MapGraph, MapNode } from '../types.ts';
import { toDisplayEdges } from '../state/display.ts';
import { budgetEdges, EDGE_BUDGET } from '../state/edge-budget.ts';
import { seedPositions, spiral, type Point } from '../state/seed.ts';
import { CUT_COLOR, DIFF_COLORS, edgeWidth, nodeLook, riskColor, VERDICT_COLORS, verdictClass, type EdgeVerdictClass } from '../state/style.ts';
import { LayoutRunner, type LayoutProgress } from './layout.ts';
import { BitmapMover } from './move-bitmap.ts';
import { renderProfileFor, type RenderProfile } from '../state/render-profile.ts';
import { decodePositions, encodePositions, POSITIONS_STORAGE_KEY } from '../state/positions.ts';
import { labelPriority, placeLabels, type LabelCandidate, type LabelTier, type PlacedLabel } from '../state/labels.ts';

export type { RenderProfile } from '../state/render-profile.ts';
import type { CameraView } from '../state/url-state.ts';
import { THEME } from './theme.ts';
import { computeHulls, drawHulls, drawNewEdges, drawPath, drawPathEntry, fitCanvas, outlinesOf, type Hull, type Outline } from './overlays.ts';
import type { PathFocus } from '../state/attack-paths.ts';

export const STAGE_BACKGROUND = THEME.stage;

const LABEL_COLOR = THEME.label;
const LABEL_DIMMED = THEME.labelDimmed;
const LABEL_HALO = THEME.halo;

/** Groups, namespaces, clusters and external peers only: a map whose seeded arrangement is final (see startLayout). */
function isAggregate(nodes: readonly { kind: string; cluster?: string }[]): boolean {
  return nodes.every((n) => n.kind === 'group' || n.kind === 'cluster' || n.kind === 'namespace' || n.cluster === undefined);
}

function loadStoredPositions(): Map<string, Point> {
  try {
    return decodePositions(localStorage.getItem(POSITIONS_STORAGE_KEY));
  } catch {
    return new Map();
  }
}

/**
 * Data attributes (kind, verdict, diff, ...) plus the display attributes derived from them
 * and the colour mode (color, size, depth, ...). Styles bind to attributes and item state
 * only, never to functions: sigma re-evaluates function styles on every graph-state change
 * (each camera move), which costs seconds per frame on 50,000 edges in software WebGL.
 */
interface NodeAttrs {
  x: number; y: number; size: number; hoverSize: number; label: string; kind: string; shape: string; baseColor: string; color: string;
  cluster?: string; namespace?: string; risk?: number; selected?: boolean;
  /** Filtered out: kept in the graph (and the layout) so that nothing moves, not drawn. */
  visibility: 'visible' | 'hidden';
  labelVisibility: 'auto' | 'visible'; depth: 'nodes' | 'topNodes'; backdrop: 'visible' | 'hidden';
}
interface EdgeAttrs {
  count: number; verdict: EdgeVerdictClass; interCluster: boolean; diff?: DiffCategory; ports: string; selected?: boolean;
  /** The hop an attack path's cut removes (see showPath). */
  cut?: boolean;
  /** Kept by the filters; drawn (`visibility`) when also within the edge budget (applyBudget). */
  shown: boolean;
  visibility: 'visible' | 'hidden';
  size: number; color: string; opacity: number; tail: string; dashSize: number; depth: 'edges' | 'topEdges'; zIndex: number;
}
interface DimState { dimmed: boolean }

export type ColorMode = 'verdict' | 'diff' | 'risk';

export interface MapCallbacks {
  onNodeClick(key: string): void;
  /** Double-click: open a group in place, or fold the group around a node. */
  onNodeDoubleClick?(key: string): void;
  onEdgeClick(displayKey: string, members: readonly string[]): void;
  onStageClick(): void;
  onCameraChange(view: CameraView): void;
  onLayout(progress: LayoutProgress): void;
  onFirstFrame(): void;
  /** The first frame with every edge drawn (the first frame itself on small maps). */
  onFullFrame?(): void;
  /** The edges drawn changed (data, or a selection past the edge budget): how many of how many. */
  onEdgesDrawn?(drawn: number, total: number, limited: boolean): void;
}

type MapSigma = Sigma<NodeAttrs, EdgeAttrs, Attributes, DimState, DimState>;

const NODE_STYLES = {
  x: { attribute: 'x' },
  y: { attribute: 'y' },
  label: { attribute: 'label' },
  shape: { attribute: 'shape' },
  size: { whenState: 'isHovered', then: { attribute: 'hoverSize' }, else: { attribute: 'size' } },
  color: { attribute: 'color' },
  opacity: { whenState: 'dimmed', then: 0.15, else: 1 },
  visibility: { whenState: 'isHidden', then: 'hidden', else: { attribute: 'visibility' } },
  labelVisibility: { whenState: 'isHighlighted', then: 'visible', else: { attribute: 'labelVisibility' } },
  labelColor: THEME.label,
  depth: { whenState: 'isHighlighted', then: 'topNodes', else: { attribute: 'depth' } },
  cursor: 'pointer',
  backdropVisibility: { whenState: 'isHovered', then: 'visible', else: { attribute: 'backdrop' } },
  backdropColor: THEME.backdrop,
  backdropShadowColor: 'rgba(0,0,0,0.35)',
  backdropShadowBlur: 10,
  backdropPadding: 5,
} as const;

const NODE_PRIMITIVES = { shapes: [sdfCircle(), sdfSquare(), sdfTriangle(), sdfDiamond()], layers: [layerFill()] };

/** The demo look: curved parallel edges, arrow heads, tail dots, dashed unobserved paths, clickable edges. */
function fullEdges(): { primitives: object; styles: object } {
  return {
    primitives: {
      paths: [pathLine(), pathCurved({ curvature: 0.35 })],
      extremities: [extremityArrow(), extremityCircle()],
      // plain fill, then dashes of background colour over edges with a dashSize (unobserved paths)
      layers: [layerPlain(), layerDashed({ dashSize: { attribute: 'dashSize', default: 0, mode: 'pixels' }, gapSize: { value: 7, mode: 'pixels' }, dashColor: STAGE_BACKGROUND })],
      variables: { dashSize: { type: 'number', default: 0 } },
    },
    styles: {
      size: { attribute: 'size' },
      color: { attribute: 'color' },
      opacity: { whenState: 'dimmed', then: 0.06, else: { attribute: 'opacity' } },
      path: 'straight',
      parallelPath: 'curved',
      head: 'arrow',
      // inter-cluster edges carry a dot at their source and are drawn above the rest
      tail: { attribute: 'tail' },
      dashSize: { attribute: 'dashSize' },
      visibility: { whenState: 'isHidden', then: 'hidden', else: { attribute: 'visibility' } },
      depth: { whenState: 'isHighlighted', then: 'topEdges', else: { attribute: 'depth' } },
      zIndex: { attribute: 'zIndex' },
      cursor: 'pointer',
    },
  };
}

/**
 * Large maps: one straight path and one plain layer (a short fragment shader, no curve, arrow
 * or dash code), both directions of a pair on one line. Colour, width, opacity, hover
 * dimming and the on-top depth of inter-cluster and would-break edges stay.
 */
function lightEdges(): { primitives: object; styles: object } {
  return {
    primitives: { paths: [pathLine()], layers: [layerPlain()] },
    styles: {
      size: { attribute: 'size' },
      color: { attribute: 'color' },
      opacity: { whenState: 'dimmed', then: 0.06, else: { attribute: 'opacity' } },
      path: 'straight',
      visibility: { whenState: 'isHidden', then: 'hidden', else: { attribute: 'visibility' } },
      depth: { whenState: 'isHighlighted', then: 'topEdges', else: { attribute: 'depth' } },
      zIndex: { attribute: 'zIndex' },
    },
  };
}

export { outlineLook, type OutlineLook } from './overlays.ts';

export class MapView {
  /** Replaced wholesale by setData (sigma.setGraph indexes a new graph in one pass, far cheaper than N add events). */
  graph = new Graph<NodeAttrs, EdgeAttrs>({ type: 'directed', multi: false, allowSelfLoops: false });
  private s: MapSigma | undefined;
  private profile: RenderProfile | undefined;
  private readonly positions = new Map<string, Point>();
  private readonly layout: LayoutRunner;
  private hullCanvas: HTMLCanvasElement | undefined;
  private hulls: Hull[] = [];
  private colorMode: ColorMode = 'verdict';
  private selected: string | undefined;
  private edgeMembers = new Map<string, string[]>();
  private firstFrameSeen = false;
  /** Large maps: the layout starts once the first frame is on screen (it competes for the CPU with swiftshader). */
  private deferredLayout = false;
  private fullFrameSeen = false;
  /**
   * Large maps, first data given without its edges (see setData's `edgesPending`): the frame with
   * every edge and the layout wait for the next setData.
   */
  private edgesPending = false;
  /** The first frame is on screen (two animation frames after sigma drew it). */
  private firstFrameShown = false;
  private readonly firstFrameWaiters: (() => void)[] = [];
  /** setData has run once. */
  private dataSeen = false;
  /** Large maps: camera moves shift the last frame, sigma draws when the camera stops. */
  mover: BitmapMover | undefined;
  showHulls = true;

  /**
   * Sigma is built on the first setData, with the program set prepare chose (the app calls it
   * with the number of edges it will show), else the one that data's size needs; `profile`
   * forces one (tests, comparisons).
   */
  constructor(private readonly container: HTMLElement, private readonly cb: MapCallbacks, private readonly forcedProfile?: RenderProfile) {
    for (const [k, p] of loadStoredPositions()) { this.positions.set(k, p); this.placed.add(k); }
    this.layout = new LayoutRunner(this.graph, (p) => {
      this.updateHulls();
      if (p.settled) {
        this.graph.forEachNode((k, a) => { this.positions.set(k, { x: a.x, y: a.y }); this.placed.add(k); });
        this.storePositions();
      }
      cb.onLayout(p);
    });
  }

  /** Keys whose position came from a finished layout (this visit or an earlier one): they never move again unasked. */
  private readonly placed = new Set<string>();

  /** The map's positions first, then what was stored for other levels and estates. */
  private storePositions(): void {
    const current = new Map<string, Point>();
    this.graph.forEachNode((k, a) => current.set(k, { x: a.x, y: a.y }));
    const older = new Map([...this.positions].filter(([k]) => this.placed.has(k)));
    try {
      localStorage.setItem(POSITIONS_STORAGE_KEY, encodePositions(current, older));
    } catch {
      // storage full or disabled: positions are kept for this visit only
    }
  }

  /** The sigma instance; exists once the first setData has built it. */
  get sigma(): MapSigma {
    if (!this.s) throw new Error('netatlas/web: the map has no sigma yet (the first setData builds it)');
    return this.s;
  }

  /** The program set chosen (prepare) or sigma was built with; undefined before either. */
  get renderProfile(): RenderProfile | undefined {
    return this.profile;
  }

  private buildMs: number | undefined;

  /** How long building sigma took (ms), once it is built. */
  get sigmaBuildMs(): number | undefined {
    return this.buildMs;
  }

  /** The program set a map of `edges` drawn edges gets (the one sigma was built with, once it is). */
  profileFor(edges: number): RenderProfile {
    return this.profile ?? this.forcedProfile ?? renderProfileFor(edges);
  }

  /**
   * Choose the program set for a map of `edges` drawn edges before its first data (a large map's
   * first data may be its nodes alone). Sigma is built with it on the first setData, after that
   * data's graph: its construction mostly waits on the GPU process (context set-up, program
   * links), which by then has had the graph build's time to finish the page's compositor frames
   * (A/B against sigma built first: first loads after a browser start ~0.2 s sooner by median,
   * later loads unchanged). Does nothing once chosen.
   */
  prepare(edges: number): void {
    if (this.profile === undefined) this.profile = this.profileFor(edges);
  }

  /** Sigma on an empty graph (setGraph then draws the first data, with every listener bound). */
  private createSigma(profile: RenderProfile): MapSigma {
    const light = profile === 'light';
    const edges = light ? lightEdges() : fullEdges();
    performance.mark('netatlas:sigma-start');
    const t0 = performance.now();
    const empty = new Graph<NodeAttrs, EdgeAttrs>({ type: 'directed', multi: false, allowSelfLoops: false });
    const sigma = new Sigma<NodeAttrs, EdgeAttrs, Attributes, DimState, DimState>(empty, this.container, {
      customNodeState: { dimmed: false },
      customEdgeState: { dimmed: false },
      primitives: { nodes: NODE_PRIMITIVES, edges: edges.primitives } as never,
      styles: { nodes: NODE_STYLES, edges: edges.styles, stage: { background: STAGE_BACKGROUND } } as never,
      settings: {
        // large maps: no edge picking pass (an edge is opened from the table or a node's panel)
        enableEdgeEvents: !light,
        renderEdgeLabels: false,
        // node labels are placed by the map itself (state/labels.ts): by priority, never overprinted
        renderLabels: false,
        labelDensity: 0.6,
        labelRenderedSizeThreshold: 6,
        // antialiasing doubles the fragment work of edges; on large maps it is not visible anyway
        antialiasEdges: !light,
        // large maps: camera moves move the last frame instead of drawing (BitmapMover); sigma's
        // hideEdgesOnMove would also re-index the whole graph after each drag
        hideEdgesOnMove: false,
        hideLabelsOnMove: false,
        itemSizesReference: 'screen',
        autoRescale: 'once',
        stagePadding: 40,
        gestureTarget: 'graph',
        // the map may be laid out while hidden behind the table; sigma resizes when it shows
        allowInvalidContainer: true,
      },
    });
    this.s = sigma;
    this.profile = profile;
    const hulls = sigma.createCanvas('hulls', { beforeLayer: 'stage', style: { pointerEvents: 'none' } });
    this.hullCanvas = hulls;
    const labels = sigma.createCanvas('netatlas-labels', { afterLayer: 'stage', style: { pointerEvents: 'none' } });
    this.labelCanvas = labels;
    if (light) {
      // camera moves shift the last frame (measured: `npm run bench web`, its last line); the
      // nodes-only frames before the edges are in are not kept for moves (the next frame follows
      // at once). Skipping sigma's picking pass in those frames was tried and dropped: the first
      // picture of the 10k estate opened unfolded took 1354-1782 ms with the skip, 1452-1511 ms without
      if (!window.netatlasBenchNoMover) this.mover = new BitmapMover(sigma as unknown as Sigma, this.container, () => [hulls, sigma.getStageCanvas(), labels], () => !this.edgesPending);
    }
    this.bindEvents();
    this.buildMs = performance.now() - t0;
    performance.mark('netatlas:sigma-built');
    return sigma;
  }

  private bindEvents(): void {
    const s = this.sigma;
    s.on('enterNode', ({ node }) => { this.hovered = node; this.applyFocus(); });
    s.on('leaveNode', () => { this.hovered = undefined; this.applyFocus(); });
    s.on('clickNode', ({ node }) => { performance.mark('netatlas:click-node'); this.cb.onNodeClick(node); });
    s.on('doubleClickNode', (e) => {
      if (!this.cb.onNodeDoubleClick) return;
      e.preventSigmaDefault();
      this.cb.onNodeDoubleClick(e.node);
    });
    s.on('clickEdge', ({ edge }) => this.cb.onEdgeClick(edge, this.edgeMembers.get(edge) ?? []));
    s.on('clickStage', () => this.cb.onStageClick());
    s.once('beforeRender', () => performance.mark('netatlas:first-render'));
    s.on('afterRender', () => {
      // the framing (graph -> camera coordinates) is kept from the first frame on: sigma
      // recomputes it from the graph's extent on every setGraph, so a live update, a fold or a
      // filter after the layout had moved the nodes would shift the whole picture under a still
      // camera (and a shared camera in the URL would no longer point where it did)
      if (this.graph.order > 0 && !s.getCustomBBox()) s.setCustomBBox(s.getBBox());
      this.drawHulls();
      this.drawLabels();
      if (!this.firstFrameSeen && this.graph.order > 0) {
        this.firstFrameSeen = true;
        this.cb.onFirstFrame();
        // on screen once the compositor has taken it: two animation frames later
        requestAnimationFrame(() => requestAnimationFrame(() => this.firstFramePresented()));
      }
      if (!this.fullFrameSeen && this.firstFrameSeen && !this.edgesPending) {
        this.fullFrameSeen = true;
        performance.mark('netatlas:full-frame');
        this.cb.onFullFrame?.();
      }
    });
    let pending: ReturnType<typeof setTimeout> | undefined;
    s.getCamera().on('updated', () => {
      // the URL follows the camera once it has stopped: history.replaceState on every frame of a
      // drag cost ~30 ms per frame in Chromium (measured)
      if (pending !== undefined) clearTimeout(pending);
      pending = setTimeout(() => {
        pending = undefined;
        const state = s.getCamera().getState();
        this.cb.onCameraChange({ x: state.x, y: state.y, ratio: state.ratio });
      }, 150);
    });
  }

  private clearHighlight(): void {
    const s = this.sigma;
    const nodes = this.graph.filterNodes((n) => { const st = s.getNodeState(n); return st.isHighlighted || st.dimmed; });
    if (nodes.length) s.setNodesState(nodes, { isHighlighted: false, dimmed: false });
    const edges = this.graph.filterEdges((e) => { const st = s.getEdgeState(e); return st.isHighlighted || st.dimmed; });
    if (edges.length) s.setEdgesState(edges, { isHighlighted: false, dimmed: false });
  }

  setColorMode(mode: ColorMode): void {
    if (mode === this.colorMode) return;
    this.colorMode = mode;
    this.graph.updateEachNodeAttributes((_k, a) => this.nodeDisplay(a), { attributes: ['color'] });
    this.graph.updateEachEdgeAttributes((_k, a) => this.edgeDisplay(a), { attributes: ['color', 'size', 'dashSize', 'depth', 'zIndex'] });
  }

  /** Display attributes of a node from its data, the colour mode and the selection. */
  private nodeDisplay(a: NodeAttrs): NodeAttrs {
    const selected = !!a.selected;
    a.color = this.colorMode === 'risk' && a.kind !== 'external' ? riskColor(a.risk ?? 0) : a.baseColor;
    a.labelVisibility = selected || a.kind === 'group' || a.kind === 'cluster' || a.kind === 'namespace' ? 'visible' : 'auto';
    a.depth = selected ? 'topNodes' : 'nodes';
    a.backdrop = selected ? 'visible' : 'hidden';
    return a;
  }

  private edgeDisplay(a: EdgeAttrs): EdgeAttrs {
    const diffMode = this.colorMode === 'diff';
    a.color = a.cut ? CUT_COLOR : diffMode ? (a.diff ? DIFF_COLORS[a.diff] : '#c9ced4') : VERDICT_COLORS[a.verdict];
    a.size = a.cut ? Math.max(4, edgeWidth(a.count)) : a.diff === 'would-break' && diffMode ? Math.max(3.5, edgeWidth(a.count)) : a.diff === 'unobserved' ? 1.6 : edgeWidth(a.count);
    // a dense map fades its edges so that nodes and labels stay readable (hover or select to see one node's edges)
    a.opacity = a.selected || a.cut ? 1 : Math.max(0.1, (a.interCluster ? 0.95 : 0.75) * this.edgeFade);
    a.tail = a.interCluster ? 'circle' : 'none';
    a.dashSize = a.cut ? 8 : a.diff === 'unobserved' && diffMode ? 6 : 0;
    a.depth = a.selected || a.cut || a.interCluster || (diffMode && a.diff === 'would-break') ? 'topEdges' : 'edges';
    a.zIndex = diffMode && a.diff === 'would-break' ? 10 : a.interCluster ? 5 : 0;
    return a;
  }

  /**
   * Show `data`: the whole graph of the current level, which the layout places. `visible` (the
   * filtered part of it, default all) is what is drawn: the rest stays in the graph, hidden, so
   * that a filter never moves anything. Nodes keep their positions across calls and reloads
   * (positions.ts); nodes never placed before are seeded (the first time) or put next to their
   * namespace, and only they are laid out.
   *
   * `edgesPending` (from the first data of a large map on, whose program set prepare has chosen):
   * `data` holds the nodes and the edges are still to come; the first setData without it
   * brings them (call it once afterFirstFrame has resolved, so that the nodes are on screen
   * before the edges are built). The layout starts then.
   */
  setData(data: MapGraph, opts: { edgesPending?: boolean; visible?: MapGraph } = {}): void {
    // the program set is chosen once, before sigma is built (prepare, else here)
    const profile = this.profileFor(data.edges.length);
    const firstData = !this.dataSeen;
    this.dataSeen = true;
    const wasPending = this.edgesPending;
    this.edgesPending = (firstData || wasPending) && profile === 'light' && opts.edgesPending === true;
    const edgesCame = wasPending && !this.edgesPending;
    // remember where everything was, so collapsing and expanding restores positions
    this.graph.forEachNode((k, a) => this.positions.set(k, { x: a.x, y: a.y }));
    const unplaced = data.nodes.filter((n) => !this.positions.has(n.key));
    // nothing of this map placed yet (a first visit): the deterministic seed, then the whole layout
    const fresh = unplaced.length === data.nodes.length;
    const seeded = fresh ? seedPositions(data.nodes, isAggregate(data.nodes) ? 30 : 10) : undefined;
    const shownNodes = opts.visible ? new Map(opts.visible.nodes.map((n) => [n.key, n] as const)) : undefined;
    const shownEdges = opts.visible ? new Map(toDisplayEdges(opts.visible.edges).map((d) => [d.key, d] as const)) : undefined;
    const added: string[] = [];
    const placedHere = new Map<string, number>();
    this.layout.stop();
    const g = new Graph<NodeAttrs, EdgeAttrs>({ type: 'directed', multi: false, allowSelfLoops: false });
    for (const whole of data.nodes) {
      const n = shownNodes?.get(whole.key) ?? whole;
      let p = this.positions.get(n.key) ?? seeded?.get(n.key);
      if (!p) { p = this.placeNear(n, data.nodes, placedHere); added.push(n.key); }
      const look = nodeLook(n.kind, n.infra);
      // a group grows with its members, gently: sizes are screen pixels at every zoom
      const size = n.kind === 'group' ? Math.min(10, 3 + Math.sqrt(n.members ?? 1) * 0.5) : look.size;
      g.addNode(n.key, this.nodeDisplay({
        x: p.x, y: p.y, size, hoverSize: size * 1.4,
        label: n.kind === 'group' ? `${n.label} (${n.members ?? 0})` : n.label,
        kind: n.kind, shape: look.shape, baseColor: look.color, color: look.color,
        ...(n.cluster !== undefined ? { cluster: n.cluster } : {}),
        ...(n.namespace !== undefined ? { namespace: n.namespace } : {}),
        ...(n.risk !== undefined ? { risk: n.risk } : {}),
        selected: n.key === this.selected,
        visibility: !shownNodes || shownNodes.has(n.key) ? 'visible' : 'hidden',
        labelVisibility: 'auto', depth: 'nodes', backdrop: 'hidden',
      }));
    }
    this.edgeMembers.clear();
    const displayEdges = toDisplayEdges(data.edges);
    for (const whole of displayEdges) {
      if (!g.hasNode(whole.source) || !g.hasNode(whole.target)) continue;
      const d = shownEdges?.get(whole.key) ?? whole;
      g.addDirectedEdgeWithKey(d.key, d.source, d.target, this.edgeDisplay({
        count: d.count, verdict: verdictClass(d.verdicts), interCluster: d.interCluster,
        ...(d.diff ? { diff: d.diff } : {}), ports: d.ports.join(', '), selected: d.key === this.selected, cut: d.key === this.path?.cutEdge,
        shown: !shownEdges || shownEdges.has(d.key), visibility: 'hidden',
        size: 1, color: '', opacity: 1, tail: 'none', dashSize: 0, depth: 'edges', zIndex: 0,
      }));
      this.edgeMembers.set(d.key, d.members);
    }
    this.graph = g;
    this.applyBudget();
    this.layout.setGraph(g);
    performance.mark(edgesCame ? 'netatlas:edges-built' : 'netatlas:graph-built');
    if (firstData) this.deferredLayout = this.edgesPending;
    // the hulls of the new nodes are in the frame sigma draws next (not in one more frame after it)
    this.computeHulls();
    (this.s ?? this.createSigma(profile)).setGraph(g);
    this.applyFocus();
    performance.mark(edgesCame ? 'netatlas:edges-shown' : 'netatlas:sigma-ready');
    if (this.deferredLayout) {
      // the layout of the whole graph starts once the first frame is on screen and the edges are in
      if (this.firstFrameShown && !this.edgesPending) {
        this.deferredLayout = false;
        this.startLayout();
      }
    } else if (fresh && data.nodes.length > 0) {
      this.startLayout();
    } else if (added.length > 0 && !g.someNode((_k, a) => a.kind === 'group')) {
      // newcomers in a map of workloads are refined by the layout, everything else held still;
      // beside folded groups (an opened group) they keep their spiral: a force layout would
      // pull them towards their peers across the map
      this.layout.start(new Set(added));
    } else if (added.length > 0) {
      for (const k of added) this.placed.add(k);
      this.updateHulls();
      if (firstData) this.cb.onLayout({ iterations: 0, settled: true, millis: 0, reason: 'kept' });
    } else if (!this.layout.resumeIfStopped() && firstData) {
      // every node kept its place from an earlier visit: nothing to lay out
      this.cb.onLayout({ iterations: 0, settled: true, millis: 0, reason: 'kept' });
    }
  }

  /**
   * The first layout: of everything when the map is new, else of what has no place yet. An
   * aggregate map (groups, namespaces, clusters and external peers only) keeps its seeded
   * arrangement (clusters as islands, namespaces on a spiral in each): a force layout pulls such
   * a dense graph of few nodes into one disc.
   */
  private startLayout(): void {
    if (isAggregate(this.graph.mapNodes((_k, a) => a))) {
      this.graph.forEachNode((k, a) => { this.positions.set(k, { x: a.x, y: a.y }); this.placed.add(k); });
      this.storePositions();
      this.updateHulls();
      this.cb.onLayout({ iterations: 0, settled: true, millis: 0, reason: 'kept' });
      return;
    }
    const unplaced = this.graph.filterNodes((k) => !this.placed.has(k));
    if (unplaced.length === this.graph.order) this.layout.start();
    else if (unplaced.length > 0) this.layout.start(new Set(unplaced));
    else this.cb.onLayout({ iterations: 0, settled: true, millis: 0, reason: 'kept' });
  }

  /**
   * Resolves once the first frame with data is on screen (at once when there is nothing to
   * draw): a large map given its nodes first (setData's `edgesPending`) gets its edges after it.
   */
  afterFirstFrame(): Promise<void> {
    if (this.firstFrameShown || this.graph.order === 0) return Promise.resolve();
    return new Promise((resolve) => this.firstFrameWaiters.push(resolve));
  }

  /** The first frame is on screen: whoever waits for it (a large map's edges), and the layout. */
  private firstFramePresented(): void {
    this.firstFrameShown = true;
    for (const resolve of this.firstFrameWaiters.splice(0)) resolve();
    if (this.deferredLayout && !this.edgesPending) {
      this.deferredLayout = false;
      this.startLayout();
    }
  }

  /**
   * A new node starts on a small spiral around the known nodes of its namespace (else cluster):
   * an opened group spreads where the group was, a live newcomer lands among its neighbours.
   */
  private placeNear(n: MapNode, all: readonly MapNode[], placedHere: Map<string, number>): Point {
    let sx = 0, sy = 0, c = 0, cx = 0, cy = 0, cc = 0;
    for (const o of all) {
      const p = this.positions.get(o.key);
      if (!p || o.cluster !== n.cluster) continue;
      cx += p.x; cy += p.y; cc++;
      if (n.namespace !== undefined && o.namespace === n.namespace) { sx += p.x; sy += p.y; c++; }
    }
    const home = `${n.cluster ?? ''}/${c ? n.namespace ?? '' : ''}`;
    const i = placedHere.get(home) ?? 0;
    placedHere.set(home, i + 1);
    const off = spiral(i, 14);
    if (c) return { x: sx / c + off.x, y: sy / c + off.y };
    if (cc) return { x: cx / cc + off.x, y: cy / cc + off.y };
    return off;
  }

  relayout(): void {
    this.layout.start();
  }

  stopLayout(): void {
    this.layout.stop();
  }

  /**
   * Select a node or a display edge (undefined clears): it stays emphasised, with its edges and
   * neighbours, until cleared; hovering another node shows that node's neighbourhood meanwhile.
   */
  select(key: string | undefined): void {
    const g = this.graph;
    const mark = (k: string | undefined, on: boolean): void => {
      if (k && g.hasNode(k)) {
        const a = g.getNodeAttributes(k);
        g.mergeNodeAttributes(k, this.nodeDisplay({ ...a, selected: on, size: on ? a.hoverSize : a.hoverSize / 1.4 }));
      }
      if (k && g.hasEdge(k)) g.mergeEdgeAttributes(k, this.edgeDisplay({ ...g.getEdgeAttributes(k), selected: on }));
    };
    // a selection replaces the attack path shown
    if (this.path?.cutEdge && g.hasEdge(this.path.cutEdge)) g.mergeEdgeAttributes(this.path.cutEdge, this.edgeDisplay({ ...g.getEdgeAttributes(this.path.cutEdge), cut: false }));
    this.path = undefined;
    mark(this.selected, false);
    this.selected = key;
    mark(key, true);
    if (this.budgetLimited) this.applyBudget();
    this.applyFocus();
  }

  /** Whether the edge budget left edges out of the last picture. */
  private budgetLimited = false;
  /** The drawn edges: those the filters keep and the edge budget draws. */
  drawnEdges = 0;

  /**
   * Draw the edges the filters keep; past EDGE_BUDGET on a folded map (groups on it), only the
   * strongest, dropped ones first, plus all of the selection's and the attack path's shown
   * (state/edge-budget.ts). A map of
   * workloads or pods draws every edge. Edge opacity fades with the number drawn.
   */
  private applyBudget(): void {
    const g = this.graph;
    const candidates: { key: string; source: string; target: string; count: number; dropped: boolean }[] = [];
    g.forEachEdge((key, a, source, target) => {
      if (a.shown) candidates.push({ key, source, target, count: a.count, dropped: a.verdict === 'dropped' || a.verdict === 'mixed' || a.diff === 'would-break' || a.diff === 'blocked' });
    });
    const folded = g.someNode((_k, a) => a.kind === 'group');
    const { drawn, total, limited } = budgetEdges(candidates, folded ? EDGE_BUDGET : Infinity, this.selected, this.path?.edges);
    this.budgetLimited = limited;
    this.drawnEdges = drawn.size;
    const fade = Math.min(1, 800 / Math.max(1, drawn.size));
    const refade = fade !== this.edgeFade;
    this.edgeFade = fade;
    g.forEachEdge((key, a) => {
      const visibility = drawn.has(key) ? 'visible' : 'hidden';
      if (refade) g.mergeEdgeAttributes(key, this.edgeDisplay({ ...a, visibility }));
      else if (a.visibility !== visibility) g.setEdgeAttribute(key, 'visibility', visibility);
    });
    this.cb.onEdgesDrawn?.(drawn.size, total, limited);
  }

  /** The per-port edge keys behind a display edge. */
  edgeMembersOf(displayKey: string): readonly string[] {
    return this.edgeMembers.get(displayKey) ?? [];
  }

  /** The selected key, if it is on the map. */
  get selection(): string | undefined {
    return this.selected;
  }

  /** The nodes around a node or a display edge: itself (or its two ends) and its drawn neighbours. */
  neighbourhood(key: string): { nodes: Set<string>; edges: Set<string> } {
    const g = this.graph;
    const visible = (k: string): boolean => g.getNodeAttribute(k, 'visibility') === 'visible';
    if (g.hasEdge(key)) return { nodes: new Set([g.source(key), g.target(key)]), edges: new Set([key]) };
    if (!g.hasNode(key)) return { nodes: new Set(), edges: new Set() };
    const edges = new Set(g.filterEdges(key, (e, a) => a.visibility === 'visible'));
    const nodes = new Set([key, ...g.neighbors(key).filter((n) => visible(n) && (edges.has(`${key}=>${n}`) || edges.has(`${n}=>${key}`)))]);
    return { nodes, edges };
  }

  /** Dim everything but the hovered node's (else the selection's) neighbourhood; nothing when neither. */
  private applyFocus(): void {
    if (!this.s) return;
    const s = this.s;
    const key = this.hovered ?? this.selected;
    this.labelOrder = undefined;
    this.clearHighlight();
    const path = this.hovered === undefined ? this.path : undefined;
    if (!path && (!key || (!this.graph.hasNode(key) && !this.graph.hasEdge(key)))) return;
    // a large map's first frame has no edges yet: no highlight until they are in
    if (this.edgesPending) return;
    const { nodes, edges } = path ? this.pathOnMap(path) : this.neighbourhood(key!);
    s.setNodesState(this.graph.filterNodes((n) => !nodes.has(n)), { dimmed: true });
    s.setEdgesState(this.graph.filterEdges((e) => !edges.has(e)), { dimmed: true });
    s.setNodesState([...nodes], { isHighlighted: true });
    s.setEdgesState([...edges], { isHighlighted: true });
  }

  private hovered: string | undefined;
  /** The attack path shown (showPath): lit in place of the selection's neighbourhood. */
  private path: PathFocus | undefined;

  /**
   * Light an attack path (undefined clears): its nodes and edges emphasised, the rest dimmed
   * (hovering a node still shows that node's neighbourhood meanwhile), the edge its cut removes
   * drawn dashed in the cut colour. Clears the selection.
   */
  showPath(path: PathFocus | undefined): void {
    const g = this.graph;
    const markCut = (k: string | undefined, on: boolean): void => {
      if (k && g.hasEdge(k)) g.mergeEdgeAttributes(k, this.edgeDisplay({ ...g.getEdgeAttributes(k), cut: on }));
    };
    if (this.selected !== undefined) this.select(undefined);
    markCut(this.path?.cutEdge, false);
    this.path = path;
    markCut(path?.cutEdge, true);
    if (this.budgetLimited) this.applyBudget();
    this.applyFocus();
  }

  /** The shown path's nodes and edges that are on the map now. */
  private pathOnMap(path: PathFocus): { nodes: Set<string>; edges: Set<string> } {
    return { nodes: new Set([...path.nodes].filter((k) => this.graph.hasNode(k))), edges: new Set([...path.edges].filter((k) => this.graph.hasEdge(k))) };
  }

  /** The attack path shown, if any (tests read it). */
  get shownPath(): PathFocus | undefined {
    return this.path;
  }

  /** Display keys of the edges first seen in this Live session (markNewEdges). */
  private newEdges: ReadonlySet<string> = new Set();

  /** Mark these drawn edges (display keys) as new: a ring at their middle and a halo along them, over the map; an empty set clears. */
  markNewEdges(keys: ReadonlySet<string>): void {
    if (keys.size === 0 && this.newEdges.size === 0) return;
    this.newEdges = keys;
    this.s?.scheduleRender();
  }

  /** The marked edges drawn now (tests read it). */
  get markedEdges(): string[] {
    return [...this.newEdges].filter((k) => this.graph.hasEdge(k) && this.graph.getEdgeAttribute(k, 'visibility') === 'visible');
  }

  /** 1 up to 800 drawn edges, less beyond: see edgeDisplay. */
  private edgeFade = 1;

  private labelCanvas: HTMLCanvasElement | undefined;
  /** Visible node keys, highest label priority first; recomputed after a data, focus or colour change. */
  private labelOrder: { key: string; focus: boolean }[] | undefined;
  private readonly textWidths = new Map<string, number>();
  /** The labels of the last frame (tests and the benchmark read them). */
  drawnLabels: readonly PlacedLabel[] = [];

  private computeLabelOrder(): { key: string; focus: boolean }[] {
    const g = this.graph;
    const focusKey = this.hovered ?? this.selected;
    const around = this.hovered === undefined && this.path ? this.pathOnMap(this.path).nodes : focusKey ? this.neighbourhood(focusKey).nodes : undefined;
    const selectedEnds = this.path && !this.selected ? this.pathOnMap(this.path).nodes : this.selected ? (g.hasEdge(this.selected) ? new Set([g.source(this.selected), g.target(this.selected)]) : new Set([this.selected])) : new Set<string>();
    const traffic = new Map<string, number>();
    g.forEachEdge((_e, a, src, dst) => {
      if (a.visibility !== 'visible') return;
      traffic.set(src, (traffic.get(src) ?? 0) + a.count);
      traffic.set(dst, (traffic.get(dst) ?? 0) + a.count);
    });
    const ranked: { key: string; focus: boolean; rank: number }[] = [];
    g.forEachNode((k, a) => {
      if (a.visibility !== 'visible') return;
      const risky = a.risk !== undefined && a.risk >= 50;
      const tier: LabelTier = selectedEnds.has(k) ? 'selected' : around?.has(k) ? 'neighbour' : risky ? 'risky'
        : a.kind === 'cluster' || a.kind === 'namespace' || a.kind === 'group' ? 'aggregate' : 'traffic';
      ranked.push({ key: k, focus: !around || around.has(k), rank: labelPriority(tier, tier === 'risky' ? a.risk ?? 0 : traffic.get(k) ?? 0) });
    });
    ranked.sort((a, b) => b.rank - a.rank);
    return ranked;
  }

  private drawLabels(): void {
    const canvas = this.labelCanvas;
    if (!canvas || !this.s) return;
    const s = this.s;
    const { width, height } = s.getDimensions();
    const ctx = fitCanvas(canvas, width, height);
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const g = this.graph;
    const at = (k: string): Point | undefined => (g.hasNode(k) && g.getNodeAttribute(k, 'visibility') === 'visible' ? s.graphToViewport(g.getNodeAttributes(k)) : undefined);
    if (this.path) drawPath(ctx, this.path, at);
    const order = (this.labelOrder ??= this.computeLabelOrder());
    const focusOf = new Map<string, boolean>();
    const font = (strong: boolean | undefined): string => (strong ? '600 13px system-ui, sans-serif' : '12px system-ui, sans-serif');
    const self = this;
    function* candidates(): Generator<LabelCandidate> {
      for (const { key, focus } of order) {
        if (!g.hasNode(key)) continue;
        const a = g.getNodeAttributes(key);
        const p = s.graphToViewport(a);
        focusOf.set(key, focus);
        yield { key, text: a.label, x: p.x, y: p.y, radius: a.selected ? a.hoverSize : a.size, ...(key === self.selected ? { strong: true } : {}) };
      }
    }
    const placed = placeLabels(candidates(), (c) => {
      const id = `${c.strong ? 'b' : 'n'}${c.text}`;
      let w = this.textWidths.get(id);
      if (w === undefined) { ctx.font = font(c.strong); w = ctx.measureText(c.text).width; this.textWidths.set(id, w); }
      return { width: w, height: 14 };
    }, { width, height, max: 400 });
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    for (const l of placed) {
      ctx.font = font(l.strong);
      ctx.lineWidth = 3;
      ctx.strokeStyle = LABEL_HALO;
      ctx.strokeText(l.text, l.left, l.y);
      ctx.fillStyle = focusOf.get(l.key) === false ? LABEL_DIMMED : LABEL_COLOR;
      ctx.fillText(l.text, l.left, l.y);
    }
    this.drawnLabels = placed;
    if (this.path?.fromInternet !== undefined) drawPathEntry(ctx, at(this.path.fromInternet));
    // over the labels: a mark that a label hid would tell nothing
    drawNewEdges(ctx, this.markedEdges.map((k) => [at(g.source(k)), at(g.target(k))] as const));
  }

  /** Animate the camera onto a node, zoomed in enough to read its neighbourhood. */
  focusNode(key: string): boolean {
    if (!this.s || !this.graph.hasNode(key)) return false;
    const display = this.sigma.getNodeDisplayData(key);
    if (!display) return false;
    this.sigma.getCamera().animate({ x: display.x, y: display.y, ratio: 0.15 }, { duration: 400 });
    return true;
  }

  getCameraView(): CameraView | undefined {
    if (!this.s) return undefined;
    const c = this.sigma.getCamera().getState();
    return { x: c.x, y: c.y, ratio: c.ratio };
  }

  setCameraView(view: CameraView): void {
    this.s?.getCamera().setState({ x: view.x, y: view.y, ratio: view.ratio });
  }

  zoom(factor: number): void {
    if (!this.s) return;
    const cam = this.sigma.getCamera();
    cam.animate({ ratio: cam.getState().ratio / factor }, { duration: 200 });
  }

  /** Frame what is drawn (every visible node), or `keys` when given. */
  fitToNodes(animate = true, keys?: Iterable<string>): void {
    if (!this.s) return;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    const take = (k: string): void => {
      const d = this.sigma.getNodeDisplayData(k);
      if (!d) return;
      if (d.x < minX) minX = d.x; if (d.x > maxX) maxX = d.x; if (d.y < minY) minY = d.y; if (d.y > maxY) maxY = d.y;
    };
    if (keys) { for (const k of keys) if (this.graph.hasNode(k)) take(k); }
    else this.graph.forEachNode((k, a) => { if (a.visibility === 'visible') take(k); });
    if (!Number.isFinite(minX)) return;
    // a lone node (or a tight group) is framed at a readable zoom, not infinitely close
    const state = { x: (minX + maxX) / 2, y: (minY + maxY) / 2, ratio: Math.max(0.2, Math.max(maxX - minX, maxY - minY) * 1.2), angle: 0 };
    if (animate) this.sigma.getCamera().animate(state, { duration: 300 });
    else this.sigma.getCamera().setState(state);
  }

  resetCamera(): void {
    this.fitToNodes();
  }

  /** Hulls in graph coordinates, recomputed when positions change (not on every frame). */
  updateHulls(): void {
    this.computeHulls();
    this.s?.scheduleRender();
  }

  private computeHulls(): void {
    this.hulls = computeHulls(this.graph);
  }

  private drawHulls(): void {
    if (!this.hullCanvas) return;
    const { width, height } = this.sigma.getDimensions();
    drawHulls(this.hullCanvas, width, height, this.outlines());
  }

  /** The cluster and namespace outlines drawn now (none when hidden), padded, in viewport pixels. */
  outlines(): Outline[] {
    if (!this.showHulls || !this.s) return [];
    return outlinesOf(this.hulls, (p) => this.sigma.graphToViewport(p));
  }

  /** The current view as a PNG (hulls and stage composited), rendered on demand. */
  toPNG(): Promise<Blob> {
    return new Promise((resolve, reject) => {
      this.sigma.once('afterRender', () => {
        const stage = this.sigma.getStageCanvas();
        const out = document.createElement('canvas');
        out.width = stage.width;
        out.height = stage.height;
        const ctx = out.getContext('2d');
        if (!ctx) { reject(new Error('netatlas/web: no 2D context for the PNG export')); return; }
        if (this.hullCanvas) ctx.drawImage(this.hullCanvas, 0, 0, out.width, out.height);
        ctx.drawImage(stage, 0, 0);
        out.toBlob((b) => (b ? resolve(b) : reject(new Error('netatlas/web: the PNG export produced nothing'))), 'image/png');
      });
      this.sigma.refresh();
    });
  }

  kill(): void {
    this.layout.kill();
    this.s?.kill();
  }
}
