/**
 * The analyses `netatlas serve` wires by default: policy generation (server/synthesis.ts), the
 * diff and the findings (server/diff.ts), and the policy engine (generator/semantics) for edge
 * explanations and the policies selecting a node. startServer and the e2e harness take their
 * providers from `defaultProviders()`, so production and the browser tests run one wiring.
 *
 * Costs: the engine (and the inventory indexes) are built once per inventory version
 * (`AppState.inventoryVersion`), so an edge explanation is one or a few evaluations. The diff
 * and the findings are computed once per graph version (`AppState.version`): node detail asks
 * for the findings on every click.
 */
import type { FlowEdge, Inventory, Protocol } from '../../generator/model/index.ts';
import { emptyInventory } from '../../generator/model/index.ts';
import { createEngine, formatRule, withObservedDns } from '../../generator/semantics/index.ts';
import type { DirectionVerdict, MatchedRule, Peer, PolicyEngine, PolicyKind, PolicyTier } from '../../generator/semantics/index.ts';
import { asAddress, createEnds, describePeer, type Ends } from '../../generator/synthesis/ends.ts';
import { computeDiff, computeFindings, observedDnsAnswers } from '../diff.ts';
import { mergeInventories } from '../inventory/index.ts';
import { generateForSelection } from '../synthesis.ts';
import type { ApiEdge, DiffResponse, EdgeExplanation, Finding, GenerateRequest, GenerateResponse, PolicyRef } from './api-types.ts';
import type { AnalysisProviders } from './providers.ts';
import type { AppState } from '../state/app-state.ts';
import { hasWindow, windowedEdges, type TimeWindow } from './view.ts';

/** Pod pairs evaluated behind one workload-level edge (the first denied one explains it). */
const MAX_PAIRS = 64;
const EXPRESSIBLE: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);

interface EngineEntry {
  readonly inventoryVersion: number;
  /** The inventory the engine evaluates (toFQDNs peers resolved when there are any). */
  readonly inventory: Inventory;
  readonly engine: PolicyEngine;
  readonly ends: Ends;
  /** The merged inventory of every cluster, as read. */
  readonly merged: Inventory;
  /** With Cilium toFQDNs peers: the DNS answers the engine was built with (JSON) and the graph version they were read at. */
  readonly dnsKey?: string;
  readonly graphVersion?: number;
}

const engines = new WeakMap<AppState, EngineEntry>();

const hasFqdnPeers = (inventory: Inventory): boolean =>
  (inventory.ciliumNetworkPolicies ?? []).some((p) => p.specs.some((s) => [...(s.egress ?? []), ...(s.egressDeny ?? [])].some((r) => (r.fqdns?.length ?? 0) > 0)));

/**
 * The merged inventory of every cluster, its policy engine and its end resolver, built once per
 * inventory version. When Cilium policies name toFQDNs peers, the engine matches them against
 * the DNS answers seen in the graph's flows, and is rebuilt when those answers change (checked
 * once per graph version).
 */
export function policyEngineOf(state: AppState): EngineEntry {
  const hit = engines.get(state);
  const sameInventory = hit !== undefined && hit.inventoryVersion === state.inventoryVersion;
  if (sameInventory && (hit.dnsKey === undefined || hit.graphVersion === state.version)) return hit;
  const list = [...state.inventories.values()];
  const merged = sameInventory ? hit.merged : list.length === 0 ? emptyInventory() : list.length === 1 ? list[0] : mergeInventories(list);
  let entry: EngineEntry;
  if (hasFqdnPeers(merged)) {
    const answers = observedDnsAnswers(state.graph);
    const dnsKey = JSON.stringify([...answers]);
    if (sameInventory && hit.dnsKey === dnsKey) entry = { ...hit, graphVersion: state.version };
    else {
      const inventory = { ...merged, ciliumNetworkPolicies: withObservedDns(merged.ciliumNetworkPolicies ?? [], answers) };
      entry = { inventoryVersion: state.inventoryVersion, inventory, merged, engine: createEngine(inventory), ends: createEnds(merged), dnsKey, graphVersion: state.version };
    }
  } else {
    entry = { inventoryVersion: state.inventoryVersion, inventory: merged, merged, engine: createEngine(merged), ends: createEnds(merged) };
  }
  engines.set(state, entry);
  return entry;
}

