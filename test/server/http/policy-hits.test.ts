/**
 * Policy hits: the policy a Calico or Hubble flow names as deciding reaches the connection rows,
 * and the edge explanation shows it beside the engine's verdict, saying whether they agree.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { decidingCalicoPolicy } from '../../../server/flows/calico.ts';
import { ConnectionCache } from '../../../server/flows/dedup.ts';
import { readFlows } from '../../../server/flows/read.ts';
import type { EdgeExplanation } from '../../../server/http/api-types.ts';
import { createApp } from '../../../server/http/app.ts';
import { defaultProviders } from '../../../server/http/default-providers.ts';
import { withObservedPolicies } from '../../../server/http/policy-hits.ts';
import type { PolicyHit } from '../../../server/store/connections.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { parseLines, sharedData } from '../flows/helpers.ts';
import { demoState, T0, webToApi } from './fixtures.ts';

const allowedByEngine: EdgeExplanation = { verdict: 'allowed', reason: 'no policy isolates either end', policies: [] };
const unknownToEngine: EdgeExplanation = { verdict: 'unknown', reason: 'an aggregate', policies: [] };
const hit = (policy: string, verdict: PolicyHit['verdict'], connections = 1): PolicyHit => ({ policy, verdict, connections });

describe('withObservedPolicies', () => {
  it.each<[string, EdgeExplanation, PolicyHit[], 'agrees' | 'disagrees' | 'undecided', 'allowed' | 'denied']>([
    ['an allow hit where the engine allows', allowedByEngine, [hit('shop/NetworkPolicy/allow-web', 'FORWARDED', 3)], 'agrees', 'allowed'],
    ['a deny hit where the engine allows', allowedByEngine, [hit('shop/CalicoNetworkPolicy/web-guard', 'DROPPED')], 'disagrees', 'denied'],
    ['one deny among allows where the engine allows', allowedByEngine, [hit('a', 'FORWARDED', 9), hit('b', 'DROPPED', 1)], 'disagrees', 'denied'],
    ['any hit where the engine cannot tell', unknownToEngine, [hit('a', 'DROPPED')], 'undecided', 'denied'],
  ])('%s', (_what, explanation, hits, agreement, verdict) => {
    const out = withObservedPolicies(explanation, hits);
    expect(out.observed).toMatchObject({ agreement, verdict });
    expect(out.verdict).toBe(explanation.verdict);
    expect(out.observed!.reason).toContain(hits.find((h) => (verdict === 'denied') === (h.verdict === 'DROPPED'))!.policy);
  });

  it('leaves the explanation as it is when no source named a policy', () => {
    expect(withObservedPolicies(allowedByEngine, [])).toBe(allowedByEngine);
  });
});

describe('decidingCalicoPolicy', () => {
  it.each<[string, unknown, string, string | undefined]>([
    ['OSS: the enforced entry with the flow\'s action', { enforced: [{ kind: 'CalicoNetworkPolicy', name: 'web-guard', namespace: 'storefront', tier: 'default', action: 'Deny' }], pending: [] }, 'deny', 'storefront/CalicoNetworkPolicy/web-guard'],
    ['OSS: a cluster-scoped policy', { enforced: [{ kind: 'GlobalNetworkPolicy', name: 'default-deny', action: 'Deny' }] }, 'deny', 'GlobalNetworkPolicy/default-deny'],
    ['OSS: a Pass never decides', { enforced: [{ kind: 'GlobalNetworkPolicy', name: 'tiered', action: 'Pass' }, { kind: 'NetworkPolicy', namespace: 'a', name: 'allow-b', action: 'Allow' }] }, 'allow', 'a/NetworkPolicy/allow-b'],
    ['Enterprise: the first by index with the flow\'s action', { all_policies: ['1|app-hipstershop|hipstershop/app-hipstershop.checkoutservice|deny|-1', '0|security|security.tenant-histershop|pass|0'] }, 'deny', 'hipstershop/app-hipstershop.checkoutservice'],
    ['none named', null, 'allow', undefined],
    ['a name with control characters', { enforced: [{ kind: 'NetworkPolicy', name: 'a\u0007b', action: 'Allow' }] }, 'allow', undefined],
  ])('%s', (_what, policies, action, expected) => {
    expect(decidingCalicoPolicy(policies, action)).toBe(expected);
  });

  it('names the deciding policy on the records of the real Calico OSS (Whisker/Goldmane) flow file', async () => {
    const records: FlowRecord[] = [];
    for await (const r of readFlows(sharedData('calico/calico-oss-whisker-goldmane-flows.jsonl'))) records.push(r);
    const denied = records.filter((r) => r.verdict === 'DROPPED');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((r) => r.policy !== undefined)).toBe(true);
    expect(denied.map((r) => r.policy)).toContain('storefront/CalicoNetworkPolicy/web-guard');
  });
});

describe('edge explanation with stored policy hits', () => {
  const EDGE = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
  const detail = async (flows: FlowRecord[], key: string) => {
    const state = demoState({ store: FlowStore.open(':memory:'), flows });
    const app = createApp({ state, rateLimit: false, providers: defaultProviders() });
    return (await request(app).get(`/api/v1/edges/${key.split('/').map(encodeURIComponent).join('/')}`).expect(200)).body.explanation as EdgeExplanation;
  };

  it('shows the source\'s deciding policy beside the engine\'s verdict, agreeing', async () => {
    const explanation = await detail([{ ...webToApi, policy: 'shop/NetworkPolicy/allow-web' }], EDGE);
    expect(explanation.verdict).toBe('allowed');
    expect(explanation.observed).toMatchObject({ agreement: 'agrees', policies: [{ policy: 'shop/NetworkPolicy/allow-web', verdict: 'allowed', connections: 1 }] });
  });

  it('says where the source and the engine disagree', async () => {
    const explanation = await detail([{ ...webToApi, verdict: 'DROPPED', policy: 'shop/CalicoNetworkPolicy/web-guard' }], EDGE);
    expect(explanation.observed).toMatchObject({ agreement: 'disagrees', verdict: 'denied' });
  });

  it('has no observed part when no source named a policy', async () => {
    expect((await detail([webToApi], EDGE)).observed).toBeUndefined();
  });
});

/** The edge web -> api:8080 of the fixtures, as Hubble lines report it. */
const HUBBLE_EDGE = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/api|TCP|8080';
/** web-1 -> api-1:8080 (the fixtures' addresses) as a Hubble policy-verdict line, with its policy lists. */
const hubbleLine = (verdict: string, direction: string, lists: Record<string, unknown>, node = 'node-a', offsetMs = 0): string => {
  const flow = {
    time: new Date(T0 + offsetMs).toISOString(), verdict, IP: { source: '10.1.0.10', destination: '10.1.0.20', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 41000, destination_port: 8080, flags: { SYN: true } } },
    source: { identity: 1234, namespace: 'shop', labels: ['k8s:app=web'], pod_name: 'web-1' },
    destination: { identity: 5678, namespace: 'shop', labels: ['k8s:app=api'], pod_name: 'api-1' },
    Type: 'L3_L4', node_name: node, event_type: { type: 5 }, traffic_direction: direction, Summary: 'TCP Flags: SYN', ...lists,
    ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
  };
  return JSON.stringify({ flow, node_name: node, time: flow.time });
};
/** A CiliumNetworkPolicy entry of Hubble's policy lists. */
const cnp = (name: string) => ({ name, namespace: 'shop', labels: [`k8s:io.cilium.k8s.policy.name=${name}`], revision: '6', kind: 'CiliumNetworkPolicy' });

