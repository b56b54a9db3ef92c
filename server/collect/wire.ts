/**
 * The collector -> central wire format (POST /api/v1/ingest) and its one validating reader.
 * A batch is what one collector flush produced: edge increments (workload and pod level, per
 * hour bucket), the attributes of the nodes they touch, and optionally inventory snapshots.
 * Past `readIngestRequest` everything is known good; the store and the graph never re-check.
 */
import type { GraphNode, Inventory, L4Protocol, Verdict } from '../../generator/model/index.ts';
import {
  clusterNameProblem, dns1123LabelProblem, dns1123SubdomainProblem, ipProblem, keyProblem, labelProblem, textProblem, VERDICTS,
} from '../../generator/model/index.ts';
import type { FlowEnd } from '../store/connections.ts';
import type { ConnectionRow } from '../store/connections.ts';
import type { EdgeIncrement, StoreBatch } from '../store/flow-store.ts';
import { decodeConnection, TUPLE_FIELDS, type CheckedTable, type ConnectionTuple } from './connection-table.ts';

export const INGEST_PATH = '/api/v1/ingest';

export interface IngestRequest {
  /** The collector's name; its token must match (serve --collector-token NAME=TOKEN). */
  readonly collector: string;
  /** Unique per collector and stable across resends: the same id is applied once. */
  readonly batchId: string;
  readonly edges: readonly EdgeIncrement[];
  readonly nodes: readonly { readonly key: string; readonly attributes: GraphNode }[];
  readonly inventories?: readonly { readonly cluster: string; readonly inventory: Inventory }[];
  /**
   * The connections behind the edges (server/store/connections.ts), at most MAX_INGEST_CONNECTIONS.
   * On the wire either as `connections` (a list of row objects) or as `connectionTable` (the
   * compact form collectors send, connection-table.ts); a reader gives them here as rows.
   */
  readonly connections?: readonly ConnectionRow[];
}

/** Connection rows one batch may carry: a collector's minute at the default cap is far below it. */
export const MAX_INGEST_CONNECTIONS = 100_000;

export interface IngestResponse {
  /** false when this batch id had been applied before (a resend): nothing was added. */
  readonly applied: boolean;
  readonly edges: number;
}

const PROTOCOLS: ReadonlySet<string> = new Set<L4Protocol>(['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6', 'OTHER']);
const NODE_KINDS: ReadonlySet<string> = new Set(['cluster', 'namespace', 'workload', 'pod', 'service', 'host', 'external', 'reserved', 'unknown']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export class IngestError extends Error {
  override name = 'IngestError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function counts(v: unknown, where: string, signed: boolean): Record<string, number> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new IngestError(`${where}: expected an object of counts`);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (!isCount(n) || (!signed && n < 0)) throw new IngestError(`${where}.${k}: expected ${signed ? 'an integer' : 'a count >= 0'}, got ${JSON.stringify(n)}`);
    if (k.length > 64) throw new IngestError(`${where}: name ${JSON.stringify(k.slice(0, 64))}... is longer than 64`);
    if (n !== 0) out[k] = n;
  }
  return out;
}

function key(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new IngestError(`${where}: expected a node key`);
  // The same name, namespace and address rules every reader's records meet (generator/model/validate.ts).
  const problem = keyProblem(v);
  if (problem !== undefined) throw new IngestError(`${where}: ${problem}`);
  return v;
}

