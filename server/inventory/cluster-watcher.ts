/**
 * One cluster's list+watch loops and object stores (ClusterWatcher), with its error helpers.
 * A watch that ends or drops resumes from the last resourceVersion; 410 Gone relists; other
 * errors restart the kind with backoff; 403 and an optional kind's 404 are per-kind states.
 * LiveInventory (live.ts) runs one ClusterWatcher per selected context.
 */
import { setMaxListeners } from 'node:events';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { InventoryObject, Warning } from '../../generator/model/index.ts';
import { inventoryObjectId } from './assemble.ts';
import type { ContextTarget } from './live-contexts.ts';
import { abortable, type CallOptions, type ResourceDef } from './live-resources.ts';
import {
  ADD,
  DELETE,
  UPDATE,
  backoffDelay,
  type ClusterStatus,
  type InventoryChange,
  type KindState,
  type LiveInventoryOptions,
  type LiveKind,
} from './live-types.ts';
import { normalizeObject } from './normalize.ts';

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
export class ClusterWatcher {
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
