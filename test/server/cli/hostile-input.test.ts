/**
 * The same hostile flow file through graph, diff and generate: one exit code (2, bad input), no
 * stack trace, the bad line named with file:line and its reason, nothing of it in the output, and
 * no control character of it reaching the terminal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';

const DEMO = fileURLToPath(new URL('../../../samples/demo/', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The demo's first prod flow, and two copies with a hostile namespace and pod name. */
function hostileFile(): string {
  const good = readFileSync(path.join(DEMO, 'prod', 'flows.jsonl'), 'utf8').split('\n')[0];
  const flow = JSON.parse(good);
  const slash = structuredClone(flow);
  slash.flow.destination.namespace = 'boutique/evil';
  slash.flow.l4.TCP.source_port += 1;
  const escape = structuredClone(flow);
  escape.flow.destination.pod_name = 'pwn\u001b]0;owned\u0007\u001b[2J';
  escape.flow.l4.TCP.source_port += 2;
  const file = path.join(dir, 'hostile.jsonl');
  writeFileSync(file, [good, JSON.stringify(slash), JSON.stringify(escape)].join('\n') + '\n');
  return file;
}

describe('a flow file with hostile names', () => {
  const file = hostileFile();

  it.each([
    ['graph', ['graph', '--inventory', path.join(DEMO, 'prod'), '--flows', file]],
    ['diff', ['diff', '--inventory', path.join(DEMO, 'prod'), '--flows', file]],
    ['generate', ['generate', '--inventory', path.join(DEMO, 'prod'), '--flows', file, '-o', '-']],
  ])('ends %s with exit code 2, naming both lines and printing no control character', async (_name, argv) => {
    const r = await runCli(...argv);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/unexpected error|at .*\.ts:\d+/);
    expect(r.stderr).toContain(`${file}:2: destination namespace "boutique/evil" is not a DNS-1123 label`);
    expect(r.stderr).toContain(`${file}:3: destination pod name "pwn\\u001b]0;owned\\u0007\\u001b[2J"`);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).not.toContain('evil');
  });
});