function readEdge(v: unknown, where: string): EdgeIncrement {
  if (!isObject(v)) throw new IngestError(`${where}: expected an edge increment object`);
  const source = key(v.source, `${where}.source`);
  const destination = key(v.destination, `${where}.destination`);
  if (typeof v.protocol !== 'string' || !PROTOCOLS.has(v.protocol)) throw new IngestError(`${where}.protocol: expected one of ${[...PROTOCOLS].join(', ')}`);
  if (v.port !== undefined && v.port !== null && !(Number.isInteger(v.port) && (v.port as number) >= 0 && (v.port as number) <= 65535)) {
    throw new IngestError(`${where}.port: expected 0-65535`);
  }
  if (typeof v.key !== 'string' || v.key.length === 0 || v.key.length > 2100) throw new IngestError(`${where}.key: expected the edge key`);
  if (v.level !== 'workload' && v.level !== 'pod') throw new IngestError(`${where}.level: expected "workload" or "pod"`);
  if (!isCount(v.count) || v.count < 0) throw new IngestError(`${where}.count: expected a count >= 0`);
  for (const t of ['time', 'firstSeen', 'lastSeen'] as const) if (!isTime(v[t])) throw new IngestError(`${where}.${t}: expected a time in ms`);
  if (v.service !== undefined && v.service !== null) key(v.service, `${where}.service`);
  if (v.servicePort !== undefined && v.servicePort !== null && !(Number.isInteger(v.servicePort) && (v.servicePort as number) >= 0 && (v.servicePort as number) <= 65535)) {
    throw new IngestError(`${where}.servicePort: expected 0-65535`);
  }
  return {
    key: v.key, level: v.level, source, destination, protocol: v.protocol as L4Protocol,
    ...(typeof v.port === 'number' ? { port: v.port } : {}),
    interCluster: v.interCluster === true,
    ...(typeof v.service === 'string' ? { service: v.service } : {}),
    ...(typeof v.servicePort === 'number' ? { servicePort: v.servicePort } : {}),
    time: v.time as number, count: v.count, verdicts: counts(v.verdicts, `${where}.verdicts`, true),
    dropReasons: counts(v.dropReasons, `${where}.dropReasons`, false),
    firstSeen: v.firstSeen as number, lastSeen: v.lastSeen as number,
  };
}

/** An edge key as the graph builds it: `source->destination|PROTOCOL|port`, `pod|` before a pod-level one. */
function edgeKey(v: unknown, where: string, pod: boolean): string {
  if (typeof v !== 'string' || v.length > 2100) throw new IngestError(`${where}: expected an edge key`);
  const m = /^(pod\|)?(.+)->(.+)\|([A-Za-z0-9]+)\|(\d+|-)$/.exec(v);
  if (!m || !!m[1] !== pod) throw new IngestError(`${where}: expected ${pod ? 'a pod-level edge key "pod|source->destination|PROTOCOL|port"' : 'an edge key "source->destination|PROTOCOL|port"'}`);
  key(m[2], `${where} (source)`);
  key(m[3], `${where} (destination)`);
  if (!PROTOCOLS.has(m[4])) throw new IngestError(`${where}: protocol ${JSON.stringify(m[4])} is not one of ${[...PROTOCOLS].join(', ')}`);
  return v;
}

const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

function optionalText(v: unknown, where: string, max = 256): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new IngestError(`${where}: expected text of 1-${max} characters`);
  const problem = textProblem(v);
  if (problem !== undefined) throw new IngestError(`${where}: ${problem}`);
  return v;
}

function readEnd(v: unknown, where: string): FlowEnd {
  if (!isObject(v)) throw new IngestError(`${where}: expected a connection end object`);
  const out: { -readonly [K in keyof FlowEnd]: FlowEnd[K] } = {};
  const check = (field: 'cluster' | 'namespace' | 'pod' | 'workload' | 'ip', rule: (x: string) => string | undefined): void => {
    const x = v[field];
    if (x === undefined || x === null) return;
    const problem = typeof x === 'string' ? rule(x) : 'expected a string';
    if (problem !== undefined) throw new IngestError(`${where}.${field}: ${problem}`);
    out[field] = x as string;
  };
  check('cluster', clusterNameProblem);
  check('namespace', dns1123LabelProblem);
  check('pod', (x) => dns1123SubdomainProblem(x) ?? textProblem(x));
  check('workload', keyProblem);
  check('ip', ipProblem);
  if (v.port !== undefined && v.port !== null) {
    if (!isPort(v.port)) throw new IngestError(`${where}.port: expected 0-65535`);
    out.port = v.port;
  }
  return out;
}

