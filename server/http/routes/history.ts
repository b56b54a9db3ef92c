/** GET /histogram: flow volume over time from the store's buckets, for the map's time brush. */
import { Router } from 'express';
import type { HistogramResponse } from '../api-types.ts';
import { badRequest, HttpError } from '../errors.ts';
import type { AppState } from '../../state/app-state.ts';
import { parseWindow, WINDOW_PARAMS } from '../view.ts';

export const DEFAULT_HISTOGRAM_BUCKETS = 60;
export const MAX_HISTOGRAM_BUCKETS = 1000;
/** The window when `from` is not given: the day before `to`. */
const DEFAULT_SPAN_MS = 24 * 3_600_000;

/**
 * Sums the store's slots into at most `buckets` equal buckets covering [since, until]. A bucket
 * is a whole number of slots (a store slot never straddles two buckets), so the answer has fewer
 * buckets than asked for when the window holds fewer slots.
 */
export function histogramOf(counts: { resolutionMs: number; slots: ReadonlyArray<{ start: number; count: number }> }, since: number, until: number, buckets: number): HistogramResponse {
  const r = counts.resolutionMs;
  const from = Math.floor(since / r) * r;
  const to = (Math.floor(until / r) + 1) * r;
  const bucketMs = Math.ceil((to - from) / r / buckets) * r;
  const n = Math.ceil((to - from) / bucketMs);
  const out = Array.from({ length: n }, (_v, i) => ({ start: from + i * bucketMs, count: 0 }));
  let total = 0;
  for (const s of counts.slots) {
    if (s.start < from || s.start >= to) continue;
    out[Math.floor((s.start - from) / bucketMs)].count += s.count;
    total += s.count;
  }
  return { from, to, resolutionMs: r, bucketMs, buckets: out, total };
}

export function historyRoutes(state: AppState): Router {
  const r = Router();

  r.get('/histogram', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    for (const k of Object.keys(q)) {
      if (k !== 'buckets' && !(WINDOW_PARAMS as readonly string[]).includes(k)) {
        throw badRequest(`unknown parameter "${k}": /histogram takes from, to (or since, until) and buckets.`);
      }
    }
    let buckets = DEFAULT_HISTOGRAM_BUCKETS;
    if (q.buckets !== undefined) {
      buckets = typeof q.buckets === 'string' && /^\d{1,4}$/.test(q.buckets) ? Number(q.buckets) : NaN;
      if (!(buckets >= 1 && buckets <= MAX_HISTOGRAM_BUCKETS)) {
        throw badRequest(`parameter "buckets" must be a whole number from 1 to ${MAX_HISTOGRAM_BUCKETS} (default ${DEFAULT_HISTOGRAM_BUCKETS}).`);
      }
    }
    const window = parseWindow(q, state.now());
    const until = window.until ?? state.now();
    const since = window.since ?? until - DEFAULT_SPAN_MS;
    if (since > until) throw badRequest('parameter "from" is after "to" (which defaults to now): give a start at or before the end.');
    const store = state.store;
    if (!store?.isOpen || !store.flowCounts) {
      throw new HttpError(409, 'netatlas/api: /histogram reads the store\'s time buckets and this server has none: start it with --db FILE or --store postgres://...', 'no_store');
    }
    const body: HistogramResponse = histogramOf(await store.flowCounts({ since, until }), since, until, buckets);
    res.json(body);
  });

  return r;
}
