/**
 * Policy generation around the pure core (generator/synthesis): edges out of the graph,
 * deterministic YAML, files per cluster and namespace, and the server's entry points
 * (`generateForSelection`, and `generateProvider` for POST /api/v1/generate).
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Graph from 'graphology';
import { stringify } from 'yaml';
import type { FlowEdge, GraphNode, Inventory, Labels, PodInfo } from '../generator/model/index.ts';
import { emptyInventory, parseKey } from '../generator/model/index.ts';
import {
  formatProof, formatSynthesisReport, synthesizePolicies, verifyPolicies,
  type GeneratedPolicy, type Proof, type SynthesisInput, type SynthesisOptions, type SynthesisResult, type VerifyOptions,
} from '../generator/synthesis/index.ts';
import { mergedInventory, type AnalysisState } from './state/analysis-state.ts';

/** Observed edges (workload and pod level) and external FQDNs, as plain data, from a connectivity graph. */
export function synthesisInputFromGraph(graph: Graph<GraphNode, FlowEdge>, inventory: Inventory): SynthesisInput {
  const edges: FlowEdge[] = [];
  graph.forEachEdge((_k, attrs) => {
    if (attrs.kind === 'flow') edges.push(attrs);
  });
  const fqdns: Record<string, string[]> = {};
  graph.forEachNode((_k, attrs) => {
    if (attrs.kind === 'external' && attrs.fqdns.length > 0) fqdns[attrs.ip] = [...attrs.fqdns];
  });
  return { inventory, edges, fqdns };
}

/**
 * Labels a runtime, a mesh or a release tool puts on pods per pod, per rollout or per version:
 * never a selector when pods are rebuilt from flows (besides UNSTABLE_POD_LABELS, which the
 * synthesis drops anyway). A selector on them would miss the next version's pods.
 */
const INJECTED_LABEL = /^(security\.istio\.io\/|service\.istio\.io\/|sidecar\.istio\.io\/|istio\.io\/rev$|linkerd\.io\/|version$|app\.kubernetes\.io\/version$|helm\.sh\/chart$|chart$|release$|heritage$)/;

export interface InferredInventory {
  readonly inventory: Inventory;
  /** What was inferred, in sentences (for the report). */
  readonly inferred: readonly string[];
}

/**
 * With no inventory (Hubble alone), pods and workloads rebuilt from what flows said of them:
 * each pod the flows named (with its labels, minus injected ones, and addresses) under the
 * workload the flows gave it (Hubble `workloads`, the pod name's shape, or its labels), and a
 * representative pod for a workload known only by labels. Namespaces, clusters and nodes come
 * from the graph too.
 */
export function inventoryFromGraph(graph: Graph<GraphNode, FlowEdge>): InferredInventory {
  const inv = { ...emptyInventory() } as { -readonly [K in keyof Inventory]: Inventory[K] extends readonly (infer T)[] ? T[] : never };
  const withPods = new Set<string>();
  const dropped = new Set<string>();
  const clean = (labels: Labels): Labels => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (INJECTED_LABEL.test(k)) dropped.add(k);
      else out[k] = v;
    }
    return out;
  };
  const ownerOf = (workload: string, podName: string): PodInfo['owner'] => {
    const p = parseKey(workload);
    if (p.kind !== 'workload' || p.workloadKind === 'Pod' || p.name === podName) return undefined;
    return { kind: p.workloadKind, name: p.name, controller: true };
  };
  let inferredWorkloads = 0;
  graph.forEachNode((_k, a) => {
    if (a.kind === 'cluster') inv.clusters.push({ kind: 'Cluster', name: a.cluster });
    else if (a.kind === 'namespace') inv.namespaces.push({ kind: 'Namespace', cluster: a.cluster, name: a.namespace, labels: {} });
    else if (a.kind === 'host' && a.addresses.length) inv.nodes.push({ kind: 'Node', cluster: a.cluster, name: a.name, labels: {}, addresses: [...a.addresses], podCIDRs: [] });
    else if (a.kind === 'pod' && !a.hostNetwork) {
      withPods.add(a.workload);
      const owner = ownerOf(a.workload, a.name);
      inv.pods.push({
        kind: 'Pod', cluster: a.cluster, namespace: a.namespace, name: a.name, labels: clean(a.labels), ips: [...a.ips], hostIPs: [],
        hostNetwork: false, privileged: false, ports: [], ...(owner ? { owner } : {}),
      });
    }
  });
  graph.forEachNode((k, a) => {
    if (a.kind !== 'workload' || withPods.has(k) || Object.keys(a.labels).length === 0) return;
    // Known only by its labels (typically a pod of another cluster): one representative pod.
    inferredWorkloads++;
    const name = `${a.name}-from-flows`;
    const owner = ownerOf(k, name);
    inv.pods.push({
      kind: 'Pod', cluster: a.cluster, namespace: a.namespace, name, labels: clean(a.labels), ips: [], hostIPs: [], hostNetwork: false, privileged: false,
      ports: [], ...(owner ? { owner } : {}),
    });
  });
  const inferred = [
    `no inventory: ${inv.pods.length - inferredWorkloads} pod(s) rebuilt from flow endpoints (labels, addresses, owner from Hubble workloads or the pod name), ` +
      `${inferredWorkloads} workload(s) known only by labels given one representative pod`,
    ...(dropped.size ? [`labels injected per pod or version never used as selectors: ${[...dropped].sort().join(', ')}`] : []),
    'no Service, EndpointSlice or node podCIDR is known: flows to ClusterIPs stay unresolved (a flow to a private address is unproven: it may be a ClusterIP), and peers in other clusters need --cluster-cidr',
  ];
  return { inventory: inv, inferred };
}

