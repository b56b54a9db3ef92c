/**
 * `serve --hubble-relay` keeps its position in the store with the edges it produced, and a
 * restart asks the relay for flows from there on, not for everything nor only for what comes next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.ts';
import { startReplayRelay, type ReplayRelay } from '../../../server/flows/relay/replay-server.ts';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';

const dirs: string[] = [];
const relays: ReplayRelay[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const flow = (ms: number, sport: number) => {
  const time = new Date(ms).toISOString();
  return {
    flow: { time, verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' }, l4: { TCP: { source_port: sport, destination_port: 80 } }, source: { namespace: 'a', pod_name: 'client' }, destination: { namespace: 'b', pod_name: 'server' }, is_reply: { value: false }, node_name: 'node-a' },
    node_name: 'node-a', time,
  };
};

describe('serve --hubble-relay across a restart', () => {
  it('saves the last flow time with its edges and asks the relay from there after a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-relay-'));
    dirs.push(dir);
    const db = path.join(dir, 'store.db');
    const t0 = Date.now() - 60_000;
    const requests: Record<string, unknown>[] = [];
    const relay = await startReplayRelay({ responses: [flow(t0, 40001), flow(t0 + 1000, 40002)], onRequest: (r) => requests.push(r) });
    relays.push(relay);
    const options = { port: 0, db, rateLimit: false as const, log: () => undefined, demo: false, hubbleRelay: [relay.address], cluster: 'prod', flushIntervalMs: 20 };
    // The first run asks for everything after t0 - 1 s (through a saved position, as a previous run would have left it).
    const seed = FlowStore.open(db);
    seed.writeBatch({ offsets: [{ source: `hubble-relay:${relay.address}`, position: { lastEventTime: t0 - 1000 } }] });
    seed.close();
    const first = await startServer(options);
    running.push(first);
    await eventually(() => (first.state.sourceStatuses().find((s) => s.id.startsWith('hubble-relay'))?.records ?? 0) >= 2);
    first.state.flush();
    await first.close();
    running.splice(0);
    expect(requests[0].since).toMatchObject({ seconds: String(Math.floor((t0 - 1000) / 1000)) });

    const store = FlowStore.open(db);
    // With the de-duplication state after those flows: the two connections.
    expect(store.getOffset(`hubble-relay:${relay.address}`)).toEqual({ lastEventTime: t0 + 1000, lastEventNanos: `${t0 + 1000}000000`, dedup: expect.objectContaining({ v: 1, n: 2 }) });
    store.close();

    const second = await startServer(options);
    running.push(second);
    await eventually(() => requests.length === 2);
    // From the next nanosecond after the saved flow: what the first run stored is not asked for again.
    expect(requests[1].since).toMatchObject({ seconds: String(Math.floor((t0 + 1000) / 1000)), nanos: ((t0 + 1000) % 1000) * 1_000_000 + 1 });
  });
});
