/**
 * The PostgreSQL store's connection rows (see connections.ts): the migration, the batch write
 * (run inside the batch's write-locked transaction, so the per-slot counts it reads cannot move
 * under it) and the paged query.
 */
import type pg from 'pg';
import type { ConnectionPage, ConnectionQuery, ConnectionRow, PolicyHit } from './connections.ts';
import { MINUTE_MS, foldConnection, minuteOf, planConnectionWrites, searchText, slotKey, toFlowRow } from './connections.ts';

export const CONNECTIONS_MIGRATION = `
CREATE TABLE connections (
  seq bigserial PRIMARY KEY,
  edge text NOT NULL,
  pod_edge text,
  minute bigint NOT NULL,
  conn text NOT NULL,
  first bigint NOT NULL,
  last bigint NOT NULL,
  verdict text NOT NULL,
  body jsonb NOT NULL,
  search text NOT NULL,
  UNIQUE (edge, minute, conn)
);
CREATE INDEX connections_edge_first ON connections (edge, first DESC, seq DESC);
CREATE INDEX connections_pod_edge ON connections (pod_edge) WHERE pod_edge IS NOT NULL;
CREATE INDEX connections_minute ON connections (minute);
CREATE TABLE connection_caps (edge text NOT NULL, minute bigint NOT NULL, PRIMARY KEY (edge, minute));
`;

type Query = pg.Pool | pg.PoolClient;

/** Writes a batch's rows with client `c`, which holds the write lock. */
export async function writeConnections(c: pg.PoolClient, rows: readonly ConnectionRow[], perEdgeMinute: number): Promise<void> {
  if (!rows.length) return;
  const slots = new Map<string, { edge: string; minute: number }>();
  for (const r of rows) slots.set(slotKey(r.edge, minuteOf(r)), { edge: r.edge, minute: minuteOf(r) });
  const list = [...slots.values()];
  const counts = await c.query<{ edge: string; minute: string; n: string }>(
    `SELECT c.edge, c.minute, count(*) AS n FROM connections c JOIN unnest($1::text[], $2::bigint[]) AS s(edge, minute)
       ON c.edge = s.edge AND c.minute = s.minute GROUP BY c.edge, c.minute`,
    [list.map((s) => s.edge), list.map((s) => s.minute)],
  );
  const held = new Map(counts.rows.map((r) => [slotKey(r.edge, Number(r.minute)), Number(r.n)]));
  const existing = await c.query<{ edge: string; minute: string; conn: string; body: ConnectionRow }>(
    `SELECT c.edge, c.minute, c.conn, c.body FROM connections c JOIN unnest($1::text[], $2::bigint[], $3::text[]) AS s(edge, minute, conn)
       ON c.edge = s.edge AND c.minute = s.minute AND c.conn = s.conn`,
    [rows.map((r) => r.edge), rows.map((r) => minuteOf(r)), rows.map((r) => r.id)],
  );
  const stored = new Map(existing.rows.map((r) => [`${slotKey(r.edge, Number(r.minute))}\n${r.conn}`, r.body]));
  const storedOf = (r: ConnectionRow): ConnectionRow | undefined => {
    const body = stored.get(`${slotKey(r.edge, minuteOf(r))}\n${r.id}`);
    return body ? { ...r, ...body } : undefined;
  };
  const plan = planConnectionWrites(rows, perEdgeMinute, (r) => storedOf(r) !== undefined, (edge, minute) => held.get(slotKey(edge, minute)) ?? 0);
  const merged = plan.updates.map((r) => { const before = storedOf(r)!; return foldConnection(before, { ...r, firstSeen: before.firstSeen }); });
  const all = [...plan.inserts, ...merged];
  if (all.length) {
    await c.query(
      `INSERT INTO connections (edge, pod_edge, minute, conn, first, last, verdict, body, search)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::json[], $9::text[])
       ON CONFLICT (edge, minute, conn) DO UPDATE SET pod_edge = coalesce(connections.pod_edge, excluded.pod_edge), last = excluded.last,
         verdict = excluded.verdict, body = excluded.body`,
      [
        all.map((r) => r.edge), all.map((r) => r.podEdge ?? null), all.map((r) => minuteOf(r)), all.map((r) => r.id), all.map((r) => r.firstSeen),
        all.map((r) => r.lastSeen), all.map((r) => r.verdict), all.map((r) => JSON.stringify(toFlowRow(r))), all.map((r) => searchText(r)),
      ],
    );
  }
  if (plan.capped.length) {
    await c.query(
      'INSERT INTO connection_caps (edge, minute) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING',
      [plan.capped.map((x) => x.edge), plan.capped.map((x) => x.minute)],
    );
  }
}