/** Windowed answers kept per state and graph version (the unwindowed one is always kept). */
const WINDOWS_KEPT = 4;

/**
 * One answer per graph version, state and window, computed on first use: the unwindowed answer
 * and the last few windows' answers. A windowed answer on a shared store also depends on what
 * other replicas wrote; their batches bump the version when followed (AppState.followStore).
 */
function perVersion<T>(compute: (state: AppState, window?: TimeWindow) => T): (state: AppState, window?: TimeWindow) => T {
  const cache = new WeakMap<AppState, { version: number; values: Map<string, T> }>();
  return (state, window) => {
    const id = window && hasWindow(window) ? `${window.since ?? ''}|${window.until ?? ''}` : '';
    let entry = cache.get(state);
    if (!entry || entry.version !== state.version) {
      entry = { version: state.version, values: new Map() };
      cache.set(state, entry);
    }
    const hit = entry.values.get(id);
    if (hit !== undefined) return hit;
    const value = compute(state, id ? window : undefined);
    if (id && entry.values.size > WINDOWS_KEPT) {
      for (const k of entry.values.keys()) if (k) { entry.values.delete(k); break; }
    }
    entry.values.set(id, value);
    return value;
  };
}

/** `cluster/ns/Kind/name` or `cluster/Kind/name` as an API reference (the policy's own kind, its tier when unrecorded). */
function policyRefOf(p: { readonly policy: string; readonly tier: PolicyTier; readonly kind?: PolicyKind; readonly name: string; readonly namespace?: string }): PolicyRef {
  const cluster = p.policy.slice(0, p.policy.indexOf('/'));
  return { key: p.policy, kind: p.kind ?? p.tier, cluster, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), name: p.name };
}

function uniqueRefs(list: readonly { readonly policy: string; readonly tier: PolicyTier; readonly name: string; readonly namespace?: string }[]): PolicyRef[] {
  const seen = new Map<string, PolicyRef>();
  for (const p of list) if (!seen.has(p.policy)) seen.set(p.policy, policyRefOf(p));
  return [...seen.values()];
}

/**
 * AnalysisProviders.policiesSelecting: the policies (ANP, NetworkPolicy, BANP, in evaluation
 * order) whose subject selects the pod, or any pod of the workload, in either direction.
 */
export function policiesSelectingProvider(state: AppState, nodeKey: string): PolicyRef[] {
  const { engine, ends } = policyEngineOf(state);
  const pods = nodeKey.startsWith('pod:')
    ? [ends.podByKey.get(nodeKey)].filter((p) => p !== undefined)
    : nodeKey.startsWith('wl:') ? [...(ends.ctx.index.byKey.get(nodeKey)?.pods ?? [])] : [];
  return uniqueRefs(pods.flatMap((pod) => [...engine.policiesSelecting(pod, 'ingress'), ...engine.policiesSelecting(pod, 'egress')]));
}

/** The pod-level edges behind a workload-level edge: the pairs of keys to evaluate. */
function pairsBehind(state: AppState, ends: Ends, edge: ApiEdge): { s: string; d: string }[] {
  const g = state.graph;
  const out: { s: string; d: string }[] = [];
  const starts = edge.source.startsWith('wl:')
    ? (ends.ctx.index.byKey.get(edge.source)?.pods ?? []).map((p) => `pod:${p.cluster}/${p.namespace}/${p.name}`)
    : [edge.source];
  for (const s of starts) {
    if (!g.hasNode(s)) continue;
    g.forEachOutEdge(s, (_k, a: FlowEdge) => {
      if (out.length >= MAX_PAIRS || a.level !== 'pod' || a.protocol !== edge.protocol || a.port !== edge.port) return;
      if (a.destination === edge.target || ends.workloadOf(a.destination) === edge.target) out.push({ s, d: a.destination });
    });
  }
  if (out.length === 0) out.push({ s: edge.source, d: edge.target });
  return out;
}

