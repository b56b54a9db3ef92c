import { describe, expect, it } from 'vitest';
import { createEngine, type PolicyEngine } from '../../../generator/semantics/index.ts';
import { compareConnectivity, synthesizePolicies, verifyPolicies } from '../../../generator/synthesis/index.ts';
import { OB_WORLD_CLIENT, obKey, onlineBoutiqueEdges, onlineBoutiqueInventory } from './fixtures.ts';

async function engines(): Promise<{ generated: PolicyEngine; upstream: PolicyEngine; diff: ReturnType<typeof compareConnectivity> }> {
  const inventory = await onlineBoutiqueInventory(false);
  const withUpstream = await onlineBoutiqueInventory(true);
  const result = synthesizePolicies({ inventory, edges: onlineBoutiqueEdges() });
  const generated = createEngine({ ...inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });
  const upstream = createEngine(withUpstream);
  return { generated, upstream, diff: compareConnectivity(inventory, generated, upstream, [OB_WORLD_CLIENT, '8.8.8.8']) };
}

describe('generated policies against Online Boutique upstream policies', () => {
  it('reads the 16 calls of the call graph and the world client of frontend', () => {
    const edges = onlineBoutiqueEdges();
    expect(edges).toHaveLength(17);
    expect(edges.find((e) => e.destination === obKey('emailservice'))?.port).toBe(8080);
  });

  it('proves the generated set: broken = 0 and extra = 0', async () => {
    const inventory = await onlineBoutiqueInventory(false);
    const result = synthesizePolicies({ inventory, edges: onlineBoutiqueEdges() });
    expect(result.policies).toHaveLength(12);
    const proof = verifyPolicies(inventory, result);
    expect([proof.broken, proof.extra]).toEqual([0, 0]);
  });

  it('allows exactly what upstream allows for every caller/callee pair and port of the call graph', async () => {
    const { generated, upstream } = await engines();
    const inventory = await onlineBoutiqueInventory(false);
    const pod = (key: string) => ({ kind: 'pod' as const, pod: inventory.pods.find((p) => p.labels.app === key.split('/').pop())! });
    for (const e of onlineBoutiqueEdges()) {
      if (!e.source.startsWith('wl:')) continue;
      const g = generated.allowedConnections(pod(e.source), pod(e.destination));
      const u = upstream.allowedConnections(pod(e.source), pod(e.destination));
      expect(g.contains('TCP', e.port!), `${e.source} -> ${e.destination}`).toBe(true);
      expect(u.contains('TCP', e.port!), `${e.source} -> ${e.destination}`).toBe(true);
      // Between two pods that talk, both sets allow the same connections, except into frontend.
      if (e.destination !== obKey('frontend')) expect(g.toString()).toBe(u.toString());
    }
  });

  it('differs only where upstream is looser: all ingress to frontend and all egress', async () => {
    const { diff } = await engines();
    // Generated never allows more than upstream.
    expect(diff.filter((d) => d.onlyA !== 'No Connections')).toEqual([]);
    for (const d of diff) {
      const intoFrontend = d.destination === obKey('frontend');
      const toOutside = d.destination.startsWith('ext:');
      expect(intoFrontend || toOutside, `${d.source} -> ${d.destination}: ${d.onlyB}`).toBe(true);
    }
    // Every other workload may open anything to frontend under upstream; generated: loadgenerator on 8080 only.
    expect(diff.filter((d) => d.destination === obKey('frontend') && d.source.startsWith('wl:')).length).toBe(11);
    expect(diff.find((d) => d.source === `ext:${OB_WORLD_CLIENT}` && d.destination === obKey('frontend'))?.onlyB).toBe('SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535');
    expect(diff.find((d) => d.source === obKey('cartservice') && d.destination === obKey('frontend'))?.onlyB).toBe('All Connections');
    expect(diff.filter((d) => d.destination === 'ext:8.8.8.8').length).toBe(12);
  });
});
