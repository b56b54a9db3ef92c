/**
 * startServer: the store, the state, the source manager and the HTTP listener, wired together.
 * `netatlas serve` (server/cli/serve.ts) only parses flags and calls this; the bench and tests
 * call it too. Every source (the demo, inventory and flow files, followed files, live clusters,
 * Hubble Relay, Goldmane) runs under one SourceManager (server/sources/): one status model, one
 * restart policy, and a failing source isolated from the others.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { GraphBuilder } from '../graph/builder.ts';
import { parseDuration } from '../store/flow-store.ts';
import { openStore } from '../store/open.ts';
import { isPostgresUrl } from '../store/store.ts';
import { addPlan, FINITE_KINDS, hasSources, loadFiles, planSources, SourceManager, startStreams, stateSink, type SourceOptions, type SourcePlan } from '../sources/index.ts';
import { createApp } from './app.ts';
import { defaultProviders } from './default-providers.ts';
import type { AnalysisProviders } from './providers.ts';
import { generateToken, isLoopbackHost } from './security.ts';
import { parseConnectionsPerEdgeMinute } from '../store/connections.ts';
import { AppState, withoutFolders } from '../state/app-state.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_DIR = path.join(PROJECT_ROOT, 'samples', 'demo');
export const WEB_DIST = path.join(PROJECT_ROOT, 'web', 'dist');

/** The sources (SourceOptions: files, follow, relay, Goldmane, live contexts) and the server's own settings. */
export interface ServeOptions extends SourceOptions {
  readonly port?: number;
  readonly host?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  /** Host names a token-less (loopback) server answers to besides localhost, 127.0.0.1 and [::1]. */
  readonly allowedHost?: readonly string[];
  /** SQLite file, `:memory:`, or default `<user data dir>/netatlas/netatlas.db`. */
  readonly db?: string;
  /**
   * `postgres://user:password@host/db`: the shared PostgreSQL store several replicas use
   * (takes precedence over `db`). Default: the SQLite file `db`.
   */
  readonly store?: string;
  /** Collector name -> bearer token accepted on POST /api/v1/ingest. None: ingest is off. */
  readonly collectorTokens?: ReadonlyMap<string, string>;
  /** How often a replica on a shared store applies what the others wrote (ms). Default 1000. */
  readonly followIntervalMs?: number;
  /** `30d`, `12h`, ...: buckets older than this are deleted (at start and hourly). */
  readonly retain?: string;
  /** PostgreSQL store: minute buckets are kept this long (default 24h); older windows are answered by the hour. */
  readonly retainMinutes?: string;
  /** Connection rows kept per edge and minute (server/store/connections.ts). Default 50. */
  readonly connections?: string;
  /** Load the demo when no source is given (default true). */
  readonly demo?: boolean;
  readonly webRoot?: string;
  /** Replace some of the default analyses (`defaultProviders()`: generate, diff, findings, explanations). */
  readonly providers?: AnalysisProviders;
  readonly rateLimit?: { readonly windowMs: number; readonly limit: number } | false;
  readonly flushIntervalMs?: number;
  /** Where messages go (default stderr). */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly state: AppState;
  readonly server: Server;
  readonly token?: string;
  /** Resolves when every finite source (files) has been read. */
  readonly loaded: Promise<void>;
  /** Every source this server reads, with its status. */
  readonly sources: SourceManager;
  close(): Promise<void>;
}

