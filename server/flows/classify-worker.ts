/**
 * The parallel ingest's worker (see parallel.ts): claims blocks of a Hubble file one after another
 * and takes the first look at their lines (parallel-classify.ts), which needs no state: is it a
 * reply, a request with a quick connection key (hashed here, and its first pass kept), or a line
 * to read whole? The reading thread does the rest in file order with the one connection cache.
 */
import { openSync } from 'node:fs';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { classifyBlock, type BlockArrays } from './parallel-classify.ts';
import { CLAIMED, COMMITTED, DELIVERED, type ClassifyWorkerData, type WorkerMessage } from './parallel-protocol.ts';
import { createFlowParseState } from './state.ts';

const { file, blockSize, blocks, control, ahead, port } = workerData as ClassifyWorkerData;
const words = new Int32Array(control);
// The first pass's caches (interned strings); its counters and connection cache stay unused.
const state = createFlowParseState({ format: 'hubble', file });

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => {
  port.postMessage(message, transfer);
  Atomics.add(words, DELIVERED, 1);
  Atomics.notify(words, DELIVERED);
};

const spare: BlockArrays[] = [];
const REUSE_AFTER = 6;

try {
  const fd = openSync(file, 'r');
  for (;;) {
    // Stay at most `ahead` blocks in front of the reading thread.
    for (;;) {
      const committed = Atomics.load(words, COMMITTED);
      if (Atomics.load(words, CLAIMED) < committed + ahead) break;
      Atomics.wait(words, COMMITTED, committed, 100);
    }
    const index = Atomics.add(words, CLAIMED, 1);
    if (index >= blocks) break;
    // The arrays of blocks the reading thread has taken come back for reuse. Reading into a buffer
    // the other thread has just read costs twice the time of reading into fresh memory (its cache
    // lines must first be taken back from the other core; measured), so a buffer is reused only
    // once a few more have come back after it, oldest first: as fast as fresh memory, and no
    // churn of 1 MiB allocations (peak RSS ~30 MB lower at 2M lines).
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) spare.push(m.message as BlockArrays);
    const reuse = spare.length > REUSE_AFTER ? spare.shift() : undefined;
    const block = classifyBlock(fd, index, blockSize, index === blocks - 1, state, reuse);
    post(block, [block.buffer, block.meta.buffer as ArrayBuffer, block.times.buffer as ArrayBuffer]);
  }
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  post({ type: 'error', message: e.message, ...(e.code ? { code: e.code } : {}) });
}
