/**
 * The analyses `netatlas serve` wires by default (server/http/default-providers.ts), through the
 * real server on the demo: diff, findings, edge explanations and the policies selecting a node.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { useDemoServer } from './demo-server.ts';
import type { CiliumNetworkPolicyInfo } from '../../../generator/model/index.ts';
import { defaultProviders, policyEngineOf } from '../../../server/http/default-providers.ts';
import type {
  DiffResponse, EdgeDetailResponse, FindingsResponse, GraphResponse, NodeDetailResponse,
} from '../../../server/http/api-types.ts';

const CART = 'wl:prod/boutique/Deployment/cartservice';
const RECO = 'wl:prod/boutique/Deployment/recommendationservice';
const FRONTEND = 'wl:prod/boutique/Deployment/frontend';
const edgeUrl = (key: string): string => `/api/v1/edges/${encodeURIComponent(key)}`;

const server = useDemoServer();

describe('default providers on the demo', () => {
  it('GET /diff lists the planted would-break edge recommendationservice -> cartservice 7070', async () => {
    const body = (await request(server().server).get('/api/v1/diff').expect(200)).body as DiffResponse;
    expect(body.summary['would-break']).toBe(1);
    const item = body.items.find((i) => i.kind === 'would-break');
    expect(item?.subjects).toEqual([`${RECO}->${CART}|TCP|7070`, RECO, CART]);
  });

  it('GET /findings answers the findings, and node detail lists those about the node', async () => {
    const all = (await request(server().server).get('/api/v1/findings').expect(200)).body as FindingsResponse;
    expect(all.findings.some((f) => f.code === 'would-break' && f.severity === 'high' && f.subjects.includes(CART))).toBe(true);
    const node = (await request(server().server).get(`/api/v1/nodes/${encodeURIComponent(CART)}`).expect(200)).body as NodeDetailResponse;
    expect(node.findings.map((f) => f.code)).toContain('would-break');
    expect(node.findings.every((f) => f.subjects.includes(CART))).toBe(true);
  });

  it('explains the would-break edge as denied at the destination\'s ingress, with the rule chain and the pods evaluated', async () => {
    const d = (await request(server().server).get(edgeUrl(`${RECO}->${CART}|TCP|7070`)).expect(200)).body as EdgeDetailResponse;
    expect(d.explanation?.verdict).toBe('denied');
    expect(d.explanation?.reason).toMatch(/^ingress denied: boutique\/cartservice-.* is isolated for ingress by .*prod\/boutique\/NetworkPolicy\/cartservice/);
    expect(d.explanation?.rules).toEqual(['NetworkPolicy boutique/recommendationservice egress[0]: Allow']);
    expect(d.explanation?.policies.map((p) => p.key)).toEqual(expect.arrayContaining([
      'prod/boutique/NetworkPolicy/recommendationservice', 'prod/boutique/NetworkPolicy/cartservice',
    ]));
    expect(d.explanation?.evaluated?.source).toMatch(/^pod:prod\/boutique\/recommendationservice-/);
    expect(d.explanation?.evaluated?.destination).toMatch(/^pod:prod\/boutique\/cartservice-/);
  });

  it('explains an allowed edge by the egress and the ingress rules that match it', async () => {
    const d = (await request(server().server).get(edgeUrl(`${FRONTEND}->${CART}|TCP|7070`)).expect(200)).body as EdgeDetailResponse;
    expect(d.explanation).toMatchObject({
      verdict: 'allowed',
      rules: ['NetworkPolicy boutique/frontend egress[0]: Allow', 'NetworkPolicy boutique/cartservice ingress[0]: Allow'],
    });
    expect(d.explanation?.policies.map((p) => p.key)).toEqual(['prod/boutique/NetworkPolicy/frontend', 'prod/boutique/NetworkPolicy/cartservice']);
  });

  it('answers unknown for a namespace-level edge, pointing at its parts', async () => {
    const g = (await request(server().server).get('/api/v1/graph?level=namespace').expect(200)).body as GraphResponse;
    const edge = g.edges.find((e) => e.protocol === 'TCP' && e.source.startsWith('ns:') && e.target.startsWith('ns:'))!;
    const d = (await request(server().server).get(edgeUrl(edge.key)).expect(200)).body as EdgeDetailResponse;
    expect(d.explanation).toMatchObject({ verdict: 'unknown', policies: [] });
    expect(d.explanation?.reason).toContain('parts');
  });

  it('lists the policies selecting a workload from the policy engine', async () => {
    const node = (await request(server().server).get(`/api/v1/nodes/${encodeURIComponent(CART)}`).expect(200)).body as NodeDetailResponse;
    expect(node.policies?.map((p) => p.key)).toEqual(expect.arrayContaining([
      'prod/boutique/NetworkPolicy/cartservice', 'prod/boutique/NetworkPolicy/deny-all',
    ]));
    expect(node.policies?.map((p) => p.key)).not.toContain('prod/boutique/NetworkPolicy/frontend');
  });

  it('builds the policy engine once per inventory version', () => {
    const first = policyEngineOf(server().state);
    expect(policyEngineOf(server().state)).toBe(first);
    server().state.setInventory('prod', server().state.inventories.get('prod')!, { persist: false });
    const second = policyEngineOf(server().state);
    expect(second).not.toBe(first);
    expect(second.inventoryVersion).toBe(server().state.inventoryVersion);
  });

  it('computes the diff once per graph version', () => {
    const providers = defaultProviders();
    const a = providers.diff!(server().state);
    expect(providers.diff!(server().state)).toBe(a);
    server().state.bump();
    expect(providers.diff!(server().state)).not.toBe(a);
  });
});

describe('edge explanations with Cilium toFQDNs peers', () => {
  const server = useDemoServer();
  const PAYMENT = 'wl:prod/boutique/Deployment/paymentservice';
  const stripeEgress: CiliumNetworkPolicyInfo = {
    kind: 'CiliumNetworkPolicy', cluster: 'prod', namespace: 'boutique', name: 'payment-egress',
    specs: [{ endpointSelector: { matchLabels: { app: 'paymentservice' } }, egress: [{ fqdns: ['api.stripe.com'], toPorts: [{ ports: [{ port: 443, protocol: 'TCP' }] }] }] }],
  };

  it('matches the name against the DNS answers in the graph: the call to api.stripe.com is allowed by the policy', async () => {
    const prod = server().state.inventories.get('prod')!;
    server().state.setInventory('prod', { ...prod, ciliumNetworkPolicies: [stripeEgress] }, { persist: false });
    const d = (await request(server().server).get(edgeUrl(`${PAYMENT}->ext:54.187.216.72|TCP|443`)).expect(200)).body as EdgeDetailResponse;
    expect(d.explanation?.verdict).toBe('allowed');
    expect(d.explanation?.policies.map((p) => p.key)).toContain('prod/boutique/CiliumNetworkPolicy/payment-egress');
    expect(policyEngineOf(server().state).dnsKey).toContain('api.stripe.com');
  });
});
