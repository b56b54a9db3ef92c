/**
 * `netatlas collect`: one cluster's collector (server/collect/collector.ts does the work).
 * Reads that cluster's inventory and flows, aggregates them into per-interval edge deltas,
 * spools them on disk and ships them to `netatlas serve` (POST /api/v1/ingest).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { startCollector } from '../collect/collector.ts';
import type { RunningCollector } from '../collect/collector.ts';
import { parseDuration } from '../store/flow-store.ts';
import { DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE, parseConnectionsPerEdgeMinute } from '../store/connections.ts';
import { CliExit, EXIT_BAD_INPUT } from './exit.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface CollectFlags {
  name: string;
  server: string[];
  token?: string;
  tokenFile?: string;
  spool: string;
  cluster?: string;
  inventory: string[];
  kubeconfig: string[];
  context: string[];
  allContexts?: boolean;
  flows: string[];
  flowsFollow: string[];
  hubbleRelay: string[];
  goldmane: string[];
  interval: string;
  spoolMaxBatches: string;
  connections: string;
  metricsPort?: string;
  metricsHost: string;
}

export function collectCommand(): Command {
  return new Command('collect')
    .description('Collect one cluster: read its inventory and flows, aggregate them into edge deltas per interval, spool them on disk and ship them to netatlas serve.')
    .requiredOption('--name <collector>', 'this collector\'s name, as registered on the servers (serve --collector-token NAME=TOKEN)')
    .option('--server <url>', 'central server base URL, e.g. http://netatlas:8080/ (repeatable: tried in turn)', collect, [])
    .option('--token <token>', 'this collector\'s token')
    .option('--token-file <file>', 'read the token from a file (e.g. a mounted Secret)')
    .requiredOption('--spool <dir>', 'spool folder, kept across restarts (batches not yet accepted, source offsets)')
    .option('--cluster <name>', 'cluster of the inventory/flow files that name none')
    .option('--inventory <path>', 'inventory dump or manifest folder (repeatable)', collect, [])
    .option('--kubeconfig <file>', 'kubeconfig for live, read-only inventory (repeatable)', collect, [])
    .option('--context <name>', 'kubeconfig context to watch (repeatable)', collect, [])
    .option('--all-contexts', 'watch every context of the kubeconfig(s); in a pod, the in-cluster config')
    .option('--flows <path>', 'flow log file or folder, read once (repeatable)', collect, [])
    .option('--flows-follow <file>', 'tail a growing flow export file, following rotation (repeatable)', collect, [])
    .option('--hubble-relay <host:port>', 'stream flows live from Hubble Relay (repeatable)', collect, [])
    .option('--goldmane <host:port>', 'stream Calico flows live from Goldmane (repeatable)', collect, [])
    .option('--interval <duration>', 'aggregation interval: one batch of edge deltas per interval', '1m')
    .option('--connections <n>', 'connections shipped per edge and minute, a sample (the rows behind GET /api/v1/flows)', String(DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE))
    .option('--spool-max-batches <n>', 'batches kept when the servers cannot be reached (the oldest are dropped past it)', '100000')
    .option('--metrics-port <n>', 'serve /metrics (Prometheus) and /healthz on this port')
    .option('--metrics-host <addr>', 'address for /metrics', '127.0.0.1')
    .action(async (flags: CollectFlags) => {
      const intervalMs = parseDuration(flags.interval);
      if (!intervalMs || intervalMs < 10) throw new CliExit(`--interval ${flags.interval}: expected a duration such as 1m, 30s, 500ms.`, EXIT_BAD_INPUT);
      if (flags.server.length === 0) throw new CliExit('--server: give the central server URL (repeatable).', EXIT_BAD_INPUT);
      for (const s of flags.server) {
        if (!/^https?:\/\//.test(s)) throw new CliExit(`--server ${s}: expected an http:// or https:// URL.`, EXIT_BAD_INPUT);
      }
      let token = flags.token;
      if (!token && flags.tokenFile) token = readFileSync(flags.tokenFile, 'utf8').trim();
      if (!token) throw new CliExit('--token or --token-file: the collector needs its token.', EXIT_BAD_INPUT);
      const maxBatches = Number(flags.spoolMaxBatches);
      if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new CliExit(`--spool-max-batches ${flags.spoolMaxBatches}: expected a whole number >= 1.`, EXIT_BAD_INPUT);
      const metricsPort = flags.metricsPort === undefined ? undefined : Number(flags.metricsPort);
      if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
        throw new CliExit(`--metrics-port ${flags.metricsPort}: expected a port number 0-65535.`, EXIT_BAD_INPUT);
      }
      let running: RunningCollector;
      try {
        const connectionsPerEdgeMinute = parseConnectionsPerEdgeMinute(flags.connections, 'collect');
        running = await startCollector({
          collector: flags.name, token, servers: flags.server, spool: flags.spool, cluster: flags.cluster, inventory: flags.inventory,
          kubeconfig: flags.kubeconfig, context: flags.context, allContexts: flags.allContexts, flows: flags.flows, flowsFollow: flags.flowsFollow, hubbleRelay: flags.hubbleRelay, goldmane: flags.goldmane,
          intervalMs, maxSpoolBatches: maxBatches, metricsPort, metricsHost: flags.metricsHost, connectionsPerEdgeMinute,
        });
      } catch (error) {
        throw new CliExit((error as Error).message, EXIT_BAD_INPUT);
      }
      if (running.metricsUrl) process.stdout.write(`${running.metricsUrl}\n`);
      else process.stdout.write('collecting\n');
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.stderr.write(`netatlas/collect: ${signal}: flushing to the spool and stopping\n`);
          running.close().then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
