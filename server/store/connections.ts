/**
 * Connections behind the edges: one row per connection (the flow dedup's connection identity:
 * protocol and both ends' address and port, or pod when the source gives no address), with every
 * later report of it folded in (report count, last seen, strongest verdict, drop reason, the
 * policy the source names as deciding).
 *
 * A row belongs to one workload-level edge and one minute (the minute its connection was first
 * seen), and, when the flow resolved to pods, to that pod-level edge too. The stores keep at most
 * `perEdgeMinute` rows per edge and minute: past that a connection is not kept, and the (edge,
 * minute) is recorded as capped so an answer can say its total is a lower bound. Memory and disk
 * grow with distinct edges per minute times the cap, never with flow volume.
 *
 * This module holds what both stores share: the row shape, folding, the write plan (update,
 * insert or cap), the opaque page cursor and the query's shape. Each store runs the plan in the
 * transaction of the batch that carries the rows, so a collector's resent batch (the same batch
 * id) adds its connections once, as it adds its edge counts once.
 */
import type { L4Protocol, Verdict } from '../../generator/model/index.ts';

/** One end of a connection in GET /api/v1/flows. */
export interface FlowEnd {
  readonly cluster?: string;
  readonly namespace?: string;
  /** The pod's name, when the address resolved to a pod at the connection's time. */
  readonly pod?: string;
  /** The workload key (generator/model/keys.ts) the end was resolved to, as the graph's edges use. */
  readonly workload?: string;
  readonly ip?: string;
  readonly port?: number;
}

/**
 * One connection behind an edge, as the flow dedup identifies it (protocol and both ends within
 * the connection cache's window). The readers fold a connection's repeated reports before it is
 * counted; what reaches this row is its first record and every later correction of its verdict.
 */
export interface FlowRow {
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly source: FlowEnd;
  readonly destination: FlowEnd;
  readonly protocol: L4Protocol;
  /** Where the flow was observed: its direction and the reporting node, e.g. `egress@prod/node-1`. */
  readonly observationPoint?: string;
  /** The strongest verdict among the folded reports (dropped > denied > allowed > unknown). */
  readonly verdict: Verdict;
  readonly dropReason?: string;
  /** The policy the flow source names as deciding (Calico policy hits, Hubble policy names). */
  readonly policy?: string;
  /**
   * Records of the connection folded into this row: 1, plus each correction of its verdict (a
   * stronger report seen later) and each source that reported it separately. Not the number of
   * packets or raw flow events: the readers drop repeated reports before they are counted.
   */
  readonly reports: number;
}

export const DEFAULT_CONNECTIONS_PER_EDGE_MINUTE = 50;
/**
 * What a collector ships per edge and minute by default: a sample. Every row costs the collector
 * about what reading its flow does (a row is built, spooled and sent as JSON), so shipping 50 would
 * halve a busy collector's throughput (`npm run bench scale`, part 1, prints both).
 */
export const DEFAULT_COLLECT_CONNECTIONS_PER_EDGE_MINUTE = 5;
export const MINUTE_MS = 60_000;

/** One connection as stored (what the API shows, FlowRow, and its key): keyed by (edge, minute of `firstSeen`, id). */
export interface ConnectionRow extends FlowRow {
  /** The workload-level edge key (flowEdgeKey) the connection was counted on. */
  readonly edge: string;
  /** The pod-level detail edge key (`pod|...`), when pod edges are kept. */
  readonly podEdge?: string;
  /** The connection identity (see connectionId). */
  readonly id: string;
}

/** What GET /api/v1/flows asks a store. */
export interface ConnectionQuery {
  /** Base edge keys (workload-level or `pod|` keys): a row matches by its edge or its pod edge. */
  readonly edges: readonly string[];
  readonly since?: number;
  readonly until?: number;
  readonly verdicts?: readonly Verdict[];
  /** Lower-case text the row's ends must contain (pod, namespace, address, port). */
  readonly text?: string;
  /** Rows strictly after this position in the order (firstSeen desc, seq desc). */
  readonly after?: ConnectionCursor;
  readonly limit: number;
}

