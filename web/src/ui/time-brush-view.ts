/**
 * The time brush: a small histogram of flow volume (GET /api/v1/histogram) under the From/To
 * controls. Dragging across it (or clicking a bar) sets an absolute window through `onBrush`,
 * which the view state, the URL and the map follow; `show` draws the view's window back on it.
 * The mapping is state/time-brush.ts.
 */
import { api, ApiRequestError } from '../api.ts';
import type { HistogramResponse } from '../../../server/http/api-types.ts';
import { brushWindow, histogramBars, histogramQuery, windowPixels, type BrushWindow, type TimeSpan } from '../state/time-brush.ts';
import { append, h } from './dom.ts';

const HEIGHT = 44;

export class TimeBrushView {
  private hist: HistogramResponse | undefined;
  private window: { since?: number; until?: number } = {};
  private drag: { x0: number; x1: number } | undefined;
  private readonly canvas: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private asked = 0;

  constructor(private readonly container: HTMLElement, private readonly onBrush: (w: BrushWindow | undefined) => void) {
    this.canvas = h('canvas', { class: 'time-brush', 'aria-label': 'Flow volume over time: drag across it to choose a time window, click a bar for its bucket', role: 'img', 'data-testid': 'time-brush' });
    this.note = h('p', { class: 'muted brush-note' }, 'Loading flow volume…');
    const clearBtn = h('button', { type: 'button', class: 'link', onclick: () => this.onBrush(undefined) }, 'All time');
    append(container, this.canvas, h('div', { class: 'brush-row' }, this.note, clearBtn));
    this.canvas.addEventListener('pointerdown', (e) => {
      if (!this.hist) return;
      this.canvas.setPointerCapture(e.pointerId);
      const x = this.x(e);
      this.drag = { x0: x, x1: x };
      this.draw();
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.drag) return;
      this.drag = { ...this.drag, x1: this.x(e) };
      this.draw();
    });
    const end = (e: PointerEvent): void => {
      if (!this.drag || !this.hist) return;
      const { x0 } = this.drag;
      this.drag = undefined;
      this.onBrush(brushWindow(this.hist, this.width(), x0, this.x(e)));
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', () => { this.drag = undefined; this.draw(); });
    new ResizeObserver(() => this.draw()).observe(container);
  }

  /** Ask the histogram of `span` (the data's) and draw it; an error or a store-less server is said under it. */
  async load(span: TimeSpan | undefined): Promise<void> {
    const mine = ++this.asked;
    if (!span) { this.hist = undefined; this.note.textContent = 'No flows to chart.'; this.draw(); return; }
    try {
      const hist = await api.histogram(histogramQuery(span));
      if (mine !== this.asked) return;
      this.hist = hist;
      const per = hist.bucketMs >= 3_600_000 ? `${hist.bucketMs / 3_600_000} h` : `${Math.round(hist.bucketMs / 60_000)} min`;
      this.note.textContent = `${hist.total.toLocaleString('en')} connections, ${per} per bar`;
    } catch (err) {
      if (mine !== this.asked) return;
      this.hist = undefined;
      this.note.textContent = err instanceof ApiRequestError && err.code === 'no_store'
        ? 'No flow volume: the server keeps no time buckets (start it with --db).'
        : `Flow volume could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.draw();
  }

  /** Draw the view's window (from the URL, the presets or the From/To inputs) over the bars. */
  show(since: number | undefined, until: number | undefined): void {
    if (this.window.since === since && this.window.until === until) return;
    this.window = { since, until };
    this.draw();
  }

  private width(): number {
    return this.canvas.clientWidth || this.container.clientWidth;
  }

  private x(e: PointerEvent): number {
    return e.clientX - this.canvas.getBoundingClientRect().left;
  }

  private draw(): void {
    const width = this.width();
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(width * ratio));
    this.canvas.height = Math.round(HEIGHT * ratio);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const css = getComputedStyle(this.canvas);
    const accent = css.getPropertyValue('--accent').trim() || '#2f6fb0';
    const line = css.getPropertyValue('--line').trim() || '#d9dee4';
    const fg = css.getPropertyValue('--fg').trim() || '#1d2733';
    ctx.fillStyle = line;
    ctx.fillRect(0, HEIGHT - 1, width, 1);
    if (!this.hist) return;
    const chosen = this.drag ? ([Math.min(this.drag.x0, this.drag.x1), Math.max(this.drag.x0, this.drag.x1)] as const) : windowPixels(this.hist, width, this.window.since, this.window.until);
    // the bars: dimmed outside the window, full inside it (a bar the window cuts is split where it cuts)
    const bars = histogramBars(this.hist, width, HEIGHT - 2).filter((b) => b.height > 0);
    const paint = (alpha: number): void => {
      ctx.globalAlpha = alpha;
      ctx.fillStyle = accent;
      for (const bar of bars) ctx.fillRect(bar.x + 0.5, HEIGHT - 1 - bar.height, Math.max(1, bar.width - 1), bar.height);
    };
    paint(chosen ? 0.3 : 0.9);
    if (chosen) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(chosen[0], 0, Math.max(1, chosen[1] - chosen[0]), HEIGHT);
      ctx.clip();
      paint(0.9);
      ctx.restore();
      ctx.globalAlpha = 1;
      ctx.fillStyle = fg;
      ctx.fillRect(chosen[0], 0, 2, HEIGHT);
      ctx.fillRect(Math.max(0, chosen[1] - 2), 0, 2, HEIGHT);
    }
    ctx.globalAlpha = 1;
  }
}
