/**
 * startServer: the store, the state, the sources and the HTTP listener, wired together.
 * `netatlas serve` (server/cli/serve.ts) only parses flags and calls this; the bench and tests
 * call it too.
 *
 * Flow files are read once: the store keeps, per file, its size, mtime and how many records
 * were taken (written in the same transaction as the edges they produced), so a restart skips
 * what was already counted and observation accumulates instead of doubling.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';
import { printable, type FlowRecord, type Inventory } from '../../generator/model/index.ts';
import { GraphBuilder } from '../graph/builder.ts';
import { flowFileInputs } from '../graph/ingest.ts';
import { loadInventoryPaths } from '../inventory/index.ts';
import { ConnectionCache, createFlowParseState, parseFlowObject, readFlows } from '../flows/index.ts';
import { parseDuration } from '../store/flow-store.ts';
import { openStore } from '../store/open.ts';
import { isPostgresUrl } from '../store/store.ts';
import type { Store } from '../store/store.ts';
import { createApp } from './app.ts';
import { defaultProviders } from './default-providers.ts';
import type { AnalysisProviders } from './providers.ts';
import { generateToken, isLoopbackHost } from './security.ts';
import { parseConnectionsPerEdgeMinute } from '../store/connections.ts';
import { AppState, withoutFolders } from './state.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_DIR = path.join(PROJECT_ROOT, 'samples', 'demo');
export const WEB_DIST = path.join(PROJECT_ROOT, 'web', 'dist');

export interface ServeOptions {
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
  readonly inventory?: readonly string[];
  readonly flows?: readonly string[];
  readonly cluster?: string;
  readonly kubeconfig?: readonly string[];
  readonly context?: readonly string[];
  readonly allContexts?: boolean;
  readonly flowsFollow?: readonly string[];
  readonly hubbleRelay?: readonly string[];
  /** Calico Goldmane flow stream addresses (host:port). */
  readonly goldmane?: readonly string[];
  readonly hubbleTls?: { readonly enabled: boolean; readonly ca?: string; readonly cert?: string; readonly key?: string; readonly serverName?: string };
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
  close(): Promise<void>;
}

export function defaultDbPath(): string {
  return path.join(envPaths('netatlas', { suffix: '' }).data, 'netatlas.db');
}

export function inventoryOfCluster(inv: Inventory, cluster: string): Inventory {
  const only = <T extends { cluster: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.cluster === cluster);
  return {
    clusters: inv.clusters.filter((c) => c.name === cluster), namespaces: only(inv.namespaces), pods: only(inv.pods),
    workloads: only(inv.workloads), services: only(inv.services), endpointSlices: only(inv.endpointSlices), nodes: only(inv.nodes),
    networkPolicies: only(inv.networkPolicies), adminNetworkPolicies: only(inv.adminNetworkPolicies),
    // Image-keyed reports name no cluster: they stay with the first one (they attach by image wherever it runs).
    ...withReports((inv.securityReports ?? []).filter((r) => (r.subject.cluster ?? clustersOf(inv)[0]) === cluster)),
  };
}

const withReports = (reports: Inventory['securityReports'] & object) => (reports.length ? { securityReports: reports } : {});

export function clustersOf(inv: Inventory): string[] {
  const names = new Set<string>(inv.clusters.map((c) => c.name));
  for (const list of [inv.namespaces, inv.pods, inv.workloads, inv.services, inv.nodes, inv.networkPolicies]) for (const x of list) names.add(x.cluster);
  return [...names].sort();
}

