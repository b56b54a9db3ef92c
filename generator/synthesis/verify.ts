/**
 * The proof: evaluate the generated set (with the snapshot's own policies when asked) with
 * the policy engine.
 *  - broken: observed flows the plan meant to allow that the set would deny, pod by pod.
 *  - extra: workload pairs and ports the set allows between pods of the snapshot that were
 *    never observed, minus what NetworkPolicy cannot avoid or the user asked for (each
 *    exclusion listed with its reason).
 * Conventions: ipBlocks do not match pod IPs (Cilium's behaviour; the engine's default), so a
 * pod of another cluster is evaluated as an address from each side of the mesh.
 */
import type { FlowEdge } from '../model/graph.ts';
import type { Inventory, PodInfo, Protocol } from '../model/inventory.ts';
import { clusterOfKey, parseKey, podKey } from '../model/keys.ts';
import type { NetworkPolicyInfo } from '../model/policy.ts';
import { createEngine } from '../semantics/engine.ts';
import { labelsKey, matchesSelector, namespaceLabels } from '../selectors/index.ts';
import type { LabelSelector, Labels } from '../model/labels.ts';
import { ConnectionSet } from '../semantics/ports.ts';
import type { Peer, PolicyEngine } from '../semantics/types.ts';
import { createEnds, describePeer } from './ends.ts';
import { edgeId, isClusterDns, synthesisContext, type SynthesisContext } from './synthesize.ts';
import type { SynthesisResult } from './types.ts';
import { clusterIpSpans, possibleServiceAddress, type ServiceCidr } from './service-addresses.ts';

export interface BrokenFlow {
  readonly edge: string;
  /** `pod:...` or an address, each end. */
  readonly source: string;
  readonly destination: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly deniedBy: 'egress' | 'ingress';
}

export interface UnprovenFlow {
  readonly edge: string;
  readonly reason: string;
}

export interface ExtraConnection {
  readonly source: string;
  readonly destination: string;
  /** e.g. `TCP 53` */
  readonly connections: string;
}

export interface ExcludedConnection extends ExtraConnection {
  readonly reason: string;
}

export interface Proof {
  readonly broken: number;
  readonly brokenFlows: readonly BrokenFlow[];
  /** Observed pod pairs evaluated. */
  readonly checked: number;
  /**
   * Observed edges touching an isolated workload that the proof could not evaluate (an end
   * with no pod or address to ask about: an unknown address, a ClusterIP without endpoints, a
   * workload with no pod in the inventory; or an address written as external that may be a
   * Service address, see `possibleServiceAddress`), each with why. Never counted as fine: a run is
   * only proven when broken + unproven = 0.
   */
  readonly unproven: number;
  readonly unprovenFlows: readonly UnprovenFlow[];
  readonly extra: number;
  readonly extraConnections: readonly ExtraConnection[];
  readonly excluded: readonly ExcludedConnection[];
  /** What the extra count leaves out by construction, in sentences. */
  readonly exclusions: readonly string[];
}

export interface VerifyOptions {
  /** Evaluate together with the snapshot's own NetworkPolicies/ANPs (default: the generated set alone). */
  readonly withExisting?: boolean;
  /** Skip the extra computation (the connectivity map), e.g. when only broken matters. */
  readonly skipExtra?: boolean;
  /**
   * Service CIDRs (`--service-cidr`): a flow from a cluster to an address in one of its
   * Service CIDRs that no Service holds is unproven, since its backends are unknown.
   */
  readonly serviceCidrs?: readonly ServiceCidr[];
}

export const PROOF_EXCLUSIONS: readonly string[] = [
  'traffic of a pod to itself, and between pods of one workload (the map is per workload pair)',
  "traffic from a pod's own node (kubelet probes, hostNetwork pods): NetworkPolicy always allows it",
  'pairs involving hostNetwork pods: NetworkPolicy does not apply to them and sees them as node addresses',
  'UDP and TCP 53 to the cluster DNS: the DNS baseline rule allows every pod to query it, observed or not',
  'addresses outside the snapshot (external peers, other clusters\' CIDRs): not pairs of pods in the snapshot',
];


