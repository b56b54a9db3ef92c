/**
 * Persistence for what the server learned: aggregated flow edges in hourly buckets, the nodes
 * those edges touch, inventory snapshots and source offsets, in one SQLite file
 * (better-sqlite3, WAL, synchronous=NORMAL).
 *
 * Crash safety: every write goes through `writeBatch`, one transaction holding the edge
 * increments AND the source offsets they came from. A `kill -9` loses at most the batch being
 * written; WAL never leaves a half-applied batch, so counts and offsets always agree. The
 * connections behind the edges (connections.ts) are written in that same transaction.
 */
import Database from 'better-sqlite3';
import type { FlowEdge, GraphNode, Inventory, L4Protocol } from '../../generator/model/index.ts';
import { flowEdgeKey, keyProblem, portProblem } from '../../generator/model/index.ts';
import type { FlowCounts, Store, StoreSnapshot } from './store.ts';
import type { ConnectionPage, ConnectionQuery, PolicyHit } from './connections.ts';
import type { EdgeIncrement, StoreBatch, StoredEdge, StoreStats } from './batch.ts';
import { HOUR_MS, mergeCounts, otherVerdicts } from './batch.ts';
import { DEFAULT_CONNECTIONS_PER_EDGE_MINUTE, MINUTE_MS } from './connections.ts';
import { CONNECTIONS_SCHEMA, SqliteConnections } from './sqlite-connections.ts';

// The shapes every store shares live in batch.ts; importers of this module keep finding them here.
export type { EdgeIncrement, SourceOffset, StoreBatch, StoredEdge, StoreStats } from './batch.ts';
export { HOUR_MS, mergeCounts, otherVerdicts, parseDuration } from './batch.ts';

