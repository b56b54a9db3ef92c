/**
 * `netatlas diff` and `netatlas diff-policies` end to end: the demo files, the generator's
 * output as --policies, Online Boutique's upstream policies, and bad input (exit 2).
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlowEdge } from '../../../generator/model/index.ts';
import { serviceKey, workloadKey } from '../../../generator/model/index.ts';
import { synthesizePolicies } from '../../../generator/synthesis/index.ts';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';
import { policiesToYaml } from '../../../server/synthesis.ts';
import { runCli } from './run-cli.ts';

const demo = fileURLToPath(new URL('../../../samples/demo', import.meta.url));
const ob = fileURLToPath(new URL('../../../../shared/data/online-boutique/', import.meta.url));
const prod = (n: string): string => workloadKey('prod', 'boutique', 'Deployment', n);

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const netatlas = (...args: string[]) => runCli(...args);

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'netatlas-diff-'));

describe('netatlas diff on the demo', () => {
  it('reports the planted edges and findings as JSON and exits 1 when --fail-on matches', async () => {
    const r = await netatlas('diff', '-o', 'json', '--fail-on', 'would-break,high');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--fail-on matched: would-break: \d+ edge\(s\); high: \d+ finding/);
    const report = JSON.parse(r.stdout);
    const denied = report.diff.observed.filter((x: { class: string }) => x.class === 'would-break' || x.class === 'blocked').map((x: { edge: string }) => x.edge).sort();
    // The four edges the prod policies deny (three planted drops and the would-break one).
    expect(denied).toEqual([
      `${prod('adservice')}->${prod('redis-cart')}|TCP|6379`,
      `${prod('frontend')}->${prod('emailservice')}|TCP|8080`,
      `${prod('loadgenerator')}->${prod('checkoutservice')}|TCP|5050`,
      `${prod('recommendationservice')}->${prod('cartservice')}|TCP|7070`,
    ]);
    // Built from the flow files: the planted drops are DROPPED (the destination node's report wins), so blocked.
    const classOf = (edge: string): string | undefined => report.diff.observed.find((x: { edge: string }) => x.edge === edge)?.class;
    expect(classOf(`${prod('recommendationservice')}->${prod('cartservice')}|TCP|7070`)).toBe('would-break');
    for (const edge of denied.slice(0, 3)) expect(classOf(edge)).toBe('blocked');
    expect(report.diff.counts).toMatchObject({ 'would-break': 1, blocked: 3, 'unexplained-drop': 0 });
    const high = report.risk.findings.filter((f: { severity: string }) => f.severity === 'high').map((f: { kind: string; subject: string }) => `${f.kind} ${f.subject}`);
    expect(high).toEqual(expect.arrayContaining([
      `world-exposed ${prod('frontend')}`, 'unprotected ns:dev/boutique', 'cross-environment wl:dev/boutique/Pod/debug-shell',
    ]));
    const unprotected = report.risk.findings.find((f: { id: string }) => f.id === 'unprotected:ns:dev/boutique');
    expect(unprotected.remediation).toMatch(/kind: NetworkPolicy[\s\S]*namespace: boutique/);
  });

  it('with the generator output as --policies breaks nothing and shows how much the surface shrinks', async () => {
    const dir = tmp();
    // The cross-environment flow (dev debug-shell -> finance ledger) would be left out and so denied: allow it here.
    const g = await netatlas('generate', '--allow-cross-environment', '--all-workloads', '--include-system', '-o', dir);
    expect(g.status).toBe(0);
    const r = await netatlas('diff', '--policies', dir, '-o', 'md', '--fail-on', 'would-break', '--no-remediation');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| would-break | 0 |');
    expect(r.stdout).toMatch(/compared with the snapshot's own policies: [\d,]+ -> [\d,]+ pairs \(-[\d,]+\), [\d,]+ -> [\d,]+ ports \(-[\d,]+, [\d.]+% smaller\)/);
  });
});

describe('netatlas diff --staged: Calico staged policies as a what-if', () => {
  /**
   * The demo's prod cluster plus a StagedNetworkPolicy denying every ingress to the frontend at
   * order 10 (before the NetworkPolicies, which Calico runs at order 1000).
   */
  function withStagedDeny(): string {
    const dir = tmp();
    mkdirSync(path.join(dir, 'prod'));
    writeFileSync(path.join(dir, 'prod', 'inventory.json'), readFileSync(path.join(demo, 'prod', 'inventory.json')));
    writeFileSync(path.join(dir, 'prod', 'staged.yaml'), [
      'apiVersion: projectcalico.org/v3', 'kind: StagedNetworkPolicy', 'metadata: {name: lock-frontend, namespace: boutique}',
      'spec:', "  selector: app == 'frontend'", '  order: 10', '  types: [Ingress]', '  ingress:', '  - action: Deny', '',
    ].join('\n'));
    return dir;
  }
  const wouldBreak = (stdout: string): string[] =>
    JSON.parse(stdout).diff.observed.filter((x: { class: string }) => x.class === 'would-break').map((x: { edge: string }) => x.edge);

  it('without --staged the staged policy is not enforced', async () => {
    const r = await netatlas('diff', '-o', 'json', '--no-remediation', '--inventory', withStagedDeny(), '--flows', path.join(demo, 'prod', 'flows.jsonl'));
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const intoFrontend = report.diff.observed.filter((x: { edge: string }) => x.edge.includes(`->${prod('frontend')}|`));
    expect(intoFrontend.length).toBeGreaterThan(0);
    expect(intoFrontend.filter((x: { class: string }) => x.class !== 'allowed')).toEqual([]);
  });

  it('with --staged the observed traffic into the frontend would break, and the report says what was compared', async () => {
    const r = await netatlas('diff', '-o', 'json', '--no-remediation', '--staged', '--inventory', withStagedDeny(), '--flows', path.join(demo, 'prod', 'flows.jsonl'));
    expect(r.status).toBe(0);
    const broken = wouldBreak(r.stdout).filter((e) => e.includes(`->${prod('frontend')}|`));
    expect(broken).toContain(`${prod('loadgenerator')}->${prod('frontend')}|TCP|8080`);
    expect(JSON.parse(r.stdout).intended).toBe("the snapshot's policies with 1 staged policy enforced (--staged)");
  });
});

