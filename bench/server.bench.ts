/**
 * Server benchmark (issue 6):
 *  1. sustained ingest THROUGH the running server (flows/s fed to its AppState, flushed to
 *     SQLite every 500 ms) while a client keeps requesting the API, beside a baseline: the
 *     same ingest into the same kind of state with no server and no requests;
 *  2. API latency (p50/p95) of GET /api/v1/graph at workload and namespace level on an estate
 *     of 10,000 workloads, beside the in-process projection time of the same view (no HTTP,
 *     no JSON) as the baseline;
 *  3. store size per edge (SQLite file after a checkpoint).
 *
 * The estate is synthesized directly as model records (samples/generate.ts at this scale takes
 * minutes): 3 clusters x 40 namespaces, 10,000 Deployments with one pod each, every workload
 * calling 3 others (1 in 10 across clusters), 2 connections per edge.
 * Usage: npm run bench server   (env SERVER_BENCH_WORKLOADS=10000, SERVER_BENCH_REPEAT=2)
 */
import http from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { emptyInventory } from '../generator/model/index.ts';
import type { FlowRecord, Inventory, PodInfo, WorkloadInfo } from '../generator/model/index.ts';
import { GraphBuilder } from '../server/graph/builder.ts';
import { AppState } from '../server/state/app-state.ts';
import { graphView, parseGraphQuery } from '../server/http/view.ts';
import { startServer } from '../server/http/serve.ts';
import { FlowStore } from '../server/store/flow-store.ts';

const WORKLOADS = Number(process.env.SERVER_BENCH_WORKLOADS ?? 10_000);
const REPEAT = Number(process.env.SERVER_BENCH_REPEAT ?? 2);
const CLUSTERS = ['prod', 'dev', 'finance'];
const NAMESPACES_PER_CLUSTER = 40;
const PORTS = [80, 443, 8080, 9090, 5432, 6379];
const T0 = Date.UTC(2026, 10, 27, 9);

interface Estate { inventories: Map<string, Inventory>; flows: FlowRecord[]; edges: number }

function buildEstate(): Estate {
  const perCluster = new Map<string, { pods: PodInfo[]; workloads: WorkloadInfo[]; namespaces: Set<string> }>();
  for (const c of CLUSTERS) perCluster.set(c, { pods: [], workloads: [], namespaces: new Set() });
  const where: Array<{ cluster: string; namespace: string; pod: string; ip: string }> = [];
  for (let i = 0; i < WORKLOADS; i++) {
    const cluster = CLUSTERS[i % CLUSTERS.length];
    const namespace = `ns-${Math.floor(i / CLUSTERS.length) % NAMESPACES_PER_CLUSTER}`;
    const name = `svc-${i}`;
    const labels = { app: name, tier: i % 3 === 0 ? 'front' : 'back' };
    const ci = CLUSTERS.indexOf(cluster);
    const ip = `10.${ci}.${(i >> 8) & 255}.${i & 255}`;
    const acc = perCluster.get(cluster)!;
    acc.namespaces.add(namespace);
    acc.workloads.push({ kind: 'Workload', workloadKind: 'Deployment', cluster, namespace, name, labels, templateLabels: labels, selector: { matchLabels: labels } });
    acc.pods.push({
      kind: 'Pod', cluster, namespace, name: `${name}-7d9f8c6b5-x${i}`, labels: { ...labels, 'pod-template-hash': '7d9f8c6b5' },
      ips: [ip], hostIPs: ['192.168.0.1'], hostNetwork: false, privileged: false, ports: [],
      owner: { kind: 'Deployment', name, controller: true },
    });
    where.push({ cluster, namespace, pod: `${name}-7d9f8c6b5-x${i}`, ip });
  }
  const inventories = new Map<string, Inventory>();
  for (const [cluster, acc] of perCluster) {
    inventories.set(cluster, {
      ...emptyInventory(), clusters: [{ kind: 'Cluster', name: cluster }],
      namespaces: [...acc.namespaces].map((name) => ({ kind: 'Namespace' as const, cluster, name, labels: {} })),
      workloads: acc.workloads, pods: acc.pods,
    });
  }
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < WORKLOADS; i++) {
    for (const [k, mul, add] of [[0, 7, 1], [1, 13, 5], [2, 31, 11]] as const) {
      let j = (i * mul + add) % WORKLOADS;
      // Keep 9 in 10 edges inside the caller's cluster.
      if ((i + k) % 10 !== 0) j = j - (j % CLUSTERS.length) + (i % CLUSTERS.length);
      if (j >= WORKLOADS || j === i) continue;
      pairs.push([i, j, PORTS[(i + k) % PORTS.length]]);
    }
  }
  const flows: FlowRecord[] = [];
  for (let r = 0; r < REPEAT; r++) {
    for (let p = 0; p < pairs.length; p++) {
      const [i, j, port] = pairs[p];
      const a = where[i];
      const b = where[j];
      flows.push({
        time: T0 + r * 60_000 + (p % 60_000), protocol: 'TCP', port, count: 1, verdict: (p + r) % 50 === 0 ? 'DROPPED' : 'FORWARDED',
        source: { cluster: a.cluster, namespace: a.namespace, podName: a.pod, ip: a.ip, port: 30_000 + (p % 20_000) },
        destination: { cluster: b.cluster, namespace: b.namespace, podName: b.pod, ip: b.ip },
      });
    }
  }
  return { inventories, flows, edges: pairs.length };
}