export function defaultDbPath(): string {
  return path.join(envPaths('netatlas', { suffix: '' }).data, 'netatlas.db');
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;

  let retainMs: number | undefined;
  if (options.retain !== undefined) {
    retainMs = parseDuration(options.retain);
    if (retainMs === undefined || retainMs <= 0) throw new Error(`netatlas/serve: --retain ${JSON.stringify(options.retain)} is not a duration: use e.g. 30d, 12h, 90m.`);
  }
  let retainMinutesMs: number | undefined;
  if (options.retainMinutes !== undefined) {
    retainMinutesMs = parseDuration(options.retainMinutes);
    if (retainMinutesMs === undefined || retainMinutesMs <= 0) {
      throw new Error(`netatlas/serve: --retain-minutes ${JSON.stringify(options.retainMinutes)} is not a duration: use e.g. 24h, 6h.`);
    }
  }
  let token = options.token;
  if (!token && options.tokenFile) {
    token = readFileSync(options.tokenFile, 'utf8').trim();
    if (!token) throw new Error(`netatlas/serve: --token-file ${options.tokenFile} is empty.`);
  }
  let generated = false;
  if (!token && !isLoopbackHost(host)) {
    token = generateToken();
    generated = true;
  }

  const storeSpec = options.store ?? options.db ?? defaultDbPath();
  if (options.store !== undefined && !isPostgresUrl(options.store)) {
    throw new Error(`netatlas/serve: --store ${JSON.stringify(options.store)} is not a postgres:// URL: use --db for an SQLite file.`);
  }
  const shownStore = isPostgresUrl(storeSpec) ? (await import('../store/postgres.ts')).redactUrl(storeSpec) : storeSpec;
  const connectionsPerEdgeMinute = options.connections === undefined ? undefined : parseConnectionsPerEdgeMinute(options.connections, 'serve');
  const store = await openStore(storeSpec, { retainMs, retainMinutesMs, connectionsPerEdgeMinute });
  const pruned = await store.prune();
  const state = new AppState({ builder: new GraphBuilder(), store });
  const restored = await state.restoreFromStore();
  if (restored.edges > 0) log(`netatlas: restored ${restored.edges} edges, ${restored.nodes} nodes from ${shownStore}${pruned ? ` (${pruned} old buckets dropped)` : ''}`);
  state.startAutoFlush(options.flushIntervalMs ?? 500);

  const manager = new SourceManager({ sink: stateSink(state, store, log) });
  const app = createApp({
    state, token, allowedHosts: options.allowedHost, collectorTokens: options.collectorTokens, providers: { ...defaultProviders(), ...options.providers }, webRoot: options.webRoot ?? WEB_DIST, rateLimit: options.rateLimit,
    notReady: () => {
      const loading = manager.status().filter((s) => FINITE_KINDS.has(s.kind) && s.state !== 'done' && s.state !== 'error').map((s) => s.id);
      return loading.length ? [withoutFolders(`still loading: ${loading.join(', ')}`)] : [];
    },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', (e) => reject(new Error(`netatlas/serve: cannot listen on ${host}:${port}: ${e.message}. Use --port to pick another port.`)));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;

  const useDemo = !hasSources(options) && options.demo !== false;
  if (useDemo) log(`netatlas: no source given: serving the demo (${path.relative(process.cwd(), DEMO_DIR) || DEMO_DIR})`);
  let plan: SourcePlan;
  try {
    plan = addPlan(manager, await planSources(options, useDemo ? DEMO_DIR : undefined, log), log);
  } catch (error) {
    // Nothing is left listening or open when the sources cannot even be listed.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await state.close();
    throw error;
  }
  const loaded = loadFiles(manager, plan, () => state.flush()).catch((error) => log(`netatlas: loading failed: ${(error as Error).message}`));
  await startStreams(manager, plan);
  if (plan.streams.length) log(`netatlas: streaming from ${plan.streams.map((s) => s.id).join(', ')}`);

  const stoppers: Array<() => Promise<void> | void> = [() => manager.stop()];
  // Retention (and forgetting old collector batch ids) runs hourly; the timer must not keep the process alive.
  const prune = async (): Promise<void> => {
    try { await store.prune(); } catch (e) { log(`netatlas: retention failed: ${(e as Error).message}`); }
  };
  const pruneTimer = setInterval(() => void prune(), 3_600_000);
  pruneTimer.unref();
  stoppers.push(() => clearInterval(pruneTimer));
  if (store.journalSince) stoppers.push(followSharedStore(state, options.followIntervalMs ?? 1000, log));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const stop of stoppers) {
        try { await stop(); } catch { /* a source failing to stop never blocks shutdown */ }
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await state.close();
    })();
    return closing;
  };

  log(`netatlas: serving on ${url}`);
  if (generated) log(`netatlas: API token (shown once; scripts send "Authorization: Bearer <token>", the UI opens as ${url}#token=<token>): ${token}`);
  return { url, state, server, token, loaded, sources: manager, close };
}

/**
 * A replica on a shared store applies what the other replicas and collectors wrote, every
 * `intervalMs`; one pass at a time.
 */
function followSharedStore(state: AppState, intervalMs: number, log: (l: string) => void): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let failing = false;
  const tick = (): void => {
    if (running) return;
    running = state.followStore().then(
      () => { if (failing) log('netatlas: following the shared store again'); failing = false; },
      (e) => { if (!failing) log(`netatlas: following the shared store failed (will retry): ${(e as Error).message}`); failing = true; },
    ).finally(() => { running = undefined; });
  };
  const t = setInterval(tick, intervalMs);
  t.unref();
  return async () => {
    clearInterval(t);
    await running;
  };
}

