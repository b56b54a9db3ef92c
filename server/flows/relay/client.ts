/**
 * A Hubble Relay (or agent) client over the real Observer gRPC API: GetFlows, server
 * streaming, with follow, reconnect with backoff, resume from the last flow seen, and a
 * status that says whether flows are arriving. Decoded responses are handed on in the jsonpb
 * shape of `hubble observe -o jsonpb`, so they go through the same normalizer as files.
 *
 * It never throws once started: an unreachable relay, a TLS failure or a dropped stream are
 * reported in `status()` and retried.
 */
import * as grpc from '@grpc/grpc-js';
import { jittered } from '../../sources/backoff.ts';
import { loadObserverDefinitions } from './proto.ts';
import { nanosToTimestamp, responseToJsonpb, timestampToNanos, type ProtoTimestamp } from './jsonpb.ts';

/** starting: not connected yet; the others as in server/sources SourceState. */
export type RelayState = 'starting' | 'connected' | 'stale' | 'error' | 'done';

export interface RelayStatus {
  readonly state: RelayState;
  readonly reason?: string;
  /**
   * ms since epoch of the newest flow received, never later than when it was received: a flow
   * stamped in the future (a node whose clock runs ahead) counts as received now.
   */
  readonly lastEventTime?: number;
  /** The same to the nanosecond, as a decimal string: the position a restart resumes after (`after`). */
  readonly lastEventNanos?: string;
  /** Flows handed to `onEvent`. */
  readonly records: number;
  /** Consumer failures and stream failures. */
  readonly errors: number;
  /** Events Hubble reported lost (lost_events). */
  readonly lostEvents: number;
  readonly reconnects: number;
  /** Nodes the relay reported unavailable or in error (node_status). */
  readonly unavailableNodes: readonly string[];
}

export interface RelayTlsOptions {
  /** PEM CA bundle; system roots when absent. */
  readonly ca?: Buffer | string;
  /** PEM client certificate and key, for mutual TLS (both or neither). */
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
  /** The name to verify the server certificate against (e.g. `relay.hubble-relay.cilium.io`). */
  readonly serverName?: string;
}

export interface ReconnectOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** Give up (state error) after this many failed attempts in a row; Infinity by default. */
  readonly maxAttempts: number;
  /**
   * Each wait is drawn from [delay * (1 - jitter), delay] (default 0.5), so many clients that lost
   * one relay do not all come back at the same instant.
   */
  readonly jitter: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: Infinity, jitter: 0.5 };

/**
 * The wait before reconnect attempt `attempt` (1-based): exponential, capped, and jittered down by
 * up to `jitter` of itself. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, o: ReconnectOptions, random: number = Math.random()): number {
  return jittered(Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.max(0, attempt - 1)), o.jitter, random);
}

export interface RelayClientOptions {
  /** HOST:PORT, `[v6]:PORT` for IPv6. */
  readonly address: string;
  /** Plaintext when absent or false; `true` for TLS with system roots. */
  readonly tls?: RelayTlsOptions | boolean;
  /** Keep streaming new flows (default true). */
  readonly follow?: boolean;
  /** On the first connection, also ask for the last `number` flows in the relay's buffers. */
  readonly number?: number;
  /** On the first connection, ask for flows since this time (ms since epoch). */
  readonly since?: number;
  /**
   * On the first connection, ask for flows after this one (a `lastEventNanos` saved by an earlier
   * run): from the next nanosecond on, so what that run stored is not asked for again.
   */
  readonly after?: string;
  /** Hubble FlowFilters (jsonpb field names). */
  readonly whitelist?: readonly Record<string, unknown>[];
  readonly blacklist?: readonly Record<string, unknown>[];
  readonly reconnect?: Partial<ReconnectOptions>;
  /** Waits between reconnect attempts; must reject or resolve early when `signal` aborts. */
  readonly delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now?: () => number;
  /**
   * On resume, ask again for this much time before the last flow seen, and skip what was
   * already delivered: the relay merges nodes' streams, so flows can arrive slightly out of
   * order (default 5000 ms).
   */
  readonly resumeOverlapMs?: number;
  /** Connected but silent for this long is reported stale (default 120 s). */
  readonly staleAfterMs?: number;
  /** How often staleness is checked, so `onStatus` hears of it without anyone asking (default 5 s). */
  readonly staleCheckMs?: number;
  /** Random numbers in [0, 1) for the backoff's jitter (default Math.random). */
  readonly random?: () => number;
  /** Each GetFlowsResponse (flow, node_status or lost_events) in jsonpb shape. */
  readonly onEvent: (response: Record<string, unknown>) => void;
  readonly onStatus?: (status: RelayStatus) => void;
  readonly channelOptions?: grpc.ChannelOptions;
}

