/**
 * The Live controller: GET /events (SSE) deltas merged into the data; the flow rate of the last
 * minute in the status line; the edges first seen in this session marked on the map for a while.
 */
import { api } from '../api.ts';
import { EMPTY_FILTERS } from '../state/filters.ts';
import { deltaActivity, mergeDelta } from '../state/graph-data.ts';
import { flowRate, formatRate, markedDisplayEdges, recentEdges, recordDelta, startActivity, type LiveActivity } from '../state/live.ts';
import type { GraphDelta } from '../types.ts';
import { byId } from '../ui/dom.ts';
import type { Actions, AppState } from './state.ts';

/** How often the rate is recomputed between deltas (it falls when nothing comes). */
const RATE_REFRESH_MS = 5000;

export class LiveController {
  private events: EventSource | undefined;
  private activity: LiveActivity | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private lastNew = 0;

  constructor(private readonly state: AppState, private readonly app: Actions, private readonly onMarks: (displayKeys: ReadonlySet<string>) => void, private readonly showLive: (text: string | undefined) => void) {
    byId('btn-live').addEventListener('click', () => this.toggle());
  }

  start(): void {
    const { state, app } = this;
    this.events?.close();
    this.activity ??= startActivity(Date.now());
    const es = new EventSource(api.eventsUrl(state.view.level, EMPTY_FILTERS, state.data.seq));
    es.addEventListener('delta', (ev) => {
      const delta = JSON.parse((ev as MessageEvent<string>).data) as GraphDelta;
      state.data.seq = delta.seq;
      const found = deltaActivity(state.data.raw, delta);
      state.data.raw = mergeDelta(state.data.raw, delta).graph;
      this.activity = recordDelta(this.activity ?? startActivity(Date.now()), Date.now(), found);
      this.lastNew = found.newEdges.length;
      // positions are kept for known nodes, the camera is not touched: only new nodes get laid out
      app.render();
      this.showRate();
    });
    es.addEventListener('reset', () => { void app.load(); });
    es.onerror = () => this.showLive('Live: connection lost, retrying…');
    es.onopen = () => this.showRate();
    this.events = es;
    if (this.ticker === undefined) this.ticker = setInterval(() => this.showRate(), RATE_REFRESH_MS);
  }

  /** The drawn edges to mark as new now (display keys, after the folded groups); empty when Live is off. */
  marks(): ReadonlySet<string> {
    if (!this.activity) return new Set();
    const { data, view } = this.state;
    const now = Date.now();
    const { keys, nextExpiry } = recentEdges(this.activity, now);
    // the marks fade out on their own: redraw them when the next one expires
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = nextExpiry === undefined ? undefined : setTimeout(() => { this.expiry = undefined; this.onMarks(this.marks()); }, nextExpiry - now + 50);
    return keys.size ? markedDisplayEdges(keys, data.raw.edges, data.nodesByKey, new Set(view.collapsed)) : new Set();
  }

  private showRate(): void {
    if (!this.activity || !this.state.ui.liveOn) return;
    const marked = recentEdges(this.activity, Date.now()).keys.size;
    this.showLive(`Live · ${formatRate(flowRate(this.activity, Date.now()))} · ${this.lastNew} new edge(s) in the last update${marked ? `, ${marked} marked new` : ''}`);
  }

  private stop(): void {
    this.events?.close();
    this.events = undefined;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.ticker = this.expiry = undefined;
    // the session's activity ends with it: the next Live starts counting afresh
    this.activity = undefined;
    this.showLive(undefined);
    this.onMarks(new Set());
  }

  private toggle(): void {
    const on = (this.state.ui.liveOn = !this.state.ui.liveOn);
    byId('btn-live').setAttribute('aria-pressed', String(on));
    if (on) this.start(); else this.stop();
  }
}
