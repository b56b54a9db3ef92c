/**
 * Conversions between gRPC-decoded Observer messages and the jsonpb shape written by
 * `hubble observe -o jsonpb` (what the file parsers read), so flows from the relay and from
 * files go through one normalizer.
 *
 * proto-loader already gives proto field names, enum names and 64-bit integers as strings;
 * what differs is google.protobuf.Timestamp (`{seconds, nanos}` vs an RFC 3339 string) and
 * the wrapper types (`{value}` vs the bare value). Both directions live here: decoded ->
 * jsonpb for the client, jsonpb -> encodable for local replay relays and tests.
 */

/** A decoded google.protobuf.Timestamp (longs as strings). */
export interface ProtoTimestamp {
  seconds?: string | number;
  nanos?: number;
}

/** Nanoseconds since the epoch of a Timestamp, as a bigint (exact; ms would lose order). */
export function timestampToNanos(ts: ProtoTimestamp | undefined): bigint {
  if (!ts) return 0n;
  return BigInt(ts.seconds ?? 0) * 1_000_000_000n + BigInt(ts.nanos ?? 0);
}

export function nanosToTimestamp(nanos: bigint): { seconds: string; nanos: number } {
  const seconds = nanos / 1_000_000_000n;
  const rest = nanos - seconds * 1_000_000_000n;
  return { seconds: seconds.toString(), nanos: Number(rest) };
}

/** RFC 3339 like Go's protojson: no fraction, or 3, 6 or 9 digits as needed. */
export function formatTimestamp(ts: ProtoTimestamp): string {
  const seconds = Number(ts.seconds ?? 0);
  const nanos = ts.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  let fraction = '';
  if (nanos !== 0) {
    const nine = String(nanos).padStart(9, '0');
    fraction = '.' + (nanos % 1_000_000 === 0 ? nine.slice(0, 3) : nanos % 1000 === 0 ? nine.slice(0, 6) : nine);
  }
  return `${base}${fraction}Z`;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** Parses an RFC 3339 timestamp with nanosecond precision; undefined when malformed. */
export function parseTimestamp(text: string): { seconds: string; nanos: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase() === 'Z' ? 'Z' : m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapTimestamp(obj: Json, key: string, toJsonpb: boolean): void {
  const value = obj[key];
  if (value === undefined) return;
  if (toJsonpb) {
    if (isObject(value)) obj[key] = formatTimestamp(value as ProtoTimestamp);
  } else if (typeof value === 'string') {
    const ts = parseTimestamp(value);
    if (ts) obj[key] = ts;
    else delete obj[key];
  }
}

function mapWrapper(obj: Json, key: string, zero: unknown, toJsonpb: boolean): void {
  const value = obj[key];
  if (value === undefined) return;
  if (toJsonpb) {
    // A present wrapper whose value is the zero value decodes as `{}` (defaults off).
    if (isObject(value)) obj[key] = value.value ?? zero;
  } else if (!isObject(value)) {
    obj[key] = { value };
  }
}

function mapFlow(flow: unknown, toJsonpb: boolean): void {
  if (!isObject(flow)) return;
  mapTimestamp(flow, 'time', toJsonpb);
  mapWrapper(flow, 'is_reply', false, toJsonpb);
}

function mapResponse(response: Json, toJsonpb: boolean): Json {
  mapTimestamp(response, 'time', toJsonpb);
  mapFlow(response.flow, toJsonpb);
  if (isObject(response.lost_events)) mapWrapper(response.lost_events, 'cpu', 0, toJsonpb);
  return response;
}

/**
 * A decoded GetFlowsResponse in the jsonpb shape of `hubble observe -o jsonpb`. Mutates and
 * returns its argument (decoded messages are fresh objects owned by the caller).
 */
export function responseToJsonpb(decoded: Json): Json {
  return mapResponse(decoded, true);
}

/**
 * A jsonpb GetFlowsResponse line (or a bare legacy Flow, wrapped) as an object grpc-js can
 * encode. Returns a new object; fields the .proto does not declare are dropped on encode.
 */
export function responseFromJsonpb(line: Json): Json {
  const copy = structuredClone(line) as Json;
  const wrapped: Json = 'flow' in copy || 'node_status' in copy || 'lost_events' in copy ? copy : { flow: copy };
  return mapResponse(wrapped, false);
}
