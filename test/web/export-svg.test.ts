import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSvg, type MapScene, type SceneEdge, type SceneNode } from '../../web/src/export/svg.ts';
import { allElements, parseXml, type XmlElement } from './xml.ts';

const node = (key: string, x: number, y: number, patch: Partial<SceneNode> = {}): SceneNode => ({
  key, x, y, radius: 7, color: '#3578b8', shape: 'circle', opacity: 1, title: key, ...patch,
});
const edge = (from: SceneNode, to: SceneNode, patch: Partial<SceneEdge> = {}): SceneEdge => ({
  key: `${from.key}->${to.key}`, from, to, toRadius: to.radius, color: '#7a8794', width: 1.5, opacity: 1, dashed: false, ...patch,
});
const frontend = node('wl:prod/boutique/Deployment/frontend', 100, 120);
const cart = node('wl:prod/boutique/Deployment/cartservice', 300, 200);
const boutique = node('ns:prod/boutique', 500, 80, { shape: 'square', radius: 12 });
const twoWorkloadsAndANamespace: MapScene = {
  width: 800, height: 600, background: '#f7f8fa', halo: 'rgba(247,248,250,0.9)',
  outlines: [
    { points: [{ x: 60, y: 90 }, { x: 340, y: 90 }, { x: 340, y: 240 }, { x: 60, y: 240 }], fill: 'rgba(80,180,160,0.08)', stroke: 'rgba(80,180,160,0.6)', width: 2, dash: [], label: 'cluster prod', labelColor: '#3a9', fontSize: 14, fontWeight: 600 },
    { points: [{ x: 80, y: 100 }, { x: 320, y: 100 }, { x: 200, y: 230 }], fill: 'rgba(80,180,160,0.1)', stroke: 'rgba(80,180,160,0.35)', width: 1, dash: [4, 4], label: 'boutique', labelColor: '#555', fontSize: 11, fontWeight: 400 },
  ],
  nodes: [frontend, cart, boutique],
  edges: [edge(frontend, cart), edge(cart, boutique, { dashed: true, opacity: 0.06 })],
  labels: [
    { text: 'prod/boutique/frontend', left: 110, y: 120, strong: true, color: '#1d2733' },
    { text: 'cartservice', left: 310, y: 200, strong: false, color: '#1d2733' },
  ],
};

const group = (root: XmlElement, cls: string): XmlElement => root.children.find((c) => c.name === 'g' && c.attributes.class === cls)!;

describe('SVG export of the map', () => {
  it('is a well-formed SVG document of the view size', () => {
    const root = parseXml(renderSvg(twoWorkloadsAndANamespace));
    expect(root.name).toBe('svg');
    expect(root.attributes).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '800', height: '600', viewBox: '0 0 800 600' });
  });

  it('draws one shape per node and one line with an arrow head per edge', () => {
    const root = parseXml(renderSvg(twoWorkloadsAndANamespace));
    const nodes = group(root, 'nodes').children;
    expect(nodes.map((n) => n.attributes['data-key'])).toEqual([frontend.key, cart.key, boutique.key]);
    expect(nodes.map((n) => n.name)).toEqual(['circle', 'circle', 'rect']);
    const edges = group(root, 'edges').children;
    expect(edges).toHaveLength(2);
    for (const e of edges) expect(e.children.map((c) => c.name)).toEqual(['line', 'polygon']);
  });

  it('draws the cluster and namespace outlines first, each labelled above its top point, namespaces dashed', () => {
    const root = parseXml(renderSvg(twoWorkloadsAndANamespace));
    expect(root.children.filter((c) => c.name === 'g').map((g) => g.attributes.class)).toEqual(['outlines', 'edges', 'nodes', 'labels']);
    const [cluster, ns] = group(root, 'outlines').children;
    expect(cluster.children[1]).toMatchObject({ name: 'text', text: 'cluster prod', attributes: { x: '60', y: '86' } });
    expect(cluster.children[0].attributes['stroke-dasharray']).toBeUndefined();
    expect(ns.children[0].attributes['stroke-dasharray']).toBe('4 4');
    expect(ns.children[0].attributes.points).toBe('80,100 320,100 200,230');
  });

  it('writes the labels drawn on screen, the strong one bold', () => {
    const labels = group(parseXml(renderSvg(twoWorkloadsAndANamespace)), 'labels').children;
    expect(labels.map((l) => l.text)).toEqual(['prod/boutique/frontend', 'cartservice']);
    expect(labels[0].attributes['font-weight']).toBe('600');
  });

  it('keeps dashed and dimmed edges dashed and faint', () => {
    const [plain, dashed] = group(parseXml(renderSvg(twoWorkloadsAndANamespace)), 'edges').children.map((g) => g.children[0]);
    expect(plain.attributes['stroke-dasharray']).toBeUndefined();
    expect(dashed.attributes['stroke-dasharray']).toBe('6 7');
    expect(dashed.attributes['stroke-opacity']).toBe('0.1');
  });

  it('ends the arrow head on the target border, not its centre', () => {
    const head = group(parseXml(renderSvg({ ...twoWorkloadsAndANamespace, edges: [edge(node('a', 0, 0), node('b', 100, 0, { radius: 10 }))] })), 'edges').children[0].children[1];
    expect(head.attributes.points.split(' ')[0]).toBe('90,0');
  });

  it('escapes names so that any label or key stays well-formed and reads back unchanged (less the characters XML forbids)', () => {
    // eslint-disable-next-line no-control-regex
    const xmlSafe = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (label, key) => {
      const scene: MapScene = { ...twoWorkloadsAndANamespace, nodes: [node(key, 1, 2, { title: label })], edges: [], labels: [{ text: label, left: 0, y: 0, strong: false, color: '#000' }] };
      const root = parseXml(renderSvg(scene));
      expect(group(root, 'labels').children[0].text).toBe(xmlSafe(label));
      const circle = allElements(root).find((e) => e.name === 'circle')!;
      expect(circle.attributes['data-key']).toBe(xmlSafe(key));
      expect(circle.children[0].text).toBe(xmlSafe(label));
    }));
  });
});
