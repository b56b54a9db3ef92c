/**
 * Connections from a collector to the central store: an AppState over the spool gathers them,
 * the shipper sends them with the batch, the ingest route checks every row and the central
 * store adds them once however often the batch is resent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Shipper } from '../../../server/collect/shipper.ts';
import { MAX_INGEST_CONNECTIONS, readIngestRequest } from '../../../server/collect/wire.ts';
import { SpoolStore, spooledBody } from '../../../server/collect/spool.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { createApp } from '../../../server/http/app.ts';
import type { FlowsResponse } from '../../../server/http/api-types.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { ConnectionLog } from '../../../server/store/connection-log.ts';
import type { ConnectionRow } from '../../../server/store/connections.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { financeInventory, prodInventory, T0, webToApi } from '../http/fixtures.ts';

const TOKEN = 'prod-token-0123456789abcdef';
const EDGE = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The prod inventory without the label no API server accepts (the fixture's XSS probe): a collector ships only valid labels. */
function cleanInventory() {
  const inv = prodInventory();
  return { ...inv, pods: inv.pods.map((p) => ({ ...p, labels: Object.fromEntries(Object.entries(p.labels).filter(([k]) => k !== 'evil')) })) };
}

function central() {
  const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(':memory:') });
  state.setInventory('prod', prodInventory());
  return { state, app: createApp({ state, rateLimit: false, collectorTokens: new Map([['prod', TOKEN]]) }) };
}

/** A collector's state over a spool, holding two connections web -> api (one reported twice). */
function collectorSpool(): SpoolStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-conn-'));
  dirs.push(dir);
  const spool = SpoolStore.open(dir);
  const state = new AppState({ builder: new GraphBuilder(), store: spool, connections: new ConnectionLog() });
  state.setInventory('prod', cleanInventory());
  state.ingestFlows('flows', [webToApi, { ...webToApi, time: T0 + 10 }, { ...webToApi, time: T0 + 20, source: { ...webToApi.source, port: 41_000 } }], { cluster: 'prod' });
  state.flush();
  return spool;
}

/** The first spooled batch that carries connections (the inventory's comes before it). */
function flowBatch(spool: SpoolStore) {
  for (let b = spool.oldest(); b; b = spool.oldest()) {
    if (spooledBody(b).connections?.length) return { ...b, ...spooledBody(b) };
    spool.acknowledge(b);
  }
  throw new Error('no spooled batch carries connections');
}

const rows = async (app: ReturnType<typeof createApp>): Promise<FlowsResponse> =>
  (await request(app).get(`/api/v1/flows?edge=${encodeURIComponent(EDGE)}`).expect(200)).body;

