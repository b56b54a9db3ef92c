import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../../server/graph/recent-map.ts';

type Op = { readonly kind: 'set'; readonly key: number; readonly value: number } | { readonly kind: 'get'; readonly key: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
    fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
  ),
  { maxLength: 300 },
);

/** Plays `script` on a RecentMap and on a plain Map with the order of last use (the reference). */
function play(capacity: number, script: readonly Op[]) {
  const map = new RecentMap<number, number>(capacity);
  const values = new Map<number, number>();
  /** Keys in order of last use, most recent last (a get of a key the map no longer holds is no use). */
  const used: number[] = [];
  const use = (key: number): void => {
    const at = used.indexOf(key);
    if (at >= 0) used.splice(at, 1);
    used.push(key);
  };
  let maxSize = 0;
  for (const op of script) {
    if (op.kind === 'set') {
      map.set(op.key, op.value);
      values.set(op.key, op.value);
      use(op.key);
    } else {
      const got = map.get(op.key);
      // Whatever it answers is the value last set, never a stale one nor one never set.
      if (got !== undefined) {
        expect(got).toBe(values.get(op.key));
        use(op.key);
      }
    }
    maxSize = Math.max(maxSize, map.size);
  }
  return { map, values, used, maxSize };
}

describe('RecentMap', () => {
  it('never holds more than its capacity', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20 }), ops, (capacity, script) => {
      expect(play(capacity, script).maxSize).toBeLessThanOrEqual(capacity);
    }));
  });

  it('keeps every key used within the last capacity / 2 distinct keys, with its last value', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20 }), ops, fc.nat(), (capacity, script, pick) => {
      const { map, values, used } = play(capacity, script);
      const recent = used.slice(-Math.floor(capacity / 2));
      fc.pre(recent.length > 0);
      const key = recent[pick % recent.length];
      expect(map.get(key)).toBe(values.get(key));
    }));
  });

  it('counts what it dropped', () => {
    const map = new RecentMap<number, number>(4);
    for (let i = 0; i < 10; i++) map.set(i, i);
    expect(map.size + map.evicted).toBe(10);
  });

  it('keeps a key read at every turnover however many others pass through', () => {
    const map = new RecentMap<string, number>(8);
    map.set('hot', 1);
    for (let i = 0; i < 1000; i++) {
      map.set(`cold-${i}`, i);
      expect(map.get('hot')).toBe(1);
    }
    expect(map.size).toBeLessThanOrEqual(8);
  });

  it('calls back at each turnover', () => {
    let turnovers = 0;
    const map = new RecentMap<number, number>(6, () => turnovers++);
    for (let i = 0; i < 9; i++) map.set(i, i);
    expect(turnovers).toBe(3);
  });

  it('refuses a capacity below 2, saying what to pass', () => {
    expect(() => new RecentMap(1)).toThrow(/capacity 1 is not an integer of at least 2/);
    expect(() => new RecentMap(2.5)).toThrow(RangeError);
  });
});
