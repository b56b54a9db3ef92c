import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledWorker } from '../../../server/flows/worker-bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'netatlas-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundledWorker', () => {
  it('bundles a worker and its imports into one runnable module, reuses it, and rebuilds it when a source changes', async () => {
    writeFileSync(join(dir, 'answer.ts'), 'export const answer: number = 41;\n');
    writeFileSync(join(dir, 'entry.ts'), "import { parentPort } from 'node:worker_threads';\nimport { answer } from './answer.ts';\nparentPort!.postMessage(answer + 1);\n");
    const entry = pathToFileURL(join(dir, 'entry.ts'));
    const name = `test-${process.pid}`;
    const first = await bundledWorker(entry, name);
    expect(readFileSync(fileURLToPath(first), 'utf8')).toContain('41');
    expect(await bundledWorker(entry, name)).toEqual(first);
    const run = (url: URL) => new Promise<unknown>((resolve, reject) => {
      const w = new Worker(url);
      w.once('message', (m) => { void w.terminate(); resolve(m); });
      w.once('error', reject);
    });
    expect(await run(first)).toBe(42);
    writeFileSync(join(dir, 'answer.ts'), 'export const answer: number = 99;\n');
    const second = await bundledWorker(entry, name);
    expect(second).not.toEqual(first);
    expect(existsSync(fileURLToPath(first))).toBe(false);
    expect(await run(second)).toBe(100);
    // (the cache's files of this test: its bundle and its manifest)
    const cache = join(fileURLToPath(second), '..');
    for (const f of readdirSync(cache)) if (f.startsWith(name)) rmSync(join(cache, f), { force: true });
  });
});
