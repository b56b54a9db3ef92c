import { describe, expect, it } from 'vitest';
import { collapseGraph, representativeOf } from '../../web/src/state/collapse.ts';
import { toDisplayEdges } from '../../web/src/state/display.ts';
import { verdictClass } from '../../web/src/state/style.ts';
import { cart, graph, stripe, tcpForwarded, web, reply, devShell } from './fixtures.ts';

describe('collapse and expand', () => {
  it('collapsing nothing returns the graph unchanged', () => {
    expect(collapseGraph(graph, new Set())).toBe(graph);
  });

  it('a collapsed namespace becomes one group node and its internal edges one self-edge per port', () => {
    const out = collapseGraph(graph, new Set(['ns:prod/shop']));
    const group = out.nodes.find((n) => n.key === 'ns:prod/shop');
    expect(group).toMatchObject({ kind: 'group', members: 2, label: 'prod/shop' });
    expect(out.nodes.map((n) => n.key)).not.toContain(web.key);
    const internal = out.edges.filter((e) => e.source === 'ns:prod/shop' && e.target === 'ns:prod/shop');
    expect(internal.map((e) => e.port).sort()).toEqual([7070, 8080]);
    expect(internal.find((e) => e.port === 7070)!.count).toBe(tcpForwarded.count);
  });

  it('edges that meet at a collapsed cluster add their counts and verdicts and widen their time window', () => {
    const a = { ...reply, key: 'a', source: devShell.key, target: cart.key, port: 9000, count: 2, verdicts: { FORWARDED: 2 }, firstSeen: 10, lastSeen: 20 };
    const b = { ...a, key: 'b', target: web.key, count: 3, verdicts: { DROPPED: 3 }, firstSeen: 5, lastSeen: 15 };
    const out = collapseGraph({ nodes: [web, cart, devShell], edges: [a, b] }, new Set(['cluster:prod']));
    expect(out.edges).toHaveLength(1);
    expect(out.edges[0]).toMatchObject({ source: devShell.key, target: 'cluster:prod', count: 5, verdicts: { FORWARDED: 2, DROPPED: 3 }, firstSeen: 5, lastSeen: 20 });
  });

  it('external peers are never folded into a group', () => {
    expect(representativeOf(stripe, new Set(['cluster:prod']))).toBe(stripe.key);
  });

  it('a folded map draws one edge per ordered pair of groups: ports merged, counts summed, the worst verdict kept, the ports listed', () => {
    const a = { ...reply, key: 'a', source: devShell.key, target: cart.key, port: 9000, count: 2, verdicts: { FORWARDED: 2 }, firstSeen: 10, lastSeen: 20 };
    const b = { ...a, key: 'b', target: web.key, protocol: 'UDP' as const, port: 53, count: 3, verdicts: { DROPPED: 3 } };
    const drawn = toDisplayEdges(collapseGraph({ nodes: [web, cart, devShell], edges: [a, b] }, new Set(['cluster:prod'])).edges);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]).toMatchObject({ source: devShell.key, target: 'cluster:prod', count: 5, ports: ['TCP/9000', 'UDP/53'] });
    expect(drawn[0]!.members).toHaveLength(2);
    expect(verdictClass(drawn[0]!.verdicts)).toBe('mixed');
  });
});
