/**
 * trivy-operator reports listed from a live cluster (a local fake API server): one list per
 * kind, a forbidden or absent kind is a warning and the others are still read.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { liveSecurityReports } from '../../../server/risk.ts';
import { FakeApiServer, writeKubeconfig } from './fake-apiserver.ts';

const TRIVY = fileURLToPath(new URL('../../../../shared/data/trivy-operator/', import.meta.url));
const VULNS = '/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports';
const SECRETS = '/apis/aquasecurity.github.io/v1alpha1/exposedsecretreports';

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('trivy-operator reports from a live cluster', () => {
  it('lists the reports it may read and warns about a forbidden kind and one not served', async () => {
    api = new FakeApiServer();
    api.serve(VULNS, 'VulnerabilityReportList', 'aquasecurity.github.io/v1alpha1');
    api.serve(SECRETS, 'ExposedSecretReportList', 'aquasecurity.github.io/v1alpha1');
    api.forbidden.add(SECRETS);
    const { kind: _k, apiVersion: _a, ...report } = JSON.parse(readFileSync(`${TRIVY}vulnerabilityreport_single_vuln.json`, 'utf8'));
    api.put(VULNS, report);
    const server = await api.listen();
    const kubeconfig = writeKubeconfig(mkdtempSync(path.join(tmpdir(), 'netatlas-trivy-live-')), [{ name: 'c1', server }]);
    const out = await liveSecurityReports([kubeconfig], ['c1']);
    expect(out.errors).toEqual([]);
    expect(out.reports).toEqual([expect.objectContaining({ kind: 'VulnerabilityReport', subject: expect.objectContaining({ cluster: 'c1', kind: 'ReplicaSet', name: 'nginx-deployment-965685897' }) })]);
    expect(out.warnings).toEqual([
      expect.stringMatching(/c1 configauditreports\.aquasecurity\.github\.io: not served \(is trivy-operator installed\?\); skipped/),
      expect.stringMatching(/c1 exposedsecretreports\.aquasecurity\.github\.io: forbidden: grant list on it \(deploy\/rbac\.yaml\); skipped/),
    ]);
  });
});
