import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attachReports } from '../../../generator/risk/index.ts';
import { emptyInventory, type SecurityReport } from '../../../generator/model/index.ts';
import { loadInventoryPaths, readTrivyObject } from '../../../server/inventory/index.ts';

const TRIVY = fileURLToPath(new URL('../../../../shared/data/trivy-operator/', import.meta.url));
const FILES = ['configauditreport_many.json', 'exposedsecretreport_many.json', 'vulnerabilityreport_extended.json', 'vulnerabilityreport_many.json', 'vulnerabilityreport_single_vuln.json'];

const readSample = (file: string): unknown => JSON.parse(readFileSync(`${TRIVY}${file}`, 'utf8'));

function read(raw: unknown, kindHint?: string): SecurityReport {
  const r = readTrivyObject(raw, { cluster: 'c1', source: { file: 'x.json', line: 1 }, ...(kindHint ? { kindHint } : {}) });
  if (r.kind !== 'report') throw r.error;
  return r.report;
}

describe('trivy-operator reports from the real samples', () => {
  it('loads every sample file through the inventory reader without errors or warnings', async () => {
    const loaded = await loadInventoryPaths(FILES.map((f) => `${TRIVY}${f}`), { cluster: 'c1' });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.inventory.securityReports?.map((r) => r.kind)).toEqual([
      'ConfigAuditReport', 'ExposedSecretReport', 'VulnerabilityReport', 'VulnerabilityReport', 'VulnerabilityReport',
    ]);
  });

  it('attaches every sample report to its workload through the trivy-operator.resource labels and owner', async () => {
    const loaded = await loadInventoryPaths(FILES.map((f) => `${TRIVY}${f}`), { cluster: 'c1' });
    const { attached, unattached } = attachReports(loaded.inventory);
    expect(unattached).toEqual([]);
    expect(attached.map((a) => `${a.workload.namespace}/${a.workload.kind}/${a.workload.name}`)).toEqual([
      'default/Deployment/nginx-deployment', 'default/Deployment/nginx-deployment', 'lbc/Pod/ubuntu',
      'default/Deployment/nginx-deployment', 'default/Deployment/nginx-deployment',
    ]);
  });

  it('keeps CVE id, severity, score, package, installed and fixed version', () => {
    const r = read(readSample('vulnerabilityreport_single_vuln.json'));
    expect(r).toMatchObject({
      kind: 'VulnerabilityReport',
      subject: { cluster: 'c1', namespace: 'default', kind: 'ReplicaSet', name: 'nginx-deployment-965685897', container: 'nginx', image: 'index.docker.io/library/nginx:alpine' },
      vulnerabilities: [{ id: 'CVE-2023-23914', severity: 'CRITICAL', score: 4.2, package: 'curl', installedVersion: '7.87.0-r1', fixedVersion: '7.87.0-r2' }],
    });
  });

  it('counts every vulnerability of the many-vulnerability sample as its summary does', () => {
    const raw = readSample('vulnerabilityreport_many.json') as { report: { summary: Record<string, number> } };
    const r = read(raw);
    if (r.kind !== 'VulnerabilityReport') throw new Error('expected a VulnerabilityReport');
    const s = raw.report.summary;
    expect(r.vulnerabilities.filter((v) => v.severity === 'CRITICAL')).toHaveLength(s.criticalCount);
    expect(r.vulnerabilities.filter((v) => v.severity === 'HIGH')).toHaveLength(s.highCount);
    expect(r.vulnerabilities).toHaveLength(s.criticalCount + s.highCount + s.mediumCount + s.lowCount);
  });

  it('keeps only the failed configuration checks', () => {
    const raw = readSample('configauditreport_many.json') as { report: { checks: { success: boolean }[] } };
    const r = read(raw);
    if (r.kind !== 'ConfigAuditReport') throw new Error('expected a ConfigAuditReport');
    expect(r.failedChecks).toHaveLength(raw.report.checks.filter((c) => !c.success).length);
    expect(r.failedChecks.map((c) => c.id)).toContain('KSV014');
  });

  it('never keeps the matched text of an exposed secret, only rule ids and severities', () => {
    const r = read(readSample('exposedsecretreport_many.json'));
    expect(r).toMatchObject({ kind: 'ExposedSecretReport', secrets: [{ ruleId: 'aws-secret-access-key', severity: 'CRITICAL' }, { ruleId: 'github-pat', severity: 'CRITICAL' }] });
    expect(JSON.stringify(r)).not.toMatch(/AWS_secret_KEY|GITHUB_PAT|\*\*\*\*/);
  });
});

