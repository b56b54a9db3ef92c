#!/usr/bin/env node
// The compiled CLI: server/cli/main.ts and everything it imports from this project, bundled by
// esbuild into dist/cli/<id>/ (node_modules packages stay outside, imported as they are). Loading
// the TypeScript sources through tsx's loader costs about 0.5 s of CPU per command (an esbuild
// transform and a loader-thread round trip for each of ~190 modules); the bundle loads as plain
// JavaScript. bin/netatlas.mjs runs the bundle only when it was built from exactly the files on
// disk now, and rebuilds it otherwise (or runs the sources through tsx when it cannot).
//
// A build is immutable and named by its id: a hash of the bytes of every input (the bundled
// sources, tsconfig.json, this file, esbuild's package.json). dist/cli/current.json names the
// newest build and its inputs; a build is fresh when hashing those inputs as they are on disk
// gives its id again (a few ms), so an edited, deleted or checked-out file is never run stale.
// Lazy imports (the Postgres store, gRPC clients, live clusters) stay separate chunks, loaded
// when used, as with the sources. A build that was replaced stays on disk for a day, so a
// running `serve` still finds its own chunks; `node bin/build-cli.mjs` builds now.
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = 'server/cli/main.ts';
/** How long a replaced build stays for processes started from it. */
const KEEP_REPLACED_MS = 24 * 60 * 60 * 1000;
/** An unfinished build folder older than this belongs to a process that died. */
const ABANDONED_MS = 60 * 60 * 1000;
const TMP_PREFIX = '.build-';
/** Builds of this process under way: they share one esbuild service. */
let buildsRunning = 0;

/** Where builds live under a project root. */
export function buildsDir(root = PROJECT_ROOT) {
  return path.join(root, 'dist', 'cli');
}

/** The inputs' hash: each input's path, length and bytes, in the listed order; undefined when one is missing. */
function hashInputs(inputs, readBytes) {
  const hash = createHash('sha256');
  for (const rel of inputs) {
    const bytes = readBytes(rel);
    if (bytes === undefined) return undefined;
    hash.update(`${rel}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex').slice(0, 20);
}

function readOrUndefined(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The compiled entry (an absolute path) when the current build matches the files on disk, else undefined. */
export function freshEntry(root = PROJECT_ROOT) {
  let current;
  try {
    current = JSON.parse(readFileSync(path.join(buildsDir(root), 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const { id, inputs } = current ?? {};
  if (typeof id !== 'string' || !/^[0-9a-f]{20}$/.test(id)) return undefined;
  if (!Array.isArray(inputs) || !inputs.every((i) => typeof i === 'string')) return undefined;
  if (hashInputs(inputs, (rel) => readOrUndefined(path.join(root, rel))) !== id) return undefined;
  const entry = path.join(buildsDir(root), id, 'main.js');
  return existsSync(entry) ? entry : undefined;
}

/** Whether this process may write builds under the root (a read-only install runs the sources). */
export function canBuild(root = PROJECT_ROOT) {
  for (const dir of [buildsDir(root), path.join(root, 'dist'), root]) {
    if (!existsSync(dir)) continue;
    try {
      accessSync(dir, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

const toPosix = (p) => p.split(path.sep).join('/');

/**
 * Loads each project file for esbuild, keeping the bytes it compiled (the build's id is their
 * hash) and giving each module its own source file's `import.meta.url`, so paths made from it
 * (the demo, web/dist, .proto files) resolve in the source tree as they do under tsx.
 */
function sourcesPlugin(root, outdir, compiled) {
  return {
    name: 'netatlas-sources',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts|js|mjs|json)$/ }, (args) => {
        const rel = toPosix(path.relative(root, args.path));
        if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
        const bytes = readFileSync(args.path);
        compiled.set(rel, bytes);
        const ext = path.extname(args.path).slice(1);
        if (ext === 'json') return { contents: bytes, loader: 'json' };
        let text = bytes.toString('utf8');
        const other = /import\.meta(?!\.url\b)(\.\w+)?/.exec(text);
        if (other) {
          const line = text.slice(0, other.index).split('\n').length;
          throw new Error(`${rel}:${line} uses ${other[0]}, which a bundle cannot keep per file; use import.meta.url (new URL('./x', import.meta.url))`);
        }
        const fromOut = toPosix(path.relative(outdir, args.path));
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOut)}, import.meta.url).href`);
        return { contents: text, loader: ext.startsWith('m') ? ext.slice(1) : ext };
      });
    },
  };
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Removes builds replaced more than a day ago and unfinished builds of processes that died. */
function prune(dir, keepId, now) {
  for (const name of readdirSync(dir)) {
    if (name === keepId || name === 'current.json' || name.endsWith('.tmp')) continue;
    const full = path.join(dir, name);
    let mtime;
    try {
      mtime = statSync(full).mtimeMs;
    } catch {
      continue;
    }
    const limit = name.startsWith(TMP_PREFIX) ? ABANDONED_MS : KEEP_REPLACED_MS;
    if (now - mtime > limit) rmSync(full, { recursive: true, force: true });
  }
}

