/**
 * createEngine: compiles a snapshot's policies once, then answers connection questions.
 * Single connections are evaluated directly on the pods; the connectivity map groups pods
 * into equivalence classes (same cluster, namespace, labels, declared ports, and whatever
 * else can change a verdict) and computes port interval sets per class pair.
 *
 * Over 450 lines: one closure shares the compiled policies, the endpoint and profile caches and
 * the map's scratch state; splitting it into endpoints / evaluation / map modules (issue 20)
 * means passing that state explicitly, which is not done yet. Kinds live in kinds/ and
 * compile.ts: this file only knows tiers.
 */
import type { NodeInfo, PodInfo } from '../model/inventory.ts';
import type { LabelSelector, Labels } from '../model/labels.ts';
import { labelsKey, matchesSelector, namespaceLabels } from '../selectors/index.ts';
import { ALL_IPV4, formatRange, parseIpv4Cidr, partitionIpv4, type Ipv4Range } from './cidr.ts';
import {
  RuleCompiler, ipv4List, ruleMatchesPeer, rulePorts,
  type CompiledAdminPolicy, type CompiledNetworkPolicy, type CompiledPeer, type CompiledRule, type Endpoint,
} from './compile.ts';
import { decide, profileRules, type CalicoTierProfile, type DecisionTrace, type DirectionProfile } from './decide.ts';
import { explainVerdict } from './explain.ts';
import { topLevelOwner } from './owner.ts';
import { ConnectionSet } from './ports.ts';
import type {
  ConnectionQuery, ConnectionVerdict, ConnectivityRow, Direction, DirectionVerdict, EngineOptions, MapPeer, Peer,
  PolicyEngine, PolicySnapshot, SelectingPolicy,
} from './types.ts';
import { calicoNetCuts, calicoPolicyRef, calicoTiers, compareCalicoPolicies, compileCalicoPolicy, kubernetesPolicyInCalico, type CompiledCalicoPolicy, type CompiledCalicoTier } from './kinds/calico.ts';
import { ciliumIdentityLabels, ciliumRuleBlocks, compileCiliumPolicy, hostFirewallSelects, type CompiledCiliumSpec } from './kinds/cilium.ts';
import { validateSnapshot } from './validate.ts';

const NOT_SUBJECT: DirectionProfile = { subject: false, anp: [], deny: [], isolatedBy: [], np: [], banp: [] };

