/**
 * SpoolStore: the collector's store. AppState.flush hands it each batch (edge increments,
 * touched nodes, and the source offsets they came from) exactly as it would hand them to the
 * SQLite store; the spool writes the batch to one file (write, fsync, rename: a batch is on
 * disk whole or not at all) and the shipper sends the files in order.
 *
 * Exactly-once effect across crashes: a batch file holds its source offsets, so a restarted
 * collector resumes its sources right after the last batch it spooled, and resends every batch
 * not yet acknowledged under the same id (`<epoch>-<seq>`; the epoch is chosen once per spool
 * folder, so a wiped spool never reuses an id). The central store applies an id once.
 *
 * Bounded: past `maxBatches` or `maxBytes` the oldest batch is dropped and counted (a long
 * partition loses the oldest minutes, never the collector's memory or disk).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GraphNode, Inventory } from '../../generator/model/index.ts';
import type { EdgeIncrement, SourceOffset, StoreBatch, StoredEdge, StoreStats } from '../store/flow-store.ts';
import type { Store, StoreSnapshot } from '../store/store.ts';
import type { ConnectionRow } from '../store/connections.ts';
import { decodeConnections, encodeConnections, type ConnectionTable } from './connection-table.ts';

/**
 * A spooled batch. Its file is two lines: this header without `body`, then `body`, the ingest
 * request's JSON without the collector's name and the batch id (wire.ts), so the shipper sends
 * the text as it was written instead of decoding and encoding it again.
 */
export interface SpooledBatch {
  readonly seq: number;
  readonly batchId: string;
  /** When it was spooled (ms). */
  readonly time: number;
  readonly offsets: readonly SourceOffset[];
  /** Edge increments in the body. */
  readonly edgeCount: number;
  /**
   * On every part of a flush split into several batches but the last: the seq of the last part,
   * which alone carries the offsets. A part whose last part is not on disk was cut short by a crash
   * and was never sent; it is removed at open, as its sources resume before it.
   */
  readonly lastOfGroup?: number;
  /** `{"edges":[...],"nodes":[...],"inventories"?:[...],"connectionTable"?:{...}}`. */
  readonly body: string;
}

/** What a batch's body holds (the ingest request's fields but the collector and batch id). */
export interface SpooledBody {
  readonly edges: readonly EdgeIncrement[];
  readonly nodes: readonly { readonly key: string; readonly attributes: GraphNode }[];
  readonly inventories?: readonly { readonly cluster: string; readonly inventory: Inventory }[];
  readonly connectionTable?: ConnectionTable;
}

interface SpoolState {
  readonly epoch: string;
  readonly nextSeq: number;
  /** The newest acknowledged seq (every batch up to it is in the central store). */
  readonly acked: number;
  /** Offsets of every acknowledged batch (later ones win). */
  readonly offsets: Record<string, Record<string, unknown>>;
}

export interface SpoolOptions {
  /** Batches kept at most. Default 100,000. */
  readonly maxBatches?: number;
  /** Bytes kept at most. Default 1 GiB. */
  readonly maxBytes?: number;
  /**
   * Edge increments, and connection rows, in one batch at most (each); a flush with more is
   * split into several batches. Default MAX_ROWS_PER_BATCH.
   */
  readonly maxRowsPerBatch?: number;
  readonly now?: () => number;
}

/**
 * A batch's rows at most, edges and connections each: 40,000 increments are ~15 MB of JSON and
 * 40,000 connection rows ~5-9 MB, so a batch stays well under the ingest route's 32 MB body limit.
 * A busy cluster's minute can hold more distinct edges than one batch may (a batch over the limit
 * would be refused and dropped whole): it is sent as several.
 */
export const MAX_ROWS_PER_BATCH = 40_000;

const FILE = /^batch-(\d{12})\.json$/;
const fileName = (seq: number): string => `batch-${String(seq).padStart(12, '0')}.json`;

/** Writes `text` to `file` so a reader sees all of it or none: temp file, fsync, rename. */
function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * A spool file's text as a batch. A file of one line is the form earlier versions wrote (one JSON
 * object with the body's fields and `connections` as row objects): its body is re-encoded, so an
 * upgraded collector still sends what it spooled before.
 */
function parseSpooled(text: string): SpooledBatch {
  const nl = text.indexOf('\n');
  if (nl >= 0) {
    const header = JSON.parse(text.slice(0, nl)) as Omit<SpooledBatch, 'body'>;
    const body = text.slice(nl + 1);
    if (!Number.isSafeInteger(header.seq) || typeof header.batchId !== 'string' || !Array.isArray(header.offsets) || !body.startsWith('{"edges":')) {
      throw new Error('not a spooled batch (header or body missing)');
    }
    return { ...header, body };
  }
  const old = JSON.parse(text) as Omit<SpooledBatch, 'body' | 'edgeCount'> & SpooledBody & { connections?: ConnectionRow[] };
  if (!Array.isArray(old.edges) || !Array.isArray(old.nodes)) throw new Error('not a spooled batch (no edges or nodes)');
  const body: SpooledBody = {
    edges: old.edges, nodes: old.nodes, ...(old.inventories ? { inventories: old.inventories } : {}),
    ...(old.connections?.length ? { connectionTable: encodeConnections(old.connections) } : {}),
  };
  return { seq: old.seq, batchId: old.batchId, time: old.time, offsets: old.offsets, edgeCount: old.edges.length, body: JSON.stringify(body) };
}

