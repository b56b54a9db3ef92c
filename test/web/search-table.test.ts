import { describe, expect, it } from 'vitest';
import { searchNodes } from '../../web/src/state/search.ts';
import { edgeRows, filterRows, sortRows } from '../../web/src/state/table.ts';
import { cart, devShell, edges, nodes, tcpDropped, web } from './fixtures.ts';

const byKey = new Map(nodes.map((n) => [n.key, n]));

describe('search', () => {
  it('ranks exact and prefix matches before substrings', () => {
    const extra = { ...web, key: 'wl:prod/shop/Deployment/webhook', label: 'webhook' };
    const hits = searchNodes([...nodes, extra], 'web');
    expect(hits[0].key).toBe(web.key);
    expect(hits[1].key).toBe(extra.key);
  });

  it('matches a word inside a hyphenated name and shows the cluster/namespace as context', () => {
    const hits = searchNodes(nodes, 'shell');
    expect(hits[0]).toMatchObject({ key: devShell.key, context: 'dev/tools' });
  });

  it('an empty query finds nothing', () => {
    expect(searchNodes(nodes, '   ')).toEqual([]);
  });
});

describe('edge table', () => {
  const rows = edgeRows(edges, byKey);

  it('sorts by count descending, ties broken by key', () => {
    const sorted = sortRows(rows, 'count', true);
    expect(sorted.map((r) => r.count)).toEqual([...rows.map((r) => r.count)].sort((a, b) => b - a));
  });

  it('sorts text columns alphabetically', () => {
    const sorted = sortRows(rows, 'target', false);
    expect(sorted[0].target <= sorted[sorted.length - 1].target).toBe(true);
  });

  it('filters on every word, across columns', () => {
    expect(filterRows(rows, 'dropped inter-cluster').map((r) => r.key)).toEqual([tcpDropped.key]);
    expect(filterRows(rows, `${cart.label} 7070`).map((r) => r.port)).toEqual(['TCP/7070']);
  });
});
