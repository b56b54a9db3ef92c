import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEdge, Inventory, NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { externalKey, workloadKey } from '../../../generator/model/index.ts';
import {
  clusterIpSpans, possibleServiceAddress, synthesizePolicies, verifyPolicies, type ServiceCidr, type SynthesisInput, type SynthesisResult,
} from '../../../generator/synthesis/index.ts';
import { demoInput } from './fixtures.ts';

const withPolicies = (r: SynthesisResult, networkPolicies: NetworkPolicyInfo[]): SynthesisResult => ({ ...r, networkPolicies });

describe('verifyPolicies catches wrong sets', () => {
  it('counts every observed flow a tightened set denies as broken, naming the direction', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const tightened = result.networkPolicies.map((p) => (p.name === 'emailservice-netatlas' && p.cluster === 'prod' ? { ...p, ingress: [] } : p));
    const proof = verifyPolicies(input.inventory, withPolicies(result, tightened));
    expect(proof.broken).toBeGreaterThan(0);
    expect(proof.brokenFlows.every((b) => b.destination.startsWith('pod:prod/boutique/emailservice-') && b.deniedBy === 'ingress')).toBe(true);
    expect(proof.brokenFlows.map((b) => b.port).sort()).toContain(8080);
  });

  it('counts a pair a loosened set allows but nobody used as extra', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const loosened = result.networkPolicies.map((p) => {
      if (p.cluster !== 'prod' || (p.name !== 'redis-cart-netatlas' && p.name !== 'adservice-netatlas')) return p;
      if (p.name === 'redis-cart-netatlas') return { ...p, ingress: [...(p.ingress ?? []), { peers: [{ podSelector: { matchLabels: { app: 'adservice' } } }] }] };
      return { ...p, egress: [...(p.egress ?? []), { peers: [{ podSelector: { matchLabels: { app: 'redis-cart' } } }], ports: [{ protocol: 'TCP' as const, port: 6379 }] }] };
    });
    const proof = verifyPolicies(input.inventory, withPolicies(result, loosened));
    expect(proof.extraConnections).toEqual([
      { source: workloadKey('prod', 'boutique', 'Deployment', 'adservice'), destination: workloadKey('prod', 'boutique', 'Deployment', 'redis-cart'), connections: 'TCP 6379' },
    ]);
  });

  it('skips a workload no label isolates and suggests a label, instead of selecting its neighbours', async () => {
    const input = await demoInput();
    const twin = input.inventory.pods.find((p) => p.cluster === 'dev' && p.labels.app === 'cartservice')!;
    const clone: PodInfo = { ...twin, name: 'cart-clone', owner: undefined, ips: ['10.1.9.9'] };
    const inventory = { ...input.inventory, pods: [...input.inventory.pods, clone] };
    const result = synthesizePolicies({ ...input, inventory }, { cluster: 'dev', namespace: 'boutique' });
    const skipped = result.report.skipped.find((s) => s.key === workloadKey('dev', 'boutique', 'Pod', 'cart-clone'));
    expect(skipped?.reason).toBe('no-stable-selector');
    expect(skipped?.suggestedLabel).toEqual({ 'app.kubernetes.io/name': 'cart-clone' });
    expect(result.policies.some((p) => p.name === 'cartservice-netatlas')).toBe(false);
    expect(result.policies.every((p) => JSON.stringify(p.object.spec).includes('podSelector'))).toBe(true);
  });
});

const FRONTEND = workloadKey('prod', 'boutique', 'Deployment', 'frontend');

/** The demo plus one call from prod's frontend to `ip` on TCP 9000, an address no inventory object holds. */
async function withCallTo(ip: string, inventory?: (inv: Inventory) => Inventory): Promise<SynthesisInput> {
  const input = await demoInput();
  const call: FlowEdge = {
    kind: 'flow', source: FRONTEND, destination: externalKey(ip), protocol: 'TCP', port: 9000, count: 4, verdicts: { FORWARDED: 4 },
    firstSeen: Date.parse('2026-11-27T09:00:00Z'), lastSeen: Date.parse('2026-11-27T09:50:00Z'), interCluster: false, level: 'workload',
  };
  return { ...input, inventory: inventory ? inventory(input.inventory) : input.inventory, edges: [...input.edges, call] };
}

/** The inventory with no Service address of prod (manifests, or Hubble alone). */
const withoutProdServiceAddresses = (inv: Inventory): Inventory => ({
  ...inv, services: inv.services.map((s) => (s.cluster === 'prod' ? { ...s, clusterIPs: [] } : s)),
});

