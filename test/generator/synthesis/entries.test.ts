/**
 * The exposed baseline through Ingress and Gateway API routes: the backends of the Services
 * they send to admit 0.0.0.0/0 and ::/0 on the target port, never the observed client /32s,
 * and the proof keeps the observed internet flow allowed. Objects from the Kubernetes and
 * Gateway API docs' own examples, read through the inventory normalizer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Inventory, ServiceInfo } from '../../../generator/model/index.ts';
import { externalKey } from '../../../generator/model/index.ts';
import { createEngine } from '../../../generator/semantics/index.ts';
import { synthesizePolicies, verifyPolicies, type SynthesisOptions, type SynthesisResult } from '../../../generator/synthesis/index.ts';
import { GATEWAY_NAME_LABEL } from '../../../generator/semantics/entries.ts';
import { clusterIp, deployment, docsFooRoute, docsMinimalIngress, docsProdWebGateway, estateOf, observed, readEntry } from '../risk/fixtures.ts';

// prod/shop: web listens on 8080 (port name "http"), behind the ClusterIP Service "test" (80 -> 8080).
const web = deployment({ cluster: 'prod', namespace: 'shop', name: 'web', port: 8080, subnet: 1, clusterIndex: 2 });
const WEB = 'wl:prod/shop/Deployment/web';
const CLIENT = '203.0.113.9';
const test = clusterIp('prod', 'shop', 'test', 'web', 80, 8080);
const namedTarget: ServiceInfo = { ...test, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }] };

// The Kubernetes and Gateway API docs' examples (see the fixtures): an Ingress and an HTTPRoute to shop/test.
const minimalIngress = (service = 'test') => docsMinimalIngress({ service });
const prodWeb = docsProdWebGateway();
const foo = docsFooRoute;

/** The estate with `parts` added, and an internet client seen reaching web on 8080. */
function generate(parts: Partial<Inventory>, options: SynthesisOptions = {}): { inventory: Inventory; result: SynthesisResult } {
  const inventory: Inventory = { ...estateOf({ workloads: [web], services: [test] }), ...parts };
  return { inventory, result: synthesizePolicies({ inventory, edges: observed(externalKey(CLIENT), web.pods[0], 8080) }, options) };
}

const webSubject = (r: SynthesisResult) => r.report.subjects.find((s) => s.key === WEB)!;
/** web's ingress rules as `what cidrs ports`. */
const ingressOf = (r: SynthesisResult): string[] =>
  webSubject(r).ingress.flatMap((rule) => rule.peers.map((p) => `${p.kind === 'cidr' ? `${p.what} ${p.cidrs.join(',')}` : p.kind} ${rule.ports.map((x) => `${x.protocol}/${x.port}`).join(',')}`));

