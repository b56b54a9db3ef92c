/**
 * The first look at every line of a block (parallel ingest): run by the worker thread
 * (classify-worker.ts), and by the reading thread when it would otherwise wait (parallel.ts).
 */
import { classified, classifyCompactLine, LINE_REPLY, LINE_REQUEST, readsInPlace } from './hubble.ts';
import { FIRST_PASS_FIELDS, snapshotFirstPass } from './hubble-compact.ts';
import { KIND_FULL, META_FIELDS, META_FIRST_PASS, readBlock, type ClassifiedBlock } from './parallel-protocol.ts';
import type { FlowParseState } from './state.ts';

if (META_FIELDS < META_FIRST_PASS + FIRST_PASS_FIELDS) throw new Error('parallel-protocol.ts: META_FIELDS is too small for the first pass');

/** The arrays of a block taken, for the next one. */
export interface BlockArrays {
  readonly buffer: ArrayBuffer;
  readonly meta: Int32Array;
  readonly times: Float64Array;
}

/**
 * Reads block `index` into a buffer of its own (`reuse`'s, when given) and classifies its lines.
 * `state` holds the first pass's caches only.
 */
export function classifyBlock(fd: number, index: number, blockSize: number, last: boolean, state: FlowParseState, reuse?: BlockArrays): ClassifiedBlock {
  const into = reuse !== undefined && reuse.buffer.byteLength >= blockSize ? Buffer.from(reuse.buffer) : Buffer.allocUnsafeSlow(blockSize + (1 << 16));
  const { buffer, start, end } = readBlock(fd, index, blockSize, last, into);
  let meta = reuse?.meta ?? new Int32Array(1024 * META_FIELDS);
  let times = reuse?.times ?? new Float64Array(1024);
  let lines = 0;
  for (let at = start; at < end; lines++) {
    if (lines === times.length) {
      const m2 = new Int32Array(meta.length * 2);
      m2.set(meta);
      meta = m2;
      const t2 = new Float64Array(times.length * 2);
      t2.set(times);
      times = t2;
    }
    let nl = buffer.indexOf(10, at);
    if (nl < 0 || nl >= end) nl = end;
    classifyLine(buffer, at, nl, meta, lines * META_FIELDS, times, lines, state);
    at = nl + 1;
  }
  return { type: 'block', index, buffer: buffer.buffer as ArrayBuffer, start, end, lines, meta, times };
}

function classifyLine(b: Buffer, start: number, end: number, meta: Int32Array, m: number, times: Float64Array, k: number, state: FlowParseState): void {
  meta[m] = start;
  meta[m + 1] = end;
  meta[m + 2] = KIND_FULL;
  // What parseFlowBytes would read as text (blank, padded, comments) stays for the reading thread.
  if (!readsInPlace(b, start, end)) return;
  const kind = classifyCompactLine(b, start, end, state);
  if (kind === LINE_REPLY) meta[m + 2] = LINE_REPLY;
  // A request whose first pass is of the usual shape goes on from it in the reading thread; any
  // other one (rare) is read there whole.
  else if (kind === LINE_REQUEST && snapshotFirstPass(meta, m + META_FIRST_PASS)) {
    const key = classified.key!;
    meta[m + 2] = LINE_REQUEST;
    meta[m + 3] = key.hi();
    meta[m + 4] = key.lo();
    times[k] = classified.time;
  }
}
