/**
 * `netatlas generate`: least-privilege NetworkPolicies (or CiliumNetworkPolicies) from
 * observed traffic, then their proof with the policy engine (broken and extra).
 */
import writeFileAtomic from 'write-file-atomic';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { Inventory } from '../../generator/model/index.ts';
import {
  BASELINE_RULES, SYNTHESIS_DIRECTIONS, SYNTHESIS_FORMATS, type BaselineRule, type ServiceCidr, type SynthesisDirection, type SynthesisFormat, type SynthesisOptions,
} from '../../generator/synthesis/index.ts';
import { isValidCidr } from '../../generator/semantics/cidr.ts';
import { GraphBuilder } from '../graph/builder.ts';
import { ingest, type IngestResult } from '../graph/ingest.ts';
import { mergeInventories } from '../inventory/index.ts';
import { generateAndVerify, inventoryFromGraph, policiesToYaml, synthesisInputFromGraph, writePolicyFiles } from '../synthesis.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS } from './exit.ts';
import { liveSnapshot } from './live-input.ts';
import { POLICY_KINDS_HELP } from './policy-input.ts';

interface GenerateCommandOptions {
  inventory: string[];
  flows: string[];
  kubeconfig: string[];
  context: string[];
  cluster?: string;
  filesCluster?: string;
  namespace?: string;
  format: SynthesisFormat;
  output: string;
  report?: string;
  minCount: string;
  since?: string;
  includeDropped: boolean;
  aggregatePrefix?: string;
  clusterCidr: string[];
  serviceCidr: string[];
  defaultDeny: boolean;
  fqdn: boolean;
  withExisting: boolean;
  acceptUnproven: boolean;
  direction: SynthesisDirection;
  withoutBaseline: string[];
  includeSystem: boolean;
  allWorkloads: boolean;
  shortSeen: string;
  allowCrossEnvironment: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const DEMO_DIR = fileURLToPath(new URL('../../samples/demo', import.meta.url));

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: an RFC 3339 time, or a duration (`90m`, `2h`, `7d`) counted back from the newest
 * observed flow (not the wall clock), so replays of old files behave like live data.
 */
export function parseSince(text: string, newest: number): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (m) return newest - Number(m[1]) * UNITS[m[2]];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new CliExit(`netatlas/generate: --since ${JSON.stringify(text)} is neither a duration (30m, 2h, 7d) nor a time (2026-11-27T09:30:00Z).`);
  return t;
}

