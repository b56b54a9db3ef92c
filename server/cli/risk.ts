/**
 * `netatlas risk`: every workload's risk score with its parts, attack paths from entry points
 * to crown jewels over the connections the policies allow, and each path's proved cut.
 * Exit 0, 1 when --fail-on matches, 2 on bad input.
 */
import { Command, Option } from 'commander';
import type { Inventory } from '../../generator/model/index.ts';
import { DEFAULT_MAX_HOPS, DEFAULT_MAX_PATHS, DEFAULT_MAX_WORKLOADS, formatRisk, parseWorkloadSelector, RISK_FAIL_ON, RISK_FORMATS, riskFailures, type RiskFormat } from '../../generator/risk/index.ts';
import { observedEdges } from '../diff.ts';
import { GraphBuilder } from '../graph/builder.ts';
import { ingest } from '../graph/ingest.ts';
import { loadInventoryPaths, mergeInventories } from '../inventory/index.ts';
import { liveSecurityReports, runRisk } from '../risk.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS } from './exit.ts';
import { DEMO_DIR, parseClusterCidrs } from './generate.ts';
import { liveSnapshot } from './live-input.ts';

interface RiskCommandOptions {
  inventory: string[];
  flows: string[];
  reports: string[];
  kubeconfig: string[];
  context: string[];
  crownJewels: string[];
  entries: string[];
  output: RiskFormat;
  failOn?: string;
  ipblockMatchesPods: boolean;
  clusterCidr: string[];
  maxHops: string;
  maxPaths: string;
  maxWorkloads: string;
  limit: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function wholeNumber(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliExit(`netatlas/risk: ${flag} ${JSON.stringify(text)} must be a whole number >= ${min}.`);
  return n;
}

export function parseRiskFailOn(text: string | undefined): string[] {
  if (!text) return [];
  const tokens = text.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = tokens.filter((t) => !/^score>=\d{1,3}$/.test(t) && !(RISK_FAIL_ON as readonly string[]).includes(t));
  if (bad.length) throw new CliExit(`netatlas/risk: --fail-on: unknown ${bad.map((b) => JSON.stringify(b)).join(', ')}; use any of ${RISK_FAIL_ON.join(', ')} (e.g. score>=70,uncut).`);
  return tokens;
}

function riskClusterCidrs(list: readonly string[]): Record<string, string> {
  try {
    return parseClusterCidrs(list);
  } catch (e) {
    throw new CliExit((e as Error).message.replace(/^generate:/, 'risk:'));
  }
}

/** The inventory with the clusters' declared pod CIDRs (they take precedence over the nodes' podCIDRs). */
function withPodCidrs(inv: Inventory, cidrs: Readonly<Record<string, string>>): Inventory {
  const unknown = Object.keys(cidrs).filter((c) => !inv.clusters.some((k) => k.name === c));
  if (unknown.length) throw new CliExit(`netatlas/risk: --cluster-cidr names ${unknown.map((c) => JSON.stringify(c)).join(', ')}, not a cluster of the inventory (${inv.clusters.map((c) => c.name).join(', ')}).`);
  if (Object.keys(cidrs).length === 0) return inv;
  return { ...inv, clusters: inv.clusters.map((c) => (cidrs[c.name] ? { ...c, podCIDRs: [cidrs[c.name]] } : c)) };
}

export function riskCommand(): Command {
  return new Command('risk')
    .description(
      'Rank workloads by risk (exposure, reach under the policies in force, privilege, vulnerabilities, sensitivity; every score ' +
        'shows its parts), find attack paths from the internet (or --entries) to crown jewels over connections the policies allow, ' +
        'each hop observed or merely allowed, and for each path the smallest NetworkPolicy change that cuts it while every observed ' +
        'flow stays allowed, proved with the policy engine. Scanner reports (trivy-operator, trivy image JSON) are read from ' +
        '--inventory or --reports. Without --inventory/--flows/--context, uses the demo.',
    )
    .option('--inventory <path>', 'inventory file or folder (<root>/<cluster>/... names clusters; trivy-operator reports may sit there too); repeatable', collect, [])
    .option('--flows <path>', 'flow log file or folder (.gz ok, - for stdin); repeatable', collect, [])
    .option('--reports <path>', 'trivy-operator reports (kubectl get vulnerabilityreports,configauditreports,exposedsecretreports -A -o json) or `trivy image -f json` output; repeatable', collect, [])
    .option('--kubeconfig <file>', 'kubeconfig for a live inventory and its trivy-operator reports (repeatable)', collect, [])
    .option('--context <name>', 'kubeconfig context to read live (repeatable)', collect, [])
    .option('--crown-jewels <selector>', 'crown jewels: key=value[,key!=value,...] over cluster, namespace, kind, name and labels (repeatable: any matches), in addition to workloads whose workload, pods or namespace carry the label or annotation netatlas.io/crown-jewel=true', collect, [])
    .option('--entries <selector>', 'entry points instead of the internet-exposed workloads (same syntax; repeatable)', collect, [])
    .addOption(new Option('-o, --output <format>', 'report format').choices([...RISK_FORMATS]).default('txt'))
    .option('--fail-on <list>', `exit 1 when any matches (comma-separated): ${RISK_FAIL_ON.join(', ')}`)
    .option('--ipblock-matches-pods', 'ipBlock peers also match pod IPs (Calico); default off (Cilium)', false)
    .option('--cluster-cidr <cluster=cidr>', "a cluster's pod CIDR, which a cut may except to exclude that cluster's pods (cuts never name pod IPs); default: its nodes' podCIDRs; repeatable", collect, [])
    .option('--max-hops <n>', 'longest attack path searched, in hops', String(DEFAULT_MAX_HOPS))
    .option('--max-paths <n>', 'attack paths kept, most likely first', String(DEFAULT_MAX_PATHS))
    .option('--max-workloads <n>', 'refuse larger estates (every ordered pair of workloads is evaluated: the time grows with the square)', String(DEFAULT_MAX_WORKLOADS))
    .option('--limit <n>', 'workloads listed in txt/md (json and sarif keep all)', '10')
    .addHelpText('after', '\nExamples:\n  netatlas risk                                              # the demo\n' +
      '  netatlas risk --crown-jewels namespace=payments,app=ledger -o md\n' +
      '  netatlas risk --inventory dumps/ --flows hubble/ --reports trivy/ -o sarif --fail-on uncut,score>=80 > risk.sarif\n')
    .action(async (o: RiskCommandOptions) => {
      const failOn = parseRiskFailOn(o.failOn);
      const podCidrs = riskClusterCidrs(o.clusterCidr);
      const limit = wholeNumber(o.limit, '--limit', 0);
      const maxHops = wholeNumber(o.maxHops, '--max-hops', 1);
      const maxPaths = wholeNumber(o.maxPaths, '--max-paths', 0);
      const maxWorkloads = wholeNumber(o.maxWorkloads, '--max-workloads', 1);
      for (const s of o.crownJewels) parseWorkloadSelector(s, '--crown-jewels');
      for (const s of o.entries) parseWorkloadSelector(s, '--entries');
      const live = o.kubeconfig.length > 0 || o.context.length > 0;
      const demo = !live && o.inventory.length === 0 && o.flows.length === 0;
      const builder = new GraphBuilder();
      const parts: Inventory[] = [];
      const warnings: string[] = [];
      if (live) {
        const inv = await liveSnapshot('risk', o.kubeconfig, o.context);
        const scans = await liveSecurityReports(o.kubeconfig, o.context);
        warnings.push(...scans.warnings, ...scans.errors);
        parts.push(scans.reports.length ? { ...inv, securityReports: scans.reports } : inv);
        builder.addInventory(inv);
      }
      let result;
      try {
        result = await ingest({ inventoryPaths: demo ? [DEMO_DIR] : o.inventory, flowPaths: demo ? [DEMO_DIR] : o.flows, builder });
      } catch (e) {
        throw new CliExit(`netatlas/risk: ${(e as Error).message}`);
      }
      const problems = [...result.errors.map((e) => e.message), ...result.flows.errors];
      if (o.reports.length) {
        const loaded = await loadInventoryPaths(o.reports);
        problems.push(...loaded.errors.map((e) => e.message));
        if ((loaded.inventory.securityReports ?? []).length === 0 && loaded.errors.length === 0) {
          problems.push(`netatlas/risk: --reports ${o.reports.join(', ')}: no trivy-operator report or trivy image JSON found there.`);
        }
        parts.push(loaded.inventory);
      }
      if (problems.length) throw new CliExit(`netatlas/risk: ${problems.length} input error(s); fix them, nothing was analyzed:\n  ${problems.join('\n  ')}`, EXIT_BAD_INPUT);
      if (result.inventory) parts.push(result.inventory);
      const inventory = withPodCidrs(parts.length === 1 ? parts[0] : mergeInventories(parts), podCidrs);
      if (inventory.pods.length === 0) throw new CliExit('netatlas/risk: the inventory has no pods: give --inventory PATH (kubectl dumps or manifests) or --context.');
      for (const w of warnings) process.stderr.write(`netatlas: ${w}\n`);
      const report = runRisk(inventory, observedEdges(builder.graph), {
        crownJewels: o.crownJewels, entries: o.entries, engine: { ipBlockMatchesPods: o.ipblockMatchesPods }, maxHops, maxPaths, maxWorkloads,
      });
      process.stdout.write(formatRisk(report, o.output, { limit }));
      const hits = riskFailures(report, failOn);
      if (hits.length) {
        process.stderr.write(`netatlas: risk: --fail-on matched: ${hits.join('; ')}\n`);
        process.exitCode = EXIT_FINDINGS;
      }
    });
}
