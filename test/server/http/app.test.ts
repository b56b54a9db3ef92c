import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../../server/http/app.ts';
import type { AnalysisProviders } from '../../../server/http/providers.ts';
import type { EdgeDetailResponse, GraphResponse, NodeDetailResponse } from '../../../server/http/api-types.ts';
import { demoState, webToApi } from './fixtures.ts';

const WEB = 'wl:prod/shop/Deployment/web';
const API = 'wl:prod/shop/Deployment/api';
const enc = encodeURIComponent;

function app(extra: Partial<Parameters<typeof createApp>[0]> = {}) {
  return createApp({ state: demoState(), rateLimit: false, ...extra });
}

describe('GET /api/v1/graph', () => {
  it('answers workload-level nodes and edges by default', async () => {
    const res = await request(app()).get('/api/v1/graph').expect(200);
    const body = res.body as GraphResponse;
    expect(body.level).toBe('workload');
    expect(body.edges.map((e) => e.key)).toContain(`${WEB}->${API}|TCP|8080`);
    expect(body.nodes.find((n) => n.key === WEB)).toMatchObject({ kind: 'workload', parent: 'ns:prod/shop', pods: 1, cluster: 'prod' });
    expect(body.stats).toMatchObject({ edges: 4, flows: 4, droppedEdges: 1, interClusterEdges: 1 });
    // the counts come first, as headers (the web map builds its renderer while the body downloads)
    expect(res.headers['x-netatlas-nodes']).toBe(String(body.nodes.length));
    expect(res.headers['x-netatlas-edges']).toBe(String(body.edges.length));
    const a = app();
    for (let i = 0; i < 2; i++) { // the second answer comes from the response cache
      const again = await request(a).get('/api/v1/graph?level=namespace').expect(200);
      expect(again.headers['x-netatlas-edges']).toBe(String((again.body as GraphResponse).edges.length));
    }
  });

  it('re-aggregates edges at namespace, cluster and pod level', async () => {
    const a = app();
    const ns = (await request(a).get('/api/v1/graph?level=namespace').expect(200)).body as GraphResponse;
    expect(ns.edges.map((e) => e.key)).toContain('ns:prod/shop->ns:finance/ledger|TCP|443');
    const cl = (await request(a).get('/api/v1/graph?level=cluster').expect(200)).body as GraphResponse;
    expect(cl.edges.find((e) => e.key === 'cluster:prod->cluster:finance|TCP|443')).toMatchObject({ interCluster: true, count: 1 });
    const pods = (await request(a).get('/api/v1/graph?level=pod').expect(200)).body as GraphResponse;
    expect(pods.edges.map((e) => e.key)).toContain('pod:prod/shop/web-1->pod:prod/shop/api-1|TCP|8080');
    expect(pods.nodes.find((n) => n.key === 'pod:prod/shop/web-1')?.parent).toBe(WEB);
  });

  it('filters by verdict, protocol, port, cluster, namespace and infrastructure', async () => {
    const a = app();
    const keys = async (q: string) => ((await request(a).get(`/api/v1/graph?${q}`).expect(200)).body as GraphResponse).edges.map((e) => e.key);
    expect(await keys('verdict=DROPPED')).toEqual([`${API}->wl:finance/ledger/Deployment/books|TCP|443`]);
    expect(await keys('protocol=udp')).toEqual([`${API}->wl:prod/kube-system/Deployment/coredns|UDP|53`]);
    expect(await keys('port=8000-8100')).toEqual([`${WEB}->${API}|TCP|8080`]);
    expect(await keys('cluster=finance')).toEqual([`${API}->wl:finance/ledger/Deployment/books|TCP|443`]);
    expect((await keys('namespace=kube-system')).length).toBe(1);
    expect(await keys('hideInfra=1')).not.toContain(`${API}->wl:prod/kube-system/Deployment/coredns|UDP|53`);
    expect(await keys('since=2026-01-15T10:00:02Z')).toHaveLength(2);
    expect(await keys('namespace=finance/ledger')).toEqual(await keys('namespace=ledger'));
    expect(await keys('interCluster=1')).toEqual([`${API}->wl:finance/ledger/Deployment/books|TCP|443`]);
  });

  it('answers the new counts right after an ingest, even when the previous answer was cached', async () => {
    const state = demoState();
    const a = createApp({ state, rateLimit: false });
    const count = async () => ((await request(a).get('/api/v1/graph').expect(200)).body as GraphResponse).edges.find((e) => e.key === `${WEB}->${API}|TCP|8080`)!.count;
    expect(await count()).toBe(1);
    state.ingestFlows('flows-file:test', [{ ...webToApi, time: webToApi.time + 1 }], { cluster: 'prod' });
    expect(await count()).toBe(2);
  });

  it('refuses a bad level, port, time, verdict or an unknown parameter with 400 and a message', async () => {
    const a = app();
    for (const q of ['level=galaxy', 'port=70000', 'port=abc', 'since=yesterday', 'verdict=MAYBE', 'colour=red', 'cluster=bad%20name', 'cluster=prod/shop', 'namespace=a/b/c', 'interCluster=yes', 'since=2026-02-01&until=2026-01-01']) {
      const res = await request(a).get(`/api/v1/graph?${q}`).expect(400);
      expect(res.body.code).toBe('bad_request');
      expect(res.body.error).toMatch(/^netatlas\/api: /);
    }
  });
});