/**
 * Builds the CLI into dist/cli/<id>/ and makes it current. Several processes may build at once:
 * each writes its own folder and renames it into place; the same id is the same build.
 * Resolves to { id, entry, inputs, ms }; rejects with esbuild's errors when a source does not compile.
 */
export async function buildCli(root = PROJECT_ROOT) {
  const started = performance.now();
  const esbuild = await import('esbuild');
  const dir = buildsDir(root);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(path.join(dir, TMP_PREFIX));
  chmodSync(tmp, 0o755); // mkdtemp makes it private; a build is read by whoever runs the CLI (an image's non-root user)
  buildsRunning++;
  try {
    const compiled = new Map();
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: path.join(root, ENTRY) },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [sourcesPlugin(root, tmp, compiled)],
    });
    const esbuildPackage = toPosix(path.relative(root, createRequire(import.meta.url).resolve('esbuild/package.json')));
    const extras = ['tsconfig.json', toPosix(path.relative(root, fileURLToPath(import.meta.url))), esbuildPackage];
    const inputs = [...new Set([...compiled.keys(), ...extras])].sort();
    const id = hashInputs(inputs, (rel) => compiled.get(rel) ?? readOrUndefined(path.join(root, rel)));
    if (id === undefined) throw new Error(`an input vanished during the build: ${inputs.filter((rel) => !compiled.has(rel) && !existsSync(path.join(root, rel))).join(', ')}`);
    const final = path.join(dir, id);
    if (!existsSync(final)) {
      try {
        renameSync(tmp, final);
      } catch (error) {
        if (!existsSync(final)) throw error; // another process renamed the same build in first
      }
    }
    const now = Date.now();
    let previous;
    try {
      previous = JSON.parse(readFileSync(path.join(dir, 'current.json'), 'utf8')).id;
    } catch {
      previous = undefined;
    }
    writeAtomic(path.join(dir, 'current.json'), `${JSON.stringify({ id, entry: ENTRY, inputs }, null, 1)}\n`);
    // Mark when the previous build was replaced: it is kept a day from now, not from when it was built.
    if (typeof previous === 'string' && previous !== id && /^[0-9a-f]{20}$/.test(previous) && existsSync(path.join(dir, previous))) {
      utimesSync(path.join(dir, previous), now / 1000, now / 1000);
    }
    prune(dir, id, now);
    return { id, entry: path.join(final, 'main.js'), inputs: inputs.length, ms: performance.now() - started };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // esbuild's service process would otherwise live as long as a `serve` started by this run;
    // stopping it fails any build still running, so the last one out stops it.
    if (--buildsRunning === 0) await esbuild.stop();
  }
}

/**
 * What bin/netatlas.mjs runs: the fresh build's entry, else a new build's when this install can
 * write one, else undefined (run the sources through tsx). NETATLAS_TSX=1 always runs the sources.
 */
export async function compiledEntry(root = PROJECT_ROOT, env = process.env) {
  if (env.NETATLAS_TSX === '1') return undefined;
  const fresh = freshEntry(root);
  if (fresh) return fresh;
  if (!canBuild(root)) return undefined;
  try {
    return (await buildCli(root)).entry;
  } catch {
    return undefined; // the sources, through tsx, report what does not compile in their usual way
  }
}

const USAGE = `Usage: node bin/build-cli.mjs [--check]

Bundles the netatlas CLI (server/cli/main.ts and the project files it imports) into dist/cli/,
which bin/netatlas.mjs runs instead of the TypeScript sources while it matches them byte for
byte. bin/netatlas.mjs also rebuilds on its own when the sources changed; run this to build
ahead of time (an image, a read-only install) or to see why a build fails.

Options:
  --check     only say whether the current build is fresh (exit 0) or not (exit 1)
  -h, --help  display help for command
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
  } else if (args.some((a) => a !== '--check')) {
    process.stderr.write(`netatlas build: unknown argument ${args.find((a) => a !== '--check')}; expected --check or --help\n`);
    process.exitCode = 2;
  } else if (args.includes('--check')) {
    const entry = freshEntry();
    process.stdout.write(entry ? `fresh: ${path.relative(process.cwd(), entry)}\n` : 'stale or missing: bin/netatlas.mjs will rebuild it on its next run\n');
    process.exitCode = entry ? 0 : 1;
  } else {
    try {
      const built = await buildCli();
      process.stdout.write(`built ${path.relative(process.cwd(), built.entry)} from ${built.inputs} inputs in ${Math.round(built.ms)} ms\n`);
    } catch (error) {
      const details = error?.errors?.length ? error.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n  ') : error?.message ?? String(error);
      process.stderr.write(`netatlas build: the CLI does not compile; bin/netatlas.mjs runs the sources through tsx until it does:\n  ${details}\n`);
      process.exitCode = 1;
    }
  }
}
