import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flowRate, formatRate, markedDisplayEdges, NEW_EDGE_MS, RATE_WINDOW_MS, recentEdges, recordDelta, startActivity } from '../../web/src/state/live.ts';
import type { MapNode } from '../../web/src/types.ts';
import { cart, coredns, devShell, dnsLookup, tcpDropped, tcpForwarded, web } from './fixtures.ts';

const T = 1_000_000;
const nodes = new Map<string, MapNode>([web, cart, coredns, devShell].map((n) => [n.key, n]));

describe('live flow rate', () => {
  it.each([
    { name: 'one update 10 s after start, 50 connections: 5/s', updates: [[10_000, 50]], now: 10_000, rate: 5 },
    { name: 'a first update right at start is spread over one second, not zero', updates: [[0, 3]], now: 0, rate: 3 },
    { name: 'two minutes in: the last minute only', updates: [[30_000, 600], [90_000, 60], [110_000, 60]], now: 120_000, rate: 2 },
    { name: 'no update in the last minute: zero', updates: [[5_000, 100]], now: 5_000 + RATE_WINDOW_MS, rate: 0 },
  ])('$name', ({ updates, now, rate }) => {
    let a = startActivity(T);
    for (const [at, connections] of updates) a = recordDelta(a, T + at!, { connections: connections!, newEdges: [] });
    expect(flowRate(a, T + now)).toBeCloseTo(rate, 6);
  });

  it('keeps only the updates of the last minute, however long Live runs', () => {
    let a = startActivity(T);
    for (let i = 0; i < 500; i++) a = recordDelta(a, T + i * 1000, { connections: 1, newEdges: [] });
    expect(a.updates.length).toBeLessThanOrEqual(RATE_WINDOW_MS / 1000);
  });

  it('formats small rates with one decimal and large ones without', () => {
    expect([formatRate(0.44), formatRate(12.6)]).toEqual(['0.4 connections/s', '13 connections/s']);
  });

  it('is never negative and never more than the connections seen per second of the span', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(300_000), fc.nat(1000)), { maxLength: 40 }), fc.nat(400_000), (raw, extra) => {
      const ups = [...raw].sort((x, y) => x[0] - y[0]);
      let a = startActivity(T);
      for (const [at, n] of ups) a = recordDelta(a, T + at, { connections: n, newEdges: [] });
      const now = T + (ups.at(-1)?.[0] ?? 0) + extra;
      const rate = flowRate(a, now);
      const total = ups.reduce((s, [, n]) => s + n, 0);
      return rate >= 0 && rate <= total;
    }));
  });
});

describe('new edges', () => {
  it('an edge is new from the delta that first brings it until NEW_EDGE_MS later', () => {
    let a = recordDelta(startActivity(T), T + 1000, { connections: 1, newEdges: [tcpForwarded.key] });
    a = recordDelta(a, T + 5000, { connections: 1, newEdges: [tcpForwarded.key, tcpDropped.key] });
    expect(a.firstSeen.get(tcpForwarded.key)).toBe(T + 1000);
    expect(recentEdges(a, T + 2000)).toEqual({ keys: new Set([tcpForwarded.key, tcpDropped.key]), nextExpiry: T + 1000 + NEW_EDGE_MS });
    expect(recentEdges(a, T + 1000 + NEW_EDGE_MS)).toEqual({ keys: new Set([tcpDropped.key]), nextExpiry: T + 5000 + NEW_EDGE_MS });
    expect(recentEdges(a, T + 5000 + NEW_EDGE_MS)).toEqual({ keys: new Set(), nextExpiry: undefined });
  });

  it.each([
    { name: 'unfolded: the edge between its two workloads', collapsed: [], edge: tcpForwarded, marked: [`${web.key}=>${cart.key}`] },
    { name: 'its target namespace folded: the edge into the namespace group', collapsed: ['ns:prod/kube-system'], edge: dnsLookup, marked: [`${web.key}=>ns:prod/kube-system`] },
    { name: 'both ends in one folded cluster: nothing (the edge is inside the group)', collapsed: ['cluster:prod'], edge: tcpForwarded, marked: [] },
    { name: 'across clusters, one folded: the edge from the cluster group', collapsed: ['cluster:dev'], edge: tcpDropped, marked: [`cluster:dev=>${web.key}`] },
  ])('marks the drawn edge that carries it: $name', ({ collapsed, edge, marked }) => {
    const got = markedDisplayEdges(new Set([edge.key]), [tcpForwarded, tcpDropped, dnsLookup], nodes, new Set(collapsed));
    expect([...got]).toEqual(marked);
  });

  it('marks nothing for an edge that is not new', () => {
    expect(markedDisplayEdges(new Set([dnsLookup.key]), [tcpForwarded], nodes, new Set()).size).toBe(0);
  });
});
