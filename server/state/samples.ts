/**
 * Recent sample flows: a few per edge (what GET /edges/:key shows behind an edge) and a bounded
 * ring of the latest records (to match samples by endpoints when an edge kept none).
 */
import type { FlowRecord } from '../../generator/model/index.ts';
import type { L4Protocol, Verdict } from '../../generator/model/index.ts';

/** One flow report behind an edge, as GET /api/v1/edges/*key shows it. */
export interface SampleFlow {
  readonly time: number;
  readonly verdict: Verdict;
  readonly protocol: L4Protocol;
  readonly sourceIp?: string;
  readonly sourcePort?: number;
  readonly destinationIp?: string;
  readonly port?: number;
  readonly sourcePod?: string;
  readonly destinationPod?: string;
  readonly dropReason?: string;
  readonly l7?: string;
}

const RECENT = 4096;

export class SampleKeeper {
  private readonly samples = new Map<string, SampleFlow[]>();
  private readonly recentRecords: FlowRecord[] = [];
  private recentIndex = 0;

  /** `perEdge` samples kept per edge, for at most `maxEdges` edges (the oldest forgotten first). */
  constructor(private readonly perEdge: number, private readonly maxEdges: number) {}

  /** Keeps a record as a sample of the edge the builder answered (an edge key, or `{ key }`). */
  keep(record: FlowRecord, result: unknown): void {
    const edgeKey = typeof result === 'string' ? result : typeof (result as { key?: unknown })?.key === 'string' ? (result as { key: string }).key : undefined;
    if (edgeKey) {
      const sample = toSample(record);
      let list = this.samples.get(edgeKey);
      if (!list) {
        if (this.samples.size >= this.maxEdges) this.samples.delete(this.samples.keys().next().value!);
        list = [];
        this.samples.set(edgeKey, list);
      }
      list.push(sample);
      if (list.length > this.perEdge) list.shift();
    }
    // Whatever the builder returns, keep a bounded ring of recent records so edge detail can
    // match samples by endpoints.
    if (this.recentRecords.length < RECENT) this.recentRecords.push(record);
    else {
      this.recentRecords[this.recentIndex] = record;
      this.recentIndex = (this.recentIndex + 1) % RECENT;
    }
  }

  /** Edges with samples kept. */
  get size(): number {
    return this.samples.size;
  }

  /** Forgets every edge's samples (a collector's state after a flush); the recent ring stays. */
  clear(): void {
    this.samples.clear();
  }

  samplesFor(edgeKey: string): SampleFlow[] {
    return [...(this.samples.get(edgeKey) ?? [])];
  }

  /** Recent records, oldest first. */
  recent(): FlowRecord[] {
    return [...this.recentRecords.slice(this.recentIndex), ...this.recentRecords.slice(0, this.recentIndex)];
  }
}

export function toSample(r: FlowRecord): SampleFlow {
  const pod = (e: FlowRecord['source']): string | undefined => (e.podName ? `${e.namespace ?? ''}/${e.podName}` : undefined);
  return {
    time: r.time, verdict: r.verdict, protocol: r.protocol,
    ...(r.source.ip ? { sourceIp: r.source.ip } : {}),
    ...(r.source.port !== undefined ? { sourcePort: r.source.port } : {}),
    ...(r.destination.ip ? { destinationIp: r.destination.ip } : {}),
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(pod(r.source) ? { sourcePod: pod(r.source) } : {}),
    ...(pod(r.destination) ? { destinationPod: pod(r.destination) } : {}),
    ...(r.dropReason ? { dropReason: r.dropReason } : {}),
    ...(r.l7 ? { l7: r.l7 } : {}),
  };
}