/** A spooled batch's body decoded, its connections as rows (for reading a spool back: tests, benchmarks, tools). */
export function spooledBody(batch: SpooledBatch): Omit<SpooledBody, 'connectionTable'> & { readonly connections?: ConnectionRow[] } {
  const { connectionTable, ...rest } = JSON.parse(batch.body) as SpooledBody;
  return { ...rest, ...(connectionTable ? { connections: decodeConnections(connectionTable) } : {}) };
}

export class SpoolStore implements Store {
  readonly kind = 'spool' as const;
  readonly dir: string;
  private state: SpoolState;
  /** seq -> bytes, oldest first. */
  private readonly files = new Map<number, number>();
  private readonly offsets = new Map<string, Record<string, unknown>>();
  private readonly maxBatches: number;
  private readonly maxBytes: number;
  private readonly maxRowsPerBatch: number;
  private readonly now: () => number;
  private bytes = 0;
  private closed = false;
  /** Batches dropped because the spool was full. */
  dropped = 0;

  private constructor(dir: string, options: SpoolOptions) {
    this.dir = dir;
    this.maxBatches = options.maxBatches ?? 100_000;
    this.maxBytes = options.maxBytes ?? 1024 ** 3;
    this.maxRowsPerBatch = Math.max(1, options.maxRowsPerBatch ?? MAX_ROWS_PER_BATCH);
    this.now = options.now ?? Date.now;
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new Error(`netatlas/collect: cannot create the spool folder ${dir}: ${(error as Error).message}. Give --spool a writable folder.`);
    }
    const stateFile = path.join(dir, 'state.json');
    let state: SpoolState | undefined;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as SpoolState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`netatlas/collect: ${stateFile} is unreadable (${(error as Error).message}). Move the spool folder aside to start afresh (its batches would be sent again under new ids).`);
      }
    }
    state ??= { epoch: randomBytes(6).toString('hex'), nextSeq: 1, acked: 0, offsets: {} };
    for (const [k, v] of Object.entries(state.offsets)) this.offsets.set(k, v);
    let nextSeq = state.nextSeq;
    // A write a crash cut short left only its temp file: the batch was never spooled.
    for (const f of readdirSync(dir)) if (f.endsWith('.json.tmp')) unlinkSync(path.join(dir, f));
    const seqs = readdirSync(dir).map((f) => FILE.exec(f)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])).sort((a, b) => a - b);
    const onDisk = new Set(seqs);
    for (const seq of seqs) {
      const file = path.join(dir, fileName(seq));
      if (seq <= state.acked) {
        // Acknowledged before a crash stopped its removal.
        unlinkSync(file);
        continue;
      }
      nextSeq = Math.max(nextSeq, seq + 1);
      let batch: SpooledBatch;
      try {
        batch = this.read(seq);
      } catch {
        // Kept aside (see oldest()); its offsets are lost, so its sources resume from the batch before it.
        renameSync(file, `${file}.bad`);
        this.unreadable++;
        continue;
      }
      if (batch.lastOfGroup !== undefined && !onDisk.has(batch.lastOfGroup)) {
        // Part of a flush a crash cut short (its last part, with the offsets, was never written): never sent.
        unlinkSync(file);
        continue;
      }
      this.files.set(seq, statSync(file).size);
      this.bytes += statSync(file).size;
      for (const o of batch.offsets) this.offsets.set(o.source, o.position as Record<string, unknown>);
    }
    this.state = { ...state, nextSeq };
    writeDurably(stateFile, JSON.stringify(this.state));
  }

  static open(dir: string, options: SpoolOptions = {}): SpoolStore {
    return new SpoolStore(dir, options);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get epoch(): string {
    return this.state.epoch;
  }

  /**
   * Spools one flush. One with more rows than a batch may hold is split into several batches, in
   * order: nodes and inventories ride with the first, the offsets with the last, so a crash
   * between them leaves parts that open() removes (the sources resume before them) rather than
   * parts that would be counted again.
   */
  writeBatch(batch: StoreBatch & { inventories?: SpooledBody['inventories'] }): void {
    this.assertOpen();
    const edges = batch.edges ?? [];
    const nodes = batch.nodes ?? [];
    const offsets = batch.offsets ?? [];
    const connections = batch.connections ?? [];
    if (!edges.length && !nodes.length && !offsets.length && !connections.length && !batch.inventories?.length) return;
    const max = this.maxRowsPerBatch;
    const parts = Math.max(1, Math.ceil(edges.length / max), Math.ceil(connections.length / max));
    const last = this.state.nextSeq + parts - 1;
    for (let i = 0; i < parts; i++) {
      const final = i === parts - 1;
      this.writeOne({
        edges: parts === 1 ? edges : edges.slice(i * max, (i + 1) * max),
        connections: parts === 1 ? connections : connections.slice(i * max, (i + 1) * max),
        nodes: i === 0 ? nodes : [],
        ...(i === 0 && batch.inventories ? { inventories: batch.inventories } : {}),
        offsets: final ? offsets : [],
        ...(final ? {} : { lastOfGroup: last }),
      });
    }
  }

  private writeOne(part: {
    edges: readonly EdgeIncrement[]; connections: readonly ConnectionRow[]; nodes: SpooledBody['nodes'];
    inventories?: SpooledBody['inventories']; offsets: readonly SourceOffset[]; lastOfGroup?: number;
  }): void {
    const seq = this.state.nextSeq;
    const header: Omit<SpooledBatch, 'body'> = {
      seq, batchId: `${this.state.epoch}-${seq}`, time: this.now(), offsets: part.offsets, edgeCount: part.edges.length,
      ...(part.lastOfGroup !== undefined ? { lastOfGroup: part.lastOfGroup } : {}),
    };
    const body: SpooledBody = {
      edges: part.edges, nodes: part.nodes, ...(part.inventories ? { inventories: part.inventories } : {}),
      ...(part.connections.length ? { connectionTable: encodeConnections(part.connections) } : {}),
    };
    // JSON.stringify escapes every newline inside strings, so the first one ends the header.
    const text = `${JSON.stringify(header)}\n${JSON.stringify(body)}`;
    writeDurably(path.join(this.dir, fileName(seq)), text);
    this.state = { ...this.state, nextSeq: seq + 1 };
    this.files.set(seq, Buffer.byteLength(text));
    this.bytes += Buffer.byteLength(text);
    for (const o of part.offsets) this.offsets.set(o.source, o.position as Record<string, unknown>);
    while (this.files.size > this.maxBatches || (this.bytes > this.maxBytes && this.files.size > 1)) {
      const oldest = this.files.keys().next().value!;
      this.remove(oldest);
      this.dropped++;
    }
  }

  saveInventory(cluster: string, inventory: Inventory): void {
    this.writeBatch({ inventories: [{ cluster, inventory }] });
  }

  /**
   * The oldest batch not yet acknowledged. A file that no longer reads (the disk changed under
   * it: it was written whole) is moved aside as `.bad`, counted in `unreadable`, and skipped.
   */
  oldest(): SpooledBatch | undefined {
    for (;;) {
      const seq = this.files.keys().next().value;
      if (seq === undefined) return undefined;
      try {
        return this.read(seq);
      } catch (error) {
        this.unreadable++;
        this.lastError = (error as Error).message;
        const file = path.join(this.dir, fileName(seq));
        try {
          renameSync(file, `${file}.bad`);
        } catch {
          // Gone already: nothing to keep aside.
        }
        this.bytes -= this.files.get(seq) ?? 0;
        this.files.delete(seq);
      }
    }
  }

  /** Spooled batches that could not be read back (moved aside as `.bad`). */
  unreadable = 0;
  lastError?: string;

  /** The central store has the batch: its offsets become the restart point, its file goes. */
  acknowledge(batch: SpooledBatch): void {
    if (!this.files.has(batch.seq)) return;
    const offsets = { ...this.state.offsets };
    for (const o of batch.offsets) offsets[o.source] = o.position as Record<string, unknown>;
    this.state = { ...this.state, offsets, acked: batch.seq };
    writeDurably(path.join(this.dir, 'state.json'), JSON.stringify(this.state));
    this.remove(batch.seq);
  }

  /** Drops a batch the server refused as invalid (it would be refused forever). */
  discard(batch: SpooledBatch): void {
    this.acknowledge(batch);
  }

  get depth(): { batches: number; bytes: number } {
    return { batches: this.files.size, bytes: this.bytes };
  }

  private remove(seq: number): void {
    const size = this.files.get(seq) ?? 0;
    this.files.delete(seq);
    this.bytes -= size;
    try {
      unlinkSync(path.join(this.dir, fileName(seq)));
    } catch {
      // Already gone: nothing to send.
    }
  }

  private read(seq: number): SpooledBatch {
    const file = path.join(this.dir, fileName(seq));
    try {
      return parseSpooled(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`netatlas/collect: spooled batch ${file} is unreadable (${(error as Error).message}); it was written whole, so the disk changed under it. Remove it to go on.`);
    }
  }

  getOffset(source: string): Record<string, unknown> | undefined {
    return this.offsets.get(source);
  }

  applyBatchOnce(): boolean {
    throw new Error('netatlas/collect: a collector spool does not take other collectors\' batches.');
  }

  /** A collector starts from an empty graph each run: history lives in the central store. */
  loadSnapshot(): StoreSnapshot {
    return { inventories: new Map(), nodes: new Map(), edges: [], cursor: 0 };
  }

  loadEdges(): StoredEdge[] {
    return [];
  }

  prune(): number {
    return 0;
  }

  stats(): StoreStats {
    return { edges: 0, buckets: this.files.size, nodes: 0, bytes: this.bytes };
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('netatlas/collect: the spool is closed.');
  }
}