describe('node and edge detail', () => {
  it('shows labels, owner, pods, edges and the policies selecting a workload', async () => {
    const res = await request(app()).get(`/api/v1/nodes/${enc(WEB)}`).expect(200);
    const body = res.body as NodeDetailResponse;
    expect(body.node.labels).toEqual({ app: 'web' });
    expect(body.pods.map((p) => p.key)).toEqual(['pod:prod/shop/web-1']);
    expect(body.outEdges.map((e) => e.target).sort()).toEqual(['ext:93.184.216.34', API]);
    expect(body.policies?.map((p) => p.key)).toEqual(['prod/shop/NetworkPolicy/web-ingress']);
  });

  it('returns attacker-controlled label and annotation values as JSON strings, never HTML', async () => {
    const res = await request(app()).get(`/api/v1/nodes/${enc('pod:prod/shop/web-1')}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.node.labels.evil).toBe('<script>alert(1)</script>');
    expect(res.body.annotations.note).toBe('<img src=x onerror=alert(1)>');
    expect(res.body.owner).toEqual({ kind: 'Deployment', name: 'web' });
  });

  it('answers 404 for an unknown node and 400 for a malformed edge key', async () => {
    const a = app();
    expect((await request(a).get(`/api/v1/nodes/${enc('wl:prod/shop/Deployment/nope')}`).expect(404)).body.code).toBe('not_found');
    expect((await request(a).get('/api/v1/edges/not-an-edge').expect(400)).body.error).toMatch(/source->target/);
  });

  it('shows an edge with its parts and recent sample flows', async () => {
    const key = `${API}->wl:finance/ledger/Deployment/books|TCP|443`;
    const res = await request(app()).get(`/api/v1/edges/${enc(key)}`).expect(200);
    const body = res.body as EdgeDetailResponse;
    expect(body.edge).toMatchObject({ count: 1, verdicts: { DROPPED: 1 }, interCluster: true, dropReasons: { POLICY_DENIED: 1 } });
    expect(body.sourceNode.key).toBe(API);
    expect(body.parts.map((p) => p.key)).toEqual([key]);
    expect(body.samples[0]).toMatchObject({ verdict: 'DROPPED', sourcePod: 'shop/api-1', port: 443 });
    expect(body.explanation).toBeNull();
  });

  it('finds an edge by its namespace-level key too', async () => {
    const res = await request(app()).get(`/api/v1/edges/${enc('ns:prod/shop->ns:prod/shop|TCP|8080')}`).expect(200);
    expect(res.body.parts).toHaveLength(1);
  });
});

describe('other routes', () => {
  it('lists clusters with counts and their sources', async () => {
    const res = await request(app()).get('/api/v1/clusters').expect(200);
    const prod = res.body.clusters.find((c: { name: string }) => c.name === 'prod');
    expect(prod.counts).toMatchObject({ namespaces: 2, pods: 3, networkPolicies: 1 });
    expect(prod.sources.map((s: { id: string }) => s.id)).toEqual(['inventory:prod']);
    expect(res.body.sources.find((s: { id: string }) => s.id === 'flows-file:test')).toMatchObject({ state: 'done', records: 4 });
  });

  it('lists policies, filtered by namespace', async () => {
    const a = app();
    expect((await request(a).get('/api/v1/policies').expect(200)).body.policies).toHaveLength(1);
    expect((await request(a).get('/api/v1/policies?namespace=other').expect(200)).body.policies).toHaveLength(0);
  });

  it('answers 501 with a message for generate, diff and findings when no engine is wired', async () => {
    const a = app();
    const gen = await request(a).post('/api/v1/generate').send({ selection: { nodes: [WEB] } }).expect(501);
    expect(gen.body.error).toMatch(/not available/);
    await request(a).get('/api/v1/diff').expect(501);
    await request(a).get('/api/v1/findings').expect(501);
  });

  it('delegates generate, diff and findings to the providers given', async () => {
    const providers: AnalysisProviders = {
      generate: (_s, req) => ({ yaml: `# ${req.selection.nodes?.join(',')}\n`, policies: 1, warnings: [] }),
      diff: () => ({ items: [], summary: { blocked: 0 } }),
      findings: () => [{ id: 'f1', severity: 'high', code: 'dropped-flow', message: 'dropped', subjects: [API] }],
    };
    const a = app({ providers });
    expect((await request(a).post('/api/v1/generate').send({ selection: { nodes: [WEB] } }).expect(200)).body.yaml).toContain(WEB);
    expect((await request(a).get('/api/v1/diff').expect(200)).body.summary).toEqual({ blocked: 0 });
    expect((await request(a).get('/api/v1/findings').expect(200)).body.findings).toHaveLength(1);
    expect((await request(a).get(`/api/v1/nodes/${enc(API)}`).expect(200)).body.findings[0].id).toBe('f1');
  });

  it('refuses a bad generate body with 400, bad JSON with 400 and a huge body with 413', async () => {
    const a = app({ providers: { generate: () => ({ yaml: '', policies: 0, warnings: [] }) } });
    expect((await request(a).post('/api/v1/generate').send({ selection: { nodes: ['not a key'] } }).expect(400)).body.error).toMatch(/selection.nodes\[0\]/);
    expect((await request(a).post('/api/v1/generate').send({ pick: 1 }).expect(400)).body.error).toMatch(/unknown field "pick"/);
    await request(a).post('/api/v1/generate').set('Content-Type', 'application/json').send('{"selection":').expect(400);
    const big = JSON.stringify({ selection: { nodes: Array.from({ length: 60_000 }, (_, i) => `wl:prod/shop/Deployment/w${i}`) } });
    expect((await request(a).post('/api/v1/generate').set('Content-Type', 'application/json').send(big).expect(413)).body.code).toBe('too_large');
  });

  it('answers healthz, readyz and Prometheus metrics', async () => {
    const a = app();
    expect((await request(a).get('/api/v1/healthz').expect(200)).body.status).toBe('ok');
    expect((await request(a).get('/api/v1/readyz').expect(200)).body.ready).toBe(true);
    const m = await request(a).get('/api/v1/metrics').expect(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.text).toContain('netatlas_flows_ingested_total{source="flows-file:test",kind="flows-file"} 4');
    expect(m.text).toMatch(/netatlas_graph_edges \d+/);
    expect(m.text).toContain('# TYPE netatlas_ingest_rate_flows_per_second gauge');
  });

  it('is not ready while a source has not answered', async () => {
    const state = demoState();
    state.registerSource('hubble-relay:relay:4245', 'hubble-relay', 'prod');
    const res = await request(createApp({ state, rateLimit: false })).get('/api/v1/readyz').expect(503);
    expect(res.body.reasons[0]).toMatch(/hubble-relay/);
  });

  it('answers 404 with a message for an unknown API route', async () => {
    expect((await request(app()).get('/api/v1/nothing').expect(404)).body.error).toMatch(/no route GET/);
  });

  it('serves a page saying to build the UI when web/dist is missing', async () => {
    const res = await request(app({ webRoot: '/nonexistent' })).get('/').expect(200);
    expect(res.text).toContain('npm run build');
  });
});

