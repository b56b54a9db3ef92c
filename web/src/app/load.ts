/**
 * The graph load: the first answer (prefetched by boot.ts) or a new one, folded to a readable
 * size on first open, drawn, and for a large unfolded map its edges after the first frame.
 * `state.phase` says where it stands.
 */
import { api, type GraphAnswer } from '../api.ts';
import { READABLE_NODES, readableCollapse } from '../state/aggregate.ts';
import { EMPTY_FILTERS, isEmptyFilters } from '../state/filters.ts';
import { toMapEdge, toMapNode } from '../state/graph-data.ts';
import type { ApiNode, GraphResponse, MapEdge } from '../types.ts';
import { shownGraph, type MapController } from './map.ts';
import { describeFailure } from './shell.ts';
import type { Actions, AppState } from './state.ts';

export class LoadController {
  /** Counts load() calls: an answer that comes after a newer load() started is dropped. */
  private loads = 0;

  constructor(private readonly state: AppState, private readonly app: Actions, private readonly maps: MapController, private readonly onData: () => void) {}

  private fail(what: string, err: unknown): void {
    const error = `${what} could not be loaded: ${describeFailure(err)}`;
    const retry = (): void => void this.app.load();
    this.state.phase = { phase: 'error', error, retry };
    this.app.status(`${what} could not be loaded.`);
    this.app.banner(error, retry);
  }

  async load(prefetched?: Promise<GraphAnswer>): Promise<void> {
    const { state, app } = this;
    const map = this.maps.map;
    const load = ++this.loads;
    state.phase = { phase: 'loading' };
    app.status('Loading graph…');
    let edges: Promise<GraphResponse> | undefined;
    let edgeCount: number | undefined;
    try {
      const answer = await (prefetched ?? api.graphAnswer(state.view.level, EMPTY_FILTERS));
      performance.mark('netatlas:graph-headers');
      // the first map, large by the count headers and shown whole (nothing filters, collapses or
      // diffs it): take its nodes as soon as the worker has them, its edges after the first frame
      // a map that will open folded (more nodes than readable) is drawn from its folded graph: no nodes-first path
      const willFold = state.ui.autoFold && (answer.counts?.nodes ?? 0) > READABLE_NODES;
      const nodesFirst = !willFold && map.renderProfile === undefined && answer.counts && answer.nodesFirst && this.countsDecideProfile() &&
        map.profileFor(answer.counts.edges) === 'light' ? answer.nodesFirst : undefined;
      if (nodesFirst) { edges = answer.body; edgeCount = answer.counts?.edges; }
      window.netatlasDebug.nodesFirst = nodesFirst !== undefined;
      const g: { readonly nodes: readonly ApiNode[]; readonly edges?: GraphResponse['edges']; readonly stats?: GraphResponse['stats'] } = nodesFirst ? { nodes: await nodesFirst } : await answer.body;
      if (load !== this.loads) return;
      window.netatlasDebug.loadedAt = performance.now();
      performance.mark('netatlas:graph-parsed');
      state.data.raw = { nodes: g.nodes.map(toMapNode), edges: g.edges?.map(toMapEdge) ?? [] };
      if (g.stats) state.data.seq = g.stats.seq;
      performance.mark('netatlas:graph-converted');
      if (state.ui.autoFold) {
        state.ui.autoFold = false;
        const collapsed = readableCollapse(state.data.raw.nodes);
        state.ui.autoCollapsed = collapsed;
        if (collapsed.length) app.setView({ collapsed }, false);
      }
    } catch (err) {
      if (load === this.loads) this.fail('The graph', err);
      return;
    }
    app.banner(undefined);
    this.onData();
    if (state.view.mode === 'diff' || state.view.mode === 'table') await app.loadDiff(state.view.mode === 'diff');
    // the first map: its program set is chosen from the number of edges it shows, and sigma is
    // built with it once the data's graph is (MapView.prepare). Not earlier: built at the count
    // headers, sigma held the main thread (waiting on the GPU process, busy with the page's first
    // compositor frames) while the nodes were already in. A large map draws its nodes first and
    // its edges once that frame is on screen (not in diff mode, whose edges are the point of the
    // view)
    let edgesHere: MapEdge[] | undefined;
    if (map.renderProfile === undefined) {
      map.prepare(edgeCount ?? shownGraph(state).all.edges.length);
      if (!edges && map.renderProfile === 'light' && state.view.mode !== 'diff' && state.data.raw.edges.length > 0) {
        edgesHere = state.data.raw.edges;
        state.data.raw = { nodes: state.data.raw.nodes, edges: [] };
      }
    }
    const edgesPending = edges !== undefined || edgesHere !== undefined;
    state.phase = edgesPending ? { phase: 'nodes' } : { phase: 'ready' };
    app.render();
    if (state.view.camera) map.setCameraView(state.view.camera);
    if (state.view.selection) this.maps.restoreSelection(state.view.selection);
    if (edgesPending) {
      let failure: unknown;
      try {
        const rest = edges ? await edges : undefined;
        if (rest) performance.mark('netatlas:edges-parsed');
        await map.afterFirstFrame();
        if (load !== this.loads) return;
        state.data.raw = { nodes: state.data.raw.nodes, edges: rest ? rest.edges.map(toMapEdge) : edgesHere ?? [] };
        if (rest) state.data.seq = rest.stats.seq;
      } catch (err) {
        failure = err;
      }
      if (load !== this.loads) return;
      // with or without its edges, the map stops waiting for them (the layout starts)
      state.phase = { phase: 'ready' };
      app.render();
      if (failure !== undefined) {
        this.fail('The graph\'s edges', failure);
        return;
      }
    }
    if (state.ui.liveOn) app.startLive();
  }

  /**
   * Whether a large map's edge count (from the API) gives the program set the first render would
   * choose from the edges it shows: only when nothing filters or collapses it, and not in diff
   * mode (which adds edges).
   */
  private countsDecideProfile(): boolean {
    const { view } = this.state;
    if (view.mode === 'diff') return false;
    return view.collapsed.length === 0 && isEmptyFilters(view.filters);
  }
}
