/**
 * `netatlas generate` in-process: the demo by default, files per cluster/namespace, the loud
 * failure when the generated set would break observed traffic, and bad options.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEMO_DIR, parseClusterCidrs, parseSince } from '../../../server/cli/generate.ts';
import { runCli } from './run-cli.ts';
import { prometheusIngressInventory } from './entry-manifests.ts';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const netatlas = (...args: string[]) => runCli('generate', ...args);

const podYaml = (name: string, app: string, ip: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n  labels:\n    app: ${app}\nspec:\n  containers:\n  - name: c\n    image: x\nstatus:\n  podIP: ${ip}\n  podIPs:\n  - ip: ${ip}\n`;

describe('netatlas generate', () => {
  it('generates for the demo by default, prints broken = 0, unproven = 0 and extra = 0, and exits 0', async () => {
    const { stdout, stderr, status } = await netatlas();
    expect(status).toBe(0);
    expect(stderr).toContain('broken = 0, unproven = 0, extra = 0');
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(docs.length).toBeGreaterThan(30);
    expect(docs.every((d) => d.kind === 'NetworkPolicy' && d.metadata.labels['app.kubernetes.io/managed-by'] === 'netatlas')).toBe(true);
  });

  it('writes DIR/<cluster>/<namespace>.yaml, the same bytes on every run, and the report to --report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const first = await netatlas('-o', path.join(dir, 'a'), '--report', path.join(dir, 'report.txt'), '--format', 'cilium', '--fqdn');
    await netatlas('-o', path.join(dir, 'b'), '--format', 'cilium', '--fqdn');
    expect(first.status).toBe(0);
    expect(readdirSync(path.join(dir, 'a')).sort()).toEqual(['dev', 'finance', 'prod']);
    const prod = readFileSync(path.join(dir, 'a/prod/boutique.yaml'), 'utf8');
    expect(prod).toBe(readFileSync(path.join(dir, 'b/prod/boutique.yaml'), 'utf8'));
    expect(prod).toContain('kind: CiliumNetworkPolicy');
    expect(prod).toContain('matchName: api.stripe.com');
    expect(readFileSync(path.join(dir, 'report.txt'), 'utf8')).toContain('broken: 0');
    // written through a temporary file renamed into place: none is left beside it
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'report.txt']);
  });

  it('fails loudly with exit 1 when a peer cannot be selected and observed traffic would break', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const pod = podYaml;
    writeFileSync(path.join(dir, 'inv.yaml'), [pod('web-1', 'web', '10.0.0.1'), pod('web-2', 'web', '10.0.0.2'), pod('db', 'db', '10.0.0.3')].join('---\n'));
    writeFileSync(path.join(dir, 'flows.jsonl'), `${JSON.stringify({ source: 'c1/shop/web-1', destination: 'c1/shop/db', protocol: 'TCP', port: 5432, verdict: 'FORWARDED', time: '2026-11-27T09:00:00Z' })}\n`);
    const { stderr, status } = await netatlas('--inventory', path.join(dir, 'inv.yaml'), '--flows', path.join(dir, 'flows.jsonl'), '--files-cluster', 'c1', '--cluster', 'c1', '-o', path.join(dir, 'out'));
    expect(status).toBe(1);
    expect(stderr).toContain('no selector isolates');
    expect(stderr).toMatch(/BROKEN pod:c1\/shop\/web-1 -> pod:c1\/shop\/db TCP\/5432 denied at ingress/);
    expect(stderr).toContain('FAILED');
  });

  it('counts a flow to a ClusterIP without endpoints as unproven, exits 1 and writes nothing; --accept-unproven writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    writeFileSync(path.join(dir, 'inv.yaml'), [
      podYaml('web-1', 'web', '10.0.0.1'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: gone\n  namespace: shop\nspec:\n  clusterIP: 10.96.0.9\n  selector:\n    app: gone\n  ports:\n  - port: 80\n    targetPort: 8080\n',
    ].join('---\n'));
    writeFileSync(path.join(dir, 'flows.jsonl'), `${JSON.stringify({ source: '10.0.0.1', destination: '10.96.0.9', protocol: 'TCP', port: 80, verdict: 'FORWARDED', time: '2026-11-27T09:00:00Z' })}\n`);
    const args = ['--inventory', path.join(dir, 'inv.yaml'), '--flows', path.join(dir, 'flows.jsonl'), '--files-cluster', 'c1'];
    const failed = await netatlas(...args, '-o', path.join(dir, 'out'));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('broken = 0, unproven = 1');
    expect(failed.stderr).toMatch(/UNPROVEN wl:c1\/shop\/Pod\/web-1->svc:c1\/shop\/gone\|TCP\|80: /);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
    const accepted = await netatlas(...args, '-o', path.join(dir, 'out'), '--accept-unproven');
    expect(accepted.status).toBe(0);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['c1']);
  });

  it('counts a flow to an address that may be a ClusterIP as unproven: private with no Service address known, or inside --service-cidr', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const otherService = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: other\n  namespace: shop\nspec:\n  clusterIP: 10.96.0.20\n  selector:\n    app: other\n  ports:\n  - port: 80\n';
    writeFileSync(path.join(dir, 'pods.yaml'), podYaml('web-1', 'web', '10.0.0.1'));
    writeFileSync(path.join(dir, 'svc.yaml'), otherService);
    writeFileSync(path.join(dir, 'flows.jsonl'), `${JSON.stringify({ source: '10.0.0.1', destination: '10.96.0.9', protocol: 'TCP', port: 80, verdict: 'FORWARDED', time: '2026-11-27T09:00:00Z' })}\n`);
    const flows = ['--flows', path.join(dir, 'flows.jsonl'), '--files-cluster', 'c1'];
    const noServices = await netatlas('--inventory', path.join(dir, 'pods.yaml'), ...flows);
    expect(noServices.status).toBe(1);
    expect(noServices.stderr).toMatch(/UNPROVEN wl:c1\/shop\/Pod\/web-1->ext:10\.96\.0\.9\|TCP\|80: 10\.96\.0\.9 is a private address \(10\.0\.0\.0\/8\) and the inventory holds no Service address of cluster c1/);
    const withServices = ['--inventory', path.join(dir, 'pods.yaml'), '--inventory', path.join(dir, 'svc.yaml'), ...flows];
    expect((await netatlas(...withServices)).stderr).toContain('broken = 0, unproven = 0');
    const inRange = await netatlas(...withServices, '--service-cidr', 'c1=10.96.0.0/12');
    expect(inRange.status).toBe(1);
    expect(inRange.stderr).toContain('10.96.0.9 is in the Service CIDR 10.96.0.0/12 of c1 but no Service of the inventory holds it');
    const bad = await netatlas('--service-cidr', 'c1=10.96.0.0/40');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--service-cidr "c1=10.96.0.0/40": expected CIDR or CLUSTER=CIDR');
  });

  it('admits the API server into a webhook of the inventory on its targetPort, lists the rule, and leaves it out with --without-baseline webhook', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    mkdirSync(path.join(root, 'prod'));
    writeFileSync(path.join(root, 'prod', 'hooks.yaml'), [
      'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingWebhookConfiguration', 'metadata:', '  name: email-policy', 'webhooks:',
      '- name: email-policy.example.com', '  clientConfig:', '    service:', '      namespace: boutique', '      name: emailservice', '      port: 5000',
      '  admissionReviewVersions: ["v1"]', '  sideEffects: None', '',
    ].join('\n'));
    const args = ['--inventory', DEMO_DIR, '--inventory', root, '--flows', DEMO_DIR, '--cluster', 'prod', '--namespace', 'boutique'];
    const { stdout, stderr, status } = await netatlas(...args);
    expect(status).toBe(0);
    expect(stderr).toContain('webhook: wl:prod/boutique/Deployment/emailservice ingress the API server (172.20.2.2/32) on TCP 8080: ValidatingWebhookConfiguration/email-policy: email-policy.example.com calls it through svc:prod/boutique/emailservice');
    const email = parseAllDocuments(stdout).map((d) => d.toJS()).find((p) => p.metadata.name === 'emailservice-netatlas');
    const fromApi = email.spec.ingress.filter((r: { from: unknown[] }) => r.from.some((f) => JSON.stringify(f) === '{"ipBlock":{"cidr":"172.20.2.2/32"}}'));
    expect(fromApi.map((r: { ports: unknown }) => r.ports)).toEqual([[{ protocol: 'TCP', port: 8080 }]]);
    const off = await netatlas(...args, '--without-baseline', 'webhook');
    expect(off.stderr).not.toContain('webhook: wl:prod/boutique/Deployment/emailservice');
  });

  it('admits 0.0.0.0/0 and ::/0 into the backend of an Ingress of the inventory on its named targetPort, lists the rule naming the Ingress, and proves it', async () => {
    const root = prometheusIngressInventory();
    const args = ['--inventory', DEMO_DIR, '--inventory', root, '--flows', DEMO_DIR, '--cluster', 'prod', '--namespace', 'monitoring'];
    const { stdout, stderr, status } = await netatlas(...args);
    expect(status, stderr).toBe(0);
    expect(stderr).toMatch(/broken = 0, unproven = 0/);
    expect(stderr).toContain('exposed: wl:prod/monitoring/StatefulSet/prometheus ingress 0.0.0.0/0, ::/0 on TCP web: exposed by svc:prod/monitoring/prometheus (Ingress monitoring/prometheus)');
    const prometheus = parseAllDocuments(stdout).map((d) => d.toJS()).find((p) => p.metadata.name === 'prometheus-netatlas');
    const fromWorld = prometheus.spec.ingress.filter((r: { from: unknown[] }) => r.from.some((f) => JSON.stringify(f) === '{"ipBlock":{"cidr":"0.0.0.0/0"}}'));
    expect(fromWorld.map((r: { ports: unknown }) => r.ports)).toEqual([[{ protocol: 'TCP', port: 'web' }]]);
    const off = await netatlas(...args, '--without-baseline', 'exposed');
    expect(off.stderr).not.toContain('exposed: wl:prod/monitoring/StatefulSet/prometheus');
  });

  it('writes nothing to -o DIR when an input file is bad, and keeps what an earlier run wrote', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const out = path.join(dir, 'out');
    expect((await netatlas('-o', out)).status).toBe(0);
    const before = readFileSync(path.join(out, 'prod/boutique.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'truncated.jsonl'), '{"source": "10.0.0.1", "destination": "10.0.0.2", "proto');
    const bad = await netatlas('--inventory', path.join(DEMO_DIR, 'prod'), '--flows', path.join(dir, 'truncated.jsonl'), '-o', out);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`nothing written to ${out}`);
    expect(readFileSync(path.join(out, 'prod/boutique.yaml'), 'utf8')).toBe(before);
    expect(readdirSync(out).sort()).toEqual(['dev', 'finance', 'prod']);
    const toStdout = await netatlas('--inventory', path.join(DEMO_DIR, 'prod'), '--flows', path.join(dir, 'truncated.jsonl'));
    expect(toStdout.status).toBe(2);
    expect(toStdout.stdout).toBe('');
  });

  it('generates from Hubble alone, rebuilding pods from flow labels, never selecting on injected labels, and says what it inferred', async () => {
    const hubble = path.join(DEMO_DIR, '../../../shared/data/hubble/hubble-otel-basic-sample-348-http-flows.json');
    const strict = await netatlas('--flows', hubble);
    // A node the flows name has no known address: that flow is unproven, so the strict run fails.
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/UNPROVEN .*host:default\/gke-/);
    const { stdout, stderr, status } = await netatlas('--flows', hubble, '--accept-unproven');
    expect(status).toBe(0);
    expect(stderr).toContain('inferred: no inventory: 5 pod(s) rebuilt from flow endpoints');
    expect(stderr).toContain('never used as selectors: release, security.istio.io/tlsMode, version');
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name).sort()).toEqual(['productpage-v1-netatlas', 'prometheus-netatlas', 'ratings-v1-netatlas']);
    for (const d of docs) {
      const keys = Object.keys(d.spec.podSelector.matchLabels);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => /version|tlsMode|pod-template-hash|release/.test(k)), d.metadata.name).toEqual([]);
    }
  });

  it('exits 2 on bad options', async () => {
    expect((await netatlas('--min-count', '0')).status).toBe(2);
    expect((await netatlas('--cluster-cidr', 'finance')).status).toBe(2);
    expect((await netatlas('--since', 'yesterday-ish')).status).toBe(2);
  });

  it('reads --since as a duration back from the newest flow, or as a time', () => {
    expect(parseSince('2h', 10 * 3_600_000)).toBe(8 * 3_600_000);
    expect(parseSince('2026-11-27T09:30:00Z', 0)).toBe(Date.parse('2026-11-27T09:30:00Z'));
    expect(parseClusterCidrs(['finance=10.3.0.0/16'])).toEqual({ finance: '10.3.0.0/16' });
  });
});

describe('netatlas generate on Inspektor Gadget advisor input', () => {
  it('keeps API server access through the kubernetes Service (443 -> the endpoint port) and writes the same bytes twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const inv = [
      podYaml('test-pod', 'test-pod', '10.244.0.7').replace('namespace: shop', 'namespace: test-networkpolicy-8485776873410829123'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: kubernetes\n  namespace: default\nspec:\n  clusterIP: 10.96.0.1\n  ports:\n  - name: https\n    port: 443\n    targetPort: 8443\n',
      'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: kubernetes\n  namespace: default\n  labels:\n    kubernetes.io/service-name: kubernetes\naddressType: IPv4\nendpoints:\n- addresses:\n  - 192.168.49.2\nports:\n- name: https\n  port: 8443\n  protocol: TCP\n',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n  clusterIP: 10.96.0.10\n  selector:\n    k8s-app: kube-dns\n  ports:\n  - name: dns\n    port: 53\n    protocol: UDP\n',
      podYaml('coredns-565d847f94-x2x7q', 'coredns', '10.244.0.2').replace('namespace: shop', 'namespace: kube-system').replace('app: coredns', 'k8s-app: kube-dns'),
    ].join('---\n');
    writeFileSync(path.join(dir, 'inv.yaml'), inv);
    const ig = path.join(DEMO_DIR, '../../../shared/data/inspektor-gadget/ig-advise-networkpolicy-input-2024-k8s-nested.jsonl');
    const args = ['--inventory', path.join(dir, 'inv.yaml'), '--flows', ig, '--files-cluster', 'minikube'];
    const first = await netatlas(...args, '-o', path.join(dir, 'a'));
    const second = await netatlas(...args, '-o', path.join(dir, 'b'));
    expect(first.stderr).toContain('broken = 0, unproven = 0');
    expect(first.status, first.stderr.split('\n').filter((l) => /FAILED|UNPROVEN|BROKEN|netatlas:/.test(l)).join('\n')).toBe(0);
    const file = 'minikube/test-networkpolicy-8485776873410829123.yaml';
    const text = readFileSync(path.join(dir, 'a', file), 'utf8');
    expect(text).toBe(readFileSync(path.join(dir, 'b', file), 'utf8'));
    const egress = parseAllDocuments(text)[0].toJS().spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '192.168.49.2/32' } }], ports: [{ protocol: 'TCP', port: 8443 }] });
  });
});

describe('netatlas generate on Online Boutique manifests and one Inspektor Gadget event to a Service', () => {
  it('writes checkoutservice -> emailservice on the targetPort 8080 on both sides, never the Service port 5000', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-gen-'));
    const event = {
      type: 'normal', k8s: { node: 'n1', namespace: 'default', podname: 'checkoutservice-5d4c8b7f9-x2x7q', labels: { app: 'checkoutservice' } },
      pktType: 'OUTGOING', proto: 'tcp', port: 5000, dst: { kind: 'svc', addr: '10.96.0.50', namespace: 'default', name: 'emailservice', podLabels: { app: 'emailservice' } },
    };
    writeFileSync(path.join(dir, 'ig.jsonl'), `${JSON.stringify(event)}\n`);
    const manifests = path.join(DEMO_DIR, '../../../shared/data/online-boutique/release-kubernetes-manifests-v0.10.6.yaml');
    const { stdout, stderr, status } = await netatlas('--inventory', manifests, '--flows', path.join(dir, 'ig.jsonl'), '--files-cluster', 'ob');
    expect(status, stderr).toBe(0);
    expect(stderr).toContain('broken = 0, unproven = 0, extra = 0');
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    const email = docs.find((d) => d.metadata.name === 'emailservice-netatlas');
    const checkout = docs.find((d) => d.metadata.name === 'checkoutservice-netatlas');
    expect(email.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'checkoutservice' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(checkout.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: 'emailservice' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(stdout).not.toMatch(/port: 5000/);
  });
});
