/**
 * Appearance computed from data (sigma style: never written into the data). Colors are
 * chosen to stay distinguishable for the common color-vision deficiencies: verdicts differ
 * in lightness as well as hue, and dropped/would-break edges are also thicker or dashed.
 */
import type { DiffCategory, MapNodeKind, VerdictCounts } from '../types.ts';

export type EdgeVerdictClass = 'forwarded' | 'dropped' | 'audit' | 'mixed' | 'other';

export const VERDICT_COLORS: Readonly<Record<EdgeVerdictClass, string>> = {
  forwarded: '#4f8fd6',
  dropped: '#e0463a',
  audit: '#e3a21a',
  mixed: '#b25bd0',
  other: '#9aa3ad',
};

/** Allowed green, blocked dark slate, would-break red, unexplained drop orange, unused purple (dashed): five hues and lightnesses apart. */
/** The hop an attack path's cut removes, drawn dashed: apart from every verdict and diff colour. */
export const CUT_COLOR = '#d6247f';
/** An edge first seen in this Live session (a ring at its middle and a halo along it, for a while): cyan, apart from every verdict, diff and cut colour. */
export const NEW_EDGE_COLOR = '#00c2d6';

export const DIFF_COLORS: Readonly<Record<DiffCategory, string>> = {
  allowed: '#3d9a5b',
  blocked: '#3b4a5a',
  'would-break': '#e0193a',
  'unexplained-drop': '#f08a00',
  unobserved: '#8c6bd6',
};

/** Higher is worse: what a merged edge shows when its members disagree. */
export const DIFF_RANK: Readonly<Record<DiffCategory, number>> = {
  unobserved: 0,
  allowed: 1,
  blocked: 2,
  'unexplained-drop': 3,
  'would-break': 4,
};

export function worstDiff(a: DiffCategory | undefined, b: DiffCategory | undefined): DiffCategory | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return DIFF_RANK[a] >= DIFF_RANK[b] ? a : b;
}

export function verdictClass(verdicts: VerdictCounts): EdgeVerdictClass {
  const fwd = (verdicts.FORWARDED ?? 0) + (verdicts.REDIRECTED ?? 0) + (verdicts.TRANSLATED ?? 0) + (verdicts.TRACED ?? 0);
  const drop = (verdicts.DROPPED ?? 0) + (verdicts.ERROR ?? 0);
  const audit = verdicts.AUDIT ?? 0;
  const kinds = Number(fwd > 0) + Number(drop > 0) + Number(audit > 0);
  if (kinds > 1) return drop > 0 ? 'mixed' : 'audit';
  if (drop > 0) return 'dropped';
  if (audit > 0) return 'audit';
  if (fwd > 0) return 'forwarded';
  return 'other';
}

/** Edge width in pixels: log of the connection count, so 10 and 10,000 both stay readable. */
export function edgeWidth(count: number): number {
  return Math.min(9, 1 + Math.log10(1 + Math.max(0, count)) * 1.4);
}

export interface NodeLook {
  readonly color: string;
  readonly shape: 'circle' | 'square' | 'triangle' | 'diamond';
  readonly size: number;
}

const NODE_LOOKS: Readonly<Record<MapNodeKind, NodeLook>> = {
  cluster: { color: '#2d3e50', shape: 'square', size: 18 },
  namespace: { color: '#51677d', shape: 'square', size: 12 },
  group: { color: '#51677d', shape: 'square', size: 14 },
  workload: { color: '#3578b8', shape: 'circle', size: 7 },
  pod: { color: '#5c9bd6', shape: 'circle', size: 4 },
  service: { color: '#2aa198', shape: 'circle', size: 6 },
  host: { color: '#8a6d3b', shape: 'square', size: 7 },
  external: { color: '#d35400', shape: 'diamond', size: 8 },
  reserved: { color: '#8a6d3b', shape: 'triangle', size: 7 },
  unknown: { color: '#95a5a6', shape: 'triangle', size: 5 },
};

const DNS_LOOK: NodeLook = { color: '#16a085', shape: 'triangle', size: 7 };

export function nodeLook(kind: MapNodeKind, infra?: string): NodeLook {
  if (infra === 'dns') return DNS_LOOK;
  return NODE_LOOKS[kind] ?? NODE_LOOKS.unknown;
}

/** HSL (h in degrees, s and l in 0..1) as `#rrggbb`. */
export function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number): string => {
    const v = l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
    return Math.round(v * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/**
 * Risk score 0..100 -> green .. amber .. red, as `#rrggbb`: sigma's WebGL programs parse hex
 * and rgb() colours only (an hsl() string reads as black).
 */
export function riskColor(score: number): string {
  const s = Math.max(0, Math.min(100, Number.isFinite(score) ? score : 0)) / 100;
  return hslToHex(Math.round(130 * (1 - s)), 0.7, (45 - Math.round(s * 5)) / 100);
}

/** A stable pale color per cluster, for hulls. */
export function clusterTint(cluster: string, alpha: number): string {
  let h = 0;
  for (let i = 0; i < cluster.length; i++) h = (h * 31 + cluster.charCodeAt(i)) >>> 0;
  return `hsla(${h % 360}, 55%, 55%, ${alpha})`;
}
