/**
 * startCollector: one cluster's collector. The same ingest code as `serve` (sources ->
 * records -> identity -> aggregation in an AppState over a GraphBuilder), ending in a spool
 * and a shipper instead of the store: every `intervalMs` (default a minute) the state's flush
 * turns what changed into edge increments with the offsets they came from, the spool keeps them
 * on disk, and the shipper sends them to a central server. What crosses the network grows with
 * distinct edges per interval, not with flows.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphBuilder } from '../graph/builder.ts';
import { identityMetricLines, inventoryMetricLines } from '../http/routes/health.ts';
import { AppState } from '../state/app-state.ts';
import { ConnectionLog } from '../store/connection-log.ts';
import { DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE } from '../store/connections.ts';
import { addPlan, loadFiles, planSources, SourceManager, startStreams, stateSink, type SourceOptions } from '../sources/index.ts';
import { Shipper } from './shipper.ts';
import { SpoolStore } from './spool.ts';

/** The sources (the same SourceOptions as serve) and the collector's own settings. */
export interface CollectOptions extends SourceOptions {
  /** This collector's name (its token is registered under it on the servers). */
  readonly collector: string;
  readonly token: string;
  readonly servers: readonly string[];
  /** Spool folder (kept across restarts). */
  readonly spool: string;
  /** Aggregation interval (ms): one batch of edge deltas per interval. Default 60,000. */
  readonly intervalMs?: number;
  /** How often the shipper tries to send (ms). Default 1000. */
  readonly shipIntervalMs?: number;
  readonly maxSpoolBatches?: number;
  readonly maxSpoolBytes?: number;
  /** Connections shipped per edge and minute (the central store keeps its own cap too). Default 50. */
  readonly connectionsPerEdgeMinute?: number;
  /** Serve /metrics (Prometheus) and /healthz on 127.0.0.1 or `metricsHost` at this port. */
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  readonly log?: (line: string) => void;
}

export interface RunningCollector {
  readonly state: AppState;
  readonly spool: SpoolStore;
  readonly shipper: Shipper;
  readonly metricsUrl?: string;
  /** Resolves when every finite source (files) has been read. */
  readonly loaded: Promise<void>;
  metrics(): string;
  /** Flushes, tries once more to ship, and stops. */
  close(): Promise<void>;
}

export async function startCollector(options: CollectOptions): Promise<RunningCollector> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const spool = SpoolStore.open(options.spool, { maxBatches: options.maxSpoolBatches, maxBytes: options.maxSpoolBytes });
  // The connections behind the edges ride in the batches (server/store/connection-log.ts), capped per edge and minute.
  const state = new AppState({
    builder: new GraphBuilder(), store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush: true,
    connections: new ConnectionLog({ perEdgeMinute: options.connectionsPerEdgeMinute ?? DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE }),
  });
  const shipper = new Shipper({ spool, servers: options.servers, collector: options.collector, token: options.token, log });
  // The same sources as serve, under one manager; files are read before the streams start.
  const manager = new SourceManager({ sink: stateSink(state, spool, log) });
  const plan = addPlan(manager, await planSources(options, undefined, log), log);
  const loaded = loadFiles(manager, plan).catch((error) => log(`netatlas/collect: loading failed: ${(error as Error).message}`));
  await loaded;
  await startStreams(manager, plan);
  const stoppers: Array<() => Promise<void> | void> = [() => manager.stop()];

  state.startAutoFlush(options.intervalMs ?? 60_000);
  const ship = setInterval(() => {
    shipper.pump().catch((error) => log(`netatlas/collect: shipping failed (will retry): ${(error as Error).message}`));
  }, options.shipIntervalMs ?? 1000);
  ship.unref();

  const metrics = (): string => collectorMetrics(state, spool, shipper);
  let server: Server | undefined;
  let metricsUrl: string | undefined;
  if (options.metricsPort !== undefined) {
    server = createServer((req, res) => {
      if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      else if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (e) => reject(new Error(`netatlas/collect: cannot listen on ${options.metricsHost ?? '127.0.0.1'}:${options.metricsPort}: ${e.message}. Use --metrics-port to pick another.`)));
      server!.listen(options.metricsPort, options.metricsHost ?? '127.0.0.1', () => resolve());
    });
    const a = server.address() as AddressInfo;
    metricsUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
  }
  log(`netatlas/collect: ${options.collector} shipping to ${options.servers.join(', ')} from spool ${options.spool}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(ship);
      for (const stop of stoppers) {
        try { await stop(); } catch { /* a source failing to stop never blocks shutdown */ }
      }
      await state.close();
      await shipper.pump().catch(() => {});
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    })();
    return closing;
  };
  return { state, spool, shipper, metricsUrl, loaded, metrics, close };
}

/** Prometheus text: lag, spool depth, sends, drops, flows read. */
export function collectorMetrics(state: AppState, spool: SpoolStore, shipper: Shipper): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${Number.isFinite(value) ? value : 0}`);
  };
  const sources = state.sourceStatuses();
  metric('netatlas_collector_lag_seconds', 'gauge', 'Age of the oldest batch not yet accepted by a central server.', shipper.lagSeconds());
  metric('netatlas_collector_spool_batches', 'gauge', 'Batches waiting in the spool.', spool.depth.batches);
  metric('netatlas_collector_spool_bytes', 'gauge', 'Bytes waiting in the spool.', spool.depth.bytes);
  metric('netatlas_collector_batches_sent_total', 'counter', 'Batches a central server applied.', shipper.counters.sent);
  metric('netatlas_collector_batches_duplicate_total', 'counter', 'Resent batches a central server already had.', shipper.counters.duplicates);
  metric('netatlas_collector_batches_rejected_total', 'counter', 'Batches a central server refused as invalid (dropped).', shipper.counters.rejected);
  metric('netatlas_collector_batches_dropped_total', 'counter', 'Batches dropped because the spool was full.', spool.dropped);
  metric('netatlas_collector_batches_unreadable_total', 'counter', 'Spooled batches that no longer read back (moved aside as .bad).', spool.unreadable);
  metric('netatlas_collector_send_errors_total', 'counter', 'Failed sends (retried).', shipper.counters.errors);
  metric('netatlas_collector_edge_deltas_sent_total', 'counter', 'Edge increments in applied batches.', shipper.counters.edges);
  metric('netatlas_collector_flows_total', 'counter', 'Flow records aggregated.', sources.reduce((n, s) => n + s.records, 0));
  metric('netatlas_collector_edges_held', 'gauge', 'Edges aggregated since the last flush (released once spooled).', state.held().edges);
  metric('netatlas_collector_flow_errors_total', 'counter', 'Flow lines or records skipped as invalid.', sources.reduce((n, s) => n + s.errors, 0));
  const held = state.identitiesHeld();
  if (held) lines.push(...identityMetricLines('netatlas_collector', held));
  const inventory = state.inventoryHeld();
  if (inventory) lines.push(...inventoryMetricLines('netatlas_collector', inventory));
  return `${lines.join('\n')}\n`;
}
