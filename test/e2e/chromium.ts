/**
 * Which Chromium the browser tests and the web bench drive, so that `npm ci && npm test` needs
 * nothing but Node and npm: `NETATLAS_CHROMIUM` when set, else the system's `/usr/bin/chromium`,
 * else the build that the npm package `@sparticuz/chromium` ships inside itself (no download at
 * install or run time). The packaged build is unpacked once per package version into
 * `node_modules/.cache/netatlas-chromium/<version>/` (beside its SwiftShader libraries, which it
 * loads from its own folder), through a staging folder renamed into place, so that test files
 * starting in parallel never run a half-written binary and a stale unpack of another version is
 * never picked up.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Software WebGL 2 (SwiftShader through ANGLE); no sandbox, since tests run as root in CI; and no
 * background traffic, which this closed network refuses many connections at a time.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

export interface ChromiumBinary {
  readonly executablePath: string;
  /** Where it came from, for messages: `NETATLAS_CHROMIUM`, `system` or `@sparticuz/chromium <version>`. */
  readonly source: string;
  /** Extra environment for the browser process (the packaged build's own fontconfig). */
  readonly env: Readonly<Record<string, string>>;
}

let resolved: Promise<ChromiumBinary> | undefined;

/** The Chromium to drive; resolved once per process. */
export function resolveChromium(): Promise<ChromiumBinary> {
  resolved ??= resolveOnce();
  return resolved;
}

async function resolveOnce(): Promise<ChromiumBinary> {
  const fromEnv = process.env.NETATLAS_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(`netatlas e2e: NETATLAS_CHROMIUM points at ${fromEnv}, which does not exist; unset it to use ${SYSTEM_CHROMIUM} or the packaged Chromium.`);
    }
    return { executablePath: fromEnv, source: 'NETATLAS_CHROMIUM', env: {} };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system', env: {} };
  return unpackPackagedChromium();
}

async function unpackPackagedChromium(): Promise<ChromiumBinary> {
  const require = createRequire(import.meta.url);
  let version: string;
  try {
    version = packageVersion(require.resolve('@sparticuz/chromium'));
  } catch (err) {
    throw new Error(
      `netatlas e2e: no Chromium: NETATLAS_CHROMIUM is unset, ${SYSTEM_CHROMIUM} does not exist, and the dev dependency ` +
      `@sparticuz/chromium is not installed (${(err as Error).message}). Run \`npm ci\`.`,
    );
  }
  const dir = path.join(ROOT, 'node_modules/.cache/netatlas-chromium', version);
  const binary = (): ChromiumBinary => ({
    executablePath: path.join(dir, 'chromium'),
    source: `@sparticuz/chromium ${version}`,
    // Without a system fontconfig the packaged fonts are used; their own fonts.conf names the
    // Lambda paths, so ours (written at unpack) names this folder.
    env: existsSync('/etc/fonts/fonts.conf') ? {} : { FONTCONFIG_FILE: path.join(dir, 'fonts', 'netatlas-fonts.conf') },
  });
  if (existsSync(path.join(dir, 'chromium'))) return binary();

  mkdirSync(path.dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.unpack-`);
  // The package unpacks into os.tmpdir(), which reads TMPDIR at each call.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    await packaged.executablePath();
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  writeFileSync(path.join(staging, 'fonts', 'netatlas-fonts.conf'), [
    '<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', '<fontconfig>',
    `  <dir>${path.join(dir, 'fonts', 'fonts')}</dir>`, `  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>`, '</fontconfig>', '',
  ].join('\n'));
  try {
    renameSync(staging, dir);
  } catch (err) {
    // Another test process won the race: its unpack is complete, since it was renamed whole.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(dir, 'chromium'))) throw err;
  }
  return binary();
}

/** The version in the package.json above an entry point (the package does not export its package.json). */
function packageVersion(entry: string): string {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@sparticuz/chromium' && pkg.version) return pkg.version;
  }
  throw new Error(`no package.json of @sparticuz/chromium above ${entry}`);
}

/** Headless Chromium with software WebGL 2. */
export async function launchChromium(): Promise<Browser> {
  const found = await resolveChromium();
  try {
    return await chromium.launch({
      executablePath: found.executablePath, headless: true, args: [...CHROMIUM_ARGS],
      env: { ...process.env, ...found.env } as Record<string, string>,
    });
  } catch (err) {
    throw new Error(`netatlas e2e: could not start Chromium (${found.source}, ${found.executablePath}): ${(err as Error).message}`);
  }
}