/** Sleeps `ms`, ending early (resolved) when `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Validates HOST:PORT; returns it unchanged, or throws an Error naming the fix. */
export function parseRelayAddress(address: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(
      `netatlas/relay: address "${address}" is not HOST:PORT. Give e.g. --hubble-relay localhost:4245 (after kubectl -n kube-system port-forward svc/hubble-relay 4245:80).`,
    );
  }
  return `${m[1]}:${port}`;
}

function credentialsFor(tls: RelayClientOptions['tls']): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if (tls === true) return grpc.credentials.createSsl();
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new Error('netatlas/relay: a client certificate needs its key and the key its certificate. Give both --hubble-tls-cert and --hubble-tls-key, or neither.');
  }
  const buf = (v: Buffer | string | undefined): Buffer | null => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));
  return grpc.credentials.createSsl(buf(tls.ca), buf(tls.key), buf(tls.cert));
}

type Decoded = Record<string, unknown>;

function eventTimeNanos(msg: Decoded): bigint {
  const flow = msg.flow as { time?: ProtoTimestamp } | undefined;
  const ts = (msg.time as ProtoTimestamp | undefined) ?? flow?.time;
  return timestampToNanos(ts);
}

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What identifies one flow event: its uuid when Hubble sets one, else the fields that tell
 * two events apart (time to the nanosecond, node, addresses, ports, verdict, observation
 * point, direction). Cheap enough to compute for every flow; only keys are kept, not messages.
 */
export function flowFingerprint(msg: Decoded, nanos: bigint): string {
  const flow = msg.flow as Loose;
  if (flow.uuid) return `u:${flow.uuid}`;
  const l4 = (flow.l4 ?? {}) as Loose;
  const ports = l4.TCP ?? l4.UDP ?? l4.SCTP ?? l4.ICMPv4 ?? l4.ICMPv6 ?? {};
  const ip = (flow.IP ?? {}) as Loose;
  const ev = (flow.event_type ?? {}) as Loose;
  return [
    nanos, flow.node_name ?? msg.node_name, ip.source, ip.destination, ports.source_port ?? ports.type, ports.destination_port ?? ports.code,
    flow.verdict, flow.Type, flow.trace_observation_point, flow.traffic_direction, ev.type, ev.sub_type, flow.is_reply?.value,
    flow.drop_reason_desc, flow.l7?.type, flow.Summary,
  ].join('|');
}

export class HubbleRelayClient {
  private readonly options: RelayClientOptions;
  private readonly reconnect: ReconnectOptions;
  private readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private client: grpc.Client | undefined;
  private call: grpc.ClientReadableStream<Decoded> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  private state: RelayState = 'starting';
  private reason: string | undefined;
  private lastEventNanos = 0n;
  private readonly overlapNanos: bigint;
  /** Flows delivered within the overlap window before `lastEventNanos`, oldest first. */
  private recent: { readonly nanos: bigint; readonly key: string }[] = [];
  private recentStart = 0;
  /** After a resume: flows up to `until` already delivered (fingerprint -> count). */
  private replay: { readonly until: bigint; readonly from: bigint; readonly seen: Map<string, number> } | undefined;
  private lastActivity = 0;
  private records = 0;
  private errors = 0;
  private lostEvents = 0;
  private reconnects = 0;
  private readonly unavailable = new Set<string>();
  private staleTimer: ReturnType<typeof setInterval> | undefined;
  private reportedStale = false;

  constructor(options: RelayClientOptions) {
    this.options = { ...options, address: parseRelayAddress(options.address) };
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.delay = options.delay ?? abortableDelay;
    this.now = options.now ?? Date.now;
    this.reason = `connecting to ${this.options.address}`;
    this.overlapNanos = BigInt(Math.max(0, Math.floor(options.resumeOverlapMs ?? 5000))) * 1_000_000n;
    // Fail early on contradictory TLS options, before anything runs.
    credentialsFor(options.tls);
  }