type InDirection = (a: Peer, b: Peer, dir: 'egress' | 'ingress') => ConnectionSet;

/**
 * One evaluation per direction and pair of pods (or addresses), shared by both checks. Keyed
 * by the pod objects themselves (or the address), so a lookup builds no string.
 */
function cachedDirections(engine: PolicyEngine): InDirection {
  type End = PodInfo | string;
  const caches = { egress: new Map<End, Map<End, ConnectionSet>>(), ingress: new Map<End, Map<End, ConnectionSet>>() };
  const endOf = (p: Peer): End => (p.kind === 'pod' ? p.pod : p.ip);
  return (a, b, dir) => {
    const outer = caches[dir];
    const ka = endOf(a);
    let inner = outer.get(ka);
    if (!inner) outer.set(ka, (inner = new Map()));
    const kb = endOf(b);
    let set = inner.get(kb);
    if (!set) inner.set(kb, (set = engine.allowedInDirection(a, b, dir)));
    return set;
  };
}

export function verifyPolicies(inventory: Inventory, result: SynthesisResult, options: VerifyOptions = {}, ctx: SynthesisContext = synthesisContext(inventory)): Proof {
  const policies: NetworkPolicyInfo[] = [...(options.withExisting ? inventory.networkPolicies : []), ...result.networkPolicies];
  const engine = createEngine({
    namespaces: inventory.namespaces, pods: inventory.pods, nodes: inventory.nodes, networkPolicies: policies,
    adminNetworkPolicies: options.withExisting ? inventory.adminNetworkPolicies : [],
    ...(options.withExisting ? { ciliumNetworkPolicies: inventory.ciliumNetworkPolicies, calicoPolicies: inventory.calicoPolicies, calicoTiers: inventory.calicoTiers, calicoNetworkSets: inventory.calicoNetworkSets } : {}),
  });
  const inDirection = cachedDirections(engine);
  const knownServiceAddresses = new Set(inventory.services.filter((s) => s.clusterIPs.length > 0).map((s) => s.cluster));
  const serviceCidrs = [
    ...(options.serviceCidrs ?? []),
    ...(inventory.serviceCidrs ?? []).flatMap((o) => o.cidrs.map((cidr) => ({ cluster: o.cluster, cidr }))),
    ...clusterIpSpans(inventory),
  ];
  const serviceAddressDoubt = (ip: string, cluster: string | undefined) => possibleServiceAddress(ip, cluster, serviceCidrs, knownServiceAddresses);
  const broken = checkBroken(inDirection, inventory, ctx, result, serviceAddressDoubt);
  const extra = options.skipExtra ? { extraConnections: [], excluded: [] } : checkExtra(engine, inDirection, ctx, result, !options.withExisting, inventory);
  return {
    broken: broken.brokenFlows.length, ...broken,
    extra: extra.extraConnections.length, ...extra, exclusions: PROOF_EXCLUSIONS,
  };
}

