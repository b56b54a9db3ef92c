/**
 * `serve --flows-follow` saves the de-duplication state with the byte offset: a connection whose
 * reports straddle a restart (one node's report before, the other node's after) counts once.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.ts';
import { ConnectionCache } from '../../../server/flows/dedup.ts';
import type { GraphResponse } from '../../../server/http/api-types.ts';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One report of the connection 10.0.0.1:40001 -> 10.0.0.2:80 by `node`. */
const report = (node: string, ms: number): string => {
  const time = new Date(ms).toISOString();
  return JSON.stringify({
    flow: {
      time, verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' }, l4: { TCP: { source_port: 40001, destination_port: 80 } },
      source: { namespace: 'a', pod_name: 'client' }, destination: { namespace: 'b', pod_name: 'server' }, is_reply: false, node_name: node,
    },
    node_name: node, time,
  });
};

const total = async (r: RunningServer): Promise<number> => {
  r.state.flush();
  const g = (await request(r.server).get('/api/v1/graph')).body as GraphResponse;
  return g.edges.reduce((n, e) => n + e.count, 0);
};

describe('serve --flows-follow across a restart', () => {
  it('counts a connection whose two reports straddle the restart once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-follow-'));
    dirs.push(dir);
    const file = path.join(dir, 'events.log');
    const t = Date.now() - 10_000;
    writeFileSync(file, `${report('node-a', t)}\n`);
    const options = { port: 0, db: path.join(dir, 'store.db'), rateLimit: false as const, log: () => undefined, demo: false, flowsFollow: [file], cluster: 'prod', flushIntervalMs: 20 };
    const first = await startServer(options);
    running.push(first);
    await eventually(async () => (await total(first)) === 1);
    await first.close();
    running.splice(0);

    appendFileSync(file, `${report('node-b', t + 5)}\n`);
    const second = await startServer(options);
    running.push(second);
    // The follower reports connected once it has read the appended line (and handed on what it made of it).
    await eventually(async () => second.state.sourceStatuses().find((s) => s.id.startsWith('flows-follow'))?.state === 'connected');
    expect(await total(second)).toBe(1);
    expect(second.state.sourceStatuses().find((s) => s.id.startsWith('flows-follow'))?.records).toBe(0);
  });
});

describe('ConnectionCache snapshot', () => {
  it('restores the connections inside the window, and refuses what is not a snapshot', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    cache.observe('TCP|10.0.0.1|1|10.0.0.2|80', 0, 'FORWARDED');
    cache.observe('TCP|10.0.0.1|2|10.0.0.2|80', 5000, 'DROPPED');
    const restored = ConnectionCache.restore(JSON.parse(JSON.stringify(cache.snapshot())), { windowMs: 1000 })!;
    expect(restored.verdictOf('TCP|10.0.0.1|2|10.0.0.2|80', 5100)).toBe('DROPPED');
    expect(restored.has('TCP|10.0.0.1|1|10.0.0.2|80', 100)).toBe(false); // outside the window of the newest: not kept
    expect(ConnectionCache.restore({ v: 1, n: 2, hi: '', lo: '', time: '', verdict: '' })).toBeUndefined();
    expect(ConnectionCache.restore('x')).toBeUndefined();
    expect(ConnectionCache.restore(undefined)).toBeUndefined();
  });
});
