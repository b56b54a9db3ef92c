/**
 * Streamed flow sources: Hubble Relay and Calico Goldmane. Each resumes from the position an
 * earlier run stored with its edges, reconnects by itself (its client's jittered backoff), and
 * reports failures in its status, never as a rejection.
 */
import { readFileSync } from 'node:fs';
import type { FlowRecord } from '../../generator/model/index.ts';
import { createFlowParseState, parseFlowObject } from '../flows/index.ts';
import type { RelayClientOptions, RelayTlsOptions } from '../flows/relay/client.ts';
import { checkpointed, restoredConnections, type Checkpoints } from './checkpoint.ts';
import type { Source, SourceReport } from './types.ts';

// ---------------------------------------------------------------- Hubble Relay

/** `--hubble-tls*`: file names, read when the source starts (a missing one is that source's error). */
export interface RelayTlsFiles {
  readonly enabled: boolean;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
}

export interface RelayFlowsSourceOptions extends Omit<RelayClientOptions, 'onEvent' | 'onStatus' | 'tls'> {
  readonly cluster?: string;
  readonly id?: string;
  readonly tls?: RelayTlsOptions | boolean;
  /** Takes precedence over `tls`. */
  readonly tlsFiles?: RelayTlsFiles;
}

function readTls(files: RelayTlsFiles, address: string): RelayTlsOptions | false {
  if (!files.enabled) return false;
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`netatlas/sources: hubble-relay ${address}: cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Give a readable PEM file.`);
    }
  };
  return {
    ...(files.ca ? { ca: read('--hubble-tls-ca', files.ca) } : {}),
    ...(files.cert ? { cert: read('--hubble-tls-cert', files.cert) } : {}),
    ...(files.key ? { key: read('--hubble-tls-key', files.key) } : {}),
    ...(files.serverName ? { serverName: files.serverName } : {}),
  };
}

/**
 * Resumes where the last run's stored edges end: the position (the newest flow time the client
 * received, to the nanosecond, never later than its clock) and the de-duplication state are
 * saved with them, so flows of the same millisecond are neither lost nor read twice and a
 * connection reported by two nodes on both sides of a restart counts once.
 */
export function relayFlowsSource(options: RelayFlowsSourceOptions): Source {
  const { cluster, id, tlsFiles, ...clientOptions } = options;
  const sourceId = id ?? `hubble-relay:${options.address}`;
  let client: { start(): Promise<void>; stop(): Promise<void>; status(): { state: SourceReport['state']; reason?: string; lastEventTime?: number; lastEventNanos?: string } } | undefined;
  let checkpoints: Checkpoints | undefined;
  return {
    id: sourceId,
    kind: 'hubble-relay',
    ...(cluster !== undefined ? { cluster } : {}),
    restart: true,
    async start(ctx) {
      const { HubbleRelayClient } = await import('../flows/relay/client.ts');
      const tls = tlsFiles ? readTls(tlsFiles, options.address) : clientOptions.tls;
      const saved = await ctx.savedPosition();
      const since = typeof saved?.lastEventTime === 'number' && Number.isFinite(saved.lastEventTime) && saved.lastEventTime <= Date.now() ? saved.lastEventTime : undefined;
      const after = since !== undefined && typeof saved?.lastEventNanos === 'string' && /^\d{1,25}$/.test(saved.lastEventNanos) ? saved.lastEventNanos : undefined;
      const connections = restoredConnections(since !== undefined ? saved : undefined);
      const parse = createFlowParseState({ file: sourceId, format: 'hubble', ...(cluster ? { cluster } : {}), connections, onError: (m) => ctx.error(m) });
      const c: InstanceType<typeof HubbleRelayClient> = new HubbleRelayClient({
        follow: true,
        ...clientOptions,
        ...(tls !== undefined ? { tls } : {}),
        ...(since !== undefined && clientOptions.since === undefined ? { since, ...(after !== undefined ? { after } : {}) } : {}),
        onEvent: (response) => {
          try {
            parseFlowObject(response, parse, checkpoints!.records);
          } catch (error) {
            ctx.error(`${sourceId}: ${(error as Error).message}`);
          }
          // Also after a flow that gave no record (a repeat): the position and the cache moved on.
          checkpoints!.schedule();
        },
        onStatus: (s) => ctx.report({ state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) }),
      });
      client = c;
      checkpoints = checkpointed(connections, () => {
        const { lastEventTime, lastEventNanos } = c.status();
        return lastEventTime !== undefined ? { lastEventTime, ...(lastEventNanos ? { lastEventNanos } : {}) } : undefined;
      }, (records, at) => ctx.emitFlows(records, at));
      // Runs until stopped; failures are in the status, never a rejection.
      void c.start().catch((error) => ctx.report({ state: 'error', reason: (error as Error).message }));
    },
    async stop() {
      await client?.stop();
      checkpoints?.flush();
    },
    report(): SourceReport {
      const s = client?.status();
      if (!s) return {};
      return { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}) };
    },
  };
}

// ---------------------------------------------------------------- Calico Goldmane

export interface GoldmaneFlowsSourceOptions {
  readonly address: string;
  readonly cluster?: string;
  readonly id?: string;
}

/** Goldmane's flow stream, read through the Calico flow-log reader; the position is written with the edges it produced. */
export function goldmaneFlowsSource(options: GoldmaneFlowsSourceOptions): Source {
  const { address, cluster } = options;
  const sourceId = options.id ?? `goldmane:${address}`;
  let client: { stop(): void } | undefined;
  return {
    id: sourceId,
    kind: 'goldmane',
    ...(cluster !== undefined ? { cluster } : {}),
    restart: true,
    async start(ctx) {
      const { GoldmaneClient } = await import('../flows/goldmane/client.ts');
      const saved = await ctx.savedPosition();
      const parse = createFlowParseState({ file: sourceId, ...(cluster ? { cluster } : {}), format: 'calico', onError: (m: string) => ctx.error(m) });
      const c: InstanceType<typeof GoldmaneClient> = new GoldmaneClient({
        address,
        ...(typeof saved?.start === 'number' && saved.start > 0 ? { resume: { start: saved.start, seen: Array.isArray(saved.seen) ? saved.seen.map(String) : [] } } : {}),
        onFlow: (flow) => {
          const out: FlowRecord[] = [];
          parseFlowObject(flow, parse, out);
          ctx.emitFlows(out, { ...c.position });
        },
        onStatus: (s) => ctx.report({ state: s.state, ...(s.reason ? { reason: s.reason } : {}) }),
      });
      client = c;
      c.start();
    },
    stop() {
      client?.stop();
    },
  };
}
