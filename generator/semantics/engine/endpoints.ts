/**
 * Endpoints (what a pod or an address looks like to a rule) and direction profiles (the
 * rules that apply to an endpoint, tier by tier). Both are pure functions of the pod (or
 * address) and the compiled snapshot: built once each, so repeated single queries (the
 * generator's proof) stay cheap.
 */
import type { PodInfo } from '../../model/inventory.ts';
import { namespaceKey, podKey } from '../../model/keys.ts';
import { namespaceLabels } from '../../selectors/index.ts';
import { ipv4List, type CompiledRule, type Endpoint } from '../compile.ts';
import type { CalicoTierProfile, DirectionProfile } from '../decide.ts';
import { ciliumIdentityLabels, hostFirewallSelects } from '../kinds/cilium.ts';
import type { Direction, Peer } from '../types.ts';
import type { PolicyIndex } from './policy-index.ts';

const NOT_SUBJECT: DirectionProfile = { subject: false, anp: [], deny: [], isolatedBy: [], np: [], banp: [] };

export class Endpoints {
  private readonly podEndpoints = new WeakMap<PodInfo, Endpoint>();
  private readonly ipEndpoints = new Map<string, Endpoint>();
  private readonly profiles = new WeakMap<Endpoint, { ingress?: DirectionProfile; egress?: DirectionProfile }>();

  constructor(private readonly policies: PolicyIndex) {}

  pod(pod: PodInfo): Endpoint {
    let ep = this.podEndpoints.get(pod);
    if (!ep) this.podEndpoints.set(pod, (ep = this.makePodEndpoint(pod)));
    return ep;
  }

  ip(ip: string): Endpoint {
    let ep = this.ipEndpoints.get(ip);
    if (!ep) this.ipEndpoints.set(ip, (ep = this.makeIpEndpoint(ip)));
    return ep;
  }

  of(p: Peer): Endpoint {
    return p.kind === 'pod' ? this.pod(p.pod) : this.ip(p.ip);
  }

  /** The rules applying to the endpoint in one direction; nothing applies to addresses and node traffic. */
  profile(ep: Endpoint, direction: Direction): DirectionProfile {
    if (!ep.cluster || ((ep.kind !== 'pod' || ep.hostNetwork) && !hostFirewallSelects(this.policies.ciliumByCluster.get(ep.cluster), ep))) return NOT_SUBJECT;
    let known = this.profiles.get(ep);
    if (!known) this.profiles.set(ep, (known = {}));
    return (known[direction] ??= this.computeProfile(ep, ep.cluster, direction));
  }

  private makePodEndpoint(pod: PodInfo): Endpoint {
    const ips = pod.hostNetwork ? [...new Set([...pod.ips, ...pod.hostIPs])] : pod.ips;
    const nsLabels = this.policies.nsLabels(pod.cluster, pod.namespace) ?? namespaceLabels(pod.namespace, undefined);
    return {
      kind: 'pod',
      cluster: pod.cluster,
      namespace: pod.namespace,
      labels: this.policies.ciliumLabels ? ciliumIdentityLabels(pod, nsLabels) : pod.labels,
      nsLabels,
      ports: pod.ports,
      hostNetwork: this.policies.nodeTraffic(pod),
      v4: ipv4List(ips),
      v6: ips.filter((ip) => ip.includes(':')),
      nodeName: pod.nodeName,
      serviceAccount: pod.serviceAccount ?? 'default',
      podRef: podKey(pod.cluster, pod.namespace, pod.name),
    };
  }

  private makeIpEndpoint(ip: string): Endpoint {
    const node = this.policies.nodeByAddress.get(ip);
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

  private computeProfile(ep: Endpoint, cluster: string, direction: Direction): DirectionProfile {
    const idx = this.policies;
    const nsKey = namespaceKey(cluster, ep.namespace!);
    const anp: CompiledRule[] = [];
    for (const a of idx.anpsByCluster.get(cluster) ?? []) if (a.selects(ep)) anp.push(...a.rules[direction]);
    const isolatedBy: string[] = [];
    const np: CompiledRule[] = [];
    for (const n of idx.npsByNs.get(nsKey) ?? []) {
      if (!n.selects(ep)) continue;
      if (n.isolates[direction]) isolatedBy.push(n.ref);
      np.push(...n.rules[direction]);
    }
    const deny: CompiledRule[] = [];
    for (const c of idx.ciliumSelecting(ep, cluster)) {
      if (c.defaultDeny[direction] && !isolatedBy.includes(c.ref)) isolatedBy.push(c.ref);
      deny.push(...c.deny[direction]);
      np.push(...c.allow[direction]);
    }
    const banp: CompiledRule[] = [];
    for (const b of idx.baselineByCluster.get(cluster) ?? []) if (b.selects(ep)) banp.push(...b.rules[direction]);
    if (!idx.calicoIn(cluster)) return { subject: true, anp, deny, isolatedBy, np, banp };
    // Calico's tiers replace the NetworkPolicy tier (NetworkPolicies are in its default tier).
    const calico: CalicoTierProfile[] = [];
    const calicoIsolatedBy = isolatedBy.filter((ref) => !idx.npsByNs.get(nsKey)?.some((n) => n.ref === ref));
    for (const { tier, policies } of idx.calicoSelecting(ep, cluster)) {
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
}
