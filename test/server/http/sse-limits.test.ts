/**
 * /events is bounded: at most `maxClients` streams at once (one more is answered 503), and a
 * client that stops reading is dropped once its unread bytes pass the bound, while the others go on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/http/app.ts';
import { MAX_SSE_BUFFERED_BYTES, MAX_SSE_CLIENTS, SseWriter } from '../../../server/http/routes/events.ts';
import type { Timers } from '../../../server/state/app-state.ts';
import { demoState } from './fixtures.ts';

const servers: http.Server[] = [];
const requests: http.ClientRequest[] = [];
afterEach(async () => {
  for (const r of requests.splice(0)) r.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
});

const noTimers: Timers = { setInterval: () => 0, clearInterval: () => undefined };

/** Opens /events and resolves with the status once the headers are in; the stream stays open, unread. */
function open(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', agent: false }, (res) => {
      res.pause();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    requests.push(req);
  });
}

/** A stream whose reader never reads: what is written stays buffered. */
class Stalled extends Writable {
  destroyedWith: boolean = false;
  constructor() {
    super({ highWaterMark: 1024 });
  }
  override _write(_chunk: unknown, _encoding: string, _callback: () => void): void {
    // never calls back: the bytes stay in writableLength
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.destroyedWith = true;
    callback(error);
  }
}

describe('SSE bounds', () => {
  it('are 100 clients and 1 MiB unread per client by default', () => {
    expect([MAX_SSE_CLIENTS, MAX_SSE_BUFFERED_BYTES]).toEqual([100, 2 ** 20]);
  });

  it('serves 200 stalled clients up to the cap and answers the next one 503, on a real server', async () => {
    const app = createApp({ state: demoState(), rateLimit: false, events: { timers: noTimers, maxClients: 200 } });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const statuses = await Promise.all(Array.from({ length: 200 }, () => open(port)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await open(port)).toBe(503);
    const metrics = await new Promise<string>((resolve) => http.get({ host: '127.0.0.1', port, path: '/api/v1/metrics' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }));
    expect(metrics).toMatch(/^netatlas_sse_clients 200$/m);
  });

  it('drops a client that leaves more than the bound unread, with a reason, and writes nothing more to it', () => {
    const stream = new Stalled();
    const reasons: string[] = [];
    const writer = new SseWriter(stream, 10_000, (reason) => reasons.push(reason));
    const event = `event: delta\ndata: ${'x'.repeat(1000)}\n\n`;
    for (let i = 0; i < 100; i++) writer.write(event);
    expect(stream.destroyedWith).toBe(true);
    expect(reasons).toEqual(['the client left more than 10000 bytes unread; dropped (it may reconnect with Last-Event-ID)']);
    expect(stream.writableLength).toBeLessThanOrEqual(10_000 + event.length);
  });

  it('keeps writing to a client that reads', () => {
    const chunks: string[] = [];
    const reading = new Writable({ write: (chunk, _e, callback) => { chunks.push(String(chunk)); callback(); } });
    const writer = new SseWriter(reading, 10_000, () => undefined);
    for (let i = 0; i < 100; i++) writer.write(`event: delta\ndata: ${'x'.repeat(1000)}\n\n`);
    expect(writer.dropped).toBeUndefined();
    expect(chunks).toHaveLength(100);
  });
});
