/**
 * Parallel ingest of a large Hubble file. The file is cut into blocks (parallel-protocol.ts). Most
 * of a line's cost is the first look at it (reply? request with a quick connection key? its first
 * members), which needs no state (parallel-classify.ts); what is left needs the one connection
 * cache and must go in file order: the duplicate check, and the rest of a new request's members.
 *
 * So a worker thread (classify-worker.ts) claims blocks one after another and classifies them,
 * and this thread takes the blocks in order and commits them. When the block it needs next is
 * still in the worker's hands, it claims a later one and classifies it itself meanwhile, rather
 * than wait; a block nobody has claimed when it is needed is read here whole, as the one-thread
 * reader would (while the worker starts, say). The records, counters and line numbers are those of
 * the one-thread reader (test/server/flows/parallel.test.ts).
 *
 * Used by readFlows for plain (not gzip) files of at least `parallel.minBytes` (default 192 MiB)
 * on machines with more than one CPU; `parallel: false` or NETATLAS_INGEST_THREADS=1 turns it off.
 * A file that grows while it is read is read up to the block its size at the start ended in, plus
 * whatever that last block has when it is read.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { classifyBlock, type BlockArrays } from './parallel-classify.ts';
import { CLAIMED, COMMITTED, CONTROL_WORDS, DELIVERED, readBlock, type ClassifiedBlock, type ClassifyWorkerData, type WorkerMessage } from './parallel-protocol.ts';
import { createFlowParseState } from './state.ts';
import { bundledWorker } from './worker-bundle.ts';

/** A block of the file: classified, or only read (`classified` undefined: every line is read whole). */
export interface FileBlock {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
  readonly classified?: { readonly lines: number; readonly meta: Int32Array; readonly times: Float64Array };
}

export interface ParallelOptions {
  /** Smallest file read in parallel (default 192 MiB, see DEFAULT_PARALLEL_MIN_BYTES). */
  readonly minBytes?: number;
  /** Bytes per block (default 1 MiB). */
  readonly blockSize?: number;
  /** Wait for the worker before the first block, rather than read blocks here while it starts (tests). */
  readonly waitForWorker?: boolean;
  /** The worker's script (tests; default: classify-worker.ts bundled by worker-bundle.ts). */
  readonly workerScript?: URL;
}

/** How many blocks may be classified ahead of the one committed. */
const AHEAD = 4;
export const DEFAULT_BLOCK_SIZE = 1 << 20;
/**
 * Below this size two threads are slower than one: the worker's start and V8 compiling the parser
 * in both threads (its compiler threads then share the second core) cost ~0.3-0.4 s. Measured on
 * prefixes of the bench's input (medians of four, alternating): 40 MB 0.85 s with two threads
 * against 0.47 s with one, 100 MB 1.08 against 0.88 s, 180 MB 1.43 against 1.41 s, 282 MB 1.76
 * against 2.00 s; the gain grows with the size from there (x1.3-x1.5 at 2.8 GB over four bench runs).
 */
export const DEFAULT_PARALLEL_MIN_BYTES = 192 * 2 ** 20;

/** Whether parallel ingest is allowed here at all (more than one CPU, not turned off by env). */
export function parallelIngestAvailable(): boolean {
  return process.env.NETATLAS_INGEST_THREADS !== '1' && availableParallelism() > 1;
}

/**
 * The blocks of `file`, in order. A block is valid until the next one is asked for. The worker
 * stops when the loop ends, early or not; if it fails, this thread reads the rest itself.
 */
