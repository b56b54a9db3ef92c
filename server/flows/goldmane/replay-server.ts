/**
 * A local Goldmane (goldmane.Flows/Stream) that replays flows given in the flat JSON
 * flow-log shape as real protobuf FlowResults: the server side of the client's tests, and a
 * way to try `--goldmane` without a cluster. Honours start_time_gte and keeps streams open for
 * flows pushed later, as Goldmane does.
 */
import * as grpc from '@grpc/grpc-js';
import { loadGoldmaneDefinitions } from './client.ts';

const TYPES: Record<string, string> = { wep: 'WorkloadEndpoint', hep: 'HostEndpoint', ns: 'NetworkSet', net: 'Network' };
const cap = (s: unknown): string => {
  const t = String(s ?? '').toLowerCase();
  return t ? t[0].toUpperCase() + t.slice(1) : '';
};
const labels = (v: unknown): string[] => (typeof v === 'string' ? v.split('|').map((x) => x.trim()).filter(Boolean) : Array.isArray(v) ? v.map(String) : []);

/** A flat flow-log object -> a FlowResult message. */
export function flowResultFromLog(id: number, log: Record<string, unknown>): Record<string, unknown> {
  const seconds = (t: unknown): string => String(typeof t === 'number' ? t : Math.floor(Date.parse(String(t)) / 1000));
  const policies = (log.policies ?? {}) as { enforced?: unknown[]; pending?: unknown[] };
  return {
    id: String(id),
    flow: {
      Key: {
        source_name: log.source_name ?? '', source_namespace: log.source_namespace ?? '', source_type: TYPES[String(log.source_type)] ?? 'WorkloadEndpoint',
        dest_name: log.dest_name ?? '', dest_namespace: log.dest_namespace ?? '', dest_type: TYPES[String(log.dest_type)] ?? 'WorkloadEndpoint',
        dest_port: String(log.dest_port ?? 0), proto: String(log.protocol ?? log.proto ?? ''), reporter: cap(log.reporter), action: cap(log.action),
        dest_service_name: log.dest_service_name ?? '', dest_service_namespace: log.dest_service_namespace ?? '',
        policies: { enforced_policies: policies.enforced ?? [], pending_policies: policies.pending ?? [] },
      },
      start_time: seconds(log.start_time), end_time: seconds(log.end_time ?? log.start_time),
      source_labels: labels(log.source_labels), dest_labels: labels(log.dest_labels),
      num_connections_started: String(log.num_connections_started ?? 1),
    },
  };
}

export interface GoldmaneReplay {
  readonly address: string;
  push(logs: readonly Record<string, unknown>[]): void;
  /** Drops open streams and stops listening (a crash). */
  kill(): void;
  close(): Promise<void>;
}

export async function startGoldmaneReplay(logs: readonly Record<string, unknown>[], address = '127.0.0.1:0'): Promise<GoldmaneReplay> {
  const { service } = loadGoldmaneDefinitions();
  const served = logs.map((l, i) => flowResultFromLog(i + 1, l));
  const streams = new Set<grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>>();
  const server = new grpc.Server();
  server.addService(service, {
    Stream(call: grpc.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>) {
      const gte = Number(call.request.start_time_gte ?? 0);
      for (const r of served) if (Number((r.flow as { start_time: string }).start_time) >= gte) call.write(r);
      streams.add(call);
      call.on('cancelled', () => streams.delete(call));
      call.on('close', () => streams.delete(call));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const host = address.slice(0, address.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    push(more) {
      for (const l of more) {
        const r = flowResultFromLog(served.length + 1, l);
        served.push(r);
        for (const s of streams) s.write(r);
      }
    },
    kill() {
      streams.clear();
      server.forceShutdown();
    },
    close() {
      for (const s of streams) s.end();
      streams.clear();
      return new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
