/**
 * Scale-out benchmark (issue 21):
 *  1. one collector's aggregation throughput on one core: Hubble export lines read by the
 *     one-thread reader (the compact byte parser), resolved and aggregated by an AppState over
 *     a GraphBuilder, flushed into a collector spool; beside the baseline that only reads the
 *     same file with node:readline and JSON.parse-s every line;
 *  2. central ingest: N simulated collectors on loopback, all at once, POSTing per-minute edge
 *     deltas to `serve` on PostgreSQL (one batch per collector per simulated hour); beside the
 *     same batches written straight into a PostgresStore (no HTTP, no graph);
 *  3. GET /api/v1/graph p50/p99 at workload and namespace level, from memory and over a 24 h
 *     window (read from PostgreSQL);
 *  4. storage bytes per edge-hour (bucket partitions and their indexes).
 *
 * Usage: npm run bench scale
 *   env SCALE_BENCH_LINES=200000 (collector input), SCALE_BENCH_CLUSTERS=20,
 *   SCALE_BENCH_WORKLOADS=2000 (per cluster; each calls 3 others), SCALE_BENCH_HOURS=4,
 *   SCALE_BENCH_PARTS=collector (part 1 only: no PostgreSQL).
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WorkloadNode } from '../generator/model/index.ts';
import { SpoolStore } from '../server/collect/spool.ts';
import type { IngestRequest } from '../server/collect/wire.ts';
import { readFlows, type HubbleDecoderKind } from '../server/flows/index.ts';
import { GraphBuilder } from '../server/graph/builder.ts';
import { startServer } from '../server/http/serve.ts';
import { AppState } from '../server/state/app-state.ts';
import { ConnectionLog } from '../server/store/connection-log.ts';
import { connectionId, DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE, DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, type ConnectionRow } from '../server/store/connections.ts';
import { encodeConnections } from '../server/collect/connection-table.ts';
import type { EdgeIncrement } from '../server/store/flow-store.ts';
import { HOUR_MS } from '../server/store/flow-store.ts';
import { PostgresStore } from '../server/store/postgres.ts';
import { startTestPostgres } from '../test/server/store/postgres-server.ts';
import { captureLines, generate } from './hubble-input.ts';

const LINES = Number(process.env.SCALE_BENCH_LINES ?? 200_000);
const CLUSTERS = Number(process.env.SCALE_BENCH_CLUSTERS ?? 20);
const WORKLOADS = Number(process.env.SCALE_BENCH_WORKLOADS ?? 2000);
const HOURS = Number(process.env.SCALE_BENCH_HOURS ?? 4);
const COLLECTOR_ONLY = process.env.SCALE_BENCH_PARTS === 'collector';
/** The issue's target for one collector on one core. */
const TARGET_LINES_PER_S = 200_000;
const PEERS = 3;
/** The simulated hours are the last HOURS hours, so minute buckets are written as in production. */
const T0 = Math.floor(Date.now() / HOUR_MS - HOURS) * HOUR_MS;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

// ------------------------------------------------------------------------------------------ 1

async function baseline(file: string): Promise<{ lines: number; ms: number }> {
  const t = performance.now();
  let lines = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (JSON.parse(line)) lines++;
  return { lines, ms: performance.now() - t };
}

interface CollectorRun {
  lines: number;
  records: number;
  ms: number;
  /** User + system CPU time of this process during the pass. */
  cpuMs: number;
  spoolBytes: number;
  batches: number;
  /** The most edges the state held at once (it releases them after each flush, as the collector's does). */
  maxHeldEdges: number;
  /** Connection rows spooled. */
  rows: number;
}