describe('the exposed baseline through Ingress and Gateway routes', () => {
  const cases: { name: string; parts: Partial<Inventory>; via: string; port: string }[] = [
    { name: 'an Ingress', parts: { ingresses: [minimalIngress()] }, via: 'Ingress shop/minimal-ingress', port: 'TCP/8080' },
    { name: 'an HTTPRoute attached to a Gateway whose listener admits it', parts: { gateways: [prodWeb], routes: [foo('shop')] }, via: 'HTTPRoute shop/foo via Gateway shop/prod-web', port: 'TCP/8080' },
    { name: 'an Ingress to a Service with a named targetPort every backend declares (the name)', parts: { ingresses: [minimalIngress()], services: [namedTarget] }, via: 'Ingress shop/minimal-ingress', port: 'TCP/http' },
  ];
  for (const c of cases) {
    it(`admits 0.0.0.0/0 and ::/0 on the target port into the backend of ${c.name}, never the observed client, and lists why`, () => {
      const { inventory, result } = generate(c.parts);
      expect(ingressOf(result)).toEqual([`world 0.0.0.0/0,::/0 ${c.port}`]);
      const entry = result.report.baseline.filter((b) => b.subject === WEB && b.rule === 'exposed');
      expect(entry.map((b) => b.reason)).toEqual([`exposed by svc:prod/shop/test (${c.via}): its clients are not the ones a window happened to see`]);
      expect(result.report.leftOut.find((l) => l.reason === 'exposed')?.detail).toContain(`${CLIENT} is a client of svc:prod/shop/test (${c.via})`);

      const proof = verifyPolicies(inventory, result);
      expect([proof.broken, proof.unproven]).toEqual([0, 0]);
      const engine = createEngine({ ...inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });
      for (const ip of [CLIENT, '198.51.100.1', '2001:db8::1']) {
        expect(engine.allowedInDirection({ kind: 'ip', ip }, { kind: 'pod', pod: web.pods[0] }, 'ingress').contains('TCP', 8080), ip).toBe(true);
      }
    });
  }

  it("admits the Gateway's own pods (its data plane) on the target port too, and counts that as baseline, not extra", () => {
    const gw = deployment({ cluster: 'prod', namespace: 'shop', name: 'prod-web-gw', port: 80, subnet: 3, clusterIndex: 2 });
    gw.pods[0] = { ...gw.pods[0], labels: { ...gw.pods[0].labels, [GATEWAY_NAME_LABEL]: 'prod-web' } };
    const inventory: Inventory = { ...estateOf({ workloads: [web, gw], services: [test] }), gateways: [prodWeb], routes: [foo('shop')] };
    const result = synthesizePolicies({ inventory, edges: observed(externalKey(CLIENT), web.pods[0], 8080) });
    expect(ingressOf(result)).toEqual(['world 0.0.0.0/0,::/0 TCP/8080', 'workload TCP/8080']);
    expect(result.report.baseline.filter((b) => b.subject === WEB).map((b) => b.what)).toContain("the Gateway's pods wl:prod/shop/Deployment/prod-web-gw on TCP 8080");
    const engine = createEngine({ ...inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });
    expect(engine.allowedConnections({ kind: 'pod', pod: gw.pods[0] }, { kind: 'pod', pod: web.pods[0] }).contains('TCP', 8080)).toBe(true);
    const proof = verifyPolicies(inventory, result);
    expect([proof.broken, proof.unproven, proof.extra]).toEqual([0, 0, 0]);
    expect(proof.excluded.map((x) => `${x.source} -> ${x.destination} ${x.connections}: ${x.reason}`))
      .toContain("wl:prod/shop/Deployment/prod-web-gw -> wl:prod/shop/Deployment/web TCP 8080: baseline: HTTPRoute shop/foo via Gateway shop/prod-web sends to it through the Gateway's own pods");
  });

  const unwritten: { name: string; parts: Partial<Inventory>; note: RegExp }[] = [
    { name: 'an Ingress to a Service missing from the inventory', parts: { ingresses: [minimalIngress('gone')] }, note: /^prod: Ingress shop\/minimal-ingress sends to Service prod\/shop\/gone, which is not in the inventory; no exposed rule written for it$/ },
    {
      name: 'an Ingress to a Service with no backend pod',
      parts: { ingresses: [minimalIngress()], services: [{ ...test, selector: { app: 'nobody' } }] },
      note: /^prod: Ingress shop\/minimal-ingress sends to Service shop\/test, which has no backend pod by its selector; no exposed rule written for it$/,
    },
    { name: 'a route the Gateway listener refuses', parts: { gateways: [prodWeb], routes: [foo('other')] }, note: /^prod: HTTPRoute other\/foo: no listener of Gateway prod\/shop\/prod-web admits it .*; no exposed rule written for it$/ },
  ];
  for (const c of unwritten) {
    it(`names ${c.name} in the report instead of writing a rule`, () => {
      const { result } = generate(c.parts);
      expect(result.report.notes).toContainEqual(expect.stringMatching(c.note));
      expect(result.report.baseline.filter((b) => b.rule === 'exposed')).toEqual([]);
      expect(ingressOf(result)).toEqual([`external ${CLIENT}/32 TCP/8080`]);
    });
  }

  it('writes the observed client instead when the exposed baseline is switched off', () => {
    const { inventory, result } = generate({ ingresses: [minimalIngress()] }, { withoutBaseline: ['exposed'] });
    expect(ingressOf(result)).toEqual([`external ${CLIENT}/32 TCP/8080`]);
    expect(result.report.notes.filter((n) => n.includes('exposed rule'))).toEqual([]);
    const proof = verifyPolicies(inventory, result);
    expect([proof.broken, proof.unproven]).toEqual([0, 0]);
  });
});

describe('the exposed baseline through an Ingress on random estates', () => {
  it('keeps every observed internet flow allowed and admits any address into every backend on its target port', () => {
    const spec = fc.record({
      backends: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
      flows: fc.array(fc.record({ wl: fc.integer({ min: 0, max: 4 }), client: fc.integer({ min: 1, max: 254 }) }), { minLength: 1, maxLength: 8 }),
      probe: fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })),
    });
    fc.assert(fc.property(spec, ({ backends, flows, probe }) => {
      const apps = [0, 1, 2, 3, 4].map((i) => deployment({ cluster: 'prod', namespace: 'shop', name: `app${i}`, port: 8000 + i, pods: 1 + (i % 2), subnet: i + 1, clusterIndex: 2 }));
      const services = apps.map((a, i) => clusterIp('prod', 'shop', `app${i}`, `app${i}`, 80, 8000 + i));
      const ingress = readEntry('prod', 'Ingress', {
        apiVersion: 'networking.k8s.io/v1',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: { rules: [{ http: { paths: backends.map((b) => ({ path: `/${b}`, pathType: 'Prefix', backend: { service: { name: `app${b}`, port: { number: 80 } } } })) } }] },
      });
      const inventory: Inventory = { ...estateOf({ workloads: apps, services }), ingresses: [ingress] };
      const edges = flows.flatMap((f) => apps[f.wl].pods.flatMap((pod) => observed(externalKey(`198.51.100.${f.client}`), pod, 8000 + f.wl)));
      const result = synthesizePolicies({ inventory, edges });
      const proof = verifyPolicies(inventory, result);
      expect([proof.broken, proof.unproven]).toEqual([0, 0]);
      const engine = createEngine({ ...inventory, networkPolicies: result.networkPolicies, adminNetworkPolicies: [] });
      for (const b of backends) {
        for (const pod of apps[b].pods) {
          expect(engine.allowedInDirection({ kind: 'ip', ip: probe.join('.') }, { kind: 'pod', pod }, 'ingress').contains('TCP', 8000 + b)).toBe(true);
        }
      }
      for (const b of backends) {
        const subject = result.report.subjects.find((x) => x.key === `wl:prod/shop/Deployment/app${b}`);
        expect(subject?.ingress.flatMap((r) => r.peers).filter((p) => p.kind === 'cidr' && p.what === 'external') ?? []).toEqual([]);
      }
    }), { numRuns: 60 });
  });
});
