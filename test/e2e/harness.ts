/**
 * End-to-end harness: the built web app served by the real server (createApp) on the demo,
 * driven by playwright-core in headless Chromium with software WebGL (see chromium.ts for which one).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import type { AppState as ServerState } from '../../server/http/state.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where browser tests save screenshots: test/.screenshots (ignored by git), or docs/screenshots with NETATLAS_UPDATE_SCREENSHOTS=1. */
export const SHOTS = path.join(ROOT, process.env.NETATLAS_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test/.screenshots');

/** The path of a screenshot named `name` in SHOTS. */
export function shot(name: string): string {
  return path.join(SHOTS, name);
}
export { CHROMIUM_ARGS, launchChromium, resolveChromium } from './chromium.ts';

const BUILD_LOCK = path.join(ROOT, 'node_modules/.cache/netatlas-web-build.lock');
const BUILD_STAMP = path.join(ROOT, 'web/dist/.netatlas-build');

/**
 * `vite build` into web/dist (the server serves that folder), once per test run: test files run
 * in parallel processes of one vitest run, and a second build would empty web/dist under the
 * first file's server. A lock folder serializes them; a stamp naming the run (the parent process)
 * lets the later ones reuse the build.
 */
export function buildWeb(): void {
  const run = String(process.ppid);
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // A lock older than five minutes belongs to a build that died.
      try {
        if (Date.now() - statSync(BUILD_LOCK).mtimeMs > 300_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      } catch { /* released meanwhile */ }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (existsSync(BUILD_STAMP) && readFileSync(BUILD_STAMP, 'utf8') === run) return;
    const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`netatlas e2e: vite build failed:\n${build.stdout}\n${build.stderr}`);
    writeFileSync(BUILD_STAMP, run);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The demo server, with its state: a test appends flows to it (what a live source does) and flushes them to /events. */
export interface DemoServer extends RunningServer {
  readonly state: ServerState;
}

/** The real server (`netatlas serve`'s startServer) on the demo, on an ephemeral port of 127.0.0.1, in-memory store. */
export async function startDemoServer(): Promise<DemoServer> {
  const { startServer } = await import('../../server/http/serve.ts');
  const running = await startServer({
    port: 0, host: '127.0.0.1', db: ':memory:', rateLimit: false, webRoot: path.join(ROOT, 'web/dist'),
    log: () => undefined,
  });
  await running.loaded;
  return { url: running.url.replace(/\/$/, ''), state: running.state, close: () => running.close() };
}

export interface DemoSession {
  readonly server: DemoServer;
  readonly browser: Browser;
  /** 1400x880 at scale 1, the clipboard granted for the server's origin. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** The web app built, the demo served, Chromium launched with one context on it: what a browser test file starts with. */
export async function startDemoSession(): Promise<DemoSession> {
  mkdirSync(SHOTS, { recursive: true });
  buildWeb();
  const server = await startDemoServer();
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 880 }, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  return { server, browser, context, close: async () => { await browser.close(); await server.close(); } };
}
