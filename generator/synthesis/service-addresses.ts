/**
 * Service addresses as the proof sees them: the span of an inventory's ClusterIPs per cluster,
 * and why an address written as an external peer may be a Service address instead (an
 * ipBlock for it would not match the traffic once it is translated to the backends).
 */
import type { Inventory } from '../model/inventory.ts';
import { cidrContains, intToIpv4, ipv4ToInt } from '../semantics/cidr.ts';

/** A Service address range of one cluster, or of every cluster when `cluster` is absent. */
export interface ServiceCidr {
  readonly cluster?: string;
  readonly cidr: string;
  /** Derived from the inventory's ClusterIPs (`clusterIpSpans`), not given. */
  readonly derived?: boolean;
}

/**
 * Per cluster, the smallest IPv4 block holding every ClusterIP of the inventory: the Service
 * range (or part of it). An address inside it that no Service holds is a Service created
 * after the snapshot, or deleted: not an external peer, whatever the ipBlock says.
 */
export function clusterIpSpans(inventory: Inventory): ServiceCidr[] {
  const bounds = new Map<string, { lo: number; hi: number }>();
  for (const s of inventory.services) {
    for (const ip of s.clusterIPs) {
      const n = ipv4ToInt(ip);
      if (n === undefined) continue;
      const b = bounds.get(s.cluster);
      if (!b) bounds.set(s.cluster, { lo: n, hi: n });
      else {
        b.lo = Math.min(b.lo, n);
        b.hi = Math.max(b.hi, n);
      }
    }
  }
  const out: ServiceCidr[] = [];
  for (const [cluster, { lo, hi }] of [...bounds].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let bits = 32;
    while (bits > 0 && Math.floor(lo / 2 ** (32 - bits)) !== Math.floor(hi / 2 ** (32 - bits))) bits--;
    const size = 2 ** (32 - bits);
    out.push({ cluster, cidr: `${intToIpv4(Math.floor(lo / size) * size)}/${bits}`, derived: true });
  }
  return out;
}

/**
 * Where clusters put Service addresses when nobody says: RFC 1918, RFC 6598 (shared address
 * space, used by some providers for Services) and IPv6 unique local addresses.
 */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

/**
 * Why an address written as an external peer of `cluster` may be a Service address instead
 * (so the ipBlock written for it does not match the traffic once it is translated to the
 * Service's backends), or undefined. `knownServiceAddresses` lists the clusters whose
 * inventory holds Service addresses: only there can the graph builder tell a ClusterIP from
 * an external address, so only there is a private address trusted as external.
 */
export function possibleServiceAddress(
  ip: string, cluster: string | undefined, serviceCidrs: readonly ServiceCidr[], knownServiceAddresses: ReadonlySet<string>,
): string | undefined {
  const given = serviceCidrs.find((c) => (c.cluster === undefined || c.cluster === cluster) && cidrContains(c.cidr, ip));
  if (given) {
    const range = given.derived ? `the span of ${given.cluster}'s ClusterIPs (${given.cidr})` : `the Service CIDR ${given.cidr}${given.cluster ? ` of ${given.cluster}` : ''}`;
    return `${ip} is in ${range} but no Service of the inventory holds it: ` +
      'a Service address whose backends are unknown, which the ipBlock written for it does not match after DNAT (give the inventory with its Services and EndpointSlices)';
  }
  if (cluster === undefined || knownServiceAddresses.has(cluster)) return undefined;
  const range = PRIVATE_RANGES.find((r) => cidrContains(r, ip));
  if (!range) return undefined;
  return `${ip} is a private address (${range}) and the inventory holds no Service address of cluster ${cluster}: it may be a ClusterIP ` +
    'whose backends are unknown, which the ipBlock written for it does not match after DNAT (give the inventory with its Services and EndpointSlices, ' +
    'or --service-cidr to say where Service addresses are)';
}
