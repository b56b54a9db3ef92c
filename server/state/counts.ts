/** Per-verdict (and per-reason) count arithmetic of the flush baseline (app-state.ts). */
import type { VerdictCounts } from '../../generator/model/index.ts';

export function sameVerdicts(a: VerdictCounts, b: VerdictCounts): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if ((a as Record<string, number>)[k] !== (b as Record<string, number>)[k]) return false;
  return true;
}

/**
 * Signed per-verdict change since the snapshot: a correction (FlowRecord.supersedes) moves
 * connections between verdicts without changing the count, so one verdict may go down.
 */
export function verdictDeltas(now: Readonly<Record<string, number>>, before: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before?.[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  for (const [k, v] of Object.entries(before ?? {})) if (!(k in now) && v !== 0) out[k] = -v;
  return out;
}

/** The positive growth of each count since `before`. */
export function subtractCounts(now: Readonly<Record<string, number>> | undefined, before: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now ?? {})) {
    const d = v - (before?.[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

/** Adds `b`'s counts into `a` (mutating it) and returns `a`. */
export function addInto<T extends Record<string, number>>(a: T, b: Readonly<Record<string, number>>): T {
  const out = a as Record<string, number>;
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return a;
}
