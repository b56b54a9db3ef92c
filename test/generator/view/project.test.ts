import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flowEdgeKey } from '../../../generator/model/index.ts';
import type { Level, Verdict } from '../../../generator/model/index.ts';
import { edgeMatches, keyAtLevel, parentOf, projectEdges, standsAlone } from '../../../generator/view/index.ts';
import type { BaseEdge, ProjectableNode, ViewFilters } from '../../../generator/view/index.ts';
import {
  apiServer, cart, coredns, corednsPod, kubeSystemNs, ledger, node1, shopNs, stripe, tcpDropped, tcpForwarded, web, webPod, world,
} from './fixtures.ts';

describe('keyAtLevel', () => {
  const cases: Array<[ProjectableNode, Level, string]> = [
    [webPod, 'pod', webPod.key],
    [webPod, 'workload', web.key],
    [webPod, 'namespace', 'ns:prod/shop'],
    [webPod, 'cluster', 'cluster:prod'],
    [web, 'workload', web.key],
    [web, 'namespace', 'ns:prod/shop'],
    [shopNs, 'namespace', shopNs.key],
    [shopNs, 'cluster', 'cluster:prod'],
    [node1, 'namespace', node1.key],
    [node1, 'cluster', 'cluster:prod'],
    [apiServer, 'cluster', 'cluster:prod'],
    [world, 'cluster', world.key],
    [stripe, 'cluster', stripe.key],
  ];
  it.each(cases)('%o at %s level is %s', (node, level, want) => {
    expect(keyAtLevel(node, level)).toBe(want);
  });
});

describe('parentOf', () => {
  it('names the enclosing node one level up', () => {
    expect(parentOf(webPod)).toBe(web.key);
    expect(parentOf(web)).toBe('ns:prod/shop');
    expect(parentOf(shopNs)).toBe('cluster:prod');
    expect(parentOf(node1)).toBe('cluster:prod');
    expect(parentOf(stripe)).toBeUndefined();
  });
});

const nodes = [web, cart, coredns, ledger, node1, stripe, world, webPod, corednsPod];
const nodeOf = (k: string): ProjectableNode | undefined => nodes.find((n) => n.key === k);
type Base = readonly [string, string, string, BaseEdge];
const base = (s: ProjectableNode, t: ProjectableNode, e: BaseEdge): Base => [flowEdgeKey(s.key, t.key, e.protocol, e.port), s.key, t.key, e];

describe('projectEdges', () => {
  it('sums counts, verdicts and time spans of the edges it folds into one, and keeps the inter-cluster mark', () => {
    const edges = [base(web, ledger, tcpDropped), base(cart, ledger, { ...tcpDropped, verdicts: { FORWARDED: 2 }, count: 2, firstSeen: 500 })];
    const p = projectEdges({ nodeOf, edges }, 'namespace', {});
    const e = p.edges.get(flowEdgeKey('ns:prod/shop', 'ns:finance/payments', 'TCP', 8443));
    expect(e).toMatchObject({ count: 5, verdicts: { DROPPED: 3, FORWARDED: 2 }, firstSeen: 500, lastSeen: 5_000, interCluster: true });
    expect(p.parts.get(e!.key)).toHaveLength(2);
  });

  it('keeps a service only when every part was addressed to it', () => {
    const svc = { ...tcpForwarded, service: 'svc:prod/shop/cart', servicePort: 80 };
    const one = projectEdges({ nodeOf, edges: [base(web, cart, svc), base(coredns, cart, svc)] }, 'namespace', {});
    expect([...one.edges.values()].map((e) => e.service)).toContain('svc:prod/shop/cart');
    const two = projectEdges({ nodeOf, edges: [base(web, cart, svc), base(webPod, cart, tcpForwarded)] }, 'namespace', {});
    expect([...two.edges.values()].every((e) => e.service === undefined)).toBe(true);
  });

  it('filters the base edges before it folds them', () => {
    const edges = [base(web, cart, tcpForwarded), base(coredns, cart, { ...tcpForwarded, verdicts: { DROPPED: 4 }, count: 4 })];
    const p = projectEdges({ nodeOf, edges }, 'cluster', { verdicts: ['DROPPED'] });
    expect([...p.edges.values()].map((e) => e.count)).toEqual([4]);
  });

  it('a node stands alone at its own level only while no criterion about traffic is given', () => {
    expect(standsAlone(web, 'workload', {})).toBe(true);
    expect(standsAlone(web, 'namespace', {})).toBe(false);
    expect(standsAlone(web, 'workload', { verdicts: ['DROPPED'] })).toBe(false);
    expect(standsAlone(kubeSystemNs, 'namespace', { hideInfra: true })).toBe(false);
  });
});

// ------------------------------------------------------------------ the invariant the web map relies on

const ends = [web, cart, coredns, ledger, node1, stripe, world];
const verdicts: Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT'];
const edgeArb = fc.record({
  s: fc.integer({ min: 0, max: ends.length - 1 }),
  t: fc.integer({ min: 0, max: ends.length - 1 }),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  port: fc.constantFrom(53, 443, 7070, 8443),
  verdict: fc.constantFrom(...verdicts),
  count: fc.integer({ min: 1, max: 9 }),
  first: fc.integer({ min: 0, max: 10_000 }),
  span: fc.integer({ min: 0, max: 5_000 }),
});
const filtersArb: fc.Arbitrary<ViewFilters> = fc.record({
  clusters: fc.subarray(['prod', 'finance']),
  namespaces: fc.subarray(['shop', 'prod/kube-system', 'payments']),
  verdicts: fc.subarray(verdicts),
  protocols: fc.subarray(['TCP', 'UDP'] as const),
  port: fc.option(fc.record({ from: fc.constantFrom(1, 443), to: fc.constantFrom(443, 8443) }).filter((r) => r.from <= r.to), { nil: undefined }),
  since: fc.option(fc.integer({ min: 0, max: 15_000 }), { nil: undefined }),
  hideInfra: fc.boolean(),
  interClusterOnly: fc.boolean(),
}, { requiredKeys: [] });

describe('projectEdges (property)', () => {
  it('at workload level, filtering the unfiltered view keeps exactly the edges of the filtered view, with the same counts', () => {
    fc.assert(
      fc.property(fc.uniqueArray(edgeArb, { selector: (e) => `${e.s}|${e.t}|${e.protocol}|${e.port}`, maxLength: 30 }), filtersArb, (raw, f) => {
        const edges = raw.map((e) => base(ends[e.s], ends[e.t], {
          protocol: e.protocol, port: e.port, count: e.count, verdicts: { [e.verdict]: e.count }, firstSeen: e.first, lastSeen: e.first + e.span,
          interCluster: ends[e.s].cluster !== undefined && ends[e.t].cluster !== undefined && ends[e.s].cluster !== ends[e.t].cluster,
        }));
        const filtered = projectEdges({ nodeOf, edges }, 'workload', f);
        const all = projectEdges({ nodeOf, edges }, 'workload', {});
        const refiltered = [...all.edges.values()].filter((e) => edgeMatches(e, nodeOf(e.source), nodeOf(e.target), f));
        expect(refiltered.map((e) => [e.key, e.count]).sort()).toEqual([...filtered.edges.values()].map((e) => [e.key, e.count]).sort());
      }),
      { numRuns: 200 },
    );
  });
});