export interface ConnectionCursor {
  readonly firstSeen: number;
  readonly seq: number;
}

export interface ConnectionPage {
  readonly rows: ReadonlyArray<FlowRow & { readonly seq: number }>;
  /** Rows matching the query without the cursor (all pages). */
  readonly total: number;
  /** Some (edge, minute) in the query's range reached the cap. */
  readonly capped: boolean;
}

/** Connections behind some edges grouped by the policy their source named as deciding, and verdict. */
export interface PolicyHit {
  readonly policy: string;
  readonly verdict: Verdict;
  readonly connections: number;
}

/** How strongly a verdict states a connection's fate: DROPPED/ERROR over the rest, anything over UNKNOWN. */
export function connectionVerdictRank(v: Verdict): number {
  return v === 'DROPPED' || v === 'ERROR' ? 2 : v === 'UNKNOWN' ? 0 : 1;
}

const endText = (e: FlowEnd | undefined): string => (e?.ip ?? (e?.namespace && e.pod ? `${e.namespace}/${e.pod}` : e?.workload ?? '?')) + (e?.port !== undefined ? `:${e.port}` : '');

/** The connection identity: protocol and both ends (address or pod, and port). */
export function connectionId(protocol: string, source: FlowEnd, destination: FlowEnd): string {
  return `${protocol} ${endText(source)}>${endText(destination)}`;
}

/** The lower-case text `q` is matched against: both ends' cluster, namespace, pod, address and port. */
export function searchText(row: Pick<ConnectionRow, 'source' | 'destination'>): string {
  const one = (e: FlowEnd): string =>
    [e.cluster, e.namespace && e.pod ? `${e.namespace}/${e.pod}` : e.namespace, e.workload, e.ip, e.port !== undefined ? String(e.port) : undefined]
      .filter((x) => x !== undefined).join(' ');
  return `${one(row.source)} | ${one(row.destination)}`.toLowerCase();
}

export const minuteOf = (row: Pick<ConnectionRow, 'firstSeen'>): number => Math.floor(row.firstSeen / MINUTE_MS);
const rowKey = (r: Pick<ConnectionRow, 'edge' | 'id' | 'firstSeen'>): string => `${r.edge}\n${minuteOf(r)}\n${r.id}`;
export const slotKey = (edge: string, minute: number): string => `${edge}\n${minute}`;

/**
 * Two reports of one connection as one row: reports summed, the stronger verdict (and its drop
 * reason and policy), else the first policy named. A policy named by the weaker report decided
 * a verdict the row no longer has (an allow, on a connection a later report says was dropped),
 * so it is not kept.
 */
export function foldConnection(a: ConnectionRow, b: ConnectionRow): ConnectionRow {
  const rankA = connectionVerdictRank(a.verdict);
  const rankB = connectionVerdictRank(b.verdict);
  const stronger = rankB > rankA ? b : a;
  const policy = rankA === rankB ? a.policy ?? b.policy : stronger.policy;
  const podEdge = a.podEdge ?? b.podEdge;
  const observationPoint = a.observationPoint ?? b.observationPoint;
  const { dropReason: _d, policy: _p, podEdge: _e, observationPoint: _o, ...base } = a;
  return {
    ...base,
    ...(podEdge !== undefined ? { podEdge } : {}),
    ...(observationPoint !== undefined ? { observationPoint } : {}),
    firstSeen: Math.min(a.firstSeen, b.firstSeen), lastSeen: Math.max(a.lastSeen, b.lastSeen),
    verdict: stronger.verdict, ...(stronger.dropReason !== undefined ? { dropReason: stronger.dropReason } : {}),
    ...(policy !== undefined ? { policy } : {}),
    reports: a.reports + b.reports,
  };
}

