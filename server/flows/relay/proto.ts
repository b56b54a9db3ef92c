/**
 * Loads netatlas' copy of Hubble's Observer API (proto/*.proto, real field numbers) with
 * @grpc/proto-loader, configured so decoded messages have the jsonpb shape of
 * `hubble observe -o jsonpb`: proto field names (keepCase), enums as names, 64-bit integers
 * as strings, zero values omitted. Timestamps and wrapper types still need ./jsonpb.ts.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = fileURLToPath(new URL('./proto/', import.meta.url));

/** The fully qualified gRPC service name, as a real Hubble Relay serves it. */
export const OBSERVER_SERVICE = 'observer.Observer';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  enums: String,
  longs: String,
  defaults: false,
  oneofs: false,
  includeDirs: [PROTO_DIR],
};

export interface ObserverDefinitions {
  /** The client constructor: `new Observer(address, credentials, options)`. */
  readonly Observer: grpc.ServiceClientConstructor;
  /** The service definition, for a grpc-js Server (tests, local replay relays). */
  readonly service: grpc.ServiceDefinition;
}

let cached: ObserverDefinitions | undefined;

export function loadObserverDefinitions(): ObserverDefinitions {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync('observer.proto', PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    observer: { Observer: grpc.ServiceClientConstructor };
  };
  const Observer = loaded.observer.Observer;
  cached = { Observer, service: Observer.service };
  return cached;
}