describe('a flow to an address that may be a Service address is unproven, never proven by the /32 written for it', () => {
  const cases: { name: string; ip: string; serviceCidrs?: ServiceCidr[]; noServiceAddresses?: boolean; unproven: RegExp | undefined }[] = [
    { name: 'in a Service CIDR given for every cluster', ip: '10.250.7.7', serviceCidrs: [{ cidr: '10.250.0.0/16' }], unproven: /Service CIDR 10\.250\.0\.0\/16 but no Service/ },
    { name: "in the source cluster's Service CIDR", ip: '10.250.7.7', serviceCidrs: [{ cluster: 'prod', cidr: '10.250.0.0/16' }], unproven: /of prod/ },
    { name: "in another cluster's Service CIDR only", ip: '10.250.7.7', serviceCidrs: [{ cluster: 'dev', cidr: '10.250.0.0/16' }], unproven: undefined },
    { name: 'private, while the inventory holds no Service address of the cluster', ip: '10.250.7.7', noServiceAddresses: true, unproven: /private address \(10\.0\.0\.0\/8\).*no Service address of cluster prod/ },
    { name: 'private IPv6 (ULA), while the inventory holds no Service address of the cluster', ip: 'fd00:10:96::7', noServiceAddresses: true, unproven: /fc00::\/7/ },
    { name: 'private, while the inventory holds the Service addresses of the cluster', ip: '10.250.7.7', unproven: undefined },
    { name: "inside the span of the cluster's ClusterIPs that no Service holds (created or deleted since the snapshot)", ip: '10.100.7.7', unproven: /span of prod's ClusterIPs \(10\.96\.0\.0\/12\) but no Service/ },
    { name: 'public, while the inventory holds no Service address of the cluster', ip: '54.187.9.9', noServiceAddresses: true, unproven: undefined },
  ];
  for (const c of cases) {
    it(`${c.unproven ? 'counts as unproven' : 'checks as external'} an address ${c.name}`, async () => {
      const input = await withCallTo(c.ip, c.noServiceAddresses ? withoutProdServiceAddresses : undefined);
      const result = synthesizePolicies(input, { cluster: 'prod' });
      const proof = verifyPolicies(input.inventory, result, { serviceCidrs: c.serviceCidrs });
      const edge = `${FRONTEND}->${externalKey(c.ip)}|TCP|9000`;
      const flow = proof.unprovenFlows.find((u) => u.edge === edge);
      if (c.unproven) {
        expect(flow?.reason).toMatch(c.unproven);
        expect(flow?.reason).toContain('backends are unknown');
      } else expect(flow).toBeUndefined();
      expect(proof.broken).toBe(0);
    });
  }

  it("counts as unproven an address inside a ServiceCIDR object of the source's cluster", async () => {
    const input = await withCallTo('10.250.7.7', (inv) => ({ ...inv, serviceCidrs: [{ kind: 'ServiceCIDR', cluster: 'prod', name: 'extra', labels: {}, cidrs: ['10.250.0.0/16'] }] }));
    const proof = verifyPolicies(input.inventory, synthesizePolicies(input, { cluster: 'prod' }));
    expect(proof.unprovenFlows.find((u) => u.edge === `${FRONTEND}->${externalKey('10.250.7.7')}|TCP|9000`)?.reason).toMatch(/in the Service CIDR 10\.250\.0\.0\/16 of prod but no Service/);
  });

  it("spans each cluster's ClusterIPs with the smallest block holding them all", async () => {
    const { inventory } = await demoInput();
    expect(clusterIpSpans(inventory).map((c) => `${c.cluster} ${c.cidr}`)).toEqual(['dev 10.96.0.0/12', 'finance 10.96.0.0/13', 'prod 10.96.0.0/12']);
    expect(clusterIpSpans({ ...inventory, services: inventory.services.filter((s) => s.name === 'kubernetes' && s.cluster === 'prod') })).toEqual([{ cluster: 'prod', cidr: '10.96.0.1/32', derived: true }]);
  });

  it('holds for every address of a given Service CIDR, and never for a public address with no Service CIDR given', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    fc.assert(fc.property(fc.nat(255), fc.nat(255), (a, b) => possibleServiceAddress(`10.96.${a}.${b}`, 'prod', [{ cidr: '10.96.0.0/12' }], new Set(['prod'])) !== undefined));
    fc.assert(fc.property(v4, (ip) => {
      const privateV4 = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(ip);
      return (possibleServiceAddress(ip, 'prod', [], new Set()) !== undefined) === privateV4;
    }));
  });
});