describe('connections from a collector', () => {
  it('ride in the spooled batch and reach the central store, counted once when the acknowledgement is lost and the batch resent', async () => {
    const { app } = central();
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const spool = collectorSpool();
    let calls = 0;
    let lost = false;
    // The first batch with connections reaches the server, then the answer is lost.
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      calls++;
      if (!lost && String(init?.body).includes('"connectionTable"')) {
        lost = true;
        throw new Error('connection reset');
      }
      return res;
    };
    let now = 0;
    const shipper = new Shipper({ spool, servers: [url], collector: 'prod', token: TOKEN, fetch: lossy, now: () => now });
    while (spool.depth.batches > 0 && calls < 10) {
      await shipper.pump();
      now += 60_000;
    }
    expect(lost).toBe(true);
    expect(shipper.counters.duplicates).toBe(1);
    const body = await rows(app);
    expect(body.total).toBe(2);
    expect(body.rows.map((r) => r.reports).sort()).toEqual([1, 2]);
  });

  it.each<[string, (c: ConnectionRow) => unknown, RegExp]>([
    ['an edge key that is not one', (c) => ({ ...c, edge: 'web->api' }), /connections\[0\]\.edge: expected an edge key/],
    ['a pod edge without its prefix', (c) => ({ ...c, podEdge: c.edge }), /connections\[0\]\.podEdge: expected a pod-level edge key/],
    ['an address that is not one', (c) => ({ ...c, source: { ...c.source, ip: '10.0.0.300' } }), /connections\[0\]\.source\.ip: /],
    ['a port out of range', (c) => ({ ...c, destination: { ...c.destination, port: 70_000 } }), /connections\[0\]\.destination\.port: expected 0-65535/],
    ['a verdict no source gives', (c) => ({ ...c, verdict: 'MAYBE' }), /connections\[0\]\.verdict: expected one of/],
    ['no reports', (c) => ({ ...c, reports: 0 }), /connections\[0\]\.reports: expected a count >= 1/],
    ['a last sighting before the first', (c) => ({ ...c, lastSeen: c.firstSeen - 1 }), /connections\[0\]\.firstSeen\/lastSeen/],
    ['a policy name with control characters', (c) => ({ ...c, policy: 'a\u0000b' }), /connections\[0\]\.policy: /],
  ])('are refused with %s, naming the row, and nothing of the batch is added', async (_what, spoil, reason) => {
    const { app, state } = central();
    const batch = flowBatch(collectorSpool());
    const res = await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`)
      .send({ collector: 'prod', batchId: batch.batchId, edges: batch.edges, nodes: batch.nodes, connections: [spoil(batch.connections![0])] }).expect(400);
    expect(res.body.error).toMatch(reason);
    expect(state.graph.size).toBe(0);
  });

  it('are refused past the per-batch bound, with the fix, before any row is read', () => {
    const many = new Array(MAX_INGEST_CONNECTIONS + 1).fill({});
    expect(() => readIngestRequest({ collector: 'prod', batchId: 'b-1', edges: [], nodes: [], connections: many }))
      .toThrow(/connections: 100001 rows, at most 100000 per batch; give the collector a shorter --interval/);
    expect(() => readIngestRequest({ collector: 'prod', batchId: 'b-1', edges: [], nodes: [], connections: { length: 3 } })).toThrow(/connections: expected an array/);
  });
});

describe('connections of ends placed centrally', () => {
  it('move with their edge when the centre rewrites an address the collector could not place', async () => {
    const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(':memory:') });
    state.setInventory('prod', cleanInventory());
    state.setInventory('finance', financeInventory());
    const app = createApp({ state, rateLimit: false, collectorTokens: new Map([['prod', TOKEN]]) });
    // What the prod collector knows: its api workload called 10.2.0.10, an address outside prod.
    const unplaced = 'wl:prod/shop/Deployment/api->ext:10.2.0.10|TCP|443';
    const toBooks = {
      key: unplaced, level: 'workload', source: 'wl:prod/shop/Deployment/api', destination: 'ext:10.2.0.10',
      protocol: 'TCP', port: 443, interCluster: false, time: T0, count: 1, verdicts: { FORWARDED: 1 }, firstSeen: T0, lastSeen: T0,
    };
    const connection = {
      edge: unplaced, id: 'TCP 10.1.0.20:40000>10.2.0.10:443', firstSeen: T0, lastSeen: T0, protocol: 'TCP', verdict: 'FORWARDED', reports: 1,
      source: { cluster: 'prod', namespace: 'shop', pod: 'api-1', workload: 'wl:prod/shop/Deployment/api', ip: '10.1.0.20', port: 40_000 },
      destination: { ip: '10.2.0.10', port: 443 },
    };
    await request(app).post('/api/v1/ingest').set('authorization', `Bearer ${TOKEN}`)
      .send({ collector: 'prod', batchId: 'p-1', edges: [toBooks], nodes: [{ key: 'ext:10.2.0.10', attributes: { kind: 'external', label: '10.2.0.10', ip: '10.2.0.10' } }], connections: [connection] })
      .expect(200);
    const placed = 'wl:prod/shop/Deployment/api->wl:finance/ledger/Deployment/books|TCP|443';
    const body: FlowsResponse = (await request(app).get(`/api/v1/flows?edge=${encodeURIComponent(placed)}`).expect(200)).body;
    expect(body.rows).toMatchObject([{ source: { pod: 'api-1', port: 40_000 }, destination: { ip: '10.2.0.10', port: 443 } }]);
  });
});