describe('edge explanation with Hubble\'s deciding policies', () => {
  const explain = async (line: string) => {
    const { records, stats } = parseLines([line], { format: 'hubble', cluster: 'prod' });
    expect(stats.records).toBe(1);
    const state = demoState({ store: FlowStore.open(':memory:'), flows: records });
    const app = createApp({ state, rateLimit: false, providers: defaultProviders() });
    return (await request(app).get(`/api/v1/edges/${HUBBLE_EDGE.split('/').map(encodeURIComponent).join('/')}`).expect(200)).body.explanation as EdgeExplanation;
  };

  it('shows the disagreement when Hubble says egress_denied_by on a flow the snapshot allows', async () => {
    const explanation = await explain(hubbleLine('DROPPED', 'EGRESS', { egress_denied_by: [cnp('deny-web-to-api')] }));
    expect(explanation.verdict).toBe('allowed');
    expect(explanation.observed).toMatchObject({
      agreement: 'disagrees', verdict: 'denied',
      policies: [{ policy: 'shop/CiliumNetworkPolicy/deny-web-to-api', verdict: 'denied', connections: 1 }],
    });
    expect(explanation.observed!.reason).toContain('denied by shop/CiliumNetworkPolicy/deny-web-to-api');
  });

  it('shows the agreement when Hubble says ingress_allowed_by on a flow the snapshot allows', async () => {
    const explanation = await explain(hubbleLine('FORWARDED', 'INGRESS', { ingress_allowed_by: [cnp('allow-web')] }));
    expect(explanation.observed).toMatchObject({ agreement: 'agrees', verdict: 'allowed', policies: [{ policy: 'shop/CiliumNetworkPolicy/allow-web', verdict: 'allowed' }] });
  });

  it('has no observed part when the only entry is hostile (counted at ingest, never stored)', async () => {
    const explanation = await explain(hubbleLine('DROPPED', 'EGRESS', { egress_denied_by: [{ ...cnp('x'), name: '<script>' }] }));
    expect(explanation.observed).toBeUndefined();
  });
});

