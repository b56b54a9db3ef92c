/**
 * Shipper: sends the spool's batches, oldest first, to POST /api/v1/ingest of any of the
 * central servers, and removes each once a server has answered for it. A network error or a
 * 5xx tries the next server after a backoff (the batch stays spooled and is resent under the
 * same id, so a batch the server applied before the answer was lost is not applied twice); a
 * 400 means the batch can never be taken, so it is counted and dropped rather than blocking
 * every later one.
 */
import type { IngestRequest, IngestResponse } from './wire.ts';
import { INGEST_PATH } from './wire.ts';
import type { SpooledBatch, SpoolStore } from './spool.ts';

export interface ShipperOptions {
  readonly spool: SpoolStore;
  /** Central server base URLs (`http://host:port/`); tried in turn. */
  readonly servers: readonly string[];
  readonly collector: string;
  readonly token: string;
  readonly now?: () => number;
  /** Waits between failed attempts: 0.5 s doubling to this (ms). Default 30,000. */
  readonly maxBackoffMs?: number;
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  /** Per request (ms). Default 30,000. */
  readonly timeoutMs?: number;
}

export interface ShipperCounters {
  sent: number;
  duplicates: number;
  rejected: number;
  errors: number;
  edges: number;
}

export class Shipper {
  readonly counters: ShipperCounters = { sent: 0, duplicates: 0, rejected: 0, errors: 0, edges: 0 };
  private server = 0;
  private backoffMs = 0;
  private nextTry = 0;
  private running?: Promise<void>;
  lastError?: string;

  constructor(private readonly options: ShipperOptions) {
    if (options.servers.length === 0) throw new Error('netatlas/collect: no central server to ship to: give --server URL.');
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Seconds since the oldest unsent batch was spooled; 0 when the spool is empty. */
  lagSeconds(): number {
    const oldest = this.options.spool.oldest();
    return oldest ? Math.max(0, (this.now - oldest.time) / 1000) : 0;
  }

  /** Sends what is spooled until it is empty or a send fails; one pump at a time. */
  pump(): Promise<void> {
    this.running ??= this.drain().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async drain(): Promise<void> {
    if (this.now < this.nextTry) return;
    for (;;) {
      const batch = this.options.spool.oldest();
      if (!batch) return;
      const ok = await this.send(batch);
      if (!ok) {
        this.backoffMs = Math.min(this.options.maxBackoffMs ?? 30_000, Math.max(500, this.backoffMs * 2));
        this.nextTry = this.now + this.backoffMs;
        this.server = (this.server + 1) % this.options.servers.length;
        return;
      }
      this.backoffMs = 0;
    }
  }

  private async send(batch: SpooledBatch): Promise<boolean> {
    const base = this.options.servers[this.server];
    const url = new URL(INGEST_PATH, base).toString();
    // The spooled body as written, behind the collector's name and the batch id (see SpooledBatch).
    const body = `{"collector":${JSON.stringify(this.options.collector)},"batchId":${JSON.stringify(batch.batchId)},${batch.body.slice(1)}`;
    const f = this.options.fetch ?? fetch;
    let status: number;
    let text: string;
    try {
      const res = await f(url, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` }, body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      this.fail(`${url}: ${(error as Error).message}`);
      return false;
    }
    if (status === 200) {
      let answer: IngestResponse | undefined;
      try {
        answer = JSON.parse(text) as IngestResponse;
      } catch {
        this.fail(`${url}: answered 200 with a body that is not JSON`);
        return false;
      }
      if (answer.applied) {
        this.counters.sent++;
        this.counters.edges += batch.edgeCount;
      } else this.counters.duplicates++;
      this.options.spool.acknowledge(batch);
      return true;
    }
    if (status === 400 || status === 413) {
      this.counters.rejected++;
      this.options.log?.(`netatlas/collect: ${url} refused batch ${batch.batchId} (${status}): ${text.slice(0, 300)}; dropped.`);
      this.options.spool.discard(batch);
      return true;
    }
    this.fail(`${url}: HTTP ${status}: ${text.slice(0, 300)}`);
    return false;
  }

  private fail(message: string): void {
    this.counters.errors++;
    if (message !== this.lastError) this.options.log?.(`netatlas/collect: sending failed (will retry): ${message}`);
    this.lastError = message;
  }
}
