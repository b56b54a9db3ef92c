/**
 * A pipe named with `serve --flows` (a FIFO, `<(zcat x.gz)`) waits for its writer; the regular
 * files named after it are read meanwhile, and the pipe's flows arrive when it is written.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';
import { eventually } from '../eventually.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-serve-pipe-'));
let running: RunningServer | undefined;
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

const flow = (source: string, port: number): string =>
  `${JSON.stringify({ source, destination: 'prod/shop/db-0', protocol: 'TCP', port, verdict: 'FORWARDED', time: new Date().toISOString() })}\n`;

describe('serve --flows with a pipe before a file', () => {
  it('reads the file while the pipe waits for its writer, then the pipe once written', async () => {
    const fifo = path.join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const file = path.join(dir, 'file.jsonl');
    writeFileSync(file, flow('prod/shop/web-0', 5432));

    running = await startServer({ port: 0, db: ':memory:', rateLimit: false, log: () => undefined, demo: false, flows: [fifo, file], cluster: 'prod' });
    const records = (id: string): number => running!.state.sourceStatuses().find((s) => s.id === id)?.records ?? 0;
    await eventually(() => records(`flows-file:${file}`) === 1);
    expect(records(`flows-file:${fifo}`)).toBe(0);
    // Not ready while a file source is still being read; the reason names it (without its folder).
    const waiting = await request(running.server).get('/api/v1/readyz').expect(503);
    expect(waiting.body.reasons).toContain('still loading: flows-file:pipe.jsonl');

    await writeFile(fifo, flow('prod/shop/api-0', 8080)); // opens the pipe for writing, writes, closes
    await eventually(() => records(`flows-file:${fifo}`) === 1);
    await running.loaded;
    await request(running.server).get('/api/v1/readyz').expect(200);
  }, 30_000);
});
