/**
 * The view state that lives in the URL (level, filters, selection, camera, mode, collapsed
 * groups) so a view can be shared. Decoding never throws: an unknown or malformed value is
 * dropped and the default used, because URLs are typed by hand and pasted from chats.
 */
import { LEVELS, VERDICTS } from '../../../generator/model/index.ts';
import type { DiffCategory, L4Protocol, Level, Verdict } from '../types.ts';
import { DIFF_CATEGORIES } from '../types.ts';
import { EMPTY_FILTERS, type Filters } from './filters.ts';

export type ViewMode = 'map' | 'diff' | 'table';
export const VIEW_MODES: readonly ViewMode[] = ['map', 'diff', 'table'];

export interface CameraView {
  readonly x: number;
  readonly y: number;
  readonly ratio: number;
}

export interface ViewState {
  readonly level: Level;
  readonly mode: ViewMode;
  readonly filters: Filters;
  /** A node or edge key. */
  readonly selection?: string;
  readonly camera?: CameraView;
  /** Keys of collapsed cluster/namespace groups. */
  readonly collapsed: readonly string[];
  /** Diff mode: only the edges of this category (a chip of the diff bar). */
  readonly diffOnly?: DiffCategory;
}

export const DEFAULT_VIEW: ViewState = { level: 'workload', mode: 'map', filters: EMPTY_FILTERS, collapsed: [] };

const PROTOCOLS: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6', 'OTHER'];

const list = (value: string | null): string[] => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

function int(value: string | null, min: number, max: number): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

function num(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * `autoCollapsed`: the groups the map folded by itself on opening (readableCollapse). The URL
 * leaves them out (the same data folds the same way on the next open) and says `collapsed=`
 * (empty) when the user has opened everything, so that a large estate's URL stays short.
 */
export function encodeViewState(view: ViewState, autoCollapsed?: readonly string[]): string {
  const p = new URLSearchParams();
  if (view.level !== DEFAULT_VIEW.level) p.set('level', view.level);
  if (view.mode !== DEFAULT_VIEW.mode) p.set('mode', view.mode);
  const f = view.filters;
  if (f.clusters.length) p.set('clusters', f.clusters.join(','));
  if (f.namespaces.length) p.set('namespaces', f.namespaces.join(','));
  if (f.verdicts.length) p.set('verdicts', f.verdicts.join(','));
  if (f.protocol) p.set('protocol', f.protocol);
  if (f.port !== undefined) p.set('port', String(f.port));
  if (f.since !== undefined) p.set('since', String(f.since));
  if (f.until !== undefined) p.set('until', String(f.until));
  if (f.hideInfra) p.set('hideInfra', '1');
  if (f.interClusterOnly) p.set('inter', '1');
  if (view.diffOnly) p.set('diff', view.diffOnly);
  const auto = autoCollapsed !== undefined && autoCollapsed.length === view.collapsed.length && autoCollapsed.every((k, i) => view.collapsed[i] === k);
  if (auto) { /* the map folds these by itself */ } else if (view.collapsed.length) p.set('collapsed', view.collapsed.join(','));
  else if (autoCollapsed?.length) p.set('collapsed', '');
  if (view.selection) p.set('sel', view.selection);
  if (view.camera) {
    const c = view.camera;
    p.set('cam', [c.x, c.y, c.ratio].map((v) => Number(v.toFixed(4))).join(','));
  }
  return p.toString();
}

export function decodeViewState(query: string): ViewState {
  const p = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const level = LEVELS.includes(p.get('level') as Level) ? (p.get('level') as Level) : DEFAULT_VIEW.level;
  const mode = VIEW_MODES.includes(p.get('mode') as ViewMode) ? (p.get('mode') as ViewMode) : DEFAULT_VIEW.mode;
  const protocol = PROTOCOLS.includes(p.get('protocol') as L4Protocol) ? (p.get('protocol') as L4Protocol) : undefined;
  const filters: Filters = {
    clusters: list(p.get('clusters')),
    namespaces: list(p.get('namespaces')),
    verdicts: list(p.get('verdicts')).filter((v): v is Verdict => VERDICTS.includes(v as Verdict)),
    ...(protocol ? { protocol } : {}),
    ...(int(p.get('port'), 1, 65535) !== undefined ? { port: int(p.get('port'), 1, 65535) } : {}),
    ...(int(p.get('since'), 0, 8.64e15) !== undefined ? { since: int(p.get('since'), 0, 8.64e15) } : {}),
    ...(int(p.get('until'), 0, 8.64e15) !== undefined ? { until: int(p.get('until'), 0, 8.64e15) } : {}),
    hideInfra: p.get('hideInfra') === '1',
    ...(p.get('inter') === '1' ? { interClusterOnly: true } : {}),
  };
  const diffOnly = DIFF_CATEGORIES.includes(p.get('diff') as DiffCategory) ? (p.get('diff') as DiffCategory) : undefined;
  let camera: CameraView | undefined;
  const cam = list(p.get('cam')).map((s) => num(s));
  if (cam.length === 3 && cam.every((v) => v !== undefined) && (cam[2] as number) > 0) {
    camera = { x: cam[0] as number, y: cam[1] as number, ratio: cam[2] as number };
  }
  const selection = p.get('sel') || undefined;
  return { level, mode, filters, collapsed: list(p.get('collapsed')), ...(selection ? { selection } : {}), ...(camera ? { camera } : {}), ...(diffOnly ? { diffOnly } : {}) };
}
