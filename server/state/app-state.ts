/**
 * AppState: what the server knows, in one place. It holds the GraphBuilder (identity and
 * aggregation belong to server/graph), the inventory per cluster, source statuses, recent sample
 * flows, the store, and a delta log that feeds Server-Sent Events.
 *
 * Change detection is by snapshot: `flush()` compares each edge's count and verdicts with what
 * it saw at the previous flush. That works whatever way the builder mutates its attributes, and
 * one pass gives both the store's increments and the SSE delta. Cost: O(edges) per flush, run
 * only when something was ingested, at most every `flushIntervalMs`.
 *
 * Past 450 lines on purpose: ingest, the flush baseline and the store's restore and follow all
 * read and move the same private snapshot, so they stay one class. What stands alone is beside
 * it: source statuses (sources.ts), samples (samples.ts), the SSE delta log (delta-log.ts), the
 * ordered store writes (write-queue.ts) and the count arithmetic (counts.ts). HTTP maps this
 * state to API types (server/http); analysis reads it as AnalysisState (analysis-state.ts).
 */
import type Graph from 'graphology';
import type { FlowEdge, FlowRecord, GraphNode, Inventory, VerdictCounts } from '../../generator/model/index.ts';
import { flowEdgeKey } from '../../generator/model/index.ts';
import type { EdgeIncrement, SourceOffset, StoreBatch, StoredEdge } from '../store/flow-store.ts';
import type { Store } from '../store/store.ts';
import type { SourceKind, SourceStatus } from '../sources/types.ts';
import type { SampleFlow } from './samples.ts';
import { addInto, sameVerdicts, subtractCounts, verdictDeltas } from './counts.ts';
import { DeltaLog, type DeltaEntry } from './delta-log.ts';
import { SampleKeeper } from './samples.ts';
import { noteError, SourceRegistry } from './sources.ts';
import { WriteQueue } from './write-queue.ts';
import { ConnectionLog } from '../store/connection-log.ts';
import { deletableKey, type DeletableObject, type EndpointIdentity, type IdentityHeld, type InventoryHeld } from '../graph/identity.ts';

/** What the server needs from server/graph's GraphBuilder. */
export interface GraphBuilderLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly graph: Graph<any, any>;
  addInventory(inventory: Inventory): unknown;
  addFlow(record: FlowRecord, defaultCluster?: string): unknown;
  /** Puts back an edge kept by the store, so later flows add to it. Optional. */
  restoreEdge?(key: string, attributes: FlowEdge): unknown;
  /** What the last addFlow resolved and counted on (GraphBuilder), for the connection log. Optional. */
  readonly lastEdges?: readonly string[];
  readonly lastSource?: EndpointIdentity;
  readonly lastDestination?: EndpointIdentity;
  /** Drops the flow edges and the nodes only flows named; returns those nodes' keys (see AppStateOptions.releaseAfterFlush). */
  releaseFlowEdges?(): readonly string[];
  /** What identity resolution holds of what flows taught it. Optional. */
  identitiesHeld?(): IdentityHeld;
  /** What identity resolution holds of what inventories said. Optional. */
  inventoryHeld?(): InventoryHeld;
  /** The inventory no longer holds these objects, since `at` (GraphBuilder.inventoryDeleted). Optional. */
  inventoryDeleted?(objects: readonly DeletableObject[], at: number): void;
  /** Drops what was deleted longer ago than the builder's grace; returns the graph nodes dropped (GraphBuilder). Optional. */
  expireDeleted?(now: number, dropNodes: boolean): readonly string[];
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface AppStateOptions {
  readonly builder: GraphBuilderLike;
  readonly store?: Store;
  readonly now?: () => number;
  /**
   * How many delta batches /events can replay. Default 1000; 0 with releaseAfterFlush (a
   * collector has no live views, and each entry would pin an interval's edge keys after the
   * edges themselves were released).
   */
  readonly deltaLogSize?: number;
  /** Sample flows kept per edge. Default 8. */
  readonly samplesPerEdge?: number;
  /** Edges with samples kept (oldest forgotten first). Default 20,000. */
  readonly maxSampledEdges?: number;
  /**
   * Where connection rows are gathered between flushes and written with the batch. Default: one
   * with the store's `perEdgeMinute` when the store keeps connections; none without.
   */
  readonly connections?: ConnectionLog;
  /**
   * A collector's state: after each flush has handed the interval's increments to the store (the
   * spool), the flow edges are released (graph, builder, flush baseline, samples), and so are the
   * nodes only flows named; the next interval's flows start new edges. Memory then follows the
   * distinct edges of one interval, not of everything since start. Default false (serve keeps
   * the whole graph: it answers queries about it).
   */
  readonly releaseAfterFlush?: boolean;
}

