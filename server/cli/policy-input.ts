/**
 * Shared by `connectivity`, `explain` and `diff`: the reading options (`--strict`,
 * `--host-network-as-pods`), loading PATHs into a snapshot, building the engine, and
 * reporting loader and policy problems (errors make the command exit 2).
 */
import type { Command } from 'commander';
import { formatLocation, type Inventory, type Warning } from '../../generator/model/index.ts';
import { createEngine, type PolicyEngine } from '../../generator/semantics/index.ts';
import { loadInventoryPaths } from '../inventory/index.ts';
import { LENIENT_READING_CODES } from '../inventory/normalize.ts';
import { CliExit, EXIT_BAD_INPUT } from './exit.ts';

export interface PolicyInput {
  readonly inventory: Inventory;
  /** Loader warnings (what was skipped or read leniently). */
  readonly warnings: readonly Warning[];
  readonly engine: PolicyEngine;
  /** Lines for stderr. */
  readonly problems: string[];
  readonly hasErrors: boolean;
}

export interface ReadingOptions {
  /** Warnings about what was read leniently (not-Kubernetes files, partial objects) are errors. */
  readonly strict?: boolean;
  /** hostNetwork pods are selected and isolated like other pods. */
  readonly hostNetworkAsPods?: boolean;
  /** The CNI, where it changes the reading (`cilium`: identity labels on every pod). */
  readonly cni?: string;
}

const CNIS = ['cilium', 'calico'] as const;

/** `--cni`: checked here so every command says the same thing about a wrong value. */
export function engineCni(cni: string | undefined): (typeof CNIS)[number] | undefined {
  if (cni === undefined) return undefined;
  if ((CNIS as readonly string[]).includes(cni)) return cni as (typeof CNIS)[number];
  throw new CliExit(`--cni ${JSON.stringify(cni)} is not known: use ${CNIS.join(', ')} (or leave it out; Cilium and Calico are implied when their policies are read).`, EXIT_BAD_INPUT);
}

/** The policy kinds the engine reads, for every command's --help. */
export const POLICY_KINDS_HELP = [
  'Policy kinds read:',
  '  NetworkPolicy (networking.k8s.io/v1)',
  '  ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2; tier Admin before NetworkPolicy, tier Baseline after it)',
  '  AdminNetworkPolicy, BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1, legacy: the Admin and Baseline tiers)',
  '  CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy (cilium.io/v2, L3/L4; deny rules win; host is the pod\'s own node;',
  '    nodeSelector (host firewall) applies to node addresses and hostNetwork pods; toFQDNs match the DNS answers',
  '    seen in flows where the command reads flows (diff, serve), else reported; L7 reported)',
  '  NetworkPolicy, GlobalNetworkPolicy, Tier (projectcalico.org/v3, L3/L4; tiers in order, NetworkPolicy in the default tier)',
  '  NetworkSet, GlobalNetworkSet (projectcalico.org/v3: address sets that rule selectors match)',
  '  StagedNetworkPolicy, StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy (projectcalico.org/v3: read, not enforced)',
  'Files and objects that are not Kubernetes objects, and harmless defects (an owner reference without kind, a port',
  'without a number), are read with a warning; --strict makes them exit 2. An invalid policy is always an error.',
].join('\n');

/** Adds `--strict` and `--host-network-as-pods` to a command (same words everywhere), and the kinds to its help. */
export function addReadingOptions(command: Command): Command {
  return command
    .addHelpText('after', `\n${POLICY_KINDS_HELP}\n`)
    .option('--strict', 'exit 2 on what is otherwise read with a warning: files or objects that are not Kubernetes objects, and objects read without a broken part')
    .option('--cni <name>', 'the CNI enforcing the policies, where it changes their reading: cilium (pods carry Cilium identity labels; implied by Cilium policies), calico (NetworkPolicies run in Calico\'s default tier; implied by Calico policies)')
    .option('--host-network-as-pods', 'select and isolate hostNetwork pods like other pods (by default they are node traffic, which no policy selects)');
}

