/**
 * Policies compiled into matchers over endpoints. An endpoint is what a peer looks like to
 * a rule: a pod (or a class of identical pods), or an address. Everything the semantics
 * depends on is a field of the endpoint, so identical pods are one endpoint.
 */
import type { ContainerPort, Protocol } from '../model/inventory.ts';
import type { LabelSelector, Labels } from '../model/labels.ts';
import { adminTierOf, type AdminNetworkPolicyInfo, type AdminPeer, type AdminPort, type IPBlock, type NetworkPolicyInfo, type NetworkPolicyPeer, type NetworkPolicyPort } from '../model/policy.ts';
import { matchesSelector } from '../selectors/index.ts';
import { ipv4ToInt, isIpv6Cidr, cidrContains, parseIpv4Cidr, type Ipv4Range } from './cidr.ts';
import { ConnectionSet } from './ports.ts';
import type { Direction, MatchedRule, PolicyTier, RuleAction } from './types.ts';

export interface Endpoint {
  readonly kind: 'pod' | 'ip';
  readonly cluster?: string;
  readonly namespace?: string;
  readonly labels: Labels;
  readonly nsLabels: Labels;
  readonly ports: readonly ContainerPort[];
  /** hostNetwork pods are node traffic: no selector matches them and no policy applies to them. */
  readonly hostNetwork: boolean;
  readonly v4: readonly number[];
  readonly v6: readonly string[];
  /** The node the pod runs on, or the node owning the address. */
  readonly nodeName?: string;
  readonly nodeLabels?: Labels;
  /** The pod's service account (Calico's and Cilium's selectors see it). */
  readonly serviceAccount?: string;
  /** `cluster/namespace/name` of a single pod (for the self rule); absent for classes. */
  readonly podRef?: string;
}

/** How a peer finds its candidates quickly in the map (a hint; `match` is the truth). */
export type PeerScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'namespace'; readonly cluster: string; readonly namespace: string }
  | { readonly kind: 'namespaces'; readonly cluster: string; readonly selector: LabelSelector }
  | { readonly kind: 'addresses' }
  | { readonly kind: 'nodes' };

export interface CompiledPeer {
  readonly scope: PeerScope;
  match(ep: Endpoint): boolean;
}

export interface CompiledRule {
  /** Global index (bitmaps and caches). */
  readonly id: number;
  readonly info: MatchedRule;
  readonly peers: readonly CompiledPeer[] | 'all';
  readonly fixedPorts: ConnectionSet;
  readonly namedPorts: readonly { readonly name: string; readonly protocol?: Protocol }[];
}

export function ruleMatchesPeer(rule: CompiledRule, ep: Endpoint): boolean {
  if (rule.peers === 'all') return true;
  for (const p of rule.peers) if (p.match(ep)) return true;
  return false;
}

/** The rule's ports on a destination: numeric ports as written, named ports resolved on it. */
export function rulePorts(rule: CompiledRule, dst: Endpoint): ConnectionSet {
  if (rule.namedPorts.length === 0 || dst.kind !== 'pod') return rule.fixedPorts;
  let out = rule.fixedPorts;
  for (const np of rule.namedPorts) {
    for (const cp of dst.ports) {
      if (cp.name === np.name && (np.protocol === undefined || np.protocol === cp.protocol)) {
        out = out.union(ConnectionSet.of(cp.protocol, cp.containerPort, cp.containerPort));
      }
    }
  }
  return out;
}

export interface CompiledBlock {
  readonly v4?: Ipv4Range;
  readonly v4except: readonly Ipv4Range[];
  readonly v6?: string;
  readonly v6except: readonly string[];
}

export function compileBlock(b: IPBlock): CompiledBlock {
  const except = b.except ?? [];
  return {
    v4: parseIpv4Cidr(b.cidr),
    v4except: except.map(parseIpv4Cidr).filter((r): r is Ipv4Range => !!r),
    v6: isIpv6Cidr(b.cidr) ? b.cidr : undefined,
    v6except: except.filter(isIpv6Cidr),
  };
}

export function blockMatches(b: CompiledBlock, ep: Endpoint): boolean {
  if (b.v4) {
    for (const n of ep.v4) {
      if (n < b.v4.start || n > b.v4.end) continue;
      if (!b.v4except.some((e) => n >= e.start && n <= e.end)) return true;
    }
  }
  if (b.v6) {
    for (const ip of ep.v6) {
      if (cidrContains(b.v6, ip) && !b.v6except.some((e) => cidrContains(e, ip))) return true;
    }
  }
  return false;
}

