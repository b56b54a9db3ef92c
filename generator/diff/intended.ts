/**
 * diffIntendedActual: every observed edge classified against the intended policies (allowed,
 * blocked, would-break, unexplained-drop), and every allowed but unobserved connection (the
 * unused attack surface), each row with the engine's explanation.
 *
 * Conventions (as the synthesis proof): pods of another cluster are evaluated as addresses
 * from each side of the mesh, because selectors never cross clusters; node traffic is
 * evaluated against the destination's pod on that node (NetworkPolicy always allows it).
 */
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory, PodInfo, Protocol } from '../model/inventory.ts';
import { flowEdgeKey } from '../model/keys.ts';
import type { CalicoPolicyInfo, NetworkPolicyInfo } from '../model/policy.ts';
import { intToIpv4, ipv4ToInt } from '../semantics/cidr.ts';
import { createEngine } from '../semantics/engine.ts';
import { formatRule } from '../semantics/explain.ts';
import { ConnectionSet, CONNECTION_PROTOCOLS } from '../semantics/ports.ts';
import type { DirectionVerdict, EngineOptions, MapPeer, MatchedRule, Peer, PolicyEngine } from '../semantics/types.ts';
import { synthesisContext } from '../synthesis/synthesize.ts';
import { asAddress, createEnds, describePeer, type Ends } from '../synthesis/ends.ts';
import {
  EDGE_CLASSES, type DiffInput, type DiffResult, type EdgeClass, type ObservedRow, type PolicySet, type SurfaceChange,
  type SurfaceSize, type UnusedRow,
} from './types.ts';

const EXPRESSIBLE: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
const REFUSED: ReadonlySet<string> = new Set(['DROPPED', 'ERROR']);

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Number of (protocol, port) values in a set. */
export function portCount(set: ConnectionSet): number {
  let n = 0;
  for (const p of CONNECTION_PROTOCOLS) {
    const iv = set.get(p);
    for (let i = 0; i < iv.length; i += 2) n += iv[i + 1] - iv[i] + 1;
  }
  return n;
}

export const ruleId = (r: MatchedRule): string => `${r.policy} ${r.direction}[${r.ruleIndex}]`;

/** The snapshot with its policies replaced by an intended set (or its own). */
export function engineFor(inventory: Inventory, intended: PolicySet | undefined, options: EngineOptions = {}): PolicyEngine {
  const set = intended ?? inventory;
  return createEngine({
    namespaces: inventory.namespaces, pods: inventory.pods, nodes: inventory.nodes,
    networkPolicies: set.networkPolicies, adminNetworkPolicies: set.adminNetworkPolicies ?? [],
    ciliumNetworkPolicies: set.ciliumNetworkPolicies ?? inventory.ciliumNetworkPolicies ?? [],
    calicoPolicies: set.calicoPolicies ?? inventory.calicoPolicies ?? [],
    calicoTiers: set.calicoTiers ?? inventory.calicoTiers ?? [],
    calicoNetworkSets: inventory.calicoNetworkSets ?? [],
  }, options);
}

export interface PairVerdict {
  readonly allowed: boolean;
  readonly deniedBy?: 'egress' | 'ingress';
  readonly rules: readonly MatchedRule[];
  readonly explanation: readonly string[];
}

function directionLines(who: string, v: DirectionVerdict): string[] {
  return [`${v.direction} of ${who}: ${v.reason}`, ...v.matchedRules.map((r) => `  matched ${formatRule(r)}`)];
}

/** One connection, with the mesh convention for pods of two clusters. */
export function evaluatePair(engine: PolicyEngine, src: Peer, dst: Peer, protocol: Protocol, port: number): PairVerdict {
  const cross = src.kind === 'pod' && dst.kind === 'pod' && src.pod.cluster !== dst.pod.cluster;
  const e = engine.evaluate({ src, dst: cross ? asAddress(dst) : dst, protocol, port }).egress;
  const i = engine.evaluate({ src: cross ? asAddress(src) : src, dst, protocol, port }).ingress;
  const allowed = e.allowed && i.allowed;
  const header = `${describePeer(src)} => ${describePeer(dst)} : ${protocol} ${port} is ${allowed ? 'ALLOWED' : 'DENIED'}` +
    (cross ? ' (across clusters: each side sees the other as its pod IP)' : '');
  return {
    allowed,
    deniedBy: allowed ? undefined : e.allowed ? 'ingress' : 'egress',
    rules: [...e.matchedRules, ...i.matchedRules],
    explanation: [header, ...directionLines(describePeer(src), e), ...directionLines(describePeer(dst), i)],
  };
}