export class AppState {
  readonly builder: GraphBuilderLike;
  readonly store?: Store;
  readonly startedAt: number;
  readonly now: () => number;
  readonly inventories = new Map<string, Inventory>();
  private readonly sources = new SourceRegistry();
  private readonly deltaLog: DeltaLog;
  private readonly snapshot = new Map<string, { count: number; verdicts: VerdictCounts; dropReasons?: Record<string, number> }>();
  private readonly knownNodes = new Set<string>();
  private readonly pendingOffsets = new Map<string, SourceOffset>();
  private readonly samples: SampleKeeper;
  private dirty = false;
  private flushTimer: unknown;
  private timers?: Timers;
  /** Flows ingested per second over recent seconds, for the ingest-rate gauge. */
  private readonly rateWindow: Array<{ second: number; flows: number }> = [];
  flushes = 0;
  /** Bumped by every change to the graph or inventory: keys response caches. */
  version = 0;
  /** Bumped by every inventory change only: keys what depends on inventories alone (the policy engine). */
  inventoryVersion = 0;
  /** Serialized answers for the current version (GET /graph), a handful at most. */
  readonly responseCache = new Map<string, string>();
  private readonly writeQueue = new WriteQueue();
  /** Journal position of a shared store this state has applied up to (see followStore). */
  journalCursor = 0;

  constructor(options: AppStateOptions) {
    this.builder = options.builder;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.deltaLog = new DeltaLog(options.deltaLogSize ?? (options.releaseAfterFlush ? 0 : 1000));
    this.samples = new SampleKeeper(options.samplesPerEdge ?? 8, options.maxSampledEdges ?? 20_000);
    this.connectionLog = options.connections
      ?? (options.store?.perEdgeMinute !== undefined ? new ConnectionLog({ perEdgeMinute: options.store.perEdgeMinute }) : undefined);
    this.releaseAfterFlush = options.releaseAfterFlush ?? false;
    if (this.releaseAfterFlush && typeof this.builder.releaseFlowEdges !== 'function') {
      throw new Error('netatlas/state: releaseAfterFlush needs a builder with releaseFlowEdges (server/graph GraphBuilder); pass one, or leave the option off.');
    }
  }

  private readonly releaseAfterFlush: boolean;

  /** What the state holds per interval: graph edges and nodes, flush-baseline entries, edges with samples. */
  held(): { edges: number; nodes: number; baseline: number; knownNodes: number; sampledEdges: number } {
    return { edges: this.graph.size, nodes: this.graph.order, baseline: this.snapshot.size, knownNodes: this.knownNodes.size, sampledEdges: this.samples.size };
  }

  /** What identity resolution holds of what flows taught it (undefined for a builder that does not say). */
  identitiesHeld(): IdentityHeld | undefined {
    return this.builder.identitiesHeld?.();
  }

  /** What identity resolution holds of what inventories said (undefined for a builder that does not say). */
  inventoryHeld(): InventoryHeld | undefined {
    return this.builder.inventoryHeld?.();
  }

  /** Gathers the connections behind ingested flows for the store (connection-log.ts). */
  readonly connectionLog?: ConnectionLog;

  get graph(): Graph<GraphNode, FlowEdge> {
    return this.builder.graph as Graph<GraphNode, FlowEdge>;
  }

  /** The newest delta seq (0 before the first). */
  get seq(): number {
    return this.deltaLog.seq;
  }

  // ------------------------------------------------------------------ restore

