/** The Live controller: GET /events (SSE) deltas merged into the data, and the flow rate of the last minute in the status line. */
import { api } from '../api.ts';
import { EMPTY_FILTERS } from '../state/filters.ts';
import { deltaActivity, mergeDelta } from '../state/graph-data.ts';
import type { GraphDelta } from '../types.ts';
import { byId } from '../ui/dom.ts';
import type { Actions, AppState } from './state.ts';

export class LiveController {
  private events: EventSource | undefined;
  /** Live updates of the last minute: when, and how many connections each brought. */
  private window: { at: number; connections: number }[] = [];

  constructor(private readonly state: AppState, private readonly app: Actions) {
    byId('btn-live').addEventListener('click', () => this.toggle());
  }

  start(): void {
    const { state, app } = this;
    this.events?.close();
    const es = new EventSource(api.eventsUrl(state.view.level, EMPTY_FILTERS, state.data.seq));
    es.addEventListener('delta', (ev) => {
      const delta = JSON.parse((ev as MessageEvent<string>).data) as GraphDelta;
      state.data.seq = delta.seq;
      const activity = deltaActivity(state.data.raw, delta);
      state.data.raw = mergeDelta(state.data.raw, delta).graph;
      // positions are kept for known nodes, the camera is not touched: only new nodes get laid out
      app.render();
      // the flow rate over the last minute, and what is new
      const now = Date.now();
      this.window = [...this.window.filter((w) => now - w.at < 60_000), { at: now, connections: activity.connections }];
      const span = Math.max(1, (now - this.window[0]!.at) / 1000);
      const rate = this.window.reduce((s, w) => s + w.connections, 0) / span;
      const shown = state.data.shown;
      app.status(`Live · ${rate.toFixed(rate < 10 ? 1 : 0)} connections/s · ${activity.newEdges.length} new edge(s) in the last update · ${shown.nodes.length} nodes, ${shown.edges.length} edges`);
    });
    es.addEventListener('reset', () => { void app.load(); });
    es.onerror = () => app.status('Live: connection lost, retrying…');
    this.events = es;
  }

  private toggle(): void {
    const on = (this.state.ui.liveOn = !this.state.ui.liveOn);
    byId('btn-live').setAttribute('aria-pressed', String(on));
    if (on) this.start(); else { this.events?.close(); this.events = undefined; }
  }
}
