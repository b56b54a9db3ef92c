import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCollectorTokens } from '../../../server/cli/serve.ts';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('serve --collector-token / --collector-tokens-file', () => {
  it('reads NAME=TOKEN pairs from flags and a file, skipping blank and # lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netatlas-tokens-'));
    dirs.push(dir);
    const file = join(dir, 'tokens');
    writeFileSync(file, '# collectors\nwest=west-token-0123456789\n\n');
    expect(parseCollectorTokens(['east=east-token-0123456789'], file)).toEqual(new Map([['east', 'east-token-0123456789'], ['west', 'west-token-0123456789']]));
  });

  it.each([
    ['a token shorter than 16 characters', ['east=short'], /--collector-token #1: expected NAME=TOKEN/],
    ['no name', ['=east-token-0123456789'], /--collector-token #1: expected NAME=TOKEN/],
  ])('refuses %s, naming the flag', (_what, pairs, message) => {
    expect(() => parseCollectorTokens(pairs)).toThrow(message);
  });

  it('names the file and line of a bad entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netatlas-tokens-'));
    dirs.push(dir);
    const file = join(dir, 'tokens');
    writeFileSync(file, 'east=east-token-0123456789\nwest\n');
    expect(() => parseCollectorTokens([], file)).toThrow(`netatlas/serve: ${file}:2: expected NAME=TOKEN`);
  });
});

describe('netatlas collect', () => {
  it('has --help', async () => {
    const r = await runCli('collect', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--spool <dir>/);
  });

  it.each([
    ['no --server', ['--name', 'east', '--token', 'east-token-0123456789', '--spool', '/tmp/x'], /--server: give the central server URL/],
    ['a server that is not a URL', ['--name', 'east', '--token', 'east-token-0123456789', '--spool', '/tmp/x', '--server', 'central:8080'], /--server central:8080: expected an http:\/\/ or https:\/\/ URL/],
    ['no token', ['--name', 'east', '--spool', '/tmp/x', '--server', 'http://127.0.0.1:1/'], /--token or --token-file/],
    ['a bad interval', ['--name', 'east', '--token', 'east-token-0123456789', '--spool', '/tmp/x', '--server', 'http://127.0.0.1:1/', '--interval', 'soon'], /--interval soon: expected a duration/],
  ])('exits 2 with %s', async (_what, args, message) => {
    const r = await runCli('collect', ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('netatlas serve --store', () => {
  it('exits 2 naming the flag when the value is not a postgres:// URL', async () => {
    const r = await runCli('serve', '--port', '0', '--no-demo', '--store', '/tmp/file.db');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--store "\/tmp\/file.db" is not a postgres:\/\/ URL: use --db for an SQLite file/);
  });
});