/** The checks every connection row passes, whichever wire form it came in. */
function checkConnectionValues(v: Readonly<Partial<Record<'id' | 'firstSeen' | 'lastSeen' | 'protocol' | 'verdict' | 'reports' | 'dropReason' | 'policy', unknown>>>, where: string, idRequired: boolean): { id?: string; dropReason?: string; policy?: string } {
  const id = optionalText(v.id, `${where}.id`, 512);
  if (id === undefined && idRequired) throw new IngestError(`${where}.id: expected the connection identity`);
  if (!isTime(v.firstSeen) || !isTime(v.lastSeen) || v.lastSeen < v.firstSeen) throw new IngestError(`${where}.firstSeen/lastSeen: expected times in ms, first <= last`);
  if (typeof v.protocol !== 'string' || !PROTOCOLS.has(v.protocol)) throw new IngestError(`${where}.protocol: expected one of ${[...PROTOCOLS].join(', ')}`);
  if (typeof v.verdict !== 'string' || !(VERDICTS as readonly string[]).includes(v.verdict)) throw new IngestError(`${where}.verdict: expected one of ${VERDICTS.join(', ')}`);
  if (!isCount(v.reports) || v.reports < 1) throw new IngestError(`${where}.reports: expected a count >= 1`);
  const dropReason = optionalText(v.dropReason, `${where}.dropReason`, 64);
  const policy = optionalText(v.policy, `${where}.policy`);
  return { ...(id !== undefined ? { id } : {}), ...(dropReason !== undefined ? { dropReason } : {}), ...(policy !== undefined ? { policy } : {}) };
}

function readConnection(v: unknown, where: string): ConnectionRow {
  if (!isObject(v)) throw new IngestError(`${where}: expected a connection object`);
  const edge = edgeKey(v.edge, `${where}.edge`, false);
  const podEdge = v.podEdge === undefined || v.podEdge === null ? undefined : edgeKey(v.podEdge, `${where}.podEdge`, true);
  const { id, dropReason, policy } = checkConnectionValues(v, where, true);
  const observationPoint = optionalText(v.observationPoint, `${where}.observationPoint`);
  return {
    edge, ...(podEdge !== undefined ? { podEdge } : {}), id: id!, firstSeen: v.firstSeen as number, lastSeen: v.lastSeen as number,
    source: readEnd(v.source, `${where}.source`), destination: readEnd(v.destination, `${where}.destination`),
    protocol: v.protocol as L4Protocol, ...(observationPoint !== undefined ? { observationPoint } : {}), verdict: v.verdict as Verdict,
    ...(dropReason !== undefined ? { dropReason } : {}), ...(policy !== undefined ? { policy } : {}), reports: v.reports as number,
  };
}

function list(v: unknown, where: string, max: number, noun = 'entries'): unknown[] {
  if (!Array.isArray(v)) throw new IngestError(`${where}: expected an array`);
  if (v.length > max) throw new IngestError(`${where}: ${v.length} ${noun}, at most ${max} per batch; give the collector a shorter --interval`);
  return v;
}

