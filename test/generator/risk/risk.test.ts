import { describe, expect, it } from 'vitest';
import { analyzeRisk, parseWorkloadSelector, riskFailures, SCORE_PARTS, type RiskResult } from '../../../generator/risk/index.ts';
import { createEngine } from '../../../generator/semantics/index.ts';
import type { Inventory, NetworkPolicyInfo } from '../../../generator/model/index.ts';
import {
  criticalFixable, deployment, egressPolicy, estateOf, fromCidr, fromEveryone, ingressPolicy, loadBalancer, observed, readManifest, vulnerabilityReport,
} from './fixtures.ts';

// prod: web (internet-facing, port 8080) -> api (9000); finance: ledger (8443), open to 10.0.0.0/8.
const web = deployment({ cluster: 'prod', namespace: 'shop', name: 'web', port: 8080, subnet: 1, pods: 2, clusterIndex: 2 });
const api = deployment({ cluster: 'prod', namespace: 'shop', name: 'api', port: 9000, subnet: 2, clusterIndex: 2 });
const ledger = deployment({ cluster: 'finance', namespace: 'payments', name: 'ledger', port: 8443, subnet: 1, clusterIndex: 3 });
const lb = loadBalancer('prod', 'shop', 'web', 8080);
const ledgerPolicy = ingressPolicy('finance', 'payments', 'ledger', [fromCidr('10.0.0.0/8', 8443)]);
const LEDGER = 'wl:finance/payments/Deployment/ledger';
const WEB = 'wl:prod/shop/Deployment/web';
const API = 'wl:prod/shop/Deployment/api';

const traffic = [
  ...observed('ext:81.2.69.142', web.pods[0], 8080, 5),
  ...observed(web.pods[0], api.pods[0], 9000, 3),
  ...observed(api.pods[0], ledger.pods[0], 8443, 2),
];

function run(inventory: Inventory, edges = traffic, crownJewels = ['name=ledger']): RiskResult {
  return analyzeRisk({ inventory, edges }, { crownJewels });
}

/** Applies a cut's manifests (read back through the normalizer) and re-asks the engine. */
function applyCut(inventory: Inventory, result: RiskResult, pathIndex: number): Inventory {
  const path = result.paths[pathIndex];
  const policies: NetworkPolicyInfo[] = [...inventory.networkPolicies];
  for (const c of path.cut.changes) {
    const [cluster] = c.policy.split('/');
    const np = readManifest(cluster, c.manifest);
    const at = policies.findIndex((p) => p.cluster === cluster && p.namespace === np.namespace && p.name === np.name);
    if (at >= 0) policies[at] = np;
    else policies.push(np);
  }
  return { ...inventory, networkPolicies: policies };
}

describe('risk scores', () => {
  const inventory = estateOf({
    workloads: [web, api, ledger], services: [lb], policies: [ledgerPolicy],
    reports: [vulnerabilityReport('prod', 'shop', 'web-5d8c7b9f4', [criticalFixable])],
  });
  const result = run(inventory);

  it('ranks the internet-exposed workload with a fixable critical vulnerability first', () => {
    expect(result.workloads[0].workload).toBe(WEB);
    expect(result.workloads[0].internetExposed).toBe(true);
    expect(result.workloads[0].vulnerabilities).toMatchObject({ critical: 1, fixable: 1 });
  });

  it('makes every score the rounded sum of its parts, each within its maximum', () => {
    for (const w of result.workloads) {
      const sum = SCORE_PARTS.reduce((a, p) => a + w.parts[p].points, 0);
      expect(w.score).toBe(Math.min(100, Math.round(sum)));
      for (const p of SCORE_PARTS) expect(w.parts[p].points).toBeLessThanOrEqual(w.parts[p].max);
    }
  });

  it('counts a vulnerability 1.5 times when the workload is internet-exposed', () => {
    const hidden = run(estateOf({ workloads: [web, api, ledger], policies: [ledgerPolicy], reports: [vulnerabilityReport('prod', 'shop', 'web-5d8c7b9f4', [criticalFixable])] }), traffic.slice(2));
    const exposedPoints = result.workloads.find((w) => w.workload === WEB)!.parts.vulnerability.points;
    const hiddenPoints = hidden.workloads.find((w) => w.workload === WEB)!.parts.vulnerability.points;
    expect(exposedPoints).toBe(hiddenPoints * 1.5);
  });

  it('does not call a LoadBalancer workload internet-exposed when its policies deny public addresses', () => {
    const closed = ingressPolicy('prod', 'shop', 'web', [fromCidr('10.0.0.0/8', 8080)]);
    const r = run(estateOf({ workloads: [web, api, ledger], services: [lb], policies: [ledgerPolicy, closed] }), traffic.slice(2));
    expect(r.workloads.find((w) => w.workload === WEB)!.internetExposed).toBe(false);
  });

  it('marks a workload labelled netatlas.io/crown-jewel=true as a crown jewel without a selector', () => {
    const marked = { ...ledger, workload: { ...ledger.workload, labels: { 'netatlas.io/crown-jewel': 'true' } } };
    const r = analyzeRisk({ inventory: estateOf({ workloads: [web, api, marked], services: [lb], policies: [ledgerPolicy] }), edges: traffic });
    expect(r.crownJewels).toEqual([LEDGER]);
  });

  it('says so when no crown jewel is declared', () => {
    const r = analyzeRisk({ inventory: estateOf({ workloads: [web, api, ledger] }), edges: traffic });
    expect(r.problems).toEqual([expect.stringMatching(/no crown jewel/)]);
    expect(r.paths).toEqual([]);
  });
});

