/**
 * The diff around the pure core (generator/diff): observed edges out of the graph, the
 * remediation YAML from the generator, and the server's entry points for
 * GET /api/v1/diff (`computeDiff`) and GET /api/v1/findings (`computeFindings`).
 */
import type Graph from 'graphology';
import type { FlowEdge, GraphNode, Inventory } from '../generator/model/index.ts';
import {
  diffIntendedActual, riskFindings, type DiffReport, type EnvironmentOptions, type PolicySet, type RiskResult,
} from '../generator/diff/index.ts';
import { dnsAnswersOf, withObservedDns, type DnsAnswers, type EngineOptions } from '../generator/semantics/index.ts';
import { synthesizePolicies, type GeneratedPolicy } from '../generator/synthesis/index.ts';
import { policiesToYaml } from './synthesis.ts';
import { mergedInventory, type AnalysisState } from './state/analysis-state.ts';

export interface DiffRunOptions {
  /** Intended policies (e.g. --policies); default: the snapshot's own. */
  readonly intended?: PolicySet;
  /** How to name the intended set in reports. */
  readonly intendedLabel?: string;
  readonly engine?: EngineOptions;
  readonly environments?: EnvironmentOptions;
  /** Attach the generated least-privilege policy to findings (default true). */
  readonly remediation?: boolean;
  /** Unused-surface rows (ranked) that get the engine's explanation. Default 1000. */
  readonly explainUnused?: number;
  /** The observed edges to analyse (e.g. those of a time window). Default: every edge of the graph. */
  readonly edges?: readonly FlowEdge[];
  /** DNS answers seen in flows: Cilium toFQDNs peers match the addresses their names resolved to. */
  readonly dns?: DnsAnswers;
}

export const DEFAULT_EXPLAINED_UNUSED = 1000;

/** Observed flow edges (both levels) of a graph, as plain data. */
export function observedEdges(graph: Graph<GraphNode, FlowEdge>): FlowEdge[] {
  const edges: FlowEdge[] = [];
  graph.forEachEdge((_k, attrs) => {
    if (attrs.kind === 'flow') edges.push(attrs);
  });
  return edges;
}

/** The DNS answers flows revealed (each outside address with the names it was seen under). */
export function observedDnsAnswers(graph: Graph<GraphNode, FlowEdge>): DnsAnswers {
  const pairs: [string, string][] = [];
  graph.forEachNode((_k, attrs) => {
    if (attrs.kind === 'external') for (const name of attrs.fqdns) pairs.push([name, attrs.ip]);
  });
  return dnsAnswersOf(pairs);
}

/** The snapshot and the intended set with their toFQDNs peers resolved through the answers. */
function resolvedFqdns(inventory: Inventory, intended: PolicySet | undefined, dns: DnsAnswers | undefined): { inventory: Inventory; intended: PolicySet | undefined } {
  if (!dns) return { inventory, intended };
  return {
    inventory: inventory.ciliumNetworkPolicies ? { ...inventory, ciliumNetworkPolicies: withObservedDns(inventory.ciliumNetworkPolicies, dns) } : inventory,
    intended: intended?.ciliumNetworkPolicies ? { ...intended, ciliumNetworkPolicies: withObservedDns(intended.ciliumNetworkPolicies, dns) } : intended,
  };
}

/**
 * Remediation lookup: the generated policy of a workload (`wl:` key), or every generated
 * policy of a namespace plus its default deny (`ns:` key), as YAML.
 */
export function remediationLookup(inventory: Inventory, edges: readonly FlowEdge[]): (subject: string, flagged?: ReadonlyMap<string, string>) => string | undefined {
  let policies: readonly GeneratedPolicy[] | undefined;
  const cache = new Map<string, string | undefined>();
  return (subject, flagged) => {
    if (cache.has(subject)) return cache.get(subject);
    // Flows behind a finding are never allowed by the remediation offered for it.
    policies ??= synthesizePolicies({ inventory, edges }, { defaultDeny: true, unobserved: true, exclude: flagged ? Object.fromEntries(flagged) : undefined }).policies;
    let picked: GeneratedPolicy[] = [];
    if (subject.startsWith('wl:')) picked = policies.filter((p) => p.subject === subject);
    else if (subject.startsWith('ns:')) {
      const [cluster, namespace] = subject.slice(3).split('/');
      picked = policies.filter((p) => p.cluster === cluster && p.namespace === namespace);
    }
    const yaml = picked.length ? policiesToYaml(picked) : undefined;
    cache.set(subject, yaml);
    return yaml;
  };
}

/** The diff and the findings of one snapshot and its observed edges. */
export function buildDiffReport(snapshot: Inventory, edges: readonly FlowEdge[], o: DiffRunOptions = {}): DiffReport {
  const { inventory, intended } = resolvedFqdns(snapshot, o.intended, o.dns);
  const input = { inventory, edges, intended, engine: o.engine };
  const diff = diffIntendedActual(input, { baseline: intended ? inventory : undefined, explainUnused: o.explainUnused ?? DEFAULT_EXPLAINED_UNUSED });
  const risk = riskFindings({
    ...input, diff, environments: o.environments,
    remediation: o.remediation === false ? undefined : remediationLookup(inventory, edges),
  });
  return { intended: o.intendedLabel ?? (o.intended ? 'the given policies' : "the snapshot's own policies"), diff, risk };
}

/** GET /api/v1/diff: the diff and findings of the server's current graph and inventories. */
export function computeDiff(state: AnalysisState, o: DiffRunOptions = {}): DiffReport {
  return buildDiffReport(mergedInventory(state), o.edges ?? observedEdges(state.graph), { ...o, dns: o.dns ?? observedDnsAnswers(state.graph) });
}

/** GET /api/v1/findings: findings and per-component scores (cluster, namespace, workload, pod keys). */
export function computeFindings(state: AnalysisState, o: DiffRunOptions = {}): RiskResult {
  const { inventory, intended } = resolvedFqdns(mergedInventory(state), o.intended, o.dns ?? observedDnsAnswers(state.graph));
  const edges = o.edges ?? observedEdges(state.graph);
  return riskFindings({
    inventory, edges, intended, engine: o.engine, environments: o.environments,
    remediation: o.remediation === false ? undefined : remediationLookup(inventory, edges),
  });
}

