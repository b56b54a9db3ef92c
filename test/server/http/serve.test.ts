import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startServer } from '../../../server/http/serve.ts';
import type { RunningServer } from '../../../server/http/serve.ts';
import type { GraphResponse } from '../../../server/http/api-types.ts';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-serve-'));
  dirs.push(dir);
  return path.join(dir, 'store.db');
}

async function serve(options: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const lines: string[] = [];
  const r = await startServer({ port: 0, rateLimit: false, log: (l) => lines.push(l), ...options });
  running.push(r);
  await r.loaded;
  r.state.flush();
  return r;
}

const totalFlows = (g: GraphResponse): number => g.edges.reduce((s, e) => s + e.count, 0);

describe('startServer', () => {
  it('serves the demo when no source is given, and every demo cluster has a source that is done', async () => {
    const r = await serve({ db: ':memory:' });
    const graph = (await request(r.server).get('/api/v1/graph').expect(200)).body as GraphResponse;
    expect(graph.edges.length).toBeGreaterThan(10);
    expect(graph.stats.interClusterEdges).toBeGreaterThan(0);
    const clusters = (await request(r.server).get('/api/v1/clusters').expect(200)).body;
    expect(clusters.clusters.map((c: { name: string }) => c.name).sort()).toEqual(['dev', 'finance', 'prod']);
    for (const c of clusters.clusters) expect(c.sources.every((s: { state: string }) => s.state === 'done')).toBe(true);
    await request(r.server).get('/api/v1/readyz').expect(200);
  });

  it('counts each demo connection once across files and clusters, as the CLI does', async () => {
    const { ingest } = await import('../../../server/graph/ingest.ts');
    const demo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../samples/demo');
    const cli = await ingest({ inventoryPaths: [demo], flowPaths: [demo] });
    let cliInter = 0;
    cli.builder.graph.forEachEdge((_k, e) => { if (e.level !== 'pod' && e.interCluster) cliInter += e.count; });
    const r = await serve({ db: ':memory:' });
    const graph = (await request(r.server).get('/api/v1/graph').expect(200)).body as GraphResponse;
    const served = graph.edges.filter((e) => e.interCluster).reduce((s, e) => s + e.count, 0);
    expect(cliInter).toBeGreaterThan(0);
    expect(served).toBe(cliInter);
  });

  it('keeps the edges across a restart without counting the same files twice', async () => {
    const db = tmpDb();
    const first = await serve({ db });
    const before = (await request(first.server).get('/api/v1/graph?level=pod').expect(200)).body as GraphResponse;
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await serve({ db });
    const after = (await request(second.server).get('/api/v1/graph?level=pod').expect(200)).body as GraphResponse;
    expect(after.edges.map((e) => e.key)).toEqual(before.edges.map((e) => e.key));
    expect(totalFlows(after)).toBe(totalFlows(before));
  });

  it('restores the edges from the store alone, with no source given', async () => {
    const db = tmpDb();
    const first = await serve({ db });
    const before = (await request(first.server).get('/api/v1/graph').expect(200)).body as GraphResponse;
    await first.close();
    running.splice(running.indexOf(first), 1);
    const second = await serve({ db, demo: false });
    const after = (await request(second.server).get('/api/v1/graph').expect(200)).body as GraphResponse;
    expect(after.edges.map((e) => [e.key, e.count])).toEqual(before.edges.map((e) => [e.key, e.count]));
  });

  it('generates a token when bound beyond loopback and requires it', async () => {
    const r = await serve({ db: ':memory:', host: '0.0.0.0', demo: false });
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    await request(r.server).get('/api/v1/graph').expect(401);
    await request(r.server).get('/api/v1/graph').set('Authorization', `Bearer ${r.token}`).expect(200);
  });

  it('reports a missing flow file as a source in error without failing the others', async () => {
    const r = await serve({ db: ':memory:', flows: ['/nonexistent/flows.jsonl'], inventory: [path.resolve('samples/demo/prod')], cluster: 'prod' });
    const body = (await request(r.server).get('/api/v1/clusters').expect(200)).body;
    const bad = body.sources.find((s: { id: string }) => s.id === 'flows-file:flows.jsonl');
    expect(bad).toMatchObject({ state: 'error' });
    expect(bad.reason).toMatch(/no such file/);
    expect(body.clusters.find((c: { name: string }) => c.name === 'prod').counts.pods).toBeGreaterThan(0);
  });

  it('shows no absolute path in /clusters, /metrics or /readyz', async () => {
    const demo = path.resolve('samples/demo/prod');
    const r = await serve({ db: ':memory:', flows: ['/nonexistent/flows.jsonl', demo], inventory: [demo], cluster: 'prod' });
    for (const route of ['/api/v1/clusters', '/api/v1/metrics', '/api/v1/readyz']) {
      const res = await request(r.server).get(route);
      expect([route, res.text]).not.toEqual([route, expect.stringMatching(/\/nonexistent|samples\/demo/)]);
    }
    const ids = (await request(r.server).get('/api/v1/clusters')).body.sources.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['flows-file:flows.jsonl', 'inventory:prod']));
  });

  it('refuses a retention that is not a duration', async () => {
    await expect(startServer({ port: 0, db: ':memory:', retain: 'forever', log: () => undefined })).rejects.toThrow(/--retain/);
  });
});

describe('POST /api/v1/generate on the demo', () => {
  it('answers NetworkPolicy YAML for a selected workload', async () => {
    const r = await serve({ db: ':memory:' });
    const graph = (await request(r.server).get('/api/v1/graph').expect(200)).body as GraphResponse;
    const target = graph.nodes.find((n) => n.kind === 'workload' && n.label === 'emailservice')!;
    const res = await request(r.server).post('/api/v1/generate').send({ selection: { nodes: [target.key] } }).expect(200);
    expect(res.body.policies).toBeGreaterThan(0);
    expect(res.body.yaml).toContain('kind: NetworkPolicy');
    expect(res.body.yaml).toContain('8080');
    expect(res.body.proof).toEqual({ broken: 0, unproven: 0, extra: 0 });
  });
});
