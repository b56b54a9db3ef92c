import { describe, expect, it } from 'vitest';
import { graphQuery } from '../../web/src/api.ts';
import { applyFilters, EMPTY_FILTERS, filtersForServer, isEmptyFilters, toViewFilters } from '../../web/src/state/filters.ts';
import { cart, coredns, devShell, dnsLookup, egressStripe, graph, host, stripe, tcpDropped, tcpForwarded, web } from './fixtures.ts';

const keys = (xs: readonly { key: string }[]): string[] => xs.map((x) => x.key).sort();

describe('filters on the map (workload level)', () => {
  it('keeps the whole graph when no filter is set', () => {
    const out = applyFilters(graph, EMPTY_FILTERS, 'workload');
    expect(out.nodes).toHaveLength(graph.nodes.length);
    expect(out.edges).toHaveLength(graph.edges.length);
    expect(isEmptyFilters(EMPTY_FILTERS)).toBe(true);
  });

  it('a verdict filter keeps only edges with at least one flow of that verdict, and their ends', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, verdicts: ['DROPPED'] }, 'workload');
    expect(keys(out.edges)).toEqual([tcpDropped.key]);
    expect(keys(out.nodes)).toEqual([devShell.key, web.key].sort());
  });

  it('inter-cluster only keeps the edges between two clusters and the nodes they join', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, interClusterOnly: true }, 'workload');
    expect(keys(out.edges)).toEqual(graph.edges.filter((e) => e.interCluster).map((e) => e.key).sort());
    expect(keys(out.nodes)).toEqual([devShell.key, web.key].sort());
    expect(isEmptyFilters({ ...EMPTY_FILTERS, interClusterOnly: true })).toBe(false);
  });

  it('hiding infrastructure drops DNS and host nodes and the edges touching them', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, hideInfra: true }, 'workload');
    expect(keys(out.nodes)).not.toContain(coredns.key);
    expect(keys(out.nodes)).not.toContain(host.key);
    expect(keys(out.edges)).not.toContain(dnsLookup.key);
  });

  it('a cluster filter keeps its workloads and the peers its traffic reaches, in or out', () => {
    const dev = applyFilters(graph, { ...EMPTY_FILTERS, clusters: ['dev'] }, 'workload');
    expect(keys(dev.edges)).toEqual([tcpDropped.key]);
    expect(keys(dev.nodes)).toEqual([devShell.key, web.key].sort());
    const prod = applyFilters(graph, { ...EMPTY_FILTERS, clusters: ['prod'] }, 'workload');
    expect(keys(prod.nodes)).toContain(stripe.key);
    expect(keys(prod.nodes)).not.toContain(host.key);
  });

  it('namespaces match by name or by cluster/name', () => {
    expect(keys(applyFilters(graph, { ...EMPTY_FILTERS, namespaces: ['prod/shop'] }, 'workload').nodes)).toContain(cart.key);
    expect(keys(applyFilters(graph, { ...EMPTY_FILTERS, namespaces: ['dev/shop'] }, 'workload').nodes)).not.toContain(cart.key);
  });

  it('protocol, port and time window are passed to generator/view as a list, a range and a window', () => {
    expect(toViewFilters({ ...EMPTY_FILTERS, protocol: 'UDP', port: 53, since: 6_000 })).toMatchObject({ protocols: ['UDP'], port: { from: 53, to: 53 }, since: 6_000 });
    expect(keys(applyFilters(graph, { ...EMPTY_FILTERS, protocol: 'UDP', port: 53 }, 'workload').edges)).toEqual([dnsLookup.key]);
    expect(keys(applyFilters(graph, { ...EMPTY_FILTERS, since: 6_000 }, 'workload').edges)).toEqual([egressStripe.key]);
    expect(keys(applyFilters(graph, { ...EMPTY_FILTERS, until: 7_000 }, 'workload').edges)).not.toContain(egressStripe.key);
  });
});

describe('filters at namespace and cluster level', () => {
  it('are asked of the server, and its answer is shown as it is', () => {
    const f = { ...EMPTY_FILTERS, verdicts: ['DROPPED' as const], hideInfra: true };
    expect(filtersForServer('namespace', f)).toBe(f);
    expect(filtersForServer('workload', f)).toBe(EMPTY_FILTERS);
    expect(applyFilters(graph, f, 'cluster')).toBe(graph);
  });

  it('every filter goes into the query of GET /graph', () => {
    const q = new URLSearchParams(graphQuery('namespace', {
      clusters: ['prod', 'dev'], namespaces: ['prod/shop'], verdicts: ['DROPPED'], protocol: 'TCP', port: 8080,
      since: 1_000, until: 2_000, hideInfra: true, interClusterOnly: true,
    }));
    expect(Object.fromEntries(q)).toEqual({
      level: 'namespace', cluster: 'prod,dev', namespace: 'prod/shop', verdict: 'DROPPED', protocol: 'TCP', port: '8080',
      from: '1000', to: '2000', hideInfra: '1', interCluster: '1',
    });
  });
});

it('an edge whose end the map does not hold is not shown', () => {
  const out = applyFilters({ nodes: [web], edges: [tcpForwarded] }, { ...EMPTY_FILTERS, clusters: ['prod'] }, 'workload');
  expect(out.edges).toEqual([]);
});
