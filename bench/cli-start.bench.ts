/**
 * CLI start: each command's whole-process time run from the compiled bundle (bin/build-cli.mjs,
 * dist/cli) beside the baseline, the same command through tsx's loader (NETATLAS_TSX=1), in the
 * same run. The two alternate, a pair per round, after one warm-up each; rows are medians and
 * the ratio is the median of the pairs' ratios (compiled / tsx), so a machine whose speed drifts
 * during the run moves both sides of a pair alike.
 *
 * Wall time is measured around the child process; CPU time (user + system, all threads) is what
 * the child reports of itself on exit through a preloaded hook, steadier than wall time on a
 * shared machine. `serve` is timed until it says it is serving (port 0, nothing kept), then stopped.
 * Usage: npm run bench cli   (env CLI_BENCH_RUNS=5 to change the number of pairs)
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { compiledEntry, PROJECT_ROOT } from '../bin/build-cli.mjs';

const RUNS = Number(process.env.CLI_BENCH_RUNS ?? 5);
const CLI = path.join(PROJECT_ROOT, 'bin/netatlas.mjs');
/** Writes the process's own CPU time to fd 3 as it exits. */
const CPU_HOOK = `data:text/javascript,${encodeURIComponent("import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.cpuUsage();try{writeSync(3,String((u.user+u.system)/1000))}catch{}})")}`;

interface Run {
  readonly ms: number;
  /** Undefined for a process stopped by a signal (serve), which reports none. */
  readonly cpuMs?: number;
}

type Mode = 'compiled' | 'tsx';
const envFor = (mode: Mode): NodeJS.ProcessEnv => ({ ...process.env, NETATLAS_TSX: mode === 'tsx' ? '1' : '' });

function runCommand(args: readonly string[], mode: Mode): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_HOOK, CLI, ...args], { cwd: PROJECT_ROOT, env: envFor(mode), stdio: ['ignore', 'pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench cli-start: netatlas ${args.join(' ')} (${mode}) exited with ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 500)}`);
  return { ms, cpuMs: Number(String(r.output[3])) };
}

/** Starts `serve` and resolves when it says it is serving; stops it (the child this started) then. */
function runServe(mode: Mode): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', ':memory:'], { cwd: PROJECT_ROOT, env: envFor(mode), stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!seen.includes('netatlas: serving on')) return;
      const ms = performance.now() - t0;
      child.once('exit', () => resolve({ ms }));
      child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!seen.includes('netatlas: serving on')) reject(new Error(`bench cli-start: serve (${mode}) exited with ${code} before serving: ${seen.slice(0, 500)}`));
    });
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x: number | undefined, width = 6): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(0)).padStart(width);

const COMMANDS: readonly (readonly string[])[] = [
  ['--help'],
  ['generate', '--help'],
  ['graph', '--inventory', 'samples/demo', '--flows', 'samples/demo', '-o', 'json'],
  ['graph', '--flows', '../shared/data/hubble', '-o', 'json'],
  ['generate', '-o', 'bench/.out/cli-start-generate'],
];

const entry = await compiledEntry(PROJECT_ROOT, {});
if (!entry) {
  console.error('bench cli-start: no compiled CLI could be built; run `node bin/build-cli.mjs` to see why');
  process.exit(2);
}
console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${RUNS} pairs after one warm-up each; compiled: ${path.relative(PROJECT_ROOT, entry)}`);
console.log(`${'command'.padEnd(70)} ${'compiled ms'.padStart(11)} ${'cpu ms'.padStart(6)} ${'tsx ms'.padStart(7)} ${'cpu ms'.padStart(6)}  ratio wall (range)   ratio cpu`);

const jobs: { label: string; run: (mode: Mode) => Run | Promise<Run> }[] = [
  ...COMMANDS.map((args) => ({ label: `netatlas ${args.join(' ')}`, run: (mode: Mode) => runCommand(args, mode) })),
  { label: 'netatlas serve --port 0 --db :memory: (until serving)', run: runServe },
];
for (const job of jobs) {
  await job.run('compiled');
  await job.run('tsx');
  const compiled: Run[] = [];
  const tsx: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    compiled.push(await job.run('compiled'));
    tsx.push(await job.run('tsx'));
  }
  const wallRatios = compiled.map((c, i) => c.ms / tsx[i].ms).sort((a, b) => a - b);
  const cpuRatios = compiled.every((c) => c.cpuMs !== undefined) ? compiled.map((c, i) => c.cpuMs! / tsx[i].cpuMs!) : [];
  const cpu = (runs: Run[]): number | undefined => (runs.every((r) => r.cpuMs !== undefined) ? median(runs.map((r) => r.cpuMs!)) : undefined);
  console.log(
    `${job.label.padEnd(70)} ${fmt(median(compiled.map((r) => r.ms)), 11)} ${fmt(cpu(compiled))} ${fmt(median(tsx.map((r) => r.ms)), 7)} ${fmt(cpu(tsx))}  ` +
      `${median(wallRatios).toFixed(2)} (${wallRatios[0].toFixed(2)}-${wallRatios[wallRatios.length - 1].toFixed(2)})`.padEnd(20) +
      (cpuRatios.length ? median(cpuRatios).toFixed(2) : '-'),
  );
}
console.log('ratio: compiled / tsx, median of the pairs (below 1: the compiled CLI is faster)');