/** One YAML stream: documents in the order given (the core sorts them), keys in the order built. */
export function policiesToYaml(policies: readonly GeneratedPolicy[]): string {
  return policies.map((p) => `---\n${stringify(p.object, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false })}`).join('');
}

/** Policies grouped by `<cluster>/<namespace>.yaml`, sorted. */
export function groupPolicyFiles(policies: readonly GeneratedPolicy[]): Map<string, string> {
  const groups = new Map<string, GeneratedPolicy[]>();
  for (const p of policies) {
    const k = `${p.cluster}/${p.namespace}.yaml`;
    let l = groups.get(k);
    if (!l) groups.set(k, (l = []));
    l.push(p);
  }
  const out = new Map<string, string>();
  for (const k of [...groups.keys()].sort()) out.set(k, policiesToYaml(groups.get(k)!));
  return out;
}

/**
 * Writes DIR/<cluster>/<namespace>.yaml; returns the paths written. Every file is written into
 * a temporary folder inside DIR first; then each cluster's folder is swapped in by rename, so a
 * failed run (a full disk, a crash) never leaves a half-written set, and a cluster's folder
 * holds exactly the policies of one run (nothing left over from an earlier one).
 */
export function writePolicyFiles(dir: string, policies: readonly GeneratedPolicy[]): string[] {
  mkdirSync(dir, { recursive: true });
  const staging = mkdtempSync(path.join(dir, '.netatlas-staging-'));
  try {
    const written: string[] = [];
    const clusters = new Set<string>();
    for (const [rel, text] of groupPolicyFiles(policies)) {
      const file = path.join(staging, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      clusters.add(rel.split('/')[0]);
      written.push(path.join(dir, rel));
    }
    for (const cluster of [...clusters].sort()) {
      const target = path.join(dir, cluster);
      const old = path.join(staging, `.old-${cluster}`);
      if (existsSync(target)) renameSync(target, old);
      renameSync(path.join(staging, cluster), target);
    }
    return written;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface GenerationOutcome {
  readonly result: SynthesisResult;
  readonly proof: Proof;
  readonly yaml: string;
  /** The report and the proof, as text. */
  readonly report: string;
}

/** Synthesis, then its proof. */
export function generateAndVerify(input: SynthesisInput, options: SynthesisOptions = {}, verify: VerifyOptions = {}): GenerationOutcome {
  const result = synthesizePolicies(input, options);
  const proof = verifyPolicies(input.inventory, result, verify);
  return { result, proof, yaml: policiesToYaml(result.policies), report: `${formatSynthesisReport(result.report)}${formatProof(proof)}` };
}

/**
 * For the server (node panel, POST /api/v1/generate): policies for the given workload keys
 * (namespace `ns:` and cluster `cluster:` keys select all their workloads; empty = everything),
 * from the server's current graph and inventories.
 */
export function generateForSelection(
  state: AnalysisState, workloadKeys: readonly string[], options: Omit<SynthesisOptions, 'workloads'> = {},
): { yaml: string; report: string; proof: Proof; result: SynthesisResult } {
  const inventory = mergedInventory(state);
  const input = synthesisInputFromGraph(state.graph, inventory);
  const out = generateAndVerify(input, { ...options, workloads: workloadKeys });
  return { yaml: out.yaml, report: out.report, proof: out.proof, result: out.result };
}

