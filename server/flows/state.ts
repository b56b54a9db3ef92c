/**
 * The mutable state one flow ingest carries from line to line: where it is (file, line), which
 * format it detected, its counters, and its bounded caches. `createFlowParseState` + `parseFlowLine`
 * let a caller (the server's follow mode, the Relay client) push lines one at a time.
 */
import type { FlowRecord, IngestStats } from '../../generator/model/flow.ts';
import { flowRecordProblem } from '../../generator/model/validate.ts';
import { ConnectionCache, type ConnectionCacheOptions } from './dedup.ts';
import type { HubbleDecoder } from './hubble/decoder.ts';

/**
 * How Hubble lines are decoded: `bytes`, the compact decoder over a line's bytes (server/flows/hubble/),
 * with JSON.parse for lines of other shapes; `json`, JSON.parse of every line. Both give the same
 * records (test/server/flows/fast-path.test.ts); `json` exists so the bench can measure what the
 * byte decoder gains end to end (`npm run bench ingest`). Default `bytes`, or the environment's
 * NETATLAS_HUBBLE_DECODER.
 */
export type HubbleDecoderKind = 'bytes' | 'json';

export type FlowFormat = 'hubble' | 'inspektor-gadget' | 'calico' | 'generic-jsonl' | 'generic-csv';
export const FLOW_FORMATS: readonly FlowFormat[] = ['hubble', 'inspektor-gadget', 'calico', 'generic-jsonl', 'generic-csv'];

/** IngestStats plus what a reader knows about its input. */
export interface FlowReadStats extends IngestStats {
  /** The detected (or forced) format of the last file read. */
  format?: FlowFormat;
  /** Input bytes read (compressed size for .gz). */
  bytes: number;
  /** Files read so far. */
  files: number;
  /**
   * Values left out of records that were kept (a policy name that is not a Kubernetes name): the
   * record is good without them. Their messages join `errors`.
   */
  ignored: number;
}

export function emptyFlowReadStats(): FlowReadStats {
  return { lines: 0, records: 0, replies: 0, duplicates: 0, skipped: 0, malformed: 0, errors: [], bytes: 0, files: 0, ignored: 0 };
}

export interface FlowParseOptions extends ConnectionCacheOptions {
  /** File name used in messages and FlowRecord.origin; `-` for stdin. */
  readonly file?: string;
  /** Force a format instead of detecting it from the first lines. */
  readonly format?: FlowFormat;
  /**
   * Cluster for endpoints the source does not place in one (generic `namespace/pod`, Inspektor
   * Gadget pods). Hubble's own `cluster_name` / `io.cilium.k8s.policy.cluster` label always wins.
   */
  readonly cluster?: string;
  /** Called for every malformed line with `file:line: reason` (the stats keep only the first few). */
  readonly onError?: (message: string) => void;
  /** Clock for records of sources that carry no time. Default Date.now. */
  readonly now?: () => number;
  /** How many malformed-line messages the stats keep. Default 10. */
  readonly maxErrors?: number;
  /** Share counters with another state (e.g. one ingest over several files). */
  readonly stats?: FlowReadStats;
  /** Share the connection cache with another state, so a connection seen in two files counts once. */
  readonly connections?: ConnectionCache;
  /** See HubbleDecoderKind. */
  readonly hubbleDecoder?: HubbleDecoderKind;
}

export interface FlowParseState {
  file: string;
  /** 1-based number of the line being parsed. */
  line: number;
  format: FlowFormat | undefined;
  readonly cluster: string | undefined;
  readonly stats: FlowReadStats;
  readonly connections: ConnectionCache;
  /** The Hubble decoder of this state (its scratch state and caches), made on first use (hubble/index.ts). */
  hubble: HubbleDecoder | undefined;
  /** CSV column names (lower case) once the header line was read. */
  csvColumns: string[] | undefined;
  readonly hubbleDecoder: HubbleDecoderKind;
  readonly now: () => number;
  readonly onError: ((message: string) => void) | undefined;
  readonly maxErrors: number;
}

export function createFlowParseState(options: FlowParseOptions = {}): FlowParseState {
  return {
    file: options.file ?? '<input>',
    line: 0,
    format: options.format,
    cluster: options.cluster,
    stats: options.stats ?? emptyFlowReadStats(),
    connections: options.connections ?? new ConnectionCache(options),
    hubble: undefined,
    csvColumns: undefined,
    hubbleDecoder: options.hubbleDecoder ?? defaultHubbleDecoder(),
    now: options.now ?? Date.now,
    onError: options.onError,
    maxErrors: options.maxErrors ?? 10,
  };
}

/** NETATLAS_HUBBLE_DECODER=json|bytes, else `bytes`; anything else is an error, not a silent default. */
export function defaultHubbleDecoder(): HubbleDecoderKind {
  const v = process.env.NETATLAS_HUBBLE_DECODER;
  if (v === undefined || v === '' || v === 'bytes') return 'bytes';
  if (v === 'json') return 'json';
  throw new Error(`netatlas flows: NETATLAS_HUBBLE_DECODER=${v}: expected bytes or json. Unset it for the default (bytes).`);
}

/** Counts a malformed line and reports it as `file:line: reason`; the ingest goes on. */
export function reportMalformed(state: FlowParseState, reason: string): void {
  state.stats.malformed++;
  report(state, reason);
}

/** Counts `count` values left out of a record that is kept, and reports them as `file:line: reason`. */
export function reportIgnored(state: FlowParseState, reason: string, count = 1): void {
  state.stats.ignored += count;
  report(state, reason);
}

function report(state: FlowParseState, reason: string): void {
  const message = `${state.file}:${state.line}: ${reason}`;
  if (state.stats.errors.length < state.maxErrors) state.stats.errors.push(message);
  state.onError?.(message);
}

/**
 * Pushes a record and counts it: the one place every reader's records pass, so the one place they
 * are validated (generator/model/validate.ts). A record with a bad value is reported as malformed
 * with its reason and dropped, so nothing invalid reaches the graph or the store.
 */
export function emit(state: FlowParseState, out: FlowRecord[], record: FlowRecord): void {
  const problem = flowRecordProblem(record, state.now());
  if (problem !== undefined) {
    reportMalformed(state, problem);
    return;
  }
  state.stats.records++;
  out.push(record);
}
