/** Time windows (from/to) on /graph, /edges/:key, /diff and /findings. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { histogramOf } from '../../../server/http/routes/history.ts';
import { createApp } from '../../../server/http/app.ts';
import { defaultProviders } from '../../../server/http/default-providers.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { historyState, HOUR, T0 } from './fixtures.ts';

const WEB_API = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
const API_DNS = 'wl:prod/shop/Deployment/api->wl:prod/kube-system/Deployment/coredns|UDP|53';
const API_BOOKS = 'wl:prod/shop/Deployment/api->wl:finance/ledger/Deployment/books|TCP|443';

/** An app over the history flows, with a SQLite store (hour buckets) or none (the graph only). */
function historyApp(withStore: boolean) {
  const store = withStore ? FlowStore.open(':memory:') : undefined;
  return createApp({ state: historyState({ store }), rateLimit: false, providers: defaultProviders() });
}

const iso = (t: number): string => new Date(t).toISOString();
const enc = (k: string): string => k.split('/').map(encodeURIComponent).join('/');
const before = `from=${T0 - 2 * HOUR}&to=${T0 - HOUR / 2}`;

async function graphCounts(app: ReturnType<typeof historyApp>, query: string): Promise<Record<string, number>> {
  const res = await request(app).get(`/api/v1/graph?${query}`).expect(200);
  return Object.fromEntries((res.body.edges as { key: string; count: number }[]).map((e) => [e.key, e.count]));
}

// A store answers a window from its hour buckets; without one, the graph keeps one span
// (first..last seen) per edge, so an edge seen before and after the window overlaps it.
describe.each([
  ['a SQLite store', true, [API_DNS]],
  ['no store', false, [API_DNS, WEB_API]],
])('time windows with %s', (_name, withStoreParam, inBefore) => {
  const withStore = withStoreParam as boolean;
  it('graph shows only the edges seen in the window', async () => {
    const counts = await graphCounts(historyApp(withStore), before);
    expect(Object.keys(counts).sort()).toEqual(inBefore);
  });

  it('since/until are aliases of from/to and RFC 3339 equals epoch ms', async () => {
    const app = historyApp(withStore);
    const a = await graphCounts(app, before);
    expect(await graphCounts(app, `since=${T0 - 2 * HOUR}&until=${T0 - HOUR / 2}`)).toEqual(a);
    expect(await graphCounts(app, `from=${iso(T0 - 2 * HOUR)}&to=${iso(T0 - HOUR / 2)}`)).toEqual(a);
  });

  it('edge detail answers 404 for an edge not seen in the window and the edge for one that was', async () => {
    const app = historyApp(withStore);
    await request(app).get(`/api/v1/edges/${enc(API_BOOKS)}?${before}`).expect(404);
    const res = await request(app).get(`/api/v1/edges/${enc(API_DNS)}?${before}`).expect(200);
    expect(res.body.edge.key).toBe(API_DNS);
  });

  it('diff and findings see the dropped flow only in a window that holds it', async () => {
    const app = historyApp(withStore);
    const diffKinds = async (q: string) => ((await request(app).get(`/api/v1/diff${q}`).expect(200)).body.items as { kind: string }[]).map((i) => i.kind);
    const findingCodes = async (q: string) => ((await request(app).get(`/api/v1/findings${q}`).expect(200)).body.findings as { code: string }[]).map((f) => f.code);
    expect(await diffKinds('')).toContain('unexplained-drop');
    expect(await diffKinds(`?${before}`)).not.toContain('unexplained-drop');
    expect(await diffKinds(`?from=${T0 - HOUR / 2}`)).toContain('unexplained-drop');
    expect(await findingCodes('')).toContain('unexplained-drop');
    expect(await findingCodes(`?${before}`)).not.toContain('unexplained-drop');
    expect(await findingCodes(`?to=${iso(T0 - HOUR / 2)}`)).not.toContain('unexplained-drop');
  });
});

describe('time windows over stored hour buckets', () => {
  it('graph counts only the window\'s buckets of an edge seen in several hours', async () => {
    const app = historyApp(true);
    expect((await graphCounts(app, ''))[WEB_API]).toBe(2);
    expect((await graphCounts(app, `from=${T0 - HOUR / 2}`))[WEB_API]).toBe(1);
  });

  it('edge detail counts the edge and its parts over the window', async () => {
    const app = historyApp(true);
    const whole = (await request(app).get(`/api/v1/edges/${enc(WEB_API)}`).expect(200)).body;
    const recent = (await request(app).get(`/api/v1/edges/${enc(WEB_API)}?from=${T0 - HOUR / 2}`).expect(200)).body;
    expect(whole.edge.count).toBe(2);
    expect(recent.edge.count).toBe(1);
    expect(recent.parts.map((p: { count: number }) => p.count)).toEqual(whole.parts.map(() => 1));
  });

  it('a windowed diff leaves the whole-history answer as it was', async () => {
    const app = historyApp(true);
    const a = (await request(app).get('/api/v1/diff').expect(200)).body;
    await request(app).get(`/api/v1/diff?${before}`).expect(200);
    expect((await request(app).get('/api/v1/diff').expect(200)).body).toEqual(a);
  });
});

