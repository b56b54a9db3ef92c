/**
 * A local HTTP server speaking the Kubernetes list/watch protocol, enough for LiveInventory:
 * - GET <collection> lists with metadata.resourceVersion, items without kind, limit/continue;
 * - GET <collection>?watch=true&resourceVersion=N streams chunked `{"type":...,"object":...}`
 *   lines: the events after N, then live ones;
 * - 410 Gone for a resourceVersion older than the last compaction, as HTTP 410 or as an
 *   ERROR event carrying a Status with code 410;
 * - dropped connections (sockets destroyed mid-stream), forbidden (403) and failing (500)
 *   collections, and 404 for collections it does not serve.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export interface RecordedRequest {
  readonly path: string;
  readonly watch: boolean;
  readonly resourceVersion?: string;
  readonly authorization?: string;
  /** The HTTP status answered. */
  code?: number;
}

interface Collection {
  readonly listKind: string;
  readonly apiVersion: string;
  readonly objects: Map<string, Record<string, unknown>>;
  readonly history: { rv: number; line: string }[];
}

/** Collection paths of the kinds LiveInventory lists (ANP/BANP are not served by default). */
export const CORE_COLLECTIONS: Record<string, [listKind: string, apiVersion: string]> = {
  '/api/v1/namespaces': ['NamespaceList', 'v1'],
  '/api/v1/nodes': ['NodeList', 'v1'],
  '/api/v1/pods': ['PodList', 'v1'],
  '/api/v1/services': ['ServiceList', 'v1'],
  '/apis/discovery.k8s.io/v1/endpointslices': ['EndpointSliceList', 'discovery.k8s.io/v1'],
  '/apis/networking.k8s.io/v1/networkpolicies': ['NetworkPolicyList', 'networking.k8s.io/v1'],
  '/apis/apps/v1/replicasets': ['ReplicaSetList', 'apps/v1'],
  '/apis/apps/v1/deployments': ['DeploymentList', 'apps/v1'],
  '/apis/apps/v1/statefulsets': ['StatefulSetList', 'apps/v1'],
  '/apis/apps/v1/daemonsets': ['DaemonSetList', 'apps/v1'],
  '/apis/batch/v1/jobs': ['JobList', 'batch/v1'],
  '/apis/batch/v1/cronjobs': ['CronJobList', 'batch/v1'],
  '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations': ['ValidatingWebhookConfigurationList', 'admissionregistration.k8s.io/v1'],
  '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': ['MutatingWebhookConfigurationList', 'admissionregistration.k8s.io/v1'],
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions': ['CustomResourceDefinitionList', 'apiextensions.k8s.io/v1'],
};

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

