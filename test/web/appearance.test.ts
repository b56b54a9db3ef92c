import { describe, expect, it } from 'vitest';
import { displayEdgeKey, toDisplayEdges } from '../../web/src/state/display.ts';
import { edgeWidth, hslToHex, nodeLook, riskColor, verdictClass, worstDiff } from '../../web/src/state/style.ts';
import { convexHull, padHull } from '../../web/src/state/hull.ts';
import { seedPositions } from '../../web/src/state/seed.ts';
import { cart, nodes, reply, tcpForwarded, web } from './fixtures.ts';

describe('display edges', () => {
  it('folds the ports of one direction into one edge and keeps the other direction apart', () => {
    const second = { ...tcpForwarded, key: 'k2', port: 9090, count: 5, verdicts: { DROPPED: 5 } };
    const out = toDisplayEdges([tcpForwarded, second, reply]);
    expect(out).toHaveLength(2);
    const fwd = out.find((d) => d.key === displayEdgeKey(web.key, cart.key))!;
    expect(fwd).toMatchObject({ count: 15, verdicts: { FORWARDED: 10, DROPPED: 5 }, ports: ['TCP/7070', 'TCP/9090'] });
    expect(verdictClass(fwd.verdicts)).toBe('mixed');
  });

  it('an observed category wins over unobserved, and would-break over everything', () => {
    expect(worstDiff('unobserved', 'allowed')).toBe('allowed');
    expect(worstDiff('would-break', 'blocked')).toBe('would-break');
    expect(worstDiff(undefined, 'blocked')).toBe('blocked');
  });
});

describe('styles', () => {
  it('edge width grows with the log of the volume and stays bounded', () => {
    expect(edgeWidth(0)).toBe(1);
    expect(edgeWidth(1000)).toBeGreaterThan(edgeWidth(10));
    expect(edgeWidth(1e12)).toBeLessThanOrEqual(9);
  });

  it('external peers, DNS and hosts each get their own shape', () => {
    const shapes = new Set([nodeLook('workload').shape, nodeLook('external').shape, nodeLook('workload', 'dns').shape, nodeLook('host').shape]);
    expect(shapes.size).toBe(4);
  });

  it('risk colours are #rrggbb (the form the WebGL renderer reads) from green through amber to red', () => {
    const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    for (const score of [0, 1, 25, 50, 75, 99, 100, -5, 250, Number.NaN]) expect(riskColor(score)).toMatch(/^#[0-9a-f]{6}$/);
    const [r0, g0] = rgb(riskColor(0));
    const [r100, g100] = rgb(riskColor(100));
    expect(g0).toBeGreaterThan(r0 * 2);
    expect(r100).toBeGreaterThan(g100 * 2);
    const [r50, g50, b50] = rgb(riskColor(50));
    expect(Math.min(r50, g50)).toBeGreaterThan(b50 * 2);
  });

  it('hslToHex agrees with known colours', () => {
    expect(hslToHex(0, 1, 0.5)).toBe('#ff0000');
    expect(hslToHex(120, 1, 0.25)).toBe('#008000');
    expect(hslToHex(240, 1, 0.5)).toBe('#0000ff');
    expect(hslToHex(0, 0, 1)).toBe('#ffffff');
    expect(hslToHex(39, 1, 0.5)).toBe('#ffa600');
  });

  it('classifies verdict mixes', () => {
    expect(verdictClass({ FORWARDED: 1 })).toBe('forwarded');
    expect(verdictClass({ DROPPED: 1 })).toBe('dropped');
    expect(verdictClass({ AUDIT: 2 })).toBe('audit');
    expect(verdictClass({})).toBe('other');
  });
});

describe('seed positions and hulls', () => {
  it('places every node, deterministically, with clusters apart from each other', () => {
    const a = seedPositions(nodes);
    const b = seedPositions(nodes);
    expect([...a.keys()].sort()).toEqual(nodes.map((n) => n.key).sort());
    expect(a).toEqual(b);
    const prod = a.get(web.key)!;
    const dev = a.get('wl:dev/tools/Deployment/debug-shell')!;
    const sameCluster = Math.hypot(prod.x - a.get(cart.key)!.x, prod.y - a.get(cart.key)!.y);
    expect(Math.hypot(prod.x - dev.x, prod.y - dev.y)).toBeGreaterThan(sameCluster * 3);
  });

  it('the convex hull of a square and its centre is the square', () => {
    const hull = convexHull([{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }, { x: 0.5, y: 0.5 }]);
    expect(hull).toHaveLength(4);
    expect(hull).not.toContainEqual({ x: 0.5, y: 0.5 });
  });

  it('padding pushes every hull point away from the centroid', () => {
    const padded = padHull([{ x: 0, y: 0 }, { x: 2, y: 0 }, { x: 1, y: 2 }], 1);
    expect(padded[0].x).toBeLessThan(0);
    expect(padHull([{ x: 5, y: 5 }], 2)).toHaveLength(6);
  });
});