/** What `netatlas collect` does with a file: read, resolve, aggregate, flush to the spool every "minute". */
async function collectorPass(file: string, dir: string, hubbleDecoder: HubbleDecoderKind, perEdgeMinute = DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE): Promise<CollectorRun> {
  rmSync(dir, { recursive: true, force: true });
  const spool = SpoolStore.open(dir);
  // As the collector's own state: a sample of the connections behind the edges is logged and shipped too.
  const state = new AppState({ builder: new GraphBuilder(), store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush: true, connections: new ConnectionLog({ perEdgeMinute }) });
  const t = performance.now();
  const c0 = process.cpuUsage();
  const reader = readFlows(file, { cluster: 'bench', hubbleDecoder });
  let records = 0;
  let sinceFlush = 0;
  let spoolBytes = 0;
  let batches = 0;
  let maxHeldEdges = 0;
  const flush = (): void => {
    maxHeldEdges = Math.max(maxHeldEdges, state.held().edges);
    state.flush();
    spoolBytes = spool.depth.bytes;
    batches = spool.depth.batches;
  };
  for await (const batch of reader.batches()) {
    state.ingestFlows('bench', batch, { cluster: 'bench' });
    records += batch.length;
    sinceFlush += batch.length;
    // A flush per 50,000 records stands for the collector's per-minute flush (the busy input has ~43,000 connections a minute).
    if (sinceFlush >= 50_000) {
      flush();
      sinceFlush = 0;
    }
  }
  flush();
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(c0);
  return { lines: reader.stats.lines, records, ms, cpuMs: (cpu.user + cpu.system) / 1000, spoolBytes, batches, maxHeldEdges, rows: state.connectionLog!.taken };
}

/**
 * Part 1: one collector on one core, beside the readline + JSON.parse baseline, both run
 * alternately in this process. Two inputs of the same capture lines: as captured (a repetition
 * every 10 minutes: the demo clusters' few connections per edge and minute, so the sample of
 * connections a collector ships is a large share of them), and busy (a repetition every second:
 * hundreds of connections per edge and minute, as a cluster emitting the target's 200,000 flows/s
 * has, where the sample is a small share).
 */
async function collectorThroughput(work: string): Promise<void> {
  const file = join(work, 'hubble.jsonl');
  const busyFile = join(work, 'hubble-busy.jsonl');
  const lines = captureLines();
  await generate(file, lines, LINES);
  await generate(busyFile, lines, LINES, 1000);
  const mb = statSync(file).size / 2 ** 20;
  console.log(`\n1. one collector, one core: ${fmt(LINES)} Hubble export lines (${fmt(mb, 1)} MB, real capture lines repeated with new ports and times)`);
  const base: number[] = [];
  const bytes: CollectorRun[] = [];
  const busy: CollectorRun[] = [];
  const json: CollectorRun[] = [];
  const all: CollectorRun[] = [];
  // Alternating, three times: the fastest run of each (the one the machine's other load disturbed least).
  for (let i = 0; i < 3; i++) {
    base.push((await baseline(file)).ms);
    bytes.push(await collectorPass(file, join(work, 'spool'), 'bytes'));
    busy.push(await collectorPass(busyFile, join(work, 'spool'), 'bytes'));
    json.push(await collectorPass(file, join(work, 'spool'), 'json'));
    all.push(await collectorPass(file, join(work, 'spool'), 'bytes', DEFAULT_CONNECTIONS_PER_EDGE_MINUTE));
  }
  const b = Math.min(...base);
  const fastest = (runs: CollectorRun[]) => runs.reduce((x, y) => (y.ms < x.ms ? y : x));
  const c = fastest(bytes);
  const u = fastest(busy);
  const j = fastest(json);
  const a = fastest(all);
  const rate = (r: CollectorRun) => r.lines / (r.ms / 1000);
  const shipped = (r: CollectorRun) => `${fmt(r.rows)} of ${fmt(r.records)} connections shipped (${((100 * r.rows) / Math.max(1, r.records)).toFixed(1)}%)`;
  const k = DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE;
  console.log(`   baseline (readline + JSON.parse, nothing else): ${fmt(LINES / (b / 1000))} lines/s (${fmt(b)} ms)`);
  console.log(`   collector (read + resolve + aggregate + spool, ${k} connections per edge-minute shipped), busy input: ${fmt(rate(u))} lines/s (${fmt(u.ms)} ms, ${fmt(u.cpuMs)} ms CPU; ${shipped(u)}), ${(b / u.ms).toFixed(2)}x the baseline`);
  console.log(`   the same, input as captured: ${fmt(rate(c))} lines/s (${fmt(c.ms)} ms, ${fmt(c.cpuMs)} ms CPU; ${shipped(c)}), ${(b / c.ms).toFixed(2)}x the baseline`);
  console.log(`   the same collector with JSON.parse for every line (as captured): ${fmt(rate(j))} lines/s (${fmt(j.ms)} ms, ${fmt(j.cpuMs)} ms CPU), ${(b / j.ms).toFixed(2)}x the baseline; the byte decoder gains it ${(j.ms / c.ms).toFixed(2)}x`);
  console.log(`   the same collector shipping ${DEFAULT_CONNECTIONS_PER_EDGE_MINUTE} connections per edge-minute (--connections ${DEFAULT_CONNECTIONS_PER_EDGE_MINUTE}, as captured): ${fmt(rate(a))} lines/s, ${(b / a.ms).toFixed(2)}x the baseline; ${shipped(a)}, ${fmt(a.spoolBytes / 1024, 1)} KiB spooled`);
  const verdict = (r: CollectorRun) => (rate(r) >= TARGET_LINES_PER_S ? 'reached' : 'not reached');
  console.log(`   target ${fmt(TARGET_LINES_PER_S)} lines/s on one core: ${verdict(u)} on the busy input, ${verdict(c)} as captured, in this run (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores)`);
  console.log(`   held at once: at most ${fmt(c.maxHeldEdges)} edges (released after each flush); spooled as captured: ${c.batches} batches, ${fmt(c.spoolBytes / 1024, 1)} KiB for ${fmt(mb, 1)} MB of input (${fmt((mb * 2 ** 20) / Math.max(1, c.spoolBytes))}x less); busy: ${fmt(u.spoolBytes / 1024, 1)} KiB`);
}