  /**
   * Puts what the store kept back into the graph (nodes, then edges aggregated over the
   * retained buckets), and takes it as the baseline so it is not written twice.
   */
  async restoreFromStore(): Promise<{ nodes: number; edges: number; inventories: number }> {
    if (!this.store) return { nodes: 0, edges: 0, inventories: 0 };
    const snapshot = await this.store.loadSnapshot();
    for (const [cluster, { inventory }] of snapshot.inventories) this.setInventory(cluster, inventory, { persist: false });
    const g = this.graph;
    let nodes = 0;
    for (const [key, attrs] of snapshot.nodes) {
      if (!g.hasNode(key)) {
        g.addNode(key, attrs);
        nodes++;
      }
    }
    let edges = 0;
    for (const stored of snapshot.edges) {
      const { key, ...attrs } = stored;
      if (!g.hasNode(attrs.source) || !g.hasNode(attrs.destination) || g.hasEdge(key)) continue;
      if (this.adoptEdge(key, attrs)) edges++;
    }
    this.journalCursor = snapshot.cursor;
    this.takeBaseline();
    this.bump();
    return { nodes, edges, inventories: snapshot.inventories.size };
  }

  /**
   * Adds a batch another writer put in the store (a collector's, another replica's) to the
   * graph, and to the flush baseline, so this state shows it and never writes it again.
   */
  applyStoredBatch(batch: StoreBatch): DeltaEntry | undefined {
    const g = this.graph;
    const newNodes: string[] = [];
    for (const n of batch.nodes ?? []) {
      if (g.hasNode(n.key)) continue;
      g.addNode(n.key, n.attributes);
      this.knownNodes.add(n.key);
      newNodes.push(n.key);
    }
    const changed = new Set<string>();
    for (const e of batch.edges ?? []) {
      const key = e.key ?? flowEdgeKey(e.source, e.destination, e.protocol, e.port);
      const before = this.snapshot.get(key);
      if (g.hasEdge(key)) {
        const a = g.getEdgeAttributes(key) as FlowEdge & { verdicts: Record<string, number>; dropReasons?: Record<string, number> };
        a.count += e.count;
        addInto(a.verdicts, e.verdicts);
        if (e.dropReasons && Object.keys(e.dropReasons).length) a.dropReasons = addInto({ ...(a.dropReasons ?? {}) }, e.dropReasons);
        a.firstSeen = Math.min(a.firstSeen, e.firstSeen);
        a.lastSeen = Math.max(a.lastSeen, e.lastSeen);
        if (e.service && !a.service) Object.assign(a, { service: e.service, servicePort: e.servicePort });
      } else {
        const attrs: FlowEdge = {
          kind: 'flow', source: e.source, destination: e.destination, protocol: e.protocol, port: e.port, count: e.count,
          verdicts: { ...e.verdicts }, dropReasons: e.dropReasons && Object.keys(e.dropReasons).length ? { ...e.dropReasons } : undefined,
          firstSeen: e.firstSeen, lastSeen: e.lastSeen, interCluster: e.interCluster, level: e.level ?? 'workload', service: e.service, servicePort: e.servicePort,
        };
        if (!this.adoptEdge(key, attrs)) continue;
      }
      // The baseline moves by the same amounts: the next flush sees only local changes.
      this.snapshot.set(key, {
        count: (before?.count ?? 0) + e.count,
        verdicts: addInto({ ...(before?.verdicts ?? {}) }, e.verdicts),
        dropReasons: e.dropReasons ? addInto({ ...(before?.dropReasons ?? {}) }, e.dropReasons) : before?.dropReasons,
      });
      changed.add(key);
    }
    if (changed.size === 0 && newNodes.length === 0) return undefined;
    this.bump();
    return this.publish([...changed], newNodes);
  }

  /**
   * Writes a collector's batch once (Store.applyBatchOnce) and, when it was new, adds it to the
   * graph. Answers whether it was new.
   */
  async ingestBatch(collector: string, batchId: string, batch: StoreBatch): Promise<boolean> {
    if (!this.store) {
      throw new Error('netatlas/ingest: this server has no store to record batch ids in; start it with --db or --store.');
    }
    const fresh = await this.store.applyBatchOnce(collector, batchId, batch);
    if (fresh) this.applyStoredBatch(batch);
    return fresh;
  }

  /**
   * Loads the stored edges of a time window ahead of a synchronous view (graphView) when the
   * store answers asynchronously; a synchronous store is read in place by windowEdges.
   */
  async prefetchWindow(window: { since?: number; until?: number }): Promise<void> {
    if (!this.store?.isOpen || this.store.kind === 'sqlite' || (window.since === undefined && window.until === undefined)) return;
    const edges = await this.store.loadEdges(window);
    if (this.windows.size >= 8) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(`${this.version}|${window.since}|${window.until}`, edges);
  }

