import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HistogramResponse } from '../../server/http/api-types.ts';
import { brushWindow, dataSpan, histogramBars, histogramQuery, timeToX, windowPixels, xToTime } from '../../web/src/state/time-brush.ts';

const MIN = 60_000;
/** Four minute buckets from t=0: 10, 0, 5, 20 connections. */
const fourMinutes: HistogramResponse = {
  from: 0, to: 4 * MIN, resolutionMs: MIN, bucketMs: MIN, total: 35,
  buckets: [{ start: 0, count: 10 }, { start: MIN, count: 0 }, { start: 2 * MIN, count: 5 }, { start: 3 * MIN, count: 20 }],
};
const empty: HistogramResponse = { ...fourMinutes, total: 0, buckets: fourMinutes.buckets.map((b) => ({ ...b, count: 0 })) };

describe('time brush: buckets to pixels', () => {
  it('gives each bucket an equal slice of the width, in time order', () => {
    expect(histogramBars(fourMinutes, 200, 40).map((b) => [b.x, b.width])).toEqual([[0, 50], [50, 50], [100, 50], [150, 50]]);
  });

  it('scales heights to the busiest bucket', () => {
    expect(histogramBars(fourMinutes, 200, 40).map((b) => b.height)).toEqual([20, 0, 10, 40]);
  });

  it('keeps a bucket with a single connection visible next to a busy one', () => {
    const skewed = { ...fourMinutes, buckets: [{ start: 0, count: 1 }, { start: MIN, count: 100_000 }, { start: 2 * MIN, count: 0 }, { start: 3 * MIN, count: 0 }] };
    expect(histogramBars(skewed, 200, 40)[0]!.height).toBe(1);
  });

  it('draws nothing for a window without connections', () => {
    expect(histogramBars(empty, 200, 40).every((b) => b.height === 0)).toBe(true);
  });

  it('maps time to x and back without drift (within a pixel\'s time)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 * MIN }), fc.integer({ min: 10, max: 2000 }), (t, width) => {
      const back = xToTime(fourMinutes, width, timeToX(fourMinutes, width, t));
      expect(Math.abs(back - t)).toBeLessThanOrEqual(1);
    }));
  });

  it('clamps times and pixels outside the range to its ends', () => {
    expect(timeToX(fourMinutes, 200, -5 * MIN)).toBe(0);
    expect(timeToX(fourMinutes, 200, 99 * MIN)).toBe(200);
    expect(xToTime(fourMinutes, 200, -30)).toBe(0);
    expect(xToTime(fourMinutes, 200, 999)).toBe(4 * MIN);
  });
});

describe('time brush: a drag to a window', () => {
  it('turns a drag into the absolute window under it', () => {
    expect(brushWindow(fourMinutes, 200, 50, 150)).toEqual({ since: MIN, until: 3 * MIN });
  });

  it('reads a right-to-left drag the same way', () => {
    expect(brushWindow(fourMinutes, 200, 150, 50)).toEqual(brushWindow(fourMinutes, 200, 50, 150));
  });

  it('clamps a drag that leaves the brush to the histogram\'s range', () => {
    expect(brushWindow(fourMinutes, 200, -40, 260)).toEqual({ since: 0, until: 4 * MIN });
  });

  it.each([
    ['the first bucket', 10, { since: 0, until: MIN }],
    ['the third bucket', 120, { since: 2 * MIN, until: 3 * MIN }],
    ['the last bucket, at the very right edge', 200, { since: 3 * MIN, until: 4 * MIN }],
  ])('a click picks %s', (_name, x, expected) => {
    expect(brushWindow(fourMinutes, 200, x, x + 1)).toEqual(expected);
  });

  it('any drag gives a window inside the range with since before until', () => {
    fc.assert(fc.property(fc.integer({ min: -100, max: 400 }), fc.integer({ min: -100, max: 400 }), (x0, x1) => {
      const w = brushWindow(fourMinutes, 200, x0, x1);
      expect(w.since).toBeGreaterThanOrEqual(fourMinutes.from);
      expect(w.until).toBeLessThanOrEqual(fourMinutes.to);
      expect(w.since).toBeLessThan(w.until);
    }));
  });

  it('draws the view\'s window back where the drag was', () => {
    const w = brushWindow(fourMinutes, 200, 50, 150);
    expect(windowPixels(fourMinutes, 200, w.since, w.until)).toEqual([50, 150]);
  });

  it('draws an open-ended window to the brush\'s end, and no window as none', () => {
    expect(windowPixels(fourMinutes, 200, 2 * MIN, undefined)).toEqual([100, 200]);
    expect(windowPixels(fourMinutes, 200, undefined, undefined)).toBeUndefined();
  });
});

describe('time brush: what it asks', () => {
  it('asks the histogram over the data\'s span, newest flow included', () => {
    const span = dataSpan([{ firstSeen: 5_000, lastSeen: 9_000 }, { firstSeen: 1_000, lastSeen: 2_000 }]);
    expect(span).toEqual({ from: 1_000, to: 9_001 });
    expect(Object.fromEntries(new URLSearchParams(histogramQuery(span!)))).toEqual({ from: '1000', to: '9001', buckets: '60' });
  });

  it('has no span without edges', () => {
    expect(dataSpan([])).toBeUndefined();
  });
});
