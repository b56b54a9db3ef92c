/**
 * Connection rows as a collector spools and ships them: a table instead of a list of objects.
 *
 * A minute's rows repeat the same few things: each row names its workload edge and pod edge (keys
 * of ~150 characters), and both ends' cluster, namespace, pod and workload, which are the same for
 * every connection between the same two pods. As objects they cost ~560 bytes of JSON a row, and
 * encoding, writing and sending them cost a collector about as much as reading the flow behind
 * each (`npm run bench scale`, part 1). The table names each distinct edge key, end (without its
 * address and port) and observation point once, and a row is an array of indexes and values
 * (~190 bytes). The receiver validates each distinct key and end once, then every row's values.
 *
 * `id` is left out (null) when it is what connectionId makes of the row's ends, as it is for every
 * connection whose ends have addresses.
 */
import type { L4Protocol, Verdict } from '../../generator/model/index.ts';
import type { ConnectionRow, FlowEnd } from '../store/connections.ts';
import { connectionId } from '../store/connections.ts';

/**
 * One row: edge and pod edge (indexes into `edges`, -1 for none), id (null when derived), first
 * and last seen, each end as (index into `ends`, address or null, port or null), protocol,
 * observation point (index into `points`, -1 for none), verdict, drop reason, policy, reports.
 */
export type ConnectionTuple = [
  edge: number, podEdge: number, id: string | null, firstSeen: number, lastSeen: number,
  source: number, sourceIp: string | null, sourcePort: number | null,
  destination: number, destinationIp: string | null, destinationPort: number | null,
  protocol: L4Protocol, point: number, verdict: Verdict, dropReason: string | null, policy: string | null, reports: number,
];

export interface ConnectionTable {
  readonly edges: readonly string[];
  /** Distinct ends without address and port. */
  readonly ends: readonly FlowEnd[];
  readonly points: readonly string[];
  readonly rows: readonly ConnectionTuple[];
}

/** The column of each field in a ConnectionTuple, for the reader's messages. */
export const TUPLE_FIELDS = [
  'edge', 'podEdge', 'id', 'firstSeen', 'lastSeen', 'source', 'sourceIp', 'sourcePort', 'destination', 'destinationIp', 'destinationPort',
  'protocol', 'point', 'verdict', 'dropReason', 'policy', 'reports',
] as const;

