/**
 * The PostgreSQL store's edge buckets: a batch's increments summed per (edge, slot) and upserted
 * in one statement (recent ones into `buckets_minute`, older ones into the hourly `buckets`), the
 * reads over either resolution, and the minute -> hour rollup.
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

/** What an upsert into a bucket table does with a row already there: add the new one in. */
function upsertSet(table: string): string {
  return `count = ${table}.count + excluded.count, forwarded = ${table}.forwarded + excluded.forwarded,
       dropped = ${table}.dropped + excluded.dropped, other = netatlas_add_counts(${table}.other, excluded.other),
       drops = netatlas_add_counts(${table}.drops, excluded.drops), first = LEAST(${table}.first, excluded.first), last = GREATEST(${table}.last, excluded.last)`;
}

export async function upsertBuckets(
  c: pg.PoolClient, table: 'buckets' | 'buckets_minute', slot: 'hour' | 'minute', rows: Map<string, { key: string; slot: number; row: BucketRow }>,
  idOf: ReadonlyMap<string, string>,
): Promise<void> {
  const list = [...rows.values()];
  await c.query(
    `INSERT INTO ${table} (edge, ${slot}, count, forwarded, dropped, other, drops, first, last)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::jsonb[], $7::jsonb[], $8::bigint[], $9::bigint[])
     ON CONFLICT (edge, ${slot}) DO UPDATE SET ${upsertSet(table)}`,
    [
      list.map((b) => idOf.get(b.key)), list.map((b) => b.slot), list.map((b) => b.row.count), list.map((b) => b.row.forwarded),
      list.map((b) => b.row.dropped), list.map((b) => (b.row.other ? JSON.stringify(b.row.other) : null)),
      list.map((b) => (b.row.drops ? JSON.stringify(b.row.drops) : null)), list.map((b) => b.row.first), list.map((b) => b.row.last),
    ],
  );
}


const COLUMNS = 'count, forwarded, dropped, other, drops, first, last';

/**
 * The bucket rows a read of slots [$1, $2] sums, as `(edge, slot, count, ...)`. By the minute:
 * the minute rows. By the hour: the hour rows and the minute rows not yet rolled up, each counted
 * in its hour, so a read never depends on whether the rollup has run.
 */
export function bucketRowsSql(byMinute: boolean): string {
  return byMinute
    ? `SELECT edge, minute AS slot, ${COLUMNS} FROM buckets_minute WHERE minute BETWEEN $1 AND $2`
    : `SELECT edge, hour AS slot, ${COLUMNS} FROM buckets WHERE hour BETWEEN $1 AND $2
       UNION ALL SELECT edge, minute / 60 AS slot, ${COLUMNS} FROM buckets_minute WHERE minute BETWEEN $1 * 60 AND $2 * 60 + 59`;
}

/**
 * The minute -> hour rollup: minute rows before `cutoffMinute` are summed into their hour rows
 * (added to what those hold) and deleted, in the caller's transaction, so every sum over hours
 * is the same before and after. `ensureHours` creates the hour partitions they land in. Returns
 * the minute rows folded.
 */
export async function rollUpMinutes(c: pg.PoolClient, cutoffMinute: number, ensureHours: (hours: number[]) => Promise<void>): Promise<number> {
  const hours = await c.query<{ hour: string }>('SELECT DISTINCT minute / 60 AS hour FROM buckets_minute WHERE minute < $1', [cutoffMinute]);
  if (!hours.rows.length) return 0;
  await ensureHours(hours.rows.map((r) => Number(r.hour)));
  const r = await c.query(
    `WITH moved AS (DELETE FROM buckets_minute WHERE minute < $1 RETURNING edge, minute, ${COLUMNS}),
          summed AS (SELECT edge, minute / 60 AS hour, sum(count) AS count, sum(forwarded) AS forwarded, sum(dropped) AS dropped,
                            netatlas_sum_counts(other) AS other, netatlas_sum_counts(drops) AS drops, min(first) AS first, max(last) AS last
                       FROM moved GROUP BY edge, minute / 60)
     INSERT INTO buckets (edge, hour, ${COLUMNS}) SELECT edge, hour, ${COLUMNS} FROM summed
     ON CONFLICT (edge, hour) DO UPDATE SET ${upsertSet('buckets')}
     RETURNING 1`,
    [cutoffMinute],
  );
  return r.rowCount ?? 0;
}