interface Evaluated { readonly src: Peer; readonly dst: Peer; readonly egress: DirectionVerdict; readonly ingress: DirectionVerdict }

/** Both directions; pods of two clusters see each other as addresses (selectors never cross clusters). */
function evaluate(engine: PolicyEngine, src: Peer, dst: Peer, protocol: Protocol, port: number): Evaluated {
  const cross = src.kind === 'pod' && dst.kind === 'pod' && src.pod.cluster !== dst.pod.cluster;
  const egress = engine.evaluate({ src, dst: cross ? asAddress(dst) : dst, protocol, port }).egress;
  const ingress = engine.evaluate({ src: cross ? asAddress(src) : src, dst, protocol, port }).ingress;
  return { src, dst, egress, ingress };
}

/**
 * AnalysisProviders.explainEdge: the verdict of the intended (snapshot) policies on the edge's
 * protocol and port, evaluated on its pod pairs (the first denied pair explains the edge, as in
 * the diff), with the reason, the policies and the rule chain in evaluation order. Namespace
 * and cluster edges aggregate many pairs: 'unknown', pointing at their parts.
 */
export function explainEdgeProvider(state: AppState, edge: ApiEdge): EdgeExplanation {
  const unknown = (reason: string): EdgeExplanation => ({ verdict: 'unknown', reason, policies: [] });
  if (!EXPRESSIBLE.has(edge.protocol) || edge.port === undefined) {
    return unknown(`${edge.protocol}${edge.port === undefined ? ' without a port' : ''} is not described by NetworkPolicy.`);
  }
  if (/^(ns|cluster):/.test(edge.source) || /^(ns|cluster):/.test(edge.target)) {
    return unknown('an aggregate of several workload pairs: open one of its parts (workload level) for its rules.');
  }
  const { engine, ends } = policyEngineOf(state);
  const protocol = edge.protocol as Protocol;
  let first: Evaluated | undefined;
  let denied: Evaluated | undefined;
  let why: string | undefined;
  for (const pair of pairsBehind(state, ends, edge)) {
    const r = ends.pairOf(pair.s, pair.d);
    if (typeof r === 'string') {
      why ??= r;
      continue;
    }
    const v = evaluate(engine, r.src, r.dst, protocol, edge.port);
    first ??= v;
    if (!(v.egress.allowed && v.ingress.allowed)) {
      denied = v;
      break;
    }
  }
  const pick = denied ?? first;
  if (!pick) return unknown(`cannot be evaluated: ${why ?? 'no end to evaluate'}.`);
  const rules: MatchedRule[] = [...pick.egress.matchedRules, ...pick.ingress.matchedRules];
  const reason = denied
    ? (!denied.egress.allowed ? denied.egress.reason : denied.ingress.reason)
    : `${pick.egress.reason}; ${pick.ingress.reason}`;
  return {
    verdict: denied ? 'denied' : 'allowed',
    reason,
    // The rules that matched, and for a denial the policies isolating the denied direction.
    policies: uniqueRefs([...rules, ...(denied ? (!denied.egress.allowed ? denied.egress : denied.ingress).isolatedBy.map(isolatingRef) : [])]),
    rules: rules.map(formatRule),
    evaluated: { source: describePeer(pick.src), destination: describePeer(pick.dst) },
  };
}

/** A policy of the NetworkPolicy tier named only by its reference (`cluster/ns/Kind/name` or `cluster/Kind/name`), when no rule matched. */
function isolatingRef(policy: string): { policy: string; tier: PolicyTier; kind?: PolicyKind; name: string; namespace?: string } {
  const parts = policy.split('/');
  const kind = parts[parts.length - 2] as PolicyKind;
  return { policy, tier: 'NetworkPolicy', kind, name: parts[parts.length - 1], ...(parts.length === 4 ? { namespace: parts[1] } : {}) };
}

