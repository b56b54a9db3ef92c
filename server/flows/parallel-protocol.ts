/**
 * What the reading thread (parallel.ts) and the classifying worker (classify-worker.ts) share: how a
 * file is cut into blocks, the control words in shared memory, and the messages.
 *
 * Blocks: block k holds the lines that start in bytes [k * size, (k + 1) * size) of the file, so
 * either thread can find a block's lines on its own: block k starts after the first newline at or
 * after byte k * size - 1 (at 0 for block 0), and ends where block k + 1 starts (at the end of the
 * file for the last block). A line longer than a block leaves the blocks it covers empty.
 */
import { readSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';

export interface ClassifyWorkerData {
  readonly file: string;
  /** Bytes per block. */
  readonly blockSize: number;
  /** Blocks in the file (its size when the read began, divided by blockSize, rounded up). */
  readonly blocks: number;
  /** Control words (Int32Array over a SharedArrayBuffer): see CLAIMED, COMMITTED, DELIVERED. */
  readonly control: SharedArrayBuffer;
  /** Where the worker posts its blocks (the reading thread takes them with receiveMessageOnPort). */
  readonly port: MessagePort;
  /** How many blocks the worker may be ahead of the reading thread. */
  readonly ahead: number;
}

/** Control word: the next block nobody has claimed (Atomics.add to claim it). */
export const CLAIMED = 0;
/** Control word: blocks the reading thread has finished (the worker waits on it when far ahead). */
export const COMMITTED = 1;
/** Control word: blocks the worker has posted (the reading thread waits on it). */
export const DELIVERED = 2;
export const CONTROL_WORDS = 3;

/**
 * Int32s per line in a block's `meta`: start, end, kind, and for a LINE_REQUEST its key (hi, lo)
 * and its first pass (hubble-compact.ts snapshotFirstPass).
 */
export const META_FIELDS = 15;
/** Offset of the first pass in a line's `meta`. */
export const META_FIRST_PASS = 5;
/** A line the reading thread reads whole (parseFlowBytes). The other kinds are hubble.ts's LINE_REPLY and LINE_REQUEST. */
export const KIND_FULL = 0;

export type ClassifiedBlock = Extract<WorkerMessage, { type: 'block' }>;

export type WorkerMessage =
  | {
      readonly type: 'block';
      readonly index: number;
      /** The block's bytes; its lines fill [start, end). */
      readonly buffer: ArrayBuffer;
      readonly start: number;
      readonly end: number;
      readonly lines: number;
      readonly meta: Int32Array;
      /** For LINE_REQUEST lines: the flow's time (ms). */
      readonly times: Float64Array;
    }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };

/** The bytes of one block: its lines lie in buffer[start, end). */
export interface BlockBytes {
  buffer: Buffer;
  start: number;
  end: number;
}

/**
 * Reads block `index` of the file open as `fd` (see above) into `into` (grown when too small; the
 * result says which buffer holds it). `last`: the block ends at the end of the file.
 */
export function readBlock(fd: number, index: number, blockSize: number, last: boolean, into: Buffer): BlockBytes {
  // From the byte before the block (a newline there means a line starts at the block's first byte).
  const from = index === 0 ? 0 : index * blockSize - 1;
  let b = into;
  let filled = 0;
  let eof = false;
  const fill = (upTo: number): void => {
    while (!eof && filled < upTo) {
      if (filled === b.length) {
        const bigger = Buffer.allocUnsafe(b.length * 2);
        b.copy(bigger, 0, 0, filled);
        b = bigger;
      }
      const n = readSync(fd, b, filled, b.length - filled, from + filled);
      if (n === 0) eof = true;
      filled += n;
    }
  };
  /** The index after the first newline at or after `at`, reading on as needed; `filled` at the end of the file. */
  const afterNewline = (at: number): number => {
    for (let searched = at; ; ) {
      fill(searched + 1);
      const nl = searched < filled ? b.indexOf(10, searched) : -1;
      if (nl >= 0 && nl < filled) return nl + 1;
      if (eof) return filled;
      searched = filled;
      fill(filled + blockSize);
    }
  };
  fill(Math.min(b.length, blockSize + (1 << 16)));
  const start = index === 0 ? 0 : afterNewline(0);
  let end: number;
  if (last) {
    while (!eof) fill(filled + blockSize);
    end = filled;
  } else {
    end = Math.max(start, afterNewline(index === 0 ? blockSize - 1 : blockSize));
  }
  return { buffer: b, start, end };
}
