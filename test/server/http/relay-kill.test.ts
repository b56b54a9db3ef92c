/**
 * Fault: `kill -9` of `netatlas serve --hubble-relay` in the middle of a stream, then a restart.
 * A local relay streams 3,000 connections, each reported twice (by two nodes, 400 flows apart,
 * flow times rising with the stream as a relay sends them). The stream is paused halfway until
 * the store holds the first half's position, the process is killed, and the rest is streamed to
 * the restarted process, which resumes from the stored position: so 400 connections have one
 * report on each side of the kill. After the restart has taken it all, the store holds exactly
 * 3,000 connections: none lost, none counted twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startReplayRelay, type ReplayRelay } from '../../../server/flows/relay/replay-server.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { kill9, killAll, serveChild, storedPosition, until } from './kill-fault.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-relay-kill-'));
const relays: ReplayRelay[] = [];
afterAll(async () => {
  killAll();
  await Promise.all(relays.map((r) => r.close()));
  rmSync(dir, { recursive: true, force: true });
});

const CONNECTIONS = 3_000;
const SPREAD = 400;

function response(i: number, node: string, ms: number): Record<string, unknown> {
  const time = new Date(ms).toISOString();
  return {
    flow: {
      time, verdict: 'FORWARDED', IP: { source: `10.1.${(i >> 8) & 255}.${i & 255}`, destination: '10.2.0.1', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000 + (i % 20000), destination_port: 80 + (i % 7) } },
      source: { namespace: 'load', pod_name: `client-${i % 50}` }, destination: { namespace: 'svc', pod_name: 'server-0' },
      is_reply: { value: false }, node_name: node,
    },
    node_name: node, time,
  };
}

/**
 * The stream in two halves, one flow per millisecond: connection i reported by node-a, and by
 * node-b SPREAD connections later. The first half ends with a node-a report (a new connection);
 * `headEnd` is its time (ms).
 */
function streamHalves(): { head: Record<string, unknown>[]; tail: Record<string, unknown>[]; headEnd: number } {
  const t = Date.now() - 3_600_000;
  const all: Record<string, unknown>[] = [];
  for (let i = 0; i < CONNECTIONS + SPREAD; i++) {
    if (i < CONNECTIONS) all.push(response(i, 'node-a', t + all.length));
    if (i >= SPREAD) all.push(response(i - SPREAD, 'node-b', t + all.length));
  }
  const half = (all.length >> 1) + 1;
  expect((all[half - 1] as { node_name: string }).node_name).toBe('node-a');
  return { head: all.slice(0, half), tail: all.slice(half), headEnd: t + half - 1 };
}

/** The newest flow time (ms) in the position stored for `id`, 0 when there is none yet. */
const storedTime = (db: string, id: string): number => Number(storedPosition(db, id)?.lastEventTime ?? 0);

describe('kill -9 while streaming from Hubble Relay', () => {
  it('counts every connection exactly once after a restart', async () => {
    const { head, tail, headEnd } = streamHalves();
    const requests: Record<string, unknown>[] = [];
    const relay = await startReplayRelay({ responses: [], onRequest: (r) => requests.push(r) });
    relays.push(relay);
    const db = path.join(dir, 'store.db');
    const id = `hubble-relay:${relay.address}`;

    const first = serveChild(db, ['--hubble-relay', relay.address]);
    // Subscribed (follow, no history): only what is pushed from now on reaches it.
    await until(() => requests.length === 1, 'the first process to subscribe');
    relay.push(head);
    await until(() => storedTime(db, id) === headEnd, 'the first half checkpointed');
    await kill9(first);
    expect(storedTime(db, id)).toBe(headEnd);

    // The rest is in the relay's buffer; the restart asks for what follows its stored position.
    relay.push(tail);
    const second = serveChild(db, ['--hubble-relay', relay.address]);
    await until(() => storedTime(db, id) === headEnd + tail.length, 'the whole stream');
    await kill9(second);
    expect(requests).toHaveLength(2);

    const store = FlowStore.open(db, { onWarning: () => undefined });
    const edges = store.loadEdges().filter((e) => e.level === 'pod');
    store.close();
    expect(edges.reduce((n, e) => n + e.count, 0)).toBe(CONNECTIONS);
  }, 60_000);
});