// ------------------------------------------------------------------------------------------ 2

interface Estate {
  readonly nodes: Map<string, { key: string; attributes: WorkloadNode }[]>;
  batch(cluster: number, hour: number): EdgeIncrement[];
}

function estate(): Estate {
  const wl = (c: number, i: number): string => `wl:c${c}/ns-${i % 40}/Deployment/svc-${i}`;
  const nodes = new Map<string, { key: string; attributes: WorkloadNode }[]>();
  for (let c = 0; c < CLUSTERS; c++) {
    nodes.set(`c${c}`, Array.from({ length: WORKLOADS }, (_, i) => ({
      key: wl(c, i),
      attributes: { kind: 'workload', label: `svc-${i}`, cluster: `c${c}`, namespace: `ns-${i % 40}`, workloadKind: 'Deployment', name: `svc-${i}`, labels: { app: `svc-${i}` } },
    })));
  }
  return {
    nodes,
    batch(c, hour) {
      const out: EdgeIncrement[] = [];
      const time = T0 + hour * HOUR_MS + 30 * 60_000;
      for (let i = 0; i < WORKLOADS; i++) {
        for (let k = 1; k <= PEERS; k++) {
          const j = (i * 7 + k * 131) % WORKLOADS;
          const port = [80, 443, 8080][k - 1];
          const count = 1 + ((i + k + hour) % 5);
          const dropped = (i + k) % 50 === 0 ? 1 : 0;
          out.push({
            key: `${wl(c, i)}->${wl(c, j)}|TCP|${port}`, level: 'workload', source: wl(c, i), destination: wl(c, j), protocol: 'TCP', port,
            interCluster: false, time, count, verdicts: dropped ? { FORWARDED: count - 1, DROPPED: 1 } : { FORWARDED: count },
            firstSeen: time, lastSeen: time + 59_000,
          });
        }
      }
      return out;
    },
  };
}

