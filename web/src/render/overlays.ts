/**
 * What the map draws on its 2D canvases around sigma's WebGL stage: cluster and namespace
 * hulls below it; over it (with the labels, which map.ts places), an attack path's unobserved
 * and cut hops, its entry from the internet, and the marks of edges new in Live mode. Each
 * function draws from viewport points it is given; where the nodes are is map.ts's business.
 */
import type { PathFocus } from '../state/attack-paths.ts';
import { convexHull, padHull } from '../state/hull.ts';
import type { Point } from '../state/seed.ts';
import { clusterTint, CUT_COLOR, NEW_EDGE_COLOR } from '../state/style.ts';
import { THEME } from './theme.ts';

/** The radius in pixels of the ring that marks a new edge's middle. */
export const NEW_EDGE_RING = 9;

/** A cluster's (strong) or namespace's outline, in graph coordinates. */
export interface Hull { label: string; tint: string; points: Point[]; strong: boolean }

/** A 2D overlay canvas sized to the stage (device pixels), its context scaled to CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

interface HullSource {
  forEachNode(fn: (key: string, a: { x: number; y: number; cluster?: string; namespace?: string; kind: string; visibility: string }) => void): void;
}

/** The outlines of what is drawn (a filter shrinks them to the nodes it keeps): one per cluster, one per namespace up to 400 of them. */
export function computeHulls(graph: HullSource): Hull[] {
  const byCluster = new Map<string, Point[]>();
  const byNs = new Map<string, Point[]>();
  graph.forEachNode((_k, a) => {
    if (a.cluster === undefined || a.visibility !== 'visible') return;
    const p = { x: a.x, y: a.y };
    let c = byCluster.get(a.cluster);
    if (!c) byCluster.set(a.cluster, (c = []));
    c.push(p);
    if (a.namespace !== undefined && a.kind !== 'namespace' && a.kind !== 'group') {
      const key = `${a.cluster}/${a.namespace}`;
      let n = byNs.get(key);
      if (!n) byNs.set(key, (n = []));
      n.push(p);
    }
  });
  const hulls: Hull[] = [];
  for (const [cluster, pts] of byCluster) hulls.push({ label: cluster, tint: cluster, points: convexHull(pts), strong: true });
  if (byNs.size <= 400) {
    for (const [ns, pts] of byNs) hulls.push({ label: ns.slice(ns.indexOf('/') + 1), tint: ns.slice(0, ns.indexOf('/')), points: convexHull(pts), strong: false });
  }
  return hulls;
}

/** The stage background and the hulls (none when outlines are off), each labelled at its top edge. */
export function drawHulls(canvas: HTMLCanvasElement, width: number, height: number, hulls: readonly Hull[], toViewport: (p: Point) => Point): void {
  const ctx = fitCanvas(canvas, width, height);
  if (!ctx) return;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = THEME.stage;
  ctx.fillRect(0, 0, width, height);
  for (const h of hulls) {
    const padded = padHull(h.points.map(toViewport), h.strong ? 34 : 16);
    if (padded.length === 0) continue;
    ctx.beginPath();
    padded.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
    ctx.closePath();
    ctx.lineJoin = 'round';
    ctx.fillStyle = clusterTint(h.tint, h.strong ? 0.08 : 0.1);
    ctx.strokeStyle = clusterTint(h.tint, h.strong ? 0.6 : 0.35);
    ctx.lineWidth = h.strong ? 2 : 1;
    ctx.setLineDash(h.strong ? [] : [4, 4]);
    ctx.fill();
    ctx.stroke();
    const top = padded.reduce((a, b) => (b.y < a.y ? b : a));
    ctx.setLineDash([]);
    ctx.font = h.strong ? '600 14px system-ui, sans-serif' : '11px system-ui, sans-serif';
    ctx.fillStyle = h.strong ? clusterTint(h.tint, 0.95) : THEME.hullLabel;
    ctx.textAlign = 'center';
    ctx.fillText(h.strong ? `cluster ${h.label}` : h.label, top.x, top.y - 4);
  }
}

/**
 * The shown attack path over the map: its hops that have no edge (allowed, never observed) as
 * dashed lines, the hop its cut removes in the cut colour with "cut" at its middle. `at`: a
 * drawn node's viewport point (undefined when it is not drawn).
 */
export function drawPath(ctx: CanvasRenderingContext2D, path: PathFocus, at: (key: string) => Point | undefined): void {
  ctx.save();
  ctx.lineCap = 'round';
  for (const l of path.links) {
    if (l.drawn && !l.cut) continue;
    const a = at(l.source), b = at(l.target);
    if (!a || !b) continue;
    ctx.strokeStyle = l.cut ? CUT_COLOR : THEME.label;
    ctx.lineWidth = l.cut ? 3 : 2;
    ctx.setLineDash(l.cut ? [9, 6] : [5, 5]);
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    if (l.cut) {
      ctx.setLineDash([]);
      ctx.font = '600 12px system-ui, sans-serif';
      ctx.lineWidth = 3; ctx.strokeStyle = THEME.halo; ctx.fillStyle = CUT_COLOR;
      const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2 - 8;
      ctx.strokeText('✂ cut', mx, my); ctx.fillText('✂ cut', mx, my);
    }
  }
  ctx.restore();
}

/** "from the internet ↓" above the node an attack path enters by (drawn over the labels: it is the path's first hop). */
export function drawPathEntry(ctx: CanvasRenderingContext2D, p: Point | undefined): void {
  if (!p) return;
  ctx.save();
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
  ctx.lineWidth = 4; ctx.strokeStyle = THEME.halo; ctx.fillStyle = CUT_COLOR;
  const y = p.y - 12;
  ctx.strokeText('from the internet ↓', p.x, y); ctx.fillText('from the internet ↓', p.x, y);
  ctx.restore();
}

/** The marks of edges new in Live mode, each given by its two ends: a halo along it and a ring at its middle. */
export function drawNewEdges(ctx: CanvasRenderingContext2D, edges: readonly (readonly [Point | undefined, Point | undefined])[]): void {
  if (!edges.length) return;
  ctx.save();
  ctx.strokeStyle = NEW_EDGE_COLOR;
  ctx.lineCap = 'round';
  for (const [a, b] of edges) {
    if (!a || !b) continue;
    ctx.globalAlpha = 0.45;
    ctx.lineWidth = 6;
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.lineWidth = 3;
    ctx.beginPath(); ctx.arc((a.x + b.x) / 2, (a.y + b.y) / 2, NEW_EDGE_RING, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.restore();
}