/** A pod that selectors can see: not hostNetwork, in the policy's cluster. */
export function selectable(ep: Endpoint, cluster: string): boolean {
  return ep.kind === 'pod' && !ep.hostNetwork && ep.cluster === cluster;
}

export function compileNetworkPolicyPeer(peer: NetworkPolicyPeer, np: NetworkPolicyInfo, ipBlockMatchesPods: boolean): CompiledPeer {
  if (peer.ipBlock) {
    const b = compileBlock(peer.ipBlock);
    return {
      scope: ipBlockMatchesPods ? { kind: 'all' } : { kind: 'addresses' },
      match: (ep) => (ep.kind === 'ip' || ep.hostNetwork || ipBlockMatchesPods) && blockMatches(b, ep),
    };
  }
  const nsSel = peer.namespaceSelector;
  const podSel = peer.podSelector;
  const cluster = np.cluster;
  if (!nsSel) {
    const ns = np.namespace;
    return {
      scope: { kind: 'namespace', cluster, namespace: ns },
      match: (ep) => selectable(ep, cluster) && ep.namespace === ns && (!podSel || matchesSelector(podSel, ep.labels)),
    };
  }
  return {
    scope: { kind: 'namespaces', cluster, selector: nsSel },
    match: (ep) => selectable(ep, cluster) && matchesSelector(nsSel, ep.nsLabels) && (!podSel || matchesSelector(podSel, ep.labels)),
  };
}

function compileNpPorts(ports: readonly NetworkPolicyPort[] | undefined): Pick<CompiledRule, 'fixedPorts' | 'namedPorts'> {
  if (!ports || ports.length === 0) return { fixedPorts: ConnectionSet.ALL, namedPorts: [] };
  let fixed = ConnectionSet.NONE;
  const named: { name: string; protocol?: Protocol }[] = [];
  for (const p of ports) {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) fixed = fixed.union(ConnectionSet.of(protocol));
    else if (typeof p.port === 'number') fixed = fixed.union(ConnectionSet.of(protocol, p.port, p.endPort ?? p.port));
    else if (/^\d+$/.test(p.port)) fixed = fixed.union(ConnectionSet.of(protocol, Number(p.port), p.endPort ?? Number(p.port)));
    else named.push({ name: p.port, protocol });
  }
  return { fixedPorts: fixed, namedPorts: named };
}

function compileAdminPorts(ports: readonly AdminPort[] | undefined): Pick<CompiledRule, 'fixedPorts' | 'namedPorts'> {
  if (!ports || ports.length === 0) return { fixedPorts: ConnectionSet.ALL, namedPorts: [] };
  let fixed = ConnectionSet.NONE;
  const named: { name: string }[] = [];
  for (const p of ports) {
    if (p.kind === 'portNumber') fixed = fixed.union(ConnectionSet.of(p.protocol, p.port, p.port));
    else if (p.kind === 'portRange') fixed = fixed.union(ConnectionSet.of(p.protocol, p.start, p.end));
    else named.push({ name: p.name });
  }
  return { fixedPorts: fixed, namedPorts: named };
}

export function networkPolicyRef(np: NetworkPolicyInfo): string {
  return `${np.cluster}/${np.namespace}/NetworkPolicy/${np.name}`;
}
export function adminPolicyRef(p: AdminNetworkPolicyInfo): string {
  return `${p.cluster}/${p.kind}/${p.name}`;
}

/** Effective policyTypes: Ingress always unless listed otherwise; Egress when egress rules exist. */
export function effectivePolicyTypes(np: NetworkPolicyInfo): { ingress: boolean; egress: boolean } {
  if (np.policyTypes && np.policyTypes.length > 0) {
    return { ingress: np.policyTypes.includes('Ingress'), egress: np.policyTypes.includes('Egress') };
  }
  return { ingress: true, egress: (np.egress?.length ?? 0) > 0 };
}

export interface CompiledNetworkPolicy {
  readonly info: NetworkPolicyInfo;
  readonly ref: string;
  readonly isolates: Readonly<Record<Direction, boolean>>;
  readonly rules: Readonly<Record<Direction, readonly CompiledRule[]>>;
  selects(ep: Endpoint): boolean;
}

export interface CompiledAdminPolicy {
  readonly info: AdminNetworkPolicyInfo;
  readonly ref: string;
  readonly tier: PolicyTier;
  readonly rules: Readonly<Record<Direction, readonly CompiledRule[]>>;
  readonly subjectScope: PeerScope;
  selects(ep: Endpoint): boolean;
}

export class RuleCompiler {
  readonly rules: CompiledRule[] = [];
  constructor(private readonly ipBlockMatchesPods: boolean) {}