/** Connection rows of one batch: `perEdge` connections behind each edge delta, as a collector's sample. */
function connectionsOf(edges: readonly EdgeIncrement[], perEdge: number): ConnectionRow[] {
  const rows: ConnectionRow[] = [];
  edges.forEach((e, i) => {
    const [, cluster, namespace] = /^wl:([^/]+)\/([^/]+)\//.exec(e.source)!;
    const [, dcluster, dnamespace] = /^wl:([^/]+)\/([^/]+)\//.exec(e.destination)!;
    for (let k = 0; k < perEdge; k++) {
      const source = { cluster, namespace, workload: e.source, ip: `10.${i % 200}.${k}.${i % 250}`, port: 32_768 + ((i * 7 + k) % 28_000) };
      const destination = { cluster: dcluster, namespace: dnamespace, workload: e.destination, ip: `10.${(i + 1) % 200}.9.${k}`, port: e.port };
      rows.push({
        edge: e.key!, id: connectionId('TCP', source, destination), firstSeen: e.firstSeen + k * 1000, lastSeen: e.firstSeen + k * 1000 + 500,
        source, destination, protocol: 'TCP', observationPoint: `egress@${cluster}/node-${i % 50}`, verdict: 'FORWARDED', reports: 1,
      });
    }
  });
  return rows;
}

/**
 * Part 2, with connections: the same collectors' batches for one hour, each edge delta with the
 * sample of connections a collector ships by default, as the table it sends, into a fresh database.
 */
