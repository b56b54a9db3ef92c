/**
 * Live inventory from Kubernetes API servers: list+watch per kind and per cluster, with
 * @kubernetes/client-node 1.4.
 *
 * - One KubeConfig object per context, built fresh with that context current: switching the
 *   current context of a shared KubeConfig mixes one cluster's URL with another's credentials.
 * - The first list goes through the typed API (typed models: Date fields, `_from`); watch
 *   events arrive as plain JSON. The one normalizer accepts both.
 * - A watch that ends or drops resumes from the last resourceVersion; 410 Gone (HTTP 410 or
 *   an ERROR event with a Status code 410) triggers a relist; other errors restart the kind
 *   with exponential backoff through an injectable delay (tests never sleep).
 * - A 403 on a kind is a per-kind warning, not a cluster failure; a 404 on the optional
 *   AdminNetworkPolicy kinds means the CRDs are not installed. One unreachable cluster is
 *   reported in its status and never stops the others.
 *
 * This module holds LiveInventory and re-exports the public API; the parts live beside it:
 * live-types.ts (types, event names, backoff), live-resources.ts (the kinds and their list
 * calls), live-contexts.ts (kubeconfig context selection), cluster-watcher.ts (one cluster's
 * list+watch loops).
 */
import { EventEmitter } from 'node:events';
import { InputError, type Inventory, type InventoryObject, type Warning } from '../../generator/model/index.ts';
import { assembleInventory, type TemplatePodsMode } from './assemble.ts';
import { ClusterWatcher } from './cluster-watcher.ts';
import { selectContexts, type ContextTarget } from './live-contexts.ts';
import { LIVE_KINDS, RESOURCES } from './live-resources.ts';
import {
  DEFAULT_BACKOFF,
  STATUS,
  defaultDelay,
  type ClusterStatus,
  type LiveInventoryEvents,
  type LiveInventoryOptions,
} from './live-types.ts';

export {
  ADD,
  DELETE,
  STATUS,
  UPDATE,
  DEFAULT_BACKOFF,
  backoffDelay,
  defaultDelay,
  type BackoffOptions,
  type ClusterState,
  type ClusterStatus,
  type DelayFn,
  type InventoryChange,
  type KindState,
  type LiveInventoryEvents,
  type LiveInventoryOptions,
  type LiveKind,
} from './live-types.ts';
export { LIVE_KINDS } from './live-resources.ts';
export { clusterNameForContext, selectContexts, type ContextTarget } from './live-contexts.ts';

/**
 * The inventory of live clusters, kept current by list+watch. `snapshot()` is a consistent
 * Inventory at any time; listen to ADD/UPDATE/DELETE/STATUS for changes.
 */
export class LiveInventory extends EventEmitter<LiveInventoryEvents> {
  private readonly watchers: ClusterWatcher[];
  private readonly templatePods: TemplatePodsMode;

  constructor(opts: LiveInventoryOptions = {}, targets: readonly ContextTarget[] = selectContexts(opts)) {
    super();
    const kinds = opts.kinds ?? LIVE_KINDS;
    const resources = RESOURCES.filter((r) => kinds.includes(r.kind));
    const settings = {
      delayFn: opts.delayFn ?? defaultDelay,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      listTimeoutMs: opts.listTimeoutMs ?? 30_000,
      random: opts.random ?? Math.random,
      pageSize: opts.pageSize ?? 500,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
      now: opts.now ?? Date.now,
      watch: opts.watch ?? true,
    };
    this.templatePods = opts.templatePods ?? 'never';
    this.watchers = targets.map((t) => {
      const w: ClusterWatcher = new ClusterWatcher(t, resources, settings, (c) => this.emit(c.type, c), () => this.emit(STATUS, w.status()));
      return w;
    });
  }

  /** Starts every cluster; never throws for a cluster's problem (see status()). */
  start(): void {
    for (const w of this.watchers) w.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.stop()));
  }

  /** With `watch: false`: resolves when every kind of every cluster has been listed once. */
  async done(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.done()));
  }

  /** Resolves when no cluster is `connecting` any more (each synced or in error). */
  whenSettled(): Promise<ClusterStatus[]> {
    return new Promise((resolve) => {
      const check = () => {
        const all = this.status();
        if (all.every((s) => s.state !== 'connecting')) {
          this.off(STATUS, check);
          resolve(all);
        }
      };
      this.on(STATUS, check);
      check();
    });
  }

  status(): ClusterStatus[] {
    return this.watchers.map((w) => w.status());
  }

  snapshot(): Inventory {
    const objects: InventoryObject[] = [];
    for (const w of this.watchers) for (const store of w.stores.values()) for (const s of store.values()) objects.push(s.object);
    return assembleInventory(objects, [], { templatePods: this.templatePods, clusters: this.watchers.map((w) => w.target.cluster) });
  }

  /** Problems that are not a cluster failure, as InputErrors for reports. */
  problems(): { warnings: Warning[]; errors: InputError[] } {
    const warnings = this.watchers.flatMap((w) => w.warnings);
    const errors = this.status().filter((s) => s.state === 'error').map((s) => new InputError(`netatlas/inventory: cluster ${s.cluster}${s.context && s.context !== s.cluster ? ` (context ${s.context})` : ''}: ${s.reason}`, { object: s.cluster }));
    return { warnings, errors };
  }
}
