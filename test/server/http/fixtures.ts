/** Named builders for the server tests: a two-cluster estate and flows between its pods. */
import { emptyInventory } from '../../../generator/model/index.ts';
import type { FlowRecord, Inventory, NetworkPolicyInfo, PodInfo, WorkloadInfo } from '../../../generator/model/index.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { AppState } from '../../../server/state/app-state.ts';
import type { Store } from '../../../server/store/store.ts';

export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

export function deployment(cluster: string, namespace: string, name: string, labels: Record<string, string>): WorkloadInfo {
  return { kind: 'Workload', workloadKind: 'Deployment', cluster, namespace, name, labels, templateLabels: labels, selector: { matchLabels: labels } };
}

export function pod(cluster: string, namespace: string, name: string, ip: string, labels: Record<string, string>, owner?: string): PodInfo {
  return {
    kind: 'Pod', cluster, namespace, name, labels, ips: [ip], hostIPs: ['10.0.0.1'], hostNetwork: false, privileged: false, ports: [],
    ...(owner ? { owner: { kind: 'Deployment', name: owner, controller: true } } : {}),
    annotations: { note: '<img src=x onerror=alert(1)>' },
  };
}

export const denyAllShop: NetworkPolicyInfo = {
  kind: 'NetworkPolicy', cluster: 'prod', namespace: 'shop', name: 'web-ingress', podSelector: { matchLabels: { app: 'web' } },
  policyTypes: ['Ingress'], ingress: [],
};

export function prodInventory(): Inventory {
  return {
    ...emptyInventory(),
    clusters: [{ kind: 'Cluster', name: 'prod' }],
    namespaces: [
      { kind: 'Namespace', cluster: 'prod', name: 'shop', labels: {} },
      { kind: 'Namespace', cluster: 'prod', name: 'kube-system', labels: {} },
    ],
    workloads: [
      deployment('prod', 'shop', 'web', { app: 'web' }),
      deployment('prod', 'shop', 'api', { app: 'api' }),
      deployment('prod', 'kube-system', 'coredns', { 'k8s-app': 'kube-dns' }),
    ],
    pods: [
      pod('prod', 'shop', 'web-1', '10.1.0.10', { app: 'web', evil: '<script>alert(1)</script>' }, 'web'),
      pod('prod', 'shop', 'api-1', '10.1.0.20', { app: 'api' }, 'api'),
      pod('prod', 'kube-system', 'coredns-1', '10.1.0.53', { 'k8s-app': 'kube-dns' }, 'coredns'),
    ],
    networkPolicies: [denyAllShop],
  };
}

export function financeInventory(): Inventory {
  return {
    ...emptyInventory(),
    clusters: [{ kind: 'Cluster', name: 'finance' }],
    namespaces: [{ kind: 'Namespace', cluster: 'finance', name: 'ledger', labels: {} }],
    workloads: [deployment('finance', 'ledger', 'books', { app: 'books' })],
    pods: [pod('finance', 'ledger', 'books-1', '10.2.0.10', { app: 'books' }, 'books')],
  };
}

const ep = (cluster: string, namespace: string, podName: string, ip: string) => ({ cluster, namespace, podName, ip });

export const webToApi: FlowRecord = {
  time: T0, source: ep('prod', 'shop', 'web-1', '10.1.0.10'), destination: ep('prod', 'shop', 'api-1', '10.1.0.20'),
  protocol: 'TCP', port: 8080, verdict: 'FORWARDED', count: 1,
};
export const apiToDns: FlowRecord = {
  time: T0 + 1000, source: ep('prod', 'shop', 'api-1', '10.1.0.20'), destination: ep('prod', 'kube-system', 'coredns-1', '10.1.0.53'),
  protocol: 'UDP', port: 53, verdict: 'FORWARDED', count: 1,
};
export const apiToBooksDropped: FlowRecord = {
  time: T0 + 2000, source: ep('prod', 'shop', 'api-1', '10.1.0.20'), destination: ep('finance', 'ledger', 'books-1', '10.2.0.10'),
  protocol: 'TCP', port: 443, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', count: 1,
};
export const webToInternet: FlowRecord = {
  time: T0 + 3000, source: ep('prod', 'shop', 'web-1', '10.1.0.10'), destination: { ip: '93.184.216.34', reserved: 'world' },
  protocol: 'TCP', port: 443, verdict: 'FORWARDED', count: 1,
};

export const ALL_FLOWS = [webToApi, apiToDns, apiToBooksDropped, webToInternet];

/** An AppState over a real GraphBuilder holding both clusters and the four flows, flushed. */
export function demoState(options: { store?: Store; flows?: readonly FlowRecord[] } = {}): AppState {
  const state = new AppState({ builder: new GraphBuilder(), store: options.store, now: () => T0 + 60_000 });
  state.registerSource('inventory:prod', 'inventory-file', 'prod');
  state.registerSource('inventory:finance', 'inventory-file', 'finance');
  state.setInventory('prod', prodInventory());
  state.setInventory('finance', financeInventory());
  state.updateSource('inventory:prod', { state: 'done', records: 7 });
  state.updateSource('inventory:finance', { state: 'done', records: 3 });
  state.registerSource('flows-file:test', 'flows-file');
  state.ingestFlows('flows-file:test', options.flows ?? ALL_FLOWS, { cluster: 'prod' });
  state.updateSource('flows-file:test', { state: 'done' });
  state.flush();
  return state;
}

export const HOUR = 3_600_000;

/**
 * The four flows spread over hours: web->api at T0-3h and again at T0, api->dns at T0-1h, the
 * dropped api->books and web->internet at T0.
 */
export function historyFlows(): FlowRecord[] {
  return [
    { ...webToApi, time: T0 - 3 * HOUR }, { ...apiToDns, time: T0 - HOUR }, { ...webToApi, time: T0 + 500 }, apiToBooksDropped, webToInternet,
  ];
}

/**
 * demoState over historyFlows, flushed after each flow as a live server flushes while time
 * passes: a store keeps each flow in its own hour bucket.
 */
export function historyState(options: { store?: Store } = {}): AppState {
  const [first, ...rest] = historyFlows();
  const state = demoState({ store: options.store, flows: [first] });
  for (const f of rest) {
    state.ingestFlows('flows-file:test', [f], { cluster: 'prod' });
    state.flush();
  }
  return state;
}
