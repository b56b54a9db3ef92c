/**
 * Writes the netatlas demo data set: per cluster a kubectl List (inventory.json) and the
 * Hubble flows its relay saw (flows.jsonl). Deterministic: the same options give the same
 * bytes. See samples/README.md.
 *
 *   npx tsx samples/generate.ts                      # rewrites samples/demo (committed)
 *   npx tsx samples/generate.ts --out /tmp/big --scale 200 --clusters 5
 */
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildEstate, DEFAULT_OPTIONS, demoFiles, type EstateOptions } from './lib/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = join(here, 'demo');

function intAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

/** Writes every file of the estate under `out` (removing what a previous run left there). */
export async function writeDemo(out: string, options: EstateOptions, log: (line: string) => void = () => {}): Promise<void> {
  const estate = buildEstate(options);
  for (const c of estate.clusters) rmSync(join(out, c.name), { recursive: true, force: true });
  for (const file of demoFiles(options, estate)) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof file.content === 'string') {
      writeFileSync(path, file.content);
      log(`${path} (${file.content.length} bytes)`);
      continue;
    }
    const stream = createWriteStream(path);
    let chunk = '';
    for (const line of file.content) {
      chunk += `${line}\n`;
      if (chunk.length > 1 << 20) {
        if (!stream.write(chunk)) await once(stream, 'drain');
        chunk = '';
      }
    }
    stream.end(chunk);
    await once(stream, 'finish');
    log(`${path} (${file.content.length} lines)`);
  }
}

export function generateCommand(): Command {
  return new Command('samples/generate.ts')
    .description('Write the netatlas demo data set: per cluster, a kubectl List (inventory.json) and Hubble jsonpb flows (flows.jsonl).\n'
      + 'Run it as `npx tsx samples/generate.ts [options]`; see samples/README.md.')
    .addOption(new Option('--out <dir>', 'output folder (the default is committed: regenerate it, never edit it)').default(DEFAULT_OUT, 'samples/demo'))
    .option('--scale <n>', 'copies of the application namespaces per cluster (benchmarks)', intAtLeast(1), DEFAULT_OPTIONS.scale)
    .option('--clusters <k>', 'number of clusters: dev, prod, finance, then prod-4, prod-5, ... (3 to 200)', intAtLeast(3), DEFAULT_OPTIONS.clusters)
    .option('--repeat <r>', 'multiply the connections per edge (same edges, more flows)', intAtLeast(1), DEFAULT_OPTIONS.repeat)
    .option('--seed <s>', 'seed of every random choice (same seed, same bytes)', DEFAULT_OPTIONS.seed)
    .option('-q, --quiet', 'do not list the files written')
    .action(async (opts: { out: string; scale: number; clusters: number; repeat: number; seed: string; quiet?: boolean }) => {
      await writeDemo(resolve(opts.out), { seed: opts.seed, scale: opts.scale, clusters: opts.clusters, repeat: opts.repeat },
        opts.quiet ? undefined : (line) => process.stdout.write(`${line}\n`));
    });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generateCommand().parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`netatlas/samples: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
