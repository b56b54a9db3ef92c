import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADD,
  DELETE,
  LiveInventory,
  STATUS,
  UPDATE,
  clusterNameForContext,
  selectContexts,
  type ClusterStatus,
  type DelayFn,
  type InventoryChange,
} from '../../../server/inventory/live.ts';
import { closedPort, FakeApiServer, writeKubeconfig } from './fake-apiserver.ts';

const PODS = '/api/v1/pods';

const podObject = (name: string, ip: string, labels: Record<string, string> = { app: name }) => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, labels, creationTimestamp: '2024-05-01T10:00:00Z' },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: '2024-05-01T10:00:01Z' },
});

/** Resolves on the first event of `type` matching the predicate (no sleeping, no polling). */
function next<T extends typeof ADD | typeof UPDATE | typeof DELETE | typeof STATUS>(
  live: LiveInventory,
  type: T,
  predicate: (e: T extends typeof STATUS ? ClusterStatus : InventoryChange) => boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const listener = (e: never) => {
      if (predicate(e)) {
        live.off(type, listener as never);
        resolve();
      }
    };
    live.on(type, listener as never);
  });
}

/** Records the backoff asked for; resolves at once for the first `free` calls, then waits for stop. */
function recordingDelay(free: number): { delays: number[]; delayFn: DelayFn } {
  const delays: number[] = [];
  return {
    delays,
    delayFn: (ms, signal) => {
      delays.push(ms);
      if (delays.length <= free) return Promise.resolve();
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
}

let api: FakeApiServer;
let other: FakeApiServer;
let kubeconfig: string;
let live: LiveInventory | undefined;

beforeEach(async () => {
  api = new FakeApiServer();
  other = new FakeApiServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'netatlas-live-'));
  api.put('/api/v1/namespaces', { metadata: { name: 'shop', labels: { team: 'web' } } });
  api.put(PODS, podObject('web-1', '10.0.0.1'));
  api.put('/api/v1/services', { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  api.put('/apis/networking.k8s.io/v1/networkpolicies', {
    metadata: { name: 'deny', namespace: 'shop' },
    spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] },
  });
  other.put(PODS, podObject('db-1', '10.8.0.1'));
  kubeconfig = await writeKubeconfig(dir, [
    { name: 'alpha', server: await api.listen(), token: 'token-alpha' },
    { name: 'beta', server: await other.listen(), token: 'token-beta' },
    { name: 'down', server: `http://127.0.0.1:${await closedPort()}`, token: 'token-down' },
  ], 'alpha');
});

afterEach(async () => {
  await live?.stop();
  live = undefined;
  await api.close();
  await other.close();
});

function start(contexts: string[], delayFn: DelayFn = recordingDelay(0).delayFn): LiveInventory {
  live = new LiveInventory({ kubeconfigs: [kubeconfig], contexts, delayFn, now: () => 1_700_000_000_000, random: () => 0 });
  live.start();
  return live;
}

describe('selectContexts', () => {
  it('builds one KubeConfig per context, each with only its own cluster and user', () => {
    const targets = selectContexts({ kubeconfigs: [kubeconfig], allContexts: true });
    expect(targets.map((t) => t.cluster)).toEqual(['alpha', 'beta', 'down']);
    const [alpha, beta] = targets;
    expect(alpha.kc!.getCurrentContext()).toBe('alpha');
    expect(alpha.kc!.getClusters().map((c) => c.name)).toEqual(['alpha-cluster']);
    expect(alpha.kc!.getCurrentUser()?.token).toBe('token-alpha');
    expect(beta.kc!.getCurrentUser()?.token).toBe('token-beta');
    expect(alpha.kc).not.toBe(beta.kc);
  });

  it('names clusters after contexts, made valid and kept distinct', async () => {
    expect(clusterNameForContext('arn:aws:eks:eu-west-1:123:cluster/prod')).toBe('arn-aws-eks-eu-west-1-123-cluster-prod');
    expect(clusterNameForContext('kind-dev')).toBe('kind-dev');
    const dir = await mkdtemp(path.join(tmpdir(), 'netatlas-names-'));
    const file = await writeKubeconfig(dir, [{ name: 'a:b', server: 'https://a', token: 'x' }, { name: 'a-b', server: 'https://b', token: 'y' }], 'a:b');
    expect(selectContexts({ kubeconfigs: [file], allContexts: true }).map((t) => t.cluster)).toEqual(['a-b', 'a-b-2']);
  });

  it('takes the current context when none is named, and reports an unknown context', () => {
    expect(selectContexts({ kubeconfigs: [kubeconfig] }).map((t) => t.context)).toEqual(['alpha']);
    const [missing] = selectContexts({ kubeconfigs: [kubeconfig], contexts: ['gamma'] });
    expect(missing.problem).toContain('context gamma is not in');
  });
});