  /** The stored edges of a window: from prefetchWindow, or read now from a synchronous store. */
  windowEdges(window: { since?: number; until?: number }): StoredEdge[] {
    const id = `${this.version}|${window.since}|${window.until}`;
    const hit = this.windows.get(id);
    if (hit) {
      this.windows.delete(id);
      return hit;
    }
    const r = this.store!.loadEdges(window);
    if (r instanceof Promise) {
      r.catch(() => {});
      throw new Error('netatlas/state: a time window on a shared store must be loaded first (prefetchWindow).');
    }
    return r;
  }

  private readonly windows = new Map<string, StoredEdge[]>();

  /** Applies what other writers added to a shared store since the last call. Returns batches applied. */
  async followStore(): Promise<number> {
    if (!this.store?.journalSince || !this.store.isOpen) return 0;
    let applied = 0;
    for (;;) {
      const page = await this.store.journalSince(this.journalCursor);
      if (page.cursor === this.journalCursor) return applied;
      this.journalCursor = page.cursor;
      for (const [cluster, inventory] of page.inventories ?? []) this.setInventory(cluster, inventory, { persist: false });
      for (const b of page.batches) {
        this.applyStoredBatch(b);
        applied++;
      }
    }
  }

  /**
   * Adds a stored edge so the builder keeps counting on it (GraphBuilder.restoreEdge). A
   * builder without restoreEdge (a test double) gets the edge in its graph only.
   */
  private adoptEdge(key: string, attrs: FlowEdge): boolean {
    if (typeof this.builder.restoreEdge === 'function') return this.builder.restoreEdge(key, attrs) !== false;
    this.graph.addDirectedEdgeWithKey(key, attrs.source, attrs.destination, attrs);
    return true;
  }

  /** Marks the graph changed: cached answers are dropped. */
  bump(): void {
    this.version++;
    this.responseCache.clear();
  }

  /** A cached serialized answer for `key` at the current version, computed once. */
  cached(key: string, compute: () => string): string {
    let hit = this.responseCache.get(key);
    if (hit === undefined) {
      hit = compute();
      if (this.responseCache.size >= 16) this.responseCache.delete(this.responseCache.keys().next().value!);
      this.responseCache.set(key, hit);
    }
    return hit;
  }

  private takeBaseline(): void {
    this.graph.forEachEdge((key, attrs) => {
      this.snapshot.set(key, { count: attrs.count, verdicts: { ...attrs.verdicts }, dropReasons: attrs.dropReasons ? { ...attrs.dropReasons } : undefined });
    });
    this.graph.forEachNode((key) => this.knownNodes.add(key));
  }

  // ------------------------------------------------------------------ sources

  registerSource(id: string, kind: SourceKind, cluster?: string): void {
    this.sources.register(id, kind, cluster);
  }

  /** Updates a source's status (creating it as kind 'flows-file' if unknown). */
  updateSource(id: string, patch: Partial<Omit<SourceStatus, 'id' | 'lastErrors'>> & { error?: string }): void {
    this.sources.update(id, patch);
  }

  sourceStatuses(): SourceStatus[] {
    return this.sources.statuses();
  }

  /** The statuses as the API shows them, absolute paths cut to file names (sources.ts). */
  publicSourceStatuses(): SourceStatus[] {
    return this.sources.publicStatuses();
  }

  onSourcesChanged(fn: () => void): () => void {
    return this.sources.onChanged(fn);
  }

  // ------------------------------------------------------------------ ingest

  /**
   * Takes `inventory` as what `cluster` holds now. Its pods, workloads, Services and
   * EndpointSlices that the previous one held and this one does not were deleted: they still
   * resolve for the builder's grace (late flows), then are dropped from identity resolution (see
   * GraphBuilder.expireDeleted).
   */
  setInventory(cluster: string, inventory: Inventory, options: { persist?: boolean } = {}): void {
    const previous = this.inventories.get(cluster);
    this.inventories.set(cluster, inventory);
    this.builder.addInventory(inventory);
    if (previous && this.builder.inventoryDeleted) {
      const deleted = [
        ...deletedFrom(previous.pods, inventory.pods), ...deletedFrom(previous.workloads, inventory.workloads),
        ...deletedFrom(previous.services, inventory.services), ...deletedFrom(previous.endpointSlices, inventory.endpointSlices),
      ];
      if (deleted.length > 0) this.builder.inventoryDeleted(deleted, this.now());
    }
    this.inventoryVersion++;
    this.bump();
    if (options.persist !== false && this.store) {
      const store = this.store;
      this.writeQueue.enqueue(() => store.saveInventory(cluster, inventory));
    }
    this.dirty = true;
  }

