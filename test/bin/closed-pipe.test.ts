/**
 * `netatlas graph -o json | head`: a reader that closes the pipe early ends the command quietly,
 * with its exit code so far, not with an unhandled EPIPE.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('a closed stdout', () => {
  it('ends `graph -o json` quietly, exit code 0, when the reader is gone before it writes', () => {
    const cli = `"${process.execPath}" bin/netatlas.mjs graph --inventory samples/demo --flows samples/demo -o json`;
    // `true` exits at once without reading: the CLI's first write meets a closed pipe
    const run = spawnSync('bash', ['-c', `${cli} | true; exit \${PIPESTATUS[0]}`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(run.status).toBe(0);
  });
});
