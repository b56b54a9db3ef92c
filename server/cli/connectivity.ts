/**
 * `netatlas connectivity PATH...`: what the policies allow, workload by workload.
 */
import { Command, Option } from 'commander';
import { formatConnectivityMap, MAP_FORMATS, type MapFormat } from '../../generator/semantics/index.ts';
import { EXIT_BAD_INPUT } from './exit.ts';
import { addReadingOptions, loadPolicyInput, policyCounts, type ReadingOptions } from './policy-input.ts';

export function connectivityCommand(): Command {
  return addReadingOptions(new Command('connectivity')
    .description(
      'Print the connectivity map the policies allow (every kind listed below): ' +
        'one line per ordered pair of workloads or external IPv4 ranges, `SRC => DST : CONN`. The policy count per kind goes to stderr.',
    )
    .argument('<paths...>', 'manifest or dump files and folders (YAML/JSON, .gz); workloads yield representative pods')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...MAP_FORMATS]).default('txt'))
    .option('--ipblock-matches-pods', 'let ipBlock peers match pod IPs too (Calico does; Cilium does not)', false)
    .option('--cluster <name>', 'cluster name for every file (default: from folder names, else "default")')
    .option('-q, --quiet', 'do not print warnings', false))
    .action(async (paths: string[], o: { output: MapFormat; ipblockMatchesPods: boolean; cluster?: string; quiet: boolean } & ReadingOptions) => {
      const input = await loadPolicyInput(paths, { ...o, ipBlockMatchesPods: o.ipblockMatchesPods });
      for (const line of input.problems) {
        if (!o.quiet || line.startsWith('error')) process.stderr.write(`${line}\n`);
      }
      if (!o.quiet) process.stderr.write(`netatlas: connectivity: ${policyCounts(input.inventory, input.warnings)}\n`);
      if (input.hasErrors) {
        // A map computed without the invalid objects would look like an answer: none is printed.
        process.stderr.write('netatlas: connectivity: no map printed: fix the errors above.\n');
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      process.stdout.write(formatConnectivityMap(input.engine.connectivityMap(), o.output));
    });
}
