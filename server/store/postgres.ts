/**
 * The shared store: one PostgreSQL database that several `serve` replicas read and write.
 *
 * Same data as the SQLite store (hourly edge buckets, nodes, inventories, source offsets), plus
 * a journal: every batch written is also appended there with the writer's id, so each replica
 * follows what the others wrote (`journalSince`) and its in-memory graph converges on the
 * database. Collector batches carry (collector, batch id), unique in the journal: a resent
 * batch is recognised in the same transaction that would apply it, so delivery may repeat and
 * the effect happens once.
 *
 * Writes are serialized across replicas by a transaction-scoped advisory lock: journal
 * sequence numbers then commit in order, so a reader that has seen seq N has seen everything
 * before it. Writes are batched (a flush or a collector's minute), so the lock is taken a few
 * times per second per replica, not per flow.
 *
 * The recent past (`retainMinutesMs`, default 24 h) is kept in minute buckets; `prune` rolls
 * minute buckets older than that into their hours (postgres-buckets.ts), and a read by the hour
 * sums hour rows and the minute rows not yet rolled up, so an answer never depends on when the
 * rollup ran. Hour buckets are partitioned by day (range on the hour number); retention
 * (`retainMs`) drops whole partitions. Connection rows are kept as long as minute buckets.
 * Schema changes are versioned migrations applied once, under a lock, by whichever replica
 * starts first.
 */
import pg from 'pg';
import type { GraphNode, Inventory, L4Protocol } from '../../generator/model/index.ts';
import { flowEdgeKey } from '../../generator/model/index.ts';
import type { EdgeIncrement, StoreBatch, StoredEdge, StoreStats } from './flow-store.ts';
import { HOUR_MS, mergeCounts } from './flow-store.ts';
import type { FlowCounts, JournalPage, Store, StoreSnapshot } from './store.ts';
import type { ConnectionPage, ConnectionQuery, PolicyHit } from './connections.ts';
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, MINUTE_MS } from './connections.ts';
import { policyHits, pruneConnections, queryConnections, writeConnections } from './postgres-connections.ts';
import { MIGRATIONS } from './postgres-migrations.ts';
import { bucketRows, bucketRowsSql, rollUpMinutes, upsertBuckets } from './postgres-buckets.ts';

/** Advisory lock ids (any two distinct bigints of our own). */
const MIGRATION_LOCK = 0x6e6574_01;
const WRITE_LOCK = 0x6e6574_02;

export { MIGRATIONS } from './postgres-migrations.ts';

export interface PostgresStoreOptions {
  /** Keep hourly buckets newer than this (ms). Default: keep everything. */
  readonly retainMs?: number;
  /** Keep minute buckets newer than this (ms); older windows are answered by the hour. Default 24 h. */
  readonly retainMinutesMs?: number;
  /**
   * Keep journal entries (and so recognise resent batch ids) this long. Default 24 h: a batch
   * resent later than that after it was applied is applied again (watch the collectors' lag).
   */
  readonly journalRetainMs?: number;
  /** Identifies this process's writes in the journal. Default: random. */
  readonly writer?: string;
  readonly now?: () => number;
  /** Connection rows kept per edge and minute (kept as long as minute buckets). Default 50. */
  readonly connectionsPerEdgeMinute?: number;
  /** Connections in the pool. Default 4. */
  readonly poolSize?: number;
}

const DAY_HOURS = 24;

