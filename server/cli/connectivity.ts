/**
 * `netatlas connectivity PATH...`: what the policies allow, workload by workload.
 */
import { Command, Option } from 'commander';
import { formatConnectivityMap, MAP_FORMATS, type MapFormat } from '../../generator/semantics/index.ts';
import { EXIT_BAD_INPUT } from './exit.ts';
import { loadPolicyInput } from './policy-input.ts';

export function connectivityCommand(): Command {
  return new Command('connectivity')
    .description(
      'Print the connectivity map the policies allow (NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy): ' +
        'one line per ordered pair of workloads or external IPv4 ranges, `SRC => DST : CONN`.',
    )
    .argument('<paths...>', 'manifest or dump files and folders (YAML/JSON, .gz); workloads yield representative pods')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...MAP_FORMATS]).default('txt'))
    .option('--ipblock-matches-pods', 'let ipBlock peers match pod IPs too (Calico does; Cilium does not)', false)
    .option('--cluster <name>', 'cluster name for every file (default: from folder names, else "default")')
    .option('-q, --quiet', 'do not print warnings', false)
    .action(async (paths: string[], o: { output: MapFormat; ipblockMatchesPods: boolean; cluster?: string; quiet: boolean }) => {
      const input = await loadPolicyInput(paths, { ipBlockMatchesPods: o.ipblockMatchesPods, cluster: o.cluster });
      for (const line of input.problems) {
        if (!o.quiet || line.startsWith('error')) process.stderr.write(`${line}\n`);
      }
      process.stdout.write(formatConnectivityMap(input.engine.connectivityMap(), o.output));
      if (input.hasErrors) process.exitCode = EXIT_BAD_INPUT;
    });
}
