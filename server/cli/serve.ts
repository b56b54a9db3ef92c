/**
 * `netatlas serve`: the server over live and offline sources (server/http/serve.ts does the
 * work). With no source flag it serves the embedded demo.
 */
import { Command } from 'commander';
import { startServer } from '../http/serve.ts';
import type { RunningServer } from '../http/serve.ts';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE } from '../store/connections.ts';
import { CliExit, EXIT_BAD_INPUT } from './exit.ts';

/** `NAME=TOKEN` pairs from the flags and the file, as a map; an error names the bad one. */
export function parseCollectorTokens(pairs: readonly string[], file?: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (text: string, where: string): void => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._:-]{0,127})=(\S{16,})$/.exec(text.trim());
    if (!m) throw new Error(`netatlas/serve: ${where}: expected NAME=TOKEN (a collector name, then a token of 16 or more characters).`);
    out.set(m[1], m[2]);
  };
  pairs.forEach((p, i) => add(p, `--collector-token #${i + 1}`));
  if (file) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (line.trim() && !line.trim().startsWith('#')) add(line, `${file}:${i + 1}`);
    });
  }
  return out;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface ServeFlags {
  port: string;
  host: string;
  token?: string;
  tokenFile?: string;
  allowedHost: string[];
  db?: string;
  store?: string;
  collectorToken: string[];
  collectorTokensFile?: string;
  retain?: string;
  retainMinutes?: string;
  connections: string;
  inventory: string[];
  flows: string[];
  cluster?: string;
  kubeconfig: string[];
  context: string[];
  allContexts?: boolean;
  flowsFollow: string[];
  hubbleRelay: string[];
  goldmane: string[];
  hubbleTls?: boolean;
  hubbleTlsCa?: string;
  hubbleTlsCert?: string;
  hubbleTlsKey?: string;
  hubbleTlsServerName?: string;
  web?: string;
  demo: boolean;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the web UI and the JSON API over live and offline sources; keeps what it learns in SQLite. With no source, serves the demo.')
    .option('--port <n>', 'TCP port to listen on', '8080')
    .option('--host <addr>', 'address to bind; anything but loopback requires a token', '127.0.0.1')
    .option('--token <token>', 'bearer token required by the API (generated and printed once when binding beyond loopback)')
    .option('--token-file <file>', 'read the bearer token from a file (e.g. a mounted Secret)')
    .option('--allowed-host <name>', 'without a token, also answer requests whose Host is NAME (only loopback names by default, against DNS rebinding); repeatable', collect, [])
    .option('--db <file>', 'SQLite store (":memory:" for none kept); default under the user data dir')
    .option('--store <url>', 'shared PostgreSQL store (postgres://user:password@host/db) for several replicas; overrides --db')
    .option('--collector-token <name=token>', 'accept POST /api/v1/ingest from collector NAME with this token (repeatable)', collect, [])
    .option('--collector-tokens-file <file>', 'collector tokens, one NAME=TOKEN per line (e.g. a mounted Secret)')
    .option('--retain <duration>', 'drop observations older than this, e.g. 30d, 12h')
    .option('--retain-minutes <duration>', 'keep connection rows (and, with --store, per-minute buckets) this long (default 24h); older windows are answered by the hour')
    .option('--connections <n>', 'connection rows kept per edge and minute (GET /api/v1/flows)', String(DEFAULT_CONNECTIONS_PER_EDGE_MINUTE))
    .option('--inventory <path>', 'inventory dump or manifest folder (repeatable; <root>/<cluster>/... names clusters)', collect, [])
    .option('--flows <path>', 'flow log file or folder (Hubble, Inspektor Gadget, generic JSONL/CSV; repeatable)', collect, [])
    .option('--cluster <name>', 'cluster of the --inventory/--flows files that name none')
    .option('--kubeconfig <file>', 'kubeconfig for live, read-only inventory (repeatable)', collect, [])
    .option('--context <name>', 'kubeconfig context to watch (repeatable)', collect, [])
    .option('--all-contexts', 'watch every context of the kubeconfig(s)')
    .option('--flows-follow <file>', 'tail a growing Hubble export file, following rotation (repeatable)', collect, [])
    .option('--hubble-relay <host:port>', 'stream flows live from Hubble Relay (repeatable)', collect, [])
    .option('--goldmane <host:port>', 'stream Calico flows live from Goldmane (repeatable)', collect, [])
    .option('--hubble-tls', 'connect to Hubble Relay over TLS')
    .option('--hubble-tls-ca <file>', 'CA bundle (PEM) for Hubble Relay TLS')
    .option('--hubble-tls-cert <file>', 'client certificate (PEM) for mutual TLS')
    .option('--hubble-tls-key <file>', 'client key (PEM) for mutual TLS')
    .option('--hubble-tls-server-name <name>', 'name to verify the relay certificate against')
    .option('--web <dir>', 'folder of the built web UI (default web/dist)')
    .option('--no-demo', 'with no source, serve an empty graph instead of the demo')
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliExit(`--port ${flags.port}: expected a port number 0-65535.`, EXIT_BAD_INPUT);
      let running: RunningServer;
      let collectorTokens: Map<string, string>;
      try {
        collectorTokens = parseCollectorTokens(flags.collectorToken, flags.collectorTokensFile);
      } catch (error) {
        throw new CliExit((error as Error).message, EXIT_BAD_INPUT);
      }
      try {
        running = await startServer({
          port, host: flags.host, token: flags.token, tokenFile: flags.tokenFile, allowedHost: flags.allowedHost, db: flags.db, store: flags.store, collectorTokens, retain: flags.retain,
          inventory: flags.inventory, flows: flags.flows, cluster: flags.cluster, kubeconfig: flags.kubeconfig, context: flags.context,
          allContexts: flags.allContexts, flowsFollow: flags.flowsFollow, hubbleRelay: flags.hubbleRelay, goldmane: flags.goldmane,
          hubbleTls: {
            enabled: !!(flags.hubbleTls || flags.hubbleTlsCa || flags.hubbleTlsCert), ca: flags.hubbleTlsCa, cert: flags.hubbleTlsCert,
            key: flags.hubbleTlsKey, serverName: flags.hubbleTlsServerName,
          },
          webRoot: flags.web, demo: flags.demo, retainMinutes: flags.retainMinutes, connections: flags.connections,
        });
      } catch (error) {
        throw new CliExit((error as Error).message, EXIT_BAD_INPUT);
      }
      process.stdout.write(`${running.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          process.stderr.write(`netatlas: ${signal}: flushing the store and stopping\n`);
          running.close().then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
