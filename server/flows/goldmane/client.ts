/**
 * A client of Calico Goldmane's flow stream (goldmane.Flows/Stream over gRPC): each
 * FlowResult (one aggregated flow over one aggregation interval) is handed on in the flat
 * shape of Goldmane/Whisker's JSON flow logs, so it goes through the same reader as files
 * (server/flows/calico.ts). Reconnects with backoff and resumes from the start time of the
 * last interval seen, skipping the results of that interval it already handed on.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { DEFAULT_RESTART, restartDelay } from '../../sources/backoff.ts';

const PROTO_DIR = fileURLToPath(new URL('./', import.meta.url));

export interface GoldmaneDefinitions {
  readonly Flows: grpc.ServiceClientConstructor;
  readonly service: grpc.ServiceDefinition;
}

let cached: GoldmaneDefinitions | undefined;

/** Goldmane's Flows service, decoded with proto field names, enums as names, 64-bit integers as strings. */
export function loadGoldmaneDefinitions(): GoldmaneDefinitions {
  if (cached) return cached;
  const definition = protoLoader.loadSync('goldmane.proto', { keepCase: true, enums: String, longs: String, defaults: false, oneofs: false, includeDirs: [PROTO_DIR] });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { goldmane: { Flows: grpc.ServiceClientConstructor } };
  cached = { Flows: loaded.goldmane.Flows, service: loaded.goldmane.Flows.service };
  return cached;
}

const ENDPOINT_TYPES: Record<string, string> = { WorkloadEndpoint: 'wep', HostEndpoint: 'hep', NetworkSet: 'ns', Network: 'net' };

/** A decoded FlowResult's flow -> the flat JSON flow-log shape calico.ts reads. */
export function goldmaneFlowToLog(flow: Record<string, unknown>): Record<string, unknown> {
  const key = (flow.Key ?? {}) as Record<string, unknown>;
  const policies = (key.policies ?? {}) as { enforced_policies?: unknown[]; pending_policies?: unknown[] };
  return {
    start_time: Number(flow.start_time ?? 0), end_time: Number(flow.end_time ?? 0),
    action: key.action ?? 'ActionUnspecified', reporter: key.reporter ?? 'ReporterUnspecified',
    source_name: key.source_name ?? '', source_namespace: key.source_namespace ?? '', source_type: ENDPOINT_TYPES[String(key.source_type)] ?? '',
    source_labels: flow.source_labels ?? [],
    dest_name: key.dest_name ?? '', dest_namespace: key.dest_namespace ?? '', dest_type: ENDPOINT_TYPES[String(key.dest_type)] ?? '',
    dest_labels: flow.dest_labels ?? [], dest_port: Number(key.dest_port ?? 0),
    dest_service_name: key.dest_service_name ?? '', dest_service_namespace: key.dest_service_namespace ?? '',
    protocol: key.proto ?? '', policies: { enforced: policies.enforced_policies ?? [], pending: policies.pending_policies ?? [] },
    num_connections_started: Number(flow.num_connections_started ?? 0),
  };
}

export type GoldmaneState = 'starting' | 'connected' | 'stale' | 'error';

/** The newest interval handed on (its start, epoch seconds) and the results of it already handed on. */
export interface GoldmanePosition {
  readonly start: number;
  readonly seen: readonly string[];
}

export interface GoldmaneClientOptions {
  /** HOST:PORT of Goldmane (plaintext; in-cluster it is usually reached through mTLS-terminating config). */
  readonly address: string;
  /** Stream flows whose interval starts at or after this time (ms); default: from now. */
  readonly since?: number;
  /** Where an earlier run stopped (`position`): resume there without handing on a flow twice. */
  readonly resume?: GoldmanePosition;
  /** Each flow, in the flat JSON flow-log shape. */
  readonly onFlow: (flow: Record<string, unknown>) => void;
  readonly onStatus?: (status: { state: GoldmaneState; reason?: string }) => void;
  /** Waits between reconnects (injectable so tests never sleep). Default: setTimeout. */
  readonly delay?: (ms: number) => Promise<void>;
  readonly maxDelayMs?: number;
}

export class GoldmaneClient {
  private client?: grpc.Client;
  private call?: grpc.ClientReadableStream<Record<string, unknown>>;
  private stopped = false;
  private lastStart = 0;
  /** `id|start` of the results of the newest interval handed on, to skip them on resume. */
  private seenInLast = new Set<string>();
  private attempt = 0;
  flows = 0;
  reconnects = 0;

  constructor(private readonly options: GoldmaneClientOptions) {
    if (options.resume) {
      this.lastStart = options.resume.start;
      this.seenInLast = new Set(options.resume.seen);
    }
  }

  /** To keep with what was ingested (a source offset) and pass back as `resume`. */
  get position(): GoldmanePosition {
    return { start: this.lastStart, seen: [...this.seenInLast] };
  }

  start(): void {
    const { Flows } = loadGoldmaneDefinitions();
    this.client = new Flows(this.options.address, grpc.credentials.createInsecure());
    this.open();
  }

  private open(): void {
    if (this.stopped || !this.client) return;
    const startSeconds = this.lastStart || (this.options.since !== undefined ? Math.floor(this.options.since / 1000) : 0);
    const call = (this.client as unknown as { Stream(req: Record<string, unknown>): grpc.ClientReadableStream<Record<string, unknown>> })
      .Stream({ start_time_gte: String(startSeconds), aggregation_interval: '15' });
    this.call = call;
    let announced = false;
    call.on('data', (result: Record<string, unknown>) => {
      if (!announced) {
        announced = true;
        this.attempt = 0;
        this.options.onStatus?.({ state: 'connected' });
      }
      const flow = (result.flow ?? {}) as Record<string, unknown>;
      const start = Number(flow.start_time ?? 0);
      const id = `${result.id ?? ''}|${start}`;
      if (start < this.lastStart || (start === this.lastStart && this.seenInLast.has(id))) return;
      if (start > this.lastStart) {
        this.lastStart = start;
        this.seenInLast = new Set();
      }
      this.seenInLast.add(id);
      this.flows++;
      this.options.onFlow(goldmaneFlowToLog(flow));
    });
    const retry = (reason: string): void => {
      if (this.stopped || this.call !== call) return;
      this.call = undefined;
      this.options.onStatus?.({ state: 'stale', reason });
      // Jittered like every other reconnecting source, so collectors that lost Goldmane together do not return together.
      const wait = restartDelay(this.attempt++, { ...DEFAULT_RESTART, maxMs: this.options.maxDelayMs ?? DEFAULT_RESTART.maxMs }, Math.random());
      this.reconnects++;
      void (this.options.delay ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref())))(wait).then(() => this.open());
    };
    call.on('error', (e: Error) => retry(`goldmane ${this.options.address}: ${e.message}`));
    call.on('end', () => retry(`goldmane ${this.options.address}: the stream ended`));
  }

  stop(): void {
    this.stopped = true;
    this.call?.cancel();
    this.client?.close();
  }
}
