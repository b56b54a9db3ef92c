import { describe, expect, it } from 'vitest';
import { applyFilters, edgeMatchesFilters, EMPTY_FILTERS, isEmptyFilters, nodeMatchesFilters } from '../../web/src/state/filters.ts';
import { coredns, devShell, dnsLookup, egressStripe, graph, host, stripe, tcpDropped, tcpForwarded, web } from './fixtures.ts';

const keys = (xs: readonly { key: string }[]): string[] => xs.map((x) => x.key).sort();

describe('filters', () => {
  it('keeps the whole graph when no filter is set', () => {
    const out = applyFilters(graph, EMPTY_FILTERS);
    expect(out.nodes).toHaveLength(graph.nodes.length);
    expect(out.edges).toHaveLength(graph.edges.length);
    expect(isEmptyFilters(EMPTY_FILTERS)).toBe(true);
  });

  it('a verdict filter keeps only edges with at least one flow of that verdict, and their ends', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, verdicts: ['DROPPED'] });
    expect(keys(out.edges)).toEqual([tcpDropped.key]);
    expect(keys(out.nodes)).toEqual([devShell.key, web.key].sort());
  });

  it('inter-cluster only keeps the edges between two clusters and the nodes they join', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, interClusterOnly: true });
    expect(keys(out.edges)).toEqual(graph.edges.filter((e) => e.interCluster).map((e) => e.key).sort());
    expect(keys(out.edges)).toContain(tcpDropped.key);
    expect(keys(out.nodes)).toEqual([devShell.key, web.key].sort());
    expect(isEmptyFilters({ ...EMPTY_FILTERS, interClusterOnly: true })).toBe(false);
  });

  it('hiding infrastructure drops DNS and host nodes and the edges touching them', () => {
    const out = applyFilters(graph, { ...EMPTY_FILTERS, hideInfra: true });
    expect(out.nodes.map((n) => n.key)).not.toContain(coredns.key);
    expect(out.nodes.map((n) => n.key)).not.toContain(host.key);
    expect(out.edges.map((e) => e.key)).not.toContain(dnsLookup.key);
  });

  it('a cluster filter keeps external peers only while an edge still reaches them', () => {
    const prod = applyFilters(graph, { ...EMPTY_FILTERS, clusters: ['prod'] });
    expect(prod.nodes.map((n) => n.key)).toContain(stripe.key);
    expect(prod.nodes.map((n) => n.key)).not.toContain(devShell.key);
    const dev = applyFilters(graph, { ...EMPTY_FILTERS, clusters: ['dev'] });
    expect(dev.nodes.map((n) => n.key)).toEqual([devShell.key]);
    expect(dev.edges).toEqual([]);
  });

  it('namespaces match by name or by cluster/name', () => {
    expect(nodeMatchesFilters(web, { ...EMPTY_FILTERS, namespaces: ['shop'] })).toBe(true);
    expect(nodeMatchesFilters(web, { ...EMPTY_FILTERS, namespaces: ['prod/shop'] })).toBe(true);
    expect(nodeMatchesFilters(web, { ...EMPTY_FILTERS, namespaces: ['dev/shop'] })).toBe(false);
  });

  it('protocol and port filters compare the destination port', () => {
    expect(edgeMatchesFilters(dnsLookup, { ...EMPTY_FILTERS, protocol: 'UDP', port: 53 })).toBe(true);
    expect(edgeMatchesFilters(tcpForwarded, { ...EMPTY_FILTERS, protocol: 'UDP' })).toBe(false);
    expect(edgeMatchesFilters(tcpForwarded, { ...EMPTY_FILTERS, port: 53 })).toBe(false);
  });

  it('the time window keeps edges whose seen interval overlaps it', () => {
    const late = { ...EMPTY_FILTERS, since: 6_000 };
    expect(edgeMatchesFilters(egressStripe, late)).toBe(true);
    expect(edgeMatchesFilters(tcpForwarded, late)).toBe(false);
    expect(edgeMatchesFilters(egressStripe, { ...EMPTY_FILTERS, until: 7_000 })).toBe(false);
  });
});
