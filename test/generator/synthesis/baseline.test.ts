/**
 * What a cluster needs whether or not the window showed it (baseline rules), what is left
 * alone (scope), and what is never allowed silently (flagged flows), on the demo estate.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory, PodInfo, WebhookConfigurationInfo } from '../../../generator/model/index.ts';
import { createEngine } from '../../../generator/semantics/index.ts';
import { synthesizePolicies, verifyPolicies, type SynthesisOptions, type SynthesisResult } from '../../../generator/synthesis/index.ts';
import { demoInput } from './fixtures.ts';

const engineOf = (inventory: Inventory, result: SynthesisResult) =>
  createEngine({ ...inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });

const podsOf = (inv: Inventory, cluster: string, pred: (p: PodInfo) => boolean): PodInfo[] =>
  inv.pods.filter((p) => p.cluster === cluster && !p.hostNetwork && pred(p));

const isCoreDns = (p: PodInfo): boolean => p.namespace === 'kube-system' && p.labels['k8s-app'] === 'kube-dns';

/** Every address block a policy names (NetworkPolicy ipBlock.cidr, Cilium toCIDR/fromCIDR). */
const allIpBlocks = (result: SynthesisResult): string[] =>
  result.policies.flatMap((p) => JSON.stringify(p.object).match(/"(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:]*)\/\d{1,3}"/g) ?? []).map((m) => m.slice(1, -1));