function checkBroken(
  inDirection: InDirection, inventory: Inventory, ctx: SynthesisContext, result: SynthesisResult,
  serviceAddressDoubt: (ip: string, cluster: string | undefined) => string | undefined,
) {
  const { workloadOf, pairOf } = createEnds(inventory, ctx);
  // Pod-level detail, grouped by the workload-level edge it belongs to.
  const detail = new Map<string, { s: string; d: string }[]>();
  for (const e of result.podEdges) {
    const id = `${workloadOf(e.source)}->${workloadOf(e.destination)}|${e.protocol}|${e.port ?? '-'}`;
    let l = detail.get(id);
    if (!l) detail.set(id, (l = []));
    l.push({ s: e.source, d: e.destination });
  }

  const brokenFlows: BrokenFlow[] = [];
  const unprovenFlows: UnprovenFlow[] = [];
  const unprovenSeen = new Set<string>();
  const unproven = (edge: string, reason: string): void => {
    if (unprovenSeen.has(edge)) return;
    unprovenSeen.add(edge);
    unprovenFlows.push({ edge, reason });
  };
  let checked = 0;
  for (const edge of result.allowedEdges) {
    const id = edgeId(edge);
    const protocol = edge.protocol as Protocol;
    const port = edge.port!;
    // An address the graph could not tell from a Service address: the /32 written for it proves nothing.
    const to = edge.destination.startsWith('ext:') ? parseKey(edge.destination) : undefined;
    if (to?.kind === 'external') {
      const doubt = serviceAddressDoubt(to.ip, clusterOfKey(edge.source));
      if (doubt) {
        unproven(id, doubt);
        continue;
      }
    }
    let pairs = detail.size === 0 ? undefined : detail.get(`${edge.source}->${edge.destination}|${edge.protocol}|${edge.port ?? '-'}`);
    if (!pairs || pairs.length === 0) pairs = [{ s: edge.source, d: edge.destination }];
    for (const pair of pairs) {
      const pairEnds = pairOf(pair.s, pair.d);
      if (typeof pairEnds === 'string') {
        unproven(id, pairEnds);
        continue;
      }
      const { src, dst } = pairEnds;
      const cross = src.kind === 'pod' && dst.kind === 'pod' && src.pod.cluster !== dst.pod.cluster;
      // Across clusters each side sees the other's pod as an address: without one there is nothing to ask.
      const noAddress = cross ? [src, dst].find((p) => p.kind === 'pod' && p.pod.ips.length === 0) : undefined;
      if (noAddress) {
        unproven(id, `${describePeer(noAddress)} is in another cluster and has no address in the inventory`);
        continue;
      }
      checked++;
      const egressDst: Peer = cross && dst.kind === 'pod' ? { kind: 'ip', ip: dst.pod.ips[0] } : dst;
      const ingressSrc: Peer = cross && src.kind === 'pod' ? { kind: 'ip', ip: src.pod.ips[0] } : src;
      const eg = inDirection(src, egressDst, 'egress').contains(protocol, port);
      const ing = eg ? inDirection(ingressSrc, dst, 'ingress').contains(protocol, port) : true;
      if (!eg || !ing) {
        brokenFlows.push({ edge: id, source: describePeer(src), destination: describePeer(dst), protocol, port, deniedBy: eg ? 'ingress' : 'egress' });
      }
    }
  }
  return { brokenFlows, checked, unproven: unprovenFlows.length, unprovenFlows };
}

/**
 * Workload pairs the evaluated set can allow when it holds only generated policies: every
 * subject is isolated both ways by its own policy, so a pair is allowed only if the far end
 * matches a peer of a rule that selects the near end. Subjects and peers are matched against
 * the snapshot's pods (nothing is assumed from the plan), so this enumerates the pairs the full
 * connectivity map would have, at a fraction of its cost. Undefined when a rule allows every
 * peer (then the caller uses the map).
 */