/** The table form (connection-table.ts): each distinct edge key, end and observation point checked once, then each row's values. */
function readConnectionTable(v: unknown, where: string): ConnectionRow[] {
  if (!isObject(v)) throw new IngestError(`${where}: expected {edges, ends, points, rows}`);
  const edges = list(v.edges, `${where}.edges`, 2 * MAX_INGEST_CONNECTIONS).map((e, i) => {
    const at = `${where}.edges[${i}]`;
    return edgeKey(e, at, typeof e === 'string' && e.startsWith('pod|'));
  });
  const table: CheckedTable = {
    edges, podLevel: edges.map((e) => e.startsWith('pod|')),
    ends: list(v.ends, `${where}.ends`, 2 * MAX_INGEST_CONNECTIONS).map((e, i) => readEnd(e, `${where}.ends[${i}]`)),
    points: list(v.points, `${where}.points`, MAX_INGEST_CONNECTIONS).map((p, i) => {
      const text = optionalText(p, `${where}.points[${i}]`);
      if (text === undefined) throw new IngestError(`${where}.points[${i}]: expected an observation point`);
      return text;
    }),
  };
  const index = (x: unknown, size: number, at: string, none: boolean): void => {
    if (!Number.isInteger(x) || (x as number) < (none ? -1 : 0) || (x as number) >= size) {
      throw new IngestError(`${at}: expected an index 0-${size - 1}${none ? ' or -1' : ''}`);
    }
  };
  return list(v.rows, `${where}.rows`, MAX_INGEST_CONNECTIONS, 'rows').map((t, i) => {
    const at = `${where}.rows[${i}]`;
    if (!Array.isArray(t) || t.length !== TUPLE_FIELDS.length) throw new IngestError(`${at}: expected [${TUPLE_FIELDS.join(', ')}]`);
    const [edge, podEdge, id, firstSeen, lastSeen, src, srcIp, srcPort, dst, dstIp, dstPort, protocol, point, verdict, dropReason, policy, reports] = t as unknown[];
    index(edge, edges.length, `${at}.edge`, false);
    if (table.podLevel[edge as number]) throw new IngestError(`${at}.edge: names a pod-level key; expected the workload-level one`);
    index(podEdge, edges.length, `${at}.podEdge`, true);
    if ((podEdge as number) >= 0 && !table.podLevel[podEdge as number]) throw new IngestError(`${at}.podEdge: expected a pod-level key`);
    checkConnectionValues({ id, firstSeen, lastSeen, protocol, verdict, reports, dropReason, policy }, at, false);
    index(src, table.ends.length, `${at}.source`, false);
    index(dst, table.ends.length, `${at}.destination`, false);
    for (const [ip, field] of [[srcIp, 'sourceIp'], [dstIp, 'destinationIp']] as const) {
      if (ip === null) continue;
      const problem = typeof ip === 'string' ? ipProblem(ip) : 'expected an address or null';
      if (problem !== undefined) throw new IngestError(`${at}.${field}: ${problem}`);
    }
    for (const [port, field] of [[srcPort, 'sourcePort'], [dstPort, 'destinationPort']] as const) {
      if (port !== null && !isPort(port)) throw new IngestError(`${at}.${field}: expected 0-65535 or null`);
    }
    index(point, table.points.length, `${at}.point`, true);
    return decodeConnection(t as ConnectionTuple, table);
  });
}

function readNode(v: unknown, where: string): { key: string; attributes: GraphNode } {
  if (!isObject(v)) throw new IngestError(`${where}: expected {key, attributes}`);
  const k = key(v.key, `${where}.key`);
  const a = v.attributes;
  if (!isObject(a) || typeof a.kind !== 'string' || !NODE_KINDS.has(a.kind)) throw new IngestError(`${where}.attributes.kind: expected one of ${[...NODE_KINDS].join(', ')}`);
  for (const [name, value] of Object.entries(a)) {
    if (typeof value === 'string' && textProblem(value) !== undefined) throw new IngestError(`${where}.attributes.${name}: ${textProblem(value)}`);
  }
  if (a.labels !== undefined) {
    if (!isObject(a.labels)) throw new IngestError(`${where}.attributes.labels: expected an object`);
    for (const [k, val] of Object.entries(a.labels)) {
      const problem = typeof val === 'string' ? labelProblem(k, val) : 'expected a string value';
      if (problem !== undefined) throw new IngestError(`${where}.attributes.labels: ${problem}`);
    }
  }
  return { key: k, attributes: a as unknown as GraphNode };
}

