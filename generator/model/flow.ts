/**
 * A normalized flow observation: what every flow source (Hubble, Inspektor Gadget, generic
 * JSONL/CSV) produces. One record is one connection attempt in the request direction;
 * parsers drop replies and fold duplicate reports of the same connection before this point.
 */
import type { ReservedIdentity } from './keys.ts';

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ICMPv4' | 'ICMPv6' | 'OTHER';

export type Verdict = 'FORWARDED' | 'DROPPED' | 'AUDIT' | 'REDIRECTED' | 'ERROR' | 'TRACED' | 'TRANSLATED' | 'UNKNOWN';
export const VERDICTS: readonly Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'ERROR', 'TRACED', 'TRANSLATED', 'UNKNOWN'];

export type TrafficDirection = 'INGRESS' | 'EGRESS' | 'UNKNOWN';

/** One end of a flow, with whatever the source said about it. Every field may be absent. */
export interface FlowEndpoint {
  readonly ip?: string;
  readonly port?: number;
  readonly cluster?: string;
  readonly namespace?: string;
  readonly podName?: string;
  /** Raw Hubble-style labels: `k8s:app=web`, `reserved:world`. */
  readonly labels?: readonly string[];
  /** Top-level workloads as reported by the source (Hubble `workloads`). */
  readonly workloads?: readonly { readonly kind: string; readonly name: string }[];
  readonly identity?: number;
  readonly reserved?: ReservedIdentity;
  /** DNS names the source attached (Hubble `destination_names`). */
  readonly names?: readonly string[];
  /** The Service the packet was addressed to (Hubble `destination_service`). */
  readonly service?: { readonly namespace?: string; readonly name: string };
  readonly nodeName?: string;
}

export interface FlowRecord {
  /** ms since epoch. */
  readonly time: number;
  readonly source: FlowEndpoint;
  readonly destination: FlowEndpoint;
  readonly protocol: L4Protocol;
  /** Destination port (request direction); absent for ICMP. */
  readonly port?: number;
  readonly verdict: Verdict;
  readonly dropReason?: string;
  /** The policy the source names as deciding the verdict (Calico policy hits, Hubble policy names). */
  readonly policy?: string;
  readonly direction?: TrafficDirection;
  /** The node that observed it (Hubble `node_name`). */
  readonly observer?: string;
  /** How many connections this record stands for (generic sources may pre-aggregate). */
  readonly count: number;
  /**
   * A correction, not a new connection: the connection(s) of this record were already emitted
   * with verdict `supersedes`, and a later report of them says `verdict` (a DROPPED seen by the
   * destination node after the source node's FORWARDED SYN). Aggregators move `count` from
   * `supersedes` to `verdict` and leave the connection count unchanged. A policy correction (a
   * later report that names the deciding `policy` no record of the connection named) has
   * `supersedes` equal to `verdict` and `count` 0: it changes no count, only the connection's policy.
   */
  readonly supersedes?: Verdict;
  /** For L7 DNS responses: the name and the addresses it resolved to. */
  readonly dns?: { readonly query: string; readonly ips: readonly string[] };
  /** Free-form L7 summary (HTTP method and path, ...), kept for sample flows. */
  readonly l7?: string;
  /** Where it came from, for error messages and samples. */
  readonly origin?: { readonly file?: string; readonly line?: number };
}

/** A flow source's counters, reported after (and during) an ingest. */
export interface IngestStats {
  lines: number;
  records: number;
  replies: number;
  duplicates: number;
  skipped: number;
  malformed: number;
  /** The first few malformed lines, `file:line: reason`. */
  readonly errors: string[];
}

export function emptyIngestStats(): IngestStats {
  return { lines: 0, records: 0, replies: 0, duplicates: 0, skipped: 0, malformed: 0, errors: [] };
}
