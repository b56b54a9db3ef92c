/**
 * `netatlas risk` end to end on the demo: ranking, the path from the internet to the finance
 * ledger and its cut (re-proved here from the printed YAML), formats, gates and bad input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NetworkPolicyInfo } from '../../../generator/model/index.ts';
import { createEngine } from '../../../generator/semantics/index.ts';
import { loadInventoryPaths, normalizeObject } from '../../../server/inventory/index.ts';
import { runCli } from './run-cli.ts';
import { prometheusIngressInventory } from './entry-manifests.ts';
import { sarifSchemaErrors } from '../../support/sarif-schema.ts';

const demo = fileURLToPath(new URL('../../../samples/demo', import.meta.url));
const trivy = fileURLToPath(new URL('../../../../shared/data/trivy-operator/', import.meta.url));
const FRONTEND = 'wl:prod/boutique/Deployment/frontend';
const LEDGER = 'wl:finance/payments/Deployment/ledger';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

let cached: Promise<{ status: number; stdout: string }> | undefined;
const demoJson = () => (cached ??= runCli('risk', '-o', 'json'));

describe('netatlas risk on the demo', () => {
  it('ranks the world-exposed, vulnerable prod frontend first, with its parts', async () => {
    const r = await demoJson();
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const top = report.workloads[0];
    expect(top.workload).toBe(FRONTEND);
    expect(top.internetExposed).toBe(true);
    expect(top.vulnerabilities.critical).toBeGreaterThan(0);
    expect(top.parts.exposure.facts[0]).toMatch(/the internet may open TCP 8080 through boutique\/frontend-external \(LoadBalancer\)/);
  });

  it('separates the top five from the rest by at least ten points', async () => {
    const scores: number[] = JSON.parse((await demoJson()).stdout).workloads.map((w: { score: number }) => w.score);
    expect(scores[4] - scores[5]).toBeGreaterThanOrEqual(10);
  });

  it('attaches every trivy report of the demo to a workload', async () => {
    const report = JSON.parse((await demoJson()).stdout);
    expect(report.reports.unattached).toEqual([]);
    expect(report.reports.attached.length).toBeGreaterThan(0);
  });

  it('shows a path from the internet to the finance ledger whose cut passes the proof', async () => {
    const report = JSON.parse((await demoJson()).stdout);
    const path0 = report.paths[0];
    expect(path0.target).toBe(LEDGER);
    expect(path0.hops[0]).toMatchObject({ from: 'internet', to: FRONTEND, observed: true });
    expect(path0.cut.status).toBe('cut');
    expect(path0.cut.proof).toMatchObject({ hopDenied: true, observedBroken: [], observedUnchecked: 0 });
    expect(path0.cut.proof.observedChecked).toBeGreaterThan(100);
  });

  it('names no pod IP of the demo in any cut', async () => {
    const report = JSON.parse((await demoJson()).stdout);
    const ips = (await loadInventoryPaths([demo])).inventory.pods.flatMap((p) => p.ips);
    const yaml = report.paths.flatMap((p: { cut: { changes: { yaml: string }[] } }) => p.cut.changes.map((c) => c.yaml)).join('\n');
    expect(yaml).toContain('ipBlock');
    for (const ip of ips) expect(yaml).not.toContain(`${ip}/`);
  });

  it('prints cuts whose YAML, applied to the demo, denies the cut hop', async () => {
    const report = JSON.parse((await demoJson()).stdout);
    const inv = (await loadInventoryPaths([demo])).inventory;
    for (const p of report.paths) {
      const policies: NetworkPolicyInfo[] = [...inv.networkPolicies];
      for (const c of p.cut.changes) {
        const cluster = c.policy.split('/')[0];
        for (const doc of parseAllDocuments(c.yaml)) {
          const out = normalizeObject(doc.toJSON(), { cluster });
          if (out.kind !== 'object' || out.object.kind !== 'NetworkPolicy') throw new Error('not a NetworkPolicy');
          const np = out.object;
          const at = policies.findIndex((x) => x.cluster === cluster && x.namespace === np.namespace && x.name === np.name);
          if (at >= 0) policies[at] = np;
          else policies.push(np);
        }
      }
      const engine = createEngine({ ...inv, networkPolicies: policies });
      const hop = p.hops[p.cut.hop];
      const podsOf = (key: string) => { const [c, ns, , name] = key.slice(3).split('/'); return inv.pods.filter((x) => x.cluster === c && x.namespace === ns && (x.name.startsWith(`${name}-`) || x.name === name)); };
      for (const s of podsOf(hop.from)) {
        for (const d of podsOf(hop.to)) {
          const cross = s.cluster !== d.cluster;
          const egress = engine.allowedInDirection({ kind: 'pod', pod: s }, cross ? { kind: 'ip', ip: d.ips[0] } : { kind: 'pod', pod: d }, 'egress');
          const ingress = engine.allowedInDirection(cross ? { kind: 'ip', ip: s.ips[0] } : { kind: 'pod', pod: s }, { kind: 'pod', pod: d }, 'ingress');
          expect(egress.intersect(ingress).isEmpty(), `${s.name} -> ${d.name}`).toBe(true);
        }
      }
    }
  });

  it('writes txt, md and SARIF 2.1.0', async () => {
    const txt = await runCli('risk');
    expect(txt.stdout).toMatch(/^netatlas risk: 36 workload\(s\)/);
    expect(txt.stdout).toMatch(/path-1: internet => wl:finance\/payments\/Deployment\/ledger/);
    const md = await runCli('risk', '-o', 'md');
    expect(md.stdout).toMatch(/^## netatlas risk/);
    const sarif = JSON.parse((await runCli('risk', '-o', 'sarif')).stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toContain('attack-path');
  });

  it('exits 1 when --fail-on matches and says what matched', async () => {
    const r = await runCli('risk', '-o', 'json', '--fail-on', 'score>=60,path');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--fail-on matched: 1 workload\(s\) score 60 or more .*; \d+ attack path\(s\)/);
  });

  it('exits 0 when no gate matches', async () => {
    expect((await runCli('risk', '-o', 'json', '--fail-on', 'score>=100,uncut')).status).toBe(0);
  });
});

describe('netatlas risk input', () => {
  it('adds the --crown-jewels matches to the workloads annotated as crown jewels', async () => {
    const r = await runCli('risk', '-o', 'json', '--crown-jewels', 'cluster=finance,app=postgres');
    expect(JSON.parse(r.stdout).crownJewels.sort()).toEqual([LEDGER, 'wl:finance/payments/StatefulSet/postgres']);
  });

  it('reads trivy reports given with --reports and reports those it cannot place', async () => {
    const r = await runCli('risk', '-o', 'json', '--inventory', demo, '--flows', demo, '--reports', `${trivy}vulnerabilityreport_single_vuln.json`);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.reports.attached.some((a: { workload: { name: string } }) => a.workload.name === 'nginx-deployment')).toBe(true);
  });

  it('exits 2 on an unreadable selector, naming the flag', async () => {
    const r = await runCli('risk', '--crown-jewels', 'app in (a)');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--crown-jewels "app in \(a\)": cannot read/);
  });

  it('exits 2 on an unknown --fail-on token', async () => {
    const r = await runCli('risk', '--fail-on', 'severe');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--fail-on: unknown "severe"/);
  });

  it('exits 2 on a malformed report, naming the file and line, and analyzes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-risk-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'aquasecurity.github.io/v1alpha1', kind: 'VulnerabilityReport', metadata: { name: 'x', namespace: 'a' }, report: {} }));
    const r = await runCli('risk', '--inventory', demo, '--flows', demo, '--reports', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.json:1 .*VulnerabilityReport names no resource/);
    expect(r.stdout).toBe('');
  });

  it('excepts a declared --cluster-cidr instead of the nodes\' podCIDRs in the cut, never a pod IP', async () => {
    const r = await runCli('risk', '--cluster-cidr', 'finance=10.3.0.0/16', '-o', 'json');
    expect(r.status).toBe(0);
    const cut = JSON.parse(r.stdout).paths[0].cut;
    expect(cut.status).toBe('cut');
    expect(cut.changes[0].yaml).toContain('- 10.3.0.0/16');
    expect(cut.changes[0].yaml).not.toMatch(/\/32/);
  });

  it('exits 2 on a --cluster-cidr naming no cluster of the inventory', async () => {
    const r = await runCli('risk', '--cluster-cidr', 'staging=10.9.0.0/16');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cluster-cidr names "staging", not a cluster of the inventory \(dev, finance, prod\)/);
  });

  it('counts a ClusterIP workload behind an Ingress read from --inventory as internet-exposed and an entry', async () => {
    const dir = prometheusIngressInventory();
    const r = await runCli('risk', '--inventory', demo, '--inventory', dir, '--flows', demo, '-o', 'json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    const prometheus = report.workloads.find((w: { workload: string }) => w.workload === 'wl:prod/monitoring/StatefulSet/prometheus');
    expect(prometheus.internetExposed).toBe(true);
    expect(prometheus.parts.exposure.facts[0]).toBe('the internet may open TCP 9090 through monitoring/prometheus (Ingress monitoring/prometheus)');
    expect(report.entries).toContain('wl:prod/monitoring/StatefulSet/prometheus');
  });

  it('exits 2 on an estate larger than --max-workloads, saying why and how to go on', async () => {
    const r = await runCli('risk', '--max-workloads', '10');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/netatlas\/risk: 36 workloads exceed the limit of 10: every ordered pair is evaluated.*Raise the limit \(--max-workloads\)/);
  });

  it('documents every option in --help', async () => {
    const r = await runCli('risk', '--help');
    for (const flag of ['--crown-jewels', '--entries', '--reports', '--fail-on', '--max-hops', '--output', '--cluster-cidr']) expect(r.stdout).toContain(flag);
  });
});
