/**
 * netatlas web UI: wiring only. Domain logic lives in state/ (pure, unit-tested), drawing in
 * render/, DOM panels in ui/.
 */
import { api, ApiRequestError, type GraphAnswer } from './api.ts';
import { MapView, type RenderProfile } from './render/map.ts';
import { clusterKey, namespaceKey } from '../../generator/model/index.ts';
import { collapseAround, expandGroup, READABLE_NODES, readableCollapse } from './state/aggregate.ts';
import { collapseGraph } from './state/collapse.ts';
import { displayEdgeKey } from './state/display.ts';
import { applyFilters, EMPTY_FILTERS, isEmptyFilters, type Filters } from './state/filters.ts';
import { applyDiff, deltaActivity, diffCategoryOf, mergeDelta, onlyDiffCategory, parseEdgeKey, riskScores, SEVERITY_SCORE, toMapEdge, toMapNode } from './state/graph-data.ts';
import { exportBatches } from './state/export.ts';
import { hopEvidence, hopTitle, INTERNET, pathFocus, percent, type AttackPath } from './state/attack-paths.ts';
import { groupFindings, humanizeKeys, humanKey, rankComponents, SEVERITY_ORDER } from './state/findings.ts';
import { searchNodes, type SearchHit } from './state/search.ts';
import { DIFF_COLORS, riskColor } from './state/style.ts';
import { EDGE_COLUMNS, edgeRows, filterRows, sortRows, type EdgeColumn } from './state/table.ts';
import { decodeViewState, encodeViewState, type ViewMode, type ViewState } from './state/url-state.ts';
import type { ApiNode, DiffResponse, Finding, GraphDelta, GraphResponse, L4Protocol, Level, MapEdge, MapGraph, MapNode, Verdict } from './types.ts';
import { DIFF_CATEGORIES } from './types.ts';
import { append, byId, clear, downloadBlob, formatTime, h } from './ui/dom.ts';
import { showEdge, showNode, yamlBlock, type PanelHost } from './ui/panels.ts';
import { dataSpan } from './state/time-brush.ts';
import { TimeBrushView } from './ui/time-brush-view.ts';
import { foldGroups } from './state/zoom-open.ts';
import { ZoomOpener } from './ui/zoom-open.ts';

/** Read-only figures for tests and the benchmark (no behaviour hangs on them). */
interface DebugInfo {
  loadedAt?: number; sigmaInitMs?: number; nodesFirst?: boolean; renderProfile?: string; firstFrameGpuDoneAt?: number; fullFrameAt?: number; fullFrameGpuDoneAt?: number; firstFrameAt?: number; layoutSettledAt?: number; layoutIterations?: number; layoutMillis?: number; layoutReason?: string;
  nodes: number; edges: number; errors: string[];
}
declare global { interface Window { netatlasDebug: DebugInfo; netatlasMap?: MapView; netatlasBenchSync?: boolean } }
window.netatlasDebug = { nodes: 0, edges: 0, errors: [] };
performance.mark('netatlas:app-chunk');

const SHOWN_VERDICTS: readonly Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT'];
const TABLE_LIMIT = 500;

class App {
  private view: ViewState;
  private raw: MapGraph = { nodes: [], edges: [] };
  private shown: MapGraph = { nodes: [], edges: [] };
  private nodesByKey = new Map<string, MapNode>();
  private diff: DiffResponse | undefined;
  private diffSummary: Readonly<Record<string, number>> = {};
  private findings: readonly Finding[] | undefined;
  private risk = new Map<string, number>();
  private events: EventSource | undefined;
  private seq = 0;
  private tableSort: { column: EdgeColumn; desc: boolean } = { column: 'count', desc: true };
  private readonly map: MapView;
  private readonly panel: PanelHost;
  /** Flow volume over time under From/To; a brush sets the window (issue 18 item 8). */
  private readonly timeBrush: TimeBrushView;
  /** Zooming onto a folded group opens it, zooming back out folds it (issue 18 item 1). */
  private readonly zoomOpener: ZoomOpener;
  private searchHits: SearchHit[] = [];
  private searchIndex = -1;
  private cameraTouched = false;
  private layoutDone = false;
  /** Counts load() calls: an answer that comes after a newer load() started is dropped. */
  private loads = 0;
  /** raw holds the first answer's nodes, its edges are on their way (see load). */
  private edgesPending = false;

  /** The URL names no folded groups: the first data decides them (readableCollapse). */
  private autoFold: boolean;
  /** What that decided (left out of the URL while unchanged). */
  private autoCollapsed: readonly string[] | undefined;

