import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFollower, type FollowOptions } from '../../../server/flows/follow.ts';

let dir: string;
let file: string;
const followers: FileFollower[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netatlas-follow-'));
  file = join(dir, 'hubble-export.log');
});
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function follower(extra: Partial<FollowOptions> = {}) {
  const lines: { line: string; n: number }[] = [];
  const errors: string[] = [];
  const f = new FileFollower({ path: file, onLine: (line, n) => lines.push({ line, n }), onError: (m) => errors.push(m), ...extra });
  followers.push(f);
  return { f, lines, errors, texts: () => lines.map((l) => l.line) };
}

const HUBBLE_LINES = readFileSync(new URL('../../../../shared/data/hubble/hubble-otel-basic-sample-10-flows.json', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean);

describe('FileFollower', () => {
  it('hands on complete lines and holds a partial last line until its newline arrives', async () => {
    writeFileSync(file, `${HUBBLE_LINES[0]}\n${HUBBLE_LINES[1].slice(0, 100)}`);
    const { f, texts } = follower();
    expect(await f.poll()).toMatchObject({ lines: 1, rotated: false, truncated: false });
    expect(texts()).toEqual([HUBBLE_LINES[0]]);
    expect(f.offset).toBe(Buffer.byteLength(HUBBLE_LINES[0]) + 1);
    appendFileSync(file, `${HUBBLE_LINES[1].slice(100)}\n`);
    await f.poll();
    expect(texts()).toEqual(HUBBLE_LINES.slice(0, 2));
    expect(JSON.parse(texts()[1])).toHaveProperty('flow');
    expect(f.checkpoint()).toMatchObject({ offset: Buffer.byteLength(HUBBLE_LINES.slice(0, 2).join('\n')) + 1, line: 2 });
  });

  it('resumes after a restart from the saved offset, line number and inode without re-reading or losing lines', async () => {
    writeFileSync(file, HUBBLE_LINES.slice(0, 4).join('\n') + '\n');
    const first = follower();
    await first.f.poll();
    const saved = first.f.checkpoint();
    await first.f.stop();
    appendFileSync(file, HUBBLE_LINES.slice(4).join('\n') + '\n');
    const second = follower({ startOffset: saved.offset, startLine: saved.line, startIno: saved.ino });
    await second.f.poll();
    expect(second.texts()).toEqual(HUBBLE_LINES.slice(4));
    expect(second.lines[0].n).toBe(5);
  });

  it('reads a replaced file from its start when the saved inode no longer matches', async () => {
    writeFileSync(file, 'a\nb\n');
    const first = follower();
    await first.f.poll();
    const saved = first.f.checkpoint();
    await first.f.stop();
    unlinkSync(file);
    writeFileSync(join(dir, 'filler'), 'x'); // keeps the old inode number from being reused at once
    writeFileSync(file, 'c\nd\ne\n');
    const second = follower({ startOffset: saved.offset, startLine: saved.line, startIno: saved.ino });
    await second.f.poll();
    expect(second.texts()).toEqual(['c', 'd', 'e']);
    expect(second.f.status().reason).toMatch(/replaced since the saved position/);
  });

  it('follows a rename rotation: finishes the old file, then reads the new one from its start', async () => {
    writeFileSync(file, 'one\ntwo\n');
    const { f, texts, lines } = follower();
    await f.poll();
    appendFileSync(file, 'three\nfour-without-newline');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'five\n');
    const result = await f.poll();
    expect(result).toMatchObject({ rotated: true });
    expect(texts()).toEqual(['one', 'two', 'three', 'four-without-newline', 'five']);
    expect(lines.at(-1)?.n).toBe(1);
    expect(f.checkpoint()).toMatchObject({ offset: 5, line: 1 });
    expect(f.status()).toMatchObject({ state: 'connected', rotations: 1 });
  });

  it('waits for the new file when a rotation renamed the old one and the writer has not created it yet', async () => {
    writeFileSync(file, 'one\n');
    const { f, texts } = follower();
    await f.poll();
    renameSync(file, `${file}.1`);
    expect(await f.poll()).toMatchObject({ rotated: true });
    expect(f.status()).toMatchObject({ state: 'stale', reason: expect.stringMatching(/reappear after rotation/) });
    writeFileSync(file, 'two\n');
    await f.poll();
    expect(texts()).toEqual(['one', 'two']);
    expect(f.status().state).toBe('connected');
  });

  it('reads a truncated file again from its start', async () => {
    writeFileSync(file, 'one\ntwo\nthree\n');
    const { f, texts } = follower();
    await f.poll();
    truncateSync(file, 0);
    appendFileSync(file, 'four\n');
    expect(await f.poll()).toMatchObject({ truncated: true, lines: 1 });
    expect(texts()).toEqual(['one', 'two', 'three', 'four']);
    expect(f.status().truncations).toBe(1);
  });

  it('reports a missing file as stale and starts reading once it appears', async () => {
    const { f, texts } = follower();
    expect(await f.poll()).toMatchObject({ missing: true });
    expect(f.status()).toMatchObject({ state: 'stale', reason: `waiting for ${file} to appear` });
    writeFileSync(file, 'hello\n');
    await f.poll();
    expect(texts()).toEqual(['hello']);
  });

  it('skips a line longer than maxLineBytes, counts it, and goes on with the next line', async () => {
    writeFileSync(file, `short\n${'x'.repeat(300)}\nnext\n`);
    const { f, texts, errors } = follower({ maxLineBytes: 100, chunkBytes: 64 });
    await f.poll();
    expect(texts()).toEqual(['short', 'next']);
    expect(errors).toEqual([expect.stringMatching(/line 2 is longer than 100 bytes; skipped/)]);
    expect(f.offset).toBe(6 + 301 + 5);
    expect(f.checkpoint().line).toBe(3);
  });

  it('keeps multi-byte characters split across reads intact and strips CR before LF', async () => {
    const text = 'namespace=produção 🚀\r\nzweite Zeile ü\n';
    writeFileSync(file, text);
    const { f, texts } = follower({ chunkBytes: 5 });
    await f.poll();
    expect(texts()).toEqual(['namespace=produção 🚀', 'zweite Zeile ü']);
    expect(f.offset).toBe(Buffer.byteLength(text));
  });

  it('polls on the injected timer and stops cleanly', async () => {
    writeFileSync(file, 'a\n');
    const scheduled: { fn: () => void; ms: number }[] = [];
    const { f, texts } = follower();
    const firstPoll = f.poll(); // shared with the poll start() begins
    f.start(250, { setTimeout: (fn, ms) => scheduled.push({ fn, ms }), clearTimeout: () => {} });
    await firstPoll;
    await Promise.resolve();
    await Promise.resolve();
    expect(texts()).toEqual(['a']);
    expect(scheduled.map((s) => s.ms)).toEqual([250]);
    appendFileSync(file, 'b\n');
    scheduled[0].fn();
    await f.poll();
    expect(texts()).toEqual(['a', 'b']);
    await f.stop();
    expect(f.status().state).toBe('done');
  });

  it('reports a connected file with no new lines for staleAfterMs as stale', async () => {
    writeFileSync(file, 'a\n');
    let now = 0;
    const { f } = follower({ now: () => now, staleAfterMs: 1000 });
    await f.poll();
    now = 5000;
    await f.poll();
    expect(f.status()).toMatchObject({ state: 'stale', reason: `no new lines in ${file} for 5 s`, lastEventTime: 0 });
  });

  it('keeps going when the line consumer throws, counting the failure', async () => {
    writeFileSync(file, 'a\nb\n');
    const errors: string[] = [];
    const seen: string[] = [];
    const f = new FileFollower({
      path: file,
      onLine: (line) => {
        seen.push(line);
        if (line === 'a') throw new Error('bad');
      },
      onError: (m) => errors.push(m),
    });
    followers.push(f);
    await f.poll();
    expect(seen).toEqual(['a', 'b']);
    expect(errors).toEqual([`follow: ${file}: line 1: consumer failed: bad`]);
  });
});