  /**
   * Feeds flow records from one source. A record the builder rejects is counted against the
   * source and skipped; the rest go on.
   */
  ingestFlows(sourceId: string, records: Iterable<FlowRecord>, options: { cluster?: string; offset?: Record<string, unknown> } = {}): number {
    const s = this.sources.ensure(sourceId, options.cluster);
    let n = 0;
    let last: number | undefined;
    for (const record of records) {
      try {
        const result = this.builder.addFlow(record, options.cluster);
        this.samples.keep(record, result);
        const b = this.builder;
        if (this.connectionLog && b.lastEdges) this.connectionLog.record(record, b.lastSource, b.lastDestination, b.lastEdges);
        n++;
        last = record.time;
      } catch (error) {
        const where = record?.origin?.file ? `${record.origin.file}:${record.origin.line ?? '?'}: ` : '';
        noteError(s, `${where}${(error as Error).message}`);
      }
    }
    if (n > 0) {
      this.sources.noteRecords(s, n, last, this.now());
      this.dirty = true;
      this.bump();
      this.noteRate(n);
    }
    if (options.offset) this.pendingOffsets.set(sourceId, { source: sourceId, position: options.offset });
    return n;
  }

  /** Queue a source's offset to be written with the next flush (same transaction as its edges). */
  setOffset(sourceId: string, position: Record<string, unknown>): void {
    this.pendingOffsets.set(sourceId, { source: sourceId, position });
    this.dirty = true;
  }

  private noteRate(n: number): void {
    const second = Math.floor(this.now() / 1000);
    const last = this.rateWindow[this.rateWindow.length - 1];
    if (last && last.second === second) last.flows += n;
    else {
      this.rateWindow.push({ second, flows: n });
      while (this.rateWindow.length > 11) this.rateWindow.shift();
    }
  }

  /** Flows per second over the last 10 full seconds. */
  ingestRate(): number {
    const now = Math.floor(this.now() / 1000);
    let sum = 0;
    for (const w of this.rateWindow) if (w.second >= now - 10 && w.second < now) sum += w.flows;
    return sum / 10;
  }

  samplesFor(edgeKey: string): SampleFlow[] {
    return this.samples.samplesFor(edgeKey);
  }

  /** Recent records, oldest first. */
  recent(): FlowRecord[] {
    return this.samples.recent();
  }

  // ------------------------------------------------------------------ flush and deltas

