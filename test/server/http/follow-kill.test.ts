/**
 * Fault: `kill -9` of `netatlas serve --flows-follow` in the middle of a file, then a restart.
 * The file holds 12,000 connections, each reported twice (by two nodes, 700 lines apart, so many
 * pairs straddle a checkpoint): after the restart has read it all, the store holds exactly
 * 12,000 connections: none lost, none counted twice. The file grows while it is followed: its
 * first half is checkpointed, then the second half is appended and the process killed at once,
 * so the kill lands mid-file however fast or loaded the machine is, with 700 connections whose
 * second report is in the part read only after the restart.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { kill9, killAll, serveChild, storedPosition, until } from './kill-fault.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-follow-kill-'));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const CONNECTIONS = 12_000;
const SPREAD = 700;

function line(i: number, node: string, ms: number): string {
  const time = new Date(ms).toISOString();
  return JSON.stringify({
    flow: {
      time, verdict: 'FORWARDED', IP: { source: `10.1.${(i >> 8) & 255}.${i & 255}`, destination: '10.2.0.1', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000 + (i % 20000), destination_port: 80 + (i % 7) } },
      source: { namespace: 'load', pod_name: `client-${i % 50}` }, destination: { namespace: 'svc', pod_name: 'server-0' }, is_reply: false, node_name: node,
    },
    node_name: node, time,
  });
}

/** The file's text in two halves: connection i reported by node-a at line i and by node-b SPREAD lines later. */
function fileHalves(): [string, string] {
  const t = Date.now() - 3_600_000;
  const lines: string[] = new Array(CONNECTIONS + SPREAD);
  for (let i = 0; i < CONNECTIONS + SPREAD; i++) {
    const parts: string[] = [];
    if (i < CONNECTIONS) parts.push(line(i, 'node-a', t + i));
    if (i >= SPREAD) parts.push(line(i - SPREAD, 'node-b', t + i - SPREAD + 1));
    lines[i] = parts.join('\n');
  }
  const half = lines.length >> 1;
  return [`${lines.slice(0, half).join('\n')}\n`, `${lines.slice(half).join('\n')}\n`];
}

const storedOffset = (db: string, id: string): number => Number(storedPosition(db, id)?.offset ?? 0);

describe('kill -9 while following a file', () => {
  it('counts every connection exactly once after a restart', async () => {
    const file = path.join(dir, 'events.log');
    const db = path.join(dir, 'store.db');
    const [head, tail] = fileHalves();
    writeFileSync(file, head);
    const headSize = statSync(file).size;
    const id = `flows-follow:${file}`;

    const first = serveChild(db, ['--flows-follow', file]);
    await until(() => storedOffset(db, id) === headSize, 'the first half checkpointed');
    appendFileSync(file, tail);
    const size = statSync(file).size;
    await kill9(first);
    const atKill = storedOffset(db, id);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(size); // killed in the middle of the file

    const second = serveChild(db, ['--flows-follow', file]);
    await until(() => storedOffset(db, id) === size, 'the whole file');
    await kill9(second);

    const store = FlowStore.open(db, { onWarning: () => undefined });
    const edges = store.loadEdges().filter((e) => e.level === 'pod');
    store.close();
    expect(edges.reduce((n, e) => n + e.count, 0)).toBe(CONNECTIONS);
  }, 60_000);
});
