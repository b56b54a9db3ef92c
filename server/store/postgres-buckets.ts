/**
 * The PostgreSQL store's edge bucket writes: a batch's increments summed per (edge, slot) and
 * upserted in one statement per table (hourly `buckets`, `buckets_minute`).
 */
import type pg from 'pg';
import { flowEdgeKey } from '../../generator/model/index.ts';
import type { EdgeIncrement } from './batch.ts';
import { mergeCounts, otherVerdicts } from './batch.ts';

interface BucketRow {
  count: number; forwarded: number; dropped: number; other: Record<string, number> | undefined; drops: Record<string, number> | undefined;
  first: number; last: number;
}

/** Increments summed per (edge, time slot of `unitMs`): one row each, so one upsert never touches a row twice. */
export function bucketRows(edges: readonly EdgeIncrement[], unitMs: number): Map<string, { key: string; slot: number; row: BucketRow }> {
  const out = new Map<string, { key: string; slot: number; row: BucketRow }>();
  for (const e of edges) {
    const key = e.key ?? flowEdgeKey(e.source, e.destination, e.protocol, e.port);
    const slot = Math.floor(e.time / unitMs);
    const id = `${slot}|${key}`;
    const other = otherVerdicts(e.verdicts);
    const drops = e.dropReasons && Object.keys(e.dropReasons).length ? e.dropReasons : undefined;
    const b = out.get(id);
    if (!b) {
      out.set(id, {
        key, slot,
        row: { count: e.count, forwarded: e.verdicts.FORWARDED ?? 0, dropped: e.verdicts.DROPPED ?? 0, other, drops: drops ? { ...drops } : undefined, first: e.firstSeen, last: e.lastSeen },
      });
      continue;
    }
    const r = b.row;
    r.count += e.count;
    r.forwarded += e.verdicts.FORWARDED ?? 0;
    r.dropped += e.verdicts.DROPPED ?? 0;
    r.other = mergeCounts(r.other, other);
    r.drops = mergeCounts(r.drops, drops);
    r.first = Math.min(r.first, e.firstSeen);
    r.last = Math.max(r.last, e.lastSeen);
  }
  return out;
}

export async function upsertBuckets(
  c: pg.PoolClient, table: 'buckets' | 'buckets_minute', slot: 'hour' | 'minute', rows: Map<string, { key: string; slot: number; row: BucketRow }>,
  idOf: ReadonlyMap<string, string>,
): Promise<void> {
  const list = [...rows.values()];
  await c.query(
    `INSERT INTO ${table} (edge, ${slot}, count, forwarded, dropped, other, drops, first, last)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::jsonb[], $7::jsonb[], $8::bigint[], $9::bigint[])
     ON CONFLICT (edge, ${slot}) DO UPDATE SET count = ${table}.count + excluded.count, forwarded = ${table}.forwarded + excluded.forwarded,
       dropped = ${table}.dropped + excluded.dropped, other = netatlas_add_counts(${table}.other, excluded.other),
       drops = netatlas_add_counts(${table}.drops, excluded.drops), first = LEAST(${table}.first, excluded.first), last = GREATEST(${table}.last, excluded.last)`,
    [
      list.map((b) => idOf.get(b.key)), list.map((b) => b.slot), list.map((b) => b.row.count), list.map((b) => b.row.forwarded),
      list.map((b) => b.row.dropped), list.map((b) => (b.row.other ? JSON.stringify(b.row.other) : null)),
      list.map((b) => (b.row.drops ? JSON.stringify(b.row.drops) : null)), list.map((b) => b.row.first), list.map((b) => b.row.last),
    ],
  );
}