describe('netatlas diff --policies with Cilium and Calico kinds', () => {
  /** A --policies folder for the demo's prod cluster holding one file. */
  function policyFolder(file: string, lines: string[], stray = false): string {
    const dir = tmp();
    mkdirSync(path.join(dir, 'prod'));
    writeFileSync(path.join(dir, 'prod', file), lines.join('\n'));
    if (stray) writeFileSync(path.join(dir, 'prod', 'package.json'), '{"name": "policies", "version": "1.0.0"}\n');
    return dir;
  }
  /** Calls into the frontend from workloads and outside addresses (its own node's probes are always allowed). */
  const intoFrontend = (stdout: string): { edge: string; class: string }[] =>
    JSON.parse(stdout).diff.observed.filter((x: { edge: string }) => x.edge.includes(`->${prod('frontend')}|`) && !x.edge.startsWith('host:'));
  const diffWith = (dir: string, ...more: string[]) =>
    netatlas('diff', '-o', 'json', '--no-remediation', '--policies', dir, '--inventory', demo, '--flows', path.join(demo, 'prod', 'flows.jsonl'), ...more);
  const ciliumDeny = [
    'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', 'metadata: {name: lock-frontend, namespace: boutique}',
    'spec:', '  endpointSelector: {matchLabels: {app: frontend}}', '  ingressDeny:', '  - fromEntities: [all]', '',
  ];

  it('a CiliumNetworkPolicy denying ingress to the frontend makes the observed calls into it would-break', async () => {
    const r = await diffWith(policyFolder('cilium.yaml', ciliumDeny));
    expect(r.status).toBe(0);
    const rows = intoFrontend(r.stdout);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((x) => x.class !== 'would-break' && x.class !== 'blocked')).toEqual([]);
  });

  it('a Calico GlobalNetworkPolicy denying ingress to the frontend does the same', async () => {
    const r = await diffWith(policyFolder('calico.yaml', [
      'apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkPolicy', 'metadata: {name: lock-frontend}',
      'spec:', "  selector: app == 'frontend'", '  order: 10', '  types: [Ingress]', '  ingress:', '  - action: Deny', '',
    ]));
    expect(r.status).toBe(0);
    expect(intoFrontend(r.stdout).map((x) => x.class)).not.toContain('allowed');
    expect(wouldBreakOf(r.stdout)).toContain(`${prod('loadgenerator')}->${prod('frontend')}|TCP|8080`);
  });

  it('a toFQDNs peer matches the address the flows saw api.stripe.com resolve to', async () => {
    const r = await diffWith(policyFolder('stripe.yaml', [
      'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', 'metadata: {name: payment-egress, namespace: boutique}',
      'spec:', '  endpointSelector: {matchLabels: {app: paymentservice}}', '  egress:',
      '  - toFQDNs: [{matchName: api.stripe.com}]', '    toPorts: [{ports: [{port: "443", protocol: TCP}]}]', '',
    ]));
    expect(r.status).toBe(0);
    const toStripe = JSON.parse(r.stdout).diff.observed.filter((x: { edge: string }) => x.edge.startsWith(`${prod('paymentservice')}->ext:54.187.216.72|`));
    expect(toStripe.length).toBeGreaterThan(0);
    expect(toStripe.map((x: { class: string }) => x.class)).toEqual(toStripe.map(() => 'allowed'));
    expect(JSON.stringify(toStripe[0].rules)).toContain('payment-egress');
  });

  it('reads a stray non-Kubernetes file in the folder with a warning, and --strict makes it exit 2', async () => {
    const dir = policyFolder('cilium.yaml', ciliumDeny, true);
    const lenient = await diffWith(dir);
    expect(lenient.status).toBe(0);
    const strict = await diffWith(dir, '--strict');
    expect(strict.status).toBe(2);
    expect(strict.stderr).toMatch(/package\.json.*is not a Kubernetes object/);
    expect(strict.stdout).toBe('');
  });

  it('exits 2 and names the policy when a Cilium policy in --policies is invalid', async () => {
    const r = await diffWith(policyFolder('bad.yaml', [
      'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', 'metadata: {name: bad, namespace: boutique}',
      'spec:', '  endpointSelector: {matchLabels: {app: frontend}}', '  ingress:', '  - toPorts: [{ports: [{port: "99999", protocol: TCP}]}]', '',
    ]));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CiliumNetworkPolicy/bad');
    expect(r.stdout).toBe('');
  });
});

