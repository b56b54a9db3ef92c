/**
 * The SQLite store's connection rows (see connections.ts): the table, the batch write (run inside
 * the batch's transaction by FlowStore) and the paged query.
 */
import type Database from 'better-sqlite3';
import type { ConnectionPage, ConnectionQuery, ConnectionRow, PolicyHit } from './connections.ts';
import { MINUTE_MS, foldConnection, minuteOf, planConnectionWrites, searchText, toFlowRow } from './connections.ts';

/** Schema version 2: connections and the (edge, minute) slots that reached the cap. */
export const CONNECTIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS connections (
  seq INTEGER PRIMARY KEY,
  edge TEXT NOT NULL,
  pod_edge TEXT,
  minute INTEGER NOT NULL,
  conn TEXT NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  body TEXT NOT NULL,
  search TEXT NOT NULL,
  UNIQUE (edge, minute, conn)
);
CREATE INDEX IF NOT EXISTS connections_edge_first ON connections (edge, first DESC, seq DESC);
CREATE INDEX IF NOT EXISTS connections_pod_edge ON connections (pod_edge) WHERE pod_edge IS NOT NULL;
CREATE INDEX IF NOT EXISTS connections_minute ON connections (minute);
CREATE TABLE IF NOT EXISTS connection_caps (edge TEXT NOT NULL, minute INTEGER NOT NULL, PRIMARY KEY (edge, minute)) WITHOUT ROWID;
`;

/** The row's columns other than its key: JSON of what FlowRow shows. */
export const rowBody = (r: ConnectionRow): string => JSON.stringify(toFlowRow(r));

interface StoredRow { seq: number; body: string }

export class SqliteConnections {
  private readonly stmt;

  constructor(private readonly db: Database.Database, private readonly perEdgeMinute: number) {
    this.stmt = {
      get: db.prepare('SELECT body FROM connections WHERE edge = ? AND minute = ? AND conn = ?').pluck(),
      held: db.prepare('SELECT count(*) FROM connections WHERE edge = ? AND minute = ?').pluck(),
      insert: db.prepare('INSERT INTO connections (edge, pod_edge, minute, conn, first, last, verdict, body, search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE connections SET pod_edge = coalesce(pod_edge, ?), last = ?, verdict = ?, body = ? WHERE edge = ? AND minute = ? AND conn = ?'),
      cap: db.prepare('INSERT OR IGNORE INTO connection_caps (edge, minute) VALUES (?, ?)'),
    };
  }

  /** Writes a batch's rows; the caller holds the transaction. */
  write(rows: readonly ConnectionRow[]): void {
    if (!rows.length) return;
    const stored = new Map<ConnectionRow, ConnectionRow>();
    const plan = planConnectionWrites(
      rows, this.perEdgeMinute,
      (r) => {
        const body = this.stmt.get.get(r.edge, minuteOf(r), r.id) as string | undefined;
        if (body === undefined) return false;
        stored.set(r, { ...r, ...(JSON.parse(body) as Omit<ConnectionRow, 'edge' | 'id'>) });
        return true;
      },
      (edge, minute) => this.stmt.held.get(edge, minute) as number,
    );
    for (const r of plan.inserts) {
      this.stmt.insert.run(r.edge, r.podEdge ?? null, minuteOf(r), r.id, r.firstSeen, r.lastSeen, r.verdict, rowBody(r), searchText(r));
    }
    for (const r of plan.updates) {
      const before = stored.get(r);
      const merged = before ? foldConnection(before, { ...r, firstSeen: before.firstSeen }) : r;
      this.stmt.update.run(r.podEdge ?? null, merged.lastSeen, merged.verdict, rowBody(merged), r.edge, minuteOf(r), r.id);
    }
    for (const c of plan.capped) this.stmt.cap.run(c.edge, c.minute);
  }

  /** The WHERE of a query (without its cursor) and its arguments. */
  private where(q: Omit<ConnectionQuery, 'limit' | 'after'>): { where: string[]; args: unknown[] } {
    const where: string[] = ['(edge IN (SELECT value FROM json_each(?)) OR pod_edge IN (SELECT value FROM json_each(?)))'];
    const args: unknown[] = [JSON.stringify(q.edges), JSON.stringify(q.edges)];
    // A connection is in a window when its lifetime overlaps it.
    if (q.since !== undefined) { where.push('last >= ?'); args.push(q.since); }
    if (q.until !== undefined) { where.push('first <= ?'); args.push(q.until); }
    if (q.verdicts?.length) { where.push('verdict IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(q.verdicts)); }
    if (q.text) { where.push('instr(search, ?) > 0'); args.push(q.text); }
    return { where, args };
  }

  policyHits(q: Omit<ConnectionQuery, 'limit' | 'after'>): PolicyHit[] {
    const { where, args } = this.where(q);
    return this.db.prepare(
      `SELECT json_extract(body, '$.policy') AS policy, verdict, count(*) AS connections FROM connections
        WHERE ${where.join(' AND ')} AND json_extract(body, '$.policy') IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 100`,
    ).all(...args) as PolicyHit[];
  }

  query(q: ConnectionQuery): ConnectionPage {
    const { where, args } = this.where(q);
    const total = this.db.prepare(`SELECT count(*) FROM connections WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
    const page = [...where];
    const pageArgs = [...args];
    if (q.after) { page.push('(first < ? OR (first = ? AND seq < ?))'); pageArgs.push(q.after.firstSeen, q.after.firstSeen, q.after.seq); }
    const rows = this.db.prepare(`SELECT seq, body FROM connections WHERE ${page.join(' AND ')} ORDER BY first DESC, seq DESC LIMIT ?`)
      .all(...pageArgs, q.limit) as StoredRow[];
    const lo = q.since !== undefined ? Math.floor(q.since / MINUTE_MS) : -1e15;
    const hi = q.until !== undefined ? Math.floor(q.until / MINUTE_MS) : 1e15;
    const capped = this.db.prepare('SELECT 1 FROM connection_caps WHERE edge IN (SELECT value FROM json_each(?)) AND minute BETWEEN ? AND ? LIMIT 1')
      .get(JSON.stringify(q.edges), lo, hi) !== undefined;
    return { rows: rows.map((r) => ({ ...JSON.parse(r.body), seq: r.seq })), total, capped };
  }

  /** Deletes rows (and cap marks) of minutes before `minute`. */
  prune(minute: number): number {
    this.db.prepare('DELETE FROM connection_caps WHERE minute < ?').run(minute);
    return this.db.prepare('DELETE FROM connections WHERE minute < ?').run(minute).changes;
  }
}
