/**
 * overlayPolicySet with every policy kind: a proposal replaces the base's policies of the same
 * kind family in the namespaces (namespaced kinds) or clusters (cluster-wide kinds) it covers.
 */
import { describe, expect, it } from 'vitest';
import { overlayPolicySet, type PolicySet } from '../../../generator/diff/index.ts';
import { anp, calico, calicoTier, cilium, np, sel } from '../semantics/builders.ts';

const base: PolicySet = {
  networkPolicies: [np('shop', 'np-shop'), np('bank', 'np-bank')],
  adminNetworkPolicies: [anp('anp-base', 10)],
  ciliumNetworkPolicies: [cilium('cnp-shop', { endpointSelector: sel({}) }, 'shop'), cilium('cnp-bank', { endpointSelector: sel({}) }, 'bank'), cilium('ccnp-base', { endpointSelector: sel({}) })],
  calicoPolicies: [calico('cal-shop', {}, 'shop'), calico('gnp-base')],
  calicoTiers: [calicoTier('security', 100)],
};

const names = (list: readonly { name: string }[] | undefined): string[] => (list ?? []).map((p) => p.name).sort();

describe('overlayPolicySet across kinds', () => {
  const table: { what: string; proposal: PolicySet; cilium: string[]; calico: string[]; nps: string[]; tiers?: [string, number | undefined][] }[] = [
    {
      what: 'a CiliumNetworkPolicy replaces the CiliumNetworkPolicies of its namespace only',
      proposal: { networkPolicies: [], ciliumNetworkPolicies: [cilium('cnp-new', { endpointSelector: sel({}) }, 'shop')] },
      cilium: ['ccnp-base', 'cnp-bank', 'cnp-new'], calico: ['cal-shop', 'gnp-base'], nps: ['np-bank', 'np-shop'],
    },
    {
      what: 'a CiliumClusterwideNetworkPolicy replaces the clusterwide ones of its cluster and keeps the namespaced ones',
      proposal: { networkPolicies: [], ciliumNetworkPolicies: [cilium('ccnp-new', { endpointSelector: sel({}) })] },
      cilium: ['ccnp-new', 'cnp-bank', 'cnp-shop'], calico: ['cal-shop', 'gnp-base'], nps: ['np-bank', 'np-shop'],
    },
    {
      what: 'a Calico GlobalNetworkPolicy replaces the global ones and keeps namespaced Calico policies',
      proposal: { networkPolicies: [], calicoPolicies: [calico('gnp-new')] },
      cilium: ['ccnp-base', 'cnp-bank', 'cnp-shop'], calico: ['cal-shop', 'gnp-new'], nps: ['np-bank', 'np-shop'],
    },
    {
      what: 'a NetworkPolicy replaces NetworkPolicies of its namespace and leaves the Cilium and Calico ones of that namespace',
      proposal: { networkPolicies: [np('shop', 'np-new')] },
      cilium: ['ccnp-base', 'cnp-bank', 'cnp-shop'], calico: ['cal-shop', 'gnp-base'], nps: ['np-bank', 'np-new'],
    },
    {
      what: 'a proposal\'s tier replaces the base tier of the same name',
      proposal: { networkPolicies: [], calicoPolicies: [calico('cal-new', { tier: 'security' }, 'shop')], calicoTiers: [calicoTier('security', 5)] },
      cilium: ['ccnp-base', 'cnp-bank', 'cnp-shop'], calico: ['cal-new', 'gnp-base'], nps: ['np-bank', 'np-shop'], tiers: [['security', 5]],
    },
  ];
  it.each(table)('$what', ({ proposal, cilium: c, calico: k, nps, tiers }) => {
    const set = overlayPolicySet(base, proposal);
    expect(names(set.ciliumNetworkPolicies)).toEqual(c);
    expect(names(set.calicoPolicies)).toEqual(k);
    expect(names(set.networkPolicies)).toEqual(nps);
    expect(names(set.adminNetworkPolicies)).toEqual(['anp-base']);
    expect((set.calicoTiers ?? []).map((t) => [t.name, t.order])).toEqual(tiers ?? [['security', 100]]);
  });

  it('leaves a family out when neither set has it, so the snapshot\'s own stay in force', () => {
    const set = overlayPolicySet({ networkPolicies: [np('shop', 'a')] }, { networkPolicies: [np('shop', 'b')] });
    expect(set.ciliumNetworkPolicies).toBeUndefined();
    expect(set.calicoPolicies).toBeUndefined();
    expect(set.calicoTiers).toBeUndefined();
  });
});
