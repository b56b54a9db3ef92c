/**
 * `netatlas diff-policies A B`: what changes per workload pair (and workload <-> external
 * range) when the snapshot's policies are A or B: added, removed, changed connections.
 */
import { Command, Option } from 'commander';
import { diffPolicySets, formatPolicySetDiff } from '../../generator/diff/index.ts';
import { loadInventoryPaths } from '../inventory/index.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS } from './exit.ts';
import { loadPolicySet } from './diff.ts';
import { DEMO_DIR } from './generate.ts';

interface DiffPoliciesOptions {
  inventory: string[];
  cluster?: string;
  namespace?: string;
  output: 'txt' | 'json' | 'md';
  ipblockMatchesPods: boolean;
  failOnLooser: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function diffPoliciesCommand(): Command {
  return new Command('diff-policies')
    .description(
      'Compare two policy sets on the same snapshot: per workload pair (and external range), the connections B adds, ' +
        'removes or changes relative to A. "only A" rows are where A is looser. Without --inventory, uses the demo.',
    )
    .argument('<a>', 'policy set A: a file or folder of YAML/JSON (e.g. the upstream policies)')
    .argument('<b>', 'policy set B (e.g. `netatlas generate` output)')
    .option('--inventory <path>', 'the snapshot: dumps or manifests (pods, namespaces); repeatable', collect, [])
    .option('--cluster <name>', 'cluster of inventory and policy files outside a <root>/<cluster>/ folder')
    .option('--namespace <name>', 'namespace of objects that name none (default "default")')
    .addOption(new Option('-o, --output <format>', 'report format').choices(['txt', 'json', 'md']).default('txt'))
    .option('--ipblock-matches-pods', 'ipBlock peers also match pod IPs (Calico); default off (Cilium)', false)
    .option('--fail-on-looser', 'exit 1 when B allows anything A does not', false)
    .action(async (a: string, b: string, o: DiffPoliciesOptions) => {
      const loaded = await loadInventoryPaths(o.inventory.length ? o.inventory : [DEMO_DIR], { cluster: o.cluster, defaultNamespace: o.namespace });
      if (loaded.errors.length) {
        throw new CliExit(`netatlas/diff-policies: ${loaded.errors.length} error(s) in the inventory:\n  ${loaded.errors.map((e) => e.message).join('\n  ')}`, EXIT_BAD_INPUT);
      }
      if (loaded.inventory.pods.length === 0) throw new CliExit('netatlas/diff-policies: the inventory has no pods: give --inventory PATH (kubectl dumps or manifests).');
      const setA = await loadPolicySet([a], { cluster: o.cluster, namespace: o.namespace, what: 'netatlas/diff-policies: A' });
      const setB = await loadPolicySet([b], { cluster: o.cluster, namespace: o.namespace, what: 'netatlas/diff-policies: B' });
      const d = diffPolicySets(loaded.inventory, setA, setB, { ipBlockMatchesPods: o.ipblockMatchesPods });
      process.stdout.write(formatPolicySetDiff(d, o.output, { a, b }));
      if (o.failOnLooser && d.looserInB > 0) process.exitCode = EXIT_FINDINGS;
    });
}
