/**
 * The time brush under the From/To controls: flow volume over time (GET /api/v1/histogram) drawn
 * as bars, and a drag across it turned into an absolute window (the view's since/until). Pure:
 * the pixel <-> time mapping and the bars; ui/time-brush-view.ts draws and listens.
 */
import type { HistogramResponse } from '../../../server/http/api-types.ts';
import type { MapEdge } from '../types.ts';

/** Bars asked of the server. */
export const BRUSH_BUCKETS = 60;
/** A drag shorter than this (px) is a click: it picks the bucket under it. */
export const CLICK_PX = 3;

export interface TimeSpan {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}

/** The span of the data (first seen of the oldest edge to just after the newest); undefined without edges. */
export function dataSpan(edges: readonly Pick<MapEdge, 'firstSeen' | 'lastSeen'>[]): TimeSpan | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const e of edges) {
    if (e.firstSeen > 0) from = Math.min(from, e.firstSeen);
    to = Math.max(to, e.lastSeen);
  }
  return Number.isFinite(from) && Number.isFinite(to) && to >= from ? { from, to: to + 1 } : undefined;
}

export function histogramQuery(span: TimeSpan, buckets = BRUSH_BUCKETS): string {
  return new URLSearchParams({ from: String(span.from), to: String(span.to), buckets: String(buckets) }).toString();
}

/** x (0..width) of a time inside the histogram's range, clamped to its ends. */
export function timeToX(hist: TimeSpan, width: number, t: number): number {
  const range = hist.to - hist.from;
  if (range <= 0) return 0;
  return Math.min(width, Math.max(0, ((t - hist.from) / range) * width));
}

/** The time at x (clamped to the histogram's range). */
export function xToTime(hist: TimeSpan, width: number, x: number): number {
  if (width <= 0) return hist.from;
  const f = Math.min(1, Math.max(0, x / width));
  return Math.round(hist.from + f * (hist.to - hist.from));
}

export interface Bar {
  readonly x: number;
  readonly width: number;
  /** 0..height; a bucket with any connection is at least 1 px high, so it is never lost. */
  readonly height: number;
  readonly start: number;
  readonly count: number;
}

/** One bar per bucket, heights linear in the count against the highest bucket. */
export function histogramBars(hist: HistogramResponse, width: number, height: number): Bar[] {
  const max = hist.buckets.reduce((m, b) => Math.max(m, b.count), 0);
  return hist.buckets.map((b) => {
    const x0 = timeToX(hist, width, b.start);
    const x1 = timeToX(hist, width, b.start + hist.bucketMs);
    const h = max === 0 || b.count === 0 ? 0 : Math.max(1, (b.count / max) * height);
    return { x: x0, width: Math.max(0, x1 - x0), height: h, start: b.start, count: b.count };
  });
}

export interface BrushWindow {
  readonly since: number;
  readonly until: number;
}

/**
 * A drag from x0 to x1 (either direction) as an absolute window; a click (a drag under
 * CLICK_PX once clamped to the brush) picks the whole bucket under it.
 */
export function brushWindow(hist: HistogramResponse, width: number, x0: number, x1: number): BrushWindow {
  // clamped first: a drag that stays beyond one end is a click on that end
  x0 = Math.min(width, Math.max(0, x0));
  x1 = Math.min(width, Math.max(0, x1));
  if (Math.abs(x1 - x0) < CLICK_PX) {
    const t = xToTime(hist, width, x0);
    const bucketMs = hist.bucketMs > 0 ? hist.bucketMs : hist.to - hist.from;
    const start = hist.from + Math.min(Math.floor((t - hist.from) / bucketMs), Math.max(0, hist.buckets.length - 1)) * bucketMs;
    return { since: start, until: Math.min(hist.to, start + bucketMs) };
  }
  const a = xToTime(hist, width, Math.min(x0, x1));
  const b = xToTime(hist, width, Math.max(x0, x1));
  return { since: a, until: b };
}

/** The pixels [x0, x1] a window covers on the brush (for drawing it); undefined when it covers everything or nothing is set. */
export function windowPixels(hist: TimeSpan, width: number, since: number | undefined, until: number | undefined): readonly [number, number] | undefined {
  if (since === undefined && until === undefined) return undefined;
  return [since === undefined ? 0 : timeToX(hist, width, since), until === undefined ? width : timeToX(hist, width, until)];
}
