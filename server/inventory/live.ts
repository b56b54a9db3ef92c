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
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  Observable,
  Watch,
  type ConfigurationOptions,
} from '@kubernetes/client-node';
import {
  InputError,
  isValidClusterName,
  type Inventory,
  type InventoryObject,
  type Warning,
} from '../../generator/model/index.ts';
import { jittered } from '../sources/backoff.ts';
import { assembleInventory, inventoryObjectId, type TemplatePodsMode } from './assemble.ts';
import { normalizeObject, type InventoryKind } from './normalize.ts';

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

interface ListPage {
  readonly items: unknown[];
  readonly resourceVersion?: string;
  readonly continueToken?: string;
}

interface ResourceDef {
  readonly kind: LiveKind;
  /**
   * The apiVersion and kind the API serves the objects as, when the model names the kind apart
   * (Calico's NetworkPolicy): given to the normalizer for items that do not carry them.
   */
  readonly served?: { readonly apiVersion: string; readonly kind: string };
  /** Collection path for watch, across all namespaces. */
  readonly path: string;
  /** CRDs that may not be installed: a 404 is not a problem. */
  readonly optional?: boolean;
  /** `call` carries the request's AbortSignal (abortable): a timed-out list is cancelled, not left running. */
  readonly list: (kc: KubeConfig, page: { limit: number; _continue?: string }, call: CallOptions) => Promise<unknown>;
}

type CallOptions = ConfigurationOptions;

