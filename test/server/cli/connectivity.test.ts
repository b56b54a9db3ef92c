/**
 * `netatlas connectivity` and `netatlas explain` on Online Boutique's release manifests and
 * its upstream NetworkPolicies (../shared/data/online-boutique).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.ts';

const data = fileURLToPath(new URL('../../../../shared/data/online-boutique/', import.meta.url));
const manifests = `${data}release-kubernetes-manifests-v0.10.6.yaml`;
const policies = `${data}upstream-network-policies.yaml`;

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs a subcommand in-process, as bin/netatlas.mjs would, capturing output and exit code. */
const netatlas = (...args: string[]) => runCli(...args);

/** What the upstream policies intend, derived from the call graph in online-boutique-edges.txt. */
function expectedLines(): string[] {
  const edges = readFileSync(`${data}online-boutique-edges.txt`, 'utf8')
    .split('\n')
    .map((l) => /^([a-z-]+) -> ([a-z-]+):\d+ \((\d+)\) TCP/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, src, dst, port]) => ({ src, dst, port }));
  const workloads = [...new Set(edges.flatMap((e) => [e.src, e.dst]))];
  expect(workloads).toHaveLength(12);
  const w = (name: string): string => `default/${name}[Deployment]`;
  const world = '0.0.0.0-255.255.255.255';
  const lines = new Set<string>();
  for (const e of edges) if (e.dst !== 'frontend') lines.add(`${w(e.src)} => ${w(e.dst)} : TCP ${e.port}`);
  for (const name of workloads) {
    if (name !== 'frontend') lines.add(`${w(name)} => ${w('frontend')} : All Connections`); // frontend: ingress [{}]
    lines.add(`${w(name)} => ${world} : All Connections`); // every policy has egress [{}]
  }
  lines.add(`${world} => ${w('frontend')} : All Connections`);
  return [...lines].sort();
}

describe('netatlas connectivity on Online Boutique', () => {
  it('prints exactly what the upstream policies intend: callers only, on the target port, frontend open to all', async () => {
    const r = await netatlas('connectivity', '-q', manifests, policies);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(expectedLines());
    expect(r.stdout).toContain('default/checkoutservice[Deployment] => default/emailservice[Deployment] : TCP 8080\n');
  });

  it('prints the same map as JSON objects with the same strings', async () => {
    const r = await netatlas('connectivity', '-q', '-o', 'json', manifests, policies);
    const rows = JSON.parse(r.stdout) as { src: string; dst: string; conn: string }[];
    expect(rows.map((x) => `${x.src} => ${x.dst} : ${x.conn}`).sort()).toEqual(expectedLines());
  });

  it('draws namespaces as clusters in dot output', async () => {
    const r = await netatlas('connectivity', '-q', '-o', 'dot', manifests, policies);
    expect(r.stdout).toMatch(/^digraph connectivity \{/);
    expect(r.stdout).toContain('subgraph cluster_0 {\n    label="default";');
    expect(r.stdout).toContain('"default/checkoutservice[Deployment]" -> "default/emailservice[Deployment]" [label="TCP 8080"');
  });

  it('lists unknown kinds as warnings on stderr unless quiet', async () => {
    const r = await netatlas('connectivity', manifests, policies);
    expect(r.stderr).toMatch(/warning: .*ServiceAccount/);
  });
});

describe('netatlas explain on Online Boutique', () => {
  it('shows the rule chain of an allowed connection', async () => {
    const r = await netatlas('explain', manifests, policies, '--src', 'default/checkoutservice', '--dst', 'default/emailservice', '--port', '8080/TCP');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('is ALLOWED');
    expect(r.stdout).toContain('egress allowed by NetworkPolicy default/checkoutservice egress[0]: Allow');
    expect(r.stdout).toContain('ingress allowed by NetworkPolicy default/emailservice ingress[0]: Allow');
  });

  it('shows why a denied connection is denied and exits 1', async () => {
    const r = await netatlas('explain', manifests, policies, '--src', 'default/frontend', '--dst', 'default/emailservice', '--port', '8080');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('is DENIED');
    expect(r.stdout).toMatch(/ingress denied: .* is isolated for ingress by default\/default\/NetworkPolicy\/deny-all, default\/default\/NetworkPolicy\/emailservice and no rule allows this connection/);
  });

  it('rejects a malformed --port with exit code 2', async () => {
    const r = await netatlas('explain', manifests, policies, '--src', 'default/frontend', '--dst', 'default/emailservice', '--port', 'http');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port "http" is not PORT[/PROTOCOL]');
  });
});

describe('netatlas connectivity on invalid input', () => {
  it('names the file and object of an invalid policy, lists unknown kinds as warnings, and exits 2', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'netatlas-policy-'));
    writeFileSync(
      join(dir, 'policies.yaml'),
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: web, namespace: shop, labels: {app: web}}',
        'spec: {containers: [{name: c, image: x}]}',
        '---',
        'apiVersion: networking.k8s.io/v1',
        'kind: NetworkPolicy',
        'metadata: {name: bad-range, namespace: shop}',
        'spec:',
        '  podSelector: {}',
        '  ingress:',
        '  - ports: [{port: 9000, endPort: 8000}]',
        '---',
        'apiVersion: example.com/v1',
        'kind: Gizmo',
        'metadata: {name: g}',
        '',
      ].join('\n'),
    );
    const r = await netatlas('connectivity', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: netatlas\/semantics: default\/shop\/NetworkPolicy\/bad-range: spec.ingress\[0\].ports\[0\].endPort 8000 is less than port 9000.*policies.yaml:\d+/);
    expect(r.stderr).toMatch(/warning: .*Gizmo/);
  });
});
