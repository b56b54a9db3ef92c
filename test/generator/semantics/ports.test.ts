import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionSet, complementIntervals, intersectIntervals, normalizeIntervals, subtractIntervals, unionIntervals } from '../../../generator/semantics/index.ts';

describe('port interval sets', () => {
  it.each([
    [[[80, 80], [81, 90], [100, 100]], [80, 90, 100, 100]],
    [[[5, 1]], []],
    [[[0, 70000]], [1, 65535]],
    [[[10, 20], [15, 30], [1, 2]], [1, 2, 10, 30]],
  ] as const)('normalizes %j to %j', (pairs, expected) => {
    expect(normalizeIntervals(pairs as unknown as [number, number][])).toEqual(expected);
  });

  it('subtracts a port from the middle of a range', () => {
    expect(subtractIntervals([1, 65535], [80, 80])).toEqual([1, 79, 81, 65535]);
  });

  it('agrees with a bitmap model for union, intersection and complement', () => {
    const small = fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 5 })), { maxLength: 4 }).map((l) =>
      normalizeIntervals(l.map(([s, w]) => [s, s + w] as [number, number])),
    );
    const bits = (iv: readonly number[]): boolean[] => Array.from({ length: 50 }, (_, p) => {
      for (let i = 0; i < iv.length; i += 2) if (p >= iv[i] && p <= iv[i + 1]) return true;
      return false;
    });
    fc.assert(
      fc.property(small, small, (a, b) => {
        const A = bits(a);
        const B = bits(b);
        expect(bits(unionIntervals(a, b))).toEqual(A.map((x, i) => x || B[i]));
        expect(bits(intersectIntervals(a, b))).toEqual(A.map((x, i) => x && B[i]));
        expect(bits(complementIntervals(a)).slice(1)).toEqual(A.map((x) => !x).slice(1));
      }),
      { numRuns: 300, seed: 1 },
    );
  });
});

describe('connection sets', () => {
  it.each([
    [ConnectionSet.ALL, 'All Connections'],
    [ConnectionSet.NONE, 'No Connections'],
    [ConnectionSet.of('TCP').subtract(ConnectionSet.of('TCP', 80)).union(ConnectionSet.of('UDP', 53)), 'TCP 1-79,81-65535,UDP 53'],
    [ConnectionSet.of('UDP', 53).union(ConnectionSet.of('SCTP', 9)).union(ConnectionSet.of('TCP', 443)), 'SCTP 9,TCP 443,UDP 53'],
    [ConnectionSet.of('TCP', 8000, 8080).union(ConnectionSet.of('TCP', 8081)), 'TCP 8000-8081'],
  ])('prints %s as %s (protocols alphabetical, ranges merged)', (set, text) => {
    expect(set.toString()).toBe(text);
  });

  it('parses its own text form back', () => {
    for (const t of ['All Connections', 'No Connections', 'TCP 1-79,81-65535,UDP 53', 'SCTP 1-65535,TCP 22']) {
      expect(ConnectionSet.parse(t).toString()).toBe(t);
    }
  });

  it('treats the union of every protocol at every port as All Connections', () => {
    const all = ConnectionSet.of('TCP').union(ConnectionSet.of('UDP')).union(ConnectionSet.of('SCTP'));
    expect(all.isAll()).toBe(true);
    expect(all.contains('UDP', 65535)).toBe(true);
  });
});
