/**
 * A deliberately naive reference evaluator: one pod pair and one port at a time, straight
 * from the specification text, with no grouping, no interval sets and no caching. The
 * property tests require the real engine to agree with it exactly.
 *
 * "Every port" is enumerated on the boundary grid: the ports where a verdict can change
 * (every port, endPort+1 and container port the input mentions, and 1). Between two
 * consecutive grid points every verdict is the same, so this is exhaustive.
 */
import type {
  AdminNetworkPolicyInfo, AdminPeer, AdminPort, CalicoEntityRule, CalicoPolicyInfo, CalicoRule, CiliumNetworkPolicyInfo, CiliumPolicySpec, CiliumRule, LabelSelector, Labels, NetworkPolicyInfo, NetworkPolicyPeer, NetworkPolicyPort, PodInfo, Protocol,
} from '../../../generator/model/index.ts';
import { matchesSelector } from '../../../generator/selectors/index.ts';
import { matchesCalicoSelector, parseCalicoSelector } from '../../../generator/semantics/kinds/calico-selector.ts';
import {
  cidrContains, ConnectionSet, formatRange, intToIpv4, parseIpv4Cidr, partitionIpv4, topLevelOwner, validatePolicies,
  type PolicySnapshot, type Peer,
} from '../../../generator/semantics/index.ts';

const PROTOCOLS: Protocol[] = ['SCTP', 'TCP', 'UDP'];

const byPriority = (x: AdminNetworkPolicyInfo, y: AdminNetworkPolicyInfo): number =>
  (x.priority ?? 0) - (y.priority ?? 0) || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

export interface NaiveOptions {
  ipBlockMatchesPods?: boolean;
  /** hostNetwork pods are ordinary pods (selected, isolated) instead of node traffic. */
  hostNetworkAsPods?: boolean;
}

export class NaiveEvaluator {
  private readonly invalid: Set<string>;
  constructor(readonly snap: PolicySnapshot, readonly opts: NaiveOptions = {}) {
    // Same rule as the engine: objects with validation errors are left out (duplicate
    // priorities and a second BANP excepted: those are kept, in name order).
    this.invalid = new Set(
      validatePolicies(snap)
        .errors.filter((e) => !/is shared with|more than once/.test(e.message))
        .map((e) => e.location?.object ?? ''),
    );
  }

  /**
   * A pod's labels as selectors see them. Under Cilium (Cilium policies present), Cilium's
   * documented identity labels are added: io.kubernetes.pod.namespace,
   * io.cilium.k8s.policy.serviceaccount (default "default"), io.cilium.k8s.policy.cluster and
   * io.cilium.k8s.namespace.labels.<key> for each namespace label.
   */
  private labelsOf(pod: PodInfo): Labels {
    if ((this.snap.ciliumNetworkPolicies ?? []).length === 0) return pod.labels;
    const out: Record<string, string> = { ...pod.labels };
    for (const [k, v] of Object.entries(this.nsLabels(pod.cluster, pod.namespace))) out[`io.cilium.k8s.namespace.labels.${k}`] = v;
    out['io.kubernetes.pod.namespace'] = pod.namespace;
    out['io.cilium.k8s.policy.serviceaccount'] = pod.serviceAccount ?? 'default';
    out['io.cilium.k8s.policy.cluster'] = pod.cluster;
    return out;
  }