  /**
   * Finds what changed since the last flush, writes it to the store in one transaction with the
   * pending source offsets, and appends one delta to the log. Returns the delta, or undefined
   * when nothing changed.
   */
  flush(): DeltaEntry | undefined {
    // serve keeps the graph nodes of deleted pods (their edges are history); a collector drops
    // them once the interval's edges were released (release()).
    if (!this.releaseAfterFlush) this.builder.expireDeleted?.(this.now(), false);
    if (!this.dirty && this.pendingOffsets.size === 0) return undefined;
    this.dirty = false;
    const g = this.graph;
    const changedEdges: string[] = [];
    const increments: EdgeIncrement[] = [];
    const newNodes: string[] = [];
    g.forEachNode((key) => {
      if (!this.knownNodes.has(key)) {
        this.knownNodes.add(key);
        newNodes.push(key);
      }
    });
    g.forEachEdge((key, attrs) => {
      const before = this.snapshot.get(key);
      if (before && before.count === attrs.count && sameVerdicts(before.verdicts, attrs.verdicts)) return;
      changedEdges.push(key);
      const delta = attrs.count - (before?.count ?? 0);
      const verdicts = verdictDeltas(attrs.verdicts as Record<string, number>, before?.verdicts as Record<string, number> | undefined);
      if (delta > 0 || Object.keys(verdicts).length > 0) {
        increments.push({
          key, level: attrs.level === 'pod' ? 'pod' : 'workload',
          source: attrs.source ?? g.source(key), destination: attrs.destination ?? g.target(key), protocol: attrs.protocol,
          port: attrs.port, interCluster: !!attrs.interCluster, service: attrs.service, servicePort: attrs.servicePort,
          time: attrs.lastSeen, count: delta,
          verdicts,
          dropReasons: subtractCounts(attrs.dropReasons, before?.dropReasons),
          firstSeen: before ? attrs.lastSeen : attrs.firstSeen, lastSeen: attrs.lastSeen,
        });
      }
      this.snapshot.set(key, { count: attrs.count, verdicts: { ...attrs.verdicts }, dropReasons: attrs.dropReasons ? { ...attrs.dropReasons } : undefined });
    });
    if (this.store && this.store.isOpen) {
      try {
        const touched = new Set<string>();
        for (const e of increments) {
          touched.add(e.source);
          touched.add(e.destination);
        }
        for (const k of newNodes) touched.add(k);
        const nodes = [...touched].filter((k) => g.hasNode(k)).map((k) => ({ key: k, attributes: g.getNodeAttributes(k) }));
        const store = this.store;
        const connections = this.connectionLog?.take() ?? [];
        const batch = { edges: increments, nodes, offsets: [...this.pendingOffsets.values()], ...(connections.length ? { connections } : {}) };
        this.pendingOffsets.clear();
        this.writeQueue.enqueue(() => store.writeBatch(batch));
      } catch (error) {
        this.writeQueue.noteError(error);
      }
    } else {
      this.pendingOffsets.clear();
      this.connectionLog?.take();
    }
    this.flushes++;
    if (this.releaseAfterFlush) this.release();
    if (changedEdges.length === 0 && newNodes.length === 0) return undefined;
    return this.publish(changedEdges, newNodes);
  }

  /** Forgets the flushed interval's edges (see AppStateOptions.releaseAfterFlush). */
  private release(): void {
    for (const key of this.builder.releaseFlowEdges!()) this.knownNodes.delete(key);
    for (const key of this.builder.expireDeleted?.(this.now(), true) ?? []) this.knownNodes.delete(key);
    this.snapshot.clear();
    this.samples.clear();
    this.bump();
  }

  /** Store writes that failed, and the last failure (the metrics and health routes show them). */
  get storeErrors(): number {
    return this.writeQueue.errors;
  }

  get lastStoreError(): string | undefined {
    return this.writeQueue.lastError;
  }

  /** Resolves when every store write queued so far has finished. */
  async settled(): Promise<void> {
    await this.writeQueue.settled();
  }

  private publish(changedEdges: string[], newNodes: string[]): DeltaEntry {
    return this.deltaLog.publish(this.now(), changedEdges, newNodes);
  }

  /** Deltas after `seq`; undefined when the log no longer reaches back that far. */
  deltasSince(seq: number): DeltaEntry[] | undefined {
    return this.deltaLog.since(seq);
  }

  onDelta(fn: (entry: DeltaEntry) => void): () => void {
    return this.deltaLog.onDelta(fn);
  }

  get listenerCount(): number {
    return this.deltaLog.listenerCount;
  }

  /** Flush every `intervalMs` (default 500 ms: at most two deltas per second). */
  startAutoFlush(intervalMs = 500, timers: Timers = { setInterval: (f, ms) => setInterval(f, ms), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) }): void {
    this.stopAutoFlush();
    this.timers = timers;
    this.flushTimer = timers.setInterval(() => this.flush(), intervalMs);
    (this.flushTimer as { unref?: () => void })?.unref?.();
  }

  stopAutoFlush(): void {
    if (this.flushTimer !== undefined && this.timers) this.timers.clearInterval(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Stops the timer, flushes what is pending, waits for the store's writes and closes it. */
  async close(): Promise<void> {
    this.stopAutoFlush();
    this.flush();
    await this.settled();
    await this.store?.close();
  }
}

/** The objects of `before` that `after` no longer holds (by key: a later snapshot of one is the same object). */
function deletedFrom<T extends DeletableObject>(before: readonly T[], after: readonly T[]): T[] {
  if (before.length === 0) return [];
  const held = new Set(after.map(deletableKey));
  return before.filter((o) => !held.has(deletableKey(o)));
}

export type { DeltaEntry } from './delta-log.ts';
export { toSample } from './samples.ts';
export { withoutFolders } from './sources.ts';
