/**
 * The store as everything past it sees it: one interface, two implementations.
 *  - FlowStore (flow-store.ts): embedded SQLite, the default; synchronous underneath.
 *  - PostgresStore (postgres.ts): one database shared by several `serve` replicas.
 * Methods may answer a value or a promise (`MaybePromise`), so the SQLite store keeps its
 * synchronous calls (a write is done when the call returns, which its crash-safety relies on)
 * and callers that `await` work with both.
 */
import type { GraphNode, Inventory } from '../../generator/model/index.ts';
import type { StoreBatch, StoredEdge, StoreStats } from './flow-store.ts';
import type { ConnectionPage, ConnectionQuery, PolicyHit } from './connections.ts';

export type MaybePromise<T> = T | Promise<T>;

/** Everything `restoreFromStore` needs, read at one point in time. */
export interface StoreSnapshot {
  readonly inventories: Map<string, { taken: number; inventory: Inventory }>;
  readonly nodes: Map<string, GraphNode>;
  readonly edges: StoredEdge[];
  /** Journal position the snapshot includes (shared stores; 0 otherwise). */
  readonly cursor: number;
}

/** Batches other writers applied since a journal position (shared stores only). */
export interface JournalPage {
  readonly cursor: number;
  readonly batches: readonly StoreBatch[];
  /** Inventory snapshots other writers saved in that range: the latest of each cluster. */
  readonly inventories?: ReadonlyMap<string, Inventory>;
}

/** Flow counts per stored time slot, for a histogram of flow volume. */
export interface FlowCounts {
  /** The slot width the counts were read at (ms): an hour, or a minute where the store keeps minutes. */
  readonly resolutionMs: number;
  /** Slots with flows, oldest first; `start` is the slot's first ms. */
  readonly slots: ReadonlyArray<{ readonly start: number; readonly count: number }>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres' | 'spool';
  readonly isOpen: boolean;
  /** Edge increments, nodes and source offsets in one transaction: all or nothing. */
  writeBatch(batch: StoreBatch): MaybePromise<void>;
  /**
   * Applies a collector's batch exactly once: false (and nothing written) when this collector's
   * `batchId` was applied before. The batch id is recorded in the same transaction.
   */
  applyBatchOnce(collector: string, batchId: string, batch: StoreBatch): MaybePromise<boolean>;
  loadSnapshot(): MaybePromise<StoreSnapshot>;
  loadEdges(window?: { since?: number; until?: number }): MaybePromise<StoredEdge[]>;
  /**
   * Connections per slot over the slots overlapping [since, until], each counted once (on its
   * workload-level edge, never again on its pod-level detail edge): the same buckets loadEdges sums.
   */
  flowCounts?(window: { since: number; until: number }): MaybePromise<FlowCounts>;
  /** Connection rows kept per edge and minute (connections.ts); absent: the store keeps none. */
  readonly perEdgeMinute?: number;
  /** A page of the connections behind some edges, newest first (GET /api/v1/flows). */
  queryConnections?(q: ConnectionQuery): MaybePromise<ConnectionPage>;
  /** The policies flow sources named as deciding the connections behind some edges (at most 100). */
  policyHits?(q: Omit<ConnectionQuery, 'limit' | 'after'>): MaybePromise<PolicyHit[]>;
  getOffset(source: string): MaybePromise<Record<string, unknown> | undefined>;
  saveInventory(cluster: string, inventory: Inventory): MaybePromise<void>;
  /** Deletes what is older than the retention; returns how many buckets went. */
  prune(now?: number): MaybePromise<number>;
  stats(): MaybePromise<StoreStats>;
  close(): MaybePromise<void>;
  /** Shared stores: what other writers committed after `cursor`, oldest first. */
  journalSince?(cursor: number, limit?: number): Promise<JournalPage>;
}

/** `postgres://` or `postgresql://` URLs name a shared PostgreSQL store. */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}
