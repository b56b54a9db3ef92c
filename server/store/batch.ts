/**
 * What a store is written with (a batch of edge increments, nodes, source offsets and
 * connections) and what it answers with, shared by every Store implementation, the collector's
 * spool and the wire format.
 */
import type { FlowEdge, GraphNode, L4Protocol, VerdictCounts } from '../../generator/model/index.ts';
import type { ConnectionRow } from './connections.ts';

export const HOUR_MS = 3_600_000;

/** What one flush adds to one edge in one hour bucket. */
export interface EdgeIncrement {
  /** The graph's edge key; default `flowEdgeKey(source, destination, protocol, port)`. */
  readonly key?: string;
  /** 'pod' for pod-level detail edges (see server/graph/builder.ts). */
  readonly level?: 'workload' | 'pod';
  readonly source: string;
  readonly destination: string;
  readonly protocol: L4Protocol;
  readonly port?: number;
  readonly interCluster: boolean;
  readonly service?: string;
  readonly servicePort?: number;
  /** Any time inside the bucket (ms); the bucket is its hour. */
  readonly time: number;
  readonly count: number;
  /** Per-verdict change; negative for the verdict a correction moved connections from (count 0). */
  readonly verdicts: VerdictCounts;
  readonly dropReasons?: Readonly<Record<string, number>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** Where a source had got to: a file and byte offset, or a relay cursor. */
export interface SourceOffset {
  readonly source: string;
  readonly position: Readonly<Record<string, unknown>>;
}

export interface StoreBatch {
  readonly edges?: readonly EdgeIncrement[];
  readonly nodes?: readonly { readonly key: string; readonly attributes: GraphNode }[];
  readonly offsets?: readonly SourceOffset[];
  /** Connections behind the edges (connections.ts), written in the same transaction. */
  readonly connections?: readonly ConnectionRow[];
}

export interface StoredEdge extends FlowEdge {
  readonly key: string;
}

export interface StoreStats {
  readonly edges: number;
  readonly buckets: number;
  readonly nodes: number;
  /** page_count * page_size of the main database (after a checkpoint). */
  readonly bytes: number;
}

export function mergeCounts(a: Record<string, number> | undefined, b: Readonly<Record<string, number>> | undefined): Record<string, number> | undefined {
  if (!b) return a;
  const out: Record<string, number> = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function otherVerdicts(v: VerdictCounts): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  for (const [k, n] of Object.entries(v)) {
    if (k === 'FORWARDED' || k === 'DROPPED' || !n) continue;
    (out ??= {})[k] = n;
  }
  return out;
}

const DURATION = /^(\d+)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS };

/** `30d`, `12h`, `90m` -> ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]];
}
