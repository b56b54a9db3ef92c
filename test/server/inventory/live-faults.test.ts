/**
 * A stalled API server (accepts connections, never answers): a list that times out is aborted
 * (its connection closed, not left open beside the retry), and stop() ends every request at once.
 */
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.ts';
import { backoffDelay, LiveInventory, type DelayFn } from '../../../server/inventory/live.ts';
import { writeKubeconfig } from './fake-apiserver.ts';

/** An HTTP server that takes every request and never answers, counting connections. */
async function stalledServer(): Promise<{ url: string; open: () => number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = http.createServer(() => undefined);
  server.on('connection', (s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function liveAgainst(url: string, options: Partial<ConstructorParameters<typeof LiveInventory>[0]>): Promise<LiveInventory> {
  const dir = await mkdtemp(path.join(tmpdir(), 'netatlas-stalled-'));
  const kubeconfig = await writeKubeconfig(dir, [{ name: 'stalled', server: url, token: 't' }], 'stalled');
  const live = new LiveInventory({ kubeconfigs: [kubeconfig], contexts: ['stalled'], kinds: ['Namespace', 'Pod'], listTimeoutMs: 200, ...options });
  cleanup.push(() => live.stop());
  return live;
}

describe('a stalled API server', () => {
  it('ends a one-shot list at its timeout with every request aborted and its connection closed', async () => {
    const api = await stalledServer();
    cleanup.push(api.close);
    const live = await liveAgainst(api.url, { watch: false });
    live.start();
    await live.done();
    const status = live.status()[0];
    expect(status.state).not.toBe('connected');
    expect(JSON.stringify(status)).toMatch(/timed out after 200 ms/);
    await eventually(() => api.open() === 0);
    expect(api.accepted()).toBe(2); // one list per kind, no more
  });

  it('stops at once in watch mode, closing the requests in flight', async () => {
    const api = await stalledServer();
    cleanup.push(api.close);
    const delays: number[] = [];
    const delayFn: DelayFn = (ms, signal) => {
      delays.push(ms);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    };
    const live = await liveAgainst(api.url, { listTimeoutMs: 60_000, delayFn });
    live.start();
    await eventually(() => api.open() === 2);
    await live.stop();
    await eventually(() => api.open() === 0);
    expect(delays).toEqual([]);
  });
});

describe('inventory backoffDelay', () => {
  it.each([[0, 0, 1000], [1, 0, 2000], [6, 0, 60_000], [0, 0.999, 500], [3, 0.5, 6000], [10, 0.999, 30_030]])('attempt %i with random %f waits %i ms', (attempt, random, ms) => {
    expect(backoffDelay(attempt, { initialMs: 1000, maxMs: 60_000 }, random)).toBe(ms);
  });
});