describe('safety', () => {
  it('sends a strict Content-Security-Policy without inline script or eval', async () => {
    const res = await request(app()).get('/api/v1/healthz').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses request values that look like file paths', async () => {
    const a = app();
    for (const url of ['/api/v1/graph?cluster=/etc/passwd', '/api/v1/policies?namespace=..%2F..%2Fetc', `/api/v1/nodes/${enc('/etc/passwd')}`, '/api/v1/graph?since=~/.kube/config']) {
      const res = await request(a).get(url).expect(400);
      expect(res.body.error).toMatch(/file path/);
    }
    const res = await request(a).post('/api/v1/generate').send({ selection: { nodes: ['C:\\Windows\\system.ini'] } }).expect(400);
    expect(res.body.error).toMatch(/file path/);
  });

  it('requires the bearer token when one is set, and refuses a wrong one', async () => {
    const a = app({ token: 's3cret-token' });
    expect((await request(a).get('/api/v1/graph').expect(401)).body.code).toBe('unauthorized');
    await request(a).get('/api/v1/graph').set('Authorization', 'Bearer wrong').expect(401);
    await request(a).get('/api/v1/graph').set('Authorization', 'Basic abc').expect(401);
    await request(a).get('/api/v1/graph').set('Authorization', 'Bearer s3cret-token').expect(200);
    await request(a).get('/api/v1/healthz').expect(200);
  });

  it('rate-limits API requests with 429 and a message', async () => {
    const a = app({ rateLimit: { windowMs: 60_000, limit: 2 } });
    await request(a).get('/api/v1/healthz').expect(200);
    await request(a).get('/api/v1/healthz').expect(200);
    expect((await request(a).get('/api/v1/healthz').expect(429)).body.error).toMatch(/too many requests/);
  });
});
