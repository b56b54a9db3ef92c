import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createApp } from '../../../server/http/app.ts';
import { defaultProviders } from '../../../server/http/default-providers.ts';
import { FlowStore, HOUR_MS, parseDuration } from '../../../server/store/flow-store.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { ALL_FLOWS, T0, demoState, webToApi } from '../http/fixtures.ts';

const dirs: string[] = [];
function tmpDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-store-'));
  dirs.push(dir);
  return path.join(dir, 'netatlas.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const inc = (count: number, time: number, verdict: 'FORWARDED' | 'DROPPED' | 'AUDIT' = 'FORWARDED') => ({
  source: 'wl:p/a/Deployment/x', destination: 'wl:p/b/Deployment/y', protocol: 'TCP' as const, port: 80, interCluster: false,
  time, count, verdicts: { [verdict]: count }, firstSeen: time, lastSeen: time,
});

describe('FlowStore', () => {
  it('sums increments of one edge across batches and hour buckets', () => {
    const store = FlowStore.open(':memory:');
    store.writeBatch({ edges: [inc(2, T0), inc(3, T0 + 10)] });
    store.writeBatch({ edges: [inc(1, T0 + 2 * HOUR_MS, 'DROPPED'), inc(4, T0 + 2 * HOUR_MS, 'AUDIT')] });
    const [edge] = store.loadEdges();
    expect(edge).toMatchObject({ count: 10, verdicts: { FORWARDED: 5, DROPPED: 1, AUDIT: 4 }, firstSeen: T0, lastSeen: T0 + 2 * HOUR_MS });
    expect(store.loadEdges({ since: T0 + HOUR_MS })[0].count).toBe(5);
    expect(store.stats()).toMatchObject({ edges: 1, buckets: 2 });
  });

  it('drops buckets older than the retention and edges left without any', () => {
    const store = FlowStore.open(':memory:', { retainMs: parseDuration('30d')! });
    store.writeBatch({ edges: [inc(1, T0), { ...inc(1, T0 + 40 * 24 * HOUR_MS), port: 443 }] });
    expect(store.prune(T0 + 45 * 24 * HOUR_MS)).toBe(1);
    expect(store.loadEdges().map((e) => e.port)).toEqual([443]);
    expect(store.stats().edges).toBe(1);
  });

  it('keeps source offsets and answers undefined for an unknown source', () => {
    const store = FlowStore.open(':memory:');
    store.writeBatch({ offsets: [{ source: 'follow:/x', position: { file: 'x', offset: 123 } }] });
    expect(store.getOffset('follow:/x')).toEqual({ file: 'x', offset: 123 });
    expect(store.getOffset('nope')).toBeUndefined();
  });

  it('parses retention durations', () => {
    expect(parseDuration('30d')).toBe(30 * 24 * HOUR_MS);
    expect(parseDuration('12h')).toBe(12 * HOUR_MS);
    expect(parseDuration('thirty days')).toBeUndefined();
  });
});

describe('observation across restarts', () => {
  it('keeps the edges, nodes and inventory, and accumulates after a restart', async () => {
    const file = tmpDb();
    const first = demoState({ store: FlowStore.open(file) });
    const before = first.graph.getEdgeAttributes('wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080').count;
    const edgesBefore = first.graph.size;
    first.close();

    const second = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(file) });
    const restored = await second.restoreFromStore();
    expect(restored.inventories).toBe(2);
    expect(second.graph.size).toBe(edgesBefore);
    const key = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
    expect(second.graph.getEdgeAttributes(key).count).toBe(before);
    expect(second.graph.getNodeAttributes('ext:93.184.216.34').kind).toBe('external');

    second.ingestFlows('flows-file:again', [{ ...webToApi, time: T0 + HOUR_MS }], { cluster: 'prod' });
    second.close();
    const third = FlowStore.open(file);
    expect(third.loadEdges().find((e) => e.key === key)?.count).toBe(before + 1);
    expect(third.loadEdges().filter((e) => e.level === 'pod')).toHaveLength(ALL_FLOWS.length);
    third.close();
  });

  it('stores a verdict correction (a connection moved from FORWARDED to DROPPED) so a restart sees DROPPED', () => {
    const file = tmpDb();
    const state = demoState({ store: FlowStore.open(file) });
    const key = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
    const before = state.graph.getEdgeAttributes(key);
    const count = before.count;
    const forwarded = before.verdicts.FORWARDED ?? 0;
    const dropped = before.verdicts.DROPPED ?? 0;
    state.ingestFlows('flows-file:x', [{ ...webToApi, time: T0 + 5, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', supersedes: 'FORWARDED' }], { cluster: 'prod' });
    state.close();
    const store = FlowStore.open(file);
    const stored = store.loadEdges().find((e) => e.key === key)!;
    expect(stored.count).toBe(count);
    expect(stored.verdicts).toEqual({ ...(forwarded > 1 ? { FORWARDED: forwarded - 1 } : {}), DROPPED: dropped + 1 });
    expect(stored.dropReasons).toEqual({ POLICY_DENIED: 1 });
    store.close();
  });

  it('survives kill -9 during ingest: the store is intact and edge counts match the saved offset', async () => {
    const file = tmpDb();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'ingest-child.ts'), file, '400'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        // Kill in the middle of a stream of commits, not after a pause.
        if (out.split('\n').length > 25) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`child ended early (${code}): ${stderr}`)); });
    });
    await new Promise((resolve) => child.on('close', resolve));

    const db = new Database(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const store = FlowStore.open(file);
    expect(store.integrityCheck()).toBe('ok');
    const offset = (store.getOffset('child') as { flows: number }).flows;
    const total = store.loadEdges().reduce((s, e) => s + e.count, 0);
    expect(offset).toBeGreaterThanOrEqual(25 * 400);
    expect(total).toBe(offset);
    const forwarded = store.loadEdges().reduce((s, e) => s + (e.verdicts.FORWARDED ?? 0), 0);
    expect(forwarded).toBe(total);
    store.close();
  });
});