const keyOf = (o: Record<string, unknown>) => {
  const m = o.metadata as { name: string; namespace?: string };
  return `${m.namespace ?? ''}/${m.name}`;
};

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly collections = new Map<string, Collection>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly watchers = new Map<string, Set<http.ServerResponse>>();
  private readonly sockets = new Set<Socket>();
  private rv = 100;
  private compactedBefore = 0;
  /** Collections answering 403, and how many more times a collection answers 500. */
  readonly forbidden = new Set<string>();
  readonly failures = new Map<string, number>();

  constructor() {
    for (const [path, [listKind, apiVersion]] of Object.entries(CORE_COLLECTIONS)) this.serve(path, listKind, apiVersion);
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  serve(path: string, listKind: string, apiVersion: string): void {
    this.collections.set(path, { listKind, apiVersion, objects: new Map(), history: [] });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Lists and watches seen for a collection. */
  count(path: string, watch: boolean): number {
    return this.requests.filter((r) => r.path === path && r.watch === watch).length;
  }

  private collection(path: string): Collection {
    const c = this.collections.get(path);
    if (!c) throw new Error(`fake-apiserver: ${path} is not served`);
    return c;
  }

  /** ADDED or MODIFIED (if the object exists), with a new resourceVersion. */
  put(path: string, object: Record<string, unknown>): void {
    const c = this.collection(path);
    const key = keyOf(object);
    const type = c.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.rv++;
    const stored = { ...object, metadata: { ...(object.metadata as object), resourceVersion: String(this.rv) } };
    c.objects.set(key, stored);
    this.publish(path, c, type, stored);
  }

  delete(path: string, name: string, namespace?: string): void {
    const c = this.collection(path);
    const key = `${namespace ?? ''}/${name}`;
    const old = c.objects.get(key);
    if (!old) return;
    c.objects.delete(key);
    this.rv++;
    this.publish(path, c, 'DELETED', { ...old, metadata: { ...(old.metadata as object), resourceVersion: String(this.rv) } });
  }

  private publish(path: string, c: Collection, type: string, object: Record<string, unknown>): void {
    const [kind] = [c.listKind.replace(/List$/, '')];
    const line = `${JSON.stringify({ type, object: { kind, apiVersion: c.apiVersion, ...object } })}\n`;
    c.history.push({ rv: this.rv, line });
    for (const res of this.watchers.get(path) ?? []) res.write(line);
  }

  /**
   * Compacts history: every resourceVersion seen so far becomes too old. Open watches get an
   * ERROR event with a 410 Status (`event`), or are closed so that the next watch request
   * gets HTTP 410 (`http`).
   */
  expire(mode: 'event' | 'http'): void {
    this.rv++;
    this.compactedBefore = this.rv;
    for (const set of this.watchers.values()) {
      for (const res of set) {
        if (mode === 'event') res.write(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(status(410, 'Expired', 'too old resource version')) })}\n`);
        res.end();
      }
      set.clear();
    }
  }

  /** Destroys the sockets of open watches, as a network cut would. */
  dropWatches(): void {
    for (const set of this.watchers.values()) {
      for (const res of set) res.socket?.destroy();
      set.clear();
    }
  }

  openWatches(path: string): number {
    return this.watchers.get(path)?.size ?? 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const rvParam = url.searchParams.get('resourceVersion') ?? undefined;
    const record: RecordedRequest = { path, watch, ...(rvParam ? { resourceVersion: rvParam } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    this.requests.push(record);
    const send = (code: number, body: string) => {
      record.code = code;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(body);
    };
    const c = this.collections.get(path);
    if (req.method !== 'GET' || !c) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${path})`));
    if (this.forbidden.has(path)) return send(403, status(403, 'Forbidden', `forbidden: cannot list resource at ${path}`));
    const failing = this.failures.get(path) ?? 0;
    if (failing > 0) {
      this.failures.set(path, failing - 1);
      return send(500, status(500, 'InternalError', 'etcd is having a bad day'));
    }
    if (!watch) {
      const all = [...c.objects.values()];
      const limit = Number(url.searchParams.get('limit') ?? '0');
      const offset = Number(url.searchParams.get('continue') ?? '0');
      const items = limit > 0 ? all.slice(offset, offset + limit) : all;
      const more = limit > 0 && offset + limit < all.length;
      return send(200, JSON.stringify({
        kind: c.listKind, apiVersion: c.apiVersion,
        metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(offset + limit) } : {}) },
        items,
      }));
    }
    const from = rvParam === undefined || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (from !== undefined && from < this.compactedBefore) {
      return send(410, status(410, 'Expired', `too old resource version: ${from} (${this.compactedBefore})`));
    }
    record.code = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from === undefined) {
      for (const o of c.objects.values()) res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: c.listKind.replace(/List$/, ''), apiVersion: c.apiVersion, ...o } })}\n`);
    } else {
      for (const h of c.history) if (h.rv > from) res.write(h.line);
    }
    const set = this.watchers.get(path) ?? new Set();
    this.watchers.set(path, set);
    set.add(res);
    res.on('close', () => set.delete(res));
  }
}

/** A port on 127.0.0.1 that nothing listens on (an unreachable cluster). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A kubeconfig file in `dir` with one context per cluster (context `name`, cluster `name-cluster`,
 * user `name-user` with a bearer token, TLS not verified). `current` defaults to the first.
 */
export function writeKubeconfig(dir: string, clusters: readonly { name: string; server: string; token?: string }[], current = clusters[0].name): string {
  const file = path.join(dir, 'kubeconfig.yaml');
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${current}`,
    'clusters:',
    ...clusters.flatMap((c) => [`- name: ${c.name}-cluster`, '  cluster:', `    server: ${c.server}`, '    insecure-skip-tls-verify: true']),
    'users:',
    ...clusters.flatMap((c) => [`- name: ${c.name}-user`, '  user:', `    token: ${c.token ?? `token-${c.name}`}`]),
    'contexts:',
    ...clusters.flatMap((c) => [`- name: ${c.name}`, '  context:', `    cluster: ${c.name}-cluster`, `    user: ${c.name}-user`]),
  ].join('\n');
  writeFileSync(file, `${yaml}\n`);
  return file;
}
