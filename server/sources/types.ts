/**
 * Sources: the things that feed the server (inventory files, flow files, followed files, Hubble
 * Relay, Goldmane, live clusters). Each has an id, a kind and a status; records go to the
 * manager's sink. The HTTP API reports the same SourceStatus.
 */
import type { FlowRecord, Inventory } from '../../generator/model/index.ts';

/** `demo`: the bundled demo's inventory and flow files (read as inventory-file and flows-file). */
export type SourceKind = 'demo' | 'inventory-file' | 'flows-file' | 'flows-follow' | 'hubble-relay' | 'goldmane' | 'kubernetes';

/**
 * starting: not yet answered; connected: delivering; stale: silent for a while or
 * reconnecting (see reason); error: failing (see reason); done: finished (a file read to its
 * end, or stopped).
 */
export type SourceState = 'starting' | 'connected' | 'stale' | 'error' | 'done';

/** A source's status; the HTTP API reports the same shape with its wider set of kinds. */
export interface SourceStatusOf<K extends string> {
  /** Stable id, e.g. `flows-follow:/var/log/hubble.log`, `hubble-relay:localhost:4245`. */
  readonly id: string;
  readonly kind: K;
  readonly cluster?: string;
  readonly state: SourceState;
  readonly reason?: string;
  /** ms since epoch of the last event received. */
  readonly lastEventTime?: number;
  /** Records (flows or inventory objects) received. */
  readonly records: number;
  /** Malformed or failed items. */
  readonly errors: number;
  /** The first few error messages (`file:line: reason`). */
  readonly lastErrors: readonly string[];
}

export type SourceStatus = SourceStatusOf<SourceKind>;

/** What a source reports about itself; the manager adds id, kind, counters and errors. */
export interface SourceReport {
  readonly state?: SourceState;
  readonly reason?: string;
  readonly lastEventTime?: number;
  /** Records already counted before this run (a file read to its end by an earlier run). */
  readonly records?: number;
}

/** Handed to a source when it starts: where its records, errors and state changes go. */
export interface SourceContext {
  /**
   * Flow records, with the position to resume from once they are stored (a followed file's
   * checkpoint, the relay's last flow time). Persist both in one transaction.
   */
  emitFlows(records: readonly FlowRecord[], position?: Record<string, unknown>): void;
  /** A cluster's full inventory (live sources send a fresh snapshot after changes). */
  emitInventory(cluster: string, inventory: Inventory, objects?: number): void;
  /** A malformed or failed item, `file:line: reason`; counted, never fatal. */
  error(message: string): void;
  report(report: SourceReport): void;
  /** The position this source last emitted with stored records (an earlier run's), if any. */
  savedPosition(): Promise<Record<string, unknown> | undefined>;
  /** Aborted when the source is stopped. */
  readonly signal: AbortSignal;
}

export interface Source {
  readonly id: string;
  readonly kind: SourceKind;
  readonly cluster?: string;
  /**
   * Starts delivering. May resolve at once (long-running sources) or when finished (files);
   * a rejection marks this source as error and touches nothing else.
   */
  start(ctx: SourceContext): Promise<void> | void;
  stop(): Promise<void> | void;
  /** A live view of the state (e.g. staleness computed from a clock); optional. */
  report?(): SourceReport;
  /**
   * A long-running source (a stream, a watch) whose start() rejects is started again after the
   * manager's backoff (backoff.ts); a finite one (a file) stays in error.
   */
  readonly restart?: boolean;
  /**
   * Shown (status published to the sink) only once it has records or an error: a file found by
   * walking a folder may turn out not to be a flow file, and is then no source at all.
   */
  readonly quiet?: boolean;
}

/** Where a manager sends what its sources produce (AppState implements this). */
export interface SourceSink {
  flows(sourceId: string, records: readonly FlowRecord[], info: { readonly cluster?: string; readonly position?: Record<string, unknown> }): void;
  inventory?(sourceId: string, cluster: string, inventory: Inventory): void;
  status?(status: SourceStatus): void;
  /** One error of a source, as counted in its status (`file:line: reason`). */
  error?(sourceId: string, message: string): void;
  /** The position last stored with a source's records (see SourceContext.savedPosition). */
  position?(sourceId: string): Promise<Record<string, unknown> | undefined>;
}
