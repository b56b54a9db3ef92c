import { describe, expect, it } from 'vitest';
import { createEngine, type PolicyEngine } from '../../../generator/semantics/index.ts';
import { compareConnectivity, synthesizePolicies, verifyPolicies } from '../../../generator/synthesis/index.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Inventory } from '../../../generator/model/index.ts';
import { diffPolicySets } from '../../../generator/diff/index.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { synthesisInputFromGraph } from '../../../server/synthesis.ts';
import { OB_CLUSTER, OB_DIR, OB_NAMESPACE, OB_WORLD_CLIENT, obKey, onlineBoutiqueEdges, onlineBoutiqueInventory } from './fixtures.ts';

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

/** The call graph as a collector before DNAT reports it (Inspektor Gadget, generic): client pod -> Service name and port. */
function preDnatGraph(inventory: Inventory): GraphBuilder {
  const b = new GraphBuilder();
  b.addInventory(inventory);
  const text = readFileSync(path.join(OB_DIR, 'online-boutique-edges.txt'), 'utf8');
  let t = Date.UTC(2026, 10, 27, 9);
  for (const line of text.split('\n')) {
    const m = /^([a-z-]+) -> ([a-z-]+):(\d+) \((\d+)\) TCP/.exec(line);
    if (m) {
      b.addFlow({
        time: t++, protocol: 'TCP', port: Number(m[3]), verdict: 'FORWARDED', count: 1,
        source: { namespace: OB_NAMESPACE, labels: [`k8s:app=${m[1]}`] },
        destination: { ip: '10.96.200.1', service: { namespace: OB_NAMESPACE, name: m[2] } },
      }, OB_CLUSTER);
    }
    const ext = /^external\(LoadBalancer ([a-z-]+):(\d+)\)/.exec(line);
    if (ext) {
      b.addFlow({
        time: t++, protocol: 'TCP', port: Number(ext[2]), verdict: 'FORWARDED', count: 1,
        source: { ip: OB_WORLD_CLIENT }, destination: { ip: '203.0.113.80', service: { namespace: OB_NAMESPACE, name: ext[1] } },
      }, OB_CLUSTER);
    }
  }
  return b;
}

describe('Online Boutique fed as pre-DNAT flows (Service names and ports)', () => {
  it('reaches every service on its targetPort, never its Service port, and proves broken = 0 and unproven = 0', async () => {
    const inventory = await onlineBoutiqueInventory(false);
    const b = preDnatGraph(inventory);
    const input = synthesisInputFromGraph(b.graph, inventory);
    const result = synthesizePolicies(input);
    for (const e of onlineBoutiqueEdges().filter((x) => x.source.startsWith('wl:'))) {
      const dst = result.report.subjects.find((s) => s.key === e.destination)!;
      const ports = dst.ingress.filter((r) => r.peers.some((p) => p.kind === 'workload' && p.key === e.source)).flatMap((r) => r.ports.map((p) => p.port));
      expect(ports, `${e.source} -> ${e.destination}`).toEqual([e.port]);
    }
    // emailservice: Service port 5000, targetPort 8080.
    const email = JSON.stringify(result.policies.find((p) => p.subject === obKey('emailservice'))!.object);
    expect(email).toContain('"port":8080');
    expect(email).not.toContain('"port":5000');
    // The internet reaches frontend through frontend-external (80 -> 8080) as 0.0.0.0/0, not the client's /32.
    const frontend = result.report.subjects.find((s) => s.key === obKey('frontend'))!;
    expect(frontend.ingress.flatMap((r) => r.peers.flatMap((p) => (p.kind === 'cidr' ? p.cidrs : [])))).toEqual(['0.0.0.0/0', '::/0']);
    // Every pod may resolve names (UDP and TCP 53 to the cluster DNS).
    for (const s of result.report.subjects) {
      const dns = s.egress.filter((r) => r.ports.some((p) => p.port === 53)).flatMap((r) => r.ports.map((p) => `${p.protocol}/${p.port}`));
      expect(dns.sort(), s.key).toEqual(['TCP/53', 'UDP/53']);
    }
    const proof = verifyPolicies(inventory, result);
    expect([proof.broken, proof.unproven, proof.extra]).toEqual([0, 0, 0]);
    expect(proof.checked).toBeGreaterThanOrEqual(17);
  });

  it('is never looser than the upstream policies', async () => {
    const inventory = await onlineBoutiqueInventory(false);
    const withUpstream = await onlineBoutiqueInventory(true);
    const result = synthesizePolicies(synthesisInputFromGraph(preDnatGraph(inventory).graph, inventory));
    const d = diffPolicySets(inventory, { networkPolicies: withUpstream.networkPolicies }, { networkPolicies: result.networkPolicies });
    expect(d.looserInB).toBe(0);
    expect(d.pairs.length).toBeGreaterThan(0);
  });
});
