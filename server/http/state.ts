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
import type { EdgeIncrement, FlowStore, SourceOffset } from '../store/flow-store.ts';
import type { SampleFlow, SourceKind, SourceState, SourceStatus } from './api-types.ts';

/** What the server needs from server/graph's GraphBuilder. */
export interface GraphBuilderLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly graph: Graph<any, any>;
  addInventory(inventory: Inventory): unknown;
  addFlow(record: FlowRecord, defaultCluster?: string): unknown;
  /** Puts back an edge kept by the store, so later flows add to it. Optional. */
  restoreEdge?(key: string, attributes: FlowEdge): unknown;
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
  readonly store?: FlowStore;
  readonly now?: () => number;
  /** How many delta batches /events can replay. Default 1000. */
  readonly deltaLogSize?: number;
  /** Sample flows kept per edge. Default 8. */
  readonly samplesPerEdge?: number;
  /** Edges with samples kept (oldest forgotten first). Default 20,000. */
  readonly maxSampledEdges?: number;
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
  readonly store?: FlowStore;
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

  constructor(options: AppStateOptions) {
    this.builder = options.builder;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.deltaLogSize = options.deltaLogSize ?? 1000;
    this.samplesPerEdge = options.samplesPerEdge ?? 8;
    this.maxSampledEdges = options.maxSampledEdges ?? 20_000;
  }

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
  restoreFromStore(): { nodes: number; edges: number; inventories: number } {
    if (!this.store) return { nodes: 0, edges: 0, inventories: 0 };
    const inventories = this.store.loadInventories();
    for (const [cluster, { inventory }] of inventories) this.setInventory(cluster, inventory, { persist: false });
    const g = this.graph;
    let nodes = 0;
    for (const [key, attrs] of this.store.loadNodes()) {
      if (!g.hasNode(key)) {
        g.addNode(key, attrs);
        nodes++;
      }
    }
    let edges = 0;
    for (const stored of this.store.loadEdges()) {
      const { key, ...attrs } = stored;
      if (!g.hasNode(attrs.source) || !g.hasNode(attrs.destination) || g.hasEdge(key)) continue;
      if (this.adoptEdge(key, attrs)) edges++;
    }
    this.takeBaseline();
    this.bump();
    return { nodes, edges, inventories: inventories.size };
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
      try {
        this.store.saveInventory(cluster, inventory);
      } catch (error) {
        this.noteStoreError(error);
      }
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
        this.store.writeBatch({ edges: increments, nodes, offsets: [...this.pendingOffsets.values()] });
        this.pendingOffsets.clear();
      } catch (error) {
        this.noteStoreError(error);
      }
    } else this.pendingOffsets.clear();
    this.flushes++;
    if (changedEdges.length === 0 && newNodes.length === 0) return undefined;
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

  /** Stops the timer, flushes what is pending and closes the store. */
  close(): void {
    this.stopAutoFlush();
    this.flush();
    this.store?.close();
  }
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
