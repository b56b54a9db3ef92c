/**
 * netatlas web UI: the composition root. One state object (app/state.ts) and one controller per
 * concern (app/*.ts: map, panels, diff, findings, table, live, URL, controls, load); this file
 * builds them and wires the actions they call on each other. Domain logic lives in state/
 * (pure, unit-tested), drawing in render/, DOM panels in ui/.
 */
import type { GraphAnswer } from './api.ts';
import { ControlsController } from './app/controls.ts';
import { DiffController } from './app/diff.ts';
import { bindExports } from './app/export.ts';
import { FindingsController } from './app/findings.ts';
import { LiveController } from './app/live.ts';
import { LoadController } from './app/load.ts';
import { MapController } from './app/map.ts';
import { PanelController } from './app/panels.ts';
import { bindSideResizer, ShellController } from './app/shell.ts';
import { initialState, type Actions, type AppState } from './app/state.ts';
import { TableController } from './app/table.ts';
import { UrlController } from './app/url.ts';
import { TimeBrushController } from './app/time-brush.ts';
import { bindZoomOpen } from './app/zoom-open.ts';
import type { ViewMode } from './state/url-state.ts';

window.netatlasDebug = { nodes: 0, edges: 0, errors: [] };
performance.mark('netatlas:app-chunk');
window.addEventListener('error', (e) => window.netatlasDebug.errors.push(String(e.message)));

interface Controllers {
  url: UrlController; shell: ShellController; panel: PanelController; map: MapController; diff: DiffController;
  findings: FindingsController; table: TableController; live: LiveController; controls: ControlsController; loader: LoadController;
  timeBrush: TimeBrushController;
}

/** The actions controllers call on each other, each routed to the controller that owns it. */
function wire(state: AppState, c: () => Controllers): Actions {
  const app: Actions = {
    setView: (patch, rerender = true) => { c().url.update(patch); if (rerender) app.render(true); },
    render: (frame = false) => {
      const { map, controls, diff, table, shell } = c();
      map.render(frame);
      map.map.markNewEdges(c().live.marks());
      controls.sync();
      diff.render();
      if (state.view.mode === 'table') table.render();
      c().timeBrush.sync();
      const g = state.data.shown;
      const total = state.data.raw.nodes.length;
      shell.status(state.phase.phase === 'nodes' ? `${g.nodes.length} nodes, loading edges…` : `${g.nodes.length} nodes, ${map.budgetNote ?? `${g.edges.length} edges`}${total !== g.nodes.length ? ` (of ${total} nodes)` : ''}`);
    },
    select: (key, focus) => c().map.select(key, focus),
    selectEdge: (key, members) => c().map.selectEdge(key, members),
    setMode: async (mode: ViewMode) => {
      if ((mode === 'diff' || mode === 'table') && !state.data.diff) await c().diff.load(mode === 'diff');
      app.setView({ mode });
    },
    jumpToSubject: (subject) => c().findings.jumpToSubject(subject),
    reveal: (key) => c().map.reveal(key),
    toggleGroup: (key) => c().map.toggleGroup(key),
    load: () => c().loader.load(),
    loadDiff: (loud) => c().diff.load(loud),
    clearPath: () => c().findings.clearPath(),
    nodeLabel: (key) => c().panel.nodeLabel(key),
    status: (text) => c().shell.status(text),
    banner: (text, retry) => c().shell.banner(text, retry),
    startLive: () => c().live.start(),
  };
  return app;
}

/** Run by boot.ts (the page's entry), which has already asked for the first graph. */
export function startApp(firstGraph: Promise<GraphAnswer>): void {
  bindSideResizer();
  const state = initialState(location.search);
  let controllers: Controllers | undefined;
  const app = wire(state, () => controllers!);
  const url = new UrlController(state);
  const shell = new ShellController();
  const panel = new PanelController(state, app);
  const map = new MapController(state, app, panel);
  const controls = new ControlsController(state, app, map, panel);
  controllers = {
    url, shell, panel, map, controls,
    diff: new DiffController(state, app),
    findings: new FindingsController(state, app, map, panel),
    table: new TableController(state, panel),
    live: new LiveController(state, app, (keys) => map.map.markNewEdges(keys), (text) => shell.live(text)),
    loader: new LoadController(state, app, map, () => controls.fillChoices()),
    timeBrush: new TimeBrushController(state, app),
  };
  bindExports(state, app, map.map);
  bindZoomOpen(state, app, map.map);
  void controllers.loader.load(firstGraph);
}
