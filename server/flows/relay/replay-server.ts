/**
 * A local Observer gRPC server that replays jsonpb flow lines (a `hubble observe -o jsonpb`
 * capture) as real protobuf messages: the relay side of the client's tests, and a way to
 * try `--hubble-relay` without a cluster. Honours GetFlowsRequest number / since / until /
 * follow the way Hubble does (number = the last N; since/until by flow time; follow keeps
 * the stream open for lines pushed later).
 */
import * as grpc from '@grpc/grpc-js';
import { loadObserverDefinitions } from './proto.ts';
import { responseFromJsonpb, timestampToNanos, type ProtoTimestamp } from './jsonpb.ts';

export interface ReplayRelayOptions {
  /** jsonpb GetFlowsResponse objects (or bare flows) served in order. */
  readonly responses: readonly Record<string, unknown>[];
  /** `127.0.0.1:0` by default (a free port). */
  readonly address?: string;
  /** Server TLS: PEM key and certificate; with `clientCa`, client certificates are required. */
  readonly tls?: { readonly key: Buffer | string; readonly cert: Buffer | string; readonly clientCa?: Buffer | string };
  /** Called with each GetFlowsRequest as decoded (for tests). */
  readonly onRequest?: (request: Record<string, unknown>) => void;
}

export interface ReplayRelay {
  readonly address: string;
  readonly port: number;
  /** Appends responses and sends them to every following stream. */
  push(responses: readonly Record<string, unknown>[]): void;
  /** Ends open streams abruptly and closes the listener (the connection drops). */
  kill(): void;
  /** Ends streams cleanly and closes the server. */
  close(): Promise<void>;
}

interface Encodable {
  readonly message: Record<string, unknown>;
  readonly nanos: bigint;
}

function toEncodable(response: Record<string, unknown>): Encodable {
  const message = responseFromJsonpb(response);
  const flow = message.flow as { time?: ProtoTimestamp } | undefined;
  return { message, nanos: timestampToNanos((message.time as ProtoTimestamp | undefined) ?? flow?.time) };
}

export async function startReplayRelay(options: ReplayRelayOptions): Promise<ReplayRelay> {
  const { service } = loadObserverDefinitions();
  const served: Encodable[] = options.responses.map(toEncodable);
  const followers = new Set<grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>>();
  const server = new grpc.Server();

  server.addService(service, {
    GetFlows(call: grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>) {
      const req = call.request;
      options.onRequest?.(req);
      const since = req.since ? timestampToNanos(req.since as ProtoTimestamp) : undefined;
      const until = req.until ? timestampToNanos(req.until as ProtoTimestamp) : undefined;
      let selected = served.filter((e) => (since === undefined || e.nanos >= since) && (until === undefined || e.nanos <= until));
      const number = Number(req.number ?? 0);
      if (number > 0) selected = selected.slice(-number);
      else if (req.follow && since === undefined) selected = [];
      for (const e of selected) call.write(e.message);
      if (req.follow) {
        followers.add(call);
        call.on('cancelled', () => followers.delete(call));
        call.on('close', () => followers.delete(call));
      } else {
        call.end();
      }
    },
    ServerStatus(_call: unknown, callback: grpc.sendUnaryData<Record<string, unknown>>) {
      callback(null, { num_flows: String(served.length), seen_flows: String(served.length), version: 'netatlas-replay' });
    },
  });

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(
        options.tls.clientCa ? Buffer.from(options.tls.clientCa) : null,
        [{ private_key: Buffer.from(options.tls.key), cert_chain: Buffer.from(options.tls.cert) }],
        Boolean(options.tls.clientCa),
      )
    : grpc.ServerCredentials.createInsecure();
  const bindTo = options.address ?? '127.0.0.1:0';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(bindTo, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort))),
  );
  const host = bindTo.slice(0, bindTo.lastIndexOf(':'));

  return {
    address: `${host}:${port}`,
    port,
    push(responses) {
      for (const response of responses) {
        const e = toEncodable(response);
        served.push(e);
        for (const call of followers) call.write(e.message);
      }
    },
    kill() {
      followers.clear();
      server.forceShutdown();
    },
    close() {
      for (const call of followers) call.end();
      followers.clear();
      return new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** Parses jsonpb lines (blank and `#` lines skipped) into objects for `responses`. */
export function parseJsonpbLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    out.push(JSON.parse(trimmed) as Record<string, unknown>);
  }
  return out;
}
