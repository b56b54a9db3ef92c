/**
 * The live sources through the server: a local Kubernetes list/watch server (two contexts, one
 * unreachable) and a local Hubble Relay replaying flows, wired by startServer, observed only
 * through the HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayRelay, type ReplayRelay } from '../../../server/flows/relay/replay-server.ts';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';
import type { ClustersResponse, GraphResponse } from '../../../server/http/api-types.ts';
import { closedPort, FakeApiServer, writeKubeconfig } from '../inventory/fake-apiserver.ts';

const NS = 'shop';
const CREATED = '2024-05-01T10:00:00Z';

function deployment(name: string) {
  return { metadata: { name, namespace: NS, uid: `uid-deploy-${name}`, labels: { app: name }, creationTimestamp: CREATED }, spec: { replicas: 1, selector: { matchLabels: { app: name } } } };
}
function replicaSet(name: string) {
  return {
    metadata: {
      name: `${name}-5d8f7`, namespace: NS, uid: `uid-rs-${name}`, labels: { app: name }, creationTimestamp: CREATED,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `uid-deploy-${name}`, controller: true }],
    },
    spec: { selector: { matchLabels: { app: name } } },
  };
}
function pod(name: string, ip: string) {
  return {
    metadata: {
      name: `${name}-5d8f7-x1`, namespace: NS, uid: `uid-pod-${name}`, labels: { app: name }, creationTimestamp: CREATED,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-5d8f7`, uid: `uid-rs-${name}`, controller: true }],
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: CREATED },
  };
}
function service(name: string, clusterIP: string) {
  return { metadata: { name, namespace: NS, uid: `uid-svc-${name}`, creationTimestamp: CREATED }, spec: { clusterIP, clusterIPs: [clusterIP], selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } };
}

/** One TCP SYN (a new connection) from one pod to another, as `hubble observe -o jsonpb` prints it. */
function flow(from: { pod: string; ip: string; app: string }, to: { pod: string; ip: string; app: string }, port: number, time: Date, sourcePort = 40_000 + port) {
  const endpoint = (e: typeof from) => ({
    ID: 100, identity: 30_000, namespace: NS, pod_name: e.pod,
    labels: [`k8s:app=${e.app}`, `k8s:io.kubernetes.pod.namespace=${NS}`],
  });
  return {
    flow: {
      time: time.toISOString(), verdict: 'FORWARDED',
      IP: { source: from.ip, destination: to.ip, ipVersion: 'IPv4' },
      l4: { TCP: { source_port: sourcePort, destination_port: port, flags: { SYN: true } } },
      source: endpoint(from), destination: endpoint(to),
      Type: 'L3_L4', node_name: 'node-1', is_reply: false, traffic_direction: 'EGRESS', trace_observation_point: 'TO_ENDPOINT',
    },
    node_name: 'node-1', time: time.toISOString(),
  };
}

/** Polls `probe` every 50 ms until it returns a value (not undefined), or fails at the deadline with the last value seen. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise<void>((r) => setTimeout(r, 50));
  }
}

const WEB = { pod: 'web-5d8f7-x1', ip: '10.1.0.11', app: 'web' };
const API = { pod: 'api-5d8f7-x1', ip: '10.1.0.12', app: 'api' };
const DB = { pod: 'db-5d8f7-x1', ip: '10.1.0.13', app: 'db' };

let api: FakeApiServer;
let relay: ReplayRelay;
let running: RunningServer;
let dir: string;
// The relay client subscribes with follow and no history: flows are pushed once it listens.
let subscribed!: () => void;
const firstRequest = new Promise<void>((r) => { subscribed = r; });
let unreachable: string;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-live-'));
  api = new FakeApiServer();
  api.put('/api/v1/namespaces', { metadata: { name: NS, uid: 'uid-ns-shop', labels: { 'kubernetes.io/metadata.name': NS }, creationTimestamp: CREATED } });
  for (const [name, ip, svcIp] of [['web', WEB.ip, '10.96.0.11'], ['api', API.ip, '10.96.0.12']] as const) {
    api.put('/apis/apps/v1/deployments', deployment(name));
    api.put('/apis/apps/v1/replicasets', replicaSet(name));
    api.put('/api/v1/pods', pod(name, ip));
    api.put('/api/v1/services', service(name, svcIp));
  }
  const server = await api.listen();
  unreachable = `https://127.0.0.1:${await closedPort()}`;
  const kubeconfig = writeKubeconfig(dir, [{ name: 'live', server }, { name: 'gone', server: unreachable }]);

  relay = await startReplayRelay({ responses: [], onRequest: () => subscribed() });

  running = await startServer({
    port: 0, host: '127.0.0.1', db: ':memory:', rateLimit: false, demo: false, log: (l) => logs.push(l),
    kubeconfig: [kubeconfig], context: ['live', 'gone'], hubbleRelay: [relay.address], cluster: 'live', flushIntervalMs: 50,
  });
  await firstRequest;
}, 20_000);

afterAll(async () => {
  await running?.close();
  await relay?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const clusters = async (): Promise<ClustersResponse> => (await request(running.server).get('/api/v1/clusters').expect(200)).body as ClustersResponse;
const graph = async (): Promise<GraphResponse> => (await request(running.server).get('/api/v1/graph?level=workload').expect(200)).body as GraphResponse;
const workload = (name: string) => `wl:live/${NS}/Deployment/${name}`;

/** Waits until the live cluster's inventory is in the graph (flows seen before it are attributed to bare pods). */
const liveSynced = () => until('the live inventory to be applied', async () => {
  const live = (await clusters()).clusters.find((c) => c.name === 'live');
  return live?.counts.pods === 2 ? live : undefined;
});