interface FileOffset { size: number; mtimeMs: number; records: number; done?: boolean }

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

  const loading = new Set<string>();
  const app = createApp({
    state, token, allowedHosts: options.allowedHost, collectorTokens: options.collectorTokens, providers: { ...defaultProviders(), ...options.providers }, webRoot: options.webRoot ?? WEB_DIST, rateLimit: options.rateLimit,
    notReady: () => (loading.size ? [withoutFolders(`still loading: ${[...loading].join(', ')}`)] : []),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host);
    s.once('listening', () => resolve(s));
    s.once('error', (e) => reject(new Error(`netatlas/serve: cannot listen on ${host}:${port}: ${e.message}. Use --port to pick another port.`)));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;

  const stoppers: Array<() => Promise<void> | void> = [];
  const hasSources = !!(options.inventory?.length || options.flows?.length || options.kubeconfig?.length || options.context?.length ||
    options.allContexts || options.flowsFollow?.length || options.hubbleRelay?.length || options.goldmane?.length);
  const useDemo = !hasSources && options.demo !== false;
  const inventoryPaths = useDemo ? [DEMO_DIR] : [...(options.inventory ?? [])];
  const flowPaths = useDemo ? [DEMO_DIR] : [...(options.flows ?? [])];
  const cluster = useDemo ? undefined : options.cluster;
  if (useDemo) log(`netatlas: no source given: serving the demo (${path.relative(process.cwd(), DEMO_DIR) || DEMO_DIR})`);

  // One connection cache for the flow files, as the CLI's ingest: a connection reported by both
  // nodes' files (the two ends of an inter-cluster connection) counts once. Streamed sources
  // (relay, follow) keep their own, saved with their position (see checkpointed).
  const connections = new ConnectionCache({});
  const loaded = (async () => {
    if (inventoryPaths.length) await loadInventories(state, inventoryPaths, cluster, useDemo, loading, log);
    // Regular files are read one after another; a pipe named on the command line (`--flows
    // <(zcat x.gz)`, a FIFO) is read beside them, since it may wait for its writer for ever and
    // must not hold back the files after it.
    const inputs = (flowPaths.length ? safeInputs(state, flowPaths, cluster, log) : []).map((i) => ({ ...i, regular: isRegularFile(i.file) }));
    const streams = inputs.filter((i) => !i.regular)
      .map((i) => loadFlowFile(state, store, i.file, i.cluster, useDemo, i.walked, loading, log, connections).then(() => state.flush()));
    for (const input of inputs.filter((i) => i.regular)) {
      await loadFlowFile(state, store, input.file, input.cluster, useDemo, input.walked, loading, log, connections);
    }
    state.flush();
    await Promise.all(streams);
  })().catch((error) => log(`netatlas: loading failed: ${(error as Error).message}`));

  if (options.kubeconfig?.length || options.context?.length || options.allContexts) {
    stoppers.push(await startLive(state, options, log));
  }
  for (const address of options.hubbleRelay ?? []) stoppers.push(await startRelay(state, store, address, options, log));
  for (const address of options.goldmane ?? []) stoppers.push(await startGoldmane(state, store, address, options.cluster, log));
  for (const file of options.flowsFollow ?? []) stoppers.push(await startFollow(state, store, file, options.cluster, log));

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
  return { url, state, server, token, loaded, close };
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

function isRegularFile(file: string): boolean {
  return file !== '-' && (statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
}

function safeInputs(state: AppState, paths: readonly string[], cluster: string | undefined, log: (line: string) => void) {
  const out: Array<{ file: string; cluster?: string; walked: boolean }> = [];
  for (const p of paths) {
    try {
      out.push(...flowFileInputs([p], cluster, (file, reason) => log(`netatlas: note: ${printable(file)}: ${reason}`)));
    } catch (error) {
      state.registerSource(`flows-file:${p}`, 'flows-file', cluster);
      state.updateSource(`flows-file:${p}`, { state: 'error', reason: (error as Error).message, error: (error as Error).message });
    }
  }
  return out;
}

export async function loadInventories(state: AppState, paths: string[], cluster: string | undefined, demo: boolean, loading: Set<string>, log: (l: string) => void): Promise<void> {
  const id = `inventory:${paths.join(',')}`;
  loading.add(id);
  state.registerSource(id, demo ? 'demo' : 'inventory-file', cluster);
  try {
    const result = await loadInventoryPaths(paths, { cluster });
    for (const c of clustersOf(result.inventory)) state.setInventory(c, inventoryOfCluster(result.inventory, c));
    for (const e of result.errors) state.updateSource(id, { error: e.message });
    const objects = result.inventory.pods.length + result.inventory.workloads.length + result.inventory.services.length + result.inventory.namespaces.length;
    state.updateSource(id, { state: 'done', records: objects, lastEventTime: state.now() });
    if (result.errors.length) log(`netatlas: ${result.errors.length} inventory errors, first: ${result.errors[0].message}`);
  } catch (error) {
    state.updateSource(id, { state: 'error', reason: (error as Error).message, error: (error as Error).message });
    log(`netatlas: inventory: ${(error as Error).message}`);
  } finally {
    loading.delete(id);
  }
}

export async function loadFlowFile(
  state: AppState, store: Store, file: string, cluster: string | undefined, demo: boolean, walked: boolean, loading: Set<string>,
  log: (l: string) => void, connections: ConnectionCache,
): Promise<void> {
  const id = `flows-file:${file}`;
  // A file found by walking a folder (an inventory dump next to flow logs) becomes a source
  // only once it yields flows; one named by the user is a source at once.
  const register = (): void => state.registerSource(id, demo ? 'demo' : 'flows-file', cluster);
  if (!walked) register();
  const st = file === '-' ? undefined : statSync(file, { throwIfNoEntry: false });
  const saved = (await store.getOffset(id)) as FileOffset | undefined;
  const same = st && saved && saved.size === st.size && saved.mtimeMs === st.mtimeMs;
  if (same && saved.done) {
    register();
    state.updateSource(id, { state: 'done', records: saved.records, reason: undefined });
    return;
  }
  const skip = same ? saved.records : 0;
  loading.add(id);
  let taken = 0;
  try {
    const reader = readFlows(file, { cluster, connections, onError: (m) => state.updateSource(id, { error: m }) });
    for await (const batch of reader.batches()) {
      let records: FlowRecord[] = batch;
      if (taken < skip) {
        const drop = Math.min(skip - taken, batch.length);
        records = batch.slice(drop);
        taken += drop;
      }
      if (records.length === 0) continue;
      register();
      taken += records.length;
      state.ingestFlows(id, records, {
        cluster,
        offset: st ? { size: st.size, mtimeMs: st.mtimeMs, records: taken } : undefined,
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (st && taken > 0) state.setOffset(id, { size: st.size, mtimeMs: st.mtimeMs, records: taken, done: true });
    if (taken > 0 || !walked) state.updateSource(id, { state: 'done' });
  } catch (error) {
    if (walked && (error as Error).name === 'InputError' && taken === 0) return;
    state.updateSource(id, { state: 'error', reason: (error as Error).message, error: (error as Error).message });
    log(`netatlas: ${(error as Error).message}`);
  } finally {
    loading.delete(id);
  }
}

export async function startLive(state: AppState, options: ServeOptions, log: (l: string) => void): Promise<() => Promise<void>> {
  const live = await import('../inventory/live.ts');
  const inventory = new live.LiveInventory({ kubeconfigs: options.kubeconfig, contexts: options.context, allContexts: options.allContexts, watch: true });
  const dirty = new Set<string>();
  const mark = (change: { cluster: string }) => dirty.add(change.cluster);
  inventory.on(live.ADD, mark);
  inventory.on(live.UPDATE, mark);
  inventory.on(live.DELETE, mark);
  const apply = (): void => {
    if (!dirty.size) return;
    const snap = inventory.snapshot();
    for (const c of dirty) state.setInventory(c, inventoryOfCluster(snap, c));
    dirty.clear();
  };
  inventory.on(live.STATUS, (s) => {
    const id = `kubernetes:${s.cluster}`;
    // A cluster that has just synced is applied at once, not on the next tick: flows arriving
    // meanwhile would otherwise be attributed to bare pods.
    if (s.state === 'synced' && dirty.has(s.cluster)) apply();
    state.registerSource(id, 'kubernetes', s.cluster);
    state.updateSource(id, {
      state: s.state === 'synced' ? 'connected' : s.state === 'error' ? 'stale' : 'starting',
      ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}), errors: s.errors,
    });
  });
  // Inventory changes are applied in batches, like flows.
  const t = setInterval(apply, 1000);
  t.unref();
  inventory.start();
  log(`netatlas: watching ${inventory.status().length || 'the selected'} cluster(s) read-only`);
  return async () => {
    clearInterval(t);
    await inventory.stop();
  };
}

export async function startRelay(state: AppState, store: Store, address: string, options: ServeOptions, log: (l: string) => void): Promise<() => Promise<void>> {
  const { HubbleRelayClient } = await import('../flows/relay/client.ts');
  const id = `hubble-relay:${address}`;
  state.registerSource(id, 'hubble-relay', options.cluster);
  // Resume where the last run's stored edges end: the position is saved with them (one transaction).
  // It is the newest flow time the client received, never later than its own clock (client.ts).
  const saved = (await store.getOffset(id)) as { lastEventTime?: unknown; lastEventNanos?: unknown; dedup?: unknown } | undefined;
  const since = typeof saved?.lastEventTime === 'number' && Number.isFinite(saved.lastEventTime) && saved.lastEventTime <= Date.now() ? saved.lastEventTime : undefined;
  // To the nanosecond when it was saved, so flows of the same millisecond are neither lost nor read twice.
  const after = since !== undefined && typeof saved?.lastEventNanos === 'string' && /^\d{1,25}$/.test(saved.lastEventNanos) ? saved.lastEventNanos : undefined;
  // Its own de-duplication state, saved with that position: a connection reported by two nodes on
  // both sides of a restart counts once (a position without it, from an older netatlas, starts empty).
  const connections = (since !== undefined ? ConnectionCache.restore(saved?.dedup) : undefined) ?? new ConnectionCache({});
  const parseState = createFlowParseState({ file: id, cluster: options.cluster, connections });
  const checkpoints = checkpointed(state, id, options.cluster, connections, () => {
    const { lastEventTime, lastEventNanos } = client.status();
    return lastEventTime !== undefined ? { lastEventTime, ...(lastEventNanos ? { lastEventNanos } : {}) } : undefined;
  });
  const tlsOpt = options.hubbleTls;
  const tls = tlsOpt?.enabled
    ? {
      ...(tlsOpt.ca ? { ca: readFileSync(tlsOpt.ca) } : {}),
      ...(tlsOpt.cert ? { cert: readFileSync(tlsOpt.cert) } : {}),
      ...(tlsOpt.key ? { key: readFileSync(tlsOpt.key) } : {}),
      ...(tlsOpt.serverName ? { serverName: tlsOpt.serverName } : {}),
    }
    : false;
  const client: InstanceType<typeof HubbleRelayClient> = new HubbleRelayClient({
    address, tls, follow: true, ...(since !== undefined ? { since } : {}), ...(after !== undefined ? { after } : {}),
    onEvent: (response) => {
      try {
        parseFlowObject(response, parseState, checkpoints.records);
      } catch (error) {
        state.updateSource(id, { error: (error as Error).message });
      }
      // Also after a flow that gave no record (a repeat): the position and the cache moved on.
      checkpoints.schedule();
    },
    onStatus: (s) => state.updateSource(id, { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) }),
  });
  client.start().catch((error) => {
    state.updateSource(id, { state: 'error', reason: (error as Error).message, error: (error as Error).message });
    log(`netatlas: relay ${address}: ${(error as Error).message}`);
  });
  return async () => {
    await client.stop();
    checkpoints.flush();
  };
}

/** Calico Goldmane's flow stream, read through the Calico flow-log reader. */
export async function startGoldmane(state: AppState, store: Store, address: string, cluster: string | undefined, log: (l: string) => void): Promise<() => void> {
  const { GoldmaneClient } = await import('../flows/goldmane/client.ts');
  const id = `goldmane:${address}`;
  // Resume where the last run stopped: the position is written with the edges it produced.
  const saved = (await store.getOffset(id)) as { start?: number; seen?: string[] } | undefined;
  state.registerSource(id, 'goldmane', cluster);
  const parseState = createFlowParseState({ file: id, cluster, format: 'calico', onError: (m: string) => state.updateSource(id, { error: m }) });
  const client: InstanceType<typeof GoldmaneClient> = new GoldmaneClient({
    address,
    ...(typeof saved?.start === 'number' && saved.start > 0 ? { resume: { start: saved.start, seen: Array.isArray(saved.seen) ? saved.seen.map(String) : [] } } : {}),
    onFlow: (flow) => {
      const out: FlowRecord[] = [];
      parseFlowObject(flow, parseState, out);
      const position = client.position as unknown as Record<string, unknown>;
      if (out.length) state.ingestFlows(id, out, { cluster, offset: position });
      else state.setOffset(id, position);
    },
    onStatus: (s) => state.updateSource(id, { state: s.state, ...(s.reason ? { reason: s.reason } : {}) }),
  });
  client.start();
  log(`netatlas: streaming Calico flows from Goldmane at ${address}`);
  return () => client.stop();
}

/** How often a streamed source's position and de-duplication state are checkpointed. */
const CHECKPOINT_MS = 250;

interface Checkpoints {
  /** Records parsed since the last checkpoint: parsers append here. */
  readonly records: FlowRecord[];
  /** Something was read: checkpoint soon (at most CHECKPOINT_MS after the last one). */
  schedule(): void;
  /** Checkpoint now (on stop). */
  flush(): void;
}

/**
 * Checkpoints for a streamed source (a followed file, a relay): records wait in `records` until
 * the next checkpoint, which is the source's position AND its de-duplication state after exactly
 * the records handed on with it, stored in one transaction, so a kill -9 resumes where both agree.
 * `position` answers undefined while there is none yet (nothing received); `after` runs after each.
 */
function checkpointed(
  state: AppState, id: string, cluster: string | undefined, connections: ConnectionCache,
  position: () => Record<string, unknown> | undefined, after?: () => void,
): Checkpoints {
  const records: FlowRecord[] = [];
  let scheduled = false;
  let lastCheckpoint = 0;
  const drain = (force = false): void => {
    scheduled = false;
    if (!force && Date.now() - lastCheckpoint < CHECKPOINT_MS) {
      scheduled = true;
      setTimeout(drain, CHECKPOINT_MS).unref();
      return;
    }
    lastCheckpoint = Date.now();
    const taken = records.splice(0);
    const at = position();
    const checkpoint = at ? { ...at, dedup: connections.snapshot() } : undefined;
    if (taken.length) state.ingestFlows(id, taken, { cluster, ...(checkpoint ? { offset: checkpoint } : {}) });
    else if (checkpoint) state.setOffset(id, checkpoint);
    after?.();
  };
  return {
    records,
    schedule: () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(drain);
    },
    flush: () => drain(true),
  };
}

export async function startFollow(state: AppState, store: Store, file: string, cluster: string | undefined, log: (l: string) => void): Promise<() => Promise<void>> {
  const { FileFollower } = await import('../flows/follow.ts');
  const { parseFlowLine } = await import('../flows/read.ts');
  const id = `flows-follow:${file}`;
  state.registerSource(id, 'flows-follow', cluster);
  // Resume where the last run stopped: the checkpoint is written with the edges it produced.
  const saved = (await store.getOffset(id)) as { offset?: number; line?: number; ino?: number; dedup?: unknown } | undefined;
  // The de-duplication state saved with that offset: a connection reported on both sides of the
  // restart counts once (a checkpoint without it, from an older netatlas, starts empty).
  const connections = (saved?.offset ? ConnectionCache.restore(saved.dedup) : undefined) ?? new ConnectionCache({});
  const parseState = createFlowParseState({
    file, cluster, connections,
    onError: (message: string) => state.updateSource(id, { error: message }),
  });
  const checkpoints = checkpointed(state, id, cluster, connections, () => follower.checkpoint() as unknown as Record<string, unknown>, () => {
    const st = follower.status();
    state.updateSource(id, { state: st.state, ...(st.reason ? { reason: st.reason } : {}) });
  });
  const follower = new FileFollower({
    path: file,
    ...(saved?.offset ? { startOffset: saved.offset, startLine: saved.line ?? 0, ...(saved.ino !== undefined ? { startIno: saved.ino } : {}) } : {}),
    onLine: (line) => {
      parseFlowLine(line, parseState, checkpoints.records);
      checkpoints.schedule();
    },
    onError: (message) => state.updateSource(id, { error: message }),
  });
  follower.start(1000);
  log(`netatlas: following ${file}${saved?.offset ? ` from byte ${saved.offset}` : ''}`);
  return async () => {
    await follower.stop();
    checkpoints.flush();
  };
}
