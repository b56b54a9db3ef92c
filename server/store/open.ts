/**
 * openStore: a store from what the user typed. `postgres://...` is the shared PostgreSQL store;
 * anything else is an SQLite file (or `:memory:`).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FlowStore } from './flow-store.ts';
import type { Store } from './store.ts';
import { isPostgresUrl } from './store.ts';

export interface OpenStoreSpecOptions {
  readonly retainMs?: number;
  /** How long connection rows (and PostgreSQL's minute buckets) are kept (default 24 h). */
  readonly retainMinutesMs?: number;
  /** Connection rows kept per edge and minute (connections.ts). Default 50. */
  readonly connectionsPerEdgeMinute?: number;
  readonly now?: () => number;
}

export async function openStore(spec: string, options: OpenStoreSpecOptions = {}): Promise<Store> {
  if (isPostgresUrl(spec)) {
    const { PostgresStore } = await import('./postgres.ts');
    return PostgresStore.open(spec, options);
  }
  if (spec !== ':memory:') mkdirSync(path.dirname(path.resolve(spec)), { recursive: true });
  return FlowStore.open(spec, options);
}