/** Pod pairs behind each workload-level edge, from the pod-level edges. */
function podPairs(edges: readonly FlowEdge[], ends: Ends): Map<string, { s: string; d: string }[]> {
  const out = new Map<string, { s: string; d: string }[]>();
  for (const e of edges) {
    if (e.level !== 'pod') continue;
    const id = flowEdgeKey(ends.workloadOf(e.source), ends.workloadOf(e.destination), e.protocol, e.port);
    let l = out.get(id);
    if (!l) out.set(id, (l = []));
    l.push({ s: e.source, d: e.destination });
  }
  return out;
}

function classify(edge: FlowEdge, engine: PolicyEngine, ends: Ends, pairs: Map<string, { s: string; d: string }[]>): ObservedRow {
  let dropped = 0;
  let refused = 0;
  for (const [v, c] of Object.entries(edge.verdicts)) {
    if (v === 'DROPPED') dropped += c ?? 0;
    if (REFUSED.has(v)) refused += c ?? 0;
  }
  const id = flowEdgeKey(edge.source, edge.destination, edge.protocol, edge.port);
  const base = {
    edge: id, source: edge.source, destination: edge.destination, protocol: edge.protocol,
    ...(edge.port !== undefined ? { port: edge.port } : {}), ...(edge.service ? { service: edge.service } : {}),
    connections: edge.count, forwarded: Math.max(0, edge.count - refused), dropped,
    ...(edge.dropReasons ? { dropReasons: { ...edge.dropReasons } } : {}),
    interCluster: edge.interCluster, firstSeen: edge.firstSeen, lastSeen: edge.lastSeen,
  };
  if (!EXPRESSIBLE.has(edge.protocol) || edge.port === undefined) {
    return { ...base, class: 'unevaluated', rules: [], explanation: [`${edge.protocol}${edge.port === undefined ? ' without a port' : ''} is not described by NetworkPolicy`] };
  }
  const protocol = edge.protocol as Protocol;
  let list = pairs.get(id);
  if (!list || list.length === 0) list = [{ s: edge.source, d: edge.destination }];
  let first: { v: PairVerdict; src: Peer; dst: Peer } | undefined;
  let denied: { v: PairVerdict; src: Peer; dst: Peer } | undefined;
  const rules = new Map<string, MatchedRule>();
  let reason: string | undefined;
  for (const pair of list) {
    const r = ends.pairOf(pair.s, pair.d);
    if (typeof r === 'string') {
      reason ??= r;
      continue;
    }
    const v = evaluatePair(engine, r.src, r.dst, protocol, edge.port);
    for (const m of v.rules) rules.set(ruleId(m), m);
    first ??= { v, ...r };
    if (!v.allowed && !denied) denied = { v, ...r };
  }
  if (!first) return { ...base, class: 'unevaluated', rules: [], explanation: [reason ?? 'no end to evaluate'] };
  const pick = denied ?? first;
  const allowed = !denied;
  const cls: EdgeClass = dropped > 0 ? (allowed ? 'unexplained-drop' : 'blocked') : allowed ? 'allowed' : 'would-break';
  return {
    ...base,
    class: cls,
    intendedAllowed: allowed,
    ...(pick.v.deniedBy ? { deniedBy: pick.v.deniedBy } : {}),
    evaluated: { source: describePeer(pick.src), destination: describePeer(pick.dst) },
    rules: [...rules.values()].map(ruleId),
    explanation: pick.v.explanation,
  };
}

/** Observed connection sets per (workload, workload) pair and per (workload, address). */
interface ObservedUse {
  readonly pairs: Map<string, ConnectionSet>;
  /** workload key -> [ipv4 int, set] of the addresses it talked with (either direction, keyed by direction). */
  readonly toAddress: Map<string, { ip: number; set: ConnectionSet }[]>;
  readonly fromAddress: Map<string, { ip: number; set: ConnectionSet }[]>;
}