describe('a store written before today\'s validation', () => {
  /** A file holding what an older netatlas stored from a flow whose namespace held a '/'. */
  function poisonedStore(): string {
    const file = tmpDb();
    const state = demoState({ store: FlowStore.open(file) });
    state.close();
    const store = FlowStore.open(file);
    store.writeBatch({
      nodes: [{ key: 'wl:prod/shop/evil/Deployment/x', attributes: { kind: 'workload', cluster: 'prod', namespace: 'shop/evil', workloadKind: 'Deployment', name: 'x', labels: {}, label: 'x' } as never }],
      edges: [
        { ...inc(1, T0), source: 'wl:prod/shop/evil/Deployment/x', destination: 'wl:prod/shop/Deployment/api' },
        { ...inc(1, T0), source: 'wl:prod/shop/Deployment/web', destination: 'ext:999.1.1.1' },
        { ...inc(1, T0), destination: 'wl:prod/shop/Deployment/api', port: 70000 },
      ],
    });
    store.close();
    return file;
  }

  it('skips stored rows that fail validation with one warning each, and loads the rest', () => {
    const warnings: string[] = [];
    const store = FlowStore.open(poisonedStore(), { onWarning: (m) => warnings.push(m) });
    const edges = store.loadEdges();
    store.loadEdges();
    const nodes = store.loadNodes();
    expect(edges.some((e) => e.source.includes('evil') || e.destination.includes('999') || e.port === 70000)).toBe(false);
    expect(edges.some((e) => e.key === 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080')).toBe(true);
    expect(nodes.has('wl:prod/shop/evil/Deployment/x')).toBe(false);
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w).toMatch(/^netatlas\/store: .*netatlas\.db: stored (edge|node) skipped: /);
    expect(warnings.join('\n')).toMatch(/key "wl:prod\/shop\/evil\/Deployment\/x" is not one netatlas builds/);
    expect(warnings.join('\n')).toMatch(/key "ext:999\.1\.1\.1": IP "999\.1\.1\.1" is not an IP address/);
    expect(warnings.join('\n')).toMatch(/port 70000 is not a port/);
    expect(store.skippedOnLoad).toBe(4);
    store.close();
  });

  it('serves every analysis route after a restart on it, none with a 500', async () => {
    const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(poisonedStore(), { onWarning: () => undefined }), now: () => T0 + 60_000 });
    state.restoreFromStore();
    const app = createApp({ state, rateLimit: false, providers: defaultProviders() });
    for (const path of ['/api/v1/graph', '/api/v1/diff', '/api/v1/findings', '/api/v1/policies', '/api/v1/clusters', `/api/v1/nodes/${encodeURIComponent('wl:prod/shop/Deployment/web')}`]) {
      const res = await request(app).get(path);
      expect([path, res.status]).toEqual([path, 200]);
    }
    const generated = await request(app).post('/api/v1/generate').send({});
    expect(generated.status).toBeLessThan(500);
    state.close();
  });
});