  private nsLabels(cluster: string, namespace: string): Labels {
    const ns = this.snap.namespaces.find((n) => n.cluster === cluster && n.name === namespace);
    return { ...(ns?.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
  }

  private nodeOfIp(ip: string) {
    return (this.snap.nodes ?? []).find((n) => n.addresses.includes(ip));
  }

  private ipsOf(p: Peer): string[] {
    if (p.kind === 'ip') return [p.ip];
    return p.pod.hostNetwork ? [...p.pod.ips, ...p.pod.hostIPs] : [...p.pod.ips];
  }

  private hostNet(pod: PodInfo): boolean {
    return pod.hostNetwork && !this.opts.hostNetworkAsPods;
  }

  private isNodeTraffic(p: Peer): boolean {
    return p.kind === 'ip' || this.hostNet(p.pod);
  }

  private selectablePod(p: Peer, cluster: string): PodInfo | undefined {
    return p.kind === 'pod' && !this.hostNet(p.pod) && p.pod.cluster === cluster ? p.pod : undefined;
  }

  private npPeerMatches(peer: NetworkPolicyPeer, pol: NetworkPolicyInfo, other: Peer): boolean {
    if (peer.ipBlock) {
      if (!this.isNodeTraffic(other) && !this.opts.ipBlockMatchesPods) return false;
      return this.ipsOf(other).some(
        (ip) => cidrContains(peer.ipBlock!.cidr, ip) && !(peer.ipBlock!.except ?? []).some((e) => cidrContains(e, ip)),
      );
    }
    const pod = this.selectablePod(other, pol.cluster);
    if (!pod) return false;
    if (peer.namespaceSelector) {
      if (!matchesSelector(peer.namespaceSelector, this.nsLabels(pod.cluster, pod.namespace))) return false;
    } else if (pod.namespace !== pol.namespace) return false;
    return !peer.podSelector || matchesSelector(peer.podSelector, this.labelsOf(pod));
  }

  private npPortMatches(ports: readonly NetworkPolicyPort[] | undefined, dst: Peer, protocol: Protocol, port: number): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      const proto = p.protocol ?? 'TCP';
      if (proto !== protocol) return false;
      if (p.port === undefined) return true;
      if (typeof p.port === 'number') return port >= p.port && port <= (p.endPort ?? p.port);
      if (dst.kind !== 'pod') return false;
      return dst.pod.ports.some((c) => c.name === p.port && c.protocol === protocol && c.containerPort === port);
    });
  }

  private policyTypes(pol: NetworkPolicyInfo): { ingress: boolean; egress: boolean } {
    if (pol.policyTypes && pol.policyTypes.length) return { ingress: pol.policyTypes.includes('Ingress'), egress: pol.policyTypes.includes('Egress') };
    return { ingress: true, egress: !!pol.egress && pol.egress.length > 0 };
  }

  private adminSelects(a: AdminNetworkPolicyInfo, pod: PodInfo): boolean {
    if (this.hostNet(pod) || pod.cluster !== a.cluster) return false;
    const nsl = this.nsLabels(pod.cluster, pod.namespace);
    if (a.subject.namespaces) return matchesSelector(a.subject.namespaces, nsl);
    return matchesSelector(a.subject.pods!.namespaceSelector, nsl) && matchesSelector(a.subject.pods!.podSelector, this.labelsOf(pod));
  }

  private adminPeerMatches(peer: AdminPeer, a: AdminNetworkPolicyInfo, other: Peer): boolean {
    if (peer.kind === 'networks') return this.ipsOf(other).some((ip) => peer.networks.some((c) => cidrContains(c, ip)));
    if (peer.kind === 'nodes') {
      if (!this.isNodeTraffic(other)) return false;
      const nodeName = other.kind === 'pod' ? other.pod.nodeName : this.nodeOfIp(other.ip)?.name;
      const cluster = other.kind === 'pod' ? other.pod.cluster : this.nodeOfIp(other.ip)?.cluster;
      const n = (this.snap.nodes ?? []).find((x) => x.name === nodeName && x.cluster === cluster);
      return !!n && n.cluster === a.cluster && matchesSelector(peer.nodes, n.labels);
    }
    const pod = this.selectablePod(other, a.cluster);
    if (!pod) return false;
    const nsl = this.nsLabels(pod.cluster, pod.namespace);
    if (peer.kind === 'namespaces') return matchesSelector(peer.namespaces, nsl);
    if (peer.kind === 'domainNames') return false; // no DNS in a snapshot: matches no address
    return matchesSelector(peer.pods.namespaceSelector, nsl) && matchesSelector(peer.pods.podSelector, this.labelsOf(pod));
  }

  private adminPortMatches(ports: readonly AdminPort[] | undefined, dst: Peer, protocol: Protocol, port: number): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      if (p.kind === 'portNumber') return p.protocol === protocol && p.port === port;
      if (p.kind === 'portRange') return p.protocol === protocol && port >= p.start && port <= p.end;
      return dst.kind === 'pod' && dst.pod.ports.some((c) => c.name === p.name && c.protocol === protocol && c.containerPort === port);
    });
  }

  // ---- Cilium, from its documentation ------------------------------------------------------

  /** `k8s:` and `any:` name the Kubernetes label source; a CNP selector without the namespace key means the policy's namespace. */
  private ciliumSelectorMatches(sel: LabelSelector, pol: CiliumNetworkPolicyInfo, pod: PodInfo, isSubject: boolean): boolean {
    const strip = (k: string): string => k.replace(/^(k8s|any):/, '');
    const stripped: LabelSelector = {
      ...(sel.matchLabels ? { matchLabels: Object.fromEntries(Object.entries(sel.matchLabels).map(([k, v]) => [strip(k), v])) } : {}),
      ...(sel.matchExpressions ? { matchExpressions: sel.matchExpressions.map((e) => ({ ...e, key: strip(e.key) })) } : {}),
    };
    const namesNamespace = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)].some((k) => strip(k) === 'io.kubernetes.pod.namespace');
    if (pol.kind === 'CiliumNetworkPolicy' && (isSubject || !namesNamespace) && pod.namespace !== pol.namespace) return false;
    return matchesSelector(stripped, this.labelsOf(pod));
  }

  private ciliumSpecsSelecting(pod: PodInfo): { pol: CiliumNetworkPolicyInfo; spec: CiliumPolicySpec }[] {
    const out: { pol: CiliumNetworkPolicyInfo; spec: CiliumPolicySpec }[] = [];
    for (const pol of this.snap.ciliumNetworkPolicies ?? []) {
      if (pol.cluster !== pod.cluster || this.hostNet(pod)) continue;
      if (this.invalid.has(pol.kind === 'CiliumNetworkPolicy' ? `${pol.cluster}/${pol.namespace}/${pol.kind}/${pol.name}` : `${pol.cluster}/${pol.kind}/${pol.name}`)) continue;
      for (const spec of pol.specs) if (spec.endpointSelector && this.ciliumSelectorMatches(spec.endpointSelector, pol, pod, true)) out.push({ pol, spec });
    }
    return out;
  }

  /** `host` is the subject pod's own node, `remote-node` the others (any node when the subject's node is unknown). */
  private ciliumEntity(entity: string, other: Peer, cluster: string, subjectNode: string | undefined): boolean {
    const node = other.kind === 'ip' ? this.nodeOfIp(other.ip) : undefined;
    const otherNode = other.kind === 'pod' ? other.pod.nodeName : node?.name;
    const otherCluster = other.kind === 'pod' ? other.pod.cluster : node?.cluster;
    const isNode = other.kind === 'ip' ? !!node : this.hostNet(other.pod);
    const isWorld = other.kind === 'ip' && !node;
    if (entity === 'all') return true;
    if (entity === 'world') return isWorld;
    if (entity === 'world-ipv4') return isWorld && !other.ip.includes(':');
    if (entity === 'world-ipv6') return isWorld && other.ip.includes(':');
    if (entity === 'cluster') return (other.kind === 'pod' || isNode) && otherCluster === cluster;
    if (entity === 'host') return isNode && otherCluster === cluster && (subjectNode === undefined || otherNode === subjectNode);
    if (entity === 'remote-node') return isNode && otherCluster === cluster && (subjectNode === undefined || otherNode !== subjectNode);
    return false; // kube-apiserver, health, init, ingress, unmanaged: unknowable
  }

  private ciliumRuleMatches(rule: CiliumRule, pol: CiliumNetworkPolicyInfo, subjectNode: string | undefined, other: Peer, dst: Peer, protocol: Protocol, port: number): boolean {
    const l3Given = [rule.endpoints, rule.entities, rule.cidrs, rule.fqdns, rule.unsupported].some((l) => l && l.length > 0);
    const portsGiven = !!rule.toPorts && rule.toPorts.length > 0;
    if (!l3Given && !portsGiven) return false; // an empty rule matches nothing
    const peerOk = !l3Given ||
      (rule.endpoints ?? []).some((sel) => other.kind === 'pod' && !this.hostNet(other.pod) && other.pod.cluster === pol.cluster && this.ciliumSelectorMatches(sel, pol, other.pod, false)) ||
      (rule.entities ?? []).some((e) => this.ciliumEntity(e, other, pol.cluster, subjectNode)) ||
      (rule.cidrs ?? []).some((b) => other.kind === 'ip' && !this.nodeOfIp(other.ip) && cidrContains(b.cidr, other.ip) && !(b.except ?? []).some((e) => cidrContains(e, other.ip))) ||
      // toFQDNs: the addresses its names were seen to resolve to (outside addresses only, as CIDRs).
      (rule.fqdnAddresses ?? []).some((a) => other.kind === 'ip' && !this.nodeOfIp(other.ip) && other.ip === a);
    if (!peerOk) return false;
    if (!portsGiven) return true;
    return rule.toPorts!.some((pr) => !pr.ports || pr.ports.length === 0 || pr.ports.some((pp) => {
      if (pp.protocol !== undefined && pp.protocol !== 'ANY' && pp.protocol !== protocol) return false;
      if (pp.port === undefined) return true;
      if (typeof pp.port === 'number') return port >= pp.port && port <= (pp.endPort ?? pp.port);
      return dst.kind === 'pod' && dst.pod.ports.some((c) => c.name === pp.port && c.protocol === protocol && c.containerPort === port);
    }));
  }

  // ---- Calico, from its documentation ----------------------------------------------------

  /** Calico's tiers are in use in a cluster that holds Calico policies. */
  private calicoOn(cluster: string): boolean {
    return (this.snap.calicoPolicies ?? []).some((p) => p.cluster === cluster);
  }

  private calicoRef(p: CalicoPolicyInfo): string {
    return p.kind === 'CalicoNetworkPolicy' ? `${p.cluster}/${p.namespace}/${p.kind}/${p.name}` : `${p.cluster}/${p.kind}/${p.name}`;
  }

  /** A workload endpoint's labels: its own, the namespace's as pcns.*, and projectcalico.org/{namespace,orchestrator,serviceaccount}. */
  private calicoLabels(pod: PodInfo): Labels {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.nsLabels(pod.cluster, pod.namespace))) out[`pcns.${k}`] = v;
    return { ...out, ...pod.labels, 'projectcalico.org/namespace': pod.namespace, 'projectcalico.org/orchestrator': 'k8s', 'projectcalico.org/serviceaccount': pod.serviceAccount ?? 'default' };
  }

  private calicoNsLabels(pod: PodInfo): Labels {
    return { ...this.nsLabels(pod.cluster, pod.namespace), 'projectcalico.org/name': pod.namespace };
  }

  private sel(text: string, labels: Labels): boolean {
    return matchesCalicoSelector(parseCalicoSelector(text), labels);
  }

  private calicoSelects(p: CalicoPolicyInfo, pod: PodInfo): boolean {
    if (this.hostNet(pod) || pod.cluster !== p.cluster || p.hostEndpointsOnly) return false;
    if (p.namespace !== undefined && pod.namespace !== p.namespace) return false;
    if (p.namespaceSelector !== undefined && !this.sel(p.namespaceSelector, this.calicoNsLabels(pod))) return false;
    if (p.serviceAccountSelector !== undefined && !this.sel(p.serviceAccountSelector, { 'projectcalico.org/name': pod.serviceAccount ?? 'default' })) return false;
    return this.sel(p.selector, this.calicoLabels(pod));
  }

  /** Every field given must match; a selector (in a namespaced policy: of its namespace) matches workload endpoints only. */
  private calicoEntityMatches(e: CalicoEntityRule | undefined, p: CalicoPolicyInfo, peer: Peer): boolean {
    if (!e) return true;
    const pod = this.selectablePod(peer, p.cluster);
    const inScope = !!pod && (e.namespaceSelector !== undefined ? this.sel(e.namespaceSelector, this.calicoNsLabels(pod)) : p.namespace === undefined || pod.namespace === p.namespace);
    if (e.selector !== undefined || e.namespaceSelector !== undefined || e.serviceAccounts !== undefined) {
      const asEndpoint = (): boolean => {
        if (!inScope) return false;
        if (e.selector !== undefined && !this.sel(e.selector, this.calicoLabels(pod!))) return false;
        const sa = pod!.serviceAccount ?? 'default';
        if (e.serviceAccounts?.names && e.serviceAccounts.names.length > 0 && !e.serviceAccounts.names.includes(sa)) return false;
        if (e.serviceAccounts?.selector !== undefined && !this.sel(e.serviceAccounts.selector, { 'projectcalico.org/name': sa })) return false;
        return true;
      };
      if (!asEndpoint() && !(e.serviceAccounts === undefined && this.calicoSetMatches(e.selector ?? 'all()', e, p, peer))) return false;
    }
    if (e.notSelector !== undefined && inScope && this.sel(e.notSelector, this.calicoLabels(pod!))) return false;
    if (e.notSelector !== undefined && this.calicoSetMatches(e.notSelector, e, p, peer)) return false;
    const ips = this.ipsOf(peer);
    if (e.nets && !ips.some((ip) => e.nets!.some((c) => cidrContains(c, ip)))) return false;
    if (e.notNets && ips.some((ip) => e.notNets!.some((c) => cidrContains(c, ip)))) return false;
    return true;
  }

  /**
   * NetworkSet/GlobalNetworkSet: the selector matches a set's addresses; in a namespaced policy
   * only its namespace's sets, with a namespaceSelector the selected namespaces' (`global()`:
   * GlobalNetworkSets), in a GlobalNetworkPolicy without one every set.
   */
  private calicoSetMatches(selector: string, e: CalicoEntityRule, p: CalicoPolicyInfo, peer: Peer): boolean {
    const ips = this.ipsOf(peer);
    for (const s of this.snap.calicoNetworkSets ?? []) {
      if (s.cluster !== p.cluster) continue;
      const global = s.namespace === undefined;
      const nsl = global ? {} : { ...this.nsLabels(s.cluster, s.namespace!), 'projectcalico.org/name': s.namespace! };
      const inScope = e.namespaceSelector !== undefined
        ? matchesCalicoSelector(parseCalicoSelector(e.namespaceSelector), nsl, global)
        : p.namespace === undefined || s.namespace === p.namespace;
      if (!inScope || !matchesCalicoSelector(parseCalicoSelector(selector), s.labels, global)) continue;
      if (ips.some((ip) => s.nets.some((n) => cidrContains(n.includes('/') ? n : `${n}/32`, ip)))) return true;
    }
    return false;
  }

  private calicoRuleMatches(r: CalicoRule, p: CalicoPolicyInfo, subject: Peer, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number): boolean {
    if (r.unsupported || r.otherProtocol !== undefined) return false;
    if (r.protocol !== undefined && r.protocol !== protocol) return false;
    const [src, dstSide] = dir === 'ingress' ? [other, subject] : [subject, other];
    if (!this.calicoEntityMatches(r.source, p, src)) return false;
    const d = r.destination;
    if (!this.calicoEntityMatches(d && { ...d, ports: undefined, notPorts: undefined }, p, dstSide)) return false;
    if (r.protocol !== undefined && d?.ports && !d.ports.some((x) => ('name' in x ? dst.kind === 'pod' && dst.pod.ports.some((c) => c.name === x.name && c.protocol === protocol && c.containerPort === port) : port >= x.start && port <= x.end))) return false;
    if (r.protocol !== undefined && d?.notPorts && d.notPorts.some((x) => !('name' in x) && port >= x.start && port <= x.end)) return false; // named notPorts: not evaluated
    return true;
  }

  /** Calico's tiers for one direction: 'allow', 'deny', or undefined when nothing applied or everything passed. */
  private calicoTiers(subject: Peer, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number): 'allow' | 'deny' | undefined {
    const pod = (subject as { pod: PodInfo }).pod;
    type Entry = { tier: string; order: number; name: string; decide: () => 'Allow' | 'Deny' | 'Pass' | undefined };
    const entries: Entry[] = [];
    for (const p of this.snap.calicoPolicies ?? []) {
      if (this.invalid.has(this.calicoRef(p)) || !this.calicoSelects(p, pod)) continue;
      const types = p.types && p.types.length > 0 ? p.types : p.egress.length === 0 ? ['Ingress'] : p.ingress.length > 0 ? ['Ingress', 'Egress'] : ['Egress'];
      if (!types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
      entries.push({
        tier: p.tier, order: p.order ?? Infinity, name: p.name,
        decide: () => {
          for (const r of p[dir]) if (r.action !== 'Log' && this.calicoRuleMatches(r, p, subject, other, dir, dst, protocol, port)) return r.action as 'Allow' | 'Deny' | 'Pass';
          return undefined;
        },
      });
    }
    for (const p of this.snap.networkPolicies) {
      if (this.invalid.has(`${p.cluster}/${p.namespace}/NetworkPolicy/${p.name}`) || p.cluster !== pod.cluster || p.namespace !== pod.namespace || !matchesSelector(p.podSelector, pod.labels) || !this.policyTypes(p)[dir]) continue;
      entries.push({
        tier: 'default', order: 1000, name: `knp.default.${p.name}`,
        decide: () => ((p[dir] ?? []).some((r) => (!r.peers || r.peers.length === 0 || r.peers.some((peer) => this.npPeerMatches(peer, p, other))) && this.npPortMatches(r.ports, dst, protocol, port)) ? 'Allow' : undefined),
      });
    }
    const tierOf = (name: string) => {
      const t = (this.snap.calicoTiers ?? []).find((x) => x.cluster === pod.cluster && x.name === name);
      return { order: t ? t.order ?? Infinity : name === 'default' ? 1_000_000 : Infinity, end: t?.defaultAction ?? 'Deny' };
    };
    const tiers = [...new Set(entries.map((e) => e.tier))].sort((a, b) => tierOf(a).order - tierOf(b).order || (a < b ? -1 : 1));
    for (const tier of tiers) {
      const policies = entries.filter((e) => e.tier === tier).sort((a, b) => (a.order === b.order ? (a.name < b.name ? -1 : 1) : a.order < b.order ? -1 : 1));
      let action: 'Allow' | 'Deny' | 'Pass' | undefined;
      for (const p of policies) if ((action = p.decide()) !== undefined) break;
      if (action === 'Allow') return 'allow';
      if (action === 'Deny') return 'deny';
      if (action === undefined && tierOf(tier).end === 'Deny') return 'deny';
    }
    return undefined;
  }

  /**
   * Cilium's host firewall (CiliumClusterwideNetworkPolicy with nodeSelector): a node address or
   * hostNetwork pod of a selected node is a subject; deny rules win, a selecting spec with rules
   * in the direction (or enableDefaultDeny) isolates it, allow rules let traffic in or out.
   * Undefined when no host policy selects the node.
   */
  private hostFirewall(subject: Peer, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number): boolean | undefined {
    if (!this.isNodeTraffic(subject)) return undefined;
    const node = subject.kind === 'pod' ? (this.snap.nodes ?? []).find((n) => n.name === subject.pod.nodeName && n.cluster === subject.pod.cluster) : this.nodeOfIp(subject.ip);
    const nodeName = subject.kind === 'pod' ? subject.pod.nodeName : node?.name;
    const cluster = subject.kind === 'pod' ? subject.pod.cluster : node?.cluster;
    if (!nodeName || !cluster) return undefined;
    const specs: { pol: CiliumNetworkPolicyInfo; spec: CiliumPolicySpec }[] = [];
    for (const pol of this.snap.ciliumNetworkPolicies ?? []) {
      if (pol.kind !== 'CiliumClusterwideNetworkPolicy' || pol.cluster !== cluster || this.invalid.has(`${pol.cluster}/${pol.kind}/${pol.name}`)) continue;
      for (const spec of pol.specs) {
        const sel = spec.nodeSelector;
        if (spec.endpointSelector || !sel) continue;
        const strip = (k: string): string => k.replace(/^(k8s|any):/, '');
        const stripped: LabelSelector = {
          ...(sel.matchLabels ? { matchLabels: Object.fromEntries(Object.entries(sel.matchLabels).map(([k, v]) => [strip(k), v])) } : {}),
          ...(sel.matchExpressions ? { matchExpressions: sel.matchExpressions.map((e) => ({ ...e, key: strip(e.key) })) } : {}),
        };
        if (matchesSelector(stripped, node?.labels ?? {})) specs.push({ pol, spec });
      }
    }
    if (specs.length === 0) return undefined;
    if (dir === 'ingress' && subject.kind === 'pod' && this.isNodeTraffic(other)) {
      const otherNode = other.kind === 'pod' ? other.pod.nodeName : this.nodeOfIp(other.ip)?.name;
      if (otherNode === nodeName) return true; // the node's own traffic, as for pods on it
    }
    const denyField = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
    if (specs.some(({ pol, spec }) => (spec[denyField] ?? []).some((r) => this.ciliumRuleMatches(r, pol, nodeName, other, dst, protocol, port)))) return false;
    const isolates = specs.some(({ spec }) => spec.enableDefaultDeny?.[dir] ?? ((spec[dir] ?? []).length + (spec[denyField] ?? []).length > 0));
    if (!isolates) return true;
    return specs.some(({ pol, spec }) => (spec[dir] ?? []).some((r) => this.ciliumRuleMatches(r, pol, nodeName, other, dst, protocol, port)));
  }

  /** One direction, one port. `subject` is the pod the policies select, `other` the far end. */
  private directionAllowed(subject: Peer, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number): boolean {
    const host = this.hostFirewall(subject, other, dir, dst, protocol, port);
    if (host !== undefined) return host;
    if (subject.kind !== 'pod' || this.hostNet(subject.pod)) return true;
    const pod = subject.pod;
    if (dir === 'ingress' && this.isNodeTraffic(other)) {
      const otherNode = other.kind === 'pod' ? other.pod.nodeName : this.nodeOfIp(other.ip)?.name;
      const otherCluster = other.kind === 'pod' ? other.pod.cluster : this.nodeOfIp(other.ip)?.cluster;
      if (otherNode && otherNode === pod.nodeName && otherCluster === pod.cluster) return true;
    }
    const admins = this.snap.adminNetworkPolicies.filter((a) => !this.invalid.has(`${a.cluster}/${a.kind}/${a.name}`) && a.cluster === pod.cluster);
    // Admin tier: ANP (v1alpha1) and ClusterNetworkPolicy with tier Admin, lowest priority first.
    const adminTier = admins.filter((a) => a.kind === 'AdminNetworkPolicy' || (a.kind === 'ClusterNetworkPolicy' && a.tier !== 'Baseline')).sort(byPriority);
    const first = this.firstMatch(adminTier, pod, other, dir, dst, protocol, port);
    if (first === 'Allow' || first === 'Accept') return true;
    if (first === 'Deny') return false;
    // Pass, or nothing matched: the NetworkPolicy tier (under Calico: Calico's tiers, NetworkPolicy in its default tier).
    if (this.calicoOn(pod.cluster)) {
      const verdict = this.calicoTiers(subject, other, dir, dst, protocol, port);
      if (verdict !== undefined) return verdict === 'allow';
      return this.baseline(admins, pod, other, dir, dst, protocol, port);
    }
    const nps = this.snap.networkPolicies.filter(
      (p) =>
        !this.invalid.has(`${p.cluster}/${p.namespace}/NetworkPolicy/${p.name}`) &&
        p.cluster === pod.cluster && p.namespace === pod.namespace && !this.hostNet(pod) && matchesSelector(p.podSelector, this.labelsOf(pod)) &&
        this.policyTypes(p)[dir],
    );
    // Cilium: deny rules win over every allow, whatever the kind; a selecting spec with rules in
    // this direction (or enableDefaultDeny) puts the pod in default deny; allows add up with NetworkPolicy's.
    const cil = this.ciliumSpecsSelecting(pod);
    const denyField = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
    if (cil.some(({ pol, spec }) => (spec[denyField] ?? []).some((r) => this.ciliumRuleMatches(r, pol, pod.nodeName, other, dst, protocol, port)))) return false;
    const ciliumIsolates = cil.some(({ spec }) => spec.enableDefaultDeny?.[dir] ?? ((spec[dir] ?? []).length + (spec[denyField] ?? []).length > 0));
    if (nps.length > 0 || ciliumIsolates) {
      const ciliumAllows = cil.some(({ pol, spec }) => (spec[dir] ?? []).some((r) => this.ciliumRuleMatches(r, pol, pod.nodeName, other, dst, protocol, port)));
      return ciliumAllows || nps.some((p) =>
        (p[dir] ?? []).some(
          (r) => (!r.peers || r.peers.length === 0 || r.peers.some((peer) => this.npPeerMatches(peer, p, other))) && this.npPortMatches(r.ports, dst, protocol, port),
        ),
      );
    }
    // Baseline tier: ClusterNetworkPolicy with tier Baseline by priority, then the one BANP
    // (named "default"; the first by name if there are several). Pass goes to the default.
    return this.baseline(admins, pod, other, dir, dst, protocol, port);
  }

  private baseline(admins: AdminNetworkPolicyInfo[], pod: PodInfo, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number): boolean {
    const banp = admins.filter((a) => a.kind === 'BaselineAdminNetworkPolicy').sort((x, y) => (x.name < y.name ? -1 : 1))[0];
    const baseline = [...admins.filter((a) => a.kind === 'ClusterNetworkPolicy' && a.tier === 'Baseline').sort(byPriority), ...(banp ? [banp] : [])];
    return this.firstMatch(baseline, pod, other, dir, dst, protocol, port) !== 'Deny';
  }

  /** The action of the first rule (policy order, then rule order) matching the connection. */
  private firstMatch(
    policies: AdminNetworkPolicyInfo[], pod: PodInfo, other: Peer, dir: 'ingress' | 'egress', dst: Peer, protocol: Protocol, port: number,
  ): AdminNetworkPolicyInfo['ingress'][number]['action'] | undefined {
    for (const a of policies) {
      if (!this.adminSelects(a, pod)) continue;
      for (const r of a[dir]) {
        if (r.peers.some((p) => this.adminPeerMatches(p, a, other)) && this.adminPortMatches(r.ports, dst, protocol, port)) return r.action;
      }
    }
    return undefined;
  }

  allowed(src: Peer, dst: Peer, protocol: Protocol, port: number): boolean {
    if (src.kind === 'pod' && dst.kind === 'pod' && src.pod.cluster === dst.pod.cluster && src.pod.namespace === dst.pod.namespace && src.pod.name === dst.pod.name) return true;
    return this.directionAllowed(src, dst, 'egress', dst, protocol, port) && this.directionAllowed(dst, src, 'ingress', dst, protocol, port);
  }

  /** The ports where a verdict can change. */
  grid(): number[] {
    const pts = new Set<number>([1]);
    const add = (a: number, b: number = a): void => {
      pts.add(a);
      if (b + 1 <= 65535) pts.add(b + 1);
    };
    for (const p of this.snap.pods) for (const c of p.ports) add(c.containerPort);
    for (const p of this.snap.networkPolicies) {
      for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
        for (const x of r.ports ?? []) if (typeof x.port === 'number') add(x.port, x.endPort ?? x.port);
      }
    }
    for (const a of this.snap.adminNetworkPolicies) {
      for (const r of [...a.ingress, ...a.egress]) {
        for (const x of r.ports ?? []) {
          if (x.kind === 'portNumber') add(x.port);
          if (x.kind === 'portRange') add(x.start, x.end);
        }
      }
    }
    for (const c of this.snap.ciliumNetworkPolicies ?? []) {
      for (const spec of c.specs) {
        for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? []), ...(spec.ingressDeny ?? []), ...(spec.egressDeny ?? [])]) {
          for (const pr of r.toPorts ?? []) for (const pp of pr.ports ?? []) if (typeof pp.port === 'number') add(pp.port, pp.endPort ?? pp.port);
        }
      }
    }
    for (const c of this.snap.calicoPolicies ?? []) {
      for (const r of [...c.ingress, ...c.egress]) for (const x of [...(r.destination?.ports ?? []), ...(r.destination?.notPorts ?? [])]) if (!('name' in x)) add(x.start, x.end);
    }
    return [...pts].filter((p) => p >= 1 && p <= 65535).sort((a, b) => a - b);
  }

  connections(src: Peer, dst: Peer, grid = this.grid()): ConnectionSet {
    let out = ConnectionSet.NONE;
    for (const protocol of PROTOCOLS) {
      for (let i = 0; i < grid.length; i++) {
        if (this.allowed(src, dst, protocol, grid[i])) {
          out = out.union(ConnectionSet.of(protocol, grid[i], i + 1 < grid.length ? grid[i + 1] - 1 : 65535));
        }
      }
    }
    return out;
  }

  /** The external IPv4 ranges: 0.0.0.0/0 cut at every CIDR the (valid) policies mention, and at node addresses under a host firewall. */
  ranges(): { start: number; end: number }[] {
    const cidrs: string[] = [];
    for (const p of this.snap.networkPolicies) {
      if (this.invalid.has(`${p.cluster}/${p.namespace}/NetworkPolicy/${p.name}`)) continue;
      for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
        for (const peer of r.peers ?? []) if (peer.ipBlock) cidrs.push(peer.ipBlock.cidr, ...(peer.ipBlock.except ?? []));
      }
    }
    for (const a of this.snap.adminNetworkPolicies) {
      if (this.invalid.has(`${a.cluster}/${a.kind}/${a.name}`)) continue;
      for (const r of [...a.ingress, ...a.egress]) for (const peer of r.peers) if (peer.kind === 'networks') cidrs.push(...peer.networks);
    }
    for (const c of this.snap.ciliumNetworkPolicies ?? []) {
      if (this.invalid.has(c.kind === 'CiliumNetworkPolicy' ? `${c.cluster}/${c.namespace}/${c.kind}/${c.name}` : `${c.cluster}/${c.kind}/${c.name}`)) continue;
      for (const spec of c.specs) {
        for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? []), ...(spec.ingressDeny ?? []), ...(spec.egressDeny ?? [])]) {
          for (const b of r.cidrs ?? []) cidrs.push(b.cidr, ...(b.except ?? []));
          for (const a of r.fqdnAddresses ?? []) cidrs.push(`${a}/32`);
        }
      }
    }
    for (const c of this.snap.calicoPolicies ?? []) {
      if (this.invalid.has(this.calicoRef(c))) continue;
      for (const r of [...c.ingress, ...c.egress]) for (const e of [r.source, r.destination]) cidrs.push(...(e?.nets ?? []), ...(e?.notNets ?? []));
    }
    for (const s of this.snap.calicoNetworkSets ?? []) cidrs.push(...s.nets.map((n) => (n.includes('/') ? n : `${n}/32`)));
    // A cluster with a host firewall: each node address is a range (a subject) of its own.
    const hostFirewalled = new Set(
      (this.snap.ciliumNetworkPolicies ?? [])
        .filter((c) => c.kind === 'CiliumClusterwideNetworkPolicy' && !this.invalid.has(`${c.cluster}/${c.kind}/${c.name}`) && c.specs.some((s) => !s.endpointSelector && s.nodeSelector))
        .map((c) => c.cluster),
    );
    for (const n of this.snap.nodes ?? []) if (hostFirewalled.has(n.cluster)) cidrs.push(...n.addresses.filter((a) => !a.includes(':')).map((a) => `${a}/32`));
    const parsed = cidrs.map(parseIpv4Cidr).filter((r): r is { start: number; end: number } => !!r);
    return parsed.length ? partitionIpv4(parsed) : [{ start: 0, end: 0xffffffff }];
  }

  /** Workload-level map as `SRC => DST : CONN` lines, sorted. */
  mapLines(): string[] {
    const grid = this.grid();
    const withCluster = new Set(this.snap.pods.map((p) => p.cluster)).size > 1;
    const wl = (p: PodInfo): string => {
      const o = topLevelOwner(p);
      return `${withCluster ? `${p.cluster}/` : ''}${p.namespace}/${o.name}[${o.kind}]`;
    };
    const acc = new Map<string, ConnectionSet>();
    const add = (s: string, d: string, c: ConnectionSet): void => {
      if (s === d || c.isEmpty()) return;
      const k = `${s}\u0000${d}`;
      acc.set(k, (acc.get(k) ?? ConnectionSet.NONE).union(c));
    };
    for (const a of this.snap.pods) {
      for (const b of this.snap.pods) {
        if (a === b) continue;
        add(wl(a), wl(b), this.connections({ kind: 'pod', pod: a }, { kind: 'pod', pod: b }, grid));
      }
    }
    for (const r of this.ranges()) {
      const ip: Peer = { kind: 'ip', ip: intToIpv4(r.start) };
      for (const p of this.snap.pods) {
        add(wl(p), formatRange(r), this.connections({ kind: 'pod', pod: p }, ip, grid));
        add(formatRange(r), wl(p), this.connections(ip, { kind: 'pod', pod: p }, grid));
      }
    }
    return [...acc].map(([k, c]) => `${k.replace('\u0000', ' => ')} : ${c.toString()}`).sort();
  }
}

export type { LabelSelector };