export interface OpenStoreOptions {
  /** Keep buckets newer than this (ms). Default: keep everything. */
  readonly retainMs?: number;
  /** Keep connection rows newer than this (ms). Default 24 h. */
  readonly retainMinutesMs?: number;
  /** Connection rows kept per edge and minute. Default 50. */
  readonly connectionsPerEdgeMinute?: number;
  readonly now?: () => number;
  /**
   * Told about each stored row that fails today's validation (a file written by an older
   * netatlas, or edited by hand): the row is skipped on load, never served. Default: stderr.
   */
  readonly onWarning?: (message: string) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes (key TEXT PRIMARY KEY, attrs TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  destination TEXT NOT NULL,
  protocol TEXT NOT NULL,
  port INTEGER,
  inter INTEGER NOT NULL,
  service TEXT,
  service_port INTEGER,
  pod INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS buckets (
  edge INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  forwarded INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  other TEXT,
  drops TEXT,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (edge, hour)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS buckets_hour ON buckets (hour);
CREATE TABLE IF NOT EXISTS inventories (cluster TEXT PRIMARY KEY, taken INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS offsets (source TEXT PRIMARY KEY, position TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS collector_batches (collector TEXT NOT NULL, batch TEXT NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY (collector, batch)) WITHOUT ROWID;
`;

/** Schema versions, each a migration from the one before (version 1 is SCHEMA; 2 adds connections). */
const MIGRATIONS: Record<string, string> = { '2': CONNECTIONS_SCHEMA };
const SCHEMA_VERSION = '2';

const PROTOCOLS = new Set<string>(['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6', 'OTHER']);

export class FlowStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly retainMs?: number;
  private readonly stmt;
  private readonly connections: SqliteConnections;
  /** Connection rows kept per edge and minute. */
  readonly perEdgeMinute: number;
  private readonly retainMinutesMs: number;
  private closed = false;
  private readonly onWarning: (message: string) => void;
  /** Stored rows (edges and nodes) that failed validation and were skipped on load. */
  skippedOnLoad = 0;
  /** Edge key -> why its row is skipped (undefined: it is good), so each bad row is told once. */
  private readonly checkedEdges = new Map<string, string | undefined>();
  flushes = 0;

  private constructor(path: string, options: OpenStoreOptions) {
    this.path = path;
    this.now = options.now ?? Date.now;
    this.retainMs = options.retainMs;
    this.onWarning = options.onWarning ?? ((message) => process.stderr.write(`${message}\n`));
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new Error(`netatlas/store: cannot open ${path}: ${(error as Error).message}. Check the path and its permissions, or use --db :memory:.`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = OFF');
    this.db.exec(SCHEMA);
    this.migrate(path);
    const db = this.db;
    this.perEdgeMinute = options.connectionsPerEdgeMinute ?? DEFAULT_CONNECTIONS_PER_EDGE_MINUTE;
    this.retainMinutesMs = options.retainMinutesMs ?? 24 * HOUR_MS;
    this.connections = new SqliteConnections(db, this.perEdgeMinute);
    this.stmt = {
      edgeId: db.prepare('SELECT id FROM edges WHERE key = ?').pluck(),
      insertEdge: db.prepare(
        'INSERT INTO edges (key, source, destination, protocol, port, inter, service, service_port, pod) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateEdgeService: db.prepare('UPDATE edges SET service = ?, service_port = ? WHERE id = ? AND service IS NULL'),
      getBucket: db.prepare('SELECT count, forwarded, dropped, other, drops, first, last FROM buckets WHERE edge = ? AND hour = ?'),
      insertBucket: db.prepare(
        'INSERT INTO buckets (edge, hour, count, forwarded, dropped, other, drops, first, last) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateBucket: db.prepare(
        'UPDATE buckets SET count = ?, forwarded = ?, dropped = ?, other = ?, drops = ?, first = ?, last = ? WHERE edge = ? AND hour = ?',
      ),
      upsertBucketPlain: db.prepare(
        `INSERT INTO buckets (edge, hour, count, forwarded, dropped, other, drops, first, last) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?)
         ON CONFLICT(edge, hour) DO UPDATE SET count = count + excluded.count, forwarded = forwarded + excluded.forwarded,
           dropped = dropped + excluded.dropped, first = min(first, excluded.first), last = max(last, excluded.last)`,
      ),
      upsertNode: db.prepare('INSERT INTO nodes (key, attrs) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET attrs = excluded.attrs'),
      upsertOffset: db.prepare(
        'INSERT INTO offsets (source, position, updated) VALUES (?, ?, ?) ON CONFLICT(source) DO UPDATE SET position = excluded.position, updated = excluded.updated',
      ),
      getOffset: db.prepare('SELECT position FROM offsets WHERE source = ?').pluck(),
      upsertInventory: db.prepare(
        'INSERT INTO inventories (cluster, taken, data) VALUES (?, ?, ?) ON CONFLICT(cluster) DO UPDATE SET taken = excluded.taken, data = excluded.data',
      ),
    };
  }

  /** Brings the file to SCHEMA_VERSION, one migration per version, each in its own transaction. */
  private migrate(path: string): void {
    const read = (): string | undefined => this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema') as string | undefined;
    if (read() === undefined) this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', '1');
    let version = Number(read());
    if (!(version >= 1) || version > Number(SCHEMA_VERSION)) {
      throw new Error(`netatlas/store: ${path} has schema version ${read()}, this netatlas knows up to ${SCHEMA_VERSION}. Upgrade netatlas or use another --db file.`);
    }
    while (version < Number(SCHEMA_VERSION)) {
      const next = String(version + 1);
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]);
        this.db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(next, 'schema');
      })();
      version++;
    }
  }

  /** Opens (creating if needed) a store; `:memory:` for a throwaway one. */
  static open(path: string, options: OpenStoreOptions = {}): FlowStore {
    return new FlowStore(path, options);
  }

  /** Edge key -> row id, so a flush does not look each edge up again. */
  private readonly edgeIds = new Map<string, number>();

  private edgeIdFor(e: EdgeIncrement): number {
    const key = e.key ?? flowEdgeKey(e.source, e.destination, e.protocol, e.port);
    const id = this.edgeIds.get(key) ?? (this.stmt.edgeId.get(key) as number | undefined);
    if (id !== undefined) {
      this.edgeIds.set(key, id);
      if (e.service) this.stmt.updateEdgeService.run(e.service, e.servicePort ?? null, id);
      return id;
    }
    const info = this.stmt.insertEdge.run(
      key, e.source, e.destination, e.protocol, e.port ?? null, e.interCluster ? 1 : 0, e.service ?? null, e.servicePort ?? null, e.level === 'pod' ? 1 : 0,
    );
    const newId = Number(info.lastInsertRowid);
    this.edgeIds.set(key, newId);
    return newId;
  }

  private addIncrement(e: EdgeIncrement): void {
    // A count of 0 with verdict changes is a correction (connections moved to a stronger verdict).
    if (!(e.count > 0) && !Object.values(e.verdicts).some((n) => n !== 0)) return;
    const id = this.edgeIdFor(e);
    const hour = Math.floor(e.time / HOUR_MS);
    const fwd = e.verdicts.FORWARDED ?? 0;
    const drop = e.verdicts.DROPPED ?? 0;
    const other = otherVerdicts(e.verdicts);
    const hasDrops = !!e.dropReasons && Object.keys(e.dropReasons).length > 0;
    if (!other && !hasDrops) {
      // The common case (FORWARDED/DROPPED counts only): one upsert, no read.
      this.stmt.upsertBucketPlain.run(id, hour, e.count, fwd, drop, e.firstSeen, e.lastSeen);
      return;
    }
    const row = this.stmt.getBucket.get(id, hour) as
      | { count: number; forwarded: number; dropped: number; other: string | null; drops: string | null; first: number; last: number }
      | undefined;
    if (!row) {
      this.stmt.insertBucket.run(
        id, hour, e.count, fwd, drop, other ? JSON.stringify(other) : null,
        e.dropReasons && Object.keys(e.dropReasons).length ? JSON.stringify(e.dropReasons) : null, e.firstSeen, e.lastSeen,
      );
      return;
    }
    const mergedOther = mergeCounts(row.other ? JSON.parse(row.other) : undefined, other);
    const mergedDrops = mergeCounts(row.drops ? JSON.parse(row.drops) : undefined, e.dropReasons);
    this.stmt.updateBucket.run(
      row.count + e.count, row.forwarded + fwd, row.dropped + drop,
      mergedOther ? JSON.stringify(mergedOther) : null, mergedDrops ? JSON.stringify(mergedDrops) : null,
      Math.min(row.first, e.firstSeen), Math.max(row.last, e.lastSeen), id, hour,
    );
  }

  /** Writes edge increments, nodes and offsets in ONE transaction: all or nothing. */
  writeBatch(batch: StoreBatch): void {
    this.assertOpen();
    const run = this.db.transaction((b: StoreBatch) => {
      for (const n of b.nodes ?? []) this.stmt.upsertNode.run(n.key, JSON.stringify(n.attributes));
      for (const e of b.edges ?? []) this.addIncrement(e);
      this.connections.write(b.connections ?? []);
      const now = this.now();
      for (const o of b.offsets ?? []) this.stmt.upsertOffset.run(o.source, JSON.stringify(o.position), now);
    });
    run(batch);
    this.flushes++;
  }

  /** A collector's batch, written once: false when `batchId` was applied before (see Store). */
  applyBatchOnce(collector: string, batchId: string, batch: StoreBatch): boolean {
    this.assertOpen();
    const run = this.db.transaction(() => {
      const fresh = this.db.prepare('INSERT OR IGNORE INTO collector_batches (collector, batch, applied) VALUES (?, ?, ?)').run(collector, batchId, this.now()).changes;
      if (fresh) this.writeBatch(batch);
      return fresh > 0;
    });
    return run();
  }

  /** Store.queryConnections: a page of the connections behind some edges. */
  queryConnections(q: ConnectionQuery): ConnectionPage {
    this.assertOpen();
    return this.connections.query(q);
  }

  /** Store.policyHits. */
  policyHits(q: Omit<ConnectionQuery, 'limit' | 'after'>): PolicyHit[] {
    this.assertOpen();
    return this.connections.policyHits(q);
  }

  loadSnapshot(): StoreSnapshot {
    return { inventories: this.loadInventories(), nodes: this.loadNodes(), edges: this.loadEdges(), cursor: 0 };
  }

  /** Store.flowCounts: connections per hour bucket overlapping [since, until]. */
  flowCounts(window: { since: number; until: number }): FlowCounts {
    this.assertOpen();
    const rows = this.db.prepare(
      `SELECT b.hour AS slot, sum(b.count) AS count FROM buckets b JOIN edges e ON e.id = b.edge
        WHERE b.hour BETWEEN ? AND ? AND e.pod = 0 GROUP BY b.hour ORDER BY b.hour`,
    ).all(Math.floor(window.since / HOUR_MS), Math.floor(window.until / HOUR_MS)) as Array<{ slot: number; count: number }>;
    return { resolutionMs: HOUR_MS, slots: rows.map((r) => ({ start: r.slot * HOUR_MS, count: r.count })) };
  }

  /**
   * Edges aggregated over the buckets that overlap [since, until] (hour precision), or all of
   * them. Ordered by key.
   */
  loadEdges(window: { since?: number; until?: number } = {}): StoredEdge[] {
    this.assertOpen();
    const lo = window.since !== undefined ? Math.floor(window.since / HOUR_MS) : -1e15;
    const hi = window.until !== undefined ? Math.floor(window.until / HOUR_MS) : 1e15;
    const rows = this.db.prepare(
      `SELECT e.key, e.source, e.destination, e.protocol, e.port, e.inter, e.service, e.service_port, e.pod,
              b.count, b.forwarded, b.dropped, b.other, b.drops, b.first, b.last
         FROM buckets b JOIN edges e ON e.id = b.edge
        WHERE b.hour BETWEEN ? AND ? ORDER BY e.key, b.hour`,
    ).all(lo, hi) as Array<{
      key: string; source: string; destination: string; protocol: L4Protocol; port: number | null; inter: number;
      service: string | null; service_port: number | null; pod: number; count: number; forwarded: number; dropped: number;
      other: string | null; drops: string | null; first: number; last: number;
    }>;
    const out: StoredEdge[] = [];
    let cur: (FlowEdge & { key: string }) | undefined;
    for (const r of rows) {
      if ((!cur || cur.key !== r.key) && this.edgeRowProblem(r) !== undefined) continue;
      if (!cur || cur.key !== r.key) {
        cur = {
          key: r.key, kind: 'flow', source: r.source, destination: r.destination, protocol: r.protocol,
          ...(r.port !== null ? { port: r.port } : {}),
          count: 0, verdicts: {}, firstSeen: r.first, lastSeen: r.last, interCluster: r.inter === 1, level: r.pod ? 'pod' : 'workload',
          ...(r.service ? { service: r.service } : {}), ...(r.service_port !== null ? { servicePort: r.service_port } : {}),
        };
        out.push(cur);
      }
      cur.count += r.count;
      const v = cur.verdicts as Record<string, number>;
      if (r.forwarded) v.FORWARDED = (v.FORWARDED ?? 0) + r.forwarded;
      if (r.dropped) v.DROPPED = (v.DROPPED ?? 0) + r.dropped;
      if (r.other) cur.verdicts = mergeCounts(v, JSON.parse(r.other)) ?? {};
      if (r.drops) cur.dropReasons = mergeCounts(cur.dropReasons, JSON.parse(r.drops));
      cur.firstSeen = Math.min(cur.firstSeen, r.first);
      cur.lastSeen = Math.max(cur.lastSeen, r.last);
    }
    // A correction stored in a later hour than the connection it moved leaves a negative verdict
    // in a window that holds only that hour: such verdicts are left out.
    for (const e of out) {
      const v = e.verdicts as Record<string, number>;
      for (const k of Object.keys(v)) if (!(v[k] > 0)) delete v[k];
    }
    return out;
  }

  /**
   * Why a stored edge row is not loaded (its ends are not keys netatlas would build today, or its
   * port or protocol is out of range), told once per edge; undefined when it is good.
   */
  private edgeRowProblem(r: { key: string; source: string; destination: string; protocol: string; port: number | null }): string | undefined {
    if (this.checkedEdges.has(r.key)) return this.checkedEdges.get(r.key);
    const problem =
      keyProblem(r.source) ?? keyProblem(r.destination) ??
      (r.port !== null && portProblem(r.port) !== undefined ? `port ${portProblem(r.port)}` : undefined) ??
      (PROTOCOLS.has(r.protocol) ? undefined : `protocol ${JSON.stringify(r.protocol)} is not one netatlas stores`);
    if (this.checkedEdges.size >= 100_000) this.checkedEdges.clear();
    this.checkedEdges.set(r.key, problem);
    if (problem !== undefined) {
      this.skippedOnLoad++;
      this.onWarning(`netatlas/store: ${this.path}: stored edge skipped: ${problem}. It fails today's validation; it stays in the file but is not served.`);
    }
    return problem;
  }

  loadNodes(): Map<string, GraphNode> {
    this.assertOpen();
    const out = new Map<string, GraphNode>();
    for (const r of this.db.prepare('SELECT key, attrs FROM nodes').iterate() as Iterable<{ key: string; attrs: string }>) {
      const problem = keyProblem(r.key);
      if (problem !== undefined) {
        if (!this.checkedEdges.has(`node|${r.key}`)) {
          this.checkedEdges.set(`node|${r.key}`, problem);
          this.skippedOnLoad++;
          this.onWarning(`netatlas/store: ${this.path}: stored node skipped: ${problem}.`);
        }
        continue;
      }
      try {
        out.set(r.key, JSON.parse(r.attrs) as GraphNode);
      } catch {
        // A node row is only a cache of attributes; a bad one is skipped, never fatal.
      }
    }
    return out;
  }

  getOffset(source: string): Record<string, unknown> | undefined {
    this.assertOpen();
    const raw = this.stmt.getOffset.get(source) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as Record<string, unknown>);
  }

