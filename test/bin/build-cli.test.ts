/**
 * The compiled CLI (bin/build-cli.mjs): a build runs only while it matches the sources byte for
 * byte, and it prints what the TypeScript sources print through tsx.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, buildsDir, compiledEntry, freshEntry, PROJECT_ROOT } from '../../bin/build-cli.mjs';

/** A project of two modules in a temporary folder: main.ts exports `main`, returning word.ts's word, and its own import.meta.url. */
function tinyProject(word = 'one'): string {
  const root = mkdtempSync(path.join(tmpdir(), 'netatlas-build-'));
  mkdirSync(path.join(root, 'server/cli'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(path.join(root, 'tsconfig.json'), '{}\n');
  writeFileSync(path.join(root, 'server/cli/main.ts'), "import { word } from './word.ts';\nexport const url: string = import.meta.url;\nexport async function main(): Promise<string> { return word; }\n");
  writeWord(root, word);
  return root;
}

/** Whole seconds, which every file system keeps exactly. */
const FIXED_MTIME = 1_700_000_000;

/** Writes word.ts with a fixed modification time, so that a later edit can keep it. */
function writeWord(root: string, word: string): void {
  const file = path.join(root, 'server/cli/word.ts');
  writeFileSync(file, `export const word: string = '${word}';\n`);
  utimesSync(file, FIXED_MTIME, FIXED_MTIME);
}

/** Rewrites a file keeping its size and modification time, as only a content hash can notice. */
function editInPlace(file: string, from: string, to: string): void {
  const before = statSync(file);
  expect(to.length).toBe(from.length);
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
  utimesSync(file, before.atime, FIXED_MTIME);
  expect([statSync(file).size, statSync(file).mtimeMs]).toEqual([before.size, before.mtimeMs]);
}

async function runEntry(entry: string): Promise<{ word: string; url: string }> {
  // A query makes each import a new module instance, as a new process would load it.
  const mod = (await import(`${pathToFileURL(entry).href}?${Math.random()}`)) as { main: () => Promise<string>; url: string };
  return { word: await mod.main(), url: mod.url };
}

const made: string[] = [];
function project(word?: string): string {
  const root = tinyProject(word);
  made.push(root);
  return root;
}
afterEach(() => {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('a compiled build', () => {
  it('is used while every input is unchanged', async () => {
    const root = project();
    const built = await buildCli(root);
    expect(freshEntry(root)).toBe(built.entry);
    expect((await runEntry(built.entry)).word).toBe('one');
  });

  it('is readable by every user, as an image whose CLI runs as non-root needs', async () => {
    const root = project();
    const built = await buildCli(root);
    expect(statSync(path.dirname(built.entry)).mode & 0o755).toBe(0o755);
  });

  it('is stale once a source changes, even with the same size and modification time', async () => {
    const root = project();
    await buildCli(root);
    editInPlace(path.join(root, 'server/cli/word.ts'), "'one'", "'two'");
    expect(freshEntry(root)).toBeUndefined();
  });

  it('is stale once one of its inputs is deleted', async () => {
    const root = project();
    await buildCli(root);
    rmSync(path.join(root, 'tsconfig.json'));
    expect(freshEntry(root)).toBeUndefined();
  });

  it('is stale when current.json is damaged', async () => {
    const root = project();
    await buildCli(root);
    writeFileSync(path.join(buildsDir(root), 'current.json'), '{"id": "../../etc", "inputs": []}');
    expect(freshEntry(root)).toBeUndefined();
  });

  it('is rebuilt from the changed sources before it runs, so the new code runs', async () => {
    const root = project();
    const first = await buildCli(root);
    editInPlace(path.join(root, 'server/cli/word.ts'), "'one'", "'two'");
    const entry = await compiledEntry(root, {});
    expect(entry).toBeDefined();
    expect(entry).not.toBe(first.entry);
    expect((await runEntry(entry!)).word).toBe('two');
  });

  it('is never used when NETATLAS_TSX=1 asks for the sources', async () => {
    const root = project();
    await buildCli(root);
    expect(await compiledEntry(root, { NETATLAS_TSX: '1' })).toBeUndefined();
  });

  it("gives each module its own source file's import.meta.url", async () => {
    const root = project();
    const { url } = await runEntry((await buildCli(root)).entry);
    expect(url).toBe(pathToFileURL(path.join(root, 'server/cli/main.ts')).href);
  });

  it('refuses a source that uses another import.meta property, naming its file and line', async () => {
    const root = project();
    writeFileSync(path.join(root, 'server/cli/word.ts'), "// the word\nexport const word: string = import.meta.dirname;\n");
    await expect(buildCli(root)).rejects.toThrow(/server\/cli\/word\.ts:2 uses import\.meta\.dirname/);
    expect(await compiledEntry(root, {})).toBeUndefined();
  });

  it('is one build when several builds of the same sources run at once', async () => {
    const root = project();
    const [a, b, c] = await Promise.all([buildCli(root), buildCli(root), buildCli(root)]);
    expect(new Set([a.entry, b.entry, c.entry]).size).toBe(1);
    expect(readdirSync(buildsDir(root)).sort()).toEqual([a.id, 'current.json'].sort());
  });

  it('keeps a replaced build for a day, for processes started from it, then removes it', async () => {
    const root = project();
    const first = await buildCli(root);
    writeWord(root, 'two');
    await buildCli(root);
    expect(existsSync(path.join(buildsDir(root), first.id))).toBe(true);
    const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
    utimesSync(path.join(buildsDir(root), first.id), twoDaysAgo, twoDaysAgo);
    writeWord(root, 'three');
    await buildCli(root);
    expect(existsSync(path.join(buildsDir(root), first.id))).toBe(false);
  });
});

describe('bin/netatlas.mjs', () => {
  beforeAll(async () => {
    // Build (or find) the project's own compiled CLI, so the spawned runs below really use it.
    expect(await compiledEntry(PROJECT_ROOT, {})).toBeDefined();
  }, 120_000);

  const run = (args: string[], tsx: boolean) => {
    const env = { ...process.env, NETATLAS_TSX: tsx ? '1' : '' };
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/netatlas.mjs'), ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 100_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it.each([
    '--help',
    'generate --help',
    'graph --inventory samples/demo --flows samples/demo -o json',
    'graph --flows ../shared/data/hubble -o json',
    'graph --flows no/such/file',
  ])('prints the same compiled as through tsx: netatlas %s', (command) => {
    const compiled = run(command.split(' '), false);
    expect(freshEntry(PROJECT_ROOT)).toBeDefined();
    const sources = run(command.split(' '), true);
    expect(compiled.stdout.length).toBeGreaterThan(0);
    expect(compiled).toEqual(sources);
  }, 240_000); // two whole processes, which a loaded 2-core machine may slow to tens of seconds each
});
