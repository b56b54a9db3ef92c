/**
 * End-to-end harness: the built web app served by the real server (createApp) on the demo,
 * driven by playwright-core in headless Chromium with software WebGL (see chromium.ts for which one).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export { CHROMIUM_ARGS, launchChromium, resolveChromium } from './chromium.ts';

/** `vite build` into web/dist (the server serves that folder). */
export function buildWeb(): void {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`netatlas e2e: vite build failed:\n${run.stdout}\n${run.stderr}`);
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The real server (`netatlas serve`'s startServer) on the demo, on an ephemeral port of 127.0.0.1, in-memory store. */
export async function startDemoServer(): Promise<RunningServer> {
  const { startServer } = await import('../../server/http/serve.ts');
  const providers = await loadProviders();
  const running = await startServer({
    port: 0, host: '127.0.0.1', db: ':memory:', rateLimit: false, webRoot: path.join(ROOT, 'web/dist'),
    log: () => undefined, ...(providers ? { providers } : {}),
  });
  await running.loaded;
  return { url: running.url.replace(/\/$/, ''), close: () => running.close() };
}

/**
 * The analysis providers `netatlas serve` wires (policy engine, diff, generator), as far as
 * they exist in this tree: a module exporting a ready set wins; else what is available.
 */
async function loadProviders(): Promise<object | undefined> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const c of ['../../server/http/default-providers.ts', '../../server/providers.ts', '../../server/analysis.ts']) {
    if (!existsSync(path.join(here, c))) continue;
    const mod = (await import(c)) as Record<string, unknown>;
    const factory = Object.entries(mod).find(([k, v]) => typeof v === 'function' && /providers/i.test(k))?.[1] as (() => object) | undefined;
    if (factory) return factory();
  }
  const providers: Record<string, unknown> = {};
  if (existsSync(path.join(here, '../../server/synthesis.ts'))) {
    const mod = (await import('../../server/synthesis.ts')) as Record<string, unknown>;
    if (typeof mod.generateProvider === 'function') providers.generate = mod.generateProvider;
  }
  return Object.keys(providers).length ? providers : undefined;
}
