/**
 * What the Hubble byte decoder (server/flows/hubble/) gains a user end to end: the whole
 * `netatlas graph --flows FILE` process, with the byte decoder and with JSON.parse of every line
 * (NETATLAS_HUBBLE_DECODER=json), beside a process that only reads the same file with
 * node:readline and JSON.parse-s every line. The byte decoder stays only while the first ratio
 * printed is clearly above 1.
 *
 * Each run is a fresh process (module loading and JIT warm-up included, as a user sees them);
 * modes alternate, DECODER_BENCH_REPEAT times (default 3), and each row is the mode's median run.
 * Wall time moves with the machine's load; CPU time (user + system of the child) much less, and
 * both are printed.
 *
 * Usage: npm run bench hubble-decoder   (env DECODER_BENCH_LINES=200000, ~280 MB)
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { captureLines, generate } from './hubble-input.ts';

const LINES = Number(process.env.DECODER_BENCH_LINES ?? 200_000);
const REPEAT = Math.max(1, Number(process.env.DECODER_BENCH_REPEAT ?? 3));
const here = fileURLToPath(import.meta.url);

type Mode = 'baseline' | 'bytes' | 'json';

interface Run {
  readonly mode: Mode;
  /** Wall time of the whole child process, as the parent saw it. */
  readonly wallMs: number;
  /** User + system CPU time the child reported at its end. */
  readonly cpuMs: number;
  readonly output: string;
}

/** A child: the measured process. Prints its CPU time as its last stderr line. */
async function child(mode: Mode, file: string): Promise<void> {
  if (mode === 'baseline') {
    let lines = 0;
    const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of rl) if (JSON.parse(line)) lines++;
    process.stdout.write(`${lines} lines\n`);
  } else {
    process.env.NETATLAS_HUBBLE_DECODER = mode;
    const { main } = await import('../server/cli/main.ts');
    const code = await main(['node', 'netatlas', 'graph', '--flows', file, '--cluster', 'bench', '--top', '3']);
    if (code !== 0) throw new Error(`netatlas graph exited with ${code}`);
  }
  const cpu = process.cpuUsage();
  process.stderr.write(`\ncpu ${(cpu.user + cpu.system) / 1000}\n`);
}

function run(mode: Mode, file: string): Run {
  const t = performance.now();
  const c = spawnSync(process.execPath, ['--import', 'tsx', here, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallMs = performance.now() - t;
  if (c.status !== 0) throw new Error(`bench child ${mode} failed (${c.status ?? c.signal}): ${c.stderr}`);
  const cpuLine = c.stderr.trim().split('\n').pop() ?? '';
  const cpuMs = Number(cpuLine.replace(/^cpu /, ''));
  return { mode, wallMs, cpuMs, output: c.stdout };
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3] as Mode, process.argv[4]);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'netatlas-decoder-bench-'));
  try {
    const file = join(dir, 'hubble.jsonl');
    await generate(file, captureLines(), LINES);
    spawnSync('sync');
    const mb = statSync(file).size / 2 ** 20;
    console.log(`machine: ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}`);
    console.log(`input: ${fmt(LINES)} Hubble export lines (${fmt(mb)} MB, real capture lines repeated with new ports and times)`);
    const runs: Record<Mode, Run[]> = { baseline: [], bytes: [], json: [] };
    for (let i = 0; i < REPEAT; i++) for (const mode of ['baseline', 'bytes', 'json'] as const) runs[mode].push(run(mode, file));
    // Both decoders must have built the same graph (the summary names its counts).
    const [b0, j0] = [runs.bytes[0].output, runs.json[0].output];
    if (b0 !== j0) throw new Error(`the two decoders printed different graphs:\n--- bytes\n${b0}\n--- json\n${j0}`);
    const wall = (m: Mode) => median(runs[m].map((r) => r.wallMs));
    const cpu = (m: Mode) => median(runs[m].map((r) => r.cpuMs));
    const row = (label: string, m: Mode) =>
      `  ${label.padEnd(44)} ${fmt(wall(m) / 1000, 2).padStart(6)} s wall ${fmt(LINES / (wall(m) / 1000)).padStart(9)} lines/s  ${fmt(cpu(m) / 1000, 2).padStart(6)} s CPU`;
    console.log(`\nwhole process, median of ${REPEAT} alternating runs each:`);
    console.log(row('baseline: node readline + JSON.parse, no more', 'baseline'));
    console.log(row('netatlas graph --flows, byte decoder', 'bytes'));
    console.log(row('netatlas graph --flows, JSON.parse decoder', 'json'));
    console.log(`\n  byte decoder vs JSON.parse decoder, end to end: x${fmt(wall('json') / wall('bytes'), 2)} wall, x${fmt(cpu('json') / cpu('bytes'), 2)} CPU (the figure that keeps it)`);
    console.log(`  netatlas graph vs baseline: x${fmt(wall('baseline') / wall('bytes'), 2)} wall, x${fmt(cpu('baseline') / cpu('bytes'), 2)} CPU (byte decoder); x${fmt(wall('baseline') / wall('json'), 2)} wall, x${fmt(cpu('baseline') / cpu('json'), 2)} CPU (JSON.parse decoder)`);
    console.log(`  load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
