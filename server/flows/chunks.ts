/**
 * The bytes of a flow input as chunks: a file read into two reused buffers, or any stream, gunzipped
 * when it starts with the gzip magic number (whatever its name). read.ts splits them into lines.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * The bytes of a file as chunks read into two reused buffers: while the caller reads one chunk,
 * the next is read into the other. A chunk is valid until the one after it is asked for (the line
 * splitter copies the one unfinished line it keeps; nothing else holds on to a chunk). A fresh
 * buffer per chunk costs page faults, and a chunk bigger than the CPU's cache is read from memory
 * twice: once when copied in, once when its lines are read.
 */
export async function* fileChunks(file: string, size: number): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  let next = 0;
  let reading: Promise<{ bytesRead: number }> | undefined = handle.read(buffers[next], 0, size, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      reading = undefined;
      if (bytesRead === 0) return;
      const chunk = buffers[next].subarray(0, bytesRead);
      next ^= 1;
      reading = handle.read(buffers[next], 0, size, null);
      yield chunk;
    }
  } finally {
    await reading?.catch(() => undefined);
    await handle.close();
  }
}

/** Whether `head` (a file's first bytes) starts with the gzip magic number. */
function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Passes chunks through, gunzipping when the first bytes are the gzip magic number. */
export async function* decompressed(source: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = toBuffer(first.value);
  onBytes(head.length);
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const b = toBuffer(next.value);
      onBytes(b.length);
      yield b;
    }
  };
  if (isGzip(head)) {
    // zlib may hold on to input chunks while it works: give it copies (a file's chunks share one buffer).
    const copies = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of rest()) yield Buffer.from(chunk);
    };
    const gunzip = Readable.from(copies()).pipe(createGunzip({ chunkSize: 1 << 18 }));
    for await (const chunk of gunzip) yield chunk as Buffer;
  } else {
    yield* rest();
  }
}

function toBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
}