async function connectionIngest(e: Estate, tokens: Map<string, string>, url: string): Promise<void> {
  const server = await startServer({ port: 0, store: url, collectorTokens: tokens, demo: false, rateLimit: false, log: () => {} });
  const k = DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE;
  let deltas = 0;
  let rows = 0;
  let bodyBytes = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: CLUSTERS }, async (_, c) => {
    const edges = e.batch(c, 0);
    const connections = connectionsOf(edges, k);
    deltas += edges.length;
    rows += connections.length;
    const text = JSON.stringify({ collector: `c${c}`, batchId: 'bench-conn-0', edges, nodes: e.nodes.get(`c${c}`)!, connectionTable: encodeConnections(connections) });
    bodyBytes += text.length;
    const res = await fetch(new URL('/api/v1/ingest', server.url), {
      method: 'POST', body: text, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(`c${c}`)}` },
    });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }));
  const ms = performance.now() - t;
  console.log(`   with connections (${k} behind each delta, the collector default, as a connection table): ${fmt(deltas / (ms / 1000))} deltas/s and ${fmt(rows / (ms / 1000))} connection rows/s (${fmt(deltas)} deltas, ${fmt(rows)} rows, ${fmt(ms)} ms; ${fmt(bodyBytes / rows)} bytes of JSON per row)`);
  await server.close();
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}`);
  const work = mkdtempSync(join(tmpdir(), 'netatlas-scale-bench-'));
  const pg = COLLECTOR_ONLY ? undefined : await startTestPostgres();
  try {
    await collectorThroughput(work);
    if (COLLECTOR_ONLY) return;

    // 2. Central ingest over HTTP into serve on PostgreSQL, and the direct baseline.
    const e = estate();
    const tokens = new Map(Array.from({ length: CLUSTERS }, (_, i) => [`c${i}`, `token-c${i}-0123456789abcdef`] as [string, string]));
    const url = await pg!.createDatabase('central');
    const server = await startServer({ port: 0, store: url, collectorTokens: tokens, demo: false, rateLimit: false, log: () => {} });
    const perBatch = WORKLOADS * PEERS;
    const total = CLUSTERS * HOURS * perBatch;
    console.log(`\n2. central ingest: ${CLUSTERS} collectors x ${fmt(WORKLOADS)} workloads (each calling ${PEERS}), one batch of ${fmt(perBatch)} edge deltas per collector per hour, ${HOURS} hours: ${fmt(total)} deltas`);
    let bodyBytes = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: CLUSTERS }, async (_, c) => {
      for (let h = 0; h < HOURS; h++) {
        const body: IngestRequest = { collector: `c${c}`, batchId: `bench-${h}`, edges: e.batch(c, h), nodes: h === 0 ? e.nodes.get(`c${c}`)! : [] };
        const text = JSON.stringify(body);
        bodyBytes += text.length;
        const res = await fetch(new URL('/api/v1/ingest', server.url), {
          method: 'POST', body: text, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(`c${c}`)}` },
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }));
    const httpMs = performance.now() - t;
    const direct = await PostgresStore.open(await pg!.createDatabase('direct'));
    const td = performance.now();
    for (let h = 0; h < HOURS; h++) for (let c = 0; c < CLUSTERS; c++) await direct.writeBatch({ edges: e.batch(c, h), nodes: h === 0 ? e.nodes.get(`c${c}`)! : [] });
    const directMs = performance.now() - td;
    console.log(`   through serve (HTTP + validation + PostgreSQL + graph): ${fmt(total / (httpMs / 1000))} deltas/s (${fmt(httpMs)} ms; ${fmt(bodyBytes / total)} bytes of JSON per delta)`);
    console.log(`   baseline, straight into PostgresStore (no HTTP, no graph): ${fmt(total / (directMs / 1000))} deltas/s (${fmt(directMs)} ms); serve / baseline ${(directMs / httpMs).toFixed(2)}x`);
    await direct.close();
    await connectionIngest(e, tokens, await pg!.createDatabase('central-connections'));

    // 3. /graph latency.
    console.log(`\n3. GET /api/v1/graph (${fmt(server.state.graph.order)} nodes, ${fmt(server.state.graph.size)} edges in memory)`);
    // The last 24 h: inside the minute buckets' retention, so summed from minute rows.
    const since = new Date(Date.now() - 24 * HOUR_MS + 60_000).toISOString();
    const until = new Date(Date.now()).toISOString();
    for (const [label, query, n] of [
      ['workload level, from memory', 'level=workload', 10],
      ['namespace level, from memory', 'level=namespace', 20],
      ['workload level, 24 h window', `level=workload&since=${since}&until=${until}`, 6],
      ['namespace level, 24 h window', `level=namespace&since=${since}&until=${until}`, 10],
    ] as const) {
      const ms: number[] = [];
      let bytes = 0;
      let edges = '';
      for (let i = 0; i < n; i++) {
        // A fresh version each time: cached answers would measure the cache.
        server.state.bump();
        const t1 = performance.now();
        const res = await fetch(new URL(`/api/v1/graph?${query}`, server.url));
        bytes = (await res.arrayBuffer()).byteLength;
        ms.push(performance.now() - t1);
        edges = res.headers.get('x-netatlas-edges') ?? '?';
      }
      console.log(`   ${label}: p50 ${fmt(pct(ms, 0.5))} ms, p99 ${fmt(pct(ms, 0.99))} ms (${n} requests, ${edges} edges, ${fmt(bytes / 2 ** 20, 1)} MB)`);
    }

    // 4. Storage: the minute rows as written, then the hour rows they roll up into once older than the minute retention.
    const check = await PostgresStore.open(url);
    const before = await check.bucketBytes();
    const written = await check.stats();
    await check.prune(Date.now() + 25 * HOUR_MS);
    const after = await check.bucketBytes();
    const stats = await check.stats();
    const per = (bytes: number, rows: number): string => (rows > 0 ? fmt(bytes / rows) : 'n/a');
    console.log(`\n4. storage: ${fmt(stats.edges)} edges; ${fmt(total)} deltas written as minute rows: ${per(before.minute, total)} bytes a minute row (table + indexes); rolled up past the minute retention into ${fmt(stats.buckets)} edge-hour rows: ${per(after.hourly, stats.buckets)} bytes per edge-hour (day partitions + indexes); database ${fmt(written.bytes / 2 ** 20, 1)} MB before the rollup (journal included)`);
    await check.close();
    await server.close();
  } finally {
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
