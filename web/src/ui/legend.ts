/**
 * The legend. The page's entry (boot.ts) draws it before the first paint: a DOM change after
 * that paint costs a repaint, which in software rendering runs on the GPU thread that sigma's
 * WebGL work then waits behind (one trace of the first page load after the browser started: a
 * raster of 0.17 s and a composite of 0.37 s for the legend and status the app chunk wrote).
 */
import { NEW_EDGE_COLOR, nodeLook, VERDICT_COLORS } from '../state/style.ts';
import { append, h } from './dom.ts';

export function renderLegend(ul: HTMLElement): void {
  const item = (swatch: HTMLElement, text: string): HTMLElement => h('li', {}, swatch, text);
  append(ul,
    item(h('span', { class: 'swatch', style: `background:${VERDICT_COLORS.forwarded}` }), 'forwarded'),
    item(h('span', { class: 'swatch', style: `background:${VERDICT_COLORS.dropped}` }), 'dropped'),
    item(h('span', { class: 'swatch', style: `background:${VERDICT_COLORS.audit}` }), 'audit'),
    item(h('span', { class: 'swatch', style: `background:${VERDICT_COLORS.mixed}` }), 'forwarded and dropped'),
    item(h('span', { class: 'swatch', style: 'background:#555;height:6px' }), 'inter-cluster: dot at the source, drawn on top'),
    item(h('span', { class: 'swatch node', style: `background:${nodeLook('workload').color}` }), 'workload'),
    item(h('span', { class: 'swatch node', style: `background:${nodeLook('external').color};border-radius:0;transform:rotate(45deg)` }), 'external peer'),
    item(h('span', { class: 'swatch node', style: `background:${nodeLook('workload', 'dns').color};border-radius:0` }), 'DNS'),
    item(h('span', { class: 'swatch node', style: `background:${nodeLook('host').color};border-radius:0` }), 'host / reserved'),
    item(h('span', { class: 'swatch dashed' }), 'diff: allowed, never seen'),
    item(h('span', { class: 'swatch node', style: `background:transparent;border:2px solid ${NEW_EDGE_COLOR}` }), 'Live: edge new in the last minute'),
  );
}
