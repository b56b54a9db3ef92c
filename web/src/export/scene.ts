/**
 * The scene the map shows now, read from the graph (positions, colours, visibility), sigma's
 * camera and item states (hidden, dimmed), the outlines and the labels the label pass placed: what the SVG
 * export draws.
 */
import { outlineLook, type MapView } from '../render/map.ts';
import { THEME } from '../render/theme.ts';
import type { MapScene, SceneEdge, SceneLabel, SceneNode, SceneShape } from './svg.ts';

const SHAPES: ReadonlySet<string> = new Set<SceneShape>(['circle', 'square', 'triangle', 'diamond']);

/** Opacity of dimmed items, as the map's styles draw them. */
const DIMMED_NODE = 0.15;
const DIMMED_EDGE = 0.06;

export function sceneOfMap(map: MapView): MapScene {
  const s = map.sigma;
  const g = map.graph;
  const { width, height } = s.getDimensions();
  const shown = (k: string): boolean => g.getNodeAttribute(k, 'visibility') === 'visible' && !s.getNodeState(k).isHidden;
  const nodes: SceneNode[] = [];
  const at = new Map<string, { x: number; y: number; radius: number }>();
  g.forEachNode((key, a) => {
    if (!shown(key)) return;
    const p = s.graphToViewport(a);
    const radius = a.selected ? a.hoverSize : a.size;
    at.set(key, { x: p.x, y: p.y, radius });
    nodes.push({
      key, x: p.x, y: p.y, radius, color: a.color, title: a.label,
      shape: SHAPES.has(a.shape) ? (a.shape as SceneShape) : 'circle',
      opacity: s.getNodeState(key).dimmed ? DIMMED_NODE : 1,
    });
  });
  const edges: SceneEdge[] = [];
  g.forEachEdge((key, a, source, target) => {
    if (a.visibility !== 'visible' || s.getEdgeState(key).isHidden) return;
    const from = at.get(source);
    const to = at.get(target);
    if (!from || !to) return;
    edges.push({
      key, from, to, toRadius: to.radius, color: a.color, width: a.size, dashed: a.dashSize > 0,
      opacity: s.getEdgeState(key).dimmed ? DIMMED_EDGE : a.opacity,
    });
  });
  // Higher zIndex on top (inter-cluster and would-break edges), as sigma draws them.
  edges.sort((x, y) => g.getEdgeAttribute(x.key, 'zIndex') - g.getEdgeAttribute(y.key, 'zIndex'));
  const labels: SceneLabel[] = map.drawnLabels.map((l) => ({
    text: l.text, left: l.left, y: l.y, strong: !!l.strong,
    color: g.hasNode(l.key) && s.getNodeState(l.key).dimmed ? THEME.labelDimmed : THEME.label,
  }));
  const outlines = map.outlines().map((o) => ({ points: o.points, ...outlineLook(o) }));
  return { width, height, background: THEME.stage, halo: THEME.halo, outlines, nodes, edges, labels };
}
