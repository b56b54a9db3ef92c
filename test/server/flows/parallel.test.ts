/**
 * The parallel reader (server/flows/parallel.ts) against the one-thread reader: the same records,
 * counters, line numbers and error messages, on the real captures and the demo with every kind of
 * awkward line mixed in, for block sizes that cut lines everywhere. And how a file is cut into
 * blocks (every line in exactly one block), the worker's failure, and an early stop.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFlows, readFlows, type ReadFlowsOptions } from '../../../server/flows/index.ts';
import { fileBlocks } from '../../../server/flows/parallel.ts';
import { readBlock } from '../../../server/flows/parallel-protocol.ts';
import { sharedData, TEST_NOW } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'netatlas-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const demoDir = fileURLToPath(new URL('../../../samples/demo/', import.meta.url));

/** Every Hubble line of the shared captures and of the demo. */
function corpusLines(): string[] {
  const lines: string[] = [];
  const hubbleDir = sharedData('hubble');
  for (const name of readdirSync(hubbleDir).sort()) lines.push(...readFileSync(join(hubbleDir, name), 'utf8').split('\n'));
  for (const cluster of readdirSync(demoDir).sort()) lines.push(...readFileSync(join(demoDir, cluster, 'flows.jsonl'), 'utf8').split('\n'));
  return lines.filter((l) => l.trim().startsWith('{"flow"'));
}

const NOW = { now: () => TEST_NOW };
// (the worker first: without it, a small file may be read whole here before the worker is up)
const parallel = (blockSize: number): ReadFlowsOptions => ({ ...NOW, parallel: { minBytes: 0, blockSize, waitForWorker: true } });

async function bothWays(file: string, blockSizes: number[]): Promise<void> {
  const one = await collectFlows(file, { ...NOW, parallel: false });
  for (const blockSize of blockSizes) {
    const two = await collectFlows(file, parallel(blockSize));
    expect(two.stats, `block size ${blockSize}`).toEqual(one.stats);
    expect(two.records, `block size ${blockSize}`).toEqual(one.records);
  }
}

