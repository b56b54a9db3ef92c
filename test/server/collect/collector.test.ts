/**
 * The collector's parts in one process, on the SQLite store: the ingest route's checks, a
 * lost acknowledgement resent and applied once, the spool across reopen and at its bound,
 * and the metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { collectorMetrics } from '../../../server/collect/collector.ts';
import { Shipper } from '../../../server/collect/shipper.ts';
import { SpoolStore, spooledBody } from '../../../server/collect/spool.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { createApp } from '../../../server/http/app.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import type { EdgeIncrement } from '../../../server/store/flow-store.ts';
import type { WorkloadNode } from '../../../generator/model/index.ts';
import { T0, financeInventory, prodInventory } from '../http/fixtures.ts';
import { churnFlow } from './churn-flows.ts';

const TOKEN = 'east-token-0123456789abcdef';
const dirs: string[] = [];
const servers: Server[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'netatlas-collect-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const KEY = 'wl:east/shop/Deployment/web->wl:east/shop/Deployment/api|TCP|8080';
const webToApi = (count: number, over: Partial<EdgeIncrement> = {}): EdgeIncrement => ({
  key: KEY, level: 'workload', source: 'wl:east/shop/Deployment/web', destination: 'wl:east/shop/Deployment/api', protocol: 'TCP', port: 8080,
  interCluster: false, time: T0, count, verdicts: { FORWARDED: count }, firstSeen: T0, lastSeen: T0, ...over,
});
const workload = (name: string): { key: string; attributes: WorkloadNode } => ({
  key: `wl:east/shop/Deployment/${name}`,
  attributes: { kind: 'workload', label: name, cluster: 'east', namespace: 'shop', workloadKind: 'Deployment', name, labels: {} },
});
const nodes = [workload('web'), workload('api')];

function central() {
  const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(':memory:') });
  const app = createApp({ state, rateLimit: false, collectorTokens: new Map([['east', TOKEN]]) });
  return { state, app };
}

async function listen(app: ReturnType<typeof createApp>): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('POST /api/v1/ingest', () => {
  it('refuses a request without the collector\'s token, or with another collector\'s name', async () => {
    const { app } = central();
    const body = { collector: 'east', batchId: 'e-1', edges: [], nodes: [] };
    await request(app).post('/api/v1/ingest').send(body).expect(401);
    await request(app).post('/api/v1/ingest').set('authorization', 'Bearer wrong-token-0123456789').send(body).expect(401);
    await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`).send({ ...body, collector: 'west' }).expect(401);
  });

  it('refuses an unknown token before reading the body, and a batch over the limit with the fix', async () => {
    const { state } = central();
    const app = createApp({ state, rateLimit: false, collectorTokens: new Map([['east', TOKEN]]) });
    const res = await request(app).post('/api/v1/ingest').set('authorization', 'Bearer unknown-token-0123456789').set('content-type', 'application/json').send('{not json');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('netatlas/ingest: unknown collector token.');
    const { ingestRoutes } = await import('../../../server/http/routes/ingest.ts');
    const express = (await import('express')).default;
    const small = express().use('/ingest', ingestRoutes(state, { tokens: new Map([['east', TOKEN]]), bodyLimit: '1kb' }))
      .use((err: { status?: number; message?: string }, _req: unknown, res: { status(n: number): { json(b: unknown): void } }, _next: unknown) => { res.status(err.status ?? 500).json({ error: err.message }); });
    const big = await request(small).post('/ingest').set('authorization', `Bearer ${TOKEN}`).send({ collector: 'east', batchId: 'e-1', edges: Array(100).fill(webToApi(1)), nodes });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/netatlas\/ingest: batch larger than 1kb: give the collector a shorter --interval/);
  });

  it('refuses an invalid edge naming where it is, and adds nothing of that batch', async () => {
    const { app, state } = central();
    const res = await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`)
      .send({ collector: 'east', batchId: 'e-1', edges: [webToApi(1), { ...webToApi(1), protocol: 'TCPX' }], nodes }).expect(400);
    expect(res.body.error).toMatch(/netatlas\/api: ingest from east: edges\[1\]\.protocol: expected one of TCP/);
    expect(state.graph.size).toBe(0);
  });

  it.each([
    ['a node key with a slash in its namespace', { nodes: [{ ...workload('web'), key: 'wl:east/sh/op/Deployment/web' }] }, /nodes\[0\]\.key: /],
    ['a node label value no API server accepts', { nodes: [{ key: workload('web').key, attributes: { ...workload('web').attributes, labels: { app: '<img src=x>' } } }] }, /nodes\[0\]\.attributes\.labels: label value/],
    ['an inventory pod with a namespace holding a slash', { inventories: [{ cluster: 'east', inventory: { ...prodInventory(), pods: [{ ...prodInventory().pods[0], namespace: 'shop/evil' }] } }] }, /inventories\[0\]\.inventory\.pods\[0\]: "shop\/evil" is not a DNS-1123 label/],
    ['an inventory pod address that is not an IP', { inventories: [{ cluster: 'east', inventory: { ...prodInventory(), pods: [{ ...prodInventory().pods[0], labels: { app: 'web' }, ips: ['999.1.1.1'] }] } }] }, /inventories\[0\]\.inventory\.pods\[0\]: ips: "999\.1\.1\.1" is not an IP address/],
  ])('refuses a batch with %s, naming where it is, and adds nothing', async (_what, part, reason) => {
    const { app, state } = central();
    const res = await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`)
      .send({ collector: 'east', batchId: 'e-1', edges: [webToApi(1)], nodes, ...part }).expect(400);
    expect(res.body.error).toMatch(reason);
    expect(state.graph.size).toBe(0);
  });

  it('applies a batch once: the same batch id again answers applied: false and adds nothing', async () => {
    const { app, state } = central();
    const send = () => request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`)
      .send({ collector: 'east', batchId: 'e-1', edges: [webToApi(3)], nodes }).expect(200);
    expect((await send()).body).toEqual({ applied: true, edges: 1 });
    expect((await send()).body).toEqual({ applied: false, edges: 1 });
    expect(state.graph.getEdgeAttributes(KEY).count).toBe(3);
    expect(state.store!.loadEdges()).toMatchObject([{ key: KEY, count: 3 }]);
  });
});

describe('remote ends placed centrally', () => {
  it('rewrites an address the collector could not place onto the other cluster\'s workload, inter-cluster', async () => {
    const { state } = central();
    state.setInventory('prod', prodInventory());
    state.setInventory('finance', financeInventory());
    // What the prod collector knows: its api workload called 10.2.0.10, an address outside prod.
    const toBooks: EdgeIncrement = {
      key: 'wl:prod/shop/Deployment/api->ext:10.2.0.10|TCP|443', level: 'workload', source: 'wl:prod/shop/Deployment/api', destination: 'ext:10.2.0.10',
      protocol: 'TCP', port: 443, interCluster: false, time: T0, count: 2, verdicts: { FORWARDED: 2 }, firstSeen: T0, lastSeen: T0,
    };
    const prodToken = 'prod-token-0123456789abcdef';
    const app = createApp({ state, rateLimit: false, collectorTokens: new Map([['prod', prodToken]]) });
    await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${prodToken}`)
      .send({ collector: 'prod', batchId: 'p-1', edges: [toBooks], nodes: [{ key: 'ext:10.2.0.10', attributes: { kind: 'external', label: '10.2.0.10', ip: '10.2.0.10' } }] }).expect(200);
    const key = 'wl:prod/shop/Deployment/api->wl:finance/ledger/Deployment/books|TCP|443';
    expect(state.graph.getEdgeAttributes(key)).toMatchObject({ count: 2, interCluster: true });
    expect(state.graph.hasEdge(toBooks.key!)).toBe(false);
    expect((state.store as FlowStore).loadEdges().map((e) => e.key)).toContain(key);
  });
});

describe('Shipper', () => {
  it('resends a batch whose acknowledgement was lost, and the server counts it once', async () => {
    const { app, state } = central();
    const url = await listen(app);
    const spool = SpoolStore.open(tmp());
    spool.writeBatch({ edges: [webToApi(2)], nodes });
    let calls = 0;
    // The first request reaches the server, then the answer is lost.
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (++calls === 1) throw new Error('connection reset');
      return res;
    };
    let now = 0;
    const shipper = new Shipper({ spool, servers: [url], collector: 'east', token: TOKEN, fetch: lossy, now: () => now });
    await shipper.pump();
    expect(spool.depth.batches).toBe(1);
    expect(shipper.counters.errors).toBe(1);
    now += 60_000;
    await shipper.pump();
    expect(spool.depth.batches).toBe(0);
    expect(shipper.counters).toMatchObject({ sent: 0, duplicates: 1, errors: 1 });
    expect(state.graph.getEdgeAttributes(KEY).count).toBe(2);
  });

  it('drops a batch the server refuses as invalid and goes on with the next', async () => {
    const { app, state } = central();
    const url = await listen(app);
    const spool = SpoolStore.open(tmp());
    spool.writeBatch({ edges: [{ ...webToApi(1), port: 70_000 }], nodes });
    spool.writeBatch({ edges: [webToApi(4)], nodes });
    const shipper = new Shipper({ spool, servers: [url], collector: 'east', token: TOKEN, log: () => {} });
    await shipper.pump();
    expect(shipper.counters).toMatchObject({ rejected: 1, sent: 1 });
    expect(state.graph.getEdgeAttributes(KEY).count).toBe(4);
  });
});

describe('SpoolStore', () => {
  it('keeps unacknowledged batches and their ids across a reopen, and resumes sources after the last one spooled', () => {
    const dir = tmp();
    const first = SpoolStore.open(dir);
    first.writeBatch({ edges: [webToApi(1)], nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 100 } }] });
    first.writeBatch({ edges: [webToApi(2)], nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 200 } }] });
    const sent = first.oldest()!;
    first.acknowledge(sent);
    const unsent = first.oldest()!;

    const again = SpoolStore.open(dir);
    expect(again.epoch).toBe(first.epoch);
    expect(again.oldest()).toEqual(unsent);
    expect(again.depth.batches).toBe(1);
    expect(again.getOffset('flows-follow:/f')).toEqual({ offset: 200 });
    again.writeBatch({ edges: [webToApi(3)], nodes });
    expect(again.depth.batches).toBe(2);
    expect(new Set([sent.batchId, unsent.batchId, `${first.epoch}-3`]).size).toBe(3);
  });

  it('splits a flush with more rows than a batch may hold, nodes first and offsets last, and the centre counts it whole', async () => {
    const { app, state } = central();
    const url = await listen(app);
    const spool = SpoolStore.open(tmp(), { maxRowsPerBatch: 2 });
    const edges = [1, 2, 3, 4, 5].map((n) => webToApi(n, { key: `${KEY.slice(0, -4)}${8080 + n}`, port: 8080 + n }));
    spool.writeBatch({ edges, nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 500 } }] });
    expect(spool.depth.batches).toBe(3);
    const first = spool.oldest()!;
    expect(first).toMatchObject({ edgeCount: 2, offsets: [], lastOfGroup: first.seq + 2 });
    expect(spooledBody(first).nodes).toEqual(nodes);
    const shipper = new Shipper({ spool, servers: [url], collector: 'east', token: TOKEN });
    await shipper.pump();
    expect(shipper.counters).toMatchObject({ sent: 3, edges: 5 });
    for (const e of edges) expect(state.graph.getEdgeAttributes(e.key!).count).toBe(e.count);
    expect(spool.getOffset('flows-follow:/f')).toEqual({ offset: 500 });
  });

  it('removes the parts of a split flush a crash cut short before its last part (the one with the offsets)', () => {
    const dir = tmp();
    const spool = SpoolStore.open(dir, { maxRowsPerBatch: 2 });
    spool.writeBatch({ edges: [webToApi(1)], nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 100 } }] });
    const edges = [1, 2, 3, 4, 5].map((n) => webToApi(n, { key: `${KEY.slice(0, -4)}${8080 + n}`, port: 8080 + n }));
    spool.writeBatch({ edges, nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 500 } }] });
    expect(spool.depth.batches).toBe(4);
    // the crash: the last part (seq 4, with the offsets) never reached the disk
    rmSync(path.join(dir, 'batch-000000000004.json'));
    const reopened = SpoolStore.open(dir, { maxRowsPerBatch: 2 });
    expect(reopened.depth.batches).toBe(1);
    expect(reopened.getOffset('flows-follow:/f')).toEqual({ offset: 100 });
    expect(spooledBody(reopened.oldest()!).edges).toEqual([webToApi(1)]);
  });

  it('sends a batch an earlier version spooled (one JSON object, connections as row objects)', async () => {
    const { app, state } = central();
    const url = await listen(app);
    const dir = tmp();
    SpoolStore.open(dir).writeBatch({ edges: [webToApi(1)], nodes });
    const connection = {
      edge: KEY, id: 'TCP 10.1.0.20:40000>10.1.0.30:8080', firstSeen: T0, lastSeen: T0, protocol: 'TCP', verdict: 'FORWARDED', reports: 1,
      source: { cluster: 'east', ip: '10.1.0.20', port: 40_000 }, destination: { cluster: 'east', ip: '10.1.0.30', port: 8080 },
    };
    writeFileSync(path.join(dir, 'batch-000000000002.json'), JSON.stringify({
      seq: 2, batchId: 'legacy-2', time: T0, edges: [webToApi(5)], nodes, offsets: [{ source: 'flows-follow:/f', position: { offset: 9 } }], connections: [connection],
    }));
    const spool = SpoolStore.open(dir);
    expect(spool.getOffset('flows-follow:/f')).toEqual({ offset: 9 });
    const shipper = new Shipper({ spool, servers: [url], collector: 'east', token: TOKEN });
    await shipper.pump();
    expect(spool.depth.batches).toBe(0);
    expect(shipper.counters).toMatchObject({ sent: 2, edges: 2 });
    expect(state.graph.getEdgeAttributes(KEY).count).toBe(6);
    const flows = (await request(app).get(`/api/v1/flows?edge=${encodeURIComponent(KEY)}`).expect(200)).body;
    expect(flows.rows).toMatchObject([{ source: { ip: '10.1.0.20', port: 40_000 }, destination: { ip: '10.1.0.30', port: 8080 } }]);
  });

  it('moves a spooled batch that no longer reads aside, counts it, and goes on with the next', () => {
    const dir = tmp();
    const spool = SpoolStore.open(dir);
    spool.writeBatch({ edges: [webToApi(1)], nodes });
    spool.writeBatch({ edges: [webToApi(2)], nodes });
    writeFileSync(path.join(dir, 'batch-000000000001.json'), '{"seq":1,');
    expect(spooledBody(spool.oldest()!).edges[0].count).toBe(2);
    expect(spool.unreadable).toBe(1);
    expect(existsSync(path.join(dir, 'batch-000000000001.json.bad'))).toBe(true);
    const reopened = SpoolStore.open(dir);
    expect(reopened.depth.batches).toBe(1);
  });

  it('removes the temp file of a write a crash cut short, and keeps the batches before it', () => {
    const dir = tmp();
    SpoolStore.open(dir).writeBatch({ edges: [webToApi(1)], nodes });
    writeFileSync(path.join(dir, 'batch-000000000002.json.tmp'), '{"seq":2,"edg');
    const reopened = SpoolStore.open(dir);
    expect(reopened.depth.batches).toBe(1);
    expect(existsSync(path.join(dir, 'batch-000000000002.json.tmp'))).toBe(false);
  });

  it('drops the oldest batch past its bound and counts it', () => {
    const spool = SpoolStore.open(tmp(), { maxBatches: 2 });
    for (let i = 1; i <= 3; i++) spool.writeBatch({ edges: [webToApi(i)], nodes });
    expect(spool.depth.batches).toBe(2);
    expect(spool.dropped).toBe(1);
    expect(spooledBody(spool.oldest()!).edges[0].count).toBe(2);
  });
});

describe('collector metrics', () => {
  it('report the spool lag and depth, drops and flows read, in Prometheus text', () => {
    let now = T0;
    const spool = SpoolStore.open(tmp(), { maxBatches: 1, now: () => now });
    const state = new AppState({ builder: new GraphBuilder(), store: spool });
    spool.writeBatch({ edges: [webToApi(1)], nodes });
    spool.writeBatch({ edges: [webToApi(1)], nodes });
    now += 90_000;
    const shipper = new Shipper({ spool, servers: ['http://127.0.0.1:9/'], collector: 'east', token: TOKEN, now: () => now });
    const text = collectorMetrics(state, spool, shipper);
    expect(text).toContain('netatlas_collector_lag_seconds 90\n');
    expect(text).toContain('netatlas_collector_spool_batches 1\n');
    expect(text).toContain('netatlas_collector_batches_dropped_total 1\n');
    expect(text).toMatch(/# TYPE netatlas_collector_flows_total counter\nnetatlas_collector_flows_total 0\n/);
  });

  it('report the flow-learnt identities held, by kind, and how many were dropped', () => {
    const spool = SpoolStore.open(tmp());
    const state = new AppState({ builder: new GraphBuilder(), store: spool, releaseAfterFlush: true });
    state.setInventory('prod', prodInventory(), { persist: false });
    state.ingestFlows('hubble', [churnFlow(0), churnFlow(1), churnFlow(2)], { cluster: 'prod' });
    state.flush();
    const text = collectorMetrics(state, spool, new Shipper({ spool, servers: ['http://127.0.0.1:9/'], collector: 'east', token: TOKEN }));
    expect(text).toContain('# TYPE netatlas_collector_identities_held gauge\n');
    expect(text).toContain('netatlas_collector_identities_held{kind="flow_pods"} 1\n');
    expect(text).toContain('netatlas_collector_identities_held{kind="dns_addresses"} 1\n');
    expect(text).toContain('netatlas_collector_identities_dropped_total 0\n');
  });
});
