/** Named nodes and edges for generator/view, built by spreading a base object. */
import type { EdgeFacts, ProjectableNode } from '../../../generator/view/index.ts';

export const web: ProjectableNode = { key: 'wl:prod/shop/Deployment/web', kind: 'workload', cluster: 'prod', namespace: 'shop' };
export const cart: ProjectableNode = { ...web, key: 'wl:prod/shop/Deployment/cart' };
export const webPod: ProjectableNode = { key: 'pod:prod/shop/web-7d9f8c6b5-abcde', kind: 'pod', cluster: 'prod', namespace: 'shop', workload: web.key };
export const coredns: ProjectableNode = { ...web, key: 'wl:prod/kube-system/Deployment/coredns', namespace: 'kube-system', infra: 'dns' };
export const corednsPod: ProjectableNode = { ...webPod, key: 'pod:prod/kube-system/coredns-1', namespace: 'kube-system', workload: coredns.key, infra: 'dns' };
export const ledger: ProjectableNode = { ...web, key: 'wl:finance/payments/Deployment/ledger', cluster: 'finance', namespace: 'payments' };
export const shopNs: ProjectableNode = { key: 'ns:prod/shop', kind: 'namespace', cluster: 'prod', namespace: 'shop' };
export const kubeSystemNs: ProjectableNode = { ...shopNs, key: 'ns:prod/kube-system', namespace: 'kube-system' };
export const monitoringNs: ProjectableNode = { ...shopNs, key: 'ns:prod/monitoring', namespace: 'monitoring' };
export const node1: ProjectableNode = { key: 'host:prod/node-1', kind: 'host', cluster: 'prod' };
export const apiServer: ProjectableNode = { key: 'reserved:prod/kube-apiserver', kind: 'reserved', cluster: 'prod' };
export const world: ProjectableNode = { key: 'reserved:prod/world', kind: 'reserved', cluster: 'prod' };
export const ingress: ProjectableNode = { key: 'reserved:prod/ingress', kind: 'reserved', cluster: 'prod' };
export const stripe: ProjectableNode = { key: 'ext:52.1.2.3', kind: 'external' };
export const prodCluster: ProjectableNode = { key: 'cluster:prod', kind: 'cluster', cluster: 'prod' };

export const tcpForwarded: EdgeFacts & { count: number } = {
  protocol: 'TCP', port: 7070, count: 10, verdicts: { FORWARDED: 10 }, firstSeen: 1_000, lastSeen: 5_000, interCluster: false,
};
export const tcpDropped = { ...tcpForwarded, port: 8443, count: 3, verdicts: { DROPPED: 3 }, interCluster: true };
export const dnsLookup = { ...tcpForwarded, protocol: 'UDP' as const, port: 53, count: 40, verdicts: { FORWARDED: 40 } };
export const ping = { ...tcpForwarded, protocol: 'ICMPv4' as const, port: undefined };
export const lateEgress = { ...tcpForwarded, port: 443, firstSeen: 8_000, lastSeen: 9_000 };
