/**
 * Node positions kept per node key across reloads: once the layout has placed a node, it
 * stays where it is (filters, levels, reloads) until the user asks for a new layout. Stored
 * in localStorage as one JSON object `{ key: [x, y] }`, newest first and capped, so that a
 * browser that visits many estates keeps a bounded amount.
 */
import type { Point } from './seed.ts';

export const POSITIONS_STORAGE_KEY = 'netatlas:positions:v1';
/** ~20 bytes of coordinates plus the key per node: 30,000 nodes stay well under localStorage's 5 MB. */
export const MAX_STORED_POSITIONS = 30_000;

/** Parse what `encodePositions` wrote; anything malformed is skipped (a stale or foreign value never breaks the map). */
export function decodePositions(text: string | null | undefined): Map<string, Point> {
  const out = new Map<string, Point>();
  if (!text) return out;
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return out; }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && Number.isFinite(v[1])) out.set(key, { x: v[0] as number, y: v[1] as number });
  }
  return out;
}

/**
 * `current` first (the nodes of the map on screen), then the older entries not in it, up to
 * `max` entries; coordinates rounded to 0.01 (the layout's units are tens to thousands).
 */
export function encodePositions(current: ReadonlyMap<string, Point>, older: ReadonlyMap<string, Point>, max = MAX_STORED_POSITIONS): string {
  const out: Record<string, [number, number]> = {};
  let n = 0;
  const round = (v: number): number => Math.round(v * 100) / 100;
  for (const source of [current, older]) {
    for (const [key, p] of source) {
      if (n >= max) break;
      if (key in out || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      out[key] = [round(p.x), round(p.y)];
      n++;
    }
  }
  return JSON.stringify(out);
}
