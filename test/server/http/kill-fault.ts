/**
 * The kill -9 fault tests' harness: `netatlas serve` as a real child process on an SQLite store,
 * the position it stored for a source (read beside it, read-only), a bounded wait, and SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];

/** `netatlas serve --port 0 --no-demo --cluster prod --db DB ...sources` (killed by `killAll`). */
export function serveChild(db: string, sources: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/netatlas.mjs'), 'serve', '--port', '0', '--no-demo', '--cluster', 'prod', '--db', db, ...sources], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

export function killAll(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL');
}

export async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

/** The position stored for source `id`, undefined while there is none (or no store yet). */
export function storedPosition(db: string, id: string): Record<string, unknown> | undefined {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const raw = conn.prepare('SELECT position FROM offsets WHERE source = ?').pluck().get(id) as string | undefined;
      return raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } finally {
      conn.close();
    }
  } catch {
    return undefined;
  }
}

/** Re-checks every 5 ms for at most 12 s, then fails naming `what`. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}
