/**
 * The time brush wired to the state: its histogram follows the data's span (asked again when the
 * span changes, at most every few seconds under live updates), a brush sets the view's absolute
 * window, and the view's window (presets, From/To, a shared URL) is drawn back on it.
 */
import { dataSpan, type TimeSpan } from '../state/time-brush.ts';
import { byId } from '../ui/dom.ts';
import { TimeBrushView } from '../ui/time-brush-view.ts';
import type { Actions, AppState } from './state.ts';

/** The least time between two histogram requests while the data's span moves (live). */
const REFRESH_MS = 5_000;

export class TimeBrushController {
  private readonly view: TimeBrushView;
  private edges: unknown;
  private span: TimeSpan | undefined;
  private asked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly state: AppState, app: Actions) {
    this.view = new TimeBrushView(byId('time-brush'), (w) => {
      byId<HTMLSelectElement>('f-window').value = '';
      app.setView({ filters: { ...state.view.filters, since: w?.since, until: w?.until } });
    });
  }

  /** After every render: the window drawn, and the histogram asked again if the data's span moved. */
  sync(): void {
    const { state } = this;
    this.view.show(state.view.filters.since, state.view.filters.until);
    if (state.phase.phase !== 'ready' || state.data.raw.edges === this.edges) return;
    this.edges = state.data.raw.edges;
    const span = dataSpan(state.data.raw.edges);
    if (span?.from === this.span?.from && span?.to === this.span?.to) return;
    this.span = span;
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.asked + REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.asked = Date.now();
      void this.view.load(this.span);
    }, wait);
  }
}