function observedUse(edges: readonly FlowEdge[], ends: Ends): ObservedUse {
  const pairs = new Map<string, ConnectionSet>();
  const toAddress = new Map<string, { ip: number; set: ConnectionSet }[]>();
  const fromAddress = new Map<string, { ip: number; set: ConnectionSet }[]>();
  const ipOf = (key: string): number | undefined => {
    if (key.startsWith('wl:')) return undefined;
    const p = ends.endOf(key);
    return typeof p !== 'string' && p.kind === 'ip' ? ipv4ToInt(p.ip) : undefined;
  };
  for (const e of edges) {
    if (e.level === 'pod' || e.port === undefined || !EXPRESSIBLE.has(e.protocol)) continue;
    const set = ConnectionSet.of(e.protocol as Protocol, e.port, e.port);
    const s = e.source.startsWith('wl:');
    const d = e.destination.startsWith('wl:');
    if (s && d) {
      const k = `${e.source}>${e.destination}`;
      pairs.set(k, (pairs.get(k) ?? ConnectionSet.NONE).union(set));
    } else if (s) {
      const ip = ipOf(e.destination);
      if (ip !== undefined) push(toAddress, e.source, { ip, set });
    } else if (d) {
      const ip = ipOf(e.source);
      if (ip !== undefined) push(fromAddress, e.destination, { ip, set });
    }
  }
  return { pairs, toAddress, fromAddress };
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function firstPort(set: ConnectionSet): { protocol: Protocol; port: number } | undefined {
  for (const p of ['TCP', 'UDP', 'SCTP'] as const) {
    const iv = set.get(p);
    if (iv.length) return { protocol: p, port: iv[0] };
  }
  return undefined;
}

/**
 * Allowed but unobserved: the connectivity map minus what was observed, ranked. `explain`:
 * explanations for every row (true), none (false) or the first N ranked rows.
 */
export function unusedSurface(engine: PolicyEngine, inventory: Inventory, edges: readonly FlowEdge[], explain: boolean | number = true): { rows: UnusedRow[]; size: SurfaceSize } {
  const ends = createEnds(inventory);
  const use = observedUse(edges, ends);
  const { index } = ends.ctx;
  const items: { row: UnusedRow; s?: string; d?: string; src: MapPeer; dst: MapPeer; rest: ConnectionSet }[] = [];
  for (const row of engine.connectivityMap()) {
    const key = (p: typeof row.srcPeer): string | undefined =>
      p.kind === 'workload' ? index.fromEngineOwner.get(`${p.cluster}/${p.namespace}/${p.workloadKind}/${p.name}`) : undefined;
    const s = key(row.srcPeer);
    const d = key(row.dstPeer);
    if ((row.srcPeer.kind === 'workload' && !s) || (row.dstPeer.kind === 'workload' && !d)) continue;
    let seen = ConnectionSet.NONE;
    if (s && d) seen = use.pairs.get(`${s}>${d}`) ?? seen;
    else if (s && row.dstPeer.kind === 'range') {
      const r = row.dstPeer;
      for (const x of use.toAddress.get(s) ?? []) if (x.ip >= r.start && x.ip <= r.end) seen = seen.union(x.set);
    } else if (d && row.srcPeer.kind === 'range') {
      const r = row.srcPeer;
      for (const x of use.fromAddress.get(d) ?? []) if (x.ip >= r.start && x.ip <= r.end) seen = seen.union(x.set);
    }
    const rest = row.connections.subtract(seen);
    if (rest.isEmpty()) continue;
    const interCluster = row.srcPeer.kind === 'workload' && row.dstPeer.kind === 'workload' && row.srcPeer.cluster !== row.dstPeer.cluster;
    items.push({
      row: {
        source: s ?? row.src, destination: d ?? row.dst,
        sourceKind: s ? 'workload' : 'range', destinationKind: d ? 'workload' : 'range',
        allowed: row.conn, unused: rest.toString(), ports: portCount(rest), interCluster, explanation: [],
      },
      s, d, src: row.srcPeer, dst: row.dstPeer, rest,
    });
  }
  items.sort((x, y) => y.row.ports - x.row.ports || cmp(x.row.source, y.row.source) || cmp(x.row.destination, y.row.destination));
  // Explanations for the top rows only: on large estates the surface has 10^5+ rows.
  const limit = explain === true ? Infinity : explain === false ? 0 : explain;
  const peerOf = (k: string | undefined, p: MapPeer): Peer | undefined => {
    if (p.kind === 'range') return { kind: 'ip', ip: intToIpv4(p.start) };
    const pod: PodInfo | undefined = k ? index.byKey.get(k)?.pods[0] : undefined;
    return pod ? { kind: 'pod', pod } : undefined;
  };
  const rows = items.map((it, i): UnusedRow => {
    if (i >= limit) return it.row;
    const sp = peerOf(it.s, it.src);
    const dp = peerOf(it.d, it.dst);
    const fp = firstPort(it.rest);
    return sp && dp && fp ? { ...it.row, explanation: engine.evaluate({ src: sp, dst: dp, protocol: fp.protocol, port: fp.port }).explanation } : it.row;
  });
  let ports = 0;
  let workloadPairs = 0;
  for (const r of rows) {
    ports += r.ports;
    if (r.sourceKind === 'workload' && r.destinationKind === 'workload') workloadPairs++;
  }
  return { rows, size: { pairs: rows.length, ports, workloadPairs, externalPairs: rows.length - workloadPairs } };
}

export function surfaceChange(before: SurfaceSize, after: SurfaceSize): SurfaceChange {
  const portsRemoved = before.ports - after.ports;
  return {
    before, after, pairsRemoved: before.pairs - after.pairs, portsRemoved,
    // Rounded toward zero, so a large cut that leaves something never reads as 100%.
    portsRemovedPercent: before.ports === 0 ? 0 : Math.trunc((portsRemoved / before.ports) * 1000) / 10,
  };
}

export interface DiffOptions {
  /** Also size the surface under this baseline (normally the snapshot's own policies) and report the change. */
  readonly baseline?: PolicySet;
  /** Explanations for unused rows: all (true, the default), none (false) or the first N ranked rows. */
  readonly explainUnused?: boolean | number;
}

export function diffIntendedActual(input: DiffInput, options: DiffOptions = {}): DiffResult {
  const { inventory } = input;
  const engine = engineFor(inventory, input.intended, input.engine);
  const ctx = synthesisContext(inventory);
  const ends = createEnds(inventory, ctx);
  const pairs = podPairs(input.edges, ends);
  const observed: ObservedRow[] = [];
  for (const e of input.edges) if (e.level !== 'pod') observed.push(classify(e, engine, ends, pairs));
  const order = new Map(EDGE_CLASSES.map((c, i) => [c, i]));
  observed.sort((a, b) => order.get(a.class)! - order.get(b.class)! || cmp(a.edge, b.edge));
  const counts = Object.fromEntries(EDGE_CLASSES.map((c) => [c, 0])) as Record<EdgeClass, number>;
  const used = new Set<string>();
  for (const r of observed) {
    counts[r.class]++;
    if (r.class === 'allowed' || r.class === 'unexplained-drop') for (const id of r.rules) used.add(id);
  }
  // Only Allow rules count as used (a Deny/Pass admin rule that matched is not "used" surface).
  const allowRules = new Set<string>();
  for (const r of observed) if (r.intendedAllowed) for (const id of r.rules) allowRules.add(id);
  const surface = unusedSurface(engine, inventory, input.edges, options.explainUnused ?? true);
  let change: SurfaceChange | undefined;
  if (options.baseline) {
    const before = unusedSurface(engineFor(inventory, options.baseline, input.engine), inventory, input.edges, false).size;
    change = surfaceChange(before, surface.size);
  }
  const problems = [
    ...engine.validation.errors.map((e) => `error: ${e.message}`),
    ...engine.validation.warnings.map((w) => `warning: ${w.message}`),
  ];
  return {
    observed, counts, unused: surface.rows, surface: surface.size, ...(change ? { surfaceChange: change } : {}),
    usedRules: [...used].filter((id) => allowRules.has(id)).sort(), problems,
  };
}


/**
 * A proposed set laid over a base set, namespace by namespace and kind family by kind family:
 * a namespace the proposal has any NetworkPolicy for takes exactly the proposal's
 * NetworkPolicies; other namespaces keep the base's. The same holds for CiliumNetworkPolicies
 * and Calico's namespaced policies, each among its own kind. Cluster-wide kinds go by cluster:
 * a cluster the proposal has any (B)ANP or ClusterNetworkPolicy for takes the proposal's, and
 * likewise for CiliumClusterwideNetworkPolicies and Calico GlobalNetworkPolicies; the
 * proposal's Calico tiers replace the base's tiers of the same name. So a Git folder covering
 * one application does not silently strip every other namespace of its policies.
 */
export function overlayPolicySet(base: PolicySet, proposed: PolicySet): PolicySet {
  const nsCovered = new Set(proposed.networkPolicies.map((p) => `${p.cluster}/${p.namespace}`));
  const clustersCovered = new Set((proposed.adminNetworkPolicies ?? []).map((p) => p.cluster));
  return {
    networkPolicies: [...base.networkPolicies.filter((p) => !nsCovered.has(`${p.cluster}/${p.namespace}`)), ...proposed.networkPolicies],
    adminNetworkPolicies: [...(base.adminNetworkPolicies ?? []).filter((p) => !clustersCovered.has(p.cluster)), ...(proposed.adminNetworkPolicies ?? [])],
    ...(proposed.ciliumNetworkPolicies || base.ciliumNetworkPolicies
      ? { ciliumNetworkPolicies: overlayScoped(base.ciliumNetworkPolicies ?? [], proposed.ciliumNetworkPolicies ?? []) }
      : {}),
    ...(proposed.calicoPolicies || base.calicoPolicies ? { calicoPolicies: overlayScoped(base.calicoPolicies ?? [], proposed.calicoPolicies ?? []) } : {}),
    ...(proposed.calicoTiers || base.calicoTiers
      ? { calicoTiers: [...(base.calicoTiers ?? []).filter((t) => !(proposed.calicoTiers ?? []).some((n) => n.cluster === t.cluster && n.name === t.name)), ...(proposed.calicoTiers ?? [])] }
      : {}),
  };
}

/** One kind family overlaid: namespaced policies by namespace, cluster-wide ones (no namespace) by cluster. */
function overlayScoped<T extends { readonly cluster: string; readonly namespace?: string }>(base: readonly T[], proposed: readonly T[]): T[] {
  const scope = (p: T): string => (p.namespace !== undefined ? `ns:${p.cluster}/${p.namespace}` : `cluster:${p.cluster}`);
  const covered = new Set(proposed.map(scope));
  return [...base.filter((p) => !covered.has(scope(p))), ...proposed];
}

/**
 * The snapshot's policies with its Calico staged policies enforced (what-if, `diff --staged`):
 * a staged policy with stagedAction Set replaces the enforced policy of the same kind, cluster,
 * namespace and name (or is added), Delete removes it.
 */
export function withStagedPolicies(inventory: Inventory): PolicySet {
  const key = (p: { kind: string; cluster: string; namespace?: string; name: string }): string => `${p.kind}/${p.cluster}/${p.namespace ?? ''}/${p.name}`;
  const nps = new Map(inventory.networkPolicies.map((p) => [key(p), p]));
  const calico = new Map((inventory.calicoPolicies ?? []).map((p) => [key(p), p]));
  for (const s of inventory.stagedPolicies ?? []) {
    const target: Map<string, NetworkPolicyInfo | CalicoPolicyInfo> = s.policy.kind === 'NetworkPolicy' ? nps : calico;
    target.delete(key(s.policy));
    if (s.stagedAction === 'Set') target.set(key(s.policy), s.policy);
  }
  return {
    networkPolicies: [...nps.values()],
    adminNetworkPolicies: inventory.adminNetworkPolicies,
    ciliumNetworkPolicies: inventory.ciliumNetworkPolicies ?? [],
    calicoPolicies: [...calico.values()] as CalicoPolicyInfo[],
    calicoTiers: inventory.calicoTiers ?? [],
  };
}
