/**
 * The address ranges the policies tell apart: every CIDR (and except) a rule names cuts the
 * IPv4 space, and the map reports one peer per resulting range. In a cluster with a Cilium host
 * firewall (a clusterwide nodeSelector spec), each node address is a range of its own too: it is
 * then a policy subject, not one address among many. Also whether any rule names networks that
 * can match pod addresses, or nodes: the map's pod classes then need each pod's addresses or node.
 */
import { ALL_IPV4, ipv4ToInt, parseIpv4Cidr, partitionIpv4, type Ipv4Range } from '../cidr.ts';
import { calicoNetCuts, calicoPolicyRef } from '../kinds/calico.ts';
import { ciliumRuleBlocks } from '../kinds/cilium.ts';
import type { PolicySnapshot } from '../types.ts';
import type { PolicyIndex } from './policy-index.ts';

export interface ExternalCuts {
  readonly ranges: Ipv4Range[];
  /** A Calico `nets` or Admin `networks` peer exists (they match pod addresses too). */
  readonly anyNetworksPeer: boolean;
  /** An Admin `nodes` peer exists. */
  readonly anyNodesPeer: boolean;
  /**
   * The node addresses cut into /32 ranges of their own (in clusters with a host firewall), by
   * range start: the map's endpoint for such a range is the node's address (`Endpoints.ip`).
   */
  readonly nodeAddresses: ReadonlyMap<number, string>;
}

export function externalCuts(snapshot: PolicySnapshot, index: PolicyIndex): ExternalCuts {
  const cuts: Ipv4Range[] = [];
  let anyNetworksPeer = false;
  let anyNodesPeer = false;
  const cut = (cidr: string): void => {
    const r = parseIpv4Cidr(cidr);
    if (r) cuts.push(r);
  };
  for (const list of index.npsByNs.values()) {
    for (const n of list) {
      for (const rule of [...(n.info.ingress ?? []), ...(n.info.egress ?? [])]) {
        for (const p of rule.peers ?? []) {
          if (!p.ipBlock) continue;
          for (const c of [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])]) cut(c);
        }
      }
    }
  }
  for (const list of [...index.ciliumByNs.values(), ...index.ciliumByCluster.values()]) {
    for (const c of list) {
      for (const spec of c.info.specs) {
        for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? []), ...(spec.ingressDeny ?? []), ...(spec.egressDeny ?? [])]) {
          for (const b of ciliumRuleBlocks(rule)) for (const cidr of [b.cidr, ...(b.except ?? [])]) cut(cidr);
        }
      }
    }
  }
  for (const s of snapshot.calicoNetworkSets ?? []) for (const n of s.nets) cuts.push(...calicoNetCuts(n, () => (anyNetworksPeer = true)));
  for (const p of snapshot.calicoPolicies ?? []) {
    if (index.invalid.has(calicoPolicyRef(p))) continue;
    for (const rule of [...p.ingress, ...p.egress]) {
      for (const e of [rule.source, rule.destination]) {
        for (const cidr of [...(e?.nets ?? []), ...(e?.notNets ?? [])]) {
          anyNetworksPeer = true; // Calico's nets match pod addresses too
          cut(cidr);
        }
      }
    }
  }
  const admins = [...[...index.anpsByCluster.values()].flat(), ...[...index.baselineByCluster.values()].flat()];
  for (const a of admins) {
    for (const rule of [...a.info.ingress, ...a.info.egress]) {
      for (const p of rule.peers) {
        if (p.kind === 'networks') {
          anyNetworksPeer = true;
          for (const c of p.networks) cut(c);
        } else if (p.kind === 'nodes') anyNodesPeer = true;
      }
    }
  }
  const nodeAddresses = hostFirewallNodeAddresses(index);
  for (const start of nodeAddresses.keys()) cuts.push({ start, end: start });
  return { ranges: cuts.length ? partitionIpv4(cuts) : [ALL_IPV4], anyNetworksPeer, anyNodesPeer, nodeAddresses };
}

/** The IPv4 addresses of the nodes of every cluster with a host firewall spec (none elsewhere: ranges stay as few as the rules make them). */
function hostFirewallNodeAddresses(index: PolicyIndex): Map<number, string> {
  const found = new Map<number, string>();
  const clusters = new Set<string>();
  for (const [cluster, specs] of index.ciliumByCluster) if (specs.some((c) => c.host)) clusters.add(cluster);
  if (clusters.size === 0) return found;
  for (const [address, node] of index.nodeByAddress) {
    const n = clusters.has(node.cluster) ? ipv4ToInt(address) : undefined;
    if (n !== undefined) found.set(n, address);
  }
  return found;
}
