import { describe, expect, it } from 'vitest';
import { analyzeRisk, GATEWAY_NAME_LABEL, type RiskResult } from '../../../generator/risk/index.ts';
import type { Inventory } from '../../../generator/model/index.ts';
import { clusterIp, deployment, docsFooRoute, docsMinimalIngress, docsProdWebGateway, estateOf, fromApp, ingressPolicy, observed } from './fixtures.ts';

// prod/shop: web (8080) behind the ClusterIP Service "test" (80 -> 8080), api (9000); no LoadBalancer.
const web = deployment({ cluster: 'prod', namespace: 'shop', name: 'web', port: 8080, subnet: 1, clusterIndex: 2 });
const api = deployment({ cluster: 'prod', namespace: 'shop', name: 'api', port: 9000, subnet: 2, clusterIndex: 2 });
const gwPods = deployment({ cluster: 'prod', namespace: 'shop', name: 'prod-web-gw', port: 80, subnet: 3, clusterIndex: 2 });
gwPods.pods[0] = { ...gwPods.pods[0], labels: { ...gwPods.pods[0].labels, [GATEWAY_NAME_LABEL]: 'prod-web' } };
const WEB = 'wl:prod/shop/Deployment/web';
const svc = clusterIp('prod', 'shop', 'test', 'web', 80, 8080);

const minimalIngress = (status?: Record<string, unknown>) => docsMinimalIngress({ status });
const prodWeb = docsProdWebGateway();
const route = docsFooRoute;

function run(inv: Inventory): RiskResult {
  return analyzeRisk({ inventory: inv, edges: observed(api.pods[0], web.pods[0], 8080) }, { crownJewels: ['name=api'] });
}
const webRisk = (r: RiskResult) => r.workloads.find((w) => w.workload === WEB)!;

describe('internet exposure through Ingress and Gateway API routes', () => {
  it('counts a workload behind a public Ingress as internet-exposed, naming the Ingress, and starts paths there', () => {
    const r = run({ ...estateOf({ workloads: [web, api], services: [svc] }), ingresses: [minimalIngress()] });
    expect(webRisk(r).internetExposed).toBe(true);
    expect(webRisk(r).parts.exposure.facts).toContainEqual('the internet may open TCP 8080 through shop/test (Ingress shop/minimal-ingress)');
    expect(r.entries).toContain(WEB);
  });

  it('does not count an Ingress whose controller published only private addresses', () => {
    const r = run({ ...estateOf({ workloads: [web, api], services: [svc] }), ingresses: [minimalIngress({ loadBalancer: { ingress: [{ ip: '10.20.0.5' }] } })] });
    expect(webRisk(r).internetExposed).toBe(false);
  });

  it('does not count an Ingress backend whose policies let no source in on its target port', () => {
    const closed = ingressPolicy('prod', 'shop', 'web', [fromApp('api', 9999)]);
    const r = run({ ...estateOf({ workloads: [web, api], services: [svc], policies: [closed] }), ingresses: [minimalIngress()] });
    expect(webRisk(r).internetExposed).toBe(false);
  });

  it('counts a backend of an attached HTTPRoute when the policies let the Gateway pods in', () => {
    const fromGateway = ingressPolicy('prod', 'shop', 'web', [{ peers: [{ podSelector: { matchLabels: { [GATEWAY_NAME_LABEL]: 'prod-web' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    const r = run({ ...estateOf({ workloads: [web, api, gwPods], services: [svc], policies: [fromGateway] }), gateways: [prodWeb], routes: [route('shop')] });
    expect(webRisk(r).parts.exposure.facts).toContainEqual('the internet may open TCP 8080 through shop/test (HTTPRoute shop/foo via Gateway shop/prod-web)');
  });

  it('does not count a route backend whose policies let other pods in but not the Gateway pods', () => {
    const fromApi = ingressPolicy('prod', 'shop', 'web', [fromApp('api', 8080)]);
    const r = run({ ...estateOf({ workloads: [web, api, gwPods], services: [svc], policies: [fromApi] }), gateways: [prodWeb], routes: [route('shop')] });
    expect(webRisk(r).internetExposed).toBe(false);
  });

  it('does not count a route from a namespace the listener refuses, and says so', () => {
    const r = run({ ...estateOf({ workloads: [web, api, gwPods], services: [svc] }), gateways: [prodWeb], routes: [route('other')] });
    expect(webRisk(r).internetExposed).toBe(false);
    expect(r.problems).toContainEqual(expect.stringMatching(/^HTTPRoute other\/foo: no listener of Gateway prod\/shop\/prod-web admits it/));
  });

  it('says so when a route names a Gateway that is not in the inventory', () => {
    const r = run({ ...estateOf({ workloads: [web, api], services: [svc] }), routes: [route('shop')] });
    expect(r.problems).toContainEqual(expect.stringMatching(/HTTPRoute shop\/foo attaches to Gateway prod\/shop\/prod-web, which is not in the inventory/));
  });
});
