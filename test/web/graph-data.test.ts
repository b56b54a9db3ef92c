import { describe, expect, it } from 'vitest';
import { applyDiff, deltaActivity, diffCategoryOf, mergeDelta, onlyDiffCategory, parseEdgeKey, riskScores } from '../../web/src/state/graph-data.ts';
import type { ApiEdge, ApiNode } from '../../web/src/types.ts';
import { cart, graph, tcpForwarded, web } from './fixtures.ts';

const apiNode = (key: string, label: string): ApiNode => ({ key, kind: 'workload', label, cluster: 'prod', namespace: 'shop' });
const apiEdge = (e: typeof tcpForwarded, patch: Partial<ApiEdge> = {}): ApiEdge => ({ ...e, ...patch });
const empty = { nodes: [], edges: [], removedEdges: [], removedNodes: [] };

describe('live deltas', () => {
  it('a delta replaces an edge with its current totals, so applying it twice changes nothing more', () => {
    const delta = { ...empty, edges: [apiEdge(tcpForwarded, { count: 25, verdicts: { FORWARDED: 25 } })] };
    const once = mergeDelta(graph, delta).graph;
    const twice = mergeDelta(once, delta).graph;
    expect(twice.edges.find((e) => e.key === tcpForwarded.key)!.count).toBe(25);
    expect(twice.edges).toHaveLength(graph.edges.length);
  });

  it('reports only nodes that did not exist before as added, so only they get a layout', () => {
    const r = mergeDelta(graph, { ...empty, nodes: [apiNode(web.key, 'web'), apiNode('wl:prod/shop/Deployment/new', 'new')] });
    expect(r.addedNodes).toEqual(['wl:prod/shop/Deployment/new']);
  });

  it('skips an edge whose end the graph does not know instead of leaving it dangling', () => {
    const r = mergeDelta(graph, { ...empty, edges: [apiEdge(tcpForwarded, { key: 'x', target: 'wl:prod/shop/Deployment/ghost' })] });
    expect(r.graph.edges.map((e) => e.key)).not.toContain('x');
  });

  it('removing a node removes its edges', () => {
    const r = mergeDelta(graph, { ...empty, removedNodes: [cart.key] });
    expect(r.graph.edges.some((e) => e.source === cart.key || e.target === cart.key)).toBe(false);
  });
});

describe('live activity', () => {
  it('counts the connections a delta adds (edge totals, not increments) and names the new edges', () => {
    const grown = { ...tcpForwarded, count: tcpForwarded.count + 7 };
    const fresh = { ...tcpForwarded, key: `${cart.key}->${web.key}|TCP|1234`, source: cart.key, target: web.key, port: 1234, count: 3 };
    const out = deltaActivity(graph, { edges: [grown, fresh] as never });
    expect(out).toEqual({ connections: 10, newEdges: [fresh.key] });
    expect(deltaActivity(graph, { edges: [tcpForwarded] as never }).connections).toBe(0);
  });
});

describe('diff', () => {
  it('parses edge keys built by flowEdgeKey', () => {
    expect(parseEdgeKey(tcpForwarded.key)).toEqual({ source: web.key, target: cart.key, protocol: 'TCP', port: 7070 });
    expect(parseEdgeKey(web.key)).toBeUndefined();
  });

  it('colors an observed edge named by its key and counts it in the summary', () => {
    const out = applyDiff(graph, { items: [{ kind: 'would-break', message: 'x', subjects: [tcpForwarded.key] }], summary: {} });
    expect(out.graph.edges.find((e) => e.key === tcpForwarded.key)!.diff).toBe('would-break');
    expect(out.summary['would-break']).toBe(1);
  });

  it('adds allowed-but-unobserved paths as their own edges', () => {
    const key = `${cart.key}->${web.key}|TCP|9999`;
    const out = applyDiff(graph, { items: [{ kind: 'unused', message: 'x', subjects: [key] }], summary: {} });
    const added = out.graph.edges.find((e) => e.key === `diff:${key}`);
    expect(added).toMatchObject({ diff: 'unobserved', count: 0, port: 9999 });
  });

  it('draws an observed edge the diff does not name as allowed, and never an unobserved one', () => {
    const out = applyDiff(graph, { items: [], summary: {} });
    const observed = out.graph.edges.filter((e) => e.count > 0);
    expect(observed.length).toBeGreaterThan(0);
    expect(observed.every((e) => e.diff === 'allowed')).toBe(true);
  });

  it('takes the counts from the API summary, not from its capped item list', () => {
    const items = Array.from({ length: 3 }, (_, i) => ({ kind: 'unused', message: 'x', subjects: [`${cart.key}->${web.key}|TCP|${9000 + i}`] }));
    const out = applyDiff(graph, { items, summary: { unusedPairs: 933, 'would-break': 1, blocked: 3, allowed: 157 } });
    expect(out.summary).toMatchObject({ unobserved: 933, 'would-break': 1, blocked: 3, allowed: 157 });
  });

  it('a diff chip keeps only its category and the nodes it joins', () => {
    const marked = applyDiff(graph, { items: [{ kind: 'would-break', message: 'x', subjects: [tcpForwarded.key] }], summary: {} }).graph;
    const only = onlyDiffCategory(marked, 'would-break');
    expect(only.edges.map((e) => e.key)).toEqual([tcpForwarded.key]);
    expect(only.nodes.map((n) => n.key).sort()).toEqual([cart.key, web.key].sort());
  });

  it('knows the aliases of the diff categories and ignores unknown kinds', () => {
    expect(diffCategoryOf('unused')).toBe('unobserved');
    expect(diffCategoryOf('blocked')).toBe('blocked');
    expect(diffCategoryOf('something-else')).toBeUndefined();
  });
});

describe('risk', () => {
  it('scores a node by its worst finding, a little more for each further one', () => {
    const risk = riskScores([
      { id: '1', severity: 'medium', code: 'a', message: 'a', subjects: [web.key] },
      { id: '2', severity: 'high', code: 'b', message: 'b', subjects: [web.key, cart.key] },
    ]);
    expect(risk.get(cart.key)).toBe(80);
    expect(risk.get(web.key)).toBe(85);
  });
});
