/**
 * `netatlas diff`: intended policies (the snapshot's own, or --policies PATH) against the
 * observed flows: would-break, blocked, unexplained drops, the unused surface, and the risk
 * findings with remediation. Exit 0, 1 when --fail-on matches, 2 on bad input.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { formatLocation, type Inventory } from '../../generator/model/index.ts';
import { FAIL_ON_TOKENS, REPORT_FORMATS, failOnMatches, formatDiffReport, overlayPolicySet, withStagedPolicies, type PolicySet, type ReportFormat } from '../../generator/diff/index.ts';
import { createEngine } from '../../generator/semantics/index.ts';
import { buildDiffReport, observedDnsAnswers, observedEdges } from '../diff.ts';
import { GraphBuilder } from '../graph/builder.ts';
import { ingest } from '../graph/ingest.ts';
import { loadInventoryPaths, mergeInventories } from '../inventory/index.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS } from './exit.ts';
import { DEMO_DIR } from './generate.ts';
import { liveSnapshot } from './live-input.ts';
import { addReadingOptions, engineCni, isLenientReading, type ReadingOptions } from './policy-input.ts';

interface DiffCommandOptions extends ReadingOptions {
  inventory: string[];
  flows: string[];
  kubeconfig: string[];
  context: string[];
  policies: string[];
  policiesCluster?: string;
  policiesNamespace?: string;
  output: ReportFormat;
  failOn?: string;
  ipblockMatchesPods: boolean;
  limit: string;
  remediation: boolean;
  replace: boolean;
  staged?: boolean;
  sarifRoot: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--fail-on a,b`: every token checked, unknown ones are a usage error. */
export function parseFailOn(text: string | undefined): string[] {
  if (!text) return [];
  const tokens = text.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = tokens.filter((t) => !FAIL_ON_TOKENS.includes(t));
  if (bad.length) throw new CliExit(`netatlas/diff: --fail-on: unknown ${bad.map((b) => JSON.stringify(b)).join(', ')}; use any of ${FAIL_ON_TOKENS.join(', ')}.`);
  return tokens;
}

/**
 * Loads an intended policy set (files or folders of YAML/JSON; `<root>/<cluster>/...` names
 * the cluster): every policy kind the engine reads, with the same lenient reading as the
 * inventory (`strict` makes its warnings errors). A kind family the files do not hold is left
 * out of the set, so the snapshot's own policies of that family stay in force. Any load or
 * validation error is bad input: exit 2, nothing compared.
 */
export async function loadPolicySet(paths: readonly string[], opts: { cluster?: string; namespace?: string; what: string; strict?: boolean }): Promise<PolicySet> {
  const loaded = await loadInventoryPaths(paths, { cluster: opts.cluster, defaultNamespace: opts.namespace });
  const at = (loc: Parameters<typeof formatLocation>[0]): string => {
    const f = formatLocation(loc);
    return f ? ` [${f}]` : '';
  };
  const problems = loaded.errors.map((e) => `${e.message}${at(e.location)}`);
  if (opts.strict) problems.push(...loaded.warnings.filter(isLenientReading).map((w) => `${w.message} (--strict)`));
  const inv = loaded.inventory;
  const cilium = inv.ciliumNetworkPolicies ?? [];
  const calico = inv.calicoPolicies ?? [];
  const tiers = inv.calicoTiers ?? [];
  const engine = createEngine({
    namespaces: [], pods: [], networkPolicies: inv.networkPolicies, adminNetworkPolicies: inv.adminNetworkPolicies,
    ciliumNetworkPolicies: cilium, calicoPolicies: calico, calicoTiers: tiers,
  });
  problems.push(...engine.validation.errors.map((e) => `${e.message}${at(e.location)}`));
  if (problems.length) {
    throw new CliExit(`${opts.what}: ${problems.length} error(s) in ${paths.join(', ')}; nothing was compared:\n  ${problems.join('\n  ')}`, EXIT_BAD_INPUT);
  }
  if (inv.networkPolicies.length + inv.adminNetworkPolicies.length + cilium.length + calico.length === 0) {
    throw new CliExit(`${opts.what}: no policy in ${paths.join(', ')} (${POLICY_KINDS_SHORT}): give the folder or files holding the policies.`, EXIT_BAD_INPUT);
  }
  return {
    networkPolicies: inv.networkPolicies,
    adminNetworkPolicies: inv.adminNetworkPolicies,
    ...(cilium.length > 0 ? { ciliumNetworkPolicies: cilium } : {}),
    ...(calico.length > 0 ? { calicoPolicies: calico } : {}),
    ...(tiers.length > 0 ? { calicoTiers: tiers } : {}),
  };
}

const POLICY_KINDS_SHORT = 'NetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, Calico NetworkPolicy or GlobalNetworkPolicy';