  constructor() {
    this.view = decodeViewState(location.search);
    this.autoFold = !new URLSearchParams(location.search).has('collapsed');
    // `?render=light|full` forces sigma's program set (tests, side-by-side comparisons)
    const forced = new URLSearchParams(location.search).get('render');
    this.map = new MapView(byId('map'), {
      onNodeClick: (key) => this.select(key),
      onNodeDoubleClick: (key) => this.openOrFold(key),
      onEdgeClick: (key, members) => { this.setView({ selection: key }); this.map.select(key); void showEdge(this.panel, key, members); },
      onStageClick: () => this.select(undefined),
      onCameraChange: (camera) => { if (this.layoutDone) this.setView({ camera }, false); },
      onLayout: (p) => {
        window.netatlasDebug.layoutIterations = p.iterations;
        if (p.settled) {
          // frame the settled layout, unless the URL asked for a camera or the user moved it
          if (!this.view.camera && !this.cameraTouched) this.map.fitToNodes(false);
          window.netatlasDebug.layoutSettledAt = performance.now();
          this.layoutDone = true;
          window.netatlasDebug.layoutMillis = p.millis;
          window.netatlasDebug.layoutReason = p.reason;
          this.status(`${this.shown.nodes.length} nodes, ${this.shown.edges.length} edges · layout settled after ${p.iterations} iterations (${Math.round(p.millis)} ms)`);
        }
      },
      onFirstFrame: () => {
        window.netatlasDebug.firstFrameAt = performance.now();
        window.netatlasDebug.firstFrameGpuDoneAt = this.gpuDone();
      },
      onFullFrame: () => {
        window.netatlasDebug.fullFrameAt = performance.now();
        window.netatlasDebug.fullFrameGpuDoneAt = this.gpuDone();
      },
    }, forced === 'light' || forced === 'full' ? (forced as RenderProfile) : undefined);
    window.netatlasMap = this.map;
    // a user's own camera move (drag, wheel) is kept: the settled layout is not framed over it
    for (const type of ['wheel', 'pointerdown'] as const) byId('map').addEventListener(type, () => { this.cameraTouched = true; }, { capture: true, passive: true });
    this.panel = {
      body: byId('panel-body'),
      root: byId('panel'),
      nodeLabel: (key) => { const n = this.nodesByKey.get(key); return n && n.kind !== 'group' ? [n.cluster, n.namespace, n.label].filter(Boolean).join('/') : humanKey(key); },
      jumpTo: (key) => this.select(key, true),
      toggleGroup: (key) => { this.select(undefined); this.toggleGroup(key); },
      // issue 18 items 7 and 9: an edge's connections in the view's window; an aggregated edge's pairs
      selectPair: (pair) => void this.selectPair(pair.source, pair.target, pair.edges),
      timeWindow: () => ({ from: this.view.filters.since, to: this.view.filters.until }),
    };
    this.timeBrush = new TimeBrushView(byId('time-brush'), (w) => {
      byId<HTMLSelectElement>('f-window').value = '';
      this.setFilters({ since: w?.since, until: w?.until });
    });
    this.zoomOpener = new ZoomOpener(this.map, byId('map'), {
      collapsed: () => this.view.collapsed,
      open: (group) => this.openGroup(group),
      fold: (groups) => { this.setView({ collapsed: foldGroups(this.view.collapsed, groups) }, false); this.render(); },
    });
    this.bindControls();
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

  // ------------------------------------------------------------------ state and URL

  /** `rerender`: redraw, and frame the result (a camera-only change does neither). */
  private setView(patch: Partial<ViewState>, rerender = true): void {
    this.view = { ...this.view, ...patch };
    const q = encodeViewState(this.view, this.autoCollapsed);
    history.replaceState(null, '', q ? `?${q}` : location.pathname);
    if (rerender) this.render(true);
  }

  private setFilters(patch: Partial<Filters>): void {
    this.setView({ filters: { ...this.view.filters, ...patch } });
  }

  /** An error the user can act on, with Retry; undefined hides it. */
  private showBanner(text: string | undefined, retry?: () => void): void {
    const banner = byId('banner');
    banner.hidden = text === undefined;
    clear(banner);
    if (text === undefined) return;
    append(banner, h('strong', {}, 'Error'), h('span', {}, text));
    if (retry) append(banner, h('button', { type: 'button', onclick: () => { banner.hidden = true; retry(); } }, 'Retry'));
  }

  private status(text: string): void {
    // unchanged text is not written: every DOM change before the map's first frame costs a
    // repaint, which software rendering does on the GPU thread sigma is waiting for
    const el = byId('status');
    if (el.textContent !== text) el.textContent = text;
  }

  async load(prefetched?: Promise<GraphAnswer>): Promise<void> {
    const load = ++this.loads;
    this.status('Loading graph…');
    let edges: Promise<GraphResponse> | undefined;
    let edgeCount: number | undefined;
    try {
      const answer = await (prefetched ?? api.graphAnswer(this.view.level, EMPTY_FILTERS));
      performance.mark('netatlas:graph-headers');
      // the first map, large by the count headers and shown whole (nothing filters, collapses or
      // diffs it): take its nodes as soon as the worker has them, its edges after the first frame
      // a map that will open folded (more nodes than readable) is drawn from its folded graph: no nodes-first path
      const willFold = this.autoFold && (answer.counts?.nodes ?? 0) > READABLE_NODES;
      const nodesFirst = !willFold && this.map.renderProfile === undefined && answer.counts && answer.nodesFirst && this.countsDecideProfile() &&
        this.map.profileFor(answer.counts.edges) === 'light' ? answer.nodesFirst : undefined;
      if (nodesFirst) { edges = answer.body; edgeCount = answer.counts?.edges; }
      window.netatlasDebug.nodesFirst = nodesFirst !== undefined;
      const g: { readonly nodes: readonly ApiNode[]; readonly edges?: GraphResponse['edges']; readonly stats?: GraphResponse['stats'] } = nodesFirst ? { nodes: await nodesFirst } : await answer.body;
      if (load !== this.loads) return;
      window.netatlasDebug.loadedAt = performance.now();
      performance.mark('netatlas:graph-parsed');
      this.raw = { nodes: g.nodes.map(toMapNode), edges: g.edges?.map(toMapEdge) ?? [] };
      if (g.stats) this.seq = g.stats.seq;
      performance.mark('netatlas:graph-converted');
      if (this.autoFold) {
        this.autoFold = false;
        const collapsed = readableCollapse(this.raw.nodes);
        this.autoCollapsed = collapsed;
        if (collapsed.length) this.setView({ collapsed }, false);
      }
    } catch (err) {
      if (load === this.loads) {
        this.status('The graph could not be loaded.');
        this.showBanner(`The graph could not be loaded: ${describeFailure(err)}`, () => void this.load());
      }
      return;
    }
    this.showBanner(undefined);
    this.fillFilterChoices();
    if (this.view.mode === 'diff' || this.view.mode === 'table') await this.loadDiff(this.view.mode === 'diff');
    // the first map: its program set is chosen from the number of edges it shows, and sigma is
    // built with it once the data's graph is (MapView.prepare). Not earlier: built at the count
    // headers, sigma held the main thread (waiting on the GPU process, busy with the page's first
    // compositor frames) while the nodes were already in. A large map draws its nodes first and
    // its edges once that frame is on screen (not in diff mode, whose edges are the point of the
    // view)
    let edgesHere: MapEdge[] | undefined;
    if (this.map.renderProfile === undefined) {
      this.map.prepare(edgeCount ?? this.shownGraph().all.edges.length);
      if (!edges && this.map.renderProfile === 'light' && this.view.mode !== 'diff' && this.raw.edges.length > 0) {
        edgesHere = this.raw.edges;
        this.raw = { nodes: this.raw.nodes, edges: [] };
      }
    }
    this.edgesPending = edges !== undefined || edgesHere !== undefined;
    this.render();
    if (this.view.camera) this.map.setCameraView(this.view.camera);
    if (this.view.selection) this.restoreSelection(this.view.selection);
    if (this.edgesPending) {
      let failure: unknown;
      try {
        const rest = edges ? await edges : undefined;
        if (rest) performance.mark('netatlas:edges-parsed');
        await this.map.afterFirstFrame();
        if (load !== this.loads) return;
        this.raw = { nodes: this.raw.nodes, edges: rest ? rest.edges.map(toMapEdge) : edgesHere ?? [] };
        if (rest) this.seq = rest.stats.seq;
      } catch (err) {
        failure = err;
      }
      if (load !== this.loads) return;
      // with or without its edges, the map stops waiting for them (the layout starts)
      this.edgesPending = false;
      this.render();
      if (failure !== undefined) {
        this.status('The graph\'s edges could not be loaded.');
        this.showBanner(`The graph's edges could not be loaded: ${describeFailure(failure)}`, () => void this.load());
        return;
      }
    }
    void this.timeBrush.load(dataSpan(this.raw.edges));
    if (this.liveOn) this.startLive();
  }

  /**
   * Whether a large map's edge count (from the API) gives the program set the first render would
   * choose from the edges it shows: only when nothing filters or collapses it, and not in diff
   * mode (which adds edges).
   */
  private countsDecideProfile(): boolean {
    if (this.view.mode === 'diff') return false;
    return this.view.collapsed.length === 0 && isEmptyFilters(this.view.filters);
  }

  private restoreSelection(key: string): void {
    this.reveal(key);
    if (this.nodesByKey.has(key)) { this.map.select(key); void showNode(this.panel, this.nodesByKey.get(key)!); }
  }

  /**
   * raw -> diff -> risk -> collapse: the whole map, which the layout places; the same with the
   * filters applied before collapsing: what is drawn and what the table lists.
   */
  private shownGraph(): { all: MapGraph; shown: MapGraph } {
    let g = this.raw;
    // the table's diff column is filled whenever the diff is in
    if ((this.view.mode === 'diff' || this.view.mode === 'table') && this.diff) g = applyDiff(g, this.diff).graph;
    if (this.risk.size) g = { nodes: g.nodes.map((n) => (this.risk.has(n.key) ? { ...n, risk: this.risk.get(n.key) } : n)), edges: g.edges };
    const collapsed = new Set(this.view.collapsed);
    const all = collapseGraph(g, collapsed);
    const diffOnly = this.view.mode === 'diff' ? this.view.diffOnly : undefined;
    if (isEmptyFilters(this.view.filters) && !diffOnly) return { all, shown: all };
    let shown = applyFilters(g, this.view.filters);
    if (diffOnly) shown = onlyDiffCategory(shown, diffOnly);
    return { all, shown: collapseGraph(shown, collapsed) };
  }

  /** Redraw from the view state; `frame`: then fit the camera to what is drawn (every user action but a camera move). */
  private render(frame = false): void {
    const edgesPending = this.edgesPending;
    const { all, shown: g } = this.shownGraph();
    this.shown = g;
    this.nodesByKey = new Map(this.raw.nodes.map((n) => [n.key, n]));
    for (const n of g.nodes) this.nodesByKey.set(n.key, n);
    window.netatlasDebug.nodes = g.nodes.length;
    window.netatlasDebug.edges = g.edges.length;
    this.map.setColorMode(this.view.mode === 'diff' ? 'diff' : this.findingsOn ? 'risk' : 'verdict');
    this.map.setData(all, { edgesPending, visible: g });
    if (frame) this.map.fitToNodes();
    window.netatlasDebug.sigmaInitMs = this.map.sigmaBuildMs;
    window.netatlasDebug.renderProfile = this.map.renderProfile;
    this.syncControls();
    this.renderDiffBar();
    if (this.view.mode === 'table') this.renderTable();
    this.status(edgesPending ? `${g.nodes.length} nodes, loading edges…` : `${g.nodes.length} nodes, ${g.edges.length} edges${this.raw.nodes.length !== g.nodes.length ? ` (of ${this.raw.nodes.length} nodes)` : ''}`);
  }

  // ------------------------------------------------------------------ selection and search

  private select(key: string | undefined, focus = false): void {
    // a selection replaces the attack path shown (the map clears it in select)
    if (this.pathShown !== undefined) { this.pathShown = undefined; this.renderFindings(); }
    if (key) this.reveal(key);
    this.setView({ selection: key }, false);
    this.map.select(key);
    if (!key) { byId('panel').hidden = true; return; }
    const node = this.nodesByKey.get(key);
    if (node) void showNode(this.panel, node);
    if (focus) this.map.focusNode(key);
  }

  private runSearch(): void {
    const input = byId<HTMLInputElement>('search');
    // folded workloads are found too (picking one opens its group)
    this.searchHits = searchNodes(this.shown.nodes.length === this.raw.nodes.length ? this.shown.nodes : [...this.shown.nodes.filter((n) => n.kind === 'group'), ...this.raw.nodes], input.value, 12);
    this.searchIndex = this.searchHits.length ? 0 : -1;
    this.renderSearch();
  }

  private renderSearch(): void {
    const list = byId('search-list');
    clear(list);
    list.hidden = this.searchHits.length === 0;
    byId('search-box').setAttribute('aria-expanded', String(!list.hidden));
    this.searchHits.forEach((hit, i) => {
      append(list, h('li', {
        role: 'option', id: `search-opt-${i}`, 'aria-selected': String(i === this.searchIndex), 'data-key': hit.key,
        onmousedown: (e: Event) => { e.preventDefault(); this.pickSearch(i); },
      }, h('span', {}, hit.label), h('small', {}, hit.context)));
    });
    const input = byId('search');
    if (this.searchIndex >= 0) input.setAttribute('aria-activedescendant', `search-opt-${this.searchIndex}`);
    else input.removeAttribute('aria-activedescendant');
  }

  private pickSearch(i: number): void {
    const hit = this.searchHits[i];
    if (!hit) return;
    byId<HTMLInputElement>('search').value = hit.label;
    this.searchHits = [];
    this.renderSearch();
    if (this.view.mode === 'table') this.setMode('map');
    this.select(hit.key, true);
  }

  // ------------------------------------------------------------------ modes

  private async setMode(mode: ViewMode): Promise<void> {
    if ((mode === 'diff' || mode === 'table') && !this.diff) await this.loadDiff(mode === 'diff');
    this.setView({ mode });
  }

  /** `loud`: a failure is the view's news (Diff mode); the table merely lacks its diff column. */
  private async loadDiff(loud = true): Promise<void> {
    try {
      this.diff = await api.diff();
      this.diffSummary = applyDiff(this.raw, this.diff).summary;
      this.diffError = undefined;
    } catch (err) {
      this.diff = undefined;
      this.diffSummary = {};
      this.diffError = err instanceof Error ? err.message : String(err);
      if (loud) this.status(`Diff not available: ${this.diffError}`);
    }
  }

  private diffError: string | undefined;

  private renderDiffBar(): void {
    const bar = byId('diff-bar');
    bar.hidden = this.view.mode !== 'diff';
    if (bar.hidden) return;
    clear(bar);
    append(bar, h('strong', {}, 'Intended vs observed'));
    if (this.diffError !== undefined || !this.diff) {
      append(bar, h('span', { class: 'error', role: 'alert' }, `The diff could not be computed: ${this.diffError ?? 'no answer'}`),
        h('button', { type: 'button', onclick: () => void this.loadDiff().then(() => this.render(true)) }, 'Retry'));
      return;
    }
    const summary = this.diff.summary;
    for (const cat of DIFF_CATEGORIES) {
      const n = this.diffSummary[cat] ?? 0;
      const on = this.view.diffOnly === cat;
      const label = cat === 'unobserved' ? 'allowed, never seen' : cat === 'allowed' ? 'allowed, seen' : cat;
      const detail = cat === 'unobserved' && typeof summary.unusedPorts === 'number' ? ` pairs (${summary.unusedPorts.toLocaleString('en')} ports)` : '';
      append(bar, h('button', {
        type: 'button', class: 'chip', 'data-diff': cat, 'aria-pressed': String(on), title: on ? 'Show every category' : `Show only: ${label}`,
        onclick: () => this.setView({ diffOnly: on ? undefined : cat }),
      }, h('span', { class: `swatch${cat === 'unobserved' ? ' dashed' : ''}`, style: `background:${DIFF_COLORS[cat]}` }), label, ' ', h('b', {}, n.toLocaleString('en')), detail));
    }
    const breaking = this.diff.items.filter((i) => diffCategoryOf(i.kind) === 'would-break');
    if (breaking.length) {
      append(bar, h('details', { class: 'would-break', open: '' }, h('summary', {}, `Would break (${breaking.length})`),
        h('ul', {}, ...breaking.map((item) => {
          const edge = item.subjects.find((s) => s.includes('->'));
          const p = edge ? parseEdgeKey(edge) : undefined;
          const text = p ? `${this.panel.nodeLabel(p.source)} → ${this.panel.nodeLabel(p.target)} ${p.protocol}${p.port !== undefined ? `/${p.port}` : ''}` : item.message;
          return h('li', {}, h('button', { type: 'button', class: 'link', title: item.message, onclick: () => edge && this.jumpToSubject(edge) }, text));
        }))));
    }
  }

  /** The Findings and Live toggles (the buttons show them; nothing reads them back from the DOM). */
  private findingsOn = false;
  private liveOn = false;

  private async toggleFindings(): Promise<void> {
    const on = (this.findingsOn = !this.findingsOn);
    byId('btn-findings').setAttribute('aria-pressed', String(on));
    byId('findings').hidden = !on;
    if (on && !this.findings) {
      const [findings, risk] = await Promise.allSettled([api.findings(), api.risk()]);
      if (risk.status === 'fulfilled') this.attackPaths = risk.value.paths;
      else this.pathsError = describeFailure(risk.reason);
      if (findings.status === 'fulfilled') {
        this.findings = findings.value.findings;
        this.risk = riskScores(this.findings);
      } else {
        this.findings = [];
        clear(byId('findings-body'));
        append(byId('findings-body'), h('p', { class: 'muted' }, describeFailure(findings.reason)));
      }
    }
    this.renderFindings();
    this.render(true);
  }

  /** Attack paths of GET /risk (undefined until the Findings panel first opens), or why they are missing; the one shown on the map. */
  private attackPaths: readonly AttackPath[] | undefined;
  private pathsError: string | undefined;
  private pathShown: string | undefined;

  /** An attack path on the map: its nodes revealed and lit, the rest dimmed, the cut hop marked, the camera framed on it. */
  private showAttackPath(path: AttackPath | undefined): void {
    if (path && this.view.mode === 'table') void this.setMode('map');
    if (path) for (const hop of path.hops) for (const k of [hop.from, hop.to]) if (k !== INTERNET) this.reveal(k);
    this.setView({ selection: undefined }, false);
    byId('panel').hidden = true;
    this.map.select(undefined);
    this.pathShown = path?.id;
    if (path) {
      const focus = pathFocus(path, (k) => this.map.graph.hasNode(k), (k) => this.map.graph.hasEdge(k));
      this.map.showPath(focus);
      this.map.fitToNodes(true, focus.nodes);
    }
    this.renderFindings();
  }

  /** The Findings panel's attack paths: each as its hops, likelihood, evidence; the one shown with its cut. */
  private attackPathsSection(label: (k: string) => string): HTMLElement[] {
    if (this.attackPaths === undefined) return this.pathsError !== undefined ? [h('h3', {}, 'Attack paths'), h('p', { class: 'muted' }, `Not available: ${this.pathsError}`)] : [];
    if (this.attackPaths.length === 0) return [h('h3', {}, 'Attack paths'), h('p', { class: 'muted' }, 'None: no entry point reaches a crown jewel over the connections the policies allow.')];
    return [h('h3', {}, `Attack paths (${this.attackPaths.length})`), h('ol', { class: 'attack-paths' }, ...this.attackPaths.map((p) => {
      const shown = p.id === this.pathShown;
      const names = [p.hops[0]!.from, ...p.hops.map((x) => x.to)].map((k) => (k === INTERNET ? 'internet' : label(k)));
      return h('li', { 'data-path': p.id },
        h('button', { type: 'button', class: 'component', 'aria-pressed': String(shown), title: shown ? 'Stop showing it on the map' : 'Show it on the map with its cut',
          onclick: () => this.showAttackPath(shown ? undefined : p) },
        h('span', { class: 'name' }, names.join(' → ')), h('b', { class: 'score', title: 'likelihood' }, percent(p.likelihood))),
        h('div', { class: 'breakdown' }, h('span', { class: 'muted' }, `impact ${percent(p.impact)}${p.crossesClusters ? ' · crosses clusters' : ''} · `),
          h('span', { class: `badge ${p.cut.status === 'cut' ? 'low' : 'high'}` }, p.cut.status === 'cut' ? 'cut found' : 'no cut')),
        shown ? this.pathDetail(p, label) : null);
    }))];
  }

  private pathDetail(p: AttackPath, label: (k: string) => string): HTMLElement {
    const box = h('div', { class: 'path-detail', 'data-testid': 'attack-path-detail' });
    append(box, h('ol', { class: 'hops' }, ...p.hops.map((hop, i) => {
      const cut = p.cut.status === 'cut' && p.cut.hop === i;
      return h('li', { class: `${hop.observed ? 'observed' : 'allowed'}${cut ? ' cut' : ''}`, 'data-hop': String(i) },
        h('span', {}, hopTitle(hop, label)), ' ',
        h('span', { class: `badge ${hop.observed ? 'medium' : 'info'}` }, hop.observed ? 'observed' : 'allowed only'),
        cut ? h('span', { class: 'badge cut' }, 'the cut removes this hop') : null,
        h('div', { class: 'muted' }, `${hopEvidence(hop)} · takeover likelihood ${percent(hop.likelihood)}`));
    })));
    if (p.cut.status === 'cut') {
      const yaml = p.cut.changes.map((c) => c.yaml ?? '').filter(Boolean).join('---\n');
      const proof = p.cut.proof;
      if (proof) append(box, h('p', { class: 'muted' }, `Proved: the hop is denied${proof.pathGone ? ', the path is gone' : ''}; ${proof.observedChecked} observed flow(s) checked, ${proof.observedBroken.length} broken${proof.observedUnchecked ? `, ${proof.observedUnchecked} the engine cannot evaluate` : ''}.`));
      append(box, yamlBlock('The cut', () => Promise.resolve(yaml), `cut-${p.id.replace(/[^\w.-]+/g, '-')}.yaml`));
    } else {
      append(box, h('h3', {}, 'No cut keeps every observed flow'), h('ul', {}, ...p.cut.reasons.map((r) => h('li', {}, humanizeKeys(r, label)))));
    }
    return box;
  }

  private renderFindings(): void {
    const body = byId('findings-body');
    if ((!this.findings || this.findings.length === 0) && this.attackPaths === undefined) return;
    clear(body);
    const label = (k: string): string => this.panel.nodeLabel(k);
    const counts = new Map<string, number>();
    for (const f of [...(this.findings ?? [])].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9))) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    append(body, h('p', {}, ...[...counts].map(([s, n]) => h('span', { class: `badge ${s}` }, `${n} ${s}`)).flatMap((b) => [b, ' '])));
    append(body, ...this.attackPathsSection(label));
    if (!this.findings) return;
    // the riskiest components first, each with what makes up its score and a fix to generate
    append(body, h('h3', {}, 'Riskiest components'));
    append(body, h('ol', { class: 'ranked' }, ...rankComponents(this.findings, 10).map((c) => {
      const fix = h('div', { class: 'fix' });
      const fixable = /^(wl|pod|ns):/.test(c.key);
      return h('li', { 'data-component': c.key },
        h('button', { type: 'button', class: 'component', onclick: () => this.jumpToSubject(c.key) },
          h('span', { class: 'risk-dot', style: `background:${riskColor(c.score)}` }), h('span', { class: 'name' }, label(c.key)), h('b', { class: 'score' }, String(c.score))),
        h('div', { class: 'breakdown' }, ...c.breakdown.map((b) => h('span', { class: `badge ${b.severity}`, title: `${b.count} finding(s) of rule ${b.code}` }, `${b.code}${b.count > 1 ? ` ×${b.count}` : ''}`)).flatMap((b) => [b, ' '])),
        fixable ? h('button', { type: 'button', class: 'link', 'data-fix': c.key, onclick: () => {
          clear(fix);
          append(fix, yamlBlock('Least-privilege policy for it', async () => (await api.generate({ selection: { nodes: [c.key] } })).yaml, `${label(c.key).replaceAll('/', '-')}-netpol.yaml`));
        } }, 'How to fix: generate its policy') : null,
        fix);
    })));
    append(body, h('h3', {}, 'Findings by rule and namespace'));
    for (const g of groupFindings(this.findings)) {
      append(body, h('details', { class: 'finding-group', 'data-group': g.key },
        h('summary', {}, h('span', { class: `badge ${g.severity}` }, g.severity), ' ', h('b', {}, g.code), ` in ${g.namespace} `, h('span', { class: 'muted' }, `(${g.findings.length})`)),
        h('ul', {}, ...g.findings.map((f) => {
          const subject = f.subjects.find((s) => s.includes('->')) ?? f.subjects[0];
          return h('li', {}, h('button', { type: 'button', onclick: () => subject && this.jumpToSubject(subject) },
            h('span', { class: 'risk-dot', style: `background:${riskColor(SEVERITY_SCORE[f.severity] ?? 0)}` }),
            h('span', {}, humanizeKeys(f.message, label))));
        }))));
    }
  }

  /** The edge between two nodes selected and framed, the folded groups hiding its ends opened; off the map (another level), its panel alone. */
  private async selectPair(source: string, target: string, edges: readonly string[]): Promise<void> {
    if (this.view.mode === 'table') await this.setMode('map');
    this.reveal(source);
    this.reveal(target);
    if (!this.selectDrawnEdge(source, target)) void showEdge(this.panel, displayEdgeKey(source, target), edges);
  }

  /** Select the drawn edge from `source` to `target`, open its panel and frame both ends; false when it is not drawn. */
  private selectDrawnEdge(source: string, target: string): boolean {
    const key = displayEdgeKey(source, target);
    if (!this.map.graph.hasEdge(key)) return false;
    this.setView({ selection: key }, false);
    this.map.select(key);
    void showEdge(this.panel, key, this.map.edgeMembersOf(key));
    this.map.fitToNodes(true, [source, target]);
    return true;
  }

  /** A finding's subject on the map: its edge (selected, both ends framed) when drawn, else its node. */
  private jumpToSubject(subject: string): void {
    if (this.view.mode === 'table') void this.setMode('map');
    const edge = parseEdgeKey(subject);
    if (edge) {
      if (this.selectDrawnEdge(edge.source, edge.target)) return;
      subject = edge.source;
    }
    this.select(subject, true);
  }

  // ------------------------------------------------------------------ table

  private renderTable(): void {
    const head = byId('table-head');
    clear(head);
    for (const col of EDGE_COLUMNS) {
      const active = this.tableSort.column === col;
      append(head, h('th', { 'aria-sort': active ? (this.tableSort.desc ? 'descending' : 'ascending') : 'none' },
        h('button', { type: 'button', onclick: () => { this.tableSort = { column: col, desc: active ? !this.tableSort.desc : col === 'count' || col === 'lastSeen' }; this.renderTable(); } },
          col + (active ? (this.tableSort.desc ? ' ▼' : ' ▲') : ''))));
    }
    const rows = sortRows(filterRows(edgeRows(this.shown.edges, this.nodesByKey), byId<HTMLInputElement>('table-filter').value), this.tableSort.column, this.tableSort.desc);
    const body = byId('table-body');
    clear(body);
    for (const r of rows.slice(0, TABLE_LIMIT)) {
      const open = (): void => { const e = this.shown.edges.find((x) => x.key === r.key); if (e) void showEdge(this.panel, `${e.source}=>${e.target}`, [e.key]); };
      append(body, h('tr', { class: 'row', tabindex: '0', 'data-edge': r.key, onclick: open, onkeydown: (ev: Event) => { if ((ev as KeyboardEvent).key === 'Enter') open(); } },
        h('td', {}, r.source), h('td', {}, r.target), h('td', {}, r.port), h('td', {}, String(r.count)),
        h('td', {}, h('span', { class: `verdict ${r.verdict}` }, r.verdict)), h('td', {}, r.diff), h('td', {}, formatTime(r.lastSeen))));
    }
    byId('table-count').textContent = rows.length > TABLE_LIMIT ? `showing ${TABLE_LIMIT} of ${rows.length} edges: refine the filter` : `${rows.length} edges`;
  }

  // ------------------------------------------------------------------ live

  /** Live updates of the last minute: when, and how many connections each brought. */
  private liveWindow: { at: number; connections: number }[] = [];

  private startLive(): void {
    this.events?.close();
    const es = new EventSource(api.eventsUrl(this.view.level, EMPTY_FILTERS, this.seq));
    es.addEventListener('delta', (ev) => {
      const delta = JSON.parse((ev as MessageEvent<string>).data) as GraphDelta;
      this.seq = delta.seq;
      const activity = deltaActivity(this.raw, delta);
      this.raw = mergeDelta(this.raw, delta).graph;
      // positions are kept for known nodes, the camera is not touched: only new nodes get laid out
      this.render();
      // the flow rate over the last minute, and what is new
      const now = Date.now();
      this.liveWindow = [...this.liveWindow.filter((w) => now - w.at < 60_000), { at: now, connections: activity.connections }];
      const span = Math.max(1, (now - this.liveWindow[0]!.at) / 1000);
      const rate = this.liveWindow.reduce((s, w) => s + w.connections, 0) / span;
      this.status(`Live · ${rate.toFixed(rate < 10 ? 1 : 0)} connections/s · ${activity.newEdges.length} new edge(s) in the last update · ${this.shown.nodes.length} nodes, ${this.shown.edges.length} edges`);
    });
    es.addEventListener('reset', () => { void this.load(); });
    es.onerror = () => this.status('Live: connection lost, retrying…');
    this.events = es;
  }

  private toggleLive(): void {
    const on = (this.liveOn = !this.liveOn);
    byId('btn-live').setAttribute('aria-pressed', String(on));
    if (on) this.startLive(); else { this.events?.close(); this.events = undefined; }
  }

  // ------------------------------------------------------------------ exports

  /**
   * The generated policies of the selection (else of every workload drawn), one file per
   * cluster: two clusters' policies may share a name and namespace, which one file (one
   * `kubectl apply`) would silently merge.
   */
  private async exportYaml(): Promise<void> {
    const sel = this.view.selection;
    const chosen = sel && this.nodesByKey.has(sel) ? [this.nodesByKey.get(sel)!] : this.shown.nodes.filter((n) => n.kind === 'workload' || n.kind === 'group');
    const byCluster = exportBatches(chosen);
    if (byCluster.size === 0) { this.status('Nothing to export: select a workload, namespace or cluster, or show some.'); return; }
    let files = 0;
    try {
      for (const [cluster, nodes] of byCluster) {
        const res = await api.generate({ selection: { nodes } });
        if (!res.yaml.trim()) continue;
        downloadBlob(new Blob([res.yaml], { type: 'application/yaml' }), `netatlas-${cluster}-policies.yaml`);
        files++;
      }
      this.status(`Exported ${files} file(s), one per cluster.`);
    } catch (err) {
      this.showBanner(`The policy export failed: ${describeFailure(err)}`, () => void this.exportYaml());
    }
  }

  // ------------------------------------------------------------------ controls

  private fillFilterChoices(): void {
    const clusters = [...new Set(this.raw.nodes.map((n) => n.cluster).filter((c): c is string => !!c))].sort();
    const box = byId('f-clusters');
    clear(box);
    for (const c of clusters) {
      const input = h('input', { type: 'checkbox', value: c, 'data-cluster': c });
      input.addEventListener('change', () => this.setFilters({ clusters: toggled(this.view.filters.clusters, c, (input as HTMLInputElement).checked) }));
      append(box, h('label', {}, input, ` ${c}`));
    }
    const vbox = byId('f-verdicts');
    clear(vbox);
    for (const v of SHOWN_VERDICTS) {
      const input = h('input', { type: 'checkbox', value: v, 'data-verdict': v });
      input.addEventListener('change', () => this.setFilters({ verdicts: toggled(this.view.filters.verdicts, v, (input as HTMLInputElement).checked) }));
      append(vbox, h('label', {}, input, ` ${v.toLowerCase()}`));
    }
    this.syncControls();
  }

  /** Controls reflect the view state (after a URL restore or a change elsewhere). */
  private syncControls(): void {
    const f = this.view.filters;
    byId<HTMLSelectElement>('level').value = this.view.level;
    for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.mode === this.view.mode));
    for (const i of byId('f-clusters').querySelectorAll<HTMLInputElement>('input')) i.checked = f.clusters.includes(i.value);
    for (const i of byId('f-verdicts').querySelectorAll<HTMLInputElement>('input')) i.checked = f.verdicts.includes(i.value as Verdict);
    const ns = byId<HTMLInputElement>('f-namespaces');
    if (document.activeElement !== ns) ns.value = f.namespaces.join(', ');
    byId<HTMLSelectElement>('f-protocol').value = f.protocol ?? '';
    const port = byId<HTMLInputElement>('f-port');
    if (document.activeElement !== port) port.value = f.port !== undefined ? String(f.port) : '';
    byId<HTMLInputElement>('f-infra').checked = f.hideInfra;
    // absolute from/to, in local time, whatever set them (a preset, the inputs, a shared URL)
    const from = byId<HTMLInputElement>('f-from');
    if (document.activeElement !== from) from.value = f.since !== undefined ? toLocalInput(f.since) : '';
    const to = byId<HTMLInputElement>('f-to');
    if (document.activeElement !== to) to.value = f.until !== undefined ? toLocalInput(f.until) : '';
    byId<HTMLInputElement>('f-inter').checked = f.interClusterOnly === true;
    this.timeBrush.show(f.since, f.until);
    // the table lies over the map, which keeps its size (sigma needs a sized container)
    byId('table-view').hidden = this.view.mode !== 'table';
  }

  private bindControls(): void {
    byId<HTMLSelectElement>('level').addEventListener('change', (e) => {
      this.setView({ level: (e.target as HTMLSelectElement).value as Level, collapsed: [], selection: undefined, camera: undefined }, false);
      this.map.select(undefined);
      byId('panel').hidden = true;
      // the new level is framed once placed (at once when its positions are kept)
      this.cameraTouched = false;
      this.autoFold = true;
      this.zoomOpener.reset();
      void this.load().then(() => this.map.fitToNodes(false));
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.addEventListener('click', () => void this.setMode(b.dataset.mode as ViewMode));
    byId<HTMLInputElement>('f-namespaces').addEventListener('change', (e) => {
      this.setFilters({ namespaces: (e.target as HTMLInputElement).value.split(',').map((s) => s.trim()).filter(Boolean) });
    });
    byId<HTMLSelectElement>('f-protocol').addEventListener('change', (e) => {
      const v = (e.target as HTMLSelectElement).value;
      this.setFilters({ protocol: v ? (v as L4Protocol) : undefined });
    });
    byId<HTMLInputElement>('f-port').addEventListener('change', (e) => {
      const n = Number((e.target as HTMLInputElement).value);
      this.setFilters({ port: Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined });
    });
    byId<HTMLSelectElement>('f-window').addEventListener('change', (e) => {
      const span = Number((e.target as HTMLSelectElement).value);
      // relative to the newest flow, so recorded demos and dumps work as well as live data
      const newest = this.raw.edges.reduce((m, x) => Math.max(m, x.lastSeen), 0);
      this.setFilters({ since: span ? newest - span : undefined, until: undefined });
    });
    byId<HTMLInputElement>('f-infra').addEventListener('change', (e) => this.setFilters({ hideInfra: (e.target as HTMLInputElement).checked }));
    byId<HTMLInputElement>('f-inter').addEventListener('change', (e) => this.setFilters({ interClusterOnly: (e.target as HTMLInputElement).checked || undefined }));
    byId<HTMLInputElement>('f-hulls').addEventListener('change', (e) => { this.map.showHulls = (e.target as HTMLInputElement).checked; this.map.sigma.refresh(); });
    for (const [id, bound] of [['f-from', 'since'], ['f-to', 'until']] as const) {
      byId<HTMLInputElement>(id).addEventListener('change', (e) => {
        const value = (e.target as HTMLInputElement).value;
        const ms = value ? new Date(value).getTime() : Number.NaN;
        byId<HTMLSelectElement>('f-window').value = '';
        this.setFilters({ [bound]: Number.isFinite(ms) ? ms : undefined });
      });
    }
    byId('f-reset').addEventListener('click', () => { byId<HTMLSelectElement>('f-window').value = ''; this.setView({ filters: EMPTY_FILTERS, collapsed: [], diffOnly: undefined }); });
    const search = byId<HTMLInputElement>('search');
    search.addEventListener('input', () => this.runSearch());
    search.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (!this.searchHits.length) return;
        this.searchIndex = (this.searchIndex + (e.key === 'ArrowDown' ? 1 : -1) + this.searchHits.length) % this.searchHits.length;
        this.renderSearch();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        if (!this.searchHits.length) this.runSearch();
        this.pickSearch(Math.max(0, this.searchIndex));
      } else if (e.key === 'Escape') {
        this.searchHits = [];
        this.renderSearch();
      }
    });
    search.addEventListener('blur', () => { this.searchHits = []; this.renderSearch(); });
    byId('btn-findings').addEventListener('click', () => void this.toggleFindings());
    byId('findings-close').addEventListener('click', () => void this.toggleFindings());
    byId('btn-live').addEventListener('click', () => this.toggleLive());
    byId('btn-relayout').addEventListener('click', () => this.map.relayout());
    byId('btn-png').addEventListener('click', () => { void this.map.toPNG().then((b) => downloadBlob(b, 'netatlas-map.png')); });
    byId('btn-yaml').addEventListener('click', () => void this.exportYaml());
    byId('panel-close').addEventListener('click', () => this.select(undefined));
    byId('zoom-in').addEventListener('click', () => this.zoomBy(1.5));
    byId('zoom-out').addEventListener('click', () => this.zoomBy(1 / 1.5));
    byId('zoom-reset').addEventListener('click', () => this.map.resetCamera());
    byId('table-filter').addEventListener('input', () => this.renderTable());
    document.addEventListener('keydown', (e) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
      if (e.key === '/' && !typing) { e.preventDefault(); search.focus(); }
      else if (e.key === 'Escape' && !typing) this.select(undefined);
      else if ((e.key === '+' || e.key === '=') && !typing) this.zoomBy(1.5);
      else if (e.key === '-' && !typing) this.zoomBy(1 / 1.5);
    });
  }

  /** Collapse (or expand) a cluster or namespace group (the panel's buttons). */
  toggleGroup(groupKey: string): void {
    if (this.view.collapsed.includes(groupKey)) { this.openOrFold(groupKey); return; }
    this.setView({ collapsed: [...this.view.collapsed, groupKey].sort() }, false);
    this.render();
  }

  /** Double-click: a group opens in place one level (and its content is framed); any other node folds into its group. */
  private openOrFold(key: string): void {
    const node = this.nodesByKey.get(key);
    if (!node) return;
    if (node.kind === 'group') {
      this.select(undefined);
      this.openGroup(key);
      const inside = this.shown.nodes.filter((n) => n.cluster === node.cluster && (node.namespace === undefined || n.namespace === node.namespace)).map((n) => n.key);
      this.map.fitToNodes(true, inside);
    } else {
      this.select(undefined);
      this.setView({ collapsed: collapseAround(this.view.collapsed, node) }, false);
      this.render();
    }
  }

  /** Open a folded group in place, one level (double-click, zooming onto it). */
  private openGroup(key: string): void {
    this.setView({ collapsed: expandGroup(this.view.collapsed, key, this.raw.nodes) }, false);
    this.render();
  }

  /** A zoom of the user's (buttons, keys): kept over a late layout, and it may open or fold a group. */
  private zoomBy(factor: number): void {
    this.cameraTouched = true;
    this.map.zoom(factor);
    this.zoomOpener.zoomed();
  }

  /** Open the folded groups that hide `key` (a search pick, a finding, a shared URL's selection). */
  private reveal(key: string): void {
    if (this.map.graph.hasNode(key)) return;
    const node = this.raw.nodes.find((n) => n.key === key);
    if (!node?.cluster) return;
    let collapsed = this.view.collapsed;
    const cluster = clusterKey(node.cluster);
    if (collapsed.includes(cluster)) collapsed = expandGroup(collapsed, cluster, this.raw.nodes);
    const ns = node.namespace !== undefined ? namespaceKey(node.cluster, node.namespace) : undefined;
    if (ns && collapsed.includes(ns)) collapsed = expandGroup(collapsed, ns, this.raw.nodes);
    if (collapsed === this.view.collapsed) return;
    this.setView({ collapsed }, false);
    this.render();
  }
}

