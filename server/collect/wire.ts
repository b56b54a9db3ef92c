/**
 * The collector -> central wire format (POST /api/v1/ingest) and its one validating reader.
 * A batch is what one collector flush produced: edge increments (workload and pod level, per
 * hour bucket), the attributes of the nodes they touch, and optionally inventory snapshots.
 * Past `readIngestRequest` everything is known good; the store and the graph never re-check.
 */
import type { GraphNode, Inventory, L4Protocol } from '../../generator/model/index.ts';
import { clusterNameProblem, dns1123LabelProblem, dns1123SubdomainProblem, ipProblem, keyProblem, labelProblem, textProblem } from '../../generator/model/index.ts';
import type { EdgeIncrement, StoreBatch } from '../store/flow-store.ts';

export const INGEST_PATH = '/api/v1/ingest';

export interface IngestRequest {
  /** The collector's name; its token must match (serve --collector-token NAME=TOKEN). */
  readonly collector: string;
  /** Unique per collector and stable across resends: the same id is applied once. */
  readonly batchId: string;
  readonly edges: readonly EdgeIncrement[];
  readonly nodes: readonly { readonly key: string; readonly attributes: GraphNode }[];
  readonly inventories?: readonly { readonly cluster: string; readonly inventory: Inventory }[];
}

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
  return { collector: body.collector, batchId: body.batchId, edges, nodes, ...(inventories ? { inventories } : {}) };
}

export function batchOf(request: IngestRequest): StoreBatch {
  return { edges: request.edges, nodes: request.nodes };
}