export function diffCommand(): Command {
  return addReadingOptions(new Command('diff')
    .description(
      'Compare the intended policies (the snapshot\'s own, or --policies PATH such as a Git folder or `netatlas generate` output) ' +
        'with the observed flows: every observed edge is allowed, blocked, would-break or unexplained-drop; every allowed but ' +
        'unobserved connection is unused surface (pairs and ports, ranked); then risk findings per cluster, namespace, workload ' +
        'and pod with severity, evidence and the generated policy as remediation. Without --inventory/--flows/--context, uses the demo.',
    )
    .option('--inventory <path>', 'inventory file or folder (<root>/<cluster>/... names clusters); repeatable', collect, [])
    .option('--flows <path>', 'flow log file or folder (.gz ok, - for stdin); repeatable', collect, [])
    .option('--kubeconfig <file>', 'kubeconfig for a live inventory (repeatable)', collect, [])
    .option('--context <name>', 'kubeconfig context to read live (repeatable)', collect, [])
    .option('--policies <path>', 'intended policies of any kind listed below instead of the snapshot\'s own (file or folder; repeatable)', collect, [])
    .option('--replace', '--policies replace every policy of the snapshot (default: only the namespaces they cover)', false)
    .option('--staged', 'what-if: evaluate Calico staged policies (StagedNetworkPolicy, StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy) as if enforced: stagedAction Set replaces or adds the policy of that name, Delete removes it', false)
    .option('--policies-cluster <name>', 'cluster of --policies files outside a <root>/<cluster>/ folder')
    .option('--policies-namespace <name>', 'namespace of --policies objects that name none (default "default")')
    .addOption(new Option('-o, --output <format>', 'report format').choices([...REPORT_FORMATS]).default('txt'))
    .option('--fail-on <list>', `exit 1 when any matches (comma-separated): ${FAIL_ON_TOKENS.join(', ')}; a severity means that or worse`)
    .option('--ipblock-matches-pods', 'ipBlock peers also match pod IPs (Calico); default off (Cilium)', false)
    .option('--limit <n>', 'unused-surface rows shown in txt/md (json and sarif keep all)', '20')
    .option('--no-remediation', 'do not generate remediation policies for findings')
    .option('--sarif-root <dir>', 'sarif: the repository root file locations are written relative to (uriBaseId %SRCROOT%)', process.cwd())
    .addHelpText('after', '\nExamples:\n  netatlas diff                                         # the demo\n' +
      '  netatlas generate -o /tmp/gen && netatlas diff --policies /tmp/gen -o md\n' +
      '  netatlas diff --inventory dumps/ --flows hubble/ -o sarif --fail-on would-break,high > diff.sarif\n'))
    .action(async (o: DiffCommandOptions) => {
      const failOn = parseFailOn(o.failOn);
      engineCni(o.cni);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new CliExit(`netatlas/diff: --limit ${JSON.stringify(o.limit)} must be a whole number >= 0.`);
      const intended = o.policies.length
        ? await loadPolicySet(o.policies, { cluster: o.policiesCluster, namespace: o.policiesNamespace, what: 'netatlas/diff: --policies', strict: o.strict })
        : undefined;
      const live = o.kubeconfig.length > 0 || o.context.length > 0;
      const demo = !live && o.inventory.length === 0 && o.flows.length === 0;
      const builder = new GraphBuilder();
      let liveInv: Inventory | undefined;
      if (live) {
        liveInv = await liveSnapshot('diff', o.kubeconfig, o.context);
        builder.addInventory(liveInv);
      }
      let result;
      try {
        result = await ingest({ inventoryPaths: demo ? [DEMO_DIR] : o.inventory, flowPaths: demo ? [DEMO_DIR] : o.flows, builder });
      } catch (e) {
        throw new CliExit(`netatlas/diff: ${(e as Error).message}`);
      }
      const problems = [
        ...result.errors.map((e) => e.message),
        ...(o.strict ? result.warnings.filter(isLenientReading).map((w) => `${w.message} (--strict)`) : []),
        ...result.flows.errors,
      ];
      if (problems.length) {
        throw new CliExit(`netatlas/diff: ${problems.length} input error(s); fix them, nothing was compared:\n  ${problems.join('\n  ')}`, EXIT_BAD_INPUT);
      }
      const inventory = liveInv ? (result.inventory ? mergeInventories([liveInv, result.inventory]) : liveInv) : result.inventory;
      if (!inventory || inventory.pods.length === 0) throw new CliExit('netatlas/diff: the inventory has no pods: give --inventory PATH (kubectl dumps or manifests) or --context.');
      const staged = o.staged ? withStagedPolicies(inventory) : undefined;
      const stagedCount = inventory.stagedPolicies?.length ?? 0;
      if (o.staged && stagedCount === 0) process.stderr.write('netatlas/diff: --staged: the input holds no Calico staged policy; the snapshot\'s policies are compared as they are.\n');
      const effective = intended && !o.replace ? { ...staged, ...overlayPolicySet(staged ?? inventory, intended) } : intended ?? staged;
      const stagedLabel = o.staged ? ` with ${stagedCount} staged polic${stagedCount === 1 ? 'y' : 'ies'} enforced (--staged)` : '';
      const report = buildDiffReport(inventory, observedEdges(builder.graph), {
        intended: effective,
        intendedLabel: intended
          ? `--policies ${o.policies.join(', ')}${o.replace ? ' (replacing every snapshot policy)' : ` (over the snapshot's policies${stagedLabel}, namespace by namespace)`}`
          : o.staged ? `the snapshot's policies${stagedLabel}` : undefined,
        engine: { ipBlockMatchesPods: o.ipblockMatchesPods, hostNetworkAsPods: o.hostNetworkAsPods, cni: engineCni(o.cni) }, remediation: o.remediation,
        dns: observedDnsAnswers(builder.graph),
      });
      process.stdout.write(formatDiffReport(report, o.output, { unusedLimit: limit, root: path.resolve(o.sarifRoot) }));
      const hits = failOnMatches(report, failOn);
      if (hits.length) {
        process.stderr.write(`netatlas: diff: --fail-on matched: ${hits.join('; ')}\n`);
        process.exitCode = EXIT_FINDINGS;
      }
    });
}
