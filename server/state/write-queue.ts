/**
 * Store writes in order: a shared store answers asynchronously, and increments must not overtake
 * each other. A failing write is counted (the metrics show it), never thrown into ingest.
 */
export class WriteQueue {
  errors = 0;
  lastError?: string;
  private writes: Promise<void> = Promise.resolve();
  private pending = 0;

  /**
   * Runs a store write after the ones before it. A synchronous store (SQLite) writes during
   * this call; a shared one writes when the previous write has finished.
   */
  enqueue(write: () => unknown): void {
    const run = (): Promise<void> | undefined => {
      try {
        const r = write();
        if (r instanceof Promise) return r.then(() => {}, (error) => this.noteError(error));
      } catch (error) {
        this.noteError(error);
      }
      return undefined;
    };
    if (this.pending === 0) {
      // Nothing in flight: run now, so a synchronous store has written when flush() returns.
      const r = run();
      if (!r) return;
      this.pending++;
      this.writes = r.finally(() => { this.pending--; });
    } else {
      this.pending++;
      this.writes = this.writes.then(run).finally(() => { this.pending--; });
    }
  }

  /** Resolves when every write queued so far has finished. */
  async settled(): Promise<void> {
    for (;;) {
      const w = this.writes;
      await w;
      if (w === this.writes) return;
    }
  }

  noteError(error: unknown): void {
    this.errors++;
    this.lastError = (error as Error)?.message ?? String(error);
  }
}