describe('trivy image JSON and bad input', () => {
  const imageReport = {
    SchemaVersion: 2, ArtifactName: 'nginx:1.25', ArtifactType: 'container_image',
    Results: [{ Target: 'nginx:1.25 (debian 12.4)', Vulnerabilities: [
      { VulnerabilityID: 'CVE-2024-0001', PkgName: 'openssl', InstalledVersion: '3.0.11', FixedVersion: '3.0.13', Severity: 'HIGH', CVSS: { nvd: { V3Score: 7.5 } } },
    ] }],
  };

  it('reads trivy image JSON keyed by its image and attaches it to the workloads running that image', () => {
    const r = read(imageReport);
    expect(r).toMatchObject({ kind: 'VulnerabilityReport', subject: { image: 'nginx:1.25' }, vulnerabilities: [{ id: 'CVE-2024-0001', score: 7.5, fixedVersion: '3.0.13' }] });
    const inv = {
      ...emptyInventory(),
      pods: [{ kind: 'Pod' as const, cluster: 'c1', namespace: 'web', name: 'web-0', labels: {}, ips: [], hostIPs: [], hostNetwork: false, privileged: false, ports: [], images: ['docker.io/library/nginx:1.25'], owner: { kind: 'StatefulSet', name: 'web', controller: true } }],
      securityReports: [r],
    };
    expect(attachReports(inv).attached.map((a) => a.workload)).toEqual([{ cluster: 'c1', namespace: 'web', kind: 'StatefulSet', name: 'web' }]);
  });

  it('reports an image no pod runs as unattached, with the reason', () => {
    const inv = { ...emptyInventory(), securityReports: [read(imageReport)] };
    expect(attachReports(inv).unattached.map((u) => u.reason)).toEqual(['no pod in the inventory runs image nginx:1.25']);
  });

  it('rejects a report naming no resource, with file, line and object in the message', () => {
    const raw = { apiVersion: 'aquasecurity.github.io/v1alpha1', kind: 'VulnerabilityReport', metadata: { name: 'r1', namespace: 'ns' }, report: { vulnerabilities: [] } };
    const out = readTrivyObject(raw, { cluster: 'c1', source: { file: 'reports.json', line: 7 } });
    expect(out.kind).toBe('invalid');
    if (out.kind === 'invalid') expect(out.error.message).toMatch(/^netatlas\/inventory: reports\.json:7 c1\/ns\/VulnerabilityReport\/r1 VulnerabilityReport names no resource/);
  });

  it('rejects a vulnerability without an id and still loads the other documents of the file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/netatlas-trivy-`);
    const good = readSample('vulnerabilityreport_single_vuln.json');
    const bad = { ...(good as object), metadata: { ...(good as { metadata: object }).metadata, name: 'bad' }, report: { vulnerabilities: [{ severity: 'HIGH', resource: 'x' }] } };
    writeFileSync(`${dir}/r.json`, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [bad, good] }));
    const loaded = await loadInventoryPaths([`${dir}/r.json`], { cluster: 'c1' });
    expect(loaded.errors.map((e) => e.message)).toEqual([expect.stringMatching(/report\.vulnerabilities\[0\]\.vulnerabilityID is required/)]);
    expect(loaded.inventory.securityReports).toHaveLength(1);
  });

  it('reads items of a typed VulnerabilityReportList by the list kind', () => {
    const item = readSample('vulnerabilityreport_single_vuln.json') as Record<string, unknown>;
    const { kind: _k, ...noKind } = item;
    expect(read(noKind, 'VulnerabilityReport').kind).toBe('VulnerabilityReport');
  });
});
