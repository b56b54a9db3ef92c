import { describe, expect, it } from 'vitest';
import { collapseAround, expandGroup, readableCollapse } from '../../web/src/state/aggregate.ts';
import { collapseGraph } from '../../web/src/state/collapse.ts';
import type { MapNode } from '../../web/src/types.ts';

/** `clusters` clusters of `namespaces` namespaces of `workloads` workloads each, plus `externals` peers. */
function estate(clusters: number, namespaces: number, workloads: number, externals = 0): MapNode[] {
  const out: MapNode[] = [];
  for (let c = 0; c < clusters; c++) for (let n = 0; n < namespaces; n++) for (let w = 0; w < workloads; w++) {
    out.push({ key: `wl:c${c}/ns${n}/Deployment/w${w}`, kind: 'workload', label: `w${w}`, cluster: `c${c}`, namespace: `ns${n}` });
  }
  for (let e = 0; e < externals; e++) out.push({ key: `ext:10.0.0.${e}`, kind: 'external', label: `10.0.0.${e}` });
  return out;
}

describe('aggregation that keeps the map readable', () => {
  it.each([
    ['a demo-sized estate shows every workload', estate(3, 3, 6), 0, 'workload'],
    ['3,000 workloads in 60 namespaces open at namespaces', estate(5, 12, 50), 60, 'namespace'],
    ['10,000 workloads in 1,000 namespaces open at clusters', estate(10, 100, 10), 10, 'cluster'],
  ] as const)('%s', (_name, nodes, groups, level) => {
    const collapsed = readableCollapse(nodes);
    expect(collapsed).toHaveLength(groups);
    if (level !== 'workload') expect(collapsed.every((k) => k.startsWith(level === 'cluster' ? 'cluster:' : 'ns:'))).toBe(true);
    expect(collapseGraph({ nodes, edges: [] }, new Set(collapsed)).nodes.length).toBeLessThanOrEqual(300);
  });

  it('external peers count among the drawn nodes', () => {
    expect(readableCollapse(estate(2, 2, 70, 50), 300)).toHaveLength(4);
  });

  it('a large cluster opens into its folded namespaces, a namespace into its workloads', () => {
    const nodes = estate(2, 10, 20);
    const opened = expandGroup(['cluster:c0', 'cluster:c1'], 'cluster:c0', nodes);
    expect(opened).toContain('cluster:c1');
    expect(opened.filter((k) => k.startsWith('ns:c0/'))).toHaveLength(10);
    const ns = expandGroup(opened, 'ns:c0/ns3', nodes);
    expect(ns).not.toContain('ns:c0/ns3');
    expect(ns).toHaveLength(opened.length - 1);
  });

  it('a small cluster opens straight to its workloads', () => {
    expect(expandGroup(['cluster:c0'], 'cluster:c0', estate(1, 2, 5))).toEqual([]);
  });

  it('folding back goes one level up: a workload into its namespace, a namespace into its cluster', () => {
    const wl = estate(1, 2, 3)[0]!;
    expect(collapseAround([], wl)).toEqual(['ns:c0/ns0']);
    const nsGroup: MapNode = { key: 'ns:c0/ns0', kind: 'group', label: 'c0/ns0', cluster: 'c0', namespace: 'ns0' };
    expect(collapseAround(['ns:c0/ns0', 'ns:c0/ns1', 'ns:c1/ns0'], nsGroup)).toEqual(['cluster:c0', 'ns:c1/ns0']);
  });
});
