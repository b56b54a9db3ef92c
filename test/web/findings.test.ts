import { describe, expect, it } from 'vitest';
import type { ScorePart, ScorePartName, WorkloadRisk } from '../../generator/risk/types.ts';
import { groupFindings, humanKey, humanizeKeys, rankByRisk, rankComponents, subjectNodes } from '../../web/src/state/findings.ts';
import type { Finding } from '../../web/src/types.ts';

const WEB = 'wl:prod/shop/Deployment/web';
const CART = 'wl:prod/shop/Deployment/cart';
const SHELL = 'wl:dev/tools/Pod/debug-shell';
const finding = (id: string, severity: Finding['severity'], code: string, subjects: string[]): Finding => ({ id, severity, code, message: `${code} ${subjects.join(' ')}`, subjects });
const drop = finding('1', 'high', 'dropped-flow', [`${WEB}->${CART}|TCP|7070`]);
const exposed = finding('2', 'medium', 'unprotected-workload', [CART]);
const lateral = finding('3', 'low', 'unprotected-workload', [WEB]);
const crossEnv = finding('4', 'high', 'cross-environment', [`${SHELL}->${CART}|TCP|8443`]);

const part = (points: number, max: number, ...facts: string[]): ScorePart => ({ points, max, facts });
const noVulns: WorkloadRisk['vulnerabilities'] = { critical: 0, high: 0, medium: 0, low: 0, fixable: 0, top: [], secrets: 0, secretRules: [], failedChecks: [] };
function workloadRisk(key: string, parts: Partial<Record<ScorePartName, ScorePart>>): WorkloadRisk {
  const all: Record<ScorePartName, ScorePart> = { exposure: part(0, 30), reach: part(0, 15), privilege: part(0, 20), vulnerability: part(0, 25), sensitivity: part(0, 10), ...parts };
  const [, cluster = '', namespace = '', , name = ''] = key.split(/[:/]/);
  return { workload: key, cluster, namespace, name, score: Object.values(all).reduce((a, p) => a + p.points, 0), parts: all, internetExposed: all.exposure.points > 0, crownJewel: false, compromise: 0.5, vulnerabilities: noVulns };
}

describe('components ranked by the risk model', () => {
  const risk = [
    workloadRisk(CART, { reach: part(6, 15, 'reached by 2 workloads') }),
    workloadRisk(WEB, { exposure: part(30, 30, 'LoadBalancer Service web'), vulnerability: part(12, 25, '1 critical CVE') }),
    workloadRisk(SHELL, {}),
  ];

  it('orders workloads by the risk score, not by their findings', () => {
    const ranked = rankByRisk(risk, [drop, exposed, lateral, crossEnv]);
    expect(ranked.map((r) => [r.key, r.score])).toEqual([[WEB, 42], [CART, 6], [SHELL, 0]]);
  });

  it('breaks the score into the parts that give points, largest first, with their facts', () => {
    const [web] = rankByRisk(risk, []);
    expect(web!.parts).toEqual([
      { name: 'exposure', points: 30, max: 30, facts: ['LoadBalancer Service web'] },
      { name: 'vulnerability', points: 12, max: 25, facts: ['1 critical CVE'] },
    ]);
  });

  it('attaches the findings touching each workload, an edge finding to both its ends', () => {
    const ranked = rankByRisk(risk, [drop, exposed, lateral, crossEnv]);
    const cart = ranked.find((r) => r.key === CART)!;
    expect(cart.findings).toEqual([drop, exposed, crossEnv]);
    expect(cart.breakdown.map((b) => b.code)).toEqual(['dropped-flow', 'cross-environment', 'unprotected-workload']);
  });

  it('keeps the limit', () => {
    expect(rankByRisk(risk, [], 2).map((r) => r.key)).toEqual([WEB, CART]);
  });
});

describe('findings that lead to a fix', () => {
  it('an edge subject stands for both its ends', () => {
    expect(subjectNodes(drop).sort()).toEqual([CART, WEB].sort());
  });

  it('ranks components by their worst finding plus 5 per further one, with the breakdown', () => {
    const ranked = rankComponents([drop, exposed, lateral, crossEnv]);
    expect(ranked[0]).toMatchObject({ key: CART, score: 90 });
    expect(ranked[0]!.breakdown.map((b) => b.code)).toEqual(['dropped-flow', 'cross-environment', 'unprotected-workload']);
    expect(ranked.map((r) => r.key)).toEqual([CART, WEB, SHELL]);
    expect(ranked.find((r) => r.key === WEB)!.score).toBe(85);
  });

  it('groups by rule and namespace, worst severity first', () => {
    const groups = groupFindings([exposed, lateral, drop, crossEnv]);
    expect(groups.map((g) => `${g.code}@${g.namespace}`)).toEqual(['cross-environment@dev/tools', 'dropped-flow@prod/shop', 'unprotected-workload@prod/shop']);
    expect(groups[2]).toMatchObject({ severity: 'medium', findings: [exposed, lateral] });
  });

  it('writes names instead of graph keys, an edge as source → target', () => {
    const label = (k: string): string => ({ [WEB]: 'prod/shop/web', [CART]: 'prod/shop/cart' })[k] ?? k;
    expect(humanizeKeys(`observed drops: ${WEB} -> ${CART} TCP/7070`, label)).toBe('observed drops: prod/shop/web -> prod/shop/cart TCP/7070');
    expect(humanizeKeys(`${WEB}->${CART}|TCP|7070 (denied)`, label)).toBe('prod/shop/web → prod/shop/cart TCP/7070 (denied)');
    expect(humanizeKeys('ns:unknown/x stays', label)).toBe('ns:unknown/x stays');
  });

  it.each([
    ['ns:prod/shop', 'namespace prod/shop'], ['cluster:dev', 'cluster dev'], [WEB, 'prod/shop/web'], ['ext:203.0.113.9', '203.0.113.9'], ['nonsense', 'nonsense'],
  ])('names %s as %s', (key, name) => {
    expect(humanKey(key)).toBe(name);
  });
});
