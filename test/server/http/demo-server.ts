/** The real server (`startServer`) on the demo with an in-memory store, once per test file. */
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer } from '../../../server/http/serve.ts';

/** Starts it before the file's tests and closes it after them; call the result inside a test. */
export function useDemoServer(): () => RunningServer {
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer({ port: 0, db: ':memory:', rateLimit: false, log: () => undefined });
    await running.loaded;
    running.state.flush();
  }, 60_000);
  afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error('netatlas test: the demo server has not started');
    return running;
  };
}
