/** GET /api/v1/flows: the connections behind an edge, from the store, paged by cursor. */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { createApp } from '../../../server/http/app.ts';
import { startServer } from '../../../server/http/serve.ts';
import type { FlowsResponse } from '../../../server/http/api-types.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { apiToBooksDropped, demoState, T0, webToApi } from './fixtures.ts';

const WEB_API = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
const API_BOOKS = 'wl:prod/shop/Deployment/api->wl:finance/ledger/Deployment/books|TCP|443';
const NS_SHOP_FINANCE = 'ns:prod/shop->ns:finance/ledger|TCP|443';

/** web -> api connections from `n` distinct source ports, a second apart. */
const webToApiConnections = (n: number): FlowRecord[] =>
  Array.from({ length: n }, (_v, i) => ({ ...webToApi, time: T0 + i * 1000, source: { ...webToApi.source, port: 40_000 + i } }));

function flowsApp(flows: readonly FlowRecord[], options: { perEdgeMinute?: number } = {}) {
  const store = FlowStore.open(':memory:', { connectionsPerEdgeMinute: options.perEdgeMinute });
  return createApp({ state: demoState({ store, flows }), rateLimit: false });
}

const flows = async (app: ReturnType<typeof flowsApp>, query: string, status = 200): Promise<FlowsResponse & { error?: string }> =>
  (await request(app).get(`/api/v1/flows?${query}`).expect(status)).body;

describe('GET /api/v1/flows', () => {
  it('lists one row per connection with its ends, verdict and report count', async () => {
    const body = await flows(flowsApp(webToApiConnections(3)), `edge=${encodeURIComponent(WEB_API)}`);
    expect(body.total).toBe(3);
    expect(body.rows.map((r) => r.source.port)).toEqual([40_002, 40_001, 40_000]);
    expect(body.rows[0]).toMatchObject({
      source: { cluster: 'prod', namespace: 'shop', pod: 'web-1', workload: 'wl:prod/shop/Deployment/web', ip: '10.1.0.10' },
      destination: { namespace: 'shop', pod: 'api-1', ip: '10.1.0.20', port: 8080 },
      protocol: 'TCP', verdict: 'FORWARDED', reports: 1,
    });
    expect(body.kept).toEqual({ perEdgeMinute: 50, capped: false });
    expect(body.nextCursor).toBeUndefined();
  });

  it('folds every report of one connection into its row, keeping the strongest verdict', async () => {
    const again = { ...webToApi, time: T0 + 500 };
    const dropped: FlowRecord = { ...webToApi, time: T0 + 900, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', supersedes: 'FORWARDED' };
    const body = await flows(flowsApp([webToApi, again, dropped]), `edge=${encodeURIComponent(WEB_API)}`);
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0]).toMatchObject({ reports: 3, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', firstSeen: T0, lastSeen: T0 + 900 });
  });

  it('pages by cursor through every row once, newest first', async () => {
    const app = flowsApp(webToApiConnections(7));
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const body: FlowsResponse = await flows(app, `edge=${encodeURIComponent(WEB_API)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.total).toBe(7);
      seen.push(...body.rows.map((r) => r.source.port!));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([40_006, 40_005, 40_004, 40_003, 40_002, 40_001, 40_000]);
  });

  it('answers an aggregated edge with the rows of its parts', async () => {
    const body = await flows(flowsApp([webToApi, apiToBooksDropped]), `edge=${encodeURIComponent(NS_SHOP_FINANCE)}`);
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0]).toMatchObject({ verdict: 'DROPPED', dropReason: 'POLICY_DENIED', destination: { cluster: 'finance', pod: 'books-1' } });
  });

  it('filters by verdict, by text and by time window', async () => {
    const records = [...webToApiConnections(4), { ...webToApi, time: T0 + 10_000, source: { ...webToApi.source, port: 41_000 }, verdict: 'DROPPED' as const }];
    const app = flowsApp(records);
    const edge = `edge=${encodeURIComponent(WEB_API)}`;
    expect((await flows(app, `${edge}&verdict=dropped`)).rows.map((r) => r.source.port)).toEqual([41_000]);
    expect((await flows(app, `${edge}&q=40001`)).rows.map((r) => r.source.port)).toEqual([40_001]);
    expect((await flows(app, `${edge}&from=${T0 + 1500}&to=${T0 + 3500}`)).rows.map((r) => r.source.port)).toEqual([40_003, 40_002]);
  });

  it('keeps at most perEdgeMinute connections per edge and minute and says the total is capped', async () => {
    const body = await flows(flowsApp(webToApiConnections(5), { perEdgeMinute: 2 }), `edge=${encodeURIComponent(WEB_API)}`);
    expect(body.total).toBe(2);
    expect(body.kept).toEqual({ perEdgeMinute: 2, capped: true });
  });

  it.each([
    ['', 'edge'],
    [`edge=${encodeURIComponent(WEB_API)}&limit=0`, 'limit'],
    [`edge=${encodeURIComponent(WEB_API)}&limit=501`, 'limit'],
    [`edge=${encodeURIComponent(WEB_API)}&cursor=not-a-cursor!`, 'cursor'],
    [`edge=${encodeURIComponent(WEB_API)}&verdict=maybe`, 'verdict'],
    [`edge=${encodeURIComponent(WEB_API)}&from=yesterday`, 'from'],
    [`edge=${encodeURIComponent(WEB_API)}&colour=red`, 'colour'],
    ['edge=nonsense', 'malformed'],
  ])('answers 400 naming the parameter for %s', async (query, named) => {
    const body = await flows(flowsApp([webToApi]), query, 400);
    expect(body.error).toContain(named);
  });

  it('answers 404 for an edge the graph does not have', async () => {
    const body = await flows(flowsApp([webToApi]), `edge=${encodeURIComponent(API_BOOKS)}`, 404);
    expect(body.error).toContain('no edge');
  });

  it('answers 503 when the server has no store', async () => {
    const app = createApp({ state: demoState({ flows: [webToApi] }), rateLimit: false });
    await request(app).get(`/api/v1/flows?edge=${encodeURIComponent(WEB_API)}`).expect(503);
  });
});

describe('serve --connections', () => {
  it('keeps the cap it is given and lists the demo\'s connections behind its busiest edge', async () => {
    const r = await startServer({ port: 0, db: ':memory:', connections: '7', log: () => undefined });
    try {
      await r.loaded;
      r.state.flush();
      await r.state.settled();
      const graph = (await request(r.server).get('/api/v1/graph').expect(200)).body as { edges: Array<{ key: string; count: number }> };
      const busiest = graph.edges.sort((a, b) => b.count - a.count)[0];
      const body: FlowsResponse = (await request(r.server).get(`/api/v1/flows?edge=${encodeURIComponent(busiest.key)}&limit=500`).expect(200)).body;
      expect(body.kept.perEdgeMinute).toBe(7);
      expect(body.rows.length).toBeGreaterThan(0);
      expect(body.rows.length).toBe(body.total);
      expect(body.rows.reduce((n, row) => n + row.reports, 0)).toBeGreaterThanOrEqual(body.total);
    } finally {
      await r.close();
    }
  });

  it('refuses a cap that is not a whole number from 1, naming the flag', async () => {
    await expect(startServer({ port: 0, db: ':memory:', connections: '0', log: () => undefined })).rejects.toThrow(/--connections "0": expected a whole number 1-10000/);
  });
});