function readInventory(v: unknown, where: string): { cluster: string; inventory: Inventory } {
  if (!isObject(v) || typeof v.cluster !== 'string' || !NAME.test(v.cluster) || !isObject(v.inventory)) {
    throw new IngestError(`${where}: expected {cluster, inventory}`);
  }
  const inv = v.inventory;
  for (const list of ['clusters', 'namespaces', 'pods', 'workloads', 'services', 'endpointSlices', 'nodes', 'networkPolicies', 'adminNetworkPolicies']) {
    if (!Array.isArray(inv[list])) throw new IngestError(`${where}.inventory.${list}: expected an array`);
  }
  for (const [list, items] of Object.entries(inv)) {
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      const problem = inventoryObjectProblem(item);
      if (problem !== undefined) throw new IngestError(`${where}.inventory.${list}[${i}]: ${problem}`);
    });
  }
  return { cluster: v.cluster, inventory: inv as unknown as Inventory };
}

/**
 * The rules the inventory readers apply at their edge (generator/model/validate.ts), for an object
 * a collector ships already normalized: its cluster, namespace and name, labels, and pod addresses.
 */
function inventoryObjectProblem(o: unknown): string | undefined {
  if (!isObject(o)) return 'expected an object';
  const text = (field: string): string | undefined => (typeof o[field] === 'string' ? o[field] as string : undefined);
  const cluster = text('cluster');
  const namespace = text('namespace');
  const name = text('name');
  const problem = (cluster !== undefined ? clusterNameProblem(cluster) : undefined)
    ?? (namespace !== undefined ? dns1123LabelProblem(namespace) : undefined)
    ?? (name !== undefined ? dns1123SubdomainProblem(name) ?? textProblem(name) : undefined);
  if (problem !== undefined) return problem;
  if (o.labels !== undefined) {
    if (!isObject(o.labels)) return 'labels: expected an object';
    for (const [k, val] of Object.entries(o.labels)) {
      const p = typeof val === 'string' ? labelProblem(k, val) : 'expected a string value';
      if (p !== undefined) return `labels: ${p}`;
    }
  }
  if (Array.isArray(o.ips)) {
    for (const ip of o.ips) {
      const p = typeof ip === 'string' ? ipProblem(ip) : 'expected an address';
      if (p !== undefined) return `ips: ${p}`;
    }
  }
  return undefined;
}

/** The one reader of an ingest body: a clear IngestError naming the place, or a valid request. */
export function readIngestRequest(body: unknown): IngestRequest {
  if (!isObject(body)) throw new IngestError('body: expected a JSON object {collector, batchId, edges, nodes}');
  if (typeof body.collector !== 'string' || !NAME.test(body.collector)) throw new IngestError('collector: expected a name (letters, digits, ".", "_", ":", "-"; up to 128)');
  if (typeof body.batchId !== 'string' || !NAME.test(body.batchId)) throw new IngestError('batchId: expected an id (letters, digits, ".", "_", ":", "-"; up to 128)');
  if (!Array.isArray(body.edges)) throw new IngestError('edges: expected an array');
  if (!Array.isArray(body.nodes)) throw new IngestError('nodes: expected an array');
  const edges = body.edges.map((e, i) => readEdge(e, `edges[${i}]`));
  const nodes = body.nodes.map((n, i) => readNode(n, `nodes[${i}]`));
  const inventories = body.inventories === undefined ? undefined
    : Array.isArray(body.inventories) ? body.inventories.map((x, i) => readInventory(x, `inventories[${i}]`))
    : (() => { throw new IngestError('inventories: expected an array'); })();
  if (body.connections !== undefined && body.connectionTable !== undefined) throw new IngestError('connections, connectionTable: give one of them');
  const connections = body.connections !== undefined
    ? list(body.connections, 'connections', MAX_INGEST_CONNECTIONS, 'rows').map((c, i) => readConnection(c, `connections[${i}]`))
    : body.connectionTable !== undefined ? readConnectionTable(body.connectionTable, 'connectionTable') : undefined;
  return { collector: body.collector, batchId: body.batchId, edges, nodes, ...(inventories ? { inventories } : {}), ...(connections ? { connections } : {}) };
}

export function batchOf(request: IngestRequest): StoreBatch {
  return { edges: request.edges, nodes: request.nodes, ...(request.connections ? { connections: request.connections } : {}) };
}