export function createEngine(snapshot: PolicySnapshot, options: EngineOptions = {}): PolicyEngine {
  const opts: PolicyEngine['options'] = {
    ipBlockMatchesPods: options.ipBlockMatchesPods ?? false,
    hostNetworkAsPods: options.hostNetworkAsPods ?? false,
    cni: options.cni ?? ((snapshot.ciliumNetworkPolicies?.length ?? 0) > 0 ? 'cilium' : (snapshot.calicoPolicies?.length ?? 0) > 0 ? 'calico' : undefined),
  };
  // Calico's reading applies per cluster: every cluster under --cni calico, else the clusters
  // holding Calico policies (a Cilium cluster next to a Calico one keeps its own reading).
  const calicoClusters = new Set((snapshot.calicoPolicies ?? []).map((p) => p.cluster));
  const calicoIn = (cluster: string): boolean => opts.cni === 'calico' || calicoClusters.has(cluster);
  const anyCalico = opts.cni === 'calico' || calicoClusters.size > 0;
  const ciliumLabels = opts.cni === 'cilium';
  /** Whether a pod is node traffic (the default reading of hostNetwork) rather than a pod. */
  const nodeTraffic = (pod: PodInfo): boolean => pod.hostNetwork && !opts.hostNetworkAsPods;
  const { invalidObjects: invalid, ...validation } = validateSnapshot(snapshot);

  // Namespaces and nodes.
  const nsLabelsMap = new Map<string, Labels>();
  for (const ns of snapshot.namespaces) nsLabelsMap.set(`${ns.cluster}/${ns.name}`, namespaceLabels(ns.name, ns.labels));
  for (const pod of snapshot.pods) {
    const k = `${pod.cluster}/${pod.namespace}`;
    if (!nsLabelsMap.has(k)) nsLabelsMap.set(k, namespaceLabels(pod.namespace, undefined));
  }
  const nodesByName = new Map<string, NodeInfo>();
  const nodeByAddress = new Map<string, NodeInfo>();
  for (const n of snapshot.nodes ?? []) {
    nodesByName.set(`${n.cluster}/${n.name}`, n);
    for (const a of n.addresses) nodeByAddress.set(a, n);
  }
  const nodeLabelsOf = (ep: Endpoint): Labels | undefined =>
    ep.nodeName && ep.cluster ? nodesByName.get(`${ep.cluster}/${ep.nodeName}`)?.labels : undefined;

  // Policies.
  const compiler = new RuleCompiler(opts.ipBlockMatchesPods);
  const npsByNs = new Map<string, CompiledNetworkPolicy[]>();
  const sortedNps = [...snapshot.networkPolicies].sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  for (const np of sortedNps) {
    const compiled = compiler.networkPolicy(np);
    if (invalid.has(compiled.ref)) continue;
    const k = `${np.cluster}/${np.namespace}`;
    let list = npsByNs.get(k);
    if (!list) npsByNs.set(k, (list = []));
    list.push(compiled);
  }
  // The Admin tier (ANP, Admin-tier ClusterNetworkPolicy) and the Baseline tier
  // (Baseline-tier ClusterNetworkPolicy, then the one BANP, which has no priority), each in
  // priority order, then by kind and name when priorities tie (validation reports the tie).
  const anpsByCluster = new Map<string, CompiledAdminPolicy[]>();
  const baselineByCluster = new Map<string, CompiledAdminPolicy[]>();
  const sortedAdmin = [...snapshot.adminNetworkPolicies].sort(
    (a, b) => cmp(a.cluster, b.cluster) || (a.priority ?? 1001) - (b.priority ?? 1001) || cmp(a.kind, b.kind) || cmp(a.name, b.name),
  );
  const banpSeen = new Set<string>();
  for (const p of sortedAdmin) {
    const compiled = compiler.adminPolicy(p, nodeLabelsOf);
    if (invalid.has(compiled.ref)) continue;
    if (p.kind === 'BaselineAdminNetworkPolicy') {
      if (banpSeen.has(p.cluster)) continue;
      banpSeen.add(p.cluster);
    }
    const byCluster = compiled.tier === 'BaselineAdminNetworkPolicy' ? baselineByCluster : anpsByCluster;
    let list = byCluster.get(p.cluster);
    if (!list) byCluster.set(p.cluster, (list = []));
    list.push(compiled);
  }

  // Cilium policies: in the NetworkPolicy tier; CiliumNetworkPolicy specs by namespace (as
  // NetworkPolicies), clusterwide ones by cluster.
  const ciliumByCluster = new Map<string, CompiledCiliumSpec[]>();
  const ciliumByNs = new Map<string, CompiledCiliumSpec[]>();
  const sortedCilium = [...(snapshot.ciliumNetworkPolicies ?? [])].sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  for (const p of sortedCilium) {
    const compiled = compileCiliumPolicy(p, compiler, snapshot);
    if (compiled.length === 0 || invalid.has(compiled[0].ref)) continue;
    const index = p.namespace !== undefined ? ciliumByNs : ciliumByCluster;
    const k = p.namespace !== undefined ? `${p.cluster}/${p.namespace}` : p.cluster;
    let list = index.get(k);
    if (!list) index.set(k, (list = []));
    list.push(...compiled);
  }
  // Calico: policies by cluster and tier, namespaced ones by namespace; Kubernetes
  // NetworkPolicies join the default tier (order 1000) when Calico's reading is on.
  const calicoTiersByCluster = new Map<string, Map<string, CompiledCalicoTier>>();
  const tiersOf = (cluster: string): Map<string, CompiledCalicoTier> => {
    let t = calicoTiersByCluster.get(cluster);
    if (!t) calicoTiersByCluster.set(cluster, (t = calicoTiers(snapshot.calicoTiers ?? [], cluster)));
    return t;
  };
  const calicoByNs = new Map<string, CompiledCalicoPolicy[]>();
  const calicoByCluster = new Map<string, CompiledCalicoPolicy[]>();
  const addCalico = (key: string, index: Map<string, CompiledCalicoPolicy[]>, c: CompiledCalicoPolicy): void => {
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(c);
  };
  for (const p of snapshot.calicoPolicies ?? []) {
    if (invalid.has(calicoPolicyRef(p))) continue;
    const compiled = compileCalicoPolicy(p, compiler, snapshot);
    if (p.namespace !== undefined) addCalico(`${p.cluster}/${p.namespace}`, calicoByNs, compiled);
    else addCalico(p.cluster, calicoByCluster, compiled);
  }
  for (const [k, list] of npsByNs) for (const n of list) if (calicoIn(n.info.cluster)) addCalico(k, calicoByNs, kubernetesPolicyInCalico(n));
  /** The Calico policies selecting the endpoint, by tier (tiers in order, policies in order). */
  const calicoSelecting = (ep: Endpoint, cluster: string): { tier: CompiledCalicoTier; policies: CompiledCalicoPolicy[] }[] => {
    const byTier = new Map<string, CompiledCalicoPolicy[]>();
    for (const list of [calicoByNs.get(`${cluster}/${ep.namespace}`), calicoByCluster.get(cluster)]) {
      for (const c of list ?? []) {
        if (!c.selects(ep)) continue;
        let l = byTier.get(c.tier);
        if (!l) byTier.set(c.tier, (l = []));
        l.push(c);
      }
    }
    const tiers = tiersOf(cluster);
    const out = [...byTier].map(([name, policies]) => ({
      tier: tiers.get(name) ?? { name, order: Infinity, endOfTier: 'Deny' as const },
      policies: policies.sort(compareCalicoPolicies),
    }));
    return out.sort((a, b) => (a.tier.order !== b.tier.order ? (a.tier.order < b.tier.order ? -1 : 1) : cmp(a.tier.name, b.tier.name)));
  };

  const ciliumSelecting = (ep: Endpoint, cluster: string): CompiledCiliumSpec[] => {
    const out: CompiledCiliumSpec[] = [];
    for (const list of [ciliumByNs.get(`${cluster}/${ep.namespace}`), ciliumByCluster.get(cluster)]) for (const c of list ?? []) if (c.selects(ep)) out.push(c);
    return out;
  };

  // Endpoints and profiles are pure functions of the pod (or address) and the compiled
  // snapshot: built once each, so repeated single queries (the generator's proof) stay cheap.
  const podEndpoints = new WeakMap<PodInfo, Endpoint>();
  const ipEndpoints = new Map<string, Endpoint>();
  const profiles = new WeakMap<Endpoint, { ingress?: DirectionProfile; egress?: DirectionProfile }>();

  function podEndpoint(pod: PodInfo): Endpoint {
    let ep = podEndpoints.get(pod);
    if (!ep) podEndpoints.set(pod, (ep = makePodEndpoint(pod)));
    return ep;
  }

  function makePodEndpoint(pod: PodInfo): Endpoint {
    const ips = pod.hostNetwork ? [...new Set([...pod.ips, ...pod.hostIPs])] : pod.ips;
    const nsLabels = nsLabelsMap.get(`${pod.cluster}/${pod.namespace}`) ?? namespaceLabels(pod.namespace, undefined);
    return {
      kind: 'pod',
      cluster: pod.cluster,
      namespace: pod.namespace,
      labels: ciliumLabels ? ciliumIdentityLabels(pod, nsLabels) : pod.labels,
      nsLabels,
      ports: pod.ports,
      hostNetwork: nodeTraffic(pod),
      v4: ipv4List(ips),
      v6: ips.filter((ip) => ip.includes(':')),
      nodeName: pod.nodeName,
      serviceAccount: pod.serviceAccount ?? 'default',
      podRef: `${pod.cluster}/${pod.namespace}/${pod.name}`,
    };
  }

  function ipEndpoint(ip: string): Endpoint {
    let ep = ipEndpoints.get(ip);
    if (!ep) ipEndpoints.set(ip, (ep = makeIpEndpoint(ip)));
    return ep;
  }

  function makeIpEndpoint(ip: string): Endpoint {
    const node = nodeByAddress.get(ip);
    return {
      kind: 'ip',
      cluster: node?.cluster,
      labels: {},
      nsLabels: {},
      ports: [],
      hostNetwork: false,
      v4: ipv4List([ip]),
      v6: ip.includes(':') ? [ip] : [],
      nodeName: node?.name,
    };
  }

  const endpointOf = (p: Peer): Endpoint => (p.kind === 'pod' ? podEndpoint(p.pod) : ipEndpoint(p.ip));

  function profileFor(ep: Endpoint, direction: Direction): DirectionProfile {
    if (!ep.cluster || ((ep.kind !== 'pod' || ep.hostNetwork) && !hostFirewallSelects(ciliumByCluster.get(ep.cluster), ep))) return NOT_SUBJECT;
    let known = profiles.get(ep);
    if (!known) profiles.set(ep, (known = {}));
    return (known[direction] ??= computeProfile(ep, ep.cluster, direction));
  }

  function computeProfile(ep: Endpoint, cluster: string, direction: Direction): DirectionProfile {
    const anp: CompiledRule[] = [];
    for (const a of anpsByCluster.get(cluster) ?? []) if (a.selects(ep)) anp.push(...a.rules[direction]);
    const isolatedBy: string[] = [];
    const np: CompiledRule[] = [];
    for (const n of npsByNs.get(`${cluster}/${ep.namespace}`) ?? []) {
      if (!n.selects(ep)) continue;
      if (n.isolates[direction]) isolatedBy.push(n.ref);
      np.push(...n.rules[direction]);
    }
    const deny: CompiledRule[] = [];
    for (const c of ciliumSelecting(ep, cluster)) {
      if (c.defaultDeny[direction] && !isolatedBy.includes(c.ref)) isolatedBy.push(c.ref);
      deny.push(...c.deny[direction]);
      np.push(...c.allow[direction]);
    }
    const banp: CompiledRule[] = [];
    for (const b of baselineByCluster.get(cluster) ?? []) if (b.selects(ep)) banp.push(...b.rules[direction]);
    if (!calicoIn(cluster)) return { subject: true, anp, deny, isolatedBy, np, banp };
    // Calico's tiers replace the NetworkPolicy tier (NetworkPolicies are in its default tier).
    const calico: CalicoTierProfile[] = [];
    const calicoIsolatedBy = isolatedBy.filter((ref) => !npsByNs.get(`${cluster}/${ep.namespace}`)?.some((n) => n.ref === ref));
    for (const { tier, policies } of calicoSelecting(ep, cluster)) {
      const applying = policies.filter((p) => p.applies[direction]);
      if (applying.length === 0) continue;
      const rules: CompiledRule[] = [];
      for (const p of applying) {
        if (!calicoIsolatedBy.includes(p.ref)) calicoIsolatedBy.push(p.ref);
        for (const r of p.rules[direction]) if (r.subject(ep)) rules.push(r.rule);
      }
      calico.push({ name: tier.name, rules, endOfTier: tier.endOfTier });
    }
    const ciliumAllow = np.filter((r) => r.info.kind !== 'NetworkPolicy');
    return { subject: true, anp, deny, isolatedBy: calicoIsolatedBy, np: ciliumAllow, banp, calico };
  }

  // Rules with many peers (e.g. CoreDNS letting in every client of the cluster) are matched
  // through the set of the snapshot's pods they match, built on first use from the peers'
  // scopes (as the map does); other endpoints (addresses, pods outside the snapshot) are
  // matched peer by peer.
  const INDEXED_RULE_PEERS = 16;
  let snapshotPods: { known: Set<Endpoint>; byNs: Map<string, Endpoint[]>; nsOfCluster: Map<string, string[]>; addressLike: Endpoint[]; all: Endpoint[] } | undefined;
  const snapshotIndex = (): NonNullable<typeof snapshotPods> => {
    if (snapshotPods) return snapshotPods;
    const idx = { known: new Set<Endpoint>(), byNs: new Map<string, Endpoint[]>(), nsOfCluster: new Map<string, string[]>(), addressLike: [] as Endpoint[], all: [] as Endpoint[] };
    for (const pod of snapshot.pods) {
      const ep = podEndpoint(pod);
      if (idx.known.has(ep)) continue;
      idx.known.add(ep);
      idx.all.push(ep);
      if (ep.hostNetwork) idx.addressLike.push(ep);
      const k = `${pod.cluster}/${pod.namespace}`;
      let l = idx.byNs.get(k);
      if (!l) {
        idx.byNs.set(k, (l = []));
        let nsl = idx.nsOfCluster.get(pod.cluster);
        if (!nsl) idx.nsOfCluster.set(pod.cluster, (nsl = []));
        nsl.push(pod.namespace);
      }
      l.push(ep);
    }
    return (snapshotPods = idx);
  };
  const ruleIndexes = new Map<number, Set<Endpoint>>();
  const indexedRule = (peers: readonly CompiledPeer[], id: number): Set<Endpoint> => {
    let set = ruleIndexes.get(id);
    if (set) return set;
    set = new Set();
    const idx = snapshotIndex();
    const nsCache = new Map<string, string[]>();
    for (const p of peers) {
      const test = (ep: Endpoint): void => {
        if (!set!.has(ep) && p.match(ep)) set!.add(ep);
      };
      const sc = p.scope;
      if (sc.kind === 'namespace') for (const ep of idx.byNs.get(`${sc.cluster}/${sc.namespace}`) ?? []) test(ep);
      else if (sc.kind === 'namespaces') {
        const key = `${sc.cluster}\u0000${JSON.stringify(sc.selector)}`;
        let nss = nsCache.get(key);
        if (!nss) {
          nss = (idx.nsOfCluster.get(sc.cluster) ?? []).filter((ns) => matchesSelector(sc.selector, nsLabelsMap.get(`${sc.cluster}/${ns}`)!));
          nsCache.set(key, nss);
        }
        for (const ns of nss) for (const ep of idx.byNs.get(`${sc.cluster}/${ns}`)!) test(ep);
      } else if (sc.kind === 'addresses' || sc.kind === 'nodes') for (const ep of idx.addressLike) test(ep);
      else for (const ep of idx.all) test(ep);
    }
    ruleIndexes.set(id, set);
    return set;
  };
  const matchRule = (r: CompiledRule, ep: Endpoint): boolean => {
    if (r.peers !== 'all' && r.peers.length > INDEXED_RULE_PEERS && ep.kind === 'pod' && snapshotIndex().known.has(ep)) {
      return indexedRule(r.peers, r.id).has(ep);
    }
    return ruleMatchesPeer(r, ep);
  };

  /** Traffic from the pod's own node (kubelet probes, hostNetwork pods) is always allowed. */
  const fromOwnNode = (src: Endpoint, dst: Endpoint): boolean =>
    dst.kind === 'pod' && (src.kind === 'ip' || src.hostNetwork) && !!src.nodeName && src.nodeName === dst.nodeName && src.cluster === dst.cluster;

  function direction(src: Endpoint, dst: Endpoint, dir: Direction, universe: ConnectionSet, trace?: DecisionTrace): ConnectionSet {
    if (src.podRef && src.podRef === dst.podRef) {
      if (trace) trace.decidedBy = 'self';
      return universe;
    }
    if (dir === 'egress') {
      return decide(profileFor(src, 'egress'), (r) => matchRule(r, dst), (r) => rulePorts(r, dst), universe, trace);
    }
    if (fromOwnNode(src, dst)) {
      if (trace) trace.decidedBy = 'node';
      return universe;
    }
    return decide(profileFor(dst, 'ingress'), (r) => matchRule(r, src), (r) => rulePorts(r, dst), universe, trace);
  }

  function evaluate(q: ConnectionQuery): ConnectionVerdict {
    const src = endpointOf(q.src);
    const dst = endpointOf(q.dst);
    const universe = ConnectionSet.of(q.protocol, q.port, q.port);
    const verdictFor = (dir: Direction): DirectionVerdict => {
      const trace: DecisionTrace = { rules: [], decidedBy: 'default' };
      const allowed = !direction(src, dst, dir, universe, trace).isEmpty();
      const subjectEp = dir === 'egress' ? src : dst;
      const isolatedBy = [...profileFor(subjectEp, dir).isolatedBy];
      return { direction: dir, allowed, decidedBy: trace.decidedBy, isolatedBy, matchedRules: trace.rules, reason: '' };
    };
    return explainVerdict(q, verdictFor('egress'), verdictFor('ingress'));
  }

  function allowedInDirection(src: Peer, dst: Peer, dir: Direction): ConnectionSet {
    return direction(endpointOf(src), endpointOf(dst), dir, ConnectionSet.ALL);
  }

  function allowedConnections(src: Peer, dst: Peer): ConnectionSet {
    const s = endpointOf(src);
    const d = endpointOf(dst);
    const e = direction(s, d, 'egress', ConnectionSet.ALL);
    if (e.isEmpty()) return e;
    return e.intersect(direction(s, d, 'ingress', ConnectionSet.ALL));
  }

  function policiesSelecting(pod: PodInfo, dir: Direction): SelectingPolicy[] {
    const ep = podEndpoint(pod);
    if (nodeTraffic(pod)) return [];
    const out: SelectingPolicy[] = [];
    for (const a of anpsByCluster.get(pod.cluster) ?? []) {
      if (a.selects(ep)) out.push({ policy: a.ref, tier: a.tier, kind: a.info.kind, name: a.info.name, priority: a.info.priority, isolates: false });
    }
    for (const n of npsByNs.get(`${pod.cluster}/${pod.namespace}`) ?? []) {
      if (n.selects(ep)) out.push({ policy: n.ref, tier: 'NetworkPolicy', kind: 'NetworkPolicy', name: n.info.name, namespace: n.info.namespace, isolates: n.isolates[dir] });
    }
    for (const c of ciliumSelecting(ep, pod.cluster)) {
      const isolates = c.defaultDeny[dir];
      const known = out.find((x) => x.policy === c.ref);
      if (known) {
        if (isolates && !known.isolates) out[out.indexOf(known)] = { ...known, isolates };
        continue;
      }
      out.push({ policy: c.ref, tier: 'NetworkPolicy', kind: c.info.kind, name: c.info.name, ...(c.info.namespace !== undefined ? { namespace: c.info.namespace } : {}), isolates });
    }
    for (const { policies } of calicoIn(pod.cluster) ? calicoSelecting(ep, pod.cluster) : []) {
      for (const c of policies) {
        if (c.kind === 'NetworkPolicy') continue; // listed above
        out.push({ policy: c.ref, tier: 'NetworkPolicy', kind: c.kind, name: c.name, ...(c.namespace !== undefined ? { namespace: c.namespace } : {}), isolates: c.applies[dir] });
      }
    }
    for (const b of baselineByCluster.get(pod.cluster) ?? []) {
      if (b.selects(ep)) out.push({ policy: b.ref, tier: b.tier, kind: b.info.kind, name: b.info.name, priority: b.info.priority, isolates: false });
    }
    return out;
  }

  let ranges: Ipv4Range[] | undefined;
  let anyNetworksPeer = false;
  let anyNodesPeer = false;
  function externalRanges(): Ipv4Range[] {
    if (ranges) return ranges;
    const cuts: Ipv4Range[] = [];
    for (const list of npsByNs.values()) {
      for (const n of list) {
        for (const rule of [...(n.info.ingress ?? []), ...(n.info.egress ?? [])]) {
          for (const p of rule.peers ?? []) {
            if (!p.ipBlock) continue;
            for (const c of [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])]) {
              const r = parseIpv4Cidr(c);
              if (r) cuts.push(r);
            }
          }
        }
      }
    }
    for (const list of [...ciliumByNs.values(), ...ciliumByCluster.values()]) {
      for (const c of list) {
        for (const spec of c.info.specs) {
          for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? []), ...(spec.ingressDeny ?? []), ...(spec.egressDeny ?? [])]) {
            for (const b of ciliumRuleBlocks(rule)) {
              for (const cidr of [b.cidr, ...(b.except ?? [])]) {
                const r = parseIpv4Cidr(cidr);
                if (r) cuts.push(r);
              }
            }
          }
        }
      }
    }
    for (const s of snapshot.calicoNetworkSets ?? []) for (const cidr of s.nets) cuts.push(...calicoNetCuts(cidr, () => (anyNetworksPeer = true)));
    for (const p of snapshot.calicoPolicies ?? []) {
      if (invalid.has(calicoPolicyRef(p))) continue;
      for (const rule of [...p.ingress, ...p.egress]) {
        for (const e of [rule.source, rule.destination]) {
          for (const cidr of [...(e?.nets ?? []), ...(e?.notNets ?? [])]) {
            anyNetworksPeer = true; // Calico's nets match pod addresses too
            const r = parseIpv4Cidr(cidr);
            if (r) cuts.push(r);
          }
        }
      }
    }
    const admins = [...[...anpsByCluster.values()].flat(), ...[...baselineByCluster.values()].flat()];
    for (const a of admins) {
      for (const rule of [...a.info.ingress, ...a.info.egress]) {
        for (const p of rule.peers) {
          if (p.kind === 'networks') {
            anyNetworksPeer = true;
            for (const c of p.networks) {
              const r = parseIpv4Cidr(c);
              if (r) cuts.push(r);
            }
          } else if (p.kind === 'nodes') anyNodesPeer = true;
        }
      }
    }
    ranges = cuts.length ? partitionIpv4(cuts) : [ALL_IPV4];
    return ranges;
  }

  function connectivityMap(): ConnectivityRow[] {
    return buildMap();
  }

  // ---- the workload-level map -------------------------------------------------------
  function buildMap(): ConnectivityRow[] {
    const atoms = externalRanges();
    const atomStarts = atoms.map((a) => a.start);
    const atomOf = (n: number): number => {
      let lo = 0;
      let hi = atomStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (atomStarts[mid] <= n) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const anyHostNetwork = snapshot.pods.some(nodeTraffic);
    const needNode = anyHostNetwork || anyNodesPeer;
    const needIps = opts.ipBlockMatchesPods || anyNetworksPeer;
    const clusters = new Set(snapshot.pods.map((p) => p.cluster));
    const withCluster = clusters.size > 1;

    // Workloads and pod classes.
    interface WorkloadPeer { label: string; peer: MapPeer; order: number; pods: number }
    const workloads: WorkloadPeer[] = [];
    const workloadIndex = new Map<string, number>();
    const classIndex = new Map<string, number>();
    const classRep: Endpoint[] = [];
    const classWorkloads: Set<number>[] = [];
    for (const pod of snapshot.pods) {
      const owner = topLevelOwner(pod);
      const wkey = `${pod.cluster}/${pod.namespace}/${owner.kind}/${owner.name}`;
      let w = workloadIndex.get(wkey);
      if (w === undefined) {
        w = workloads.length;
        workloadIndex.set(wkey, w);
        workloads.push({
          label: `${withCluster ? `${pod.cluster}/` : ''}${pod.namespace}/${owner.name}[${owner.kind}]`,
          peer: { kind: 'workload', cluster: pod.cluster, namespace: pod.namespace, workloadKind: owner.kind, name: owner.name, pods: 0 },
          order: 0,
          pods: 0,
        });
      }
      workloads[w].pods++;
      let ep: Endpoint | undefined;
      let ipSig = '';
      if (needIps || nodeTraffic(pod)) {
        ep = podEndpoint(pod);
        ipSig = [...new Set(ep.v4.map(atomOf))].sort((a, b) => a - b).join(',') + '|' + [...ep.v6].sort().join(',');
      }
      let portsSig = '';
      for (const p of pod.ports) portsSig += `${p.name ?? ''}:${p.containerPort}/${p.protocol},`;
      if (pod.ports.length > 1) portsSig = pod.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).sort().join(',');
      // With Cilium's identity labels (and Calico's) the service account is a label too.
      const sa = ciliumLabels || anyCalico ? pod.serviceAccount ?? '' : '';
      const key = [pod.cluster, pod.namespace, labelsKey(pod.labels), portsSig, nodeTraffic(pod) ? 'h' : '', needNode ? pod.nodeName ?? '' : '', ipSig, sa].join('\u0001');
      let c = classIndex.get(key);
      if (c === undefined) {
        c = classRep.length;
        classIndex.set(key, c);
        classRep.push({ ...(ep ?? podEndpoint(pod)), podRef: undefined });
        classWorkloads.push(new Set());
      }
      classWorkloads[c].add(w);
    }
    const sortedW = workloads.map((_, i) => i).sort((a, b) => cmp(workloads[a].label, workloads[b].label));
    sortedW.forEach((w, i) => (workloads[w].order = i));
    for (const w of workloads) if (w.peer.kind === 'workload') (w.peer as { pods: number }).pods = w.pods;

    const C = classRep.length;
    const N = C + atoms.length;
    const endpoints: Endpoint[] = [...classRep];
    for (const a of atoms) {
      endpoints.push({ kind: 'ip', labels: {}, nsLabels: {}, ports: [], hostNetwork: false, v4: [a.start], v6: [] });
    }
    // Peers of the map: workloads, then ranges (ordered numerically).
    const rangePeer = (i: number): number => workloads.length + i;
    const peerLabel = (p: number): string => (p < workloads.length ? workloads[p].label : formatRange(atoms[p - workloads.length]));
    const peerOrder = (p: number): number => (p < workloads.length ? workloads[p].order : p);
    const peerInfo = (p: number): MapPeer => {
      if (p < workloads.length) return workloads[p].peer;
      const a = atoms[p - workloads.length];
      return { kind: 'range', start: a.start, end: a.end };
    };

    // Candidate lists for scoped peer matching.
    const byNs = new Map<string, number[]>();
    const nsOfCluster = new Map<string, string[]>();
    const addressLike: number[] = [];
    for (let i = 0; i < N; i++) {
      const ep = endpoints[i];
      if (ep.kind === 'ip' || ep.hostNetwork) addressLike.push(i);
      if (ep.kind === 'pod') {
        const k = `${ep.cluster}/${ep.namespace}`;
        let l = byNs.get(k);
        if (!l) {
          byNs.set(k, (l = []));
          let nsl = nsOfCluster.get(ep.cluster!);
          if (!nsl) nsOfCluster.set(ep.cluster!, (nsl = []));
          nsl.push(ep.namespace!);
        }
        l.push(i);
      }
    }
    const nsMatchCache = new Map<string, string[]>();
    const namespacesMatching = (cluster: string, selector: LabelSelector): string[] => {
      const key = `${cluster}\u0000${JSON.stringify(selector)}`;
      let l = nsMatchCache.get(key);
      if (!l) {
        l = (nsOfCluster.get(cluster) ?? []).filter((ns) => matchesSelector(selector, nsLabelsMap.get(`${cluster}/${ns}`)!));
        nsMatchCache.set(key, l);
      }
      return l;
    };
    /** The endpoints a rule's peers match, sorted (peers are ORed; the scratch bitmap dedupes). */
    const scratch = new Uint8Array(N);
    const matchedEndpoints = (peers: Exclude<CompiledRule['peers'], 'all'>): Int32Array => {
      const found: number[] = [];
      for (const p of peers) {
        const test = (i: number): void => {
          if (!scratch[i] && p.match(endpoints[i])) {
            scratch[i] = 1;
            found.push(i);
          }
        };
        const s = p.scope;
        if (s.kind === 'namespace') for (const i of byNs.get(`${s.cluster}/${s.namespace}`) ?? []) test(i);
        else if (s.kind === 'namespaces') {
          for (const ns of namespacesMatching(s.cluster, s.selector)) for (const i of byNs.get(`${s.cluster}/${ns}`)!) test(i);
        } else if (s.kind === 'addresses' || s.kind === 'nodes') for (const i of addressLike) test(i);
        else for (let i = 0; i < N; i++) test(i);
      }
      for (const i of found) scratch[i] = 0;
      return Int32Array.from(found).sort();
    };

    // Interned connection sets.
    const sets: ConnectionSet[] = [ConnectionSet.NONE, ConnectionSet.ALL];
    const setIds = new Map<string, number>([['No Connections', 0], ['All Connections', 1]]);
    const byIdentity = new Map<ConnectionSet, number>();
    const intern = (s: ConnectionSet): number => {
      if (s.isEmpty()) return 0;
      if (s.isAll()) return 1;
      const known = byIdentity.get(s);
      if (known !== undefined) return known;
      const k = s.toString();
      let id = setIds.get(k);
      if (id === undefined) {
        id = sets.length;
        sets.push(s);
        setIds.set(k, id);
      }
      byIdentity.set(s, id);
      return id;
    };
    const opCache = new Map<number, number>();
    const intersectIds = (a: number, b: number): number => {
      if (a === 1) return b;
      if (b === 1 || a === b) return a;
      if (a === 0 || b === 0) return 0;
      const k = a * 2097152 + b;
      let r = opCache.get(k);
      if (r === undefined) opCache.set(k, (r = intern(sets[a].intersect(sets[b]))));
      return r;
    };
    const unionCache = new Map<number, number>();
    const unionIds = (a: number, b: number): number => {
      if (a === 0 || a === b) return b;
      if (b === 0) return a;
      if (a === 1 || b === 1) return 1;
      const k = a * 2097152 + b;
      let r = unionCache.get(k);
      if (r === undefined) unionCache.set(k, (r = intern(sets[a].union(sets[b]))));
      return r;
    };

    const portsKeyOf = new Int32Array(N);
    const portsKeys = new Map<string, number>();
    endpoints.forEach((ep, i) => {
      const k = ep.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).sort().join(',');
      let id = portsKeys.get(k);
      if (id === undefined) portsKeys.set(k, (id = portsKeys.size));
      portsKeyOf[i] = id;
    });
    // Which endpoints each rule's peers match, as index lists (computed once per rule).
    const allIdx = Int32Array.from({ length: N }, (_, i) => i);
    const listCache = new Map<number, Int32Array>();
    const ruleList = (r: CompiledRule): Int32Array => {
      let l = listCache.get(r.id);
      if (!l) {
        if (r.peers === 'all') l = allIdx;
        else l = matchedEndpoints(r.peers);
        listCache.set(r.id, l);
      }
      return l;
    };

    /**
     * For one subject and direction: the decision for every far end, as interned set ids.
     * Far ends matching the same subset of the subject's rules (and, with named ports on
     * egress, declaring the same ports) get the same answer, computed once.
     */
    const masks = new Int32Array(N); // all zero between calls
    const touched = new Int32Array(N);
    let touchedCount = 0;
    /**
     * Fills `out` for every far end and returns the answer shared by every far end that
     * matches none of the rules (then `touched[0..touchedCount)` lists the others), or -1
     * when each far end was computed on its own.
     */
    const decideAll = (
      profile: DirectionProfile,
      out: Int32Array,
      portsFor: (r: CompiledRule, far: number) => ConnectionSet,
      farKey?: (far: number) => number,
    ): number => {
      const rules = profileRules(profile);
      touchedCount = 0;
      if (!profile.subject || (rules.length === 0 && profile.isolatedBy.length === 0)) {
        out.fill(1);
        return 1;
      }
      const big = rules.length > 30;
      const bigMasks: string[] | undefined = big ? new Array<string>(N).fill('') : undefined;
      for (let i = 0; i < rules.length; i++) {
        const list = ruleList(rules[i]);
        for (let j = 0; j < list.length; j++) {
          const x = list[j];
          if (big) {
            if (bigMasks![x] === '') touched[touchedCount++] = x;
            bigMasks![x] += `${i},`;
          } else {
            if (masks[x] === 0) touched[touchedCount++] = x;
            masks[x] |= 1 << i;
          }
        }
      }
      const index = new Map<number, number>(rules.map((r, i) => [r.id, i]));
      const compute = (m: number | string, x: number): number => {
        const matched = big ? new Set((m as string).split(',').filter(Boolean).map(Number)) : undefined;
        return intern(
          decide(
            profile,
            (r) => (big ? matched!.has(index.get(r.id)!) : ((m as number) & (1 << index.get(r.id)!)) !== 0),
            (r) => portsFor(r, x),
            ConnectionSet.ALL,
          ),
        );
      };
      if (!big && !farKey && rules.length <= 12) {
        // Small rule lists: a direct table indexed by the mask; untouched far ends share mask 0.
        const table = new Int32Array(1 << rules.length).fill(-1);
        const id0 = (table[0] = compute(0, 0));
        out.fill(id0);
        for (let t = 0; t < touchedCount; t++) {
          const x = touched[t];
          const m = masks[x];
          let id = table[m];
          if (id < 0) table[m] = id = compute(m, x);
          out[x] = id;
          masks[x] = 0;
        }
        return id0;
      }
      const cache = new Map<string | number, number>();
      const K = portsKeys.size;
      for (let x = 0; x < N; x++) {
        const m = big ? bigMasks![x] : masks[x];
        const key: string | number = farKey ? (big ? `${m}|${farKey(x)}` : (m as number) * K + farKey(x)) : m;
        let id = cache.get(key);
        if (id === undefined) cache.set(key, (id = compute(m, x)));
        out[x] = id;
      }
      for (let t = 0; t < touchedCount; t++) masks[touched[t]] = 0;
      return -1;
    };

    // Ingress of every class from every endpoint. Per destination, the most common answer
    // is its default; the other answers are kept per source (usually few).
    const nodeAware = endpoints.some((e) => (e.kind === 'ip' || e.hostNetwork) && !!e.nodeName);
    const ingressDefault = new Int32Array(N).fill(1);
    const ingressExceptions: number[][] = Array.from({ length: N }, () => []);
    const column = new Int32Array(N);
    let counts = new Int32Array(16);
    for (let y = 0; y < C; y++) {
      const dst = endpoints[y];
      const profile = profileFor(dst, 'ingress');
      if (!profile.subject) continue;
      const portsById = new Map<number, ConnectionSet>();
      const shared = decideAll(profile, column, (r) => {
        let p = portsById.get(r.id);
        if (!p) portsById.set(r.id, (p = rulePorts(r, dst)));
        return p;
      });
      if (shared >= 0 && !nodeAware) {
        // Only far ends that matched a rule can differ from the shared answer.
        for (let t = 0; t < touchedCount; t++) {
          const x = touched[t];
          if (column[x] !== shared) ingressExceptions[x].push(y, column[x]);
        }
        ingressDefault[y] = shared;
        continue;
      }
      if (nodeAware) for (let x = 0; x < N; x++) if (fromOwnNode(endpoints[x], dst)) column[x] = 1;
      // The default is the most common answer in a sample (the choice only affects speed).
      if (counts.length < sets.length) counts = new Int32Array(sets.length * 2);
      let mode = column[0];
      const step = N > 64 ? Math.floor(N / 64) : 1;
      for (let x = 0; x < N; x += step) if (++counts[column[x]] > counts[mode]) mode = column[x];
      for (let x = 0; x < N; x += step) counts[column[x]] = 0;
      for (let x = 0; x < N; x++) if (column[x] !== mode) ingressExceptions[x].push(y, column[x]);
      ingressDefault[y] = mode;
    }

    // Egress of every endpoint, combined with the ingress above, aggregated to peers.
    const P = workloads.length + atoms.length;
    const agg = new Map<number, number>();
    const endpointPeers = Array.from({ length: N }, (_, i) => (i < C ? [...classWorkloads[i]] : [rangePeer(i - C)]));
    const row = new Int32Array(N);
    const ingressRow = new Int32Array(N);
    for (let x = 0; x < N; x++) {
      ingressRow.set(ingressDefault);
      const exc = ingressExceptions[x];
      for (let i = 0; i < exc.length; i += 2) ingressRow[exc[i]] = exc[i + 1];
      const profile = profileFor(endpoints[x], 'egress');
      const named = profileRules(profile).some((r) => r.namedPorts.length > 0);
      const shared = decideAll(profile, row, (r, far) => rulePorts(r, endpoints[far]), named ? (far) => portsKeyOf[far] : undefined);
      const srcPeers = endpointPeers[x];
      // When everything unmatched is denied, only the far ends that matched a rule matter.
      const sparse = shared === 0;
      const count = sparse ? touchedCount : N;
      for (let t = 0; t < count; t++) {
        const y = sparse ? touched[t] : t;
        if (x >= C && y >= C) continue; // address to address: outside every cluster
        const e = row[y];
        const i = ingressRow[y];
        if (e === 0 || i === 0) continue;
        const conn = e === 1 ? i : i === 1 ? e : intersectIds(e, i);
        if (conn === 0) continue;
        for (const sp of srcPeers) {
          for (const dp of endpointPeers[y]) {
            if (sp === dp) continue;
            const k = sp * P + dp;
            agg.set(k, unionIds(agg.get(k) ?? 0, conn));
          }
        }
      }
    }

    const rows: { sp: number; dp: number; id: number }[] = [];
    for (const [k, id] of agg) rows.push({ sp: Math.floor(k / P), dp: k % P, id });
    rows.sort((a, b) => peerOrder(a.sp) - peerOrder(b.sp) || peerOrder(a.dp) - peerOrder(b.dp));
    return rows.map(({ sp, dp, id }) => ({
      src: peerLabel(sp),
      dst: peerLabel(dp),
      conn: sets[id].toString(),
      srcPeer: peerInfo(sp),
      dstPeer: peerInfo(dp),
      connections: sets[id],
    }));
  }

  return {
    options: opts,
    validation,
    evaluate,
    allowedConnections,
    allowedInDirection,
    connectivityMap,
    policiesSelecting,
    externalRanges: () => externalRanges(),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