describe('LiveInventory against a local list/watch server', () => {
  it('syncs a cluster: typed first list normalized like plain JSON, status synced', async () => {
    const inv = start(['alpha']);
    const [status] = await inv.whenSettled();
    expect(status).toMatchObject({ cluster: 'alpha', context: 'alpha', state: 'synced', lastEventTime: 1_700_000_000_000 });
    expect(status.kinds).toMatchObject({ Pod: 'synced', AdminNetworkPolicy: 'absent' });
    const snap = inv.snapshot();
    expect(snap.pods).toMatchObject([{ cluster: 'alpha', namespace: 'shop', name: 'web-1', ips: ['10.0.0.1'], startTime: Date.parse('2024-05-01T10:00:01Z') }]);
    expect(snap.namespaces).toMatchObject([{ name: 'shop', labels: { team: 'web', 'kubernetes.io/metadata.name': 'shop' } }]);
    expect(snap.networkPolicies[0].ingress).toEqual([{ peers: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }]);
    expect(snap.services[0].ports).toEqual([{ protocol: 'TCP', port: 80, targetPort: 8080 }]);
  });

  it('reads Cilium and v1alpha2 ClusterNetworkPolicy objects when their CRDs are served', async () => {
    api.serve('/apis/cilium.io/v2/ciliumnetworkpolicies', 'CiliumNetworkPolicyList', 'cilium.io/v2');
    api.put('/apis/cilium.io/v2/ciliumnetworkpolicies', { kind: 'CiliumNetworkPolicy', metadata: { name: 'l3', namespace: 'shop' }, spec: { endpointSelector: { matchLabels: { app: 'web' } }, ingress: [{}] } });
    api.serve('/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies', 'ClusterNetworkPolicyList', 'policy.networking.k8s.io/v1alpha2');
    api.put('/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies', { kind: 'ClusterNetworkPolicy', metadata: { name: 'base' }, spec: { tier: 'Baseline', priority: 1, subject: { namespaces: {} } } });
    const inv = start(['alpha']);
    const [status] = await inv.whenSettled();
    expect(status.kinds).toMatchObject({ CiliumNetworkPolicy: 'synced', ClusterNetworkPolicy: 'synced', CiliumClusterwideNetworkPolicy: 'absent' });
    const snap = inv.snapshot();
    expect(snap.ciliumNetworkPolicies).toMatchObject([{ kind: 'CiliumNetworkPolicy', cluster: 'alpha', namespace: 'shop', name: 'l3', specs: [{ ingress: [{}] }] }]);
    expect(snap.adminNetworkPolicies).toMatchObject([{ kind: 'ClusterNetworkPolicy', name: 'base', tier: 'Baseline' }]);
  });

  it('lists and watches Calico\'s projectcalico.org/v3 policies when the Calico API server serves them', async () => {
    const calico = (plural: string, listKind: string): string => {
      const path = `/apis/projectcalico.org/v3/${plural}`;
      api.serve(path, listKind, 'projectcalico.org/v3');
      return path;
    };
    const nps = calico('networkpolicies', 'NetworkPolicyList');
    const gnps = calico('globalnetworkpolicies', 'GlobalNetworkPolicyList');
    const tiers = calico('tiers', 'TierList');
    // Items as the Calico API server lists them; the first without apiVersion/kind (list items may omit them).
    api.put(nps, { metadata: { name: 'allow-web', namespace: 'shop' }, spec: { tier: 'default', order: 100, selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow' }] } });
    api.put(tiers, { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } });
    const inv = start(['alpha']);
    const [status] = await inv.whenSettled();
    expect(status.kinds).toMatchObject({ CalicoNetworkPolicy: 'synced', CalicoGlobalNetworkPolicy: 'synced', CalicoTier: 'synced', CalicoGlobalNetworkSet: 'absent', StagedNetworkPolicy: 'absent' });
    expect(inv.snapshot().calicoPolicies).toMatchObject([{ kind: 'CalicoNetworkPolicy', cluster: 'alpha', namespace: 'shop', name: 'allow-web', order: 100 }]);
    expect(inv.snapshot().networkPolicies.map((p) => p.name)).not.toContain('allow-web');
    expect(inv.snapshot().calicoTiers).toMatchObject([{ kind: 'CalicoTier', name: 'security', order: 100 }]);
    const added = next(inv, ADD, (e) => e.object.name === 'deny-metadata');
    api.put(gnps, { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-metadata' }, spec: { tier: 'security', order: 10, selector: 'all()', types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['169.254.169.254/32'] } }] } });
    await added;
    expect(inv.snapshot().calicoPolicies?.map((p) => `${p.kind}/${p.name}/${p.tier}`).sort()).toEqual(['CalicoGlobalNetworkPolicy/deny-metadata/security', 'CalicoNetworkPolicy/allow-web/default']);
  });

  it('reads the webhook configurations and CRD conversion webhooks the API server calls', async () => {
    api.put('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      metadata: { name: 'pod-policy.example.com' },
      webhooks: [{ name: 'pod-policy.example.com', clientConfig: { service: { namespace: 'shop', name: 'web' } }, admissionReviewVersions: ['v1'], sideEffects: 'None' }],
    });
    api.put('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'crontabs.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'crontabs', kind: 'CronTab' }, versions: [{ name: 'v1', served: true, storage: true }],
        conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'shop', name: 'web', port: 8443 } } } },
      },
    });
    const inv = start(['alpha']);
    const [status] = await inv.whenSettled();
    expect(status.kinds).toMatchObject({ ValidatingWebhookConfiguration: 'synced', MutatingWebhookConfiguration: 'synced', CustomResourceDefinition: 'synced' });
    expect(inv.snapshot().webhookConfigurations?.map((w) => [w.configKind, w.webhooks.map((h) => h.service)])).toEqual([
      ['ValidatingWebhookConfiguration', [{ namespace: 'shop', name: 'web', port: 443 }]],
      ['CustomResourceDefinition', [{ namespace: 'shop', name: 'web', port: 8443 }]],
    ]);
  });

  it('applies watch events to the snapshot (add, modify, delete)', async () => {
    const inv = start(['alpha']);
    await inv.whenSettled();
    const added = next(inv, ADD, (e) => e.object.name === 'web-2');
    api.put(PODS, podObject('web-2', '10.0.0.2'));
    await added;
    expect(inv.snapshot().pods.map((p) => p.name).sort()).toEqual(['web-1', 'web-2']);
    const updated = next(inv, UPDATE, (e) => e.object.name === 'web-2');
    api.put(PODS, podObject('web-2', '10.0.0.2', { app: 'web-2', version: 'v2' }));
    await updated;
    expect(inv.snapshot().pods.find((p) => p.name === 'web-2')!.labels.version).toBe('v2');
    const deleted = next(inv, DELETE, (e) => e.object.name === 'web-1');
    api.delete(PODS, 'web-1', 'shop');
    await deleted;
    expect(inv.snapshot().pods.map((p) => p.name)).toEqual(['web-2']);
  });

  it('relists after a 410 ERROR event on the watch stream', async () => {
    const inv = start(['alpha']);
    await inv.whenSettled();
    expect(api.count(PODS, false)).toBe(1);
    // While the watch is gone, a pod appears: only the relist can bring it.
    const seen = next(inv, ADD, (e) => e.object.name === 'web-3');
    api.expire('event');
    api.put(PODS, podObject('web-3', '10.0.0.3'));
    await seen;
    expect(api.count(PODS, false)).toBeGreaterThanOrEqual(2);
    expect(inv.snapshot().pods.map((p) => p.name).sort()).toEqual(['web-1', 'web-3']);
  });

  it('relists after an HTTP 410 on the watch request', async () => {
    const inv = start(['alpha']);
    await inv.whenSettled();
    const relisted = next(inv, ADD, (e) => e.object.name === 'web-4');
    api.expire('http');
    api.put(PODS, podObject('web-4', '10.0.0.4'));
    await relisted;
    expect(api.requests.some((r) => r.path === PODS && r.watch && r.code === 410)).toBe(true);
    expect(api.count(PODS, false)).toBeGreaterThanOrEqual(2);
    expect(inv.snapshot().pods.map((p) => p.name).sort()).toEqual(['web-1', 'web-4']);
  });

  it('resumes a dropped watch from its last resourceVersion, without relisting', async () => {
    const inv = start(['alpha']);
    await inv.whenSettled();
    const first = next(inv, ADD, (e) => e.object.name === 'web-5');
    api.put(PODS, podObject('web-5', '10.0.0.5'));
    await first;
    const rvBeforeDrop = api.resourceVersion;
    api.dropWatches();
    // Changed while disconnected: the resumed watch replays it from history.
    api.put(PODS, podObject('web-6', '10.0.0.6'));
    const second = next(inv, ADD, (e) => e.object.name === 'web-6');
    await second;
    expect(api.count(PODS, false)).toBe(1);
    const resumed = api.requests.filter((r) => r.path === PODS && r.watch).at(-1)!;
    expect(resumed.resourceVersion).toBe(rvBeforeDrop);
  });

  it('reports the unreachable cluster with its reason while the others sync, each with its own credentials', async () => {
    const { delays, delayFn } = recordingDelay(0);
    const inv = start(['alpha', 'beta', 'down'], delayFn);
    const statuses = await inv.whenSettled();
    const byName = Object.fromEntries(statuses.map((s) => [s.cluster, s]));
    expect(byName.alpha.state).toBe('synced');
    expect(byName.beta.state).toBe('synced');
    expect(byName.down.state).toBe('error');
    expect(byName.down.reason).toMatch(/ECONNREFUSED/);
    expect(delays.every((d) => d === 1000)).toBe(true);
    const snap = inv.snapshot();
    expect(snap.pods.map((p) => `${p.cluster}/${p.name}`).sort()).toEqual(['alpha/web-1', 'beta/db-1']);
    expect(snap.clusters.map((c) => c.name)).toEqual(['alpha', 'beta', 'down']);
    expect(new Set(api.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer token-alpha']));
    expect(new Set(other.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer token-beta']));
  });

  it('restarts a failing kind with exponential backoff until it lists', async () => {
    api.failures.set(PODS, 3);
    const { delays, delayFn } = recordingDelay(10);
    const inv = start(['alpha'], delayFn);
    await next(inv, STATUS, (s) => s.state === 'synced');
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(inv.snapshot().pods.map((p) => p.name)).toEqual(['web-1']);
  });

  it('treats a 403 on one kind as a per-kind warning, not a cluster failure', async () => {
    api.forbidden.add('/apis/apps/v1/daemonsets');
    const inv = start(['alpha']);
    const [status] = await inv.whenSettled();
    expect(status.state).toBe('synced');
    expect(status.kinds.DaemonSet).toBe('forbidden');
    expect(status.warnings).toMatchObject([{ code: 'forbidden', location: { object: 'alpha/DaemonSet' } }]);
    expect(inv.snapshot().pods).toHaveLength(1);
  });

  it('lists once and ends in one-shot mode, following continue tokens across pages', async () => {
    for (let i = 0; i < 7; i++) api.put(PODS, podObject(`bulk-${i}`, `10.0.1.${i}`));
    live = new LiveInventory({ kubeconfigs: [kubeconfig], contexts: ['alpha'], watch: false, pageSize: 3, delayFn: recordingDelay(0).delayFn });
    live.start();
    await live.done();
    expect(live.snapshot().pods).toHaveLength(8);
    expect(api.count(PODS, false)).toBe(3);
    expect(api.count(PODS, true)).toBe(0);
  });
});