const wouldBreakOf = (stdout: string): string[] =>
  JSON.parse(stdout).diff.observed.filter((x: { class: string }) => x.class === 'would-break').map((x: { edge: string }) => x.edge);

describe('netatlas diff with bad input', () => {
  it('exits 2 and names the file when a policy folder holds broken YAML', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'prod'));
    writeFileSync(path.join(dir, 'prod', 'shop.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x\n  spec: [\n');
    const r = await netatlas('diff', '--policies', dir, '--inventory', path.join(demo, 'prod'), '--flows', path.join(demo, 'prod', 'flows.jsonl'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('shop.yaml');
    expect(r.stdout).toBe('');
  });

  it('exits 2 on a flow file of unknown format', async () => {
    const file = path.join(tmp(), 'flows.log');
    writeFileSync(file, 'Nov 27 09:00:01 this is not a flow\n');
    const r = await netatlas('diff', '--inventory', path.join(demo, 'prod'), '--flows', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/flows\.log: unknown flow format \(first line: "Nov 27/);
  });

  it('exits 2 on an unknown --fail-on token', async () => {
    const r = await netatlas('diff', '--fail-on', 'would-brake');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown "would-brake"');
  });
});

describe('netatlas diff-policies', () => {
  it('lists only what the upstream Online Boutique policies allow beyond the generated ones', async () => {
    const manifests = `${ob}release-kubernetes-manifests-v0.10.6.yaml`;
    const inventory = (await loadInventoryPaths([manifests])).inventory;
    const calls = readFileSync(`${ob}online-boutique-edges.txt`, 'utf8').split('\n')
      .map((l) => /^([a-z-]+) -> ([a-z-]+):(\d+) \((\d+)\) TCP/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    const edges: FlowEdge[] = calls.map((m) => ({
      kind: 'flow', source: workloadKey('default', 'default', 'Deployment', m[1]), destination: workloadKey('default', 'default', 'Deployment', m[2]),
      protocol: 'TCP', port: Number(m[4]), count: 1, verdicts: { FORWARDED: 1 }, firstSeen: 0, lastSeen: 0, interCluster: false,
      service: serviceKey('default', 'default', m[2]), servicePort: Number(m[3]),
    }));
    const file = path.join(tmp(), 'generated.yaml');
    writeFileSync(file, policiesToYaml(synthesizePolicies({ inventory, edges }, {}).policies));
    const r = await netatlas('diff-policies', `${ob}upstream-network-policies.yaml`, file, '--inventory', manifests, '--fail-on-looser');
    expect(r.status).toBe(0);
    // frontend-external is a LoadBalancer: the internet reaches frontend on 8080 in both sets (changed, not removed).
    expect(r.stdout).toContain('24 pair(s) differ: 0 added in B, 22 removed in B, 2 changed; A is looser on 24, B on 0');
    expect(r.stdout).toMatch(/changed wl:default\/default\/Deployment\/loadgenerator -> wl:default\/default\/Deployment\/frontend\n\s+A: All Connections\n\s+B: TCP 8080/);
  });

  it('exits 2 when a policy set has no policy in it', async () => {
    const file = path.join(tmp(), 'empty.yaml');
    writeFileSync(file, '# nothing\n');
    const r = await netatlas('diff-policies', file, `${ob}upstream-network-policies.yaml`, '--inventory', `${ob}release-kubernetes-manifests-v0.10.6.yaml`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no policy in');
  });
});
