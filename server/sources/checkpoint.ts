/**
 * Checkpoints for a streamed source (a followed file, a relay): records wait until the next
 * checkpoint, which is the source's position AND its de-duplication state after exactly the
 * records handed on with it. The sink stores both in one transaction, so a kill -9 resumes where
 * both agree and a connection reported on both sides of a restart counts once.
 */
import type { FlowRecord } from '../../generator/model/index.ts';
import { ConnectionCache } from '../flows/index.ts';

/** How often a streamed source's position and de-duplication state are checkpointed (ms). */
export const CHECKPOINT_MS = 250;

/**
 * The de-duplication state saved with `saved` (a position this source emitted before), or a
 * fresh one: a position without it, from an older netatlas, starts empty.
 */
export function restoredConnections(saved: Record<string, unknown> | undefined): ConnectionCache {
  return (saved ? ConnectionCache.restore(saved.dedup) : undefined) ?? new ConnectionCache({});
}

export interface Checkpoints {
  /** Records parsed since the last checkpoint: parsers append here. */
  readonly records: FlowRecord[];
  /** Something was read: checkpoint soon (at most CHECKPOINT_MS after the last one). */
  schedule(): void;
  /** Checkpoint now (on stop). */
  flush(): void;
}

/**
 * `position` answers undefined while there is none yet (nothing received); `emit` gets the
 * records and the checkpoint (position plus `dedup`); `after` runs after each checkpoint.
 */
export function checkpointed(
  connections: ConnectionCache,
  position: () => Record<string, unknown> | undefined,
  emit: (records: FlowRecord[], checkpoint: Record<string, unknown> | undefined) => void,
  after?: () => void,
): Checkpoints {
  const records: FlowRecord[] = [];
  let scheduled = false;
  let lastCheckpoint = 0;
  const drain = (force = false): void => {
    scheduled = false;
    if (!force && Date.now() - lastCheckpoint < CHECKPOINT_MS) {
      scheduled = true;
      setTimeout(drain, CHECKPOINT_MS).unref();
      return;
    }
    lastCheckpoint = Date.now();
    const taken = records.splice(0);
    const at = position();
    const checkpoint = at ? { ...at, dedup: connections.snapshot() } : undefined;
    if (taken.length || checkpoint) emit(taken, checkpoint);
    after?.();
  };
  return {
    records,
    schedule: () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(drain);
    },
    flush: () => drain(true),
  };
}