const BATCH = 2000;

function tmpDb(): { file: string; done: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-bench-'));
  return { file: path.join(dir, 'store.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Baseline: the same ingest and store writes with no HTTP server and no requests. */
async function ingestBaseline(estate: Estate): Promise<{ ms: number; cpuMs: number; flowsPerSec: number }> {
  const db = tmpDb();
  const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(db.file) });
  for (const [c, inv] of estate.inventories) state.setInventory(c, inv);
  state.flush();
  const t = performance.now();
  const cpu = process.cpuUsage();
  let last = t;
  for (let i = 0; i < estate.flows.length; i += BATCH) {
    state.ingestFlows('bench', estate.flows.slice(i, i + BATCH));
    if (performance.now() - last >= 500) { state.flush(); last = performance.now(); }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  state.flush();
  const ms = performance.now() - t;
  const cpuMs = cpuMsSince(cpu);
  state.close();
  db.done();
  return { ms, cpuMs, flowsPerSec: (estate.flows.length * 1000) / ms };
}

function get(port: number, p: string): Promise<{ status: number; bytes: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => { bytes += d.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t }));
    }).on('error', reject);
  });
}

/** CPU time of this process (user + system) since `from`, in ms: steadier than wall time on a busy machine. */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const f1 = (x: number): string => x.toFixed(1);
const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const t0 = performance.now();
  const estate = buildEstate();
  console.log(`estate: ${WORKLOADS.toLocaleString('en-US')} workloads, ${estate.edges.toLocaleString('en-US')} workload edges, ${estate.flows.length.toLocaleString('en-US')} flows (built in ${f0(performance.now() - t0)} ms)`);

  const base = await ingestBaseline(estate);
  console.log(`baseline ingest (state + store, no server):   ${f0(base.flowsPerSec)} flows/s (${f0(base.ms)} ms wall, ${f0((estate.flows.length * 1000) / base.cpuMs)} flows per CPU-second)`);

  // 1. Through the server, with a client hammering the API.
  const db = tmpDb();
  const server = await startServer({ port: 0, db: db.file, demo: false, rateLimit: false, log: () => undefined });
  const port = (server.server.address() as AddressInfo).port;
  for (const [c, inv] of estate.inventories) server.state.setInventory(c, inv);
  server.state.flush();
  let ingesting = true;
  let requests = 0;
  const requestLatencies: number[] = [];
  const client = (async () => {
    const paths = ['/api/v1/graph?level=namespace', '/api/v1/clusters', '/api/v1/metrics', '/api/v1/graph?level=cluster'];
    while (ingesting) {
      const r = await get(port, paths[requests % paths.length]);
      if (r.status !== 200) throw new Error(`bench: ${paths[requests % paths.length]} answered ${r.status}`);
      requestLatencies.push(r.ms);
      requests++;
    }
  })();
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < estate.flows.length; i += BATCH) {
    server.state.ingestFlows('bench', estate.flows.slice(i, i + BATCH));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  server.state.flush();
  const ms = performance.now() - t;
  ingesting = false;
  await client;
  const cpuMs = cpuMsSince(cpu);
  const served = (estate.flows.length * 1000) / ms;
  console.log(`ingest through the server while serving API:  ${f0(served)} flows/s (${f0(ms)} ms, ${requests} API requests answered, p50 ${f1(pct(requestLatencies, 0.5))} ms, p95 ${f1(pct(requestLatencies, 0.95))} ms)`);
  console.log(`  (${f0((estate.flows.length * 1000) / cpuMs)} flows per CPU-second, server and client in one process)`);
  console.log(`  ratio to baseline: ${(served / base.flowsPerSec).toFixed(2)}x (wall), ${(base.cpuMs / cpuMs).toFixed(2)}x (CPU)`);
  console.log(`  load average now: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);

  // 2. API latency on the full graph.
  const state = server.state;
  for (const [label, query, p] of [
    ['workload', { level: 'workload' }, '/api/v1/graph?level=workload'],
    ['namespace', { level: 'namespace' }, '/api/v1/graph?level=namespace'],
    ['workload, verdict=DROPPED', { level: 'workload', verdict: 'DROPPED' }, '/api/v1/graph?level=workload&verdict=DROPPED'],
  ] as const) {
    const inProc: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const v = graphView(state, parseGraphQuery({ ...query }, Date.now()));
      inProc.push(performance.now() - s);
      size = v.edges.length;
    }
    const httpMs: number[] = [];
    let bytes = 0;
    // First request computes and caches; repeated identical queries are served from the cache
    // until the graph changes, so report both.
    state.bump();
    const cold = await get(port, p);
    for (let i = 0; i < 20; i++) {
      const r = await get(port, p);
      httpMs.push(r.ms);
      bytes = r.bytes;
    }
    console.log(`GET /graph ${label}: ${size.toLocaleString('en-US')} edges, ${(bytes / 1e6).toFixed(1)} MB: uncached ${f1(cold.ms)} ms; cached p50 ${f1(pct(httpMs, 0.5))} ms, p95 ${f1(pct(httpMs, 0.95))} ms; in-process projection p50 ${f1(pct(inProc, 0.5))} ms (uncached HTTP / projection ${(cold.ms / pct(inProc, 0.5)).toFixed(2)}x)`);
  }
  const health: number[] = [];
  for (let i = 0; i < 50; i++) health.push((await get(port, '/api/v1/healthz')).ms);
  console.log(`GET /healthz (floor): p50 ${f1(pct(health, 0.5))} ms`);

  // 3. Store footprint.
  const stats = await state.store!.stats();
  const fileBytes = statSync(db.file).size;
  console.log(`store: ${stats.edges.toLocaleString('en-US')} edges (workload + pod level), ${stats.buckets.toLocaleString('en-US')} hourly buckets, ${stats.nodes.toLocaleString('en-US')} nodes, ${(fileBytes / 1e6).toFixed(1)} MB`);
  console.log(`  bytes per edge: ${f0(fileBytes / stats.edges)} (per edge-hour bucket: ${f0(fileBytes / stats.buckets)}; inventory snapshots included)`);
  await server.close();
  db.done();
  console.log(`total ${f0((performance.now() - t0) / 1000)} s`);
}

await main();
