import { describe, expect, it } from 'vitest';
import {
  edgeMatches, hasEdgeFilters, inPlace, infraOf, isEmptyViewFilters, isInfraNode, namespaceInfra, nodeMatches,
} from '../../../generator/view/index.ts';
import type { EdgeFacts, ViewFilters, ViewNode } from '../../../generator/view/index.ts';
import {
  apiServer, cart, coredns, corednsPod, dnsLookup, ingress, kubeSystemNs, lateEgress, ledger, monitoringNs, node1, ping,
  prodCluster, shopNs, stripe, tcpDropped, tcpForwarded, web, webPod, world,
} from './fixtures.ts';

describe('isInfraNode', () => {
  const cases: Array<[string, ViewNode, boolean]> = [
    ['a DNS workload', coredns, true],
    ['a pod of a DNS workload', corednsPod, true],
    ['an application workload', web, false],
    ['a pod of an application', webPod, false],
    ['the kube-system namespace', kubeSystemNs, true],
    ['a monitoring namespace', monitoringNs, true],
    ['an application namespace', shopNs, false],
    ['a Kubernetes node (host)', node1, true],
    ['the API server identity', apiServer, true],
    ['the world identity', world, false],
    ['the ingress identity', ingress, false],
    ['an external peer', stripe, false],
    ['a cluster', prodCluster, false],
  ];
  it.each(cases)('%s: %s', (_name, node, want) => {
    expect(isInfraNode(node)).toBe(want);
  });
});

describe('infraOf', () => {
  const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
    ['kube-system', 'coredns', {}, 'dns'],
    ['dns', 'resolver', { 'k8s-app': 'kube-dns' }, 'dns'],
    ['monitoring', 'grafana', {}, 'monitoring'],
    ['shop', 'prometheus-adapter', {}, 'monitoring'],
    ['kube-system', 'metrics-server', {}, 'system'],
    ['shop', 'web', {}, undefined],
  ];
  it.each(cases)('a workload %s/%s is %s', (ns, name, labels, want) => {
    expect(infraOf(ns, name, labels)).toBe(want);
  });

  it('every workload of a namespace classed by name alone is infrastructure', () => {
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'monitoring', 'observability-eu']) {
      expect(namespaceInfra(ns)).toBeDefined();
      expect(infraOf(ns, 'anything', {})).toBeDefined();
    }
  });
});

describe('edgeMatches', () => {
  const cases: Array<[string, EdgeFacts, ViewNode | undefined, ViewNode | undefined, ViewFilters, boolean]> = [
    ['no filter keeps an edge', tcpForwarded, web, cart, {}, true],
    ['a verdict keeps an edge that had it', tcpDropped, web, ledger, { verdicts: ['DROPPED'] }, true],
    ['a verdict drops an edge that never had it', tcpForwarded, web, cart, { verdicts: ['DROPPED'] }, false],
    ['a protocol keeps its edges', dnsLookup, web, coredns, { protocols: ['UDP'] }, true],
    ['a protocol drops the others', tcpForwarded, web, cart, { protocols: ['UDP'] }, false],
    ['a port range keeps a port inside it', tcpForwarded, web, cart, { port: { from: 7000, to: 7100 } }, true],
    ['a port range drops a port outside it', dnsLookup, web, coredns, { port: { from: 7000, to: 7100 } }, false],
    ['a port never matches an edge without one', ping, web, cart, { port: { from: 1, to: 65535 } }, false],
    ['a window keeps an edge seen inside it', lateEgress, cart, stripe, { since: 6_000 }, true],
    ['a window drops an edge last seen before it', tcpForwarded, web, cart, { since: 6_000 }, false],
    ['a window drops an edge first seen after it', lateEgress, cart, stripe, { until: 7_000 }, false],
    ['inter-cluster only keeps traffic between clusters', tcpDropped, web, ledger, { interClusterOnly: true }, true],
    ['inter-cluster only drops traffic inside one', tcpForwarded, web, cart, { interClusterOnly: true }, false],
    ['a cluster keeps traffic in and out of it', tcpDropped, web, ledger, { clusters: ['finance'] }, true],
    ['a cluster drops traffic of other clusters', tcpForwarded, web, cart, { clusters: ['finance'] }, false],
    ['a namespace keeps traffic from it to an external peer', lateEgress, cart, stripe, { namespaces: ['shop'] }, true],
    ['a qualified namespace names one cluster', tcpForwarded, web, cart, { namespaces: ['dev/shop'] }, false],
    ['cluster and namespace hold for the same end', tcpDropped, web, ledger, { clusters: ['finance'], namespaces: ['shop'] }, false],
    ['hiding infrastructure drops DNS traffic', dnsLookup, web, coredns, { hideInfra: true }, false],
    ['hiding infrastructure drops traffic from a node', tcpForwarded, node1, web, { hideInfra: true }, false],
    ['hiding infrastructure keeps traffic from the world', tcpForwarded, world, web, { hideInfra: true }, true],
    ['an end the view does not know is in no place', tcpForwarded, undefined, undefined, { clusters: ['prod'] }, false],
  ];
  it.each(cases)('%s', (_name, edge, source, target, filters, want) => {
    expect(edgeMatches(edge, source, target, filters)).toBe(want);
  });
});

describe('nodes and filter sets', () => {
  it('a node is in place when both its cluster and namespace are asked for', () => {
    expect(inPlace(web, { clusters: ['prod'], namespaces: ['prod/shop'] })).toBe(true);
    expect(inPlace(web, { clusters: ['prod'], namespaces: ['payments'] })).toBe(false);
    expect(inPlace(stripe, { clusters: ['prod'] })).toBe(false);
  });

  it('a node stands in a view when in place and not hidden as infrastructure', () => {
    expect(nodeMatches(web, { hideInfra: true })).toBe(true);
    expect(nodeMatches(coredns, { hideInfra: true })).toBe(false);
    expect(nodeMatches(coredns, { clusters: ['prod'] })).toBe(true);
  });

  it('empty lists restrict nothing', () => {
    const empty: ViewFilters = { clusters: [], namespaces: [], verdicts: [], protocols: [], hideInfra: false, interClusterOnly: false };
    expect(isEmptyViewFilters(empty)).toBe(true);
    expect(hasEdgeFilters(empty)).toBe(false);
    expect(edgeMatches(tcpForwarded, web, cart, empty)).toBe(true);
  });

  it('criteria about traffic are edge filters, place and infrastructure are not', () => {
    expect(hasEdgeFilters({ verdicts: ['DROPPED'] })).toBe(true);
    expect(hasEdgeFilters({ interClusterOnly: true })).toBe(true);
    expect(hasEdgeFilters({ since: 1 })).toBe(true);
    expect(hasEdgeFilters({ clusters: ['prod'], hideInfra: true })).toBe(false);
  });
});
