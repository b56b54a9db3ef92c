/**
 * Initial positions, seeded by cluster then namespace so that clusters start (and, with
 * ForceAtlas2's gravity kept low, stay) as separate islands. Deterministic: same nodes, same
 * positions, so a shared URL opens on the same picture.
 */
import type { MapNode } from '../types.ts';

export interface Point { x: number; y: number }

const GOLDEN = Math.PI * (3 - Math.sqrt(5));

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return (h >>> 0) / 4294967296;
}

/** Points on a sunflower spiral: even density for any count. */
export function spiral(i: number, spacing: number): Point {
  const r = spacing * Math.sqrt(i + 0.5);
  const a = i * GOLDEN;
  return { x: r * Math.cos(a), y: r * Math.sin(a) };
}

/** `spacing`: between neighbouring nodes, in layout units (an aggregate map, whose seed is final, spaces its groups wider). */
export function seedPositions(nodes: readonly MapNode[], spacing = 10): Map<string, Point> {
  const byCluster = new Map<string, Map<string, MapNode[]>>();
  const outside: MapNode[] = [];
  for (const n of nodes) {
    if (n.cluster === undefined) { outside.push(n); continue; }
    let nss = byCluster.get(n.cluster);
    if (!nss) byCluster.set(n.cluster, (nss = new Map()));
    const ns = n.namespace ?? '';
    let list = nss.get(ns);
    if (!list) nss.set(ns, (list = []));
    list.push(n);
  }
  const clusters = [...byCluster.keys()].sort();
  const out = new Map<string, Point>();
  // size each cluster's island by its node count, then place islands on a ring wide enough
  const radii = clusters.map((c) => {
    const sizes = [...byCluster.get(c)!.values()].map((l) => l.length);
    const nsSpacing = spacing * 0.9 * Math.sqrt(Math.max(...sizes) + 1) * 1.5;
    return nsSpacing * Math.sqrt(sizes.length + 0.5) + spacing * Math.sqrt(Math.max(...sizes) + 1);
  });
  const ringRadius = clusters.length <= 1 ? 0 : Math.max(...radii) * 2.4 / (2 * Math.sin(Math.PI / clusters.length));
  clusters.forEach((c, ci) => {
    const angle = (2 * Math.PI * ci) / Math.max(1, clusters.length) - Math.PI / 2;
    const cx = ringRadius * Math.cos(angle);
    const cy = ringRadius * Math.sin(angle);
    const nss = byCluster.get(c)!;
    const names = [...nss.keys()].sort();
    // namespaces on a spiral inside the island, spaced by the largest namespace
    const largest = Math.max(...names.map((ns) => nss.get(ns)!.length));
    const nsSpacing = spacing * 0.9 * Math.sqrt(largest + 1) * 1.5;
    names.forEach((ns, ni) => {
      const members = nss.get(ns)!.sort((a, b) => (a.key < b.key ? -1 : 1));
      const centre = spiral(ni, nsSpacing);
      members.forEach((m, mi) => {
        const p = spiral(mi, spacing * 0.9);
        const jitter = (hash(m.key) - 0.5) * 0.3 * spacing;
        out.set(m.key, { x: cx + centre.x + p.x + jitter, y: cy + centre.y + p.y - jitter });
      });
    });
  });
  // external peers on an outer ring, so they never sit inside a cluster's island
  const outer = ringRadius + Math.max(0, ...radii) + 8 * spacing;
  outside.sort((a, b) => (a.key < b.key ? -1 : 1)).forEach((n, i) => {
    const a = (2 * Math.PI * (i + 0.5)) / Math.max(1, outside.length);
    out.set(n.key, { x: outer * Math.cos(a), y: outer * Math.sin(a) });
  });
  return out;
}
