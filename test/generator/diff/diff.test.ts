/**
 * The diff on the demo estate, driven by its ground truth (samples/lib/truth.ts): exactly the
 * planted findings, nothing else at high severity, and what the generator's output changes.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  diffIntendedActual, diffPolicySets, overlayPolicySet, environmentOf, failOnMatches, formatDiffReport, formatPolicySetDiff, resolveEnvironments,
  riskFindings, scoreOf, type DiffResult, type PolicySet, type RiskResult,
} from '../../../generator/diff/index.ts';
import type { FlowEdge, Inventory, NetworkPolicyInfo } from '../../../generator/model/index.ts';
import { serviceKey, workloadKey } from '../../../generator/model/index.ts';
import { synthesizePolicies } from '../../../generator/synthesis/index.ts';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';
import { OB_DIR, demoInventory, tcpForwarded, truthEdges } from './fixtures.ts';

const wl = (cluster: string, ns: string, name: string, kind = 'Deployment'): string => `wl:${cluster}/${ns}/${kind}/${name}`;
const prod = (name: string): string => wl('prod', 'boutique', name);

let inventory: Inventory;
let edges: FlowEdge[];
let diff: DiffResult;
let risk: RiskResult;

beforeAll(async () => {
  inventory = await demoInventory();
  edges = truthEdges();
  diff = diffIntendedActual({ inventory, edges });
  risk = riskFindings({ inventory, edges, diff });
});

describe('diffIntendedActual on the demo', () => {
  it('classifies exactly the planted DROPPED flows as blocked', () => {
    const blocked = diff.observed.filter((r) => r.class === 'blocked').map((r) => r.edge);
    expect(blocked).toEqual([
      `${prod('adservice')}->${prod('redis-cart')}|TCP|6379`,
      `${prod('frontend')}->${prod('emailservice')}|TCP|8080`,
      `${prod('loadgenerator')}->${prod('checkoutservice')}|TCP|5050`,
    ]);
  });

  it('finds the single would-break edge, denied at the destination by the cartservice policy', () => {
    const wb = diff.observed.filter((r) => r.class === 'would-break');
    expect(wb.map((r) => r.edge)).toEqual([`${prod('recommendationservice')}->${prod('cartservice')}|TCP|7070`]);
    expect(wb[0].deniedBy).toBe('ingress');
    expect(wb[0].explanation.join('\n')).toMatch(/isolated for ingress by .*prod\/boutique\/NetworkPolicy\/cartservice/);
  });

  it('allows every other observed edge and leaves none unevaluated', () => {
    expect(diff.counts).toEqual({ 'would-break': 1, 'unexplained-drop': 0, blocked: 3, allowed: edges.length - 4, unevaluated: 0 });
  });

  it('evaluates a mesh connection with each side seeing the other as an address', () => {
    const row = diff.observed.find((r) => r.source === wl('dev', 'boutique', 'debug-shell', 'Pod') && r.destination === wl('finance', 'payments', 'ledger'))!;
    expect(row.class).toBe('allowed');
    expect(row.rules).toContain('finance/payments/NetworkPolicy/ledger ingress[0]');
    expect(row.explanation[0]).toMatch(/ALLOWED \(across clusters/);
  });

  it('evaluates node traffic against the destination pod on that node, which policy always admits', () => {
    const probes = diff.observed.filter((r) => r.source.startsWith('host:prod/'));
    expect(probes.length).toBeGreaterThan(10);
    expect(probes.every((r) => r.class === 'allowed' && r.explanation.some((l) => /own node/.test(l)))).toBe(true);
  });

  it('sizes the unused surface in pairs and ports, largest first', () => {
    expect(diff.surface.pairs).toBe(diff.unused.length);
    expect(diff.surface.ports).toBe(diff.unused.reduce((n, u) => n + u.ports, 0));
    for (let i = 1; i < diff.unused.length; i++) expect(diff.unused[i - 1].ports).toBeGreaterThanOrEqual(diff.unused[i].ports);
    // prod frontend is open to everyone on every port, but only 8080 from loadgenerator was seen.
    const lg = diff.unused.find((u) => u.source === prod('loadgenerator') && u.destination === prod('frontend'))!;
    expect(lg.unused).toBe('SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535');
    expect(lg.explanation[0]).toMatch(/is ALLOWED/);
  });

  it('lists the allow rules observed traffic used', () => {
    expect(diff.usedRules).toContain('prod/boutique/NetworkPolicy/cartservice ingress[0]');
    expect(diff.usedRules).toContain('prod/boutique/NetworkPolicy/allow-dns egress[0]');
  });
});

describe('riskFindings on the demo', () => {
  it('reports exactly the planted findings at high severity', () => {
    expect(risk.findings.filter((f) => f.severity === 'high').map((f) => f.id)).toEqual([
      `would-break:${prod('cartservice')}#${prod('recommendationservice')}>${prod('cartservice')}|TCP|7070`,
      `observed-drop:${prod('adservice')}#${prod('redis-cart')}|TCP|6379`,
      `observed-drop:${prod('frontend')}#${prod('emailservice')}|TCP|8080`,
      `observed-drop:${prod('loadgenerator')}#${prod('checkoutservice')}|TCP|5050`,
      `cross-environment:${wl('dev', 'boutique', 'debug-shell', 'Pod')}#${wl('finance', 'payments', 'ledger')}|TCP|8443`,
      `world-exposed:${prod('frontend')}`,
      'unprotected:ns:dev/boutique',
    ]);
  });

  it('reports the legitimate facts of the estate at medium severity, and no false alarm', () => {
    expect(risk.findings.filter((f) => f.severity === 'medium').map((f) => f.id)).toEqual([
      `inter-cluster-sensitive:${wl('finance', 'payments', 'ledger')}#${prod('paymentservice')}>${wl('finance', 'payments', 'ledger')}|TCP|8443`,
      'unprotected:ns:dev/kube-system',
      'unprotected:ns:dev/monitoring',
      'unprotected:ns:finance/kube-system',
      'unprotected:ns:finance/monitoring',
      'unprotected:ns:prod/kube-system',
      'unprotected:ns:prod/monitoring',
      'allow-all:ns:finance/payments#finance/payments/NetworkPolicy/ledger',
      'allow-all:ns:prod/boutique#prod/boutique/NetworkPolicy/frontend',
    ]);
    expect(risk.findings.some((f) => f.kind === 'world-exposed' && f.subject !== prod('frontend'))).toBe(false);
  });

  it('names the LoadBalancer and the observed internet clients as evidence of exposure', () => {
    const f = risk.findings.find((x) => x.kind === 'world-exposed')!;
    expect(f.evidence.join('\n')).toContain('frontend-external type LoadBalancer (34.77.120.15)');
    expect(f.evidence.filter((e) => e.startsWith('observed from the internet'))).toHaveLength(5);
  });

  it('attaches the remediation the lookup returns for the subject', () => {
    const r = riskFindings({ inventory, edges, diff, remediation: (k) => (k === 'ns:dev/boutique' ? 'kind: NetworkPolicy\n' : undefined) });
    expect(r.findings.find((f) => f.id === 'unprotected:ns:dev/boutique')!.remediation).toBe('kind: NetworkPolicy\n');
    expect(r.findings.find((f) => f.kind === 'world-exposed')!.remediation).toBeUndefined();
  });

  it('scores every component, the unprotected namespace above the clean ones', () => {
    const score = (k: string): number => risk.scores.find((s) => s.key === k)!.score;
    expect(score('ns:dev/boutique')).toBeGreaterThanOrEqual(40);
    expect(score('cluster:prod')).toBeGreaterThan(score('ns:prod/kube-system'));
    expect(score('ns:dev/default')).toBe(0);
    expect(risk.scores.find((s) => s.key === 'ns:dev/boutique')!.worst).toBe('high');
    // A pod carries its workload's findings.
    const frontendPod = risk.scores.find((s) => s.key.startsWith('pod:prod/boutique/frontend-'))!;
    expect(frontendPod.score).toBe(score(prod('frontend')));
  });
});

describe('findings on variations of the demo', () => {
  it('calls a drop the intended policies allow an unexplained drop', () => {
    const e: FlowEdge = { ...tcpForwarded, verdicts: { DROPPED: 1 }, dropReasons: { POLICY_DENIED: 1 } };
    const d = diffIntendedActual({ inventory, edges: [e] });
    expect(d.observed[0].class).toBe('unexplained-drop');
    const r = riskFindings({ inventory, edges: [e], diff: d });
    expect(r.findings.filter((f) => f.severity === 'high').map((f) => f.kind)).toContain('unexplained-drop');
  });

  it('leaves unevaluated what has no address or no port', () => {
    const d = diffIntendedActual({
      inventory, edges: [{ ...tcpForwarded, source: 'reserved:prod/world' }, { ...tcpForwarded, protocol: 'ICMPv4', port: undefined }],
    });
    expect(d.observed.map((r) => r.class)).toEqual(['unevaluated', 'unevaluated']);
    expect(d.observed.map((r) => r.explanation[0]).join('\n')).toMatch(/reserved identity with no address[\s\S]*ICMPv4 without a port/);
  });

  it('reports a workload no policy isolates and the namespace without a default deny', () => {
    const intended: PolicySet = {
      // allow-monitoring selects every pod for ingress too: without it and deny-all, nothing isolates redis-cart.
      networkPolicies: inventory.networkPolicies.filter((p) => !(p.cluster === 'prod' && ['deny-all', 'redis-cart', 'allow-monitoring'].includes(p.name))),
    };
    const r = riskFindings({ inventory, edges, intended });
    const ids = r.findings.map((f) => `${f.severity} ${f.id}`);
    expect(ids).toContain(`medium unprotected:${prod('redis-cart')}`);
    expect(ids).toContain('medium no-default-deny:ns:prod/boutique');
  });

  it('reports an allow rule no observed flow used', () => {
    const extra: NetworkPolicyInfo = {
      kind: 'NetworkPolicy', cluster: 'prod', namespace: 'boutique', name: 'extra', podSelector: { matchLabels: { app: 'paymentservice' } },
      ingress: [{ peers: [{ podSelector: { matchLabels: { app: 'adservice' } } }], ports: [{ protocol: 'TCP', port: 9999 }] }],
    };
    const r = riskFindings({ inventory, edges, intended: { networkPolicies: [...inventory.networkPolicies, extra] } });
    const f = r.findings.find((x) => x.kind === 'unused-rule')!;
    expect(f.id).toBe('unused-rule:ns:prod/boutique#prod/boutique/NetworkPolicy/extra ingress[0]');
    expect(f.related).toEqual([prod('paymentservice')]);
  });

  it('finds what an exposed ingress controller can reach through permissive policies', () => {
    const fe = inventory.pods.find((p) => p.cluster === 'prod' && p.name.startsWith('frontend-'))!;
    const controller = { ...fe, namespace: 'ingress-nginx', name: 'ingress-nginx-controller-0', owner: undefined, labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ips: ['10.2.0.250'] };
    const lb = { ...inventory.services.find((s) => s.name === 'frontend-external')!, namespace: 'ingress-nginx', name: 'ingress-nginx', selector: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    const inv = { ...inventory, pods: [...inventory.pods, controller], services: [...inventory.services, lb] };
    const r = riskFindings({ inventory: inv, edges });
    const via = r.findings.filter((f) => f.id.endsWith('#via wl:prod/ingress-nginx/Pod/ingress-nginx-controller-0'));
    // prod boutique denies all ingress but frontend's; kube-system and monitoring have no policy.
    expect(via.map((f) => f.subject)).toEqual([prod('frontend'), wl('prod', 'kube-system', 'coredns'), wl('prod', 'monitoring', 'prometheus', 'StatefulSet')]);
    expect(via.every((f) => f.severity === 'medium')).toBe(true);
    expect(r.findings.find((f) => f.subject === 'wl:prod/ingress-nginx/Pod/ingress-nginx-controller-0')!.severity).toBe('high');
  });

  it('flags hostNetwork and privileged pods', () => {
    const pod = inventory.pods.find((p) => p.cluster === 'dev' && p.name.startsWith('fluent-bit'))!;
    const inv = { ...inventory, pods: inventory.pods.map((p) => (p === pod ? { ...p, hostNetwork: true, privileged: true } : p)) };
    const r = riskFindings({ inventory: inv, edges: [] });
    const kinds = r.findings.filter((f) => f.subject === `pod:dev/monitoring/${pod.name}`).map((f) => f.kind);
    expect(kinds).toEqual(['host-network', 'privileged']);
  });
});

describe('the generator output as the intended policies', () => {
  it('breaks nothing observed but the flagged cross-environment flow, shrinks the unused surface, and the report says by how much', () => {
    // Every workload covered (by default unobserved ones and system namespaces are left open); the exposed rule
    // admits the whole internet on frontend's port by design and would dominate an address count.
    const generated = synthesizePolicies({ inventory, edges }, { unobserved: true, includeSystem: true, withoutBaseline: ['exposed'] }).networkPolicies;
    const d = diffIntendedActual({ inventory, edges, intended: { networkPolicies: generated } }, { baseline: inventory });
    // The one flow it denies is the cross-environment one the generator leaves out on purpose.
    expect(d.observed.filter((r) => r.class === 'would-break').map((r) => r.edge)).toEqual(['wl:dev/boutique/Pod/debug-shell->wl:finance/payments/Deployment/ledger|TCP|8443']);
    expect(d.counts.blocked).toBe(3);
    const c = d.surfaceChange!;
    expect(c.before).toEqual(diff.surface);
    expect(c.after.ports).toBeLessThan(c.before.ports / 1000);
    expect(c.portsRemoved).toBe(c.before.ports - c.after.ports);
    const txt = formatDiffReport({ intended: 'generated', diff: d, risk: riskFindings({ inventory, edges, intended: { networkPolicies: generated }, diff: d }) }, 'txt');
    expect(txt).toContain(`compared with the snapshot's own policies: ${c.before.pairs.toLocaleString('en-US')} -> ${c.after.pairs.toLocaleString('en-US')} pairs`);
  });
});

describe('overlayPolicySet', () => {
  it('replaces the policies of the namespaces the proposal covers and keeps the others', () => {
    const proposal: NetworkPolicyInfo = { kind: 'NetworkPolicy', cluster: 'prod', namespace: 'boutique', name: 'only', podSelector: {} };
    const set = overlayPolicySet(inventory, { networkPolicies: [proposal] });
    const names = set.networkPolicies.map((p) => `${p.cluster}/${p.namespace}/${p.name}`);
    expect(names.filter((n) => n.startsWith('prod/boutique/'))).toEqual(['prod/boutique/only']);
    expect(names).toContain('finance/payments/ledger');
    expect(set.networkPolicies).toHaveLength(inventory.networkPolicies.filter((p) => p.cluster !== 'prod').length + 1);
  });
});

describe('ordering', () => {
  it('gives the same report whatever the order of the observed edges', () => {
    const shuffled = [...edges].reverse();
    const again = diffIntendedActual({ inventory, edges: shuffled });
    expect(JSON.stringify(again)).toBe(JSON.stringify(diff));
    expect(JSON.stringify(riskFindings({ inventory, edges: shuffled, diff: again }))).toBe(JSON.stringify(risk));
  });
});

describe('environments', () => {
  const env = resolveEnvironments();
  it('takes the namespace label before the cluster name', () => {
    expect(environmentOf(env, { name: 'prod' }, { name: 'shop', labels: { env: 'staging' } })).toEqual({ tier: 'lower', via: 'label env=staging on namespace shop' });
    expect(environmentOf(env, { name: 'prod-4' }, { name: 'shop' })).toEqual({ tier: 'sensitive', via: 'cluster prod-4' });
    expect(environmentOf(env, { name: 'edge' }, { name: 'shop' })).toEqual({});
  });
});

describe('scores', () => {
  it('combine severities so that they saturate below 100', () => {
    expect(scoreOf([])).toBe(0);
    expect(scoreOf(['high'])).toBe(40);
    expect(scoreOf(['high', 'high'])).toBe(64);
    expect(scoreOf(['medium', 'low'])).toBe(19);
    expect(scoreOf(Array(20).fill('high'))).toBeLessThanOrEqual(100);
  });
});

describe('report formats', () => {
  it('writes SARIF 2.1.0 with a rule for every result and a location on each', () => {
    const sarif = JSON.parse(formatDiffReport({ intended: 'x', diff, risk }, 'sarif'));
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(run.results).toHaveLength(risk.findings.length);
    for (const r of run.results) {
      expect(ids).toContain(r.ruleId);
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
      expect(['error', 'warning', 'note', 'none']).toContain(r.level);
      expect(r.message.text.length).toBeGreaterThan(0);
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName.length).toBeGreaterThan(0);
    }
    expect(run.results.filter((r: { level: string }) => r.level === 'error')).toHaveLength(7);
  });

  it('writes markdown tables for pull-request comments', () => {
    const md = formatDiffReport({ intended: 'x', diff, risk }, 'md');
    expect(md).toContain('| would-break | 1 |');
    expect(md).toContain('### Would break');
    expect(md).toMatch(/\| high \| world-exposed \| `wl:prod\/boutique\/Deployment\/frontend` \|/);
  });

  it('matches --fail-on by edge class, finding kind and severity', () => {
    const report = { intended: 'x', diff, risk };
    expect(failOnMatches(report, ['would-break'])).toEqual(['would-break: 1 edge(s)']);
    expect(failOnMatches(report, ['privileged', 'unexplained-drop'])).toEqual([]);
    expect(failOnMatches(report, ['high'])).toEqual(['high: 7 finding(s) of severity high or worse']);
  });
});

describe('diffPolicySets on Online Boutique', () => {
  it('lists exactly the looser parts of the upstream policies against the generated ones', async () => {
    const manifests = (await loadInventoryPaths([`${OB_DIR}release-kubernetes-manifests-v0.10.6.yaml`])).inventory;
    const upstream = (await loadInventoryPaths([`${OB_DIR}upstream-network-policies.yaml`])).inventory;
    const calls = readFileSync(`${OB_DIR}online-boutique-edges.txt`, 'utf8').split('\n')
      .map((l) => /^([a-z-]+) -> ([a-z-]+):(\d+) \((\d+)\) TCP/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    const observed: FlowEdge[] = calls.map((m) => ({
      ...tcpForwarded, source: workloadKey('default', 'default', 'Deployment', m[1]), destination: workloadKey('default', 'default', 'Deployment', m[2]),
      port: Number(m[4]), service: serviceKey('default', 'default', m[2]), servicePort: Number(m[3]),
    }));
    const generated = synthesizePolicies({ inventory: manifests, edges: observed }, {}).networkPolicies;
    const d = diffPolicySets(manifests, upstream, { networkPolicies: generated });

    const ob = (n: string): string => workloadKey('default', 'default', 'Deployment', n);
    const names = manifests.pods.map((p) => p.labels.app).sort();
    const everything = '0.0.0.0-255.255.255.255';
    const expected = [
      // frontend's `ingress: [{}]`: every workload and address reaches it on every port (loadgenerator needs 8080 only).
      ...names.filter((n) => n !== 'frontend').map((n) => `${ob(n)} -> ${ob('frontend')} : ${n === 'loadgenerator' ? 'SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535' : 'All Connections'}`),
      // frontend-external is a LoadBalancer: the generated set admits every address on its target port 8080 only.
      `${everything} -> ${ob('frontend')} : SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535`,
      // `egress: [{}]` on every service: every workload reaches every address.
      ...names.map((n) => `${ob(n)} -> ${everything} : All Connections`),
    ].sort();
    expect(d.pairs.map((p) => `${p.source} -> ${p.destination} : ${p.removed}`).sort()).toEqual(expected);
    expect(d.looserInB).toBe(0);
    expect(formatPolicySetDiff(d, 'txt', { a: 'upstream', b: 'generated' })).toContain(`${d.pairs.length} pair(s) differ: 0 added in B`);
  });
});
