/**
 * Which program set sigma is built with, chosen from the number of edges in the data to show
 * (per port; the drawn edges, one per direction, are at most as many) before sigma is constructed (sigma compiles one program for all edges from its primitives and cannot
 * swap them later). In software WebGL a frame's cost is fragment fill: the curved path, arrow
 * and dash code and the edge picking pass cost seconds per frame on 50,000 edges.
 */

/** Past this many edges the map is "large". */
export const LARGE_MAP_EDGES = 3000;

/**
 * `full`: curved parallel edges, arrow heads, tail dots, dashed unobserved paths, clickable
 * edges, every camera frame drawn. `light`: straight edges (both directions on one line), no
 * arrows, dots, dashes or edge picking, camera moves shift the last frame (BitmapMover).
 */
export type RenderProfile = 'full' | 'light';

export function renderProfileFor(edges: number): RenderProfile {
  return edges > LARGE_MAP_EDGES ? 'light' : 'full';
}