export async function* fileBlocks(file: string, opts: ParallelOptions = {}): AsyncGenerator<FileBlock> {
  const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
  const fd = openSync(file, 'r');
  const blocks = Math.ceil(fstatSync(fd).size / blockSize);
  const words = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker | undefined;
  let workerGone = false;
  let stopped = false;
  // The worker starts while this thread reads the first blocks itself.
  const script = opts.workerScript !== undefined ? Promise.resolve(opts.workerScript) : bundledWorker(new URL('./classify-worker.ts', import.meta.url), 'classify-worker');
  const starting = script
    .catch(() => new URL('./classify-worker.mjs', import.meta.url)) // no esbuild: compile it in the worker through tsx
    .then((script) => {
      if (stopped) return;
      const workerData: ClassifyWorkerData = { file, blockSize, blocks, control: words.buffer as SharedArrayBuffer, ahead: AHEAD, port: port2 };
      worker = new Worker(script, { workerData, transferList: [port2] });
      worker.on('error', () => (workerGone = true));
      worker.on('exit', () => (workerGone = true));
    })
    .catch(() => (workerGone = true));
  // This thread's own first looks use caches of their own.
  const classifyState = createFlowParseState({ format: 'hubble', file });
  const classified = new Map<number, ClassifiedBlock>();
  /** Blocks classified here, and so their arrays, stay here; the worker's go back to it. */
  const classifiedHere = new Set<number>();
  const spare: BlockArrays[] = [];
  /** Takes the blocks the worker has posted. */
  const receive = (): void => {
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) {
      const message = m.message as WorkerMessage;
      // A read error: this thread reads the rest (and reports the error, if it meets it too).
      if (message.type === 'error') workerGone = true;
      else classified.set(message.index, message);
    }
  };
  let own: Buffer = Buffer.allocUnsafeSlow(blockSize + (1 << 16));
  try {
    if (opts.waitForWorker) {
      await starting;
      while (!workerGone && Atomics.load(words, DELIVERED) === 0) {
        const wait = Atomics.waitAsync(words, DELIVERED, 0, 50);
        if (wait.async) await wait.value;
      }
    }
    for (let index = 0; index < blocks; index++) {
      let block: ClassifiedBlock | undefined;
      for (;;) {
        const delivered = Atomics.load(words, DELIVERED);
        receive();
        block = classified.get(index);
        if (block !== undefined) {
          classified.delete(index);
          break;
        }
        // Nobody has claimed it yet (the worker is behind, or still starting): read it here whole.
        if (workerGone || Atomics.compareExchange(words, CLAIMED, index, index + 1) === index) break;
        // The worker has it in hand: classify a later block meanwhile, rather than wait.
        const later = Atomics.load(words, CLAIMED);
        if (later < blocks && later < index + AHEAD && Atomics.compareExchange(words, CLAIMED, later, later + 1) === later) {
          classified.set(later, classifyBlock(fd, later, blockSize, later === blocks - 1, classifyState, spare.pop()));
          classifiedHere.add(later);
          continue;
        }
        // Nothing to do but wait for the worker (its failure is noticed within 50 ms).
        const wait = Atomics.waitAsync(words, DELIVERED, delivered, 50);
        if (wait.async) await wait.value;
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (block !== undefined) {
        yield { buffer: Buffer.from(block.buffer), start: block.start, end: block.end, classified: block };
        const arrays: BlockArrays = { buffer: block.buffer, meta: block.meta, times: block.times };
        if (classifiedHere.delete(index) || workerGone) spare.push(arrays);
        else port1.postMessage(arrays, [arrays.buffer, arrays.meta.buffer as ArrayBuffer, arrays.times.buffer as ArrayBuffer]);
      } else {
        const read = readBlock(fd, index, blockSize, index === blocks - 1, own);
        own = read.buffer;
        yield read;
      }
      Atomics.store(words, COMMITTED, index + 1);
      Atomics.notify(words, COMMITTED);
      // Let the event loop run once a block (~1 MB): timers, I/O, a server's requests, and the
      // worker's start (its bundling answers through it).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    stopped = true;
    await starting;
    port1.close();
    if (worker !== undefined) {
      worker.removeAllListeners();
      await worker.terminate();
    }
    closeSync(fd);
  }
}
