/**
 * Live clusters as sources: one source per kubeconfig context, each its own LiveInventory
 * (server/inventory/live.ts), so one unreachable API server is one source in error and the
 * other clusters go on. Changes are sent as fresh snapshots of that cluster, at most once per
 * `intervalMs` (injectable timers), and at once when the cluster first syncs.
 */
import type { Inventory } from '../../generator/model/index.ts';
import {
  ADD,
  DELETE,
  LiveInventory,
  STATUS,
  UPDATE,
  selectContexts,
  type ClusterStatus,
  type ContextTarget,
  type LiveInventoryOptions,
} from '../inventory/live.ts';
import type { Source, SourceReport, SourceState } from './types.ts';

/** The part of LiveInventory a source uses (tests inject a fake). */
export interface LiveInventoryLike {
  on(event: typeof ADD | typeof UPDATE | typeof DELETE, fn: (change: { cluster: string }) => void): unknown;
  on(event: typeof STATUS, fn: (status: ClusterStatus) => void): unknown;
  start(): void;
  stop(): Promise<void>;
  status(): ClusterStatus[];
  snapshot(): Inventory;
}

export interface LiveClusterSourceOptions {
  readonly target: ContextTarget;
  readonly inventoryOptions?: LiveInventoryOptions;
  readonly intervalMs?: number;
  readonly timers?: { setInterval(fn: () => void, ms: number): unknown; clearInterval(handle: unknown): void };
  readonly create?: (target: ContextTarget, options: LiveInventoryOptions) => LiveInventoryLike;
}

export function clusterStateToSource(state: ClusterStatus['state']): SourceState {
  return state === 'synced' ? 'connected' : state === 'error' ? 'error' : 'starting';
}

function countObjects(inv: Inventory): number {
  return inv.namespaces.length + inv.pods.length + inv.workloads.length + inv.services.length + inv.endpointSlices.length +
    inv.nodes.length + inv.networkPolicies.length + inv.adminNetworkPolicies.length;
}

export function liveClusterSource(options: LiveClusterSourceOptions): Source {
  const { target } = options;
  const create: (t: ContextTarget, o: LiveInventoryOptions) => LiveInventoryLike = options.create ?? ((t, o) => new LiveInventory(o, [t]));
  const timers = options.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
  let live: LiveInventoryLike | undefined;
  let handle: unknown;
  const report = (): SourceReport => {
    if (target.problem) return { state: 'error', reason: target.problem };
    const s = live?.status()[0];
    if (!s) return { state: 'starting' };
    return { state: clusterStateToSource(s.state), ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) };
  };
  return {
    id: `kubernetes:${target.cluster}`,
    kind: 'kubernetes',
    cluster: target.cluster,
    start(ctx) {
      if (target.problem) throw new Error(target.problem);
      const inventory = create(target, { watch: true, ...options.inventoryOptions });
      live = inventory;
      let dirty = false;
      let synced = false;
      const send = (): void => {
        if (!dirty) return;
        dirty = false;
        const snap = inventory.snapshot();
        ctx.emitInventory(target.cluster, snap, countObjects(snap));
      };
      const mark = (): void => {
        dirty = true;
      };
      inventory.on(ADD, mark);
      inventory.on(UPDATE, mark);
      inventory.on(DELETE, mark);
      let errors = 0;
      inventory.on(STATUS, (s: ClusterStatus) => {
        // Objects received but not understood are this source's errors, as for a malformed flow line.
        for (; errors < s.errors; errors++) ctx.error(`kubernetes:${target.cluster}: an object from the API server was not understood${s.reason ? ` (${s.reason})` : ''}`);
        if (s.state === 'synced' && !synced) {
          synced = true;
          dirty = true;
          send();
        }
        ctx.report(report());
      });
      handle = timers.setInterval(send, options.intervalMs ?? 1000);
      inventory.start();
    },
    async stop() {
      if (handle !== undefined) timers.clearInterval(handle);
      await live?.stop();
    },
    report,
  };
}

/** One source per selected context (`--kubeconfig`, `--context`, `--all-contexts`). */
export function liveClusterSources(options: LiveInventoryOptions & Pick<LiveClusterSourceOptions, 'intervalMs' | 'timers' | 'create'> = {}): Source[] {
  const { intervalMs, timers, create, ...inventoryOptions } = options;
  return selectContexts(inventoryOptions).map((target) =>
    liveClusterSource({ target, inventoryOptions, ...(intervalMs !== undefined ? { intervalMs } : {}), ...(timers ? { timers } : {}), ...(create ? { create } : {}) }),
  );
}
