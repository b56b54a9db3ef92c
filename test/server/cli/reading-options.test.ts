/**
 * `--strict` and `--host-network-as-pods` on connectivity, explain and diff.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.ts';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** A folder with two pods, a deny-all-ingress policy, a package.json and a hostNetwork agent. */
function estate(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-reading-'));
  mkdirSync(path.join(dir, 'manifests'));
  const pod = (name: string, ip: string, extra = ''): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {app: ${name}}}\nspec: {nodeName: n1${extra}, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: ${ip}, hostIP: 192.168.0.1}\n`;
  writeFileSync(path.join(dir, 'manifests', 'pods.yaml'), [pod('web', '10.0.0.1'), pod('agent', '192.168.0.1', ', hostNetwork: true')].join('---\n'));
  writeFileSync(path.join(dir, 'manifests', 'deny.yaml'),
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n');
  writeFileSync(path.join(dir, 'manifests', 'package.json'), '{"name": "manifests", "private": true}\n');
  return path.join(dir, 'manifests');
}

describe('lenient reading on the command line', () => {
  it('reads a folder with a stray package.json, warns naming it, and exits 0', async () => {
    const r = await runCli('connectivity', estate());
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: netatlas\/inventory: .*package\.json:1 is not a Kubernetes object/);
  });

  it('exits 2 under --strict, naming the file, and prints no map', async () => {
    const r = await runCli('connectivity', '--strict', estate());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: netatlas\/inventory: .*package\.json:1 is not a Kubernetes object.*\(--strict\)/);
    expect(r.stdout).toBe('');
  });

  it('explain exits 2 under --strict too', async () => {
    const r = await runCli('explain', '--strict', estate(), '--src', 'shop/web', '--dst', 'shop/agent', '--port', '8080');
    expect(r.status).toBe(2);
  });
});

describe('--host-network-as-pods', () => {
  it('leaves hostNetwork pods unisolated by default: node traffic, which no policy selects', async () => {
    const r = await runCli('explain', estate(), '--src', 'shop/agent', '--dst', '8.8.8.8', '--port', '53/UDP');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/not subject to policy/);
  });

  it('isolates a hostNetwork pod like any other when asked: the namespace deny-all then applies to it', async () => {
    const r = await runCli('explain', '--host-network-as-pods', estate(), '--src', 'shop/agent', '--dst', '8.8.8.8', '--port', '53/UDP');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/egress denied: .*isolated for egress by default\/shop\/NetworkPolicy\/deny-all/);
  });
});

describe('policy kinds on the command line', () => {
  it('connectivity prints the count of policies per kind read, ClusterNetworkPolicy by tier', async () => {
    const dir = estate();
    writeFileSync(path.join(dir, 'cnp.yaml'), [
      'apiVersion: policy.networking.k8s.io/v1alpha2', 'kind: ClusterNetworkPolicy', 'metadata: {name: dns}',
      'spec: {tier: Baseline, priority: 5, subject: {namespaces: {}}, egress: [{action: Accept, to: [{networks: [10.96.0.10/32]}]}]}', '',
    ].join('\n'));
    const r = await runCli('connectivity', dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('netatlas: connectivity: read 1 NetworkPolicy, 1 ClusterNetworkPolicy (tier Baseline)');
  });

  it.each(['connectivity', 'explain', 'diff', 'generate'])('%s --help lists the policy kinds read', async (command) => {
    const r = await runCli(command, '--help');
    expect(r.stdout).toMatch(/Policy kinds read:\n {2}NetworkPolicy .*\n {2}ClusterNetworkPolicy .*\n {2}AdminNetworkPolicy, BaselineAdminNetworkPolicy .*\n {2}CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy/);
    expect(r.stdout).toContain('NetworkSet, GlobalNetworkSet');
  });
});

describe('Cilium on the command line', () => {
  it('reads a CiliumNetworkPolicy, counts it, and lets its deny rule decide explain', async () => {
    const dir = estate();
    writeFileSync(path.join(dir, 'cnp.yaml'), [
      'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', 'metadata: {name: no-dns-out, namespace: shop}',
      'spec:', '  endpointSelector: {matchLabels: {app: web}}', '  egressDeny:', '  - toPorts: [{ports: [{port: "53", protocol: UDP}]}]', '',
    ].join('\n'));
    const counted = await runCli('connectivity', dir);
    expect(counted.stderr).toContain('read 1 NetworkPolicy, 1 CiliumNetworkPolicy');
    const r = await runCli('explain', dir, '--src', 'shop/web', '--dst', '8.8.8.8', '--port', '53/UDP');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('egress denied by CiliumNetworkPolicy shop/no-dns-out spec.egressDeny[0]: Deny');
  });

  it('rejects an unknown --cni with exit 2 naming the known ones', async () => {
    const r = await runCli('connectivity', '--cni', 'flannel', estate());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--cni "flannel" is not known: use cilium');
  });
});

describe('Calico policies, not evaluated yet, are never misread', () => {
  it("reads Calico's NetworkPolicy (same kind name, other API) as Calico's, ahead of the NetworkPolicy at order 1000, and says so in the counts", async () => {
    const dir = estate();
    writeFileSync(path.join(dir, 'calico.yaml'), [
      'apiVersion: projectcalico.org/v3', 'kind: NetworkPolicy', 'metadata: {name: allow-out, namespace: shop}',
      'spec:', '  selector: app == "web"', '  order: 100', '  types: [Egress]', '  egress:', '  - action: Allow', '    protocol: TCP', '    destination: {nets: [203.0.113.0/24], ports: [443]}', '',
    ].join('\n'));
    const r = await runCli('connectivity', dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('read 1 NetworkPolicy, 1 Calico NetworkPolicy');
    expect(r.stdout).toMatch(/shop\/web\[Pod\] => 203\.0\.113\.0-203\.0\.113\.255 : TCP 443/);
  });

  it('skips Calico kinds it does not evaluate (a HostEndpoint) with a warning, and counts staged policies as not enforced', async () => {
    const dir = estate();
    writeFileSync(path.join(dir, 'sets.yaml'), [
      'apiVersion: projectcalico.org/v3', 'kind: HostEndpoint', 'metadata: {name: node1-eth0}', 'spec: {node: node1, interfaceName: eth0, expectedIPs: [192.168.0.1]}', '---',
      'apiVersion: projectcalico.org/v3', 'kind: StagedNetworkPolicy', 'metadata: {name: allow-tcp-6379, namespace: shop}',
      'spec:', '  selector: role == "database"', '  types: [Ingress]', '  ingress:', '  - action: Deny', '    protocol: TCP', '',
    ].join('\n'));
    const r = await runCli('connectivity', dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: netatlas\/inventory: .*sets\.yaml:1 default\/HostEndpoint\/node1-eth0 HostEndpoint of projectcalico.org\/v3 is not evaluated/);
    expect(r.stderr).toContain('read 1 NetworkPolicy; 1 Calico staged policy not enforced (diff --staged evaluates them); 1 policy of kinds not evaluated (Calico host endpoints, storage kinds) skipped: the answer ignores them');
  });

  it('reads a GlobalNetworkSet: a Calico rule selecting it opens egress to its addresses', async () => {
    const dir = estate();
    writeFileSync(path.join(dir, 'sets.yaml'), [
      'apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkSet', 'metadata: {name: partners, labels: {role: partners}}', 'spec: {nets: [198.51.100.0/24]}', '---',
      'apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkPolicy', 'metadata: {name: to-partners}',
      'spec:', "  selector: projectcalico.org/namespace == 'shop'", '  types: [Egress]', '  egress:', '  - action: Allow', '    protocol: TCP', "    destination: {selector: role == 'partners', ports: [443]}", '',
    ].join('\n'));
    const r = await runCli('connectivity', dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/shop\/web\[Pod\] => 198\.51\.100\.0-198\.51\.100\.255 : TCP 443/);
  });
});