  /** Registers a rule (every kind's rules share one id space: bitmaps and caches index them). */
  add(info: MatchedRule, peers: CompiledRule['peers'], ports: Pick<CompiledRule, 'fixedPorts' | 'namedPorts'>): CompiledRule {
    const rule: CompiledRule = { id: this.rules.length, info, peers, ...ports };
    this.rules.push(rule);
    return rule;
  }

  networkPolicy(np: NetworkPolicyInfo): CompiledNetworkPolicy {
    const ref = networkPolicyRef(np);
    const types = effectivePolicyTypes(np);
    const build = (direction: Direction): CompiledRule[] => {
      // An explicit policyTypes without this direction makes its rules inert.
      if (!types[direction]) return [];
      const list = (direction === 'ingress' ? np.ingress : np.egress) ?? [];
      return list.map((r, ruleIndex) =>
        this.add(
          { policy: ref, tier: 'NetworkPolicy', kind: 'NetworkPolicy', name: np.name, namespace: np.namespace, direction, ruleIndex, action: 'Allow' },
          r.peers && r.peers.length > 0 ? r.peers.map((p) => compileNetworkPolicyPeer(p, np, this.ipBlockMatchesPods)) : 'all',
          compileNpPorts(r.ports),
        ),
      );
    };
    const sel = np.podSelector;
    return {
      info: np,
      ref,
      isolates: types,
      rules: { ingress: build('ingress'), egress: build('egress') },
      selects: (ep) => selectable(ep, np.cluster) && ep.namespace === np.namespace && matchesSelector(sel, ep.labels),
    };
  }

  adminPolicy(p: AdminNetworkPolicyInfo, nodeLabels: (ep: Endpoint) => Labels | undefined): CompiledAdminPolicy {
    const ref = adminPolicyRef(p);
    const tier: PolicyTier = adminTierOf(p) === 'Admin' ? 'AdminNetworkPolicy' : 'BaselineAdminNetworkPolicy';
    const cluster = p.cluster;
    const compilePeer = (peer: AdminPeer): CompiledPeer => {
      switch (peer.kind) {
        case 'namespaces': {
          const nsSel = peer.namespaces;
          return { scope: { kind: 'namespaces', cluster, selector: nsSel }, match: (ep) => selectable(ep, cluster) && matchesSelector(nsSel, ep.nsLabels) };
        }
        case 'pods': {
          const { namespaceSelector, podSelector } = peer.pods;
          return {
            scope: { kind: 'namespaces', cluster, selector: namespaceSelector },
            match: (ep) => selectable(ep, cluster) && matchesSelector(namespaceSelector, ep.nsLabels) && matchesSelector(podSelector, ep.labels),
          };
        }
        case 'networks': {
          // ANP networks match every address, pod IPs included (cluster-internal traffic is checked too).
          const blocks = peer.networks.map((cidr) => compileBlock({ cidr }));
          return { scope: { kind: 'all' }, match: (ep) => blocks.some((b) => blockMatches(b, ep)) };
        }
        case 'nodes': {
          const sel = peer.nodes;
          return {
            scope: { kind: 'nodes' },
            match: (ep) => {
              if (!(ep.kind === 'ip' || ep.hostNetwork) || ep.cluster !== cluster) return false;
              const labels = nodeLabels(ep);
              return labels !== undefined && matchesSelector(sel, labels);
            },
          };
        }
        case 'domainNames':
          // Which addresses a DNS name resolves to is not in a snapshot: the peer matches no
          // address here, and validation reports the rule as not statically checkable.
          return { scope: { kind: 'addresses' }, match: () => false };
      }
    };
    const build = (direction: Direction): CompiledRule[] =>
      p[direction].map((r, ruleIndex) =>
        this.add(
          { policy: ref, tier, kind: p.kind, name: p.name, priority: p.priority, direction, ruleIndex, ruleName: r.name, action: r.action as RuleAction },
          r.peers.map(compilePeer),
          compileAdminPorts(r.ports),
        ),
      );
    const subj = p.subject;
    const nsSel = subj.namespaces ?? subj.pods!.namespaceSelector;
    const podSel = subj.pods?.podSelector;
    return {
      info: p,
      ref,
      tier,
      rules: { ingress: build('ingress'), egress: build('egress') },
      subjectScope: { kind: 'namespaces', cluster, selector: nsSel },
      selects: (ep) => selectable(ep, cluster) && matchesSelector(nsSel, ep.nsLabels) && (!podSel || matchesSelector(podSel, ep.labels)),
    };
  }
}

export function ipv4List(ips: readonly string[]): number[] {
  const out: number[] = [];
  for (const ip of ips) {
    const n = ipv4ToInt(ip);
    if (n !== undefined) out.push(n);
  }
  return out;
}
