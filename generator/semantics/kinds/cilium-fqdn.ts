/**
 * Cilium `toFQDNs` peers against DNS answers seen in flows. Cilium allows the addresses its DNS
 * proxy saw a selected name resolve to; a snapshot holds no DNS, so a caller that has flows
 * (diff, the server) passes the answers in (name -> addresses) and each rule gets the addresses
 * its names resolved to. A name no answer matched stays unknowable (validation says so).
 *
 * Name matching follows Cilium's FQDN selector: `matchName` is an exact, case-insensitive name
 * (a trailing dot ignored); in `matchPattern` a `*` matches any run of DNS characters within
 * one label, `*` alone matches every name, and a leading `**.` matches one or more labels.
 */
import type { CiliumNetworkPolicyInfo, CiliumRule } from '../../model/policy.ts';

/** DNS answers seen in flows: lower-case name (no trailing dot) -> addresses. */
export type DnsAnswers = ReadonlyMap<string, readonly string[]>;

const canonical = (name: string): string => name.toLowerCase().replace(/\.$/, '');

const patterns = new Map<string, RegExp>();

/** Whether a toFQDNs entry (matchName, or matchPattern when it has a `*`) selects a name. */
export function fqdnSelects(selector: string, name: string): boolean {
  const n = canonical(name);
  const s = canonical(selector);
  if (!s.includes('*')) return s === n;
  if (s === '*') return true;
  let re = patterns.get(s);
  if (!re) {
    const multi = s.startsWith('**.');
    const rest = (multi ? s.slice(3) : s).split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-z0-9_]*');
    patterns.set(s, (re = new RegExp(`^${multi ? '([-a-z0-9_]+\\.)+' : ''}${rest}$`)));
  }
  return re.test(n);
}

/** The addresses the rule's toFQDNs names resolved to in the answers, sorted; undefined when the rule has none. */
export function resolveFqdns(fqdns: readonly string[] | undefined, answers: DnsAnswers): string[] | undefined {
  if (!fqdns || fqdns.length === 0) return undefined;
  const out = new Set<string>();
  for (const [name, addresses] of answers) if (fqdns.some((f) => fqdnSelects(f, name))) for (const a of addresses) out.add(a);
  return [...out].sort();
}

/**
 * The policies with each toFQDNs rule carrying `fqdnAddresses` (the addresses its names were
 * seen to resolve to, possibly none). Policies without toFQDNs are returned as they are.
 */
export function withObservedDns(policies: readonly CiliumNetworkPolicyInfo[], answers: DnsAnswers): CiliumNetworkPolicyInfo[] {
  const rules = (list: readonly CiliumRule[] | undefined): readonly CiliumRule[] | undefined =>
    list?.map((r) => (r.fqdns && r.fqdns.length > 0 ? { ...r, fqdnAddresses: resolveFqdns(r.fqdns, answers) } : r));
  return policies.map((p) =>
    p.specs.some((s) => [...(s.egress ?? []), ...(s.egressDeny ?? [])].some((r) => r.fqdns && r.fqdns.length > 0))
      ? {
          ...p,
          specs: p.specs.map((s) => ({
            ...s,
            ...(s.egress ? { egress: rules(s.egress) } : {}),
            ...(s.egressDeny ? { egressDeny: rules(s.egressDeny) } : {}),
          })),
        }
      : p);
}

/** DNS answers from (name, address) observations, names made canonical. */
export function dnsAnswersOf(pairs: Iterable<readonly [name: string, address: string]>): DnsAnswers {
  const out = new Map<string, Set<string>>();
  for (const [name, address] of pairs) {
    const n = canonical(name);
    let s = out.get(n);
    if (!s) out.set(n, (s = new Set()));
    s.add(address);
  }
  return new Map([...out].map(([n, s]) => [n, [...s].sort()]));
}