describe('startServer with a live cluster, an unreachable one and a Hubble Relay', () => {
  it('reports the live cluster synced with its inventory, the unreachable one with the reason, and the relay connected', async () => {
    const body = await until('both clusters and the relay to settle', async () => {
      const b = await clusters();
      const live = b.clusters.find((c) => c.name === 'live');
      const gone = b.clusters.find((c) => c.name === 'gone');
      const relaySource = b.sources.find((s) => s.kind === 'hubble-relay');
      const ready = live?.sources.some((s) => s.kind === 'kubernetes' && s.state === 'connected') && live.counts.pods === 2
        && gone?.sources.some((s) => s.reason) && relaySource?.state === 'connected';
      return ready ? b : undefined;
    });
    const live = body.clusters.find((c) => c.name === 'live')!;
    expect(live.counts).toMatchObject({ namespaces: 1, pods: 2, services: 2, workloads: 2 });
    expect(live.sources.find((s) => s.kind === 'kubernetes')?.state).toBe('connected');
    const gone = body.clusters.find((c) => c.name === 'gone')!;
    expect(gone.state).not.toBe('connected');
    expect(gone.counts.pods).toBe(0);
    const goneSource = gone.sources.find((s) => s.kind === 'kubernetes')!;
    expect(['stale', 'error']).toContain(goneSource.state);
    expect(goneSource.reason).toMatch(/ECONNREFUSED|connect|refused/i);
    expect(body.sources.find((s) => s.id === `hubble-relay:${relay.address}`)?.state).toBe('connected');
  });

  it('serves the workloads listed by the API server and the edges of the relayed flows between them', async () => {
    await liveSynced();
    const now = new Date();
    relay.push([flow(WEB, API, 8080, now), flow(WEB, API, 8080, new Date(now.getTime() + 1), 40_001), flow(API, WEB, 9090, new Date(now.getTime() + 2))]);
    const g = await until('the relayed flows to become edges', async () => {
      const v = await graph();
      const total = v.edges.reduce((n, e) => n + e.count, 0);
      return total >= 3 ? v : undefined;
    });
    const keys = g.nodes.map((n) => n.key);
    expect(keys).toEqual(expect.arrayContaining([workload('web'), workload('api')]));
    const edges = g.edges.map((e) => ({ source: e.source, target: e.target, port: e.port, count: e.count }));
    expect(edges).toEqual(expect.arrayContaining([
      expect.objectContaining({ source: workload('web'), target: workload('api'), port: 8080, count: 2 }),
      expect.objectContaining({ source: workload('api'), target: workload('web'), port: 9090, count: 1 }),
    ]));
  });

  it('shows a pod added on the API server after the first sync (a watch event) in the graph, with its flows', async () => {
    api.put('/apis/apps/v1/deployments', deployment('db'));
    api.put('/apis/apps/v1/replicasets', replicaSet('db'));
    api.put('/api/v1/pods', pod('db', DB.ip));
    const g = await until('the watched pod to appear', async () => {
      const v = await graph();
      return v.nodes.some((n) => n.key === workload('db')) ? v : undefined;
    });
    expect(g.nodes.find((n) => n.key === workload('db'))).toBeDefined();
    const c = await clusters();
    expect(c.clusters.find((x) => x.name === 'live')?.counts.pods).toBe(3);
    relay.push([flow(API, DB, 5432, new Date())]);
    const withEdge = await until('the flow to the new pod to become an edge', async () => {
      const v = await graph();
      return v.edges.some((e) => e.source === workload('api') && e.target === workload('db')) ? v : undefined;
    });
    expect(withEdge.edges.find((e) => e.target === workload('db'))?.port).toBe(5432);
  });
});