  /** Runs until stopped (or, without follow, until the relay ends the stream). Never rejects. */
  start(): Promise<void> {
    if (!this.running) {
      // A relay can stay connected and deliver nothing: say so, without waiting to be asked.
      this.staleTimer = setInterval(() => {
        const stale = this.status().state === 'stale' && this.state === 'connected';
        if (stale && !this.reportedStale) this.options.onStatus?.(this.status());
        this.reportedStale = stale;
      }, this.options.staleCheckMs ?? 5000);
      this.staleTimer.unref?.();
      this.running = this.run();
    }
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.staleTimer !== undefined) clearInterval(this.staleTimer);
    this.abort.abort();
    this.call?.cancel();
    await this.running;
    this.client?.close();
    this.setState('done', 'stopped');
  }

  status(): RelayStatus {
    let state = this.state;
    let reason = this.reason;
    const staleAfter = this.options.staleAfterMs ?? 120_000;
    if (state === 'connected' && this.now() - this.lastActivity > staleAfter) {
      state = 'stale';
      reason = `connected but no events for ${Math.round((this.now() - this.lastActivity) / 1000)} s`;
    }
    return {
      state,
      ...(reason !== undefined ? { reason } : {}),
      ...(this.lastEventNanos > 0n ? { lastEventTime: Number(this.lastEventNanos / 1_000_000n), lastEventNanos: String(this.lastEventNanos) } : {}),
      records: this.records,
      errors: this.errors,
      lostEvents: this.lostEvents,
      reconnects: this.reconnects,
      unavailableNodes: [...this.unavailable].sort(),
    };
  }

  private setState(state: RelayState, reason?: string): void {
    if (this.stopped && state !== 'done') return;
    this.state = state;
    this.reason = reason;
    this.options.onStatus?.(this.status());
  }

  private request(): Record<string, unknown> {
    const req: Record<string, unknown> = { follow: this.options.follow ?? true };
    if (this.options.whitelist?.length) req.whitelist = this.options.whitelist;
    if (this.options.blacklist?.length) req.blacklist = this.options.blacklist;
    if (this.lastEventNanos > 0n) {
      // Resume: `number` and `since` are exclusive in Hubble. Ask from a little before the
      // last flow seen and skip what was already delivered (see resumeOverlapMs).
      const from = this.lastEventNanos - this.overlapNanos;
      const seen = new Map<string, number>();
      for (let i = this.recentStart; i < this.recent.length; i++) {
        const fp = this.recent[i].key;
        seen.set(fp, (seen.get(fp) ?? 0) + 1);
      }
      this.replay = { until: this.lastEventNanos, from, seen };
      req.since = nanosToTimestamp(from > 0n ? from : 0n);
    } else if (this.options.after !== undefined && /^\d{1,25}$/.test(this.options.after)) {
      req.since = nanosToTimestamp(BigInt(this.options.after) + 1n);
    } else if (this.options.since !== undefined) {
      req.since = nanosToTimestamp(BigInt(Math.floor(this.options.since)) * 1_000_000n);
    } else if (this.options.number) {
      req.number = String(this.options.number);
    }
    return req;
  }

  private async run(): Promise<void> {
    try {
      const { Observer } = loadObserverDefinitions();
      const channelOptions: grpc.ChannelOptions = {
        'grpc.keepalive_time_ms': 30_000,
        'grpc.max_receive_message_length': 16 * 1024 * 1024,
        ...this.options.channelOptions,
      };
      const tls = this.options.tls;
      if (tls && tls !== true && tls.serverName) {
        channelOptions['grpc.ssl_target_name_override'] = tls.serverName;
        channelOptions['grpc.default_authority'] = tls.serverName;
      }
      this.client = new Observer(this.options.address, credentialsFor(tls), channelOptions);
    } catch (error) {
      this.errors++;
      this.setState('error', `hubble-relay ${this.options.address}: ${(error as Error).message}`);
      return;
    }
    let failures = 0;
    while (!this.stopped) {
      const outcome = await this.streamOnce();
      if (this.stopped) break;
      if (outcome.ok && !(this.options.follow ?? true)) {
        this.setState('done', 'the relay ended the stream (follow off)');
        break;
      }
      failures = outcome.progress ? 1 : failures + 1;
      const why = outcome.ok ? 'the relay ended the stream' : outcome.message;
      if (!outcome.ok) this.errors++;
      if (failures > this.reconnect.maxAttempts) {
        this.setState('error', `hubble-relay ${this.options.address}: ${why}; gave up after ${failures - 1} attempts`);
        break;
      }
      const wait = backoffDelay(failures, this.reconnect, (this.options.random ?? Math.random)());
      // A drop after flows arrived is a stale source; never reaching the relay is an error.
      this.setState(
        outcome.progress ? 'stale' : 'error',
        `hubble-relay ${this.options.address}: ${why}; reconnecting in ${wait} ms (attempt ${failures})`,
      );
      try {
        await this.delay(wait, this.abort.signal);
      } catch {
        // An aborted delay means stop() was called; the loop condition ends it.
      }
      if (!this.stopped) this.reconnects++;
    }
  }

  private streamOnce(): Promise<{ ok: boolean; progress: boolean; message: string }> {
    return new Promise((resolve) => {
      let progress = false;
      let settled = false;
      const settle = (ok: boolean, message: string): void => {
        if (settled) return;
        settled = true;
        this.call = undefined;
        resolve({ ok, progress, message });
      };
      const client = this.client as grpc.Client & {
        GetFlows(req: unknown): grpc.ClientReadableStream<Decoded>;
      };
      let call: grpc.ClientReadableStream<Decoded>;
      try {
        call = client.GetFlows(this.request());
      } catch (error) {
        settle(false, (error as Error).message);
        return;
      }
      this.call = call;
      const markConnected = (): void => {
        if (this.state !== 'connected') {
          this.lastActivity = this.now();
          this.setState('connected');
        }
      };
      call.on('metadata', markConnected);
      // Servers send headers with their first message, so a quiet relay is seen as connected
      // through the channel: READY means TCP, TLS and HTTP/2 are up.
      const channel = client.getChannel();
      const watch = (): void => {
        if (settled) return;
        const state = channel.getConnectivityState(false);
        if (state === grpc.connectivityState.READY) return markConnected();
        if (state === grpc.connectivityState.SHUTDOWN) return;
        channel.watchConnectivityState(state, Date.now() + 3_600_000, watch);
      };
      watch();
      call.on('data', (msg: Decoded) => {
        progress = true;
        markConnected();
        this.lastActivity = this.now();
        this.handle(msg);
      });
      call.on('error', (error: grpc.ServiceError) => {
        if (this.stopped) return settle(true, 'stopped');
        settle(false, error.details || error.message);
      });
      call.on('end', () => settle(true, 'ended'));
    });
  }

  /** False when the flow was already delivered before a resume. */
  private admitFlow(msg: Decoded): boolean {
    const t = eventTimeNanos(msg);
    const replay = this.replay;
    if (replay) {
      // A flow delivered before the resume is recognised by its fingerprint first: its time may
      // lie beyond the cursor (stamped in the future), and it was still delivered once.
      const fp = flowFingerprint(msg, t);
      const count = replay.seen.get(fp) ?? 0;
      if (count > 0) {
        replay.seen.set(fp, count - 1);
        return false;
      }
      if (t > replay.until) this.replay = undefined;
      else if (t < replay.from) return false;
    }
    // The resume cursor never passes this clock: a flow stamped in the future (a node whose clock
    // runs ahead) would otherwise make the next resume ask for flows that never come.
    const received = BigInt(Math.floor(this.now())) * 1_000_000n;
    const at = t > received ? received : t;
    if (at > this.lastEventNanos) this.lastEventNanos = at;
    this.recent.push({ nanos: at, key: flowFingerprint(msg, t) });
    const horizon = this.lastEventNanos - this.overlapNanos;
    while (this.recentStart < this.recent.length && this.recent[this.recentStart].nanos < horizon) this.recentStart++;
    if (this.recentStart > 4096 && this.recentStart * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentStart);
      this.recentStart = 0;
    }
    return true;
  }

  private handle(msg: Decoded): void {
    if (msg.flow) {
      if (!this.admitFlow(msg)) return;
      this.records++;
    } else if (msg.lost_events) {
      this.lostEvents += Number((msg.lost_events as { num_events_lost?: string }).num_events_lost ?? 0);
    } else if (msg.node_status) {
      const ns = msg.node_status as { state_change?: string; node_names?: string[] };
      for (const node of ns.node_names ?? []) {
        if (ns.state_change === 'NODE_UNAVAILABLE' || ns.state_change === 'NODE_ERROR') this.unavailable.add(node);
        else this.unavailable.delete(node);
      }
    }
    try {
      this.options.onEvent(responseToJsonpb(msg));
    } catch (error) {
      this.errors++;
      this.reason = `consumer failed: ${(error as Error).message}`;
    }
  }
}
