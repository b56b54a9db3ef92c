/**
 * What a reader holds and what it opens: no line longer than the bound is held (files, gzip,
 * stdin), and a folder's FIFOs and other non-regular files are skipped with a note, never opened.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFlows, listFlowFiles, MAX_LINE_BYTES } from '../../../server/flows/read.ts';
import { ingest } from '../../../server/graph/ingest.ts';
import { sharedData, TEST_NOW } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TEN = readFileSync(sharedData('hubble/hubble-otel-basic-sample-10-flows.json'), 'utf8').split('\n').filter(Boolean);

/** Two real lines, a line of `length` bytes without a break in between, and the rest. */
function withLongLine(length: number): Buffer {
  return Buffer.concat([Buffer.from(`${TEN.slice(0, 2).join('\n')}\n`), Buffer.alloc(length, 0x61), Buffer.from(`\n${TEN.slice(2).join('\n')}\n`)]);
}

describe('line length bound', () => {
  it('is 16 MiB', () => {
    expect(MAX_LINE_BYTES).toBe(16 * 2 ** 20);
  });

  it.each([
    ['plain file, 4 KiB chunks', 4096, false],
    ['plain file, one chunk', 1 << 20, false],
    ['gzip file', 4096, true],
  ])('skips and reports a line over the bound in a %s, and reads the lines around it', async (_name, chunkSize, gzip) => {
    const file = path.join(dir, `long-${chunkSize}-${gzip}.jsonl${gzip ? '.gz' : ''}`);
    const bytes = withLongLine(50_000);
    writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
    const { records, stats } = await collectFlows(file, { maxLineBytes: 10_000, chunkSize, now: () => TEST_NOW });
    expect(stats).toMatchObject({ lines: 11, records: 5, malformed: 1 });
    expect(stats.errors).toEqual([`${file}:3: line longer than 10000 bytes; skipped. Flow lines are single JSON objects or CSV rows: check the file is one.`]);
    expect(records).toHaveLength(5);
  });

  it('skips an over-long last line without a newline from stdin', async () => {
    const stdin = Readable.from([Buffer.from(`${TEN.join('\n')}\n`), Buffer.alloc(30_000, 0x7b), Buffer.alloc(30_000, 0x7b)]);
    const { stats } = await collectFlows('-', { stdin, maxLineBytes: 10_000, now: () => TEST_NOW });
    expect(stats).toMatchObject({ lines: 11, records: 5, malformed: 1 });
    expect(stats.errors[0]).toMatch(/^-:11: line longer than 10000 bytes/);
  });

  it('reads a line exactly at the bound', async () => {
    const line = TEN[0];
    const file = path.join(dir, 'at-bound.jsonl');
    writeFileSync(file, `${line}\n`);
    const { stats } = await collectFlows(file, { maxLineBytes: Buffer.byteLength(line), chunkSize: 64, now: () => TEST_NOW });
    expect(stats).toMatchObject({ lines: 1, malformed: 0 });
  });

  it('holds no more than the bound of a 40 MiB line with the default bound', async () => {
    const file = path.join(dir, 'huge.jsonl');
    writeFileSync(file, withLongLine(40 * 2 ** 20));
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const { stats } = await collectFlows(file, { now: () => TEST_NOW, onProgress: () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)) });
    expect(stats).toMatchObject({ lines: 11, records: 5, malformed: 1 });
    expect(peak).toBeLessThan(MAX_LINE_BYTES + 4 * 2 ** 20);
  });
});

describe('non-regular files in a flows folder', () => {
  it('skips a FIFO (and a dangling link) with a note, and reads the rest without blocking', async () => {
    const folder = path.join(dir, 'with-fifo');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'a.jsonl'), `${TEN.join('\n')}\n`);
    execFileSync('mkfifo', [path.join(folder, 'b.jsonl')]);
    symlinkSync(path.join(folder, 'nowhere.jsonl'), path.join(folder, 'c.jsonl'));
    const skipped: string[] = [];
    expect(listFlowFiles(folder, (file, reason) => skipped.push(`${path.basename(file)}: ${reason}`))).toEqual([path.join(folder, 'a.jsonl')]);
    expect(skipped).toEqual([
      'b.jsonl: not a regular file (a FIFO, socket, device or dangling link); skipped',
      'c.jsonl: not a regular file (a FIFO, socket, device or dangling link); skipped',
    ]);
    const result = await ingest({ flowPaths: [folder] });
    expect(result.flows.records).toBe(5);
    expect(result.notes).toHaveLength(2);
    expect(result.notes[0]).toMatch(/b\.jsonl: not a regular file/);
  });

  it('reads a link to a regular file', () => {
    const folder = path.join(dir, 'with-link');
    mkdirSync(folder);
    writeFileSync(path.join(dir, 'target.jsonl'), `${TEN[0]}\n`);
    symlinkSync(path.join(dir, 'target.jsonl'), path.join(folder, 'link.jsonl'));
    expect(listFlowFiles(folder)).toEqual([path.join(folder, 'link.jsonl')]);
  });
});
