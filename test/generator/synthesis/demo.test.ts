import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../generator/model/index.ts';
import { workloadKey } from '../../../generator/model/index.ts';
import { createEngine } from '../../../generator/semantics/index.ts';
import {
  synthesizePolicies, validateNetworkPolicyObject, verifyPolicies, type CiliumNetworkPolicy, type GeneratedPolicy, type SynthesisResult,
} from '../../../generator/synthesis/index.ts';
import { demoInput, demoInventory } from './fixtures.ts';

const policyOf = (r: SynthesisResult, cluster: string, ns: string, name: string): GeneratedPolicy => {
  const p = r.policies.find((x) => x.cluster === cluster && x.namespace === ns && x.name === `${name}-netatlas`);
  if (!p) throw new Error(`no policy ${cluster}/${ns}/${name}-netatlas`);
  return p;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (p: GeneratedPolicy): any => p.object.spec;

async function podOf(cluster: string, ns: string, app: string): Promise<PodInfo> {
  const inv = await demoInventory();
  const pod = inv.pods.find((p) => p.cluster === cluster && p.namespace === ns && p.labels.app === app);
  if (!pod) throw new Error(`no pod app=${app}`);
  return pod;
}

describe('synthesizePolicies on the demo (ground-truth edges)', () => {
  it('proves broken = 0, unproven = 0 and extra = 0, leaving the system namespaces alone', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const proof = verifyPolicies(input.inventory, result);
    expect(proof.brokenFlows).toEqual([]);
    expect(proof.unprovenFlows).toEqual([]);
    expect(proof.extraConnections).toEqual([]);
    expect([proof.broken, proof.unproven, proof.extra]).toEqual([0, 0, 0]);
    expect(proof.checked).toBeGreaterThan(100);
    expect(result.policies.filter((p) => p.namespace === 'kube-system')).toEqual([]);
    expect(result.policies.length).toBe(33);
  });

  it("allows emailservice's ingress on the targetPort TCP 8080, never the Service port 5000", async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const ports = spec(policyOf(result, 'prod', 'boutique', 'emailservice')).ingress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
    expect(ports).toContain(8080);
    expect(ports).not.toContain(5000);
    const engine = createEngine({ ...input.inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });
    const src = { kind: 'pod' as const, pod: await podOf('prod', 'boutique', 'checkoutservice') };
    const dst = { kind: 'pod' as const, pod: await podOf('prod', 'boutique', 'emailservice') };
    expect(engine.allowedConnections(src, dst).toString()).toBe('TCP 8080');
  });

  it('lets DNS out on UDP and TCP 53 to the kube-dns pods of kube-system only', async () => {
    const result = synthesizePolicies(await demoInput());
    const egress = spec(policyOf(result, 'prod', 'boutique', 'frontend')).egress;
    const dnsRules = egress.filter((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === 53));
    expect(dnsRules).toHaveLength(1);
    expect(dnsRules[0].ports).toEqual([{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }]);
    expect(dnsRules[0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
  });

  it("writes paymentservice's egress to finance as finance's pod range, never a pod address, naming ledger in an annotation", async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const finance = input.inventory.nodes.filter((n) => n.cluster === 'finance').flatMap((n) => n.podCIDRs).sort();
    const payment = policyOf(result, 'prod', 'boutique', 'paymentservice');
    const rule = spec(payment).egress.find((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === 8443));
    expect(rule.to.map((p: { ipBlock: { cidr: string } }) => p.ipBlock.cidr)).toEqual(finance);
    expect(JSON.parse((payment.object.metadata as { annotations: Record<string, string> }).annotations['netatlas.io/remote-peers'])).toEqual(Object.fromEntries(finance.map((c) => [c, ['wl:finance/payments/Deployment/ledger']])));
  });

  it('writes the same peer as a cluster-labelled endpoint selector in Cilium output', async () => {
    const result = synthesizePolicies(await demoInput(), { format: 'cilium' });
    const obj = policyOf(result, 'prod', 'boutique', 'paymentservice').object as CiliumNetworkPolicy;
    expect(obj.kind).toBe('CiliumNetworkPolicy');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rule = (obj.spec.egress as any[]).find((r) => r.toPorts[0].ports.some((p: { port: string }) => p.port === '8443'));
    expect(rule.toEndpoints).toEqual([{ matchLabels: { app: 'ledger', 'io.cilium.k8s.policy.cluster': 'finance', 'io.kubernetes.pod.namespace': 'payments', tier: 'backend' } }]);
  });

  it('writes Calico StagedKubernetesNetworkPolicy objects with the same spec as the NetworkPolicy output', async () => {
    const input = await demoInput();
    const np = synthesizePolicies(input, { defaultDeny: true });
    const stagedSet = synthesizePolicies(input, { defaultDeny: true, format: 'calico-staged' });
    expect(stagedSet.policies.map((p) => [p.object.apiVersion, p.object.kind]).every(([a, k]) => a === 'projectcalico.org/v3' && k === 'StagedKubernetesNetworkPolicy')).toBe(true);
    expect(stagedSet.policies.map((p) => p.object.spec)).toEqual(np.policies.map((p) => p.object.spec));
    expect(stagedSet.networkPolicies).toEqual(np.networkPolicies);
  });

  it('uses toFQDNs for api.stripe.com with --fqdn in Cilium output, and DNS visibility on the kube-dns rule', async () => {
    const result = synthesizePolicies(await demoInput(), { format: 'cilium', fqdn: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const egress = (policyOf(result, 'prod', 'boutique', 'paymentservice').object as CiliumNetworkPolicy).spec.egress as any[];
    expect(egress.find((r) => r.toFQDNs)?.toFQDNs).toEqual([{ matchName: 'api.stripe.com' }]);
    expect(egress.some((r) => r.toPorts[0].rules?.dns)).toBe(true);
    expect(egress.some((r) => r.toEntities?.includes('world'))).toBe(false);
  });

  it('writes the API server as an ipBlock of default/kubernetes endpoints on 6443', async () => {
    const result = synthesizePolicies(await demoInput());
    const rule = spec(policyOf(result, 'prod', 'monitoring', 'prometheus')).egress.find((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === 6443));
    expect(rule.to).toEqual([{ ipBlock: { cidr: '172.20.2.2/32' } }]);
  });

  it('keeps the external peer as a /32 with its FQDN in an annotation, and aggregates only when asked', async () => {
    const input = await demoInput();
    const exact = policyOf(synthesizePolicies(input), 'prod', 'boutique', 'paymentservice');
    expect(JSON.stringify(spec(exact).egress)).toContain('54.187.216.72/32');
    expect(exact.object.metadata?.annotations?.['netatlas.io/fqdns']).toBe(JSON.stringify({ '54.187.216.72/32': ['api.stripe.com'] }));
    const agg = policyOf(synthesizePolicies(input, { aggregatePrefix: 24 }), 'prod', 'boutique', 'paymentservice');
    expect(JSON.stringify(spec(agg).egress)).toContain('54.187.216.0/24');
    expect(JSON.stringify(spec(agg).egress)).not.toContain('0.0.0.0/0');
  });

  it('reports DROPPED connections instead of allowing them, unless asked', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const dropped = result.report.leftOut.filter((l) => l.reason === 'dropped').map((l) => l.edge).sort();
    expect(dropped).toEqual([
      'wl:prod/boutique/Deployment/adservice->wl:prod/boutique/Deployment/redis-cart|TCP|6379',
      'wl:prod/boutique/Deployment/frontend->wl:prod/boutique/Deployment/emailservice|TCP|8080',
      'wl:prod/boutique/Deployment/loadgenerator->wl:prod/boutique/Deployment/checkoutservice|TCP|5050',
    ]);
    const peers = JSON.stringify(spec(policyOf(result, 'prod', 'boutique', 'emailservice')).ingress);
    expect(peers).not.toContain('"frontend"');
    const withDropped = synthesizePolicies(input, { includeDropped: true });
    expect(JSON.stringify(spec(policyOf(withDropped, 'prod', 'boutique', 'emailservice')).ingress)).toContain('"frontend"');
    expect(verifyPolicies(input.inventory, withDropped).broken).toBe(0);
  });

  it('lists kubelet probes from the own node in the report and writes no rule for them', async () => {
    const result = synthesizePolicies(await demoInput());
    const host = result.report.leftOut.filter((l) => l.reason === 'host-traffic');
    expect(host.length).toBeGreaterThan(20);
    expect(result.policies.every((p) => !JSON.stringify(p.object.spec).includes('172.20.2.1'))).toBe(true);
  });

  it('never emits an empty pod selector, and every object passes the NetworkPolicy schema', async () => {
    const result = synthesizePolicies(await demoInput(), { defaultDeny: true });
    for (const p of result.policies) {
      expect(validateNetworkPolicyObject(p.object), p.name).toEqual([]);
      if (p.subject) expect(spec(p).podSelector).not.toEqual({});
      expect(p.object.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'netatlas' });
      expect(spec(p).policyTypes).toEqual(['Ingress', 'Egress']);
    }
    expect(result.policies.filter((p) => !p.subject).map((p) => `${p.cluster}/${p.namespace}`)).toContain('prod/boutique');
  });

  it('limits subjects to --cluster and --namespace and still proves them', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { cluster: 'finance', namespace: 'payments' });
    expect(result.policies.map((p) => p.name)).toEqual(['ledger-netatlas', 'postgres-netatlas']);
    const proof = verifyPolicies(input.inventory, result);
    expect([proof.broken, proof.extra]).toEqual([0, 0]);
    const ledgerIngress = JSON.stringify(spec(result.policies[0]).ingress);
    expect(ledgerIngress).toContain('ipBlock');
  });

  it('uses the peer cluster CIDR with --cluster-cidr and lists what it lets in beyond the observed pods', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { cluster: 'finance', clusterCidrs: { prod: '10.2.0.0/16', dev: '10.1.0.0/16' } });
    const ingress = JSON.stringify(spec(policyOf(result, 'finance', 'payments', 'ledger')).ingress);
    expect(ingress).toContain('10.2.0.0/16');
    // dev's debug-shell -> ledger is cross-environment: left out, so dev's range is not let in.
    expect(ingress).not.toContain('10.1.0.0/16');
    const proof = verifyPolicies(input.inventory, result);
    expect([proof.broken, proof.unproven, proof.extra]).toEqual([0, 0, 0]);
    expect(proof.excluded.filter((x) => x.reason.startsWith('pod range of cluster')).map((x) => x.source).sort()).toEqual(['10.2.0.0/16 (prod)']);
  });

  it('ignores edges under --min-count and outside --since, and says so', async () => {
    const input = await demoInput();
    const few = synthesizePolicies(input, { minCount: 5 });
    expect(few.report.leftOut.some((l) => l.reason === 'min-count')).toBe(true);
    const late = synthesizePolicies(input, { since: Date.parse('2026-11-28T00:00:00Z') });
    expect(late.report.leftOut.filter((l) => l.reason === 'since').length).toBeGreaterThan(100);
    expect(late.policies.every((p) => spec(p).ingress.length === 0 && spec(p).egress.length === 0)).toBe(true);
  });

  it('finds the edges the existing prod policies break when proving with --with-existing', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { cluster: 'prod', namespace: 'boutique' });
    const proof = verifyPolicies(input.inventory, result, { withExisting: true });
    // Policies only add: the generated set alone allows every observed flow, so do both together.
    expect(proof.broken).toBe(0);
    expect(proof.extra).toBeGreaterThan(0);
    expect(proof.extraConnections.some((x) => x.destination === workloadKey('prod', 'boutique', 'Deployment', 'frontend'))).toBe(true);
  });
});