describe('parallel reader', () => {
  it('gives the records, counters and line numbers of the one-thread reader on the real captures and the demo', async () => {
    const lines = corpusLines();
    expect(lines.length).toBeGreaterThan(3000);
    // Twice over: the second copy repeats every connection of the first (duplicates, supersedes).
    const file = join(tmp, 'corpus.jsonl');
    writeFileSync(file, [...lines, ...lines].join('\n') + '\n');
    const { stats } = await collectFlows(file, { ...NOW, parallel: false });
    expect(stats.records).toBeGreaterThan(500);
    expect(stats.duplicates).toBeGreaterThan(500);
    expect(stats.replies).toBeGreaterThan(500);
    await bothWays(file, [4096, 65_536, 1 << 20]);
  });

  it('reads awkward lines the same way: blank, padded, CRLF, comments, cut, broken, non-ASCII, longer than a block, no final newline', async () => {
    const lines = corpusLines().slice(0, 1500);
    const long = lines[7].replace('"flow":{', `"flow":{"note":"${'x'.repeat(20_000)}",`);
    const awkward = [
      '',
      `  ${lines[1]}`,
      `${lines[2]}\r`,
      '# a comment',
      lines[3].slice(0, 200),
      '{"flow":{"time":"2024-01-01T00:00:00Z","IP":',
      'not json at all',
      lines[4].replace('"namespace":"', '"namespace":"caf\u00e9-\u96ea-'),
      long,
      long,
    ];
    const mixed: string[] = [];
    lines.forEach((l, i) => {
      mixed.push(l);
      if (i % 97 === 0) mixed.push(awkward[(i / 97) % awkward.length]);
    });
    const file = join(tmp, 'awkward.jsonl');
    writeFileSync(file, mixed.join('\n')); // no final newline
    const { stats } = await collectFlows(file, { ...NOW, parallel: false });
    expect(stats.malformed).toBeGreaterThan(2);
    expect(stats.skipped).toBeGreaterThan(0);
    await bothWays(file, [1024, 4096, 16_384]);
  });

  it('reads requests whose verdict is spelled another way the same: numbers as strings, VERDICT_UNKNOWN, unknown words, a stronger verdict later', async () => {
    const requests = corpusLines().filter((l) => l.includes('"verdict":"FORWARDED"') && l.includes('"is_reply":false'));
    expect(requests.length).toBeGreaterThan(100);
    const spellings = ['"2"', '"VERDICT_UNKNOWN"', '"SOMETHING_NEW"', '"DROPPED"', '"AUDIT"', '"1"'];
    const lines: string[] = [];
    for (let round = 0; round < 3; round++) {
      requests.slice(0, 400).forEach((l, i) => lines.push(l.replace('"verdict":"FORWARDED"', `"verdict":${spellings[(i + round) % spellings.length]}`)));
    }
    const file = join(tmp, 'verdicts.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const { stats, records } = await collectFlows(file, { ...NOW, parallel: false });
    expect(records.some((r) => r.verdict === 'UNKNOWN')).toBe(true);
    expect(records.some((r) => r.verdict === 'DROPPED')).toBe(true);
    expect(stats.duplicates).toBeGreaterThan(0);
    await bothWays(file, [4096, 65_536]);
  });

  it('detects the format from the first lines, and leaves other formats to the one-thread path', async () => {
    const generic = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ src: `ns/p${i % 13}`, dst: `10.0.0.${i % 200}`, proto: 'TCP', port: 80 + (i % 5), verdict: 'FORWARDED', time: 1_700_000_000 + i }));
    const file = join(tmp, 'generic.jsonl');
    writeFileSync(file, ['# written by a script', '', ...generic].join('\n') + '\n');
    await bothWays(file, [2048]);
    const unknown = join(tmp, 'unknown.txt');
    writeFileSync(unknown, Array.from({ length: 2000 }, (_, i) => `line ${i} of something else`).join('\n'));
    await expect(collectFlows(unknown, parallel(1024))).rejects.toThrow(/unknown flow format/);
  });

  it('stops its worker when the reader stops early', async () => {
    const file = join(tmp, 'corpus.jsonl');
    const reader = readFlows(file, parallel(4096));
    let batches = 0;
    for await (const batch of reader.batches()) {
      expect(batch.length).toBeGreaterThan(0);
      if (++batches === 3) break;
    }
    expect(reader.stats.lines).toBeGreaterThan(0);
    expect(reader.stats.lines).toBeLessThan(1000);
  });

  it('has the worker classify blocks (so the tests above test the committing of its findings)', async () => {
    let classified = 0;
    let blocks = 0;
    for await (const block of fileBlocks(join(tmp, 'corpus.jsonl'), { blockSize: 4096, waitForWorker: true })) {
      blocks++;
      if (block.classified) classified++;
      // as if the lines were committed (a block nobody has claimed yet is read here whole)
      for (const t = performance.now(); performance.now() - t < 0.2; );
    }
    expect(blocks).toBeGreaterThan(100);
    expect(classified).toBeGreaterThan(blocks / 4);
  });

  it('runs the worker without its bundle too (the tsx fallback)', async () => {
    let classified = 0;
    const script = new URL('../../../server/flows/classify-worker.mjs', import.meta.url);
    for await (const block of fileBlocks(join(tmp, 'corpus.jsonl'), { blockSize: 4096, waitForWorker: true, workerScript: script })) {
      if (block.classified) classified++;
      for (const t = performance.now(); performance.now() - t < 0.2; );
    }
    expect(classified).toBeGreaterThan(100);
  });

  it('reads every block itself when the worker fails', async () => {
    const file = join(tmp, 'corpus.jsonl');
    const broken = join(tmp, 'broken-worker.mjs');
    writeFileSync(broken, 'throw new Error("this worker fails at once")\n');
    const whole = readFileSync(file);
    const pieces: Buffer[] = [];
    let classified = 0;
    for await (const block of fileBlocks(file, { blockSize: 8192, workerScript: new URL(`file://${broken}`), waitForWorker: true })) {
      pieces.push(Buffer.from(block.buffer.subarray(block.start, block.end)));
      if (block.classified) classified++;
    }
    expect(Buffer.concat(pieces).equals(whole)).toBe(true);
    // (this thread may classify blocks ahead only while a worker holds the next one: never here)
    expect(classified).toBe(0);
  });
});

describe('readBlock', () => {
  it('puts every line of a file in exactly one block, whatever the block size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(40), fc.nat(300)), { maxLength: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 120 }),
        (lengths, finalNewline, blockSize) => {
          const lines = lengths.map((n, i) => String.fromCharCode(97 + (i % 26)).repeat(n));
          const text = lines.join('\n') + (finalNewline && lines.length ? '\n' : '');
          const file = join(tmp, 'blocks.txt');
          writeFileSync(file, text);
          const fd = openSync(file, 'r');
          try {
            const blocks = Math.ceil(text.length / blockSize);
            let joined = '';
            for (let k = 0; k < blocks; k++) {
              const { buffer, start, end } = readBlock(fd, k, blockSize, k === blocks - 1, Buffer.alloc(8));
              const piece = buffer.toString('latin1', start, end);
              // a block holds whole lines: it starts a line and ends after a newline (or at the end of the file)
              if (piece.length && joined.length + piece.length < text.length) expect(piece.endsWith('\n')).toBe(true);
              joined += piece;
            }
            expect(joined).toBe(text);
          } finally {
            closeSync(fd);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