describe('attack paths and their cuts', () => {
  const inventory = estateOf({ workloads: [web, api, ledger], services: [lb], policies: [ledgerPolicy] });
  const result = run(inventory);

  it('finds the path from the internet to the ledger across clusters, each hop observed or merely allowed', () => {
    const direct = result.paths.find((p) => p.hops.length === 2)!;
    expect(direct.hops.map((h) => [h.from, h.to, h.observed])).toEqual([['internet', WEB, true], [WEB, LEDGER, false]]);
    expect(direct.crossesClusters).toBe(true);
    expect(direct.hops[1].allowed).toBe('TCP 8443');
  });

  it('does not offer a cut across clusters when only pod IPs could exclude the caller, and says why', () => {
    const direct = result.paths.find((p) => p.hops.length === 2)!;
    expect(direct.cut.status).toBe('impossible');
    expect(direct.cut.reasons).toContainEqual(expect.stringMatching(/ledger-in ingress\[0\]: .*web's pods are seen as addresses .*no pod CIDR is known for cluster prod .*pod IPs are not offered/));
  });

  // prod's pod range is known and only web -> api is observed inside prod: excepting prod's range from the ledger's ipBlock breaks nothing.
  const ranged = estateOf({ workloads: [web, api, ledger], services: [lb], policies: [ledgerPolicy], podCidrs: { prod: ['10.2.0.0/16'], finance: ['10.3.0.0/16'] } });
  const webTraffic = traffic.slice(0, 4);

  it('cuts the never-observed hop across clusters by excepting the caller cluster\'s pod CIDR from the ledger ipBlock, never a pod IP', () => {
    const r = run(ranged, webTraffic);
    const i = r.paths.findIndex((p) => p.hops.length === 2);
    const cut = r.paths[i].cut;
    expect(cut.status).toBe('cut');
    expect(cut.changes.map((c) => [c.policy, c.action, c.rules])).toEqual([['finance/payments/NetworkPolicy/ledger-in', 'modify', ['ingress[0]']]]);
    expect((cut.changes[0].manifest.spec as { ingress: unknown[] }).ingress).toEqual([
      { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    expect(cut.proof).toMatchObject({ hopDenied: true, observedBroken: [] });
    const after = createEngine(applyCut(ranged, r, i));
    for (const w of web.pods) expect(after.allowedInDirection({ kind: 'ip', ip: w.ips[0] }, { kind: 'pod', pod: ledger.pods[0] }, 'ingress').isEmpty()).toBe(true);
    expect(after.allowedInDirection({ kind: 'ip', ip: '10.9.0.1' }, { kind: 'pod', pod: ledger.pods[0] }, 'ingress').contains('TCP', 8443)).toBe(true);
  });

  it('refuses the cluster-wide except when another pod of that cluster is observed calling, naming the flow', () => {
    const r = run(ranged);
    const direct = r.paths.find((p) => p.hops.length === 2)!;
    expect(direct.cut.status).toBe('impossible');
    expect(direct.cut.reasons).toContainEqual(expect.stringMatching(/ledger-in would break .*api.* -> .*ledger.* TCP\/8443/));
  });

  it('counts an observed flow with no address to evaluate as unchecked in the proof, never as kept', () => {
    const r = run(ranged, [...webTraffic, ...observed('reserved:prod/unmanaged', api.pods[0], 9000)]);
    const proof = r.paths.find((p) => p.cut.status === 'cut')!.cut.proof!;
    expect(proof.observedUnchecked).toBe(1);
    expect(proof.uncheckedExamples).toEqual([`reserved:prod/unmanaged -> pod:prod/shop/${api.pods[0].name} TCP/9000`]);
    expect(proof.observedChecked).toBe(2);
  });

  it('declares a path whose every hop is observed impossible to cut, naming the observed flows', () => {
    const chain = result.paths.find((p) => p.hops.map((h) => h.to).join() === [WEB, API, LEDGER].join())!;
    expect(chain.cut.status).toBe('impossible');
    expect(chain.cut.reasons).toEqual([
      expect.stringMatching(/^hop 1 internet -> .*web is observed \(TCP\/8080: 5 connection/),
      expect.stringMatching(/^hop 2 .*web -> .*api is observed \(TCP\/9000: 3 connection/),
      expect.stringMatching(/^hop 3 .*api -> .*ledger is observed \(TCP\/8443: 2 connection/),
    ]);
  });

  it('isolates an unprotected target with a new policy that allows exactly its observed callers', () => {
    const sameCluster = deployment({ cluster: 'prod', namespace: 'db', name: 'vault', port: 8200, subnet: 3, clusterIndex: 2 });
    const inv = estateOf({ workloads: [web, api, ledger, sameCluster], services: [lb], policies: [egressPolicy('prod', 'shop', 'api', [fromEveryone()])] });
    const edges = [...traffic, ...observed(api.pods[0], sameCluster.pods[0], 8200)];
    const r = run(inv, edges, ['name=vault']);
    const direct = r.paths.find((p) => p.hops.length === 2)!;
    expect(direct.cut.status).toBe('cut');
    expect(direct.cut.changes).toEqual([expect.objectContaining({ action: 'add', policy: 'prod/db/NetworkPolicy/netatlas-cut-vault' })]);
    const after = createEngine(applyCut(inv, r, r.paths.indexOf(direct)));
    expect(after.allowedConnections({ kind: 'pod', pod: web.pods[0] }, { kind: 'pod', pod: sameCluster.pods[0] }).isEmpty()).toBe(true);
    expect(after.allowedConnections({ kind: 'pod', pod: api.pods[0] }, { kind: 'pod', pod: sameCluster.pods[0] }).contains('TCP', 8200)).toBe(true);
  });

  it('excludes a same-cluster caller from a selector rule with a NotIn on its app label', () => {
    const inv = estateOf({ workloads: [web, api], services: [lb], policies: [ingressPolicy('prod', 'shop', 'api', [{ peers: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 9000 }] }])] });
    const edges = [...observed('ext:81.2.69.142', web.pods[0], 8080)];
    const r = run(inv, edges, ['name=api']);
    const change = r.paths[0].cut.changes[0];
    expect((change.manifest.spec as { ingress: unknown[] }).ingress).toEqual([{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } }], ports: [{ protocol: 'TCP', port: 9000 }] }]);
  });

  it('excludes a same-cluster caller from an ipBlock that matches pods by the cluster pod CIDR and gives the other pods back by selector', () => {
    const inv = estateOf({
      workloads: [web, api], services: [lb], policies: [ingressPolicy('prod', 'shop', 'api', [fromCidr('10.0.0.0/8', 9000)])], podCidrs: { prod: ['10.2.0.0/16'] },
    });
    const r = analyzeRisk({ inventory: inv, edges: observed('ext:81.2.69.142', web.pods[0], 8080) }, { crownJewels: ['name=api'], engine: { ipBlockMatchesPods: true } });
    expect(r.paths[0].cut.status).toBe('cut');
    expect((r.paths[0].cut.changes[0].manifest.spec as { ingress: unknown[] }).ingress).toEqual([{
      from: [
        { ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/16'] } },
        { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['shop'] }] } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } },
      ],
      ports: [{ protocol: 'TCP', port: 9000 }],
    }]);
  });

  it('does not offer an ipBlock change that matches pods when the cluster pod CIDR is unknown', () => {
    const inv = estateOf({ workloads: [web, api], services: [lb], policies: [ingressPolicy('prod', 'shop', 'api', [fromCidr('10.0.0.0/8', 9000)])] });
    const r = analyzeRisk({ inventory: inv, edges: observed('ext:81.2.69.142', web.pods[0], 8080) }, { crownJewels: ['name=api'], engine: { ipBlockMatchesPods: true } });
    expect(r.paths[0].cut.status).toBe('impossible');
    expect(r.paths[0].cut.reasons).toEqual([expect.stringMatching(/hop 1 internet/), expect.stringMatching(/ingress side not offered: .*api-in ingress\[0\]: .*no pod CIDR is known for cluster prod/)]);
  });

  it('starts paths at the --entries workloads instead of the internet when given', () => {
    const r = analyzeRisk({ inventory, edges: traffic }, { crownJewels: ['name=ledger'], entries: ['name=api'] });
    expect(r.entries).toEqual([API]);
    expect(r.paths[0].hops[0].from).toBe(API);
  });

  it('fails CI gates by score, path, uncut path and exposed critical', () => {
    expect(riskFailures(result, ['path', 'uncut'])).toHaveLength(2);
    expect(riskFailures(result, ['score>=100'])).toEqual([]);
    expect(() => riskFailures(result, ['severe'])).toThrow(/unknown "severe"/);
  });
});

describe('workload selectors', () => {
  const w = { cluster: 'finance', namespace: 'payments', kind: 'Deployment', name: 'ledger', labels: { app: 'ledger', tier: 'backend' } };
  it.each([
    ['cluster=finance', true],
    ['namespace=payments,app=ledger', true],
    ['app!=ledger', false],
    ['tier', true],
    ['team', false],
    ['cluster=prod', false],
  ])('%s matches: %s', (text, expected) => {
    expect(parseWorkloadSelector(text)(w)).toBe(expected);
  });

  it('rejects a term it cannot read, naming the flag and showing an example', () => {
    expect(() => parseWorkloadSelector('app in (a,b)')).toThrow(/--crown-jewels .* expected key=value/);
  });
});