describe('baseline rules on the demo', () => {
  const variants: { name: string; options: SynthesisOptions }[] = [
    { name: 'by default', options: {} },
    { name: 'with --include-system (CoreDNS gets a policy)', options: { includeSystem: true } },
    { name: 'with --default-deny', options: { defaultDeny: true } },
    { name: 'with --all-workloads --include-system --default-deny', options: { unobserved: true, includeSystem: true, defaultDeny: true } },
  ];
  for (const v of variants) {
    it(`keeps CoreDNS reachable on UDP and TCP 53 from every pod of its cluster ${v.name}`, async () => {
      const input = await demoInput();
      const result = synthesizePolicies(input, v.options);
      const engine = engineOf(input.inventory, result);
      for (const cluster of ['dev', 'prod', 'finance']) {
        const dns = podsOf(input.inventory, cluster, isCoreDns);
        expect(dns.length).toBeGreaterThan(0);
        for (const pod of podsOf(input.inventory, cluster, (p) => !isCoreDns(p))) {
          const c = engine.allowedConnections({ kind: 'pod', pod }, { kind: 'pod', pod: dns[0] });
          expect(c.contains('UDP', 53) && c.contains('TCP', 53), `${cluster}/${pod.namespace}/${pod.name} -> CoreDNS: ${c.toString()}`).toBe(true);
        }
      }
      const proof = verifyPolicies(input.inventory, result);
      expect([proof.broken, proof.unproven]).toEqual([0, 0]);
    });
  }

  it('lets CoreDNS reach its upstream resolvers and the API server when it gets a policy', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { includeSystem: true, cluster: 'prod' });
    const coredns = result.report.subjects.find((s) => s.key === 'wl:prod/kube-system/Deployment/coredns')!;
    const egress = coredns.egress.flatMap((r) => r.peers.map((p) => `${p.kind === 'cidr' ? `${p.what} ${p.cidrs.join(',')}` : p.kind} ${r.ports.map((x) => `${x.protocol}/${x.port}`).join(',')}`));
    expect(egress).toContain('dns-upstream 0.0.0.0/0,::/0 TCP/53,UDP/53');
    expect(egress.some((e) => e.startsWith('kube-apiserver '))).toBe(true);
    expect(result.report.baseline.filter((b) => b.subject === coredns.key).map((b) => `${b.rule} ${b.direction}`).sort())
      .toEqual(['api-server egress', 'dns egress', 'dns ingress']);
  });

  it('admits 0.0.0.0/0 and ::/0 on the prod frontend port instead of the observed internet clients', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { cluster: 'prod' });
    const frontend = result.report.subjects.find((s) => s.key === 'wl:prod/boutique/Deployment/frontend')!;
    const world = frontend.ingress.filter((r) => r.peers.some((p) => p.kind === 'cidr' && p.what === 'world'));
    expect(world.map((r) => r.ports.map((p) => `${p.protocol}/${p.port}`).join(','))).toEqual(['TCP/8080']);
    expect(world[0].peers.flatMap((p) => (p.kind === 'cidr' ? p.cidrs : []))).toEqual(['0.0.0.0/0', '::/0']);
    expect(frontend.ingress.flatMap((r) => r.peers).filter((p) => p.kind === 'cidr' && p.what === 'external')).toEqual([]);
    expect(result.report.leftOut.filter((l) => l.reason === 'exposed').length).toBeGreaterThan(0);
  });

  it('admits the API server at its endpoint addresses into a webhook it called, and lists why', async () => {
    const input = await demoInput();
    const webhook = 'wl:prod/boutique/Deployment/frontend';
    const call = { ...input.edges.find((e) => e.destination === webhook)!, source: 'reserved:prod/kube-apiserver', port: 8443, protocol: 'TCP' as const, service: undefined };
    const result = synthesizePolicies({ ...input, edges: [...input.edges, call] }, { cluster: 'prod' });
    const frontend = result.report.subjects.find((s) => s.key === webhook)!;
    const api = frontend.ingress.filter((r) => r.peers.some((p) => p.kind === 'cidr' && p.what === 'kube-apiserver'));
    expect(api.map((r) => r.ports.map((p) => `${p.protocol}/${p.port}`).join(','))).toEqual(['TCP/8443']);
    expect(result.report.baseline.find((b) => b.subject === webhook && b.rule === 'api-server' && b.direction === 'ingress')?.reason).toContain('webhook');
    const proof = verifyPolicies(input.inventory, result);
    expect([proof.broken, proof.unproven]).toEqual([0, 0]);
  });

  it("admits only a LoadBalancer's loadBalancerSourceRanges when it sets them", async () => {
    const input = await demoInput();
    const inventory: Inventory = {
      ...input.inventory,
      services: input.inventory.services.map((s) => (s.cluster === 'prod' && s.name === 'frontend-external' ? { ...s, loadBalancerSourceRanges: ['192.0.2.0/24'] } : s)),
    };
    const result = synthesizePolicies({ ...input, inventory }, { cluster: 'prod' });
    const frontend = result.report.subjects.find((s) => s.key === 'wl:prod/boutique/Deployment/frontend')!;
    const world = frontend.ingress.flatMap((r) => r.peers).filter((p) => p.kind === 'cidr' && p.what === 'world');
    expect(world.flatMap((p) => (p.kind === 'cidr' ? p.cidrs : []))).toEqual(['192.0.2.0/24']);
  });

  it('writes no baseline rule that was switched off', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { withoutBaseline: ['dns', 'exposed'] });
    expect(result.report.baseline.filter((b) => b.rule === 'dns' || b.rule === 'exposed')).toEqual([]);
    const frontend = result.report.subjects.find((s) => s.key === 'wl:prod/boutique/Deployment/frontend')!;
    expect(frontend.ingress.flatMap((r) => r.peers).some((p) => p.kind === 'cidr' && p.what === 'world')).toBe(false);
  });

  it('never writes a pod address into an ipBlock', async () => {
    const input = await demoInput();
    const podIps = new Set(input.inventory.pods.filter((p) => !p.hostNetwork).flatMap((p) => p.ips.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`)));
    for (const format of ['networkpolicy', 'cilium'] as const) {
      const result = synthesizePolicies(input, { format, includeSystem: true, defaultDeny: true });
      const blocks = allIpBlocks(result);
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.filter((c) => podIps.has(c))).toEqual([]);
    }
  });
});

describe('flagged traffic on the demo', () => {
  it("leaves dev's debug-shell -> finance ledger out of ledger's policy, lists it, and the proof expects it denied", async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input);
    const debugShell = input.inventory.pods.find((p) => p.cluster === 'dev' && p.name === 'debug-shell')!;
    const ledger = input.inventory.pods.find((p) => p.cluster === 'finance' && p.labels.app === 'ledger')!;
    const engine = engineOf(input.inventory, result);
    expect(engine.allowedConnections({ kind: 'ip', ip: debugShell.ips[0] }, { kind: 'pod', pod: ledger }).contains('TCP', 8443)).toBe(false);
    const flagged = result.report.leftOut.filter((l) => l.reason === 'flagged');
    expect(flagged.map((l) => l.edge)).toEqual(['wl:dev/boutique/Pod/debug-shell->wl:finance/payments/Deployment/ledger|TCP|8443']);
    expect(flagged[0].detail).toContain('cross-environment');
    expect(verifyPolicies(input.inventory, result).broken).toBe(0);
  });

  it('allows the cross-environment flow only when asked', async () => {
    const input = await demoInput();
    const result = synthesizePolicies(input, { allowCrossEnvironment: true });
    expect(result.report.leftOut.filter((l) => l.reason === 'flagged')).toEqual([]);
    const ledger = result.report.subjects.find((s) => s.key === 'wl:finance/payments/Deployment/ledger')!;
    expect(ledger.ingress.flatMap((r) => r.peers).some((p) => p.kind === 'remote-workload' && p.key === 'wl:dev/boutique/Pod/debug-shell')).toBe(true);
  });

  it('never allows an edge the caller excludes, and says why', async () => {
    const input = await demoInput();
    const edge = 'wl:prod/boutique/Deployment/cartservice->wl:prod/boutique/Deployment/redis-cart|TCP|6379';
    const result = synthesizePolicies(input, { exclude: { [edge]: 'observed-drop finding' } });
    expect(result.report.leftOut.find((l) => l.edge === edge)?.detail).toBe('not allowed: observed-drop finding');
    const redis = result.report.subjects.find((s) => s.key === 'wl:prod/boutique/Deployment/redis-cart')!;
    expect(redis.ingress.flatMap((r) => r.peers).some((p) => p.kind === 'workload' && p.key === 'wl:prod/boutique/Deployment/cartservice')).toBe(false);
  });
});

describe('scope and coverage on the demo', () => {
  it('writes no policy for system namespaces unless asked', async () => {
    const input = await demoInput();
    expect(synthesizePolicies(input).policies.filter((p) => p.namespace === 'kube-system')).toEqual([]);
    expect(synthesizePolicies(input, { includeSystem: true }).policies.filter((p) => p.namespace === 'kube-system').length).toBe(3);
    expect(synthesizePolicies(input, { namespace: 'kube-system' }).policies.length).toBe(3);
  });

  it('lists workloads never seen in the window per cluster and writes them a policy only with --all-workloads', async () => {
    const input = await demoInput();
    const seenOnly = new Set(input.edges.filter((e) => e.destination.startsWith('wl:prod/') || e.source.startsWith('wl:prod/')).flatMap((e) => [e.source, e.destination]));
    const edges = input.edges.filter((e) => e.source !== 'wl:prod/boutique/Deployment/redis-cart' && e.destination !== 'wl:prod/boutique/Deployment/redis-cart');
    expect(seenOnly.has('wl:prod/boutique/Deployment/redis-cart')).toBe(true);
    const result = synthesizePolicies({ ...input, edges }, { cluster: 'prod' });
    const prod = result.report.coverage.find((c) => c.cluster === 'prod')!;
    expect(prod.neverSeen).toContain('wl:prod/boutique/Deployment/redis-cart');
    expect(prod.firstSeen).toBeLessThan(prod.lastSeen!);
    expect(result.policies.some((p) => p.subject === 'wl:prod/boutique/Deployment/redis-cart')).toBe(false);
    const all = synthesizePolicies({ ...input, edges }, { cluster: 'prod', unobserved: true });
    expect(all.policies.some((p) => p.subject === 'wl:prod/boutique/Deployment/redis-cart')).toBe(true);
  });

  it('flags workloads observed for less than the stated time', async () => {
    const input = await demoInput();
    const short = synthesizePolicies(input, { cluster: 'prod', shortSeenMs: 24 * 3_600_000 }).report.coverage.find((c) => c.cluster === 'prod')!;
    const none = synthesizePolicies(input, { cluster: 'prod', shortSeenMs: 1 }).report.coverage.find((c) => c.cluster === 'prod')!;
    expect(short.shortSeen.length).toBeGreaterThan(0);
    expect(short.shortSeen.every((x) => x.seenMs < 24 * 3_600_000)).toBe(true);
    expect(none.shortSeen).toEqual([]);
  });

  const directions: { direction: 'ingress' | 'egress' | 'both'; policyTypes: string[] }[] = [
    { direction: 'ingress', policyTypes: ['Ingress'] },
    { direction: 'egress', policyTypes: ['Egress'] },
    { direction: 'both', policyTypes: ['Ingress', 'Egress'] },
  ];
  for (const d of directions) {
    it(`writes ${d.policyTypes.join(' and ')} policies with --direction ${d.direction}, and the proof holds`, async () => {
      const input = await demoInput();
      const result = synthesizePolicies(input, { direction: d.direction });
      for (const p of result.policies) {
        const s = p.object.spec as { policyTypes: string[]; ingress?: unknown; egress?: unknown };
        expect(s.policyTypes).toEqual(d.policyTypes);
        expect(s.ingress !== undefined).toBe(d.direction !== 'egress');
        expect(s.egress !== undefined).toBe(d.direction !== 'ingress');
      }
      const proof = verifyPolicies(input.inventory, result);
      expect([proof.broken, proof.unproven, proof.extra]).toEqual([0, 0, 0]);
    });
  }
});

describe('workloads asked for by key', () => {
  it('get a policy even when quiet in the window or in a system namespace', async () => {
    const input = await demoInput();
    const quiet = 'wl:prod/boutique/Deployment/redis-cart';
    const edges = input.edges.filter((e) => e.source !== quiet && e.destination !== quiet);
    const result = synthesizePolicies({ ...input, edges }, { workloads: [quiet, 'wl:prod/kube-system/Deployment/coredns'] });
    expect(result.policies.map((p) => p.subject).sort()).toEqual(['wl:prod/boutique/Deployment/redis-cart', 'wl:prod/kube-system/Deployment/coredns']);
  });
});

/** A webhook configuration of the demo's prod cluster naming `namespace/name` on `port`. */
const webhookConfiguration = (configKind: WebhookConfigurationInfo['configKind'], namespace: string, name: string, port: number): WebhookConfigurationInfo => ({
  kind: 'WebhookConfiguration', cluster: 'prod', name: `${name}-hooks`, labels: {}, configKind,
  webhooks: [{ name: configKind === 'CustomResourceDefinition' ? 'conversion' : `${name}.example.com`, service: { namespace, name, port } }],
});

const withWebhooks = (inv: Inventory, ...configs: WebhookConfigurationInfo[]): Inventory => ({ ...inv, webhookConfigurations: configs });

describe('webhooks from the inventory', () => {
  const API_SERVER = '172.20.2.2';
  const cases: { name: string; config: WebhookConfigurationInfo; app: string; port: number | string; number: number }[] = [
    { name: "a ValidatingWebhookConfiguration's Service, on the Service's targetPort (5000 -> 8080)", config: webhookConfiguration('ValidatingWebhookConfiguration', 'boutique', 'emailservice', 5000), app: 'emailservice', port: 8080, number: 8080 },
    { name: "a MutatingWebhookConfiguration's Service with a named targetPort, by its name", config: webhookConfiguration('MutatingWebhookConfiguration', 'monitoring', 'prometheus', 9090), app: 'prometheus', port: 'web', number: 9090 },
    { name: "a CRD's conversion webhook Service", config: webhookConfiguration('CustomResourceDefinition', 'boutique', 'paymentservice', 50051), app: 'paymentservice', port: 50051, number: 50051 },
  ];
  for (const c of cases) {
    it(`admits the API server into the backend of ${c.name}, and lists why`, async () => {
      const input = await demoInput();
      const inventory = withWebhooks(input.inventory, c.config);
      const result = synthesizePolicies({ ...input, inventory }, { cluster: 'prod' });
      const subject = result.report.subjects.find((s) => s.cluster === 'prod' && s.name === c.app)!;
      const api = subject.ingress.filter((r) => r.peers.some((p) => p.kind === 'cidr' && p.what === 'kube-apiserver'));
      expect(api.flatMap((r) => r.ports)).toContainEqual({ protocol: 'TCP', port: c.port });
      const entry = result.report.baseline.find((b) => b.subject === subject.key && b.rule === 'webhook');
      expect(entry?.what).toContain(`${API_SERVER}/32`);
      expect(entry?.reason).toContain(`${c.config.configKind}/${c.config.name}`);
      const engine = engineOf(inventory, result);
      for (const pod of podsOf(inventory, 'prod', (p) => p.labels.app === c.app || p.labels['app.kubernetes.io/name'] === c.app)) {
        expect(engine.allowedInDirection({ kind: 'ip', ip: API_SERVER }, { kind: 'pod', pod }, 'ingress').contains('TCP', c.number)).toBe(true);
      }
      const proof = verifyPolicies(inventory, result);
      expect([proof.broken, proof.unproven]).toEqual([0, 0]);
    });
  }

  it('writes no webhook rule when the rule is switched off', async () => {
    const input = await demoInput();
    const inventory = withWebhooks(input.inventory, cases[0].config);
    const result = synthesizePolicies({ ...input, inventory }, { cluster: 'prod', withoutBaseline: ['webhook'] });
    expect(result.report.baseline.filter((b) => b.rule === 'webhook')).toEqual([]);
    const pod = podsOf(inventory, 'prod', (p) => p.labels.app === 'emailservice')[0];
    expect(engineOf(inventory, result).allowedInDirection({ kind: 'ip', ip: API_SERVER }, { kind: 'pod', pod }, 'ingress').contains('TCP', 8080)).toBe(false);
  });

  it('admits any address on the webhook port when the API server address is unknown (Cilium: the kube-apiserver entity)', async () => {
    const input = await demoInput();
    const inventory = { ...withWebhooks(input.inventory, cases[0].config), endpointSlices: input.inventory.endpointSlices.filter((s) => !s.name.startsWith('kubernetes')) };
    const plain = synthesizePolicies({ ...input, inventory }, { cluster: 'prod' });
    const email = plain.report.subjects.find((s) => s.cluster === 'prod' && s.name === 'emailservice')!;
    expect(plain.report.baseline.find((b) => b.subject === email.key && b.rule === 'webhook')?.what).toContain('address unknown');
    const pod = podsOf(inventory, 'prod', (p) => p.labels.app === 'emailservice')[0];
    expect(engineOf(inventory, plain).allowedInDirection({ kind: 'ip', ip: '203.0.113.9' }, { kind: 'pod', pod }, 'ingress').contains('TCP', 8080)).toBe(true);
    const cilium = synthesizePolicies({ ...input, inventory }, { cluster: 'prod', format: 'cilium' });
    const spec = cilium.policies.find((p) => p.subject === email.key)!.object.spec as { ingress: { fromEntities?: string[]; toPorts: unknown }[] };
    expect(spec.ingress.some((r) => r.fromEntities?.includes('kube-apiserver') && JSON.stringify(r.toPorts).includes('"8080"'))).toBe(true);
  });

  it('names a webhook whose Service is missing in the report instead of writing a rule', async () => {
    const input = await demoInput();
    const inventory = withWebhooks(input.inventory, webhookConfiguration('ValidatingWebhookConfiguration', 'boutique', 'gone', 443));
    const result = synthesizePolicies({ ...input, inventory }, { cluster: 'prod' });
    expect(result.report.notes).toContain('prod: ValidatingWebhookConfiguration/gone-hooks: gone.example.com: Service boutique/gone not in the inventory; no API server rule written for it');
    expect(result.report.baseline.filter((b) => b.rule === 'webhook')).toEqual([]);
  });
});

describe('webhooks and --default-deny', () => {
  it('keeps a webhook backend with no observed traffic reachable from the API server when its namespace gets a default deny', async () => {
    const input = await demoInput();
    const quiet = 'wl:prod/boutique/Deployment/redis-cart';
    const edges = input.edges.filter((e) => e.source !== quiet && e.destination !== quiet);
    const inventory = withWebhooks(input.inventory, webhookConfiguration('ValidatingWebhookConfiguration', 'boutique', 'redis-cart', 6379));
    const result = synthesizePolicies({ ...input, inventory, edges }, { cluster: 'prod', defaultDeny: true });
    expect(result.policies.map((p) => p.subject)).toContain(quiet);
    const pod = podsOf(inventory, 'prod', (p) => p.labels.app === 'redis-cart')[0];
    const engine = engineOf(inventory, result);
    expect(engine.allowedInDirection({ kind: 'ip', ip: '172.20.2.2' }, { kind: 'pod', pod }, 'ingress').contains('TCP', 6379)).toBe(true);
    expect(engine.allowedInDirection({ kind: 'ip', ip: '203.0.113.9' }, { kind: 'pod', pod }, 'ingress').contains('TCP', 6379)).toBe(false);
    const proof = verifyPolicies(inventory, result);
    expect([proof.broken, proof.unproven]).toEqual([0, 0]);
  });
});