describe('window parameters', () => {
  const bad: Array<[string, RegExp]> = [
    ['from=yesterday', /"from"/],
    ['to=2026-13-45T99:00:00Z', /"to"/],
    ['since=abc', /"since"/],
    [`from=${T0}&to=${T0 - 1}`, /"from" is after "to"/],
    [`from=${T0}&since=${T0}`, /"from" and "since"/],
    ['from=1&from=2', /"from"/],
  ];
  for (const route of ['/graph', `/edges/${enc(WEB_API)}`, '/diff', '/findings']) {
    it.each(bad)(`${route} answers 400 naming the parameter for %s`, async (q, named) => {
      const res = await request(historyApp(false)).get(`/api/v1${route}?${q}`).expect(400);
      expect(res.body.error).toMatch(named);
    });
  }

  it('diff and findings name an unknown parameter', async () => {
    const app = historyApp(false);
    expect((await request(app).get('/api/v1/diff?level=pod').expect(400)).body.error).toMatch(/"level"/);
    expect((await request(app).get('/api/v1/findings?colour=red').expect(400)).body.error).toMatch(/"colour"/);
  });
});

describe('histogram', () => {
  const span = `from=${T0 - 4 * HOUR}&to=${T0 + HOUR - 1}`;

  it('counts each connection once, in the hour it was seen', async () => {
    const body = (await request(historyApp(true)).get(`/api/v1/histogram?${span}&buckets=5`).expect(200)).body;
    expect(body.resolutionMs).toBe(HOUR);
    expect(body.bucketMs).toBe(HOUR);
    expect(body.buckets.map((b: { count: number }) => b.count)).toEqual([0, 1, 0, 1, 3]);
    expect(body.buckets[4].start).toBe(T0);
  });

  // The histogram covers whole slots (hours here); /graph also trims by first/last seen, so the
  // two agree on windows of whole hours.
  it('sums to the total of the graph over the same whole hours', async () => {
    const app = historyApp(true);
    for (const q of [span, `from=${T0 - 2 * HOUR}&to=${T0 - 1}`, `from=${T0}&to=${T0 + HOUR - 1}`]) {
      const h = (await request(app).get(`/api/v1/histogram?${q}`).expect(200)).body;
      const g = Object.values(await graphCounts(app, `${q}&level=workload`)).reduce((a, b) => a + b, 0);
      expect(h.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(g);
      expect(h.total).toBe(g);
    }
  });

  it('never answers more buckets than asked for', async () => {
    const body = (await request(historyApp(true)).get(`/api/v1/histogram?from=${T0 - 100 * HOUR}&to=${T0}&buckets=7`).expect(200)).body;
    expect(body.buckets.length).toBeLessThanOrEqual(7);
    expect(body.bucketMs % HOUR).toBe(0);
    expect(body.total).toBe(5);
  });

  it.each(['buckets=0', 'buckets=1001', 'buckets=abc', `from=${T0}&to=${T0 - 1}`, 'from=soon', 'level=pod'])('answers 400 for %s', async (q) => {
    const res = await request(historyApp(true)).get(`/api/v1/histogram?${q}`).expect(400);
    expect(res.body.error).toMatch(/"(buckets|from|level)"/);
  });

  it('answers 409 naming the flag when the server has no store', async () => {
    const res = await request(historyApp(false)).get('/api/v1/histogram').expect(409);
    expect(res.body.error).toMatch(/--db/);
  });

  it('sums any slots in the window into at most the buckets asked for', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 100 }),
      fc.array(fc.record({ slot: fc.integer({ min: -50, max: 600 }), count: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 50 }),
      (a, b, buckets, raw) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const slots = [...new Map(raw.map((x) => [x.slot, x.count]))].sort((x, y) => x[0] - y[0]).map(([slot, count]) => ({ start: slot * HOUR, count }));
        const h = histogramOf({ resolutionMs: HOUR, slots }, lo * HOUR + 5, hi * HOUR + 7, buckets);
        const inWindow = slots.filter((x) => x.start >= lo * HOUR && x.start <= hi * HOUR).reduce((s, x) => s + x.count, 0);
        expect(h.buckets.length).toBeLessThanOrEqual(buckets);
        expect(h.buckets.reduce((s, x) => s + x.count, 0)).toBe(inWindow);
        expect(h.total).toBe(inWindow);
        expect(h.buckets.at(-1)!.start + h.bucketMs).toBeGreaterThanOrEqual(h.to);
      },
    ));
  });
});