  saveInventory(cluster: string, inventory: Inventory): void {
    this.assertOpen();
    this.stmt.upsertInventory.run(cluster, this.now(), JSON.stringify(inventory));
  }

  /** The latest snapshot per cluster. */
  loadInventories(): Map<string, { taken: number; inventory: Inventory }> {
    this.assertOpen();
    const out = new Map<string, { taken: number; inventory: Inventory }>();
    for (const r of this.db.prepare('SELECT cluster, taken, data FROM inventories').all() as Array<{ cluster: string; taken: number; data: string }>) {
      out.set(r.cluster, { taken: r.taken, inventory: JSON.parse(r.data) as Inventory });
    }
    return out;
  }

  /** Deletes buckets older than the retention and edges left without buckets. Returns buckets deleted. */
  prune(now = this.now()): number {
    this.assertOpen();
    // Collector batch ids are kept a day: long enough to recognise any resend of a spool.
    this.db.prepare('DELETE FROM collector_batches WHERE applied < ?').run(now - 24 * HOUR_MS);
    this.connections.prune(Math.floor((now - this.retainMinutesMs) / MINUTE_MS));
    if (this.retainMs === undefined) return 0;
    const cutoff = Math.floor((now - this.retainMs) / HOUR_MS);
    const tx = this.db.transaction(() => {
      const deleted = this.db.prepare('DELETE FROM buckets WHERE hour < ?').run(cutoff).changes;
      if (deleted) {
        this.db.prepare('DELETE FROM edges WHERE id NOT IN (SELECT DISTINCT edge FROM buckets)').run();
        this.edgeIds.clear();
      }
      return deleted;
    });
    return tx();
  }

  /** `ok`, or SQLite's list of problems. */
  integrityCheck(): string {
    this.assertOpen();
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n');
  }

  stats(): StoreStats {
    this.assertOpen();
    if (this.path !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
    const count = (sql: string): number => this.db.prepare(sql).pluck().get() as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return {
      edges: count('SELECT count(*) FROM edges'),
      buckets: count('SELECT count(*) FROM buckets'),
      nodes: count('SELECT count(*) FROM nodes'),
      bytes: pages * size,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('netatlas/store: the store is closed.');
  }
}
