/**
 * The log of graph deltas that feeds Server-Sent Events: each flush that changed something
 * appends one entry (changed edge keys, new node keys), listeners hear it at once, and a client
 * reconnecting with Last-Event-ID replays what it missed while the log still reaches back.
 */
export interface DeltaEntry {
  readonly seq: number;
  readonly time: number;
  readonly edges: readonly string[];
  readonly nodes: readonly string[];
  readonly removedEdges: readonly string[];
  readonly removedNodes: readonly string[];
}

export class DeltaLog {
  private readonly entries: DeltaEntry[] = [];
  private readonly listeners = new Set<(entry: DeltaEntry) => void>();
  private seqCounter = 0;

  /** `size`: how many entries a reconnecting client can replay. */
  constructor(private readonly size: number) {}

  /** The newest seq (0 before the first). */
  get seq(): number {
    return this.seqCounter;
  }

  publish(time: number, changedEdges: string[], newNodes: string[]): DeltaEntry {
    const entry: DeltaEntry = { seq: ++this.seqCounter, time, edges: changedEdges, nodes: newNodes, removedEdges: [], removedNodes: [] };
    this.entries.push(entry);
    if (this.entries.length > this.size) this.entries.shift();
    for (const fn of this.listeners) {
      try {
        fn(entry);
      } catch {
        // An SSE client failing never affects ingest.
      }
    }
    return entry;
  }

  /** Deltas after `seq`; undefined when the log no longer reaches back that far. */
  since(seq: number): DeltaEntry[] | undefined {
    if (seq >= this.seqCounter) return [];
    const first = this.entries[0];
    if (!first || seq < first.seq - 1) return undefined;
    return this.entries.filter((d) => d.seq > seq);
  }

  onDelta(fn: (entry: DeltaEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
