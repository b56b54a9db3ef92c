/**
 * Which sources a `serve` (or `collect`) command line asks for, and the order they start in:
 * inventories first (flows seen before their pods would be attributed to bare pods), then flow
 * files one after another, a pipe beside them (it may wait for its writer for ever), and the
 * long-running streams (followed files, Hubble Relay, Goldmane, live clusters) at once.
 */
import { statSync } from 'node:fs';
import { printable } from '../../generator/model/index.ts';
import { ConnectionCache } from '../flows/index.ts';
import { flowFileInputs } from '../graph/ingest.ts';
import { flowFileSource, followFlowsSource } from './flows.ts';
import { inventoryFilesSource } from './inventory.ts';
import type { SourceManager } from './manager.ts';
import { goldmaneFlowsSource, relayFlowsSource, type RelayTlsFiles } from './streams.ts';
import type { Source } from './types.ts';

export interface SourceOptions {
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
  readonly hubbleTls?: RelayTlsFiles;
}

export interface SourcePlan {
  readonly inventories: readonly Source[];
  /** Flow files in command-line order; `regular` tells a file from a pipe. */
  readonly files: readonly { readonly source: Source; readonly regular: boolean }[];
  readonly streams: readonly Source[];
}

export function hasSources(o: SourceOptions): boolean {
  return !!(o.inventory?.length || o.flows?.length || o.kubeconfig?.length || o.context?.length || o.allContexts ||
    o.flowsFollow?.length || o.hubbleRelay?.length || o.goldmane?.length);
}

/** A source that only reports why it could not be made (a path that cannot be listed). */
function failedSource(id: string, kind: Source['kind'], cluster: string | undefined, error: Error): Source {
  return { id, kind, ...(cluster !== undefined ? { cluster } : {}), start: () => Promise.reject(error), stop: () => {} };
}

function isRegularFile(file: string): boolean {
  return file !== '-' && (statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
}

/**
 * The sources of these options; `demoDir` reads the demo (inventory and flows) instead. Live
 * clusters load @kubernetes/client-node, so only when asked for.
 */
export async function planSources(options: SourceOptions, demoDir?: string, note: (line: string) => void = () => {}): Promise<SourcePlan> {
  const cluster = demoDir ? undefined : options.cluster;
  const kind = demoDir ? ('demo' as const) : undefined;
  const inventoryPaths = demoDir ? [demoDir] : [...(options.inventory ?? [])];
  const flowPaths = demoDir ? [demoDir] : [...(options.flows ?? [])];
  const inventories = inventoryPaths.length ? [inventoryFilesSource({ paths: inventoryPaths, ...(cluster !== undefined ? { cluster } : {}), ...(kind ? { kind } : {}) })] : [];
  // One connection cache for the files (streams keep their own, saved with their position).
  const connections = new ConnectionCache({});
  const files: { source: Source; regular: boolean }[] = [];
  for (const p of flowPaths) {
    try {
      for (const input of flowFileInputs([p], cluster, (file, reason) => note(`netatlas: note: ${printable(file)}: ${reason}`))) {
        const source = flowFileSource({ path: input.file, ...(input.cluster !== undefined ? { cluster: input.cluster } : {}), walked: input.walked, connections, ...(kind ? { kind } : {}) });
        files.push({ source, regular: isRegularFile(input.file) });
      }
    } catch (error) {
      files.push({ source: failedSource(`flows-file:${p}`, 'flows-file', cluster, error as Error), regular: true });
    }
  }
  const streams: Source[] = [];
  if (!demoDir) {
    if (options.kubeconfig?.length || options.context?.length || options.allContexts) {
      const { liveClusterSources } = await import('./live.ts');
      streams.push(...liveClusterSources({ kubeconfigs: options.kubeconfig, contexts: options.context, allContexts: options.allContexts }));
    }
    for (const address of options.hubbleRelay ?? []) {
      streams.push(relayFlowsSource({ address, ...(cluster !== undefined ? { cluster } : {}), ...(options.hubbleTls ? { tlsFiles: options.hubbleTls } : { tls: false }) }));
    }
    for (const address of options.goldmane ?? []) streams.push(goldmaneFlowsSource({ address, ...(cluster !== undefined ? { cluster } : {}) }));
    for (const path of options.flowsFollow ?? []) streams.push(followFlowsSource({ path, ...(cluster !== undefined ? { cluster } : {}) }));
  }
  return { inventories, files, streams };
}

/**
 * Registers every source of the plan (none started) and returns the plan without repeats: a file
 * or address given twice (or named and also found in a walked folder) is one source, read once.
 */
export function addPlan(manager: SourceManager, plan: SourcePlan, note: (line: string) => void = () => {}): SourcePlan {
  const ids = new Set<string>();
  const once = (s: Source): boolean => {
    if (ids.has(s.id)) {
      note(`netatlas: note: ${printable(s.id)} is given more than once: read once`);
      return false;
    }
    ids.add(s.id);
    manager.add(s);
    return true;
  };
  return { inventories: plan.inventories.filter(once), files: plan.files.filter((f) => once(f.source)), streams: plan.streams.filter(once) };
}

/**
 * Reads the inventories, then the flow files (pipes beside them); `afterEach` runs after each
 * regular file's phase and each pipe (e.g. a flush). Resolves when every finite source is read.
 */
export async function loadFiles(manager: SourceManager, plan: SourcePlan, afterEach: () => void = () => {}): Promise<void> {
  for (const s of plan.inventories) await manager.start(s.id);
  await Promise.all(plan.inventories.map((s) => manager.settled(s.id)));
  const pipes = plan.files.filter((f) => !f.regular).map(async ({ source }) => {
    await manager.start(source.id);
    await manager.settled(source.id);
    afterEach();
  });
  for (const { source } of plan.files.filter((f) => f.regular)) {
    await manager.start(source.id);
    await manager.settled(source.id);
  }
  afterEach();
  await Promise.all(pipes);
}

export async function startStreams(manager: SourceManager, plan: SourcePlan): Promise<void> {
  for (const s of plan.streams) await manager.start(s.id);
}

/** Kinds read to their end; a source of these kinds not yet done or in error keeps the server not ready. */
export const FINITE_KINDS: ReadonlySet<Source['kind']> = new Set(['demo', 'inventory-file', 'flows-file']);
