import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_ZOOM_OPEN, foldGroups, groupsToFold, groupToOpen, type ScreenNode } from '../../web/src/state/zoom-open.ts';

const VIEW = { width: 1000, height: 800 };
const CENTRE = { x: 500, y: 400 };
const shop: ScreenNode = { key: 'ns:prod/shop', x: 500, y: 400, group: true };
const payments: ScreenNode = { key: 'ns:prod/payments', x: 560, y: 420, group: true };
const farPayments: ScreenNode = { ...payments, x: 900, y: 750 };
const stripe: ScreenNode = { key: 'ext:52.1.2.3', x: 520, y: 390, group: false };
const offScreen: ScreenNode = { key: 'ns:dev/tools', x: 1400, y: 400, group: true };

describe('zoom to open: which group opens', () => {
  it.each([
    ['a group alone near the point zoomed onto opens', [shop, farPayments], 'ns:prod/shop'],
    ['a group with a neighbour close by stays folded (zoom in further)', [shop, payments], undefined],
    ['a workload or peer close by keeps the group folded too', [shop, stripe], undefined],
    ['a group far from the point zoomed onto does not open', [farPayments], undefined],
    ['a group off screen never opens', [offScreen], undefined],
    ['a map of workloads only has nothing to open', [{ ...shop, group: false }], undefined],
    ['the only node on screen opens', [shop], 'ns:prod/shop'],
  ])('%s', (_name, nodes, expected) => {
    expect(groupToOpen(nodes as ScreenNode[], VIEW, CENTRE)).toBe(expected);
  });

  it('of two lone groups, the one nearer the pointer opens', () => {
    const left: ScreenNode = { key: 'ns:a/left', x: 300, y: 400, group: true };
    const right: ScreenNode = { key: 'ns:a/right', x: 700, y: 400, group: true };
    expect(groupToOpen([left, right], VIEW, { x: 640, y: 400 })).toBe('ns:a/right');
  });

  it('zooming in further never closes the choice: spreading every node apart keeps a group that opened opening', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ x: fc.integer({ min: -200, max: 200 }), y: fc.integer({ min: -200, max: 200 }) }), { maxLength: 12 }),
      fc.double({ min: 1, max: 5, noNaN: true }),
      (others, zoom) => {
        const around = (k: number): ScreenNode[] => [{ ...shop, x: CENTRE.x, y: CENTRE.y },
          ...others.map((o, i) => ({ key: `wl:${i}`, x: CENTRE.x + o.x * k, y: CENTRE.y + o.y * k, group: false }))];
        if (groupToOpen(around(1), VIEW, CENTRE) === shop.key) expect(groupToOpen(around(zoom), VIEW, CENTRE)).toBe(shop.key);
      }));
  });
});

describe('zoom to open: folding back', () => {
  const opened = [{ key: 'cluster:prod', ratio: 0.4 }, { key: 'ns:prod/shop', ratio: 0.1 }];

  it.each([
    ['zoomed in further folds nothing', 0.05, []],
    ['zoomed out a little (less than the fold factor) folds nothing', 0.15, []],
    ['zoomed out past twice the namespace\'s ratio folds the namespace', 0.2, ['ns:prod/shop']],
    ['zoomed out past both folds both', 0.8, ['cluster:prod', 'ns:prod/shop']],
  ])('%s', (_name, ratio, expected) => {
    expect(groupsToFold(opened, ratio)).toEqual(expected);
  });

  it('a group folds back only past the zoom that opened it, by the fold factor', () => {
    fc.assert(fc.property(fc.double({ min: 0.001, max: 10, noNaN: true }), fc.double({ min: 0.001, max: 10, noNaN: true }), (openedAt, now) => {
      const folds = groupsToFold([{ key: 'ns:a/b', ratio: openedAt }], now).length === 1;
      expect(folds).toBe(now >= openedAt * DEFAULT_ZOOM_OPEN.foldFactor);
    }));
  });

  it('folding a namespace adds it to the folded set', () => {
    expect(foldGroups(['ns:prod/cart'], ['ns:prod/shop'])).toEqual(['ns:prod/cart', 'ns:prod/shop']);
  });

  it('folding a cluster drops the entries of its namespaces (the cluster folds whole) and keeps other clusters\'', () => {
    expect(foldGroups(['ns:prod/cart', 'ns:dev/tools'], ['cluster:prod'])).toEqual(['cluster:prod', 'ns:dev/tools']);
  });
});