/**
 * AnalysisProviders.findings (GET /api/v1/findings, node detail): the risk findings in the
 * API's shape (`code` = finding kind, `subjects` = subject then related keys).
 */
export function findingsProvider(state: AppState, window?: TimeWindow): Finding[] {
  const edges = window && hasWindow(window) ? windowedEdges(state, window) : undefined;
  return computeFindings(state, { remediation: false, edges }).findings.map((f) => ({
    id: f.id, severity: f.severity, code: f.kind, message: f.title, subjects: [f.subject, ...f.related],
  }));
}

/**
 * AnalysisProviders.diff (GET /api/v1/diff): every non-allowed observed edge (`kind` = its
 * class) and the top unused pairs (`kind: 'unused'`); the summary has the class counts, the
 * surface size and the finding counts. The full report is `computeDiff`.
 */
export function diffProvider(state: AppState, window?: TimeWindow, unusedItems = 100): DiffResponse {
  const edges = window && hasWindow(window) ? windowedEdges(state, window) : undefined;
  const report = computeDiff(state, { remediation: false, explainUnused: 0, edges });
  const { diff, risk } = report;
  const items = [
    ...diff.observed.filter((r) => r.class !== 'allowed').map((r) => ({
      kind: r.class, message: `${r.source} -> ${r.destination} ${r.protocol}${r.port !== undefined ? `/${r.port}` : ''}: ${r.explanation[0] ?? ''}`,
      subjects: [r.edge, r.source, r.destination],
    })),
    ...diff.unused.slice(0, unusedItems).map((u) => ({
      kind: 'unused', message: `${u.source} -> ${u.destination}: ${u.unused} allowed, never observed (${u.ports} ports)`,
      subjects: [u.source, u.destination].filter((k) => k.startsWith('wl:')),
    })),
  ];
  const summary: Record<string, number> = { ...diff.counts, unusedPairs: diff.surface.pairs, unusedPorts: diff.surface.ports };
  for (const [s, n] of Object.entries(risk.counts)) summary[`findings.${s}`] = n;
  return { items, summary };
}

/** The AnalysisProviders.generate implementation. */
export function generateProvider(state: AppState, request: GenerateRequest): GenerateResponse {
  const sel = request.selection ?? {};
  const out = generateForSelection(state, sel.nodes ?? [], { cluster: sel.cluster, namespace: sel.namespace, format: request.format });
  const r = out.result.report;
  const warnings = [
    ...r.skipped.map((s) => s.detail),
    ...r.leftOut.filter((l) => l.reason !== 'host-traffic').map((l) => `${l.reason}: ${l.edge}: ${l.detail}`),
    ...(out.proof.broken > 0 ? [`broken: ${out.proof.broken} observed flow(s) the generated set would deny`] : []),
    ...out.proof.unprovenFlows.map((u) => `unproven: ${u.edge}: ${u.reason}`),
    ...(out.proof.extra > 0 ? [`extra: ${out.proof.extra} workload pair(s) allowed beyond what was observed`] : []),
  ];
  const { broken, unproven, extra } = out.proof;
  return { yaml: out.yaml, policies: out.result.policies.length, warnings, proof: { broken, unproven, extra } };
}

/** The providers `netatlas serve` uses (and the e2e harness): generate, diff, findings, explanations, selecting policies. */
export function defaultProviders(): AnalysisProviders {
  const diff = perVersion<DiffResponse>((s, w) => diffProvider(s, w));
  const findings = perVersion<Finding[]>((s, w) => findingsProvider(s, w));
  return {
    generate: generateProvider,
    diff,
    findings,
    explainEdge: explainEdgeProvider,
    policiesSelecting: policiesSelectingProvider,
  };
}