function candidateRows(inDirection: InDirection, ctx: SynthesisContext, result: SynthesisResult, inventory: Inventory): { s: string; d: string; connections: ConnectionSet }[] | undefined {
  const { index } = ctx;
  const nsLabels = new Map<string, Labels>();
  for (const ns of inventory.namespaces) nsLabels.set(`${ns.cluster}/${ns.name}`, namespaceLabels(ns.name, ns.labels));
  const namespacesOf = new Map<string, string[]>();
  for (const k of index.podsByNamespace.keys()) {
    const [c, n] = k.split('/');
    if (!nsLabels.has(k)) nsLabels.set(k, namespaceLabels(n, undefined));
    let l = namespacesOf.get(c);
    if (!l) namespacesOf.set(c, (l = []));
    l.push(n);
  }
  // Memoized by `cluster/namespace` (or the namespace list namespacesMatching returned) and the
  // selector object: generated rules share their peers' selector objects, so no key is built.
  const memo = new Map<string | readonly string[], Map<LabelSelector | undefined, Set<string>>>();
  const workloadsMatching = (cluster: string, namespaces: readonly string[], sel: LabelSelector | undefined, memoKey: string | readonly string[]): Set<string> => {
    let bySel = memo.get(memoKey);
    if (!bySel) memo.set(memoKey, (bySel = new Map()));
    const known = bySel.get(sel);
    if (known) return known;
    const out = new Set<string>();
    bySel.set(sel, out);
    for (const ns of namespaces) {
      for (const pod of index.podsByNamespace.get(`${cluster}/${ns}`) ?? []) {
        if (pod.hostNetwork || (sel && !matchesSelector(sel, pod.labels))) continue;
        const w = index.workloadOfPod.get(`${pod.cluster}/${pod.namespace}/${pod.name}`);
        if (w) out.add(w);
      }
    }
    return out;
  };
  const nsMemo = new Map<string, string[]>();
  const namespacesMatching = (cluster: string, sel: LabelSelector): string[] => {
    const key = `${cluster}\u0000${JSON.stringify(sel)}`;
    let l = nsMemo.get(key);
    if (!l) nsMemo.set(key, (l = (namespacesOf.get(cluster) ?? []).filter((n) => matchesSelector(sel, nsLabels.get(`${cluster}/${n}`)!))));
    return l;
  };
  // Candidate pairs: source -> destinations (sorted below: the same order as `s\0d` strings).
  const pairs = new Map<string, Set<string>>();
  const addPair = (s: string, d: string): void => {
    let l = pairs.get(s);
    if (!l) pairs.set(s, (l = new Set()));
    l.add(d);
  };
  for (const np of result.networkPolicies) {
    const own = `${np.cluster}/${np.namespace}`;
    const subjects = workloadsMatching(np.cluster, [np.namespace], np.podSelector, own);
    if (subjects.size === 0) continue;
    for (const dir of ['ingress', 'egress'] as const) {
      for (const r of np[dir] ?? []) {
        if (!r.peers || r.peers.length === 0) return undefined;
        for (const p of r.peers) {
          if (p.ipBlock) continue;
          const nss = p.namespaceSelector ? namespacesMatching(np.cluster, p.namespaceSelector) : undefined;
          for (const w of workloadsMatching(np.cluster, nss ?? [np.namespace], p.podSelector, nss ?? own)) {
            for (const subj of subjects) {
              if (w === subj) continue;
              if (dir === 'egress') addPair(subj, w);
              else addPair(w, subj);
            }
          }
        }
      }
    }
  }
  /** A workload's pods with distinct labels and ports (the rest answer the same), once per workload. */
  const classMemo = new Map<string, PodInfo[]>();
  const classes = (key: string): PodInfo[] => {
    const known = classMemo.get(key);
    if (known) return known;
    const seen = new Map<string, PodInfo>();
    for (const p of index.byKey.get(key)?.pods ?? []) {
      const k = `${labelsKey(p.labels)}|${p.ports.map((x) => `${x.name ?? ''}:${x.containerPort}/${x.protocol}`).sort().join(',')}`;
      if (!seen.has(k)) seen.set(k, p);
    }
    const list = [...seen.values()];
    classMemo.set(key, list);
    return list;
  };
  const rows: { s: string; d: string; connections: ConnectionSet }[] = [];
  for (const s of [...pairs.keys()].sort(cmp)) {
    const srcs = classes(s).map((pod): Peer => ({ kind: 'pod', pod }));
    for (const d of [...pairs.get(s)!].sort(cmp)) {
      let connections = ConnectionSet.NONE;
      for (const src of srcs) {
        for (const b of classes(d)) {
          const dst: Peer = { kind: 'pod', pod: b };
          const eg = inDirection(src, dst, 'egress');
          if (!eg.isEmpty()) connections = connections.union(eg.intersect(inDirection(src, dst, 'ingress')));
        }
      }
      rows.push({ s, d, connections });
    }
  }
  return rows;
}