/** ms since epoch as a `datetime-local` value (local time, to the second). */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `list` with `item` in (on) or out (off), in list order: a checkbox changes the view state, never read back from the DOM. */
function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

/** What went wrong, in words a user can act on (a bare "Failed to fetch" says neither what nor why). */
function describeFailure(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message;
  if (err instanceof TypeError || (err instanceof Error && /failed to fetch|networkerror|load failed/i.test(err.message))) {
    return `the server at ${location.origin} did not answer (is \`netatlas serve\` running, and reachable from this browser?).`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The side column's width: dragged or moved with the arrow keys, kept in localStorage; CSS caps it so the map keeps half the window. */
function bindSideResizer(): void {
  const side = byId('side');
  const handle = byId('side-resizer');
  const set = (px: number): void => {
    const width = Math.max(280, Math.min(px, window.innerWidth / 2 - 230));
    side.style.setProperty('--side-w', `${Math.round(width)}px`);
    try { localStorage.setItem('netatlas:side-width', String(Math.round(width))); } catch { /* kept for this visit only */ }
  };
  const saved = Number(localStorage.getItem('netatlas:side-width'));
  if (saved > 0) side.style.setProperty('--side-w', `${saved}px`);
  handle.addEventListener('pointerdown', (e) => {
    handle.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent): void => set(window.innerWidth - ev.clientX);
    const up = (): void => { handle.removeEventListener('pointermove', move); handle.removeEventListener('pointerup', up); };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  handle.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    set(side.getBoundingClientRect().width + (e.key === 'ArrowLeft' ? 24 : -24));
  });
}

window.addEventListener('error', (e) => window.netatlasDebug.errors.push(String(e.message)));

/** Run by boot.ts (the page's entry), which has already asked for the first graph. */
export function startApp(firstGraph: Promise<GraphAnswer>): void {
  bindSideResizer();
  const app = new App();
  void app.load(firstGraph);
}
