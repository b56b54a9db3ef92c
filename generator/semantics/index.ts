/**
 * The policy engine: NetworkPolicy + AdminNetworkPolicy + BaselineAdminNetworkPolicy.
 * Pure: no I/O. Start with `createEngine(snapshotOrInventory, { ipBlockMatchesPods })`.
 */
export type * from './types.ts';
export { createEngine } from './engine.ts';
export { validatePolicies } from './validate.ts';
export { ConnectionSet, CONNECTION_PROTOCOLS, MIN_PORT, MAX_PORT } from './ports.ts';
export * from './ports.ts';
export { topLevelOwner, workloadLabel } from './owner.ts';
export { formatVerdict, formatRule } from './explain.ts';
export { formatConnectivityMap, MAP_FORMATS, type MapFormat } from './format.ts';
export { ALL_IPV4, cidrContains, formatRange, parseIpv4Cidr, parseRange, partitionIpv4, ipv4ToInt, intToIpv4 } from './cidr.ts';
export type { Ipv4Range } from './cidr.ts';
export { withObservedDns, dnsAnswersOf, fqdnSelects, type DnsAnswers } from './kinds/cilium-fqdn.ts';