/** The WHERE of a query (without its cursor) and its arguments. */
function whereOf(query: Omit<ConnectionQuery, 'limit' | 'after'>): { where: string[]; args: unknown[] } {
  const args: unknown[] = [query.edges];
  const where = ['(edge = ANY($1::text[]) OR pod_edge = ANY($1::text[]))'];
  const arg = (v: unknown): string => { args.push(v); return `$${args.length}`; };
  // A connection is in a window when its lifetime overlaps it.
  if (query.since !== undefined) where.push(`last >= ${arg(query.since)}`);
  if (query.until !== undefined) where.push(`first <= ${arg(query.until)}`);
  if (query.verdicts?.length) where.push(`verdict = ANY(${arg(query.verdicts)}::text[])`);
  if (query.text) where.push(`position(${arg(query.text)} in search) > 0`);
  return { where, args };
}

export async function policyHits(q: Query, query: Omit<ConnectionQuery, 'limit' | 'after'>): Promise<PolicyHit[]> {
  const { where, args } = whereOf(query);
  const r = await q.query<{ policy: string; verdict: PolicyHit['verdict']; connections: string }>(
    `SELECT body->>'policy' AS policy, verdict, count(*) AS connections FROM connections
      WHERE ${where.join(' AND ')} AND body->>'policy' IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 100`, args,
  );
  return r.rows.map((x) => ({ policy: x.policy, verdict: x.verdict, connections: Number(x.connections) }));
}

export async function queryConnections(q: Query, query: ConnectionQuery): Promise<ConnectionPage> {
  const { where, args } = whereOf(query);
  const total = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM connections WHERE ${where.join(' AND ')}`, args)).rows[0].n);
  const pageArgs = [...args];
  const page = [...where];
  if (query.after) {
    pageArgs.push(query.after.firstSeen, query.after.seq);
    page.push(`(first, seq) < ($${pageArgs.length - 1}, $${pageArgs.length})`);
  }
  pageArgs.push(query.limit);
  const rows = await q.query<{ seq: string; body: ReturnType<typeof toFlowRow> }>(
    `SELECT seq, body FROM connections WHERE ${page.join(' AND ')} ORDER BY first DESC, seq DESC LIMIT $${pageArgs.length}`, pageArgs,
  );
  const lo = query.since !== undefined ? Math.floor(query.since / MINUTE_MS) : -1e15;
  const hi = query.until !== undefined ? Math.floor(query.until / MINUTE_MS) : 1e15;
  const capped = (await q.query('SELECT 1 FROM connection_caps WHERE edge = ANY($1::text[]) AND minute BETWEEN $2 AND $3 LIMIT 1', [query.edges, lo, hi])).rowCount! > 0;
  return { rows: rows.rows.map((r) => ({ ...r.body, seq: Number(r.seq) })), total, capped };
}

/** Deletes rows (and cap marks) of minutes before `minute`. */
export async function pruneConnections(c: pg.PoolClient, minute: number): Promise<void> {
  await c.query('DELETE FROM connection_caps WHERE minute < $1', [minute]);
  await c.query('DELETE FROM connections WHERE minute < $1', [minute]);
}
