/**
 * The scale-out done-when test, with real processes: two `serve` replicas on one PostgreSQL,
 * two collectors (one per cluster) each feeding one replica, flows appended to the clusters'
 * export files while they run, and one collector killed with SIGKILL mid-stream and restarted
 * on the same spool. Every connection must be counted exactly once, on both replicas and in
 * the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresStore } from '../../../server/store/postgres.ts';
import { startTestPostgres } from '../store/postgres-server.ts';
import type { TestPostgres } from '../store/postgres-server.ts';
import { connectionLines } from './hubble-lines.ts';

const CLI = path.resolve(import.meta.dirname, '../../../bin/netatlas.mjs');
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const TOKENS = { east: 'east-token-0123456789abcdef', west: 'west-token-0123456789abcdef' };

let pg: TestPostgres;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  pg = await startTestPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-replicas-'));
}, 60_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts the CLI and resolves with its first stdout line (a URL, or "collecting"). */
function run(args: string[]): Promise<{ child: ChildProcess; first: string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, first: out.slice(0, nl).trim(), stderr: () => err });
    });
    child.on('exit', (code, signal) => reject(new Error(`netatlas ${args[0]} ended (${code ?? signal}) before starting: ${err}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function countsOf(url: string): Promise<Record<string, number>> {
  const res = await fetch(new URL('/api/v1/graph?level=workload', url));
  const body = (await res.json()) as { edges: Array<{ source: string; count: number }> };
  const out: Record<string, number> = {};
  for (const e of body.edges) {
    const cluster = /^wl:([^/]+)\//.exec(e.source)?.[1] ?? '?';
    out[cluster] = (out[cluster] ?? 0) + e.count;
  }
  return out;
}

describe('two serve replicas on one PostgreSQL, fed by two collectors', () => {
  it('counts every connection exactly once when a collector is killed with SIGKILL mid-stream and restarted', async () => {
    const url = await pg.createDatabase('replicas');
    const serveArgs = ['serve', '--port', '0', '--no-demo', '--store', url, '--collector-token', `east=${TOKENS.east}`, '--collector-token', `west=${TOKENS.west}`];
    const [a, b] = await Promise.all([run(serveArgs), run(serveArgs)]);

    const files = { east: path.join(dir, 'east.jsonl'), west: path.join(dir, 'west.jsonl') };
    writeFileSync(files.east, '');
    writeFileSync(files.west, '');
    const collector = (cluster: 'east' | 'west', server: string) => run([
      'collect', '--name', cluster, '--token', TOKENS[cluster], '--server', server, '--spool', path.join(dir, `spool-${cluster}`),
      '--cluster', cluster, '--flows-follow', files[cluster], '--interval', '200ms',
    ]);
    let east = await collector('east', a.first);
    const west = await collector('west', b.first);

    // Rounds of 40 new connections per cluster, 100 ms apart. Once replica A shows some of
    // east's connections (batches delivered) east is killed, while its file keeps growing, and
    // restarted on the same spool six rounds later.
    const rounds = 40;
    const perRound = 40;
    let killedAt = -1;
    let deliveredAtKill = 0;
    for (let round = 0; round < rounds; round++) {
      appendFileSync(files.east, connectionLines('east', round * perRound, perRound, T0));
      appendFileSync(files.west, connectionLines('west', round * perRound, perRound, T0));
      await sleep(100);
      if (killedAt < 0 && round >= 8 && round < rounds - 12) {
        deliveredAtKill = (await countsOf(a.first)).east ?? 0;
        if (deliveredAtKill > 0) {
          east.child.kill('SIGKILL');
          await new Promise((r) => east.child.once('exit', r));
          killedAt = round;
        }
      }
      if (killedAt >= 0 && round === killedAt + 6) east = await collector('east', a.first);
    }
    // Killed mid-stream: after some batches were delivered, with at most the lines so far
    // delivered (a fast collector may have shipped all of them), and twelve more rounds to come.
    expect(killedAt).toBeGreaterThanOrEqual(0);
    expect(deliveredAtKill).toBeGreaterThan(0);
    expect(deliveredAtKill).toBeLessThanOrEqual((killedAt + 1) * perRound);

    const expected = { east: rounds * perRound, west: rounds * perRound };
    let seen: Array<Record<string, number>> = [];
    for (let i = 0; i < 150; i++) {
      seen = await Promise.all([countsOf(a.first), countsOf(b.first)]);
      if (seen.every((s) => s.east === expected.east && s.west === expected.west)) break;
      await sleep(200);
    }
    expect(seen[0]).toEqual(expected);
    expect(seen[1]).toEqual(expected);

    const store = await PostgresStore.open(url);
    const stored = (await store.loadEdges()).filter((e) => e.level === 'workload');
    expect(stored.reduce((n, e) => n + e.count, 0)).toBe(expected.east + expected.west);
    await store.close();

    for (const c of [east, west, a, b]) {
      c.child.kill('SIGTERM');
      await new Promise((r) => (c.child.exitCode !== null ? r(null) : c.child.once('exit', r)));
    }
  }, 120_000);
});