class Dictionary<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  of(key: string, item: T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.push(item) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

const sameBase = (a: FlowEnd, b: FlowEnd): boolean =>
  a.workload === b.workload && a.pod === b.pod && a.namespace === b.namespace && a.cluster === b.cluster;

/**
 * Distinct ends without address and port. An end is looked up first by the edge it is on (a key
 * the row already holds), which names the same end on almost every row, and by its fields only
 * when that guess is wrong.
 */
class Ends {
  readonly items: FlowEnd[] = [];
  private readonly byFields = new Map<string, number>();
  /** The end last found on each edge, as source and as destination. */
  private readonly byEdge = [new Map<string, number>(), new Map<string, number>()] as const;

  of(e: FlowEnd, edge: string, side: 0 | 1): number {
    const byEdge = this.byEdge[side];
    const guess = byEdge.get(edge);
    if (guess !== undefined && sameBase(this.items[guess], e)) return guess;
    const key = `${e.cluster ?? ''}\u0000${e.namespace ?? ''}\u0000${e.pod ?? ''}\u0000${e.workload ?? ''}`;
    let i = this.byFields.get(key);
    if (i === undefined) {
      i = this.items.push(e.ip === undefined && e.port === undefined ? e : baseOf(e)) - 1;
      this.byFields.set(key, i);
    }
    byEdge.set(edge, i);
    return i;
  }
}

function baseOf(e: FlowEnd): FlowEnd {
  const out: { -readonly [K in keyof FlowEnd]: FlowEnd[K] } = {};
  if (e.cluster !== undefined) out.cluster = e.cluster;
  if (e.namespace !== undefined) out.namespace = e.namespace;
  if (e.pod !== undefined) out.pod = e.pod;
  if (e.workload !== undefined) out.workload = e.workload;
  return out;
}

/** Whether `id` is what connectionId makes of ends with addresses, without building that text. */
function derivedId(id: string, protocol: string, s: FlowEnd, d: FlowEnd): boolean {
  if (s.ip === undefined || d.ip === undefined) return false;
  const sp = s.port === undefined ? '' : `:${s.port}`;
  const dp = d.port === undefined ? '' : `:${d.port}`;
  return id.length === protocol.length + s.ip.length + sp.length + d.ip.length + dp.length + 2 && id === `${protocol} ${s.ip}${sp}>${d.ip}${dp}`;
}

export function encodeConnections(rows: readonly ConnectionRow[]): ConnectionTable {
  const edges = new Dictionary<string>();
  const ends = new Ends();
  const points = new Dictionary<string>();
  const out: ConnectionTuple[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const s = r.source;
    const d = r.destination;
    const on = r.podEdge ?? r.edge;
    out[i] = [
      edges.of(r.edge, r.edge), r.podEdge === undefined ? -1 : edges.of(r.podEdge, r.podEdge),
      derivedId(r.id, r.protocol, s, d) ? null : r.id, r.firstSeen, r.lastSeen,
      ends.of(s, on, 0), s.ip ?? null, s.port ?? null, ends.of(d, on, 1), d.ip ?? null, d.port ?? null,
      r.protocol, r.observationPoint === undefined ? -1 : points.of(r.observationPoint, r.observationPoint), r.verdict,
      r.dropReason ?? null, r.policy ?? null, r.reports,
    ];
  }
  return { edges: edges.items, ends: ends.items, points: points.items, rows: out };
}

/** What a reader checked each table entry into (see wire.ts). */
export interface CheckedTable {
  readonly edges: readonly string[];
  /** Whether each edge key is a pod-level one. */
  readonly podLevel: readonly boolean[];
  readonly ends: readonly FlowEnd[];
  readonly points: readonly string[];
}

function end(base: FlowEnd, ip: string | null, port: number | null): FlowEnd {
  if (ip === null && port === null) return base;
  const out: { -readonly [K in keyof FlowEnd]: FlowEnd[K] } = { ...base };
  if (ip !== null) out.ip = ip;
  if (port !== null) out.port = port;
  return out;
}

/**
 * A tuple back into its row, given the table's checked entries. `check` validates the tuple's own
 * values first (the caller's rules, so both wire forms are held to the same ones) and throws
 * naming the row and field.
 */
export function decodeConnection(t: ConnectionTuple, table: CheckedTable): ConnectionRow {
  const [edgeAt, podAt, id, firstSeen, lastSeen, srcAt, srcIp, srcPort, dstAt, dstIp, dstPort, protocol, pointAt, verdict, dropReason, policy, reports] = t;
  const source = end(table.ends[srcAt], srcIp, srcPort);
  const destination = end(table.ends[dstAt], dstIp, dstPort);
  const row: { -readonly [K in keyof ConnectionRow]: ConnectionRow[K] } = {
    edge: table.edges[edgeAt], id: id ?? connectionId(protocol, source, destination), firstSeen, lastSeen, source, destination, protocol, verdict, reports,
  };
  if (podAt >= 0) row.podEdge = table.edges[podAt];
  if (pointAt >= 0) row.observationPoint = table.points[pointAt];
  if (dropReason !== null) row.dropReason = dropReason;
  if (policy !== null) row.policy = policy;
  return row;
}

/** The rows of a table this process wrote itself (a spooled batch read back): nothing to check. */
export function decodeConnections(table: ConnectionTable): ConnectionRow[] {
  const checked: CheckedTable = { ...table, podLevel: table.edges.map((e) => e.startsWith('pod|')) };
  return table.rows.map((t) => decodeConnection(t, checked));
}
