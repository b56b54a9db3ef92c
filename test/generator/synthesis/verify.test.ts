import { describe, expect, it } from 'vitest';
import type { NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { workloadKey } from '../../../generator/model/index.ts';
import { synthesizePolicies, verifyPolicies, type SynthesisResult } from '../../../generator/synthesis/index.ts';
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
