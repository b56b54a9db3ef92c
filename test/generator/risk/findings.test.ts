import { describe, expect, it } from 'vitest';
import { analyzeRisk, withFindings, type FindingSummary } from '../../../generator/risk/index.ts';
import { deployment, estateOf } from './fixtures.ts';

const web = deployment({ cluster: 'prod', namespace: 'shop', name: 'web', port: 8080, subnet: 1 });
const api = deployment({ cluster: 'prod', namespace: 'shop', name: 'api', port: 9000, subnet: 2 });
const db = deployment({ cluster: 'prod', namespace: 'data', name: 'db', port: 5432, subnet: 3 });
const WEB = 'wl:prod/shop/Deployment/web';
const API = 'wl:prod/shop/Deployment/api';
const DB = 'wl:prod/data/Deployment/db';
const result = analyzeRisk({ inventory: estateOf({ workloads: [web, api, db] }), edges: [] });
const workloadOfPod = new Map([...web.pods.map((p) => [`prod/shop/${p.name}`, WEB] as const), ...api.pods.map((p) => [`prod/shop/${p.name}`, API] as const)]);

const finding = (id: string, severity: string, subjects: string[]): FindingSummary => ({ id, severity, code: id.split(':')[0], message: `title of ${id}`, subjects });

describe('findings joined onto the risk answer', () => {
  it.each([
    ['a finding about the workload', finding('unprotected-workload:web', 'medium', [WEB]), { [WEB]: 'workload' }],
    ['a finding about one of its pods', finding('dropped-flow:pod', 'low', [`pod:prod/shop/${web.pods[0].name}`]), { [WEB]: 'pod' }],
    ['a finding about its namespace, for every workload in it', finding('unprotected-namespace:shop', 'high', ['ns:prod/shop']), { [WEB]: 'namespace', [API]: 'namespace' }],
    ['a finding naming it as related', finding('inter-cluster-exposure:db', 'high', [DB, WEB]), { [DB]: 'workload', [WEB]: 'related' }],
    ['an edge key or unknown pod, touching nothing', finding('x:edge', 'info', ['edge:a->b', 'pod:prod/shop/gone']), {}],
  ])('attaches %s', (_what, f, expected) => {
    const out = withFindings(result, [f], workloadOfPod);
    const touched = Object.fromEntries(out.workloads.filter((w) => w.findings!.length).map((w) => [w.workload, w.findings![0].via]));
    expect(touched).toEqual(expected);
    for (const w of out.workloads) for (const g of w.findings!) expect(g).toEqual({ id: f.id, code: f.code, severity: f.severity, title: f.message, via: g.via });
  });

  it('lists a workload\'s findings worst first, each once', () => {
    const out = withFindings(result, [
      finding('a:low', 'low', [WEB]), finding('b:high', 'high', [WEB, WEB]), finding('c:medium', 'medium', ['ns:prod/shop']),
    ], workloadOfPod);
    expect(out.workloads.find((w) => w.workload === WEB)!.findings!.map((f) => f.id)).toEqual(['b:high', 'c:medium', 'a:low']);
  });

  it('keeps the scores, parts and order of the workloads as they were', () => {
    const out = withFindings(result, [finding('a:low', 'low', [WEB])], workloadOfPod);
    expect(out.workloads.map(({ findings: _f, ...w }) => w)).toEqual(result.workloads);
    expect(out.paths).toBe(result.paths);
  });
});
