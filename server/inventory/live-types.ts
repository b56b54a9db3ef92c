/**
 * The live inventory's public types, change-event names and retry backoff. They sit apart from
 * live.ts (which re-exports them) so that cluster-watcher.ts, live-resources.ts and
 * live-contexts.ts can use them without importing live.ts, which imports those modules.
 */
import type { InventoryObject, Warning } from '../../generator/model/index.ts';
import { jittered } from '../sources/backoff.ts';
import type { TemplatePodsMode } from './assemble.ts';
import type { InventoryKind } from './normalize.ts';

/**
 * The kinds a live cluster is watched for: the inventory kinds, and Calico's projectcalico.org/v3
 * policy kinds (named apart from Kubernetes' NetworkPolicy, as the model names them).
 */
export type LiveKind = InventoryKind | 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy' | 'CalicoTier' | 'CalicoNetworkSet' | 'CalicoGlobalNetworkSet' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy' | 'StagedKubernetesNetworkPolicy';

/** Change events, as constants paired with their payload types. */
export const ADD = 'add';
export const UPDATE = 'update';
export const DELETE = 'delete';
/** A cluster's status changed (state, reason, per-kind state). */
export const STATUS = 'status';

export interface InventoryChange {
  readonly type: typeof ADD | typeof UPDATE | typeof DELETE;
  readonly cluster: string;
  readonly object: InventoryObject;
}

export type ClusterState = 'connecting' | 'synced' | 'error';
/** `forbidden`: RBAC denies list/watch (403); `absent`: the API does not serve the kind (404). */
export type KindState = 'pending' | 'synced' | 'error' | 'forbidden' | 'absent';

export interface ClusterStatus {
  readonly cluster: string;
  readonly context: string;
  readonly server?: string;
  readonly state: ClusterState;
  readonly reason?: string;
  /** ms since epoch of the last list or watch event received. */
  readonly lastEventTime?: number;
  readonly kinds: Readonly<Partial<Record<LiveKind, KindState>>>;
  /** Per-kind problems that do not fail the cluster (403, objects that did not normalize). */
  readonly warnings: readonly Warning[];
  /** Objects received but not understood. */
  readonly errors: number;
}

export interface LiveInventoryEvents {
  [ADD]: [InventoryChange];
  [UPDATE]: [InventoryChange];
  [DELETE]: [InventoryChange];
  [STATUS]: [ClusterStatus];
}

export type DelayFn = (ms: number, signal: AbortSignal) => Promise<void>;

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /**
   * Each wait is drawn from [delay * (1 - jitter), delay], so the watchers of many clusters (or
   * many replicas) that lost one API server do not all retry at the same instant. Default 0.5.
   */
  readonly jitter?: number;
}

export interface LiveInventoryOptions {
  /** Kubeconfig files; default: $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfigs?: readonly string[];
  /** Contexts to connect to (searched in every kubeconfig); default: each file's current context. */
  readonly contexts?: readonly string[];
  readonly allContexts?: boolean;
  /** false: list once per kind and stop (no watch, no retry), as `inventory --once`. */
  readonly watch?: boolean;
  readonly kinds?: readonly LiveKind[];
  readonly delayFn?: DelayFn;
  readonly backoff?: BackoffOptions;
  /** A list that takes longer is abandoned and retried. */
  readonly listTimeoutMs?: number;
  readonly pageSize?: number;
  /**
   * Asks the server to end each watch after this long (it resumes at once from the last
   * resourceVersion). A watch silent for this long plus a minute (bookmarks included) is
   * presumed half-open and restarted.
   */
  readonly watchTimeoutSeconds?: number;
  readonly now?: () => number;
  /** Random numbers in [0, 1) for the backoff's jitter (default Math.random). */
  readonly random?: () => number;
  readonly templatePods?: TemplatePodsMode;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000 };

/** Resolves after `ms`, or at once when the signal aborts. */
export const defaultDelay: DelayFn = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Backoff before attempt n (0 = first retry): exponential, capped, jittered down by up to `jitter` of itself; `random` in [0, 1). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random = 0): number {
  return jittered(Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt)), opts.jitter ?? 0.5, random);
}
