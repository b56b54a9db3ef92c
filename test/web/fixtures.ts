/** Named fixtures built by spreading a base object. */
import type { MapEdge, MapNode } from '../../web/src/types.ts';

export const web: MapNode = { key: 'wl:prod/shop/Deployment/web', kind: 'workload', label: 'web', cluster: 'prod', namespace: 'shop', labels: { app: 'web' } };
export const cart: MapNode = { ...web, key: 'wl:prod/shop/Deployment/cart', label: 'cart', labels: { app: 'cart' } };
export const coredns: MapNode = { ...web, key: 'wl:prod/kube-system/Deployment/coredns', label: 'coredns', namespace: 'kube-system', infra: 'dns' };
export const devShell: MapNode = { ...web, key: 'wl:dev/tools/Deployment/debug-shell', label: 'debug-shell', cluster: 'dev', namespace: 'tools' };
export const stripe: MapNode = { key: 'ext:52.1.2.3', kind: 'external', label: 'api.stripe.com' };
export const host: MapNode = { key: 'host:prod/node-1', kind: 'host', label: 'node-1', cluster: 'prod' };

export const tcpForwarded: MapEdge = {
  key: `${web.key}->${cart.key}|TCP|7070`, source: web.key, target: cart.key, protocol: 'TCP', port: 7070,
  count: 10, verdicts: { FORWARDED: 10 }, firstSeen: 1_000, lastSeen: 5_000, interCluster: false,
};
export const tcpDropped: MapEdge = { ...tcpForwarded, key: `${devShell.key}->${web.key}|TCP|8080`, source: devShell.key, target: web.key, port: 8080, verdicts: { DROPPED: 3 }, count: 3, interCluster: true };
export const dnsLookup: MapEdge = { ...tcpForwarded, key: `${web.key}->${coredns.key}|UDP|53`, target: coredns.key, protocol: 'UDP', port: 53, verdicts: { FORWARDED: 40 }, count: 40 };
export const egressStripe: MapEdge = { ...tcpForwarded, key: `${cart.key}->${stripe.key}|TCP|443`, source: cart.key, target: stripe.key, port: 443, firstSeen: 8_000, lastSeen: 9_000 };
export const reply: MapEdge = { ...tcpForwarded, key: `${cart.key}->${web.key}|TCP|8080`, source: cart.key, target: web.key, port: 8080 };

export const nodes = [web, cart, coredns, devShell, stripe, host];
export const edges = [tcpForwarded, tcpDropped, dnsLookup, egressStripe, reply];
export const graph = { nodes, edges };
