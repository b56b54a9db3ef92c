/** One demo session per browser test file: started before its tests, closed after them. */
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { startDemoSession, type DemoSession } from './harness.ts';

/** The session of this file; read its members inside tests and hooks, once it has started. */
export function useDemoSession(): Pick<DemoSession, 'server' | 'browser' | 'context'> {
  let session: DemoSession | undefined;
  beforeAll(async () => {
    session = await startDemoSession();
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });
  const started = (): DemoSession => {
    if (!session) throw new Error('netatlas e2e: the demo session has not started (use it inside tests and hooks)');
    return session;
  };
  return {
    get server() { return started().server; },
    get browser() { return started().browser; },
    get context() { return started().context; },
  };
}

/** A new page of the session on the demo's map (with `query`), once its layout has settled. */
export async function openSettled(session: Pick<DemoSession, 'server' | 'context'>, query = ''): Promise<Page> {
  const page = await session.context.newPage();
  await page.goto(`${session.server.url}/${query}`);
  await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 60_000 });
  return page;
}
