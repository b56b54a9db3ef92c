import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFlows, createFlowParseState, parseFlowLine, readFlows } from '../../../server/flows/index.ts';
import { InputError } from '../../../generator/model/errors.ts';
import { sharedData, TEST_NOW } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'netatlas-flows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const tenFlows = sharedData('hubble/hubble-otel-basic-sample-10-flows.json');

describe('readFlows', () => {
  it('reads gzip input, detected by its magic bytes', async () => {
    const file = join(tmp, 'flows.bin');
    writeFileSync(file, gzipSync(readFileSync(tenFlows)));
    const { records, stats } = await collectFlows(file);
    expect(records).toHaveLength(5);
    expect(stats).toMatchObject({ replies: 5, bytes: readFileSync(file).length });
  });

  it('reads stdin when the path is -', async () => {
    const stdin = Readable.from([readFileSync(tenFlows).subarray(0, 5000), readFileSync(tenFlows).subarray(5000)]);
    const { records, stats } = await collectFlows('-', { stdin });
    expect(records).toHaveLength(5);
    expect(records[0].origin).toEqual({ file: '-', line: 2 });
    expect(stats.lines).toBe(10);
  });

  it('reads a file of many chunks, with multi-byte characters cut at chunk edges, as the lines one by one', async () => {
    // Generic lines of varied length; pod names with multi-byte UTF-8 (é, 雪, 🐝) land on every
    // possible byte offset, so chunk edges fall inside lines and inside characters. Such names are
    // no DNS-1123 subdomains: those lines are rejected, and their messages quote the name as read.
    const names = ['caf\u00e9', '\u96ea', '\ud83d\udc1d', 'plain'];
    const lines = Array.from({ length: 6000 }, (_, i) => JSON.stringify({
      src: `ns${i % 7}/${JSON.parse(`"${names[i % 4]}"`)}-${'x'.repeat(i % 97)}0`, dst: `10.0.${i % 250}.${i % 200}`, proto: 'TCP', port: 1000 + (i % 50), verdict: 'FORWARDED', time: 1_700_000_000 + i,
    }));
    const file = join(tmp, 'pieces.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    expect(readFileSync(file).length).toBeGreaterThan(4 * 65536);
    const expectedErrors: string[] = [];
    const oneByOne = createFlowParseState({ file, now: () => TEST_NOW, onError: (m) => expectedErrors.push(m) });
    const expected: unknown[] = [];
    for (const line of lines) parseFlowLine(line, oneByOne, expected as never);
    expect(expected.length).toBe(1500);
    expect(expectedErrors).toHaveLength(4500);
    expect(expectedErrors[1]).toContain('"\u96ea-x0"');
    for (const chunkSize of [undefined, 100_003, 65_536]) {
      const errors: string[] = [];
      const { records, stats } = await collectFlows(file, { now: () => TEST_NOW, onError: (m) => errors.push(m), ...(chunkSize ? { chunkSize } : {}) });
      expect(stats.lines).toBe(6000);
      expect(errors).toEqual(expectedErrors);
      expect(records).toEqual(expected);
    }
  });

  it('splits lines across tiny chunks without losing or breaking any', async () => {
    const { records } = await collectFlows(tenFlows, { chunkSize: 61 });
    expect(records).toHaveLength(5);
  });

  it('reads a line that spans hundreds of chunks whole, and the lines around it', async () => {
    const lines = readFileSync(tenFlows, 'utf8').split('\n').filter(Boolean);
    const long = `{"flow":{"Summary":"${'x'.repeat(300_000)}"}}`;
    const file = join(tmp, 'long-line.jsonl');
    writeFileSync(file, [lines[0], long, ...lines.slice(1)].join('\n'));
    const { records, stats } = await collectFlows(file, { chunkSize: 1000 });
    const plain = await collectFlows(tenFlows);
    expect(records).toHaveLength(plain.records.length);
    expect(stats.lines).toBe(lines.length + 1);
    // the long line is one line: read whole, and reported (it names no endpoint) as line 2
    expect(stats.malformed).toBe(1);
    expect(stats.errors[0]).toMatch(/long-line\.jsonl:2: /);
  });

  it('counts malformed lines with file:line, keeps the first ten, and goes on', async () => {
    const good = readFileSync(tenFlows, 'utf8').split('\n').filter(Boolean);
    const file = join(tmp, 'broken.jsonl');
    const lines = [good[1], ...Array.from({ length: 12 }, (_, i) => `{"flow": broken ${i}`), good[2]];
    writeFileSync(file, lines.join('\n') + '\n');
    const messages: string[] = [];
    const { records, stats } = await collectFlows(file, { onError: (m) => messages.push(m) });
    expect(records).toHaveLength(2);
    expect(stats.malformed).toBe(12);
    expect(stats.errors).toHaveLength(10);
    expect(stats.errors[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:2: invalid JSON`));
    expect(messages).toHaveLength(12);
  });

  it('refuses a file of unknown format with an InputError naming the file and what was expected', async () => {
    const file = join(tmp, 'notes.txt');
    writeFileSync(file, 'hello\nworld\n');
    const error = await collectFlows(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/notes\.txt: unknown flow format \(first line: "hello"\): expected Hubble jsonpb/);
  });

  it('refuses a missing file with an InputError', async () => {
    await expect(collectFlows(join(tmp, 'nope.jsonl'))).rejects.toThrow(/nope\.jsonl: no such file/);
  });

  it('reads every flow file of a folder, sorted, with one de-dup cache across files', async () => {
    const dir = join(tmp, 'folder');
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(join(dir, 'a.jsonl'), readFileSync(tenFlows));
    writeFileSync(join(dir, 'b', 'again.json.gz'), gzipSync(readFileSync(tenFlows)));
    writeFileSync(join(dir, 'README.md'), '# not flows');
    const reader = readFlows(dir);
    const records = [];
    for await (const r of reader) records.push(r);
    expect(records).toHaveLength(5);
    expect(reader.stats).toMatchObject({ files: 2, duplicates: 5, lines: 20 });
  });

  it('reports progress after each chunk', async () => {
    const seen: number[] = [];
    await collectFlows(tenFlows, { chunkSize: 4096, onProgress: (p) => seen.push(p.stats.lines) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(10);
  });
});

describe('parseFlowLine', () => {
  it('detects the format from the first line and parses a batch synchronously', () => {
    const state = createFlowParseState({ file: 'follow.log' });
    const lines = readFileSync(tenFlows, 'utf8').split('\n');
    const out = lines.flatMap((l) => parseFlowLine(l, state));
    expect(state.format).toBe('hubble');
    expect(out).toHaveLength(5);
  });

  it('reports a line of no known format as malformed instead of throwing', () => {
    const state = createFlowParseState({ file: 'follow.log' });
    expect(parseFlowLine('garbage', state)).toEqual([]);
    expect(state.stats.errors[0]).toMatch(/^follow\.log:1: unknown flow format/);
  });
});
