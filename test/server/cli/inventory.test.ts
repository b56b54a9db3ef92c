/**
 * `netatlas inventory` on Online Boutique's release manifests, and live (--once) against the
 * local list/watch server.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Inventory } from '../../../generator/model/index.ts';
import { FakeApiServer } from '../inventory/fake-apiserver.ts';
import { runCli } from './run-cli.ts';

const data = fileURLToPath(new URL('../../../../shared/data/online-boutique/', import.meta.url));
const manifests = `${data}release-kubernetes-manifests-v0.10.6.yaml`;

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const netatlas = (...args: string[]) => runCli(...args);

describe('netatlas inventory from files', () => {
  it('prints counts per kind for the cluster given, and the unknown-kind warnings', async () => {
    const { stdout, status } = await netatlas('inventory', '-i', manifests, '--cluster', 'dev');
    expect(status).toBe(0);
    expect(stdout).toContain('cluster dev\n  Namespace 1, Pod (from template) 12, Deployment 12, Service 12\n');
    expect(stdout).toContain('warnings: 11 (unknown-kind 11)');
  });

  it('prints the normalized inventory as JSON with -o json', async () => {
    const { stdout, status } = await netatlas('inventory', '-i', manifests, '--namespace', 'shop', '-o', 'json');
    expect(status).toBe(0);
    const doc = JSON.parse(stdout) as { inventory: Inventory; warnings: unknown[]; errors: unknown[] };
    expect(doc.inventory.pods.find((p) => p.name === 'emailservice-template')).toMatchObject({ namespace: 'shop', ports: [{ containerPort: 8080 }] });
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toHaveLength(11);
  });

  it('exits 2 and names the file and line of broken input', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'netatlas-cli-inv-'));
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'kind: Pod\nmetadata:\n  name: [oops\n');
    const { stdout, status } = await netatlas('inventory', '-i', bad);
    expect(status).toBe(2);
    expect(stdout).toMatch(new RegExp(`errors: 1\\n  netatlas\\/inventory: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ invalid YAML`));
  });
});

describe('netatlas inventory live', () => {
  it('lists every context once with --once and reports the unreachable one', async () => {
    const api = new FakeApiServer();
    api.put('/api/v1/pods', { metadata: { name: 'web-1', namespace: 'shop' }, status: { podIP: '10.0.0.1' } });
    const url = await api.listen();
    const dir = await mkdtemp(path.join(tmpdir(), 'netatlas-cli-live-'));
    const kubeconfig = path.join(dir, 'config');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: up',
      'clusters:',
      '- name: up', '  cluster:', `    server: ${url}`, '    insecure-skip-tls-verify: true',
      '- name: down', '  cluster:', '    server: http://127.0.0.1:1', '    insecure-skip-tls-verify: true',
      'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: up', '  context: {cluster: up, user: u}', '- name: down', '  context: {cluster: down, user: u}', '',
    ].join('\n'));
    try {
      const { stdout, status } = await netatlas('inventory', '--kubeconfig', kubeconfig, '--all-contexts', '--once');
      expect(status).toBe(2);
      expect(stdout).toContain('cluster up [synced]\n  Namespace 1, Pod 1\n');
      expect(stdout).toMatch(/cluster down \[error: .*ECONNREFUSED/);
      expect(api.count('/api/v1/pods', true)).toBe(0);
    } finally {
      await api.close();
    }
  });
});
