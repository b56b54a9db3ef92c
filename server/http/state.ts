/**
 * AppState: what the server knows, in one place. It holds the GraphBuilder (identity and
 * aggregation belong to server/graph), the inventory per cluster, source statuses, recent sample
 * flows, the store, and a delta log that feeds Server-Sent Events.
 *
 * Change detection is by snapshot: `flush()` compares each edge's count and verdicts with what
 * it saw at the previous flush. That works whatever way the builder mutates its attributes, and
 * one pass gives both the store's increments and the SSE delta. Cost: O(edges) per flush, run
 * only when something was ingested, at most every `flushIntervalMs`.
 */
import type Graph from 'graphology';
import type { FlowEdge, FlowRecord, GraphNode, Inventory, VerdictCounts } from '../../generator/model/index.ts';
import { flowEdgeKey } from '../../generator/model/index.ts';
import type { EdgeIncrement, SourceOffset, StoreBatch, StoredEdge } from '../store/flow-store.ts';
import type { Store } from '../store/store.ts';
import { ConnectionLog } from '../store/connection-log.ts';
import type { EndpointIdentity } from '../graph/identity.ts';
import type { SampleFlow, SourceKind, SourceState, SourceStatus } from './api-types.ts';

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
}

export interface DeltaEntry {
  readonly seq: number;
  readonly time: number;
  readonly edges: readonly string[];
  readonly nodes: readonly string[];
  readonly removedEdges: readonly string[];
  readonly removedNodes: readonly string[];
}

interface MutableSource {
  id: string;
  kind: SourceKind;
  cluster?: string;
  state: SourceState;
  reason?: string;
  lastEventTime?: number;
  records: number;
  errors: number;
  lastErrors: string[];
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface AppStateOptions {
  readonly builder: GraphBuilderLike;
  readonly store?: Store;
  readonly now?: () => number;
  /** How many delta batches /events can replay. Default 1000. */
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
}

const MAX_LAST_ERRORS = 10;

function sameVerdicts(a: VerdictCounts, b: VerdictCounts): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if ((a as Record<string, number>)[k] !== (b as Record<string, number>)[k]) return false;
  return true;
}

/**
 * Signed per-verdict change since the snapshot: a correction (FlowRecord.supersedes) moves
 * connections between verdicts without changing the count, so one verdict may go down.
 */