/** A duration (`90m`, `2h`, `7d`) in ms. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (!m) throw new CliExit(`netatlas/generate: ${option} ${JSON.stringify(text)} is not a duration: expected a number and a unit, e.g. 30m, 2h, 7d.`);
  return Number(m[1]) * UNITS[m[2]];
}

export function parseClusterCidrs(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const m = /^([^=]+)=(\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/.exec(item);
    if (!m) throw new CliExit(`netatlas/generate: --cluster-cidr ${JSON.stringify(item)}: expected CLUSTER=CIDR, e.g. finance=10.3.0.0/16.`);
    out[m[1]] = m[2];
  }
  return out;
}

/** `--service-cidr`: `CIDR` (every cluster) or `CLUSTER=CIDR`. */
export function parseServiceCidrs(list: readonly string[]): ServiceCidr[] {
  return list.map((item) => {
    const eq = item.indexOf('=');
    const cluster = eq > 0 ? item.slice(0, eq) : undefined;
    const cidr = item.slice(eq + 1);
    if (!isValidCidr(cidr)) throw new CliExit(`netatlas/generate: --service-cidr ${JSON.stringify(item)}: expected CIDR or CLUSTER=CIDR, e.g. 10.96.0.0/12 or prod=10.96.0.0/12.`);
    return cluster ? { cluster, cidr } : { cidr };
  });
}

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'Generate least-privilege NetworkPolicies from observed traffic (one per workload, both policyTypes, exact ports, ' +
        'DNS, API server, external and cross-cluster peers), then prove them with the policy engine: prints broken ' +
        '(observed flows the set would deny), unproven (observed flows it could not check) and extra (pairs allowed but ' +
        'never observed); exits 1 when broken + unproven > 0, 2 on bad input, and writes -o DIR only on success. ' +
        'Without --inventory/--flows/--context, uses the demo (samples/demo).',
    )
    .option('--inventory <path>', 'inventory file or folder (<root>/<cluster>/... names clusters); repeatable', collect, [])
    .option('--flows <path>', 'flow log file or folder (.gz ok, - for stdin); repeatable', collect, [])
    .option('--kubeconfig <file>', 'kubeconfig for a live inventory (repeatable)', collect, [])
    .option('--context <name>', 'kubeconfig context to read live (repeatable)', collect, [])
    .option('--cluster <name>', 'generate only for workloads of this cluster')
    .option('--files-cluster <name>', 'cluster of every --inventory/--flows file (default: from folder names <root>/<cluster>/..., else "default")')
    .option('--namespace <name>', 'generate only for workloads of this namespace')
    .addOption(new Option('--format <format>', 'output kind (calico-staged: Calico StagedKubernetesNetworkPolicy, previewed before it is enforced)').choices([...SYNTHESIS_FORMATS]).default('networkpolicy'))
    .option('-o, --output <dir|->', 'write DIR/<cluster>/<namespace>.yaml, or - for stdout', '-')
    .option('--report <file>', 'write the report and proof to FILE instead of stderr')
    .option('--min-count <n>', 'ignore edges with fewer allowed connections', '1')
    .option('--since <duration|time>', 'ignore edges last seen before this (2h = two hours before the newest flow, or an RFC 3339 time)')
    .option('--include-dropped', 'also allow connections observed as DROPPED (default: reported only)', false)
    .option('--aggregate-prefix <n>', 'aggregate external IPv4 peers to /N blocks (default /32 each; 0 only if you mean 0.0.0.0/0)')
    .option('--cluster-cidr <cluster=cidr>', "use this pod CIDR for peers of another cluster instead of their pods' IPs; repeatable", collect, [])
    .option('--service-cidr <[cluster=]cidr>', "the Service address range (kube-apiserver's --service-cluster-ip-range) of every cluster, or of one; repeatable. A flow to an address in it that no Service holds is unproven (default: the inventory's ServiceCIDR objects)", collect, [])
    .option('--default-deny', 'add a default-deny policy to every namespace in scope', false)
    .option('--fqdn', 'Cilium: toFQDNs for external peers whose DNS name was observed', false)
    .option('--with-existing', "prove together with the snapshot's own policies", false)
    .option('--accept-unproven', 'succeed even when observed flows could not be checked (unproven > 0); they stay listed', false)
    .addOption(new Option('--direction <dir>', 'directions the policies isolate (ingress = only who may call each workload)').choices([...SYNTHESIS_DIRECTIONS]).default('both'))
    .addOption(new Option('--without-baseline <rule>', `switch a baseline rule off (repeatable): ${BASELINE_RULES.join(', ')}`).choices([...BASELINE_RULES]).argParser((v: string, prev: string[] = []) => {
      if (!(BASELINE_RULES as readonly string[]).includes(v)) throw new CliExit(`netatlas/generate: --without-baseline ${JSON.stringify(v)}: expected one of ${BASELINE_RULES.join(', ')}.`);
      return [...prev, v];
    }).default([]))
    .option('--include-system', 'also write policies for system namespaces (kube-system, kube-public, kube-node-lease, the CNI\'s)', false)
    .option('--all-workloads', 'also workloads with no observed traffic (each gets a deny-all policy; default: listed as never seen)', false)
    .option('--short-seen <duration>', 'flag workloads observed for less than this (their policy may miss rare traffic)', '1h')
    .option('--allow-cross-environment', 'allow flows from a lower environment (dev, test, staging) into a sensitive one (prod, finance); default: left out and listed', false)
    .addHelpText('after', '\nExamples:\n  netatlas generate                                   # the demo, YAML on stdout, proof on stderr\n' +
      '  netatlas generate --inventory dumps/ --flows hubble/ --namespace shop -o policies/\n' +
      '  netatlas generate --format cilium --fqdn --cluster prod -o -\n')
    .addHelpText('after', `\nWith --with-existing, the snapshot's own policies are read as follows.\n${POLICY_KINDS_HELP}\n`)
    .action(async (o: GenerateCommandOptions) => {
      const minCount = Number(o.minCount);
      if (!Number.isInteger(minCount) || minCount < 1) throw new CliExit(`netatlas/generate: --min-count ${JSON.stringify(o.minCount)} must be a whole number >= 1.`);
      let aggregatePrefix: number | undefined;
      if (o.aggregatePrefix !== undefined) {
        aggregatePrefix = Number(o.aggregatePrefix);
        if (!Number.isInteger(aggregatePrefix) || aggregatePrefix < 0 || aggregatePrefix > 32) throw new CliExit(`netatlas/generate: --aggregate-prefix ${JSON.stringify(o.aggregatePrefix)} must be 0-32.`);
      }
      const clusterCidrs = parseClusterCidrs(o.clusterCidr);
      const serviceCidrs = parseServiceCidrs(o.serviceCidr);
      const shortSeenMs = parseDuration(o.shortSeen, '--short-seen');
      const live = o.kubeconfig.length > 0 || o.context.length > 0;
      const demo = !live && o.inventory.length === 0 && o.flows.length === 0;
      const inventoryPaths = demo ? [DEMO_DIR] : o.inventory;
      const flowPaths = demo ? [DEMO_DIR] : o.flows;

      const builder = new GraphBuilder();
      let liveInv: Inventory | undefined;
      if (live) {
        liveInv = await liveSnapshot('generate', o.kubeconfig, o.context);
        builder.addInventory(liveInv);
      }
      let result: IngestResult;
      try {
        result = await ingest({ inventoryPaths, flowPaths, builder, ...(o.filesCluster ? { cluster: o.filesCluster } : {}) });
      } catch (e) {
        throw new CliExit(`netatlas/generate: ${(e as Error).message}`);
      }
      const problems = [...result.errors.map((e) => e.message), ...result.flows.errors];
      for (const p of problems) process.stderr.write(`netatlas: ${p}\n`);
      let inventory = liveInv ? (result.inventory ? mergeInventories([liveInv, result.inventory]) : liveInv) : result.inventory;
      let inferred: readonly string[] = [];
      if (!inventory || inventory.pods.length === 0) {
        // Hubble alone: pods and workloads rebuilt from what the flows say of them.
        const rebuilt = inventoryFromGraph(builder.graph);
        if (rebuilt.inventory.pods.length === 0) throw new CliExit('netatlas/generate: no inventory and no pod named by the flows: give --inventory PATH (kubectl dumps or manifests) or --context.');
        inventory = rebuilt.inventory;
        inferred = rebuilt.inferred;
      }
      const input = synthesisInputFromGraph(builder.graph, inventory);
      let newest = 0;
      for (const e of input.edges) if (e.lastSeen > newest) newest = e.lastSeen;
      const options: SynthesisOptions = {
        cluster: o.cluster, namespace: o.namespace, format: o.format, minCount, includeDropped: o.includeDropped, aggregatePrefix,
        clusterCidrs, defaultDeny: o.defaultDeny, fqdn: o.fqdn, ...(o.since ? { since: parseSince(o.since, newest) } : {}),
        direction: o.direction, withoutBaseline: o.withoutBaseline as BaselineRule[], includeSystem: o.includeSystem, unobserved: o.allWorkloads,
        shortSeenMs, allowCrossEnvironment: o.allowCrossEnvironment,
      };
      const out = generateAndVerify(input, options, { withExisting: o.withExisting, serviceCidrs });
      const { broken, unproven, extra } = out.proof;
      const report = `${inferred.map((l) => `inferred: ${l}\n`).join('')}${out.report}`;
      // All or nothing: a reader of the report never sees half of it (temp file + rename).
      if (o.report) writeFileAtomic.sync(o.report, report);
      else process.stderr.write(report);
      const summary = `netatlas: generate: ${out.result.policies.length} policies, broken = ${broken}, unproven = ${unproven}, extra = ${extra}\n`;
      process.stderr.write(summary);
      const failures: string[] = [];
      if (problems.length > 0) failures.push(`${problems.length} input problem(s) (listed above): the policies would be built from part of the traffic`);
      if (broken > 0) failures.push(`${broken} observed flow(s) would be denied by the generated policies (listed as BROKEN)`);
      if (unproven > 0 && !o.acceptUnproven) failures.push(`${unproven} observed flow(s) could not be checked (listed as UNPROVEN; --accept-unproven accepts them)`);
      if (out.result.policies.length === 0) {
        const skipped = out.result.report.skipped.length;
        process.stderr.write(skipped > 0
          ? `netatlas: generate: no policy written: ${skipped} workload(s) skipped (listed above, each with a label to add).\n`
          : 'netatlas: generate: no workload in scope with observed traffic (check --cluster/--namespace, or --all-workloads, --include-system).\n');
      }
      // Policies built from part of the input are never written, not even to stdout; a failed
      // proof still prints them on stdout (the exit code says so) for review, never into DIR.
      if (o.output === '-') {
        if (problems.length === 0) process.stdout.write(policiesToYaml(out.result.policies));
        else process.stderr.write('netatlas: generate: nothing written to stdout.\n');
      } else if (failures.length === 0) {
        const files = writePolicyFiles(o.output, out.result.policies);
        process.stderr.write(`netatlas: wrote ${out.result.policies.length} policies to ${files.length} file(s) under ${o.output}\n`);
      } else process.stderr.write(`netatlas: generate: nothing written to ${o.output}.\n`);
      for (const f of failures) process.stderr.write(`netatlas: generate: FAILED: ${f}. Do not apply them as is.\n`);
      if (problems.length > 0) process.exitCode = EXIT_BAD_INPUT;
      else if (failures.length > 0) process.exitCode = EXIT_FINDINGS;
    });
}