function mapRows(engine: PolicyEngine, ctx: SynthesisContext): { s: string; d: string; connections: ConnectionSet }[] {
  const rows: { s: string; d: string; connections: ConnectionSet }[] = [];
  for (const row of engine.connectivityMap()) {
    if (row.srcPeer.kind !== 'workload' || row.dstPeer.kind !== 'workload') continue;
    const s = ctx.index.fromEngineOwner.get(`${row.srcPeer.cluster}/${row.srcPeer.namespace}/${row.srcPeer.workloadKind}/${row.srcPeer.name}`);
    const d = ctx.index.fromEngineOwner.get(`${row.dstPeer.cluster}/${row.dstPeer.namespace}/${row.dstPeer.workloadKind}/${row.dstPeer.name}`);
    if (s && d) rows.push({ s, d, connections: row.connections });
  }
  return rows;
}

function checkExtra(engine: PolicyEngine, inDirection: InDirection, ctx: SynthesisContext, result: SynthesisResult, generatedOnly: boolean, inventory: Inventory) {
  const { index } = ctx;
  const scope = new Set(result.scope);
  const observed = new Map<string, Map<string, ConnectionSet>>();
  for (const e of result.allowedEdges) {
    if (e.port === undefined) continue;
    let m = observed.get(e.source);
    if (!m) observed.set(e.source, (m = new Map()));
    m.set(e.destination, (m.get(e.destination) ?? ConnectionSet.NONE).union(ConnectionSet.of(e.protocol as Protocol, e.port, e.port)));
  }
  const extraConnections: ExtraConnection[] = [];
  const excluded: ExcludedConnection[] = [];
  const dns53 = ConnectionSet.of('TCP', 53, 53).union(ConnectionSet.of('UDP', 53, 53));
  const rows = (generatedOnly ? candidateRows(inDirection, ctx, result, inventory) : undefined) ?? mapRows(engine, ctx);
  for (const row of rows) {
    const { s, d } = row;
    if (s === d) continue;
    if (!scope.has(s) && !scope.has(d)) continue;
    const sw = index.byKey.get(s)!;
    const dw = index.byKey.get(d)!;
    if (sw.hostNetwork || dw.hostNetwork) continue;
    const seen = observed.get(s)?.get(d) ?? ConnectionSet.NONE;
    let rest = row.connections.subtract(seen);
    if (rest.isEmpty()) continue;
    if (isClusterDns(dw)) {
      const dnsPart = rest.intersect(dns53);
      if (!dnsPart.isEmpty()) {
        excluded.push({ source: s, destination: d, connections: dnsPart.toString(), reason: 'baseline: every pod may query the cluster DNS on UDP/TCP 53' });
        rest = rest.subtract(dns53);
      }
    }
    for (const dp of ctx.exposed.get(d)?.dataPlanes ?? []) {
      if (dp.workload !== s) continue;
      let routed = ConnectionSet.NONE;
      for (const n of dp.numbers) {
        const [protocol, port] = n.split('/');
        routed = routed.union(ConnectionSet.of(protocol as Protocol, Number(port), Number(port)));
      }
      const part = rest.intersect(routed);
      if (part.isEmpty()) continue;
      excluded.push({ source: s, destination: d, connections: part.toString(), reason: `baseline: ${dp.via} sends to it through the Gateway's own pods` });
      rest = rest.subtract(routed);
    }
    if (rest.isEmpty()) continue;
    extraConnections.push({ source: s, destination: d, connections: rest.toString() });
  }
  // Another cluster's pod range (--cluster-cidr, or its nodes' podCIDRs): every pod of it is let in or out on the rule's ports.
  for (const subj of result.report.subjects) {
    for (const dir of ['ingress', 'egress'] as const) {
      for (const r of subj[dir]) {
        for (const p of r.peers) {
          if (p.kind !== 'remote-workload' || !p.viaClusterCidr) continue;
          excluded.push({
            source: dir === 'egress' ? subj.key : `${p.cidrs.join(',')} (${p.cluster})`,
            destination: dir === 'egress' ? `${p.cidrs.join(',')} (${p.cluster})` : subj.key,
            connections: r.ports.map((x) => `${x.protocol} ${x.port}`).join(','),
            reason: `pod range of cluster ${p.cluster}: every pod of it, not only ${p.key}`,
          });
        }
      }
    }
  }
  return { extraConnections, excluded };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type { FlowEdge };
