/**
 * The snapshot's policies compiled once and indexed by where they apply: NetworkPolicies and
 * namespaced Cilium/Calico policies by namespace, Admin/Baseline tiers and clusterwide
 * policies by cluster. Also the namespace and node labels selectors read, and which reading
 * (Cilium identity labels, Calico tiers) applies to which cluster.
 */
import type { NodeInfo, PodInfo } from '../../model/inventory.ts';
import { hostKey, namespaceKey } from '../../model/keys.ts';
import type { Labels } from '../../model/labels.ts';
import { namespaceLabels } from '../../selectors/index.ts';
import { RuleCompiler, type CompiledAdminPolicy, type CompiledNetworkPolicy, type Endpoint } from '../compile.ts';
import type { Direction, EngineOptions, PolicyEngine, PolicySnapshot, SelectingPolicy } from '../types.ts';
import {
  calicoPolicyRef, calicoTiers, compareCalicoPolicies, compileCalicoPolicy, kubernetesPolicyInCalico,
  type CompiledCalicoPolicy, type CompiledCalicoTier,
} from '../kinds/calico.ts';
import { compileCiliumPolicy, type CompiledCiliumSpec } from '../kinds/cilium.ts';

export type ResolvedOptions = PolicyEngine['options'];

export function resolveEngineOptions(snapshot: PolicySnapshot, options: EngineOptions): ResolvedOptions {
  return {
    ipBlockMatchesPods: options.ipBlockMatchesPods ?? false,
    hostNetworkAsPods: options.hostNetworkAsPods ?? false,
    cni: options.cni ?? ((snapshot.ciliumNetworkPolicies?.length ?? 0) > 0 ? 'cilium' : (snapshot.calicoPolicies?.length ?? 0) > 0 ? 'calico' : undefined),
  };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<T>(index: Map<string, T[]>, key: string, ...items: T[]): void {
  let list = index.get(key);
  if (!list) index.set(key, (list = []));
  list.push(...items);
}

export interface CalicoTierSelection {
  readonly tier: CompiledCalicoTier;
  readonly policies: CompiledCalicoPolicy[];
}

export class PolicyIndex {
  readonly compiler: RuleCompiler;
  /** Compiled NetworkPolicies by namespace key, sorted by cluster, namespace and name. */
  readonly npsByNs = new Map<string, CompiledNetworkPolicy[]>();
  /** The Admin tier (ANP, Admin-tier ClusterNetworkPolicy) by cluster, in priority order. */
  readonly anpsByCluster = new Map<string, CompiledAdminPolicy[]>();
  /** The Baseline tier (Baseline-tier ClusterNetworkPolicy, then the one BANP) by cluster. */
  readonly baselineByCluster = new Map<string, CompiledAdminPolicy[]>();
  readonly ciliumByNs = new Map<string, CompiledCiliumSpec[]>();
  readonly ciliumByCluster = new Map<string, CompiledCiliumSpec[]>();
  readonly calicoByNs = new Map<string, CompiledCalicoPolicy[]>();
  readonly calicoByCluster = new Map<string, CompiledCalicoPolicy[]>();
  /** Whether pods carry Cilium's identity labels (service account, namespace labels). */
  readonly ciliumLabels: boolean;
  /** Whether any cluster is read as Calico (its service-account labels count for classes). */
  readonly anyCalico: boolean;
  private readonly calicoClusters: Set<string>;
  private readonly nsLabelsMap = new Map<string, Labels>();
  private readonly nodesByName = new Map<string, NodeInfo>();
  readonly nodeByAddress = new Map<string, NodeInfo>();
  private readonly calicoTiersByCluster = new Map<string, Map<string, CompiledCalicoTier>>();

  constructor(
    private readonly snapshot: PolicySnapshot,
    private readonly opts: ResolvedOptions,
    readonly invalid: ReadonlySet<string>,
  ) {
    // Calico's reading applies per cluster: every cluster under --cni calico, else the clusters
    // holding Calico policies (a Cilium cluster next to a Calico one keeps its own reading).
    this.calicoClusters = new Set((snapshot.calicoPolicies ?? []).map((p) => p.cluster));
    this.anyCalico = opts.cni === 'calico' || this.calicoClusters.size > 0;
    this.ciliumLabels = opts.cni === 'cilium';

    for (const ns of snapshot.namespaces) this.nsLabelsMap.set(namespaceKey(ns.cluster, ns.name), namespaceLabels(ns.name, ns.labels));
    for (const pod of snapshot.pods) {
      const k = namespaceKey(pod.cluster, pod.namespace);
      if (!this.nsLabelsMap.has(k)) this.nsLabelsMap.set(k, namespaceLabels(pod.namespace, undefined));
    }
    for (const n of snapshot.nodes ?? []) {
      this.nodesByName.set(hostKey(n.cluster, n.name), n);
      for (const a of n.addresses) this.nodeByAddress.set(a, n);
    }

    this.compiler = new RuleCompiler(opts.ipBlockMatchesPods);
    this.indexNetworkPolicies();
    this.indexAdminPolicies();
    this.indexCiliumPolicies();
    this.indexCalicoPolicies();
  }

  calicoIn(cluster: string): boolean {
    return this.opts.cni === 'calico' || this.calicoClusters.has(cluster);
  }

  /** Whether a pod is node traffic (the default reading of hostNetwork) rather than a pod. */
  nodeTraffic(pod: PodInfo): boolean {
    return pod.hostNetwork && !this.opts.hostNetworkAsPods;
  }

  /** A namespace's labels as selectors see them (with the well-known name label). */
  nsLabels(cluster: string, namespace: string): Labels | undefined {
    return this.nsLabelsMap.get(namespaceKey(cluster, namespace));
  }

  private readonly nodeLabelsOf = (ep: Endpoint): Labels | undefined =>
    ep.nodeName && ep.cluster ? this.nodesByName.get(hostKey(ep.cluster, ep.nodeName))?.labels : undefined;

  private indexNetworkPolicies(): void {
    const sorted = [...this.snapshot.networkPolicies].sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
    for (const np of sorted) {
      const compiled = this.compiler.networkPolicy(np);
      if (this.invalid.has(compiled.ref)) continue;
      push(this.npsByNs, namespaceKey(np.cluster, np.namespace), compiled);
    }
  }

  // Each tier in priority order, then by kind and name when priorities tie (validation
  // reports the tie); the BANP has no priority and comes last in its tier.
  private indexAdminPolicies(): void {
    const sorted = [...this.snapshot.adminNetworkPolicies].sort(
      (a, b) => cmp(a.cluster, b.cluster) || (a.priority ?? 1001) - (b.priority ?? 1001) || cmp(a.kind, b.kind) || cmp(a.name, b.name),
    );
    const banpSeen = new Set<string>();
    for (const p of sorted) {
      const compiled = this.compiler.adminPolicy(p, this.nodeLabelsOf);
      if (this.invalid.has(compiled.ref)) continue;
      if (p.kind === 'BaselineAdminNetworkPolicy') {
        if (banpSeen.has(p.cluster)) continue;
        banpSeen.add(p.cluster);
      }
      push(compiled.tier === 'BaselineAdminNetworkPolicy' ? this.baselineByCluster : this.anpsByCluster, p.cluster, compiled);
    }
  }

  // Cilium policies are in the NetworkPolicy tier: CiliumNetworkPolicy specs by namespace (as
  // NetworkPolicies), clusterwide ones by cluster.
  private indexCiliumPolicies(): void {
    const sorted = [...(this.snapshot.ciliumNetworkPolicies ?? [])].sort(
      (a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.kind, b.kind) || cmp(a.name, b.name),
    );
    for (const p of sorted) {
      const compiled = compileCiliumPolicy(p, this.compiler, this.snapshot);
      if (compiled.length === 0 || this.invalid.has(compiled[0].ref)) continue;
      if (p.namespace !== undefined) push(this.ciliumByNs, namespaceKey(p.cluster, p.namespace), ...compiled);
      else push(this.ciliumByCluster, p.cluster, ...compiled);
    }
  }

  // Calico: policies by cluster and tier, namespaced ones by namespace; Kubernetes
  // NetworkPolicies join the default tier (order 1000) when Calico's reading is on.
  private indexCalicoPolicies(): void {
    for (const p of this.snapshot.calicoPolicies ?? []) {
      if (this.invalid.has(calicoPolicyRef(p))) continue;
      const compiled = compileCalicoPolicy(p, this.compiler, this.snapshot);
      if (p.namespace !== undefined) push(this.calicoByNs, namespaceKey(p.cluster, p.namespace), compiled);
      else push(this.calicoByCluster, p.cluster, compiled);
    }
    for (const [k, list] of this.npsByNs) for (const n of list) if (this.calicoIn(n.info.cluster)) push(this.calicoByNs, k, kubernetesPolicyInCalico(n));
  }

  private tiersOf(cluster: string): Map<string, CompiledCalicoTier> {
    let t = this.calicoTiersByCluster.get(cluster);
    if (!t) this.calicoTiersByCluster.set(cluster, (t = calicoTiers(this.snapshot.calicoTiers ?? [], cluster)));
    return t;
  }

  /** The Calico policies selecting the endpoint, by tier (tiers in order, policies in order). */
  calicoSelecting(ep: Endpoint, cluster: string): CalicoTierSelection[] {
    const byTier = new Map<string, CompiledCalicoPolicy[]>();
    for (const list of [this.calicoByNs.get(namespaceKey(cluster, ep.namespace!)), this.calicoByCluster.get(cluster)]) {
      for (const c of list ?? []) if (c.selects(ep)) push(byTier, c.tier, c);
    }
    const tiers = this.tiersOf(cluster);
    const out = [...byTier].map(([name, policies]) => ({
      tier: tiers.get(name) ?? { name, order: Infinity, endOfTier: 'Deny' as const },
      policies: policies.sort(compareCalicoPolicies),
    }));
    return out.sort((a, b) => (a.tier.order !== b.tier.order ? (a.tier.order < b.tier.order ? -1 : 1) : cmp(a.tier.name, b.tier.name)));
  }

  ciliumSelecting(ep: Endpoint, cluster: string): CompiledCiliumSpec[] {
    const out: CompiledCiliumSpec[] = [];
    for (const list of [this.ciliumByNs.get(namespaceKey(cluster, ep.namespace!)), this.ciliumByCluster.get(cluster)]) {
      for (const c of list ?? []) if (c.selects(ep)) out.push(c);
    }
    return out;
  }

  /** The policies selecting a pod's endpoint in one direction, tier by tier. */
  policiesSelecting(pod: PodInfo, ep: Endpoint, dir: Direction): SelectingPolicy[] {
    if (this.nodeTraffic(pod)) return [];
    const out: SelectingPolicy[] = [];
    for (const a of this.anpsByCluster.get(pod.cluster) ?? []) {
      if (a.selects(ep)) out.push({ policy: a.ref, tier: a.tier, kind: a.info.kind, name: a.info.name, priority: a.info.priority, isolates: false });
    }
    for (const n of this.npsByNs.get(namespaceKey(pod.cluster, pod.namespace)) ?? []) {
      if (n.selects(ep)) out.push({ policy: n.ref, tier: 'NetworkPolicy', kind: 'NetworkPolicy', name: n.info.name, namespace: n.info.namespace, isolates: n.isolates[dir] });
    }
    for (const c of this.ciliumSelecting(ep, pod.cluster)) {
      const isolates = c.defaultDeny[dir];
      const known = out.find((x) => x.policy === c.ref);
      if (known) {
        if (isolates && !known.isolates) out[out.indexOf(known)] = { ...known, isolates };
        continue;
      }
      out.push({ policy: c.ref, tier: 'NetworkPolicy', kind: c.info.kind, name: c.info.name, ...(c.info.namespace !== undefined ? { namespace: c.info.namespace } : {}), isolates });
    }
    for (const { policies } of this.calicoIn(pod.cluster) ? this.calicoSelecting(ep, pod.cluster) : []) {
      for (const c of policies) {
        if (c.kind === 'NetworkPolicy') continue; // listed above
        out.push({ policy: c.ref, tier: 'NetworkPolicy', kind: c.kind, name: c.name, ...(c.namespace !== undefined ? { namespace: c.namespace } : {}), isolates: c.applies[dir] });
      }
    }
    for (const b of this.baselineByCluster.get(pod.cluster) ?? []) {
      if (b.selects(ep)) out.push({ policy: b.ref, tier: b.tier, kind: b.info.kind, name: b.info.name, priority: b.info.priority, isolates: false });
    }
    return out;
  }
}
