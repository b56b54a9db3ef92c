import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../server/http/app.ts';
import type { GraphDelta } from '../../../server/http/api-types.ts';
import type { AppState, Timers } from '../../../server/state/app-state.ts';
import { ALL_FLOWS, T0, demoState, webToApi } from './fixtures.ts';

interface SseEvent { id?: string; event?: string; data?: string }

/** Opens /events and hands back parsed events as they arrive (no polling, no sleeps). */
function openEvents(state: AppState, path: string, headers: Record<string, string> = {}) {
  const noTimers: Timers = { setInterval: () => 0, clearInterval: () => undefined };
  const server = createApp({ state, rateLimit: false, events: { timers: noTimers } }).listen(0, '127.0.0.1');
  const events: SseEvent[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let buffer = '';
  let req: http.ClientRequest | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    server.on('listening', () => {
      const { port } = server.address() as AddressInfo;
      req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const ev: SseEvent = {};
            for (const line of block.split('\n')) {
              const m = /^(id|event|data): (.*)$/.exec(line);
              if (m) ev[m[1] as keyof SseEvent] = m[2];
            }
            if (ev.event) events.push(ev);
            for (const w of [...waiters]) if (events.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
          }
          if (buffer === '' || chunk.includes('netatlas events')) resolve();
        });
      });
      req.on('error', reject);
    });
  });
  return {
    ready,
    events,
    until: (n: number) => new Promise<void>((resolve) => (events.length >= n ? resolve() : waiters.push({ n, resolve }))),
    close: () => new Promise<void>((resolve) => { req?.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

let open: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.map((o) => o.close()));
  open = [];
});

describe('GET /api/v1/events', () => {
  it('streams a batched delta when flows are appended and the state flushes', async () => {
    const state = demoState();
    const sse = openEvents(state, '/api/v1/events?level=workload');
    open.push(sse);
    await sse.ready;
    state.ingestFlows('flows-file:test', [{ ...webToApi, time: T0 + 5000 }, { ...webToApi, time: T0 + 6000 }], { cluster: 'prod' });
    state.flush();
    await sse.until(1);
    const delta = JSON.parse(sse.events[0].data!) as GraphDelta;
    expect(sse.events[0].event).toBe('delta');
    expect(sse.events[0].id).toBe(String(delta.seq));
    const edge = delta.edges.find((e) => e.key === 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080');
    expect(edge).toMatchObject({ count: 3, lastSeen: T0 + 6000 });
    expect(delta.nodes.map((n) => n.key)).toContain('wl:prod/shop/Deployment/web');
  });

  it('projects deltas at the level and filters of the query', async () => {
    const state = demoState();
    const sse = openEvents(state, '/api/v1/events?level=namespace&protocol=TCP');
    open.push(sse);
    await sse.ready;
    state.ingestFlows('flows-file:test', ALL_FLOWS.map((f) => ({ ...f, time: f.time + 10_000 })), { cluster: 'prod' });
    state.flush();
    await sse.until(1);
    const delta = JSON.parse(sse.events[0].data!) as GraphDelta;
    expect(delta.edges.map((e) => e.key).sort()).toEqual([
      'ns:prod/shop->ext:93.184.216.34|TCP|443', 'ns:prod/shop->ns:finance/ledger|TCP|443', 'ns:prod/shop->ns:prod/shop|TCP|8080',
    ]);
  });

  it('replays missed deltas to a client resuming with Last-Event-ID', async () => {
    const state = demoState();
    const start = state.seq;
    state.ingestFlows('flows-file:test', [{ ...webToApi, time: T0 + 7000 }], { cluster: 'prod' });
    state.flush();
    state.ingestFlows('flows-file:test', [{ ...webToApi, time: T0 + 8000 }], { cluster: 'prod' });
    state.flush();
    const sse = openEvents(state, '/api/v1/events', { 'Last-Event-ID': String(start) });
    open.push(sse);
    await sse.until(2);
    expect(sse.events.map((e) => Number(e.id))).toEqual([start + 1, start + 2]);
  });

  it('sends reset when the Last-Event-ID is older than the delta log', async () => {
    const state = demoState();
    for (let i = 0; i < 1005; i++) {
      state.ingestFlows('flows-file:test', [{ ...webToApi, time: T0 + 10_000 + i }], { cluster: 'prod' });
      state.flush();
    }
    const sse = openEvents(state, '/api/v1/events', { 'Last-Event-ID': '1' });
    open.push(sse);
    await sse.until(1);
    expect(sse.events[0].event).toBe('reset');
    expect(JSON.parse(sse.events[0].data!).reason).toMatch(/refetch/);
  });

  it('flushes on the injected timer, so deltas are batched rather than sent per flow', () => {
    const state = demoState();
    let tick: (() => void) | undefined;
    state.startAutoFlush(500, { setInterval: (fn) => { tick = fn; return 1; }, clearInterval: () => undefined });
    const seen: number[] = [];
    state.onDelta((d) => seen.push(d.edges.length));
    for (let i = 0; i < 100; i++) state.ingestFlows('flows-file:test', [{ ...webToApi, time: T0 + 20_000 + i }], { cluster: 'prod' });
    expect(seen).toEqual([]);
    tick!();
    tick!();
    expect(seen).toEqual([2]);
  });
});
