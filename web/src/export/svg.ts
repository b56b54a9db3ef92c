/**
 * The map as an SVG document: the outlines, nodes, edges and labels drawn on screen, at their viewport
 * positions (the scene is read from the graph and the camera, see scene.ts), so the file looks
 * like the view and stays sharp when zoomed or printed. Pure: a scene in, a string out.
 */

export type SceneShape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface SceneNode {
  readonly key: string;
  /** Viewport pixels. */
  readonly x: number;
  readonly y: number;
  readonly radius: number;
  readonly color: string;
  readonly shape: SceneShape;
  readonly opacity: number;
  /** The node's name, kept as the shape's tooltip (<title>). */
  readonly title: string;
}

export interface SceneEdge {
  readonly key: string;
  readonly from: { readonly x: number; readonly y: number };
  readonly to: { readonly x: number; readonly y: number };
  /** The target's radius: the arrow head ends on its border. */
  readonly toRadius: number;
  readonly color: string;
  readonly width: number;
  readonly opacity: number;
  /** Unobserved paths are dashed on the map. */
  readonly dashed: boolean;
}

export interface SceneLabel {
  readonly text: string;
  /** The label box's left edge and vertical middle, viewport pixels. */
  readonly left: number;
  readonly y: number;
  readonly strong: boolean;
  readonly color: string;
}

export interface SceneOutline {
  /** Viewport pixels, closed. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly fill: string;
  readonly stroke: string;
  readonly width: number;
  readonly dash: readonly number[];
  /** Written centred above the outline's top point. */
  readonly label: string;
  readonly labelColor: string;
  readonly fontSize: number;
  readonly fontWeight: number;
}

export interface MapScene {
  readonly width: number;
  readonly height: number;
  readonly background: string;
  readonly halo: string;
  /** Cluster and namespace outlines, under everything else. */
  readonly outlines: readonly SceneOutline[];
  readonly nodes: readonly SceneNode[];
  readonly edges: readonly SceneEdge[];
  readonly labels: readonly SceneLabel[];
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text and attribute values escaped for XML; characters XML 1.0 forbids are dropped. */
export function escapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

const num = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0');

function nodeShape(n: SceneNode): string {
  const { x, y, radius: r } = n;
  const common = `fill="${escapeXml(n.color)}"${n.opacity < 1 ? ` fill-opacity="${num(n.opacity)}"` : ''} data-key="${escapeXml(n.key)}"`;
  const title = `<title>${escapeXml(n.title)}</title>`;
  switch (n.shape) {
    case 'square':
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${num(2 * r)}" height="${num(2 * r)}" ${common}>${title}</rect>`;
    case 'triangle':
      return `<polygon points="${num(x)},${num(y - r)} ${num(x + r * 0.866)},${num(y + r / 2)} ${num(x - r * 0.866)},${num(y + r / 2)}" ${common}>${title}</polygon>`;
    case 'diamond':
      return `<polygon points="${num(x)},${num(y - r)} ${num(x + r)},${num(y)} ${num(x)},${num(y + r)} ${num(x - r)},${num(y)}" ${common}>${title}</polygon>`;
    default:
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" ${common}>${title}</circle>`;
  }
}

/** A line from source to the target's border, with an arrow head of the edge's colour. */
function edgeShape(e: SceneEdge): string {
  const dx = e.to.x - e.from.x;
  const dy = e.to.y - e.from.y;
  const len = Math.hypot(dx, dy);
  const style = `stroke="${escapeXml(e.color)}" stroke-width="${num(e.width)}"${e.opacity < 1 ? ` stroke-opacity="${num(e.opacity)}"` : ''}`;
  if (len < 1e-6) return '';
  const ux = dx / len;
  const uy = dy / len;
  const tip = { x: e.to.x - ux * e.toRadius, y: e.to.y - uy * e.toRadius };
  const head = Math.max(6, e.width * 3);
  const base = { x: tip.x - ux * head, y: tip.y - uy * head };
  const half = head / 2.2;
  const line = `<line x1="${num(e.from.x)}" y1="${num(e.from.y)}" x2="${num(base.x)}" y2="${num(base.y)}" ${style}${e.dashed ? ' stroke-dasharray="6 7"' : ''}/>`;
  const arrow = `<polygon points="${num(tip.x)},${num(tip.y)} ${num(base.x - uy * half)},${num(base.y + ux * half)} ${num(base.x + uy * half)},${num(base.y - ux * half)}" fill="${escapeXml(e.color)}"${e.opacity < 1 ? ` fill-opacity="${num(e.opacity)}"` : ''}/>`;
  return `<g data-key="${escapeXml(e.key)}">${line}${arrow}</g>`;
}

function outlineShape(o: SceneOutline): string {
  if (o.points.length === 0) return '';
  const top = o.points.reduce((a, b) => (b.y < a.y ? b : a));
  const dash = o.dash.length > 0 ? ` stroke-dasharray="${o.dash.map(num).join(' ')}"` : '';
  const polygon = `<polygon points="${o.points.map((p) => `${num(p.x)},${num(p.y)}`).join(' ')}" fill="${escapeXml(o.fill)}" stroke="${escapeXml(o.stroke)}" stroke-width="${num(o.width)}" stroke-linejoin="round"${dash}/>`;
  const label = `<text x="${num(top.x)}" y="${num(top.y - 4)}" font-size="${num(o.fontSize)}" font-weight="${o.fontWeight}" fill="${escapeXml(o.labelColor)}">${escapeXml(o.label)}</text>`;
  return `<g>${polygon}${label}</g>`;
}

export function renderSvg(scene: MapScene): string {
  const { width, height } = scene;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(scene.background)}"/>`,
    '<g class="outlines" font-family="system-ui, sans-serif" text-anchor="middle">',
  ];
  for (const o of scene.outlines) out.push(outlineShape(o));
  out.push('</g>', '<g class="edges">');
  for (const e of scene.edges) out.push(edgeShape(e));
  out.push('</g>', '<g class="nodes">');
  for (const n of scene.nodes) out.push(nodeShape(n));
  out.push('</g>', `<g class="labels" font-family="system-ui, sans-serif" dominant-baseline="middle" stroke="${escapeXml(scene.halo)}" stroke-width="3" stroke-linejoin="round" paint-order="stroke">`);
  for (const l of scene.labels) {
    const font = l.strong ? 'font-size="13" font-weight="600"' : 'font-size="12"';
    out.push(`<text x="${num(l.left)}" y="${num(l.y)}" ${font} fill="${escapeXml(l.color)}">${escapeXml(l.text)}</text>`);
  }
  out.push('</g>', '</svg>', '');
  return out.join('\n');
}