/** Request options that make client-node's fetch abort with `signal` (a middleware sets it on the request). */
function abortable(signal: AbortSignal): CallOptions {
  return {
    middleware: [{
      pre: (context) => {
        context.setSignal(signal);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    }],
    middlewareMergeStrategy: 'append',
  };
}

const RESOURCES: readonly ResourceDef[] = [
  { kind: 'Namespace', path: '/api/v1/namespaces', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listNamespace(p, o) },
  { kind: 'Node', path: '/api/v1/nodes', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listNode(p, o) },
  { kind: 'Pod', path: '/api/v1/pods', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listPodForAllNamespaces(p, o) },
  { kind: 'Service', path: '/api/v1/services', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces(p, o) },
  {
    kind: 'EndpointSlice', path: '/apis/discovery.k8s.io/v1/endpointslices',
    list: (kc, p, o) => kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces(p, o),
  },
  {
    kind: 'NetworkPolicy', path: '/apis/networking.k8s.io/v1/networkpolicies',
    list: (kc, p, o) => kc.makeApiClient(NetworkingV1Api).listNetworkPolicyForAllNamespaces(p, o),
  },
  { kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listReplicaSetForAllNamespaces(p, o) },
  { kind: 'Deployment', path: '/apis/apps/v1/deployments', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces(p, o) },
  { kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listStatefulSetForAllNamespaces(p, o) },
  { kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listDaemonSetForAllNamespaces(p, o) },
  { kind: 'Job', path: '/apis/batch/v1/jobs', list: (kc, p, o) => kc.makeApiClient(BatchV1Api).listJobForAllNamespaces(p, o) },
  { kind: 'CronJob', path: '/apis/batch/v1/cronjobs', list: (kc, p, o) => kc.makeApiClient(BatchV1Api).listCronJobForAllNamespaces(p, o) },
  // Service address ranges (Kubernetes 1.33+; absent before): the proof's Service-address check.
  {
    kind: 'ServiceCIDR', optional: true, path: '/apis/networking.k8s.io/v1/servicecidrs',
    list: (kc, p, o) => kc.makeApiClient(NetworkingV1Api).listServiceCIDR(p, o),
  },
  // Webhooks the API server calls: the webhook baseline rule admits it into their backends.
  {
    kind: 'ValidatingWebhookConfiguration', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    list: (kc, p, o) => kc.makeApiClient(AdmissionregistrationV1Api).listValidatingWebhookConfiguration(p, o),
  },
  {
    kind: 'MutatingWebhookConfiguration', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    list: (kc, p, o) => kc.makeApiClient(AdmissionregistrationV1Api).listMutatingWebhookConfiguration(p, o),
  },
  {
    kind: 'CustomResourceDefinition', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    list: (kc, p, o) => kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition(p, o),
  },
  ...([['AdminNetworkPolicy', 'adminnetworkpolicies'], ['BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies']] as const).map(
    ([kind, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/policy.networking.k8s.io/v1alpha1/${plural}`,
      list: (kc, p, o) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'policy.networking.k8s.io', version: 'v1alpha1', plural, ...p }, o),
    }),
  ),
  // Custom resources that may not be installed (404: absent): v1alpha2 ClusterNetworkPolicy and
  // Cilium's policies (the namespaced kind listed across namespaces).
  ...([
    ['ClusterNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies'],
    ['CiliumNetworkPolicy', 'cilium.io', 'v2', 'ciliumnetworkpolicies'],
    ['CiliumClusterwideNetworkPolicy', 'cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies'],
  ] as const).map(
    ([kind, group, version, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/${group}/${version}/${plural}`,
      list: (kc, p) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group, version, plural, ...p }),
    }),
  ),
  // Calico's policy API (projectcalico.org/v3, served by the Calico API server; absent without
  // it: crd.projectcalico.org is Calico's storage, not read).
  ...([
    ['CalicoNetworkPolicy', 'NetworkPolicy', 'networkpolicies'],
    ['CalicoGlobalNetworkPolicy', 'GlobalNetworkPolicy', 'globalnetworkpolicies'],
    ['CalicoTier', 'Tier', 'tiers'],
    ['CalicoNetworkSet', 'NetworkSet', 'networksets'],
    ['CalicoGlobalNetworkSet', 'GlobalNetworkSet', 'globalnetworksets'],
    ['StagedNetworkPolicy', 'StagedNetworkPolicy', 'stagednetworkpolicies'],
    ['StagedGlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'stagedglobalnetworkpolicies'],
    ['StagedKubernetesNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'stagedkubernetesnetworkpolicies'],
  ] as const).map(
    ([kind, served, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/projectcalico.org/v3/${plural}`, served: { apiVersion: 'projectcalico.org/v3', kind: served },
      list: (kc, p) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'projectcalico.org', version: 'v3', plural, ...p }),
    }),
  ),
];

export const LIVE_KINDS: readonly LiveKind[] = RESOURCES.map((r) => r.kind);

/** A selected context: its own KubeConfig, never shared. */
export interface ContextTarget {
  readonly cluster: string;
  readonly context: string;
  readonly kubeconfig?: string;
  readonly server?: string;
  readonly kc?: KubeConfig;
  /** Why the context cannot be used (unknown context, unreadable file). */
  readonly problem?: string;
}

/** Turns a context name into a valid cluster name (EKS contexts are ARNs). */
export function clusterNameForContext(context: string): string {
  if (isValidClusterName(context)) return context;
  const cleaned = context.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? 'cluster' : cleaned.slice(-253);
}

/**
 * One fresh KubeConfig per selected context, with only that context (and its cluster and
 * user) loaded and set current.
 */
export function selectContexts(opts: Pick<LiveInventoryOptions, 'kubeconfigs' | 'contexts' | 'allContexts'>): ContextTarget[] {
  const files = opts.kubeconfigs && opts.kubeconfigs.length > 0 ? [...opts.kubeconfigs] : [undefined];
  const loaded: { file?: string; kc?: KubeConfig; problem?: string }[] = files.map((file) => {
    const kc = new KubeConfig();
    try {
      if (file) kc.loadFromFile(file);
      else {
        kc.loadFromDefault();
        // client-node's last resort when nothing is configured: an unauthenticated localhost:8080.
        if (kc.getCurrentCluster()?.server === 'http://localhost:8080' && kc.getCurrentUser()?.name === 'user') {
          return { file, problem: 'no kubeconfig found ($KUBECONFIG unset, ~/.kube/config missing, not in a pod): pass --kubeconfig FILE' };
        }
      }
      return { file, kc };
    } catch (error) {
      return { file, problem: `cannot load kubeconfig ${file ?? '(default)'}: ${(error as Error).message}` };
    }
  });
  const targets: ContextTarget[] = [];
  const seen = new Set<string>();
  const add = (file: string | undefined, base: KubeConfig, context: string) => {
    if (seen.has(context)) return; // the same context in two files: the first file wins
    seen.add(context);
    // Two contexts must never share a cluster name (their objects would mix).
    let cluster = clusterNameForContext(context);
    for (let n = 2; targets.some((t) => t.cluster === cluster); n++) cluster = `${clusterNameForContext(context)}-${n}`;
    const ctx = base.getContextObject(context)!;
    const clusterObj = base.getCluster(ctx.cluster);
    const user = base.getUser(ctx.user);
    if (!clusterObj) {
      targets.push({ cluster, context, ...(file ? { kubeconfig: file } : {}), problem: `context ${context} names cluster ${ctx.cluster}, which the kubeconfig does not define` });
      return;
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [clusterObj], users: user ? [user] : [], contexts: [ctx], currentContext: context });
    targets.push({ cluster, context, ...(file ? { kubeconfig: file } : {}), server: clusterObj.server, kc });
  };
  for (const l of loaded) {
    if (l.problem) targets.push({ cluster: clusterNameForContext(l.file ?? 'default'), context: '', ...(l.file ? { kubeconfig: l.file } : {}), problem: l.problem });
  }
  const usable = loaded.filter((l): l is { file?: string; kc: KubeConfig } => l.kc !== undefined);
  if (opts.contexts && opts.contexts.length > 0) {
    for (const name of opts.contexts) {
      const home = usable.find((l) => l.kc.getContextObject(name));
      if (home) add(home.file, home.kc, name);
      else if (!seen.has(name)) {
        seen.add(name);
        targets.push({ cluster: clusterNameForContext(name), context: name, problem: `context ${name} is not in ${files.map((f) => f ?? '(default kubeconfig)').join(', ')}` });
      }
    }
  } else {
    for (const l of usable) {
      const names = opts.allContexts ? l.kc.getContexts().map((c) => c.name) : [l.kc.getCurrentContext()].filter((n) => n);
      for (const name of names) add(l.file, l.kc, name);
    }
  }
  return targets;
}

function statusCodeOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

function reasonOf(error: unknown): string {
  const code = statusCodeOf(error);
  const e = error as { message?: string; body?: unknown };
  let msg = e?.message ?? String(error);
  // ApiException messages embed the whole response; keep the first line.
  msg = msg.split('\n')[0];
  if (code !== undefined && !msg.includes(String(code))) msg = `HTTP ${code}: ${msg}`;
  return msg.length > 300 ? `${msg.slice(0, 297)}...` : msg;
}

class Gone extends Error {}

/** One signal shared by every kind's delays: one listener each, by design. */
function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

interface Stored {
  readonly object: InventoryObject;
  readonly json: string;
}

/** One cluster: its kinds' loops and stores. */
class ClusterWatcher {
  readonly stores = new Map<LiveKind, Map<string, Stored>>();
  readonly kinds: Partial<Record<LiveKind, KindState>> = {};
  readonly kindErrors = new Map<LiveKind, string>();
  readonly warnings: Warning[] = [];
  errors = 0;
  lastEventTime?: number;
  private stopped = false;
  private readonly abort = abortController();
  private readonly watches = new Set<AbortController>();
  private loops: Promise<void>[] = [];

  constructor(
    readonly target: ContextTarget,
    private readonly resources: readonly ResourceDef[],
    private readonly opts: Required<Pick<LiveInventoryOptions, 'delayFn' | 'backoff' | 'listTimeoutMs' | 'pageSize' | 'now' | 'random' | 'watch' | 'watchTimeoutSeconds'>>,
    private readonly emitChange: (c: InventoryChange) => void,
    private readonly emitStatus: () => void,
  ) {
    for (const r of resources) this.kinds[r.kind] = 'pending';
  }

  status(): ClusterStatus {
    const t = this.target;
    const base = { cluster: t.cluster, context: t.context, ...(t.server ? { server: t.server } : {}), kinds: { ...this.kinds }, warnings: [...this.warnings], errors: this.errors, ...(this.lastEventTime !== undefined ? { lastEventTime: this.lastEventTime } : {}) };
    if (t.problem) return { ...base, kinds: {}, state: 'error', reason: t.problem };
    const states = Object.values(this.kinds);
    const failing = [...this.kindErrors.entries()];
    if (failing.length > 0) {
      // The same reason for every kind (unreachable server): say it once.
      const reasons = [...new Set(failing.map(([, r]) => r))];
      const reason = reasons.length === 1 ? reasons[0] : failing.map(([k, r]) => `${k}: ${r}`).join('; ');
      return { ...base, state: 'error', reason };
    }
    if (states.length > 0 && states.every((s) => s === 'forbidden' || s === 'absent') && states.some((s) => s === 'forbidden')) {
      return { ...base, state: 'error', reason: 'forbidden: the credentials may not list any inventory kind (see docs/inventory.md for the RBAC needed)' };
    }
    if (states.every((s) => s !== 'pending')) return { ...base, state: 'synced' };
    return { ...base, state: 'connecting' };
  }

  start(): void {
    this.emitStatus();
    if (this.target.problem || !this.target.kc) return;
    this.loops = this.resources.map((r) => this.runKind(r, this.target.kc!));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const w of this.watches) w.abort();
  }

  /** Resolves when the loops have ended (after stop, or after a one-shot list). */
  done(): Promise<void> {
    return Promise.allSettled(this.loops).then(() => undefined);
  }

  private touch(): void {
    this.lastEventTime = this.opts.now();
  }

  private setKind(kind: LiveKind, state: KindState, error?: string): void {
    const before = JSON.stringify([this.kinds[kind], this.kindErrors.get(kind)]);
    this.kinds[kind] = state;
    if (error !== undefined) this.kindErrors.set(kind, error);
    else this.kindErrors.delete(kind);
    if (JSON.stringify([state, error]) !== before) this.emitStatus();
  }

  private normalize(r: ResourceDef, raw: unknown): InventoryObject | undefined {
    const served = r.served;
    const obj = served && typeof raw === 'object' && raw !== null ? { apiVersion: served.apiVersion, kind: served.kind, ...raw } : raw;
    const outcome = normalizeObject(obj, { cluster: this.target.cluster, kindHint: served?.kind ?? r.kind, source: {} });
    if (outcome.kind === 'object') return outcome.object;
    this.errors++;
    const w = outcome.kind === 'skipped' ? outcome.warning : { code: 'invalid-object', message: outcome.error.message, ...(outcome.error.location ? { location: outcome.error.location } : {}) };
    if (this.warnings.length < 100) this.warnings.push(w);
    return undefined;
  }

  private upsert(kind: LiveKind, object: InventoryObject): void {
    const store = this.stores.get(kind) ?? new Map<string, Stored>();
    this.stores.set(kind, store);
    const id = inventoryObjectId(object);
    const json = JSON.stringify(object);
    const old = store.get(id);
    if (old && old.json === json) return;
    store.set(id, { object, json });
    this.emitChange({ type: old ? UPDATE : ADD, cluster: this.target.cluster, object });
  }

  private remove(kind: LiveKind, object: InventoryObject): void {
    const store = this.stores.get(kind);
    const id = inventoryObjectId(object);
    const old = store?.get(id);
    if (!store || !old) return;
    store.delete(id);
    this.emitChange({ type: DELETE, cluster: this.target.cluster, object: old.object });
  }

  /**
   * Runs one request with its own AbortController: aborted (the socket closed) after
   * listTimeoutMs, or at once when the watcher stops, so a server that accepts and never answers
   * holds no connection and no shutdown waits for it.
   */
  private async withTimeout<T>(start: (call: CallOptions) => Promise<T>, what: string): Promise<T> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    this.abort.signal.addEventListener('abort', stop, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.opts.listTimeoutMs);
    timer.unref?.();
    const timeout = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error(timedOut ? `${what} timed out after ${this.opts.listTimeoutMs} ms` : `${what} stopped`)), { once: true }));
    try {
      return await Promise.race([start(abortable(controller.signal)), timeout]);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', stop);
    }
  }

  /** Lists every page; replaces the kind's store, emitting the differences. */
  private async list(r: ResourceDef, kc: KubeConfig): Promise<string | undefined> {
    const items: unknown[] = [];
    let resourceVersion: string | undefined;
    let token: string | undefined;
    do {
      const res = (await this.withTimeout((call) => r.list(kc, { limit: this.opts.pageSize, ...(token ? { _continue: token } : {}) }, call), `list ${r.kind}`)) as {
        items?: unknown[];
        metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
      };
      if (this.stopped) return undefined;
      items.push(...(res.items ?? []));
      resourceVersion = res.metadata?.resourceVersion ?? resourceVersion;
      token = res.metadata?._continue ?? res.metadata?.continue ?? undefined;
    } while (token);
    this.touch();
    const fresh = new Map<string, InventoryObject>();
    for (const raw of items) {
      const obj = this.normalize(r, raw);
      if (obj) fresh.set(inventoryObjectId(obj), obj);
    }
    const store = this.stores.get(r.kind) ?? new Map<string, Stored>();
    this.stores.set(r.kind, store);
    for (const [id, old] of [...store.entries()]) {
      if (!fresh.has(id)) {
        store.delete(id);
        this.emitChange({ type: DELETE, cluster: this.target.cluster, object: old.object });
      }
    }
    for (const obj of fresh.values()) this.upsert(r.kind, obj);
    return resourceVersion;
  }

  /**
   * One watch request from `rv`. Resolves with the last resourceVersion seen when the stream
   * ends or drops (resume from there), throws Gone on 410, throws other errors.
   */
  private watchOnce(r: ResourceDef, kc: KubeConfig, rv: string | undefined): Promise<{ rv: string | undefined; events: number }> {
    return new Promise((resolve, reject) => {
      let last = rv;
      let events = 0;
      let started = false;
      let settled = false;
      let controller: AbortController | undefined;
      // A half-open connection never ends by itself: restart a watch that has gone silent.
      let idle: NodeJS.Timeout | undefined;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          controller?.abort();
          finish(null);
        }, (this.opts.watchTimeoutSeconds + 60) * 1000);
        idle.unref?.();
      };
      const finish = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        if (controller) this.watches.delete(controller);
        if (err instanceof Gone || statusCodeOf(err) === 410) reject(new Gone());
        // An error before the stream opened is a failure; after, it is a dropped connection.
        else if (err && !started && !this.stopped) reject(err);
        else resolve({ rv: last, events });
      };
      const onEvent = (phase: string, obj: unknown) => {
        if (settled) return;
        const o = obj as { metadata?: { resourceVersion?: string }; code?: number; kind?: string; message?: string } | undefined;
        if (phase === 'ERROR') {
          const code = o?.code;
          controller?.abort();
          finish(code === 410 ? new Gone() : Object.assign(new Error(o?.message ?? 'watch ERROR event'), { statusCode: code }));
          return;
        }
        this.touch();
        armIdle();
        events++;
        if (o?.metadata?.resourceVersion) last = o.metadata.resourceVersion;
        if (phase === 'BOOKMARK') return;
        const object = this.normalize(r, obj);
        if (!object) return;
        if (phase === 'DELETED') this.remove(r.kind, object);
        else this.upsert(r.kind, object);
      };
      new Watch(kc)
        .watch(r.path, { allowWatchBookmarks: true, timeoutSeconds: this.opts.watchTimeoutSeconds, ...(rv ? { resourceVersion: rv } : {}) }, onEvent, (err) => finish(err))
        .then((c) => {
          controller = c;
          if (settled) return;
          started = true;
          armIdle();
          this.watches.add(c);
          if (this.stopped) c.abort();
        }, (err) => finish(err));
    });
  }

  private async runKind(r: ResourceDef, kc: KubeConfig): Promise<void> {
    let failures = 0;
    let gones = 0;
    while (!this.stopped) {
      let rv: string | undefined;
      try {
        rv = await this.list(r, kc);
        if (this.stopped) return;
        this.setKind(r.kind, 'synced');
        failures = 0;
        if (!this.opts.watch) return;
        let drops = 0;
        for (;;) {
          if (this.stopped) return;
          const res = await this.watchOnce(r, kc, rv);
          rv = res.rv;
          drops = res.events > 0 ? 0 : drops + 1;
          gones = 0; // a watch that opened and ended normally: the next 410 is ordinary compaction
          // A stream that keeps ending without events must not spin: back off.
          if (drops > 1) await this.opts.delayFn(backoffDelay(drops - 2, this.opts.backoff, this.opts.random()), this.abort.signal);
        }
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof Gone) {
          // Relist at once; a server that keeps answering 410 right after a list gets backoff.
          if (gones++ > 0) await this.opts.delayFn(backoffDelay(gones - 2, this.opts.backoff, this.opts.random()), this.abort.signal);
          continue;
        }
        const code = statusCodeOf(error);
        if (code === 403) {
          this.warnings.push({ code: 'forbidden', message: `netatlas/inventory: ${this.target.cluster} may not list/watch ${r.kind} (403): ${reasonOf(error)}. Grant list and watch on it (docs/inventory.md); the other kinds still load.`, location: { object: `${this.target.cluster}/${r.kind}` } });
          this.setKind(r.kind, 'forbidden');
          return;
        }
        if (code === 404 && r.optional) {
          this.setKind(r.kind, 'absent');
          return;
        }
        this.setKind(r.kind, 'error', reasonOf(error));
        if (!this.opts.watch) return;
        await this.opts.delayFn(backoffDelay(failures++, this.opts.backoff, this.opts.random()), this.abort.signal);
      }
    }
  }
}

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