describe('Hubble\'s deciding policy from a later report of a counted connection, through the API', () => {
  const edgePath = `/api/v1/edges/${HUBBLE_EDGE.split('/').map(encodeURIComponent).join('/')}`;
  /** The source node's trace of web-1 -> api-1:8080: no policy (the policy is on the ingress side). */
  const sourceTrace = hubbleLine('FORWARDED', 'EGRESS', { is_reply: false }, 'node-a', 0);
  /** The destination node's ingress policy verdict of the same connection, 2 ms later. */
  const ingressVerdict = (verdict: string, lists: Record<string, unknown>) => hubbleLine(verdict, 'INGRESS', { ...lists, is_reply: false }, 'node-b', 2);

  /**
   * A store-backed state fed the lines through the byte decoder, one group at a time with one
   * connection cache (as one followed file), flushed after each group.
   */
  const stateOf = (...groups: string[][]) => {
    const connections = new ConnectionCache();
    const state = demoState({ store: FlowStore.open(':memory:'), flows: [] });
    const records: FlowRecord[] = [];
    for (const group of groups) {
      const parsed = parseLines(group, { format: 'hubble', cluster: 'prod', connections }).records;
      state.ingestFlows('flows-file:test', parsed, { cluster: 'prod' });
      state.flush();
      records.push(...parsed);
    }
    return { state, records };
  };
  const get = async (state: ReturnType<typeof demoState>, path: string) =>
    (await request(createApp({ state, rateLimit: false, providers: defaultProviders() })).get(path).expect(200)).body;

  it.each<[string, string[][]]>([
    ['in one flush', [[sourceTrace, ingressVerdict('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] })]]],
    ['in the flush after the one that stored the connection', [[sourceTrace], [ingressVerdict('FORWARDED', { ingress_allowed_by: [cnp('allow-web')] })]]],
  ])('shows the ingress policy a later report names as agreeing, without counting the connection twice (%s)', async (_when, groups) => {
    const { state, records } = stateOf(...groups);
    expect(records.map((r) => [r.count, r.supersedes, r.policy])).toEqual([[1, undefined, undefined], [0, 'FORWARDED', 'shop/CiliumNetworkPolicy/allow-web']]);
    const detail = await get(state, edgePath);
    expect(detail.explanation.observed).toMatchObject({
      agreement: 'agrees', verdict: 'allowed', policies: [{ policy: 'shop/CiliumNetworkPolicy/allow-web', verdict: 'allowed', connections: 1 }],
    });
    // The same counts as without the later report.
    const alone = await get(stateOf([sourceTrace]).state, edgePath);
    expect(alone.explanation.observed).toBeUndefined();
    expect({ count: detail.edge.count, verdicts: detail.edge.verdicts }).toEqual({ count: alone.edge.count, verdicts: alone.edge.verdicts });
    expect(detail.edge.verdicts).toEqual({ FORWARDED: 1 });
    const flows = await get(state, `/api/v1/flows?edge=${encodeURIComponent(HUBBLE_EDGE)}`);
    expect(flows.rows).toHaveLength(1);
    expect(flows.rows[0]).toMatchObject({ verdict: 'FORWARDED', policy: 'shop/CiliumNetworkPolicy/allow-web', reports: 2, observationPoint: 'egress@node-a' });
  });

  it('still moves a connection to DROPPED, with the deny, when the destination drops what the source forwarded', async () => {
    const { state, records } = stateOf([sourceTrace, ingressVerdict('DROPPED', { ingress_denied_by: [cnp('deny-web')] })]);
    expect(records.map((r) => [r.verdict, r.count, r.supersedes, r.policy])).toEqual([['FORWARDED', 1, undefined, undefined], ['DROPPED', 1, 'FORWARDED', 'shop/CiliumNetworkPolicy/deny-web']]);
    const detail = await get(state, edgePath);
    expect({ count: detail.edge.count, verdicts: detail.edge.verdicts }).toEqual({ count: 1, verdicts: { DROPPED: 1 } });
    expect(detail.explanation.observed).toMatchObject({ agreement: 'disagrees', verdict: 'denied', policies: [{ policy: 'shop/CiliumNetworkPolicy/deny-web', verdict: 'denied', connections: 1 }] });
    const flows = await get(state, `/api/v1/flows?edge=${encodeURIComponent(HUBBLE_EDGE)}`);
    expect(flows.rows).toHaveLength(1);
    expect(flows.rows[0]).toMatchObject({ verdict: 'DROPPED', dropReason: 'POLICY_DENIED', policy: 'shop/CiliumNetworkPolicy/deny-web', reports: 2 });
  });
});