/** Rows with the same (edge, minute, id) folded into one, first occurrence's order kept. */
export function foldConnections(rows: readonly ConnectionRow[]): ConnectionRow[] {
  const out = new Map<string, ConnectionRow>();
  for (const r of rows) {
    const k = rowKey(r);
    const seen = out.get(k);
    out.set(k, seen ? foldConnection(seen, { ...r, firstSeen: seen.firstSeen }) : r);
  }
  return [...out.values()];
}

/** What a store does with a batch's rows, given what it holds. */
export interface ConnectionWritePlan {
  /** Rows already stored: fold into them. */
  readonly updates: ConnectionRow[];
  readonly inserts: ConnectionRow[];
  /** (edge, minute) that reached the cap in this batch: the workload edge's and the pod edge's. */
  readonly capped: Array<{ edge: string; minute: number }>;
}

/**
 * The write plan for a batch's rows: a row the store has is updated, a new one inserted while its
 * (edge, minute) holds fewer than `perEdgeMinute` rows, else left out and its slot marked capped.
 * `stored(edge, minute, id)` says whether the store has the row; `held(edge, minute)` how many
 * rows it holds for that slot.
 */
export function planConnectionWrites(
  rows: readonly ConnectionRow[], perEdgeMinute: number,
  stored: (row: ConnectionRow) => boolean, held: (edge: string, minute: number) => number,
): ConnectionWritePlan {
  const plan: ConnectionWritePlan = { updates: [], inserts: [], capped: [] };
  const counts = new Map<string, number>();
  const cappedSlots = new Set<string>();
  for (const r of foldConnections(rows)) {
    if (stored(r)) {
      plan.updates.push(r);
      continue;
    }
    const minute = minuteOf(r);
    const slot = slotKey(r.edge, minute);
    const n = counts.get(slot) ?? held(r.edge, minute);
    if (n < perEdgeMinute) {
      plan.inserts.push(r);
      counts.set(slot, n + 1);
    } else {
      counts.set(slot, n);
      if (!cappedSlots.has(slot)) {
        cappedSlots.add(slot);
        plan.capped.push({ edge: r.edge, minute });
        if (r.podEdge !== undefined) plan.capped.push({ edge: r.podEdge, minute });
      }
    }
  }
  return plan;
}

export const MAX_CONNECTIONS_PER_EDGE_MINUTE = 10_000;

/** `--connections N` as a number, or an error naming the flag and the range. */
export function parseConnectionsPerEdgeMinute(text: string, subsystem: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS_PER_EDGE_MINUTE) {
    throw new Error(`netatlas/${subsystem}: --connections ${JSON.stringify(text)}: expected a whole number 1-${MAX_CONNECTIONS_PER_EDGE_MINUTE} (connection rows kept per edge and minute).`);
  }
  return n;
}

/** The opaque cursor of the page after `row`. */
export function encodeCursor(c: ConnectionCursor): string {
  return Buffer.from(`${c.firstSeen}.${c.seq}`).toString('base64url');
}

/** The position a cursor names; undefined when it is not one this server made. */
export function decodeCursor(text: string): ConnectionCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) return undefined;
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!m) return undefined;
  const firstSeen = Number(m[1]);
  const seq = Number(m[2]);
  return Number.isSafeInteger(firstSeen) && Number.isSafeInteger(seq) ? { firstSeen, seq } : undefined;
}

/** A stored row as the API shows it. */
export function toFlowRow(r: Omit<ConnectionRow, 'edge' | 'podEdge' | 'id'>): FlowRow {
  return {
    firstSeen: r.firstSeen, lastSeen: r.lastSeen, source: r.source, destination: r.destination, protocol: r.protocol,
    ...(r.observationPoint !== undefined ? { observationPoint: r.observationPoint } : {}),
    verdict: r.verdict, ...(r.dropReason !== undefined ? { dropReason: r.dropReason } : {}),
    ...(r.policy !== undefined ? { policy: r.policy } : {}), reports: r.reports,
  };
}