function verdictDeltas(now: Readonly<Record<string, number>>, before: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before?.[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  for (const [k, v] of Object.entries(before ?? {})) if (!(k in now) && v !== 0) out[k] = -v;
  return out;
}

function subtractCounts(now: Readonly<Record<string, number>> | undefined, before: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now ?? {})) {
    const d = v - (before?.[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export class AppState {
  readonly builder: GraphBuilderLike;
  readonly store?: Store;
  readonly startedAt: number;
  readonly now: () => number;
  readonly inventories = new Map<string, Inventory>();
  private readonly sources = new Map<string, MutableSource>();
  private readonly deltaLog: DeltaEntry[] = [];
  private readonly deltaLogSize: number;
  private readonly listeners = new Set<(entry: DeltaEntry) => void>();
  private readonly sourceListeners = new Set<() => void>();
  private readonly snapshot = new Map<string, { count: number; verdicts: VerdictCounts; dropReasons?: Record<string, number> }>();
  private readonly knownNodes = new Set<string>();
  private readonly pendingOffsets = new Map<string, SourceOffset>();
  private readonly samples = new Map<string, SampleFlow[]>();
  private readonly recentRecords: FlowRecord[] = [];
  private recentIndex = 0;
  private readonly samplesPerEdge: number;
  private readonly maxSampledEdges: number;
  private dirty = false;
  private seqCounter = 0;
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
  storeErrors = 0;
  lastStoreError?: string;
  /** Store writes in order: a shared store answers asynchronously, and increments must not overtake each other. */
  private writes: Promise<void> = Promise.resolve();
  /** Journal position of a shared store this state has applied up to (see followStore). */
  journalCursor = 0;

  constructor(options: AppStateOptions) {
    this.builder = options.builder;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.deltaLogSize = options.deltaLogSize ?? 1000;
    this.samplesPerEdge = options.samplesPerEdge ?? 8;
    this.maxSampledEdges = options.maxSampledEdges ?? 20_000;
    this.connectionLog = options.connections
      ?? (options.store?.perEdgeMinute !== undefined ? new ConnectionLog({ perEdgeMinute: options.store.perEdgeMinute }) : undefined);
  }

  /** Gathers the connections behind ingested flows for the store (connection-log.ts). */
  readonly connectionLog?: ConnectionLog;

  get graph(): Graph<GraphNode, FlowEdge> {
    return this.builder.graph as Graph<GraphNode, FlowEdge>;
  }

  /** The newest delta seq (0 before the first). */
  get seq(): number {
    return this.seqCounter;
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
    if (!this.sources.has(id)) {
      this.sources.set(id, { id, kind, cluster, state: 'starting', records: 0, errors: 0, lastErrors: [] });
      this.notifySources();
    }
  }

  /** Updates a source's status (creating it as kind 'flows-file' if unknown). */
  updateSource(id: string, patch: Partial<Omit<SourceStatus, 'id' | 'lastErrors'>> & { error?: string }): void {
    let s = this.sources.get(id);
    if (!s) {
      s = { id, kind: patch.kind ?? 'flows-file', state: 'starting', records: 0, errors: 0, lastErrors: [] };
      this.sources.set(id, s);
    }
    const { error, ...rest } = patch;
    Object.assign(s, rest);
    if (patch.state && patch.state !== 'stale' && patch.state !== 'error' && patch.reason === undefined) delete s.reason;
    if (error) {
      s.errors++;
      if (s.lastErrors.length < MAX_LAST_ERRORS) s.lastErrors.push(error);
    }
    this.notifySources();
  }

  sourceStatuses(): SourceStatus[] {
    return [...this.sources.values()].map((s) => ({ ...s, lastErrors: [...s.lastErrors] }));
  }

  /**
   * The statuses as the API shows them: a file's folder is the server's business, so every
   * absolute path in an id, reason or error is cut to its file name (`flows-file:events.log`).
   */
  publicSourceStatuses(): SourceStatus[] {
    return this.sourceStatuses().map((s) => ({
      ...s,
      id: withoutFolders(s.id),
      ...(s.reason !== undefined ? { reason: withoutFolders(s.reason) } : {}),
      lastErrors: s.lastErrors.map(withoutFolders),
    }));
  }

  onSourcesChanged(fn: () => void): () => void {
    this.sourceListeners.add(fn);
    return () => this.sourceListeners.delete(fn);
  }

  private notifySources(): void {
    for (const fn of this.sourceListeners) {
      try {
        fn();
      } catch {
        // A listener (an SSE client) failing never affects ingest.
      }
    }
  }

  // ------------------------------------------------------------------ ingest

  setInventory(cluster: string, inventory: Inventory, options: { persist?: boolean } = {}): void {
    this.inventories.set(cluster, inventory);
    this.builder.addInventory(inventory);
    this.inventoryVersion++;
    this.bump();
    if (options.persist !== false && this.store) {
      const store = this.store;
      this.enqueueWrite(() => store.saveInventory(cluster, inventory));
    }
    this.dirty = true;
  }

  /**
   * Feeds flow records from one source. A record the builder rejects is counted against the
   * source and skipped; the rest go on.
   */
  ingestFlows(sourceId: string, records: Iterable<FlowRecord>, options: { cluster?: string; offset?: Record<string, unknown> } = {}): number {
    let s = this.sources.get(sourceId);
    if (!s) {
      this.registerSource(sourceId, 'flows-file', options.cluster);
      s = this.sources.get(sourceId)!;
    }
    let n = 0;
    let last: number | undefined;
    for (const record of records) {
      try {
        const result = this.builder.addFlow(record, options.cluster);
        this.keepSample(record, result);
        const b = this.builder;
        if (this.connectionLog && b.lastEdges) {
          const point = record.direction ? `${record.direction.toLowerCase()}${record.observer ? `@${record.observer}` : ''}` : record.observer;
          this.connectionLog.record(record, b.lastSource, b.lastDestination, b.lastEdges, point);
        }
        n++;
        last = record.time;
      } catch (error) {
        s.errors++;
        if (s.lastErrors.length < MAX_LAST_ERRORS) {
          const where = record?.origin?.file ? `${record.origin.file}:${record.origin.line ?? '?'}: ` : '';
          s.lastErrors.push(`${where}${(error as Error).message}`);
        }
      }
    }
    if (n > 0) {
      s.records += n;
      s.lastEventTime = Math.max(s.lastEventTime ?? 0, last ?? 0) || this.now();
      if (s.state === 'starting' || s.state === 'stale') {
        s.state = 'connected';
        delete s.reason;
      }
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

  private keepSample(record: FlowRecord, result: unknown): void {
    const edgeKey = typeof result === 'string' ? result : typeof (result as { key?: unknown })?.key === 'string' ? (result as { key: string }).key : undefined;
    if (edgeKey) {
      const sample = toSample(record);
      let list = this.samples.get(edgeKey);
      if (!list) {
        if (this.samples.size >= this.maxSampledEdges) this.samples.delete(this.samples.keys().next().value!);
        list = [];
        this.samples.set(edgeKey, list);
      }
      list.push(sample);
      if (list.length > this.samplesPerEdge) list.shift();
    }
    // Whatever the builder returns, keep a bounded ring of recent records so edge detail can
    // match samples by endpoints.
    if (this.recentRecords.length < 4096) this.recentRecords.push(record);
    else {
      this.recentRecords[this.recentIndex] = record;
      this.recentIndex = (this.recentIndex + 1) % 4096;
    }
  }

  samplesFor(edgeKey: string): SampleFlow[] {
    return [...(this.samples.get(edgeKey) ?? [])];
  }

  /** Recent records, oldest first. */
  recent(): FlowRecord[] {
    return [...this.recentRecords.slice(this.recentIndex), ...this.recentRecords.slice(0, this.recentIndex)];
  }

  // ------------------------------------------------------------------ flush and deltas

  /**
   * Finds what changed since the last flush, writes it to the store in one transaction with the
   * pending source offsets, and appends one delta to the log. Returns the delta, or undefined
   * when nothing changed.
   */
  flush(): DeltaEntry | undefined {
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
        this.enqueueWrite(() => store.writeBatch(batch));
      } catch (error) {
        this.noteStoreError(error);
      }
    } else {
      this.pendingOffsets.clear();
      this.connectionLog?.take();
    }
    this.flushes++;
    if (changedEdges.length === 0 && newNodes.length === 0) return undefined;
    return this.publish(changedEdges, newNodes);
  }

  /**
   * Runs a store write after the ones before it. A synchronous store (SQLite) writes during
   * this call, as before; a shared one writes when the previous write has finished.
   */
  private enqueueWrite(write: () => unknown): void {
    const run = (): Promise<void> | undefined => {
      try {
        const r = write();
        if (r instanceof Promise) return r.then(() => {}, (error) => this.noteStoreError(error));
      } catch (error) {
        this.noteStoreError(error);
      }
      return undefined;
    };
    if (this.writesPending === 0) {
      // Nothing in flight: run now, so a synchronous store has written when flush() returns.
      const r = run();
      if (!r) return;
      this.writesPending++;
      this.writes = r.finally(() => { this.writesPending--; });
    } else {
      this.writesPending++;
      this.writes = this.writes.then(run).finally(() => { this.writesPending--; });
    }
  }

  private writesPending = 0;

  /** Resolves when every store write queued so far has finished. */
  async settled(): Promise<void> {
    for (;;) {
      const w = this.writes;
      await w;
      if (w === this.writes) return;
    }
  }

  private publish(changedEdges: string[], newNodes: string[]): DeltaEntry {
    const entry: DeltaEntry = { seq: ++this.seqCounter, time: this.now(), edges: changedEdges, nodes: newNodes, removedEdges: [], removedNodes: [] };
    this.deltaLog.push(entry);
    if (this.deltaLog.length > this.deltaLogSize) this.deltaLog.shift();
    for (const fn of this.listeners) {
      try {
        fn(entry);
      } catch {
        // An SSE client failing never affects ingest.
      }
    }
    return entry;
  }

  private noteStoreError(error: unknown): void {
    this.storeErrors++;
    this.lastStoreError = (error as Error)?.message ?? String(error);
  }

  /** Deltas after `seq`; undefined when the log no longer reaches back that far. */
  deltasSince(seq: number): DeltaEntry[] | undefined {
    if (seq >= this.seqCounter) return [];
    const first = this.deltaLog[0];
    if (!first || seq < first.seq - 1) return undefined;
    return this.deltaLog.filter((d) => d.seq > seq);
  }

  onDelta(fn: (entry: DeltaEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get listenerCount(): number {
    return this.listeners.size;
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

/** Adds `b`'s counts into `a` (mutating it) and returns `a`. */
function addInto<T extends Record<string, number>>(a: T, b: Readonly<Record<string, number>>): T {
  const out = a as Record<string, number>;
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return a;
}

function toSample(r: FlowRecord): SampleFlow {
  const pod = (e: FlowRecord['source']): string | undefined => (e.podName ? `${e.namespace ?? ''}/${e.podName}` : undefined);
  return {
    time: r.time, verdict: r.verdict, protocol: r.protocol,
    ...(r.source.ip ? { sourceIp: r.source.ip } : {}),
    ...(r.source.port !== undefined ? { sourcePort: r.source.port } : {}),
    ...(r.destination.ip ? { destinationIp: r.destination.ip } : {}),
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(pod(r.source) ? { sourcePod: pod(r.source) } : {}),
    ...(pod(r.destination) ? { destinationPod: pod(r.destination) } : {}),
    ...(r.dropReason ? { dropReason: r.dropReason } : {}),
    ...(r.l7 ? { l7: r.l7 } : {}),
  };
}

export { toSample };

/** An absolute path (after a start, a space, a quote, '(', ':' or '='): its folders, then its name. */
const ABSOLUTE_PATH = /(^|[\s"'(:=])\/(?:[^\s"'/:]+\/)+([^\s"'/:]+)/g;

/** `text` with every absolute path cut to its file name. */
export function withoutFolders(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1$2');
}
