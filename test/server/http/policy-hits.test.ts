/**
 * Policy hits: the policy a Calico flow names as deciding reaches the connection rows, and the
 * edge explanation shows it beside the engine's verdict, saying whether they agree.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { decidingCalicoPolicy } from '../../../server/flows/calico.ts';
import { readFlows } from '../../../server/flows/read.ts';
import type { EdgeExplanation } from '../../../server/http/api-types.ts';
import { createApp } from '../../../server/http/app.ts';
import { defaultProviders } from '../../../server/http/default-providers.ts';
import { withObservedPolicies } from '../../../server/http/policy-hits.ts';
import type { PolicyHit } from '../../../server/store/connections.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { sharedData } from '../flows/helpers.ts';
import { demoState, webToApi } from './fixtures.ts';

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
