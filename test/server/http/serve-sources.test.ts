/**
 * `serve` runs every source under one SourceManager: a source that fails is shown in error,
 * named, and the others keep ingesting. Observed through the HTTP API only.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../eventually.ts';
import type { ClustersResponse, SourceStatus } from '../../../server/http/api-types.ts';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One generic flow line from `source` to prod/shop/db-0. */
const flowLine = (source: string, port: number): string =>
  `${JSON.stringify({ source, destination: 'prod/shop/db-0', protocol: 'TCP', port, verdict: 'FORWARDED', time: new Date().toISOString() })}\n`;

describe('serve with one broken source among working ones', () => {
  it('keeps following a file while a relay whose TLS CA cannot be read is in error, naming the source and the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-sources-'));
    dirs.push(dir);
    const file = path.join(dir, 'events.log');
    writeFileSync(file, flowLine('prod/shop/web-0', 5432));
    const r = await startServer({
      port: 0, db: ':memory:', rateLimit: false, log: () => undefined, demo: false, cluster: 'prod', flushIntervalMs: 20,
      flowsFollow: [file], hubbleRelay: ['127.0.0.1:1'], hubbleTls: { enabled: true, ca: path.join(dir, 'missing-ca.pem') },
    });
    running.push(r);
    const sources = async (): Promise<readonly SourceStatus[]> => ((await request(r.server).get('/api/v1/clusters').expect(200)).body as ClustersResponse).sources;
    const byKind = (list: readonly SourceStatus[], kind: string): SourceStatus | undefined => list.find((s) => s.kind === kind);

    await eventually(async () => (byKind(await sources(), 'flows-follow')?.records ?? 0) === 1);
    appendFileSync(file, flowLine('prod/shop/api-0', 5432));
    await eventually(async () => (byKind(await sources(), 'flows-follow')?.records ?? 0) === 2);

    const list = await sources();
    const relay = byKind(list, 'hubble-relay')!;
    expect(relay).toMatchObject({ id: 'hubble-relay:127.0.0.1:1', state: 'error' });
    expect(relay.reason).toMatch(/^netatlas\/sources: hubble-relay 127\.0\.0\.1:1: cannot read --hubble-tls-ca missing-ca\.pem: ENOENT/);
    expect(relay.lastErrors[0]).toMatch(/^hubble-relay:127\.0\.0\.1:1: netatlas\/sources: .*--hubble-tls-ca/);
    expect(byKind(list, 'flows-follow')).toMatchObject({ state: 'connected', errors: 0 });
    // The same status model the manager keeps.
    expect(r.sources.status('hubble-relay:127.0.0.1:1').state).toBe('error');
  });

  it('reads a flow file given twice once, and says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-sources-'));
    dirs.push(dir);
    const file = path.join(dir, 'flows.jsonl');
    writeFileSync(file, flowLine('prod/shop/web-0', 5432) + flowLine('prod/shop/api-0', 5432));
    const lines: string[] = [];
    const r = await startServer({ port: 0, db: ':memory:', rateLimit: false, log: (l) => lines.push(l), demo: false, cluster: 'prod', flows: [file, file] });
    running.push(r);
    await r.loaded;
    expect(r.sources.status().map((s) => [s.id, s.state, s.records])).toEqual([[`flows-file:${file}`, 'done', 2]]);
    expect(lines).toContain(`netatlas: note: flows-file:${file} is given more than once: read once`);
  });
});