/** Whether `--strict` turns this loader warning into an error. */
export function isLenientReading(w: Warning): boolean {
  return LENIENT_READING_CODES.includes(w.code);
}

/** `read 3 NetworkPolicy, 1 ClusterNetworkPolicy (tier Admin)`: what evaluation is based on. */
export function policyCounts(inv: Pick<Inventory, 'networkPolicies' | 'adminNetworkPolicies' | 'ciliumNetworkPolicies' | 'calicoPolicies' | 'stagedPolicies'>, warnings: readonly Warning[] = []): string {
  const unevaluated = warnings.filter((w) => w.code === 'unevaluated-policy').length;
  const skipped = unevaluated > 0 ? `; ${unevaluated} polic${unevaluated === 1 ? 'y' : 'ies'} of kinds not evaluated (Calico host endpoints, storage kinds) skipped: the answer ignores them` : '';
  return policyCountsOf(inv) + skipped;
}

function policyCountsOf(inv: Pick<Inventory, 'networkPolicies' | 'adminNetworkPolicies' | 'ciliumNetworkPolicies' | 'calicoPolicies' | 'stagedPolicies'>): string {
  const counts = new Map<string, number>();
  const bump = (k: string): void => void counts.set(k, (counts.get(k) ?? 0) + 1);
  for (let i = 0; i < inv.networkPolicies.length; i++) bump('NetworkPolicy');
  for (const p of inv.adminNetworkPolicies) bump(p.kind === 'ClusterNetworkPolicy' ? `ClusterNetworkPolicy (tier ${p.tier})` : p.kind);
  for (const p of inv.ciliumNetworkPolicies ?? []) bump(p.kind);
  for (const p of inv.calicoPolicies ?? []) bump(p.kind === 'CalicoNetworkPolicy' ? 'Calico NetworkPolicy' : 'Calico GlobalNetworkPolicy');
  const staged = inv.stagedPolicies?.length ?? 0;
  const stagedText = staged > 0 ? `; ${staged} Calico staged polic${staged === 1 ? 'y' : 'ies'} not enforced (diff --staged evaluates them)` : '';
  if (counts.size === 0) return `read no policy: every connection is allowed${stagedText}`;
  return `read ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}${stagedText}`;
}

export async function loadPolicyInput(
  paths: readonly string[],
  opts: { ipBlockMatchesPods?: boolean; cluster?: string } & ReadingOptions,
): Promise<PolicyInput> {
  const loaded = await loadInventoryPaths(paths, { cluster: opts.cluster });
  const engine = createEngine(loaded.inventory, { ipBlockMatchesPods: opts.ipBlockMatchesPods, hostNetworkAsPods: opts.hostNetworkAsPods, cni: engineCni(opts.cni) });
  const problems: string[] = [];
  const at = (loc: Parameters<typeof formatLocation>[0]): string => {
    const f = formatLocation(loc);
    return f ? ` [${f}]` : '';
  };
  const strictErrors = opts.strict ? loaded.warnings.filter(isLenientReading) : [];
  for (const e of loaded.errors) problems.push(`error: ${e.message}${at(e.location)}`);
  for (const w of strictErrors) problems.push(`error: ${w.message} (--strict)`);
  for (const e of engine.validation.errors) problems.push(`error: ${e.message}${at(e.location)}`);
  for (const w of loaded.warnings) if (!strictErrors.includes(w)) problems.push(`warning: ${w.message}`);
  for (const w of engine.validation.warnings) problems.push(`warning: ${w.message}${at(w.location)}`);
  return {
    inventory: loaded.inventory,
    warnings: loaded.warnings,
    engine,
    problems,
    hasErrors: loaded.errors.length + strictErrors.length + engine.validation.errors.length > 0,
  };
}