/** `postgres://user:***@host/db`: a URL safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** Identifies this process's writes in the journal. */
  readonly writer: string;
  private readonly pool: pg.Pool;
  private readonly retainMinutesMs: number;
  private readonly journalRetainMs: number;
  private readonly retainMs?: number;
  private readonly now: () => number;
  private readonly partitions = new Set<number>();
  private closed = false;
  flushes = 0;
  /** Connection rows kept per edge and minute. */
  readonly perEdgeMinute: number;

  private constructor(private readonly url: string, options: PostgresStoreOptions) {
    this.now = options.now ?? Date.now;
    this.perEdgeMinute = options.connectionsPerEdgeMinute ?? DEFAULT_CONNECTIONS_PER_EDGE_MINUTE;
    this.retainMs = options.retainMs;
    this.retainMinutesMs = options.retainMinutesMs ?? 24 * HOUR_MS;
    this.journalRetainMs = options.journalRetainMs ?? 24 * HOUR_MS;
    this.writer = options.writer ?? `w-${Math.random().toString(36).slice(2, 10)}-${process.pid}`;
    this.pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 4 });
    // An idle client's error (the server restarting) must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  /** Connects and brings the schema up to date. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end().catch(() => {});
      throw new Error(`netatlas/store: cannot use PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}. Check the URL, the credentials and that the database exists.`);
    }
    return store;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Applied migration versions, oldest first. */
  async schemaVersions(): Promise<number[]> {
    const r = await this.pool.query<{ version: number }>('SELECT version FROM netatlas_migrations ORDER BY version');
    return r.rows.map((x) => Number(x.version));
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS netatlas_migrations (version integer PRIMARY KEY, name text NOT NULL, applied bigint NOT NULL)');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM netatlas_migrations')).rows.map((r) => Number(r.version)));
      const newest = Math.max(0, ...done);
      const known = Math.max(...MIGRATIONS.map((m) => m.version));
      if (newest > known) {
        throw new Error(`the database has schema version ${newest}, this netatlas knows up to ${known}; upgrade netatlas`);
      }
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO netatlas_migrations (version, name, applied) VALUES ($1, $2, $3)', [m.version, m.name, this.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(error as Error).message}`);
        }
      }
      const parts = await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'buckets'`);
      for (const r of parts.rows) {
        const m = /^buckets_d(\d+)$/.exec(r.name);
        if (m) this.partitions.add(Number(m[1]));
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }

  /** Runs `fn` in a transaction holding the write lock. */
  private async writing<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async writeBatch(batch: StoreBatch): Promise<void> {
    await this.writing(async (c) => {
      await this.applyBatch(c, batch);
      await this.journal(c, batch, null, null);
    });
    this.flushes++;
  }

  async applyBatchOnce(collector: string, batchId: string, batch: StoreBatch): Promise<boolean> {
    const applied = await this.writing(async (c) => {
      if (!(await this.journal(c, batch, collector, batchId))) return false;
      await this.applyBatch(c, batch);
      return true;
    });
    if (applied) this.flushes++;
    return applied;
  }

  /** Appends the batch to the journal; false when (collector, batchId) is there already. */
  private async journal(c: pg.PoolClient, batch: StoreBatch, collector: string | null, batchId: string | null): Promise<boolean> {
    const body = { edges: batch.edges ?? [], nodes: batch.nodes ?? [] };
    if (collector === null && body.edges.length === 0 && body.nodes.length === 0) return true;
    const r = await c.query(
      'INSERT INTO journal (writer, collector, batch_id, at, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collector, batch_id) DO NOTHING RETURNING seq',
      [this.writer, collector, batchId, this.now(), JSON.stringify(body)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  private async ensurePartitions(c: pg.PoolClient, hours: Iterable<number>): Promise<void> {
    for (const hour of hours) {
      const day = Math.floor(hour / DAY_HOURS);
      if (this.partitions.has(day)) continue;
      // Another replica may have made it since this one looked: IF NOT EXISTS, under the write lock.
      await c.query(`CREATE TABLE IF NOT EXISTS buckets_d${day} PARTITION OF buckets FOR VALUES FROM (${day * DAY_HOURS}) TO (${(day + 1) * DAY_HOURS})`);
      this.partitions.add(day);
    }
  }

  private async applyBatch(c: pg.PoolClient, batch: StoreBatch): Promise<void> {
    const nodes = new Map<string, GraphNode>();
    for (const n of batch.nodes ?? []) nodes.set(n.key, n.attributes);
    if (nodes.size) {
      await c.query(
        `INSERT INTO nodes (key, attrs) SELECT * FROM unnest($1::text[], $2::jsonb[])
         ON CONFLICT (key) DO UPDATE SET attrs = excluded.attrs`,
        [[...nodes.keys()], [...nodes.values()].map((a) => JSON.stringify(a))],
      );
    }
    const offsets = batch.offsets ?? [];
    if (offsets.length) {
      const byId = new Map(offsets.map((o) => [o.source, o.position]));
      await c.query(
        `INSERT INTO offsets (source, position, updated) SELECT s, p, $3 FROM unnest($1::text[], $2::jsonb[]) AS u(s, p)
         ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated = excluded.updated`,
        [[...byId.keys()], [...byId.values()].map((p) => JSON.stringify(p)), this.now()],
      );
    }
    await writeConnections(c, batch.connections ?? [], this.perEdgeMinute);
    const edges = new Map<string, EdgeIncrement>();
    const live = (batch.edges ?? []).filter((e) => e.count > 0 || Object.values(e.verdicts).some((n) => n !== 0));
    for (const e of live) {
      const key = e.key ?? flowEdgeKey(e.source, e.destination, e.protocol, e.port);
      const seen = edges.get(key);
      if (!seen || (!seen.service && e.service)) edges.set(key, e);
    }
    if (!edges.size) return;
    const list = [...edges.entries()];
    const ids = await c.query<{ id: string; key: string }>(
      `INSERT INTO edges (key, source, destination, protocol, port, inter, service, service_port, pod)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bool[], $7::text[], $8::int[], $9::bool[])
       ON CONFLICT (key) DO UPDATE SET service = COALESCE(edges.service, excluded.service), service_port = COALESCE(edges.service_port, excluded.service_port)
       RETURNING id, key`,
      [
        list.map(([k]) => k), list.map(([, e]) => e.source), list.map(([, e]) => e.destination), list.map(([, e]) => e.protocol),
        list.map(([, e]) => e.port ?? null), list.map(([, e]) => e.interCluster), list.map(([, e]) => e.service ?? null),
        list.map(([, e]) => e.servicePort ?? null), list.map(([, e]) => e.level === 'pod'),
      ],
    );
    const idOf = new Map(ids.rows.map((r) => [r.key, r.id]));
    // The recent past goes to minute rows (rolled up into hours by prune), anything older (a
    // replayed old file) straight to its hour.
    const recent = this.now() - this.retainMinutesMs;
    const hours = bucketRows(live.filter((e) => e.time < recent), HOUR_MS);
    const minutes = bucketRows(live.filter((e) => e.time >= recent), MINUTE_MS);
    if (hours.size) {
      await this.ensurePartitions(c, new Set([...hours.values()].map((b) => b.slot)));
      await upsertBuckets(c, 'buckets', 'hour', hours, idOf);
    }
    if (minutes.size) await upsertBuckets(c, 'buckets_minute', 'minute', minutes, idOf);
  }

  /** Store.flowCounts: per minute inside the minute buckets' retention (as loadEdges decides), else per hour. */
  async flowCounts(window: { since: number; until: number }): Promise<FlowCounts> {
    this.assertOpen();
    const fine = window.since >= this.now() - this.retainMinutesMs;
    const unit = fine ? MINUTE_MS : HOUR_MS;
    const r = await this.pool.query<{ slot: string; count: string }>(
      `SELECT b.slot, sum(b.count) AS count FROM (${bucketRowsSql(fine)}) b JOIN edges e ON e.id = b.edge
        WHERE NOT e.pod GROUP BY b.slot ORDER BY b.slot`,
      [Math.floor(window.since / unit), Math.floor(window.until / unit)],
    );
    return { resolutionMs: unit, slots: r.rows.map((x) => ({ start: Number(x.slot) * unit, count: Number(x.count) })) };
  }

  async queryConnections(q: ConnectionQuery): Promise<ConnectionPage> {
    this.assertOpen();
    return queryConnections(this.pool, q);
  }

  async policyHits(q: Omit<ConnectionQuery, 'limit' | 'after'>): Promise<PolicyHit[]> {
    this.assertOpen();
    return policyHits(this.pool, q);
  }

  async loadEdges(window: { since?: number; until?: number } = {}): Promise<StoredEdge[]> {
    this.assertOpen();
    return this.readEdges(this.pool, window);
  }

  private async readEdges(q: pg.Pool | pg.PoolClient, window: { since?: number; until?: number }): Promise<StoredEdge[]> {
    // A window inside the minute buckets' retention is answered to the minute, any other by the hour.
    const fine = window.since !== undefined && window.since >= this.now() - this.retainMinutesMs;
    const unit = fine ? MINUTE_MS : HOUR_MS;
    const lo = window.since !== undefined ? Math.floor(window.since / unit) : -1e15;
    const hi = window.until !== undefined ? Math.floor(window.until / unit) : 1e15;
    // Summed in the database: one row per edge whatever the window.
    const r = await q.query<{
      key: string; source: string; destination: string; protocol: L4Protocol; port: number | null; inter: boolean; service: string | null;
      service_port: number | null; pod: boolean; count: string; forwarded: string; dropped: string; other: Record<string, number>[] | null;
      drops: Record<string, number>[] | null; first: string; last: string;
    }>(
      `SELECT e.key, e.source, e.destination, e.protocol, e.port, e.inter, e.service, e.service_port, e.pod,
              sum(b.count) AS count, sum(b.forwarded) AS forwarded, sum(b.dropped) AS dropped,
              array_agg(b.other) FILTER (WHERE b.other IS NOT NULL) AS other, array_agg(b.drops) FILTER (WHERE b.drops IS NOT NULL) AS drops,
              min(b.first) AS first, max(b.last) AS last
         FROM (${bucketRowsSql(fine)}) b JOIN edges e ON e.id = b.edge
        GROUP BY e.id ORDER BY e.key`,
      [lo, hi],
    );
    return r.rows.map((row) => {
      let verdicts: Record<string, number> = {};
      if (Number(row.forwarded)) verdicts.FORWARDED = Number(row.forwarded);
      if (Number(row.dropped)) verdicts.DROPPED = Number(row.dropped);
      for (const o of row.other ?? []) verdicts = mergeCounts(verdicts, o) ?? verdicts;
      // A correction stored in a later hour than the connection it moved: see FlowStore.loadEdges.
      for (const k of Object.keys(verdicts)) if (!(verdicts[k] > 0)) delete verdicts[k];
      let dropReasons: Record<string, number> | undefined;
      for (const d of row.drops ?? []) dropReasons = mergeCounts(dropReasons, d);
      return {
        key: row.key, kind: 'flow', source: row.source, destination: row.destination, protocol: row.protocol,
        ...(row.port !== null ? { port: row.port } : {}),
        count: Number(row.count), verdicts, ...(dropReasons ? { dropReasons } : {}), firstSeen: Number(row.first), lastSeen: Number(row.last),
        interCluster: row.inter, level: row.pod ? 'pod' : 'workload',
        ...(row.service ? { service: row.service } : {}), ...(row.service_port !== null ? { servicePort: row.service_port } : {}),
      } satisfies StoredEdge;
    });
  }

  async loadSnapshot(): Promise<StoreSnapshot> {
    this.assertOpen();
    const client = await this.pool.connect();
    try {
      // One snapshot: the journal cursor matches exactly the rows read.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const cursor = Number((await client.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM journal')).rows[0].seq ?? 0);
      const inventories = new Map<string, { taken: number; inventory: Inventory }>();
      for (const r of (await client.query<{ cluster: string; taken: string; data: Inventory }>('SELECT cluster, taken, data FROM inventories')).rows) {
        inventories.set(r.cluster, { taken: Number(r.taken), inventory: r.data });
      }
      const nodes = new Map<string, GraphNode>();
      for (const r of (await client.query<{ key: string; attrs: GraphNode }>('SELECT key, attrs FROM nodes')).rows) nodes.set(r.key, r.attrs);
      const edges = await this.readEdges(client, {});
      await client.query('COMMIT');
      return { inventories, nodes, edges, cursor };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async journalSince(cursor: number, limit = 500): Promise<JournalPage> {
    this.assertOpen();
    const r = await this.pool.query<{ seq: string; body: StoreBatch | null }>(
      'SELECT seq, CASE WHEN writer = $2 THEN NULL ELSE body END AS body FROM journal WHERE seq > $1 ORDER BY seq LIMIT $3',
      [cursor, this.writer, limit],
    );
    let next = cursor;
    const batches: StoreBatch[] = [];
    const changed = new Set<string>();
    for (const row of r.rows) {
      next = Number(row.seq);
      const body = row.body as (StoreBatch & { inventoryOf?: string }) | null;
      if (body?.inventoryOf) changed.add(body.inventoryOf);
      else if (body) batches.push(body);
    }
    if (!changed.size) return { cursor: next, batches };
    const inv = await this.pool.query<{ cluster: string; data: Inventory }>('SELECT cluster, data FROM inventories WHERE cluster = ANY($1::text[])', [[...changed]]);
    return { cursor: next, batches, inventories: new Map(inv.rows.map((x) => [x.cluster, x.data])) };
  }

  async getOffset(source: string): Promise<Record<string, unknown> | undefined> {
    this.assertOpen();
    const r = await this.pool.query<{ position: Record<string, unknown> }>('SELECT position FROM offsets WHERE source = $1', [source]);
    return r.rows[0]?.position;
  }

  /** Keeps the cluster's latest snapshot; the journal says which cluster changed, not the snapshot again. */
  async saveInventory(cluster: string, inventory: Inventory): Promise<void> {
    await this.writing(async (c) => {
      await c.query(
        'INSERT INTO inventories (cluster, taken, data) VALUES ($1, $2, $3) ON CONFLICT (cluster) DO UPDATE SET taken = excluded.taken, data = excluded.data',
        [cluster, this.now(), JSON.stringify(inventory)],
      );
      await c.query('INSERT INTO journal (writer, at, body) VALUES ($1, $2, $3)', [this.writer, this.now(), JSON.stringify({ inventoryOf: cluster })]);
    });
  }

  /**
   * Rolls minute buckets older than their retention into hours, drops connection rows as old,
   * day partitions wholly older than the retention, edges left without buckets, and old journal
   * entries. Returns the hour buckets deleted.
   */
  async prune(now = this.now()): Promise<number> {
    this.assertOpen();
    return this.writing(async (c) => {
      await c.query('DELETE FROM journal WHERE at < $1', [now - this.journalRetainMs]);
      const minuteCutoff = Math.floor((now - this.retainMinutesMs) / MINUTE_MS);
      await rollUpMinutes(c, minuteCutoff, (hours) => this.ensurePartitions(c, hours));
      await pruneConnections(c, minuteCutoff);
      if (this.retainMs === undefined) return 0;
      const cutoffHour = Math.floor((now - this.retainMs) / HOUR_MS);
      let deleted = 0;
      for (const day of [...this.partitions].sort((a, b) => a - b)) {
        if ((day + 1) * DAY_HOURS > cutoffHour) continue;
        deleted += Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM buckets_d${day}`)).rows[0].n);
        await c.query(`DROP TABLE IF EXISTS buckets_d${day}`);
        this.partitions.delete(day);
      }
      // The partition holding the cutoff keeps its older hours until it is wholly old: delete those rows.
      deleted += (await c.query('DELETE FROM buckets WHERE hour < $1', [cutoffHour])).rowCount ?? 0;
      if (deleted) {
        await c.query(`DELETE FROM edges e WHERE NOT EXISTS (SELECT 1 FROM buckets b WHERE b.edge = e.id)
          AND NOT EXISTS (SELECT 1 FROM buckets_minute m WHERE m.edge = e.id)`);
      }
      return deleted;
    });
  }

  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const r = await this.pool.query<{ edges: string; buckets: string; nodes: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM edges) AS edges, (SELECT count(*) FROM buckets) AS buckets, (SELECT count(*) FROM nodes) AS nodes,
              pg_database_size(current_database()) AS bytes`,
    );
    const row = r.rows[0];
    return { edges: Number(row.edges), buckets: Number(row.buckets), nodes: Number(row.nodes), bytes: Number(row.bytes) };
  }

  /** Bytes the hourly buckets (all partitions) and the minute buckets take, indexes included. */
  async bucketBytes(): Promise<{ hourly: number; minute: number }> {
    const r = await this.pool.query<{ hourly: string | null; minute: string }>(
      `SELECT (SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'buckets') AS hourly,
              pg_total_relation_size('buckets_minute') AS minute`,
    );
    return { hourly: Number(r.rows[0].hourly ?? 0), minute: Number(r.rows[0].minute) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`netatlas/store: the PostgreSQL store ${redactUrl(this.url)} is closed.`);
  }
}
