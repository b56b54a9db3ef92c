import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryPaths, mergeInventories } from '../../../server/inventory/index.ts';

const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const BOUTIQUE = path.join(SHARED, 'online-boutique/release-kubernetes-manifests-v0.10.6.yaml');
const BOUTIQUE_POLICIES = path.join(SHARED, 'online-boutique/upstream-network-policies.yaml');

const pod = (name: string, ns: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
  status: { podIP: '10.0.0.1' },
  ...extra,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'netatlas-inv-'));
});

async function write(rel: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

describe('loadInventoryPaths on the Online Boutique release manifests', () => {
  it('yields one representative pod per Deployment, with the container ports of its template', async () => {
    const { inventory, errors } = await loadInventoryPaths([BOUTIQUE]);
    expect(errors).toEqual([]);
    const deployments = inventory.workloads.filter((w) => w.workloadKind === 'Deployment');
    expect(deployments.map((d) => d.name).sort()).toEqual([
      'adservice', 'cartservice', 'checkoutservice', 'currencyservice', 'emailservice', 'frontend', 'loadgenerator',
      'paymentservice', 'productcatalogservice', 'recommendationservice', 'redis-cart', 'shippingservice',
    ]);
    expect(inventory.pods).toHaveLength(deployments.length);
    const email = inventory.pods.find((p) => p.name === 'emailservice-template')!;
    expect(email).toMatchObject({
      fromTemplate: true, namespace: 'default', cluster: 'default', labels: { app: 'emailservice' },
      owner: { kind: 'Deployment', name: 'emailservice' }, ports: [{ containerPort: 8080, protocol: 'TCP' }],
    });
  });

  it('keeps Service port and targetPort apart (emailservice 5000 -> 8080)', async () => {
    const { inventory } = await loadInventoryPaths([BOUTIQUE]);
    const svc = inventory.services.find((s) => s.name === 'emailservice')!;
    expect(svc.ports).toEqual([{ name: 'grpc', protocol: 'TCP', port: 5000, targetPort: 8080 }]);
    expect(svc.selector).toEqual({ app: 'emailservice' });
  });

  it('warns about ServiceAccounts as unknown kinds, naming file, line and object', async () => {
    const { warnings } = await loadInventoryPaths([BOUTIQUE]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.code === 'unknown-kind')).toBe(true);
    expect(warnings[0].location).toMatchObject({ file: BOUTIQUE, line: 144, object: 'default/ServiceAccount/frontend' });
  });

  it('synthesizes the default Namespace with its kubernetes.io/metadata.name label', async () => {
    const { inventory } = await loadInventoryPaths([BOUTIQUE]);
    expect(inventory.namespaces).toMatchObject([{ name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } }]);
  });

  it('loads the upstream NetworkPolicies with policyTypes and an allow-all egress rule as written', async () => {
    const { inventory, errors } = await loadInventoryPaths([BOUTIQUE_POLICIES]);
    expect(errors).toEqual([]);
    expect(inventory.networkPolicies.length).toBe(13);
    const ad = inventory.networkPolicies.find((p) => p.name === 'adservice')!;
    expect(ad.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(ad.ingress).toEqual([{ peers: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 9555 }] }]);
    expect(ad.egress).toEqual([{}]);
  });
});

describe('loadInventoryPaths input formats', () => {
  it('reads a kubectl List whose items carry their kind', async () => {
    const file = await write('list.json', JSON.stringify({
      apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' },
      items: [{ kind: 'Pod', apiVersion: 'v1', ...pod('web', 'shop') }, { kind: 'Service', apiVersion: 'v1', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } }],
    }, null, 2));
    const { inventory, errors } = await loadInventoryPaths([file], { cluster: 'prod' });
    expect(errors).toEqual([]);
    expect(inventory.pods.map((p) => `${p.cluster}/${p.namespace}/${p.name}`)).toEqual(['prod/shop/web']);
    expect(inventory.services[0].ports).toEqual([{ protocol: 'TCP', port: 80, targetPort: 80 }]);
  });

  it('infers the kind of API list items from the list kind (PodList)', async () => {
    const file = await write('podlist.yaml', 'kind: PodList\napiVersion: v1\nmetadata: {resourceVersion: "5"}\nitems:\n- metadata: {name: a, namespace: x}\n- metadata: {name: b, namespace: x}\n');
    const { inventory, errors } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('names the line of each item of a kubectl -o yaml List in errors', async () => {
    const file = await write('kubectl.yaml', [
      'apiVersion: v1', 'items:',
      '- apiVersion: v1', '  kind: Pod', '  metadata: {name: a, namespace: n}',
      '- apiVersion: v1', '  kind: Pod', '  metadata:', '    namespace: n',
      'kind: List', 'metadata: {resourceVersion: ""}', '',
    ].join('\n'));
    const { inventory, errors } = await loadInventoryPaths([file]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['a']);
    expect(errors.map((e) => e.location?.line)).toEqual([6]);
  });

  it('keeps YAML 1.2 scalars as written: dates and yes/no stay strings', async () => {
    const file = await write('scalars.yaml', '---\nkind: Namespace\nmetadata:\n  name: n\n  labels: {since: 2024-01-01, enabled: yes}\n--- {"kind": "Namespace", "metadata": {"name": "m"}}\n');
    const { inventory, errors } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.namespaces.map((n) => n.name)).toEqual(['n', 'm']);
    expect(inventory.namespaces[0].labels).toMatchObject({ since: '2024-01-01', enabled: 'yes' });
    expect(inventory.namespaces[1].source?.line).toBe(6);
  });

  it('reads gzip-compressed files', async () => {
    const file = await write('gz/pods.json.gz', gzipSync(JSON.stringify({ kind: 'Pod', ...pod('zipped', 'ns') })));
    const { inventory } = await loadInventoryPaths([file]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['zipped']);
  });

  it('applies watch-event lines in order, a DELETED event removing the object', async () => {
    const events = [
      { type: 'ADDED', object: { kind: 'Pod', ...pod('a', 'ns') } },
      { type: 'ADDED', object: { kind: 'Pod', ...pod('b', 'ns') } },
      { type: 'DELETED', object: { kind: 'Pod', ...pod('a', 'ns') } },
    ];
    const file = await write('events.jsonl', events.map((e) => JSON.stringify(e)).join('\n'));
    const { inventory } = await loadInventoryPaths([file]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['b']);
  });

  it('reports broken YAML with file and line, and still loads the other documents and files', async () => {
    const bad = await write('broken/bad.yaml', 'kind: Pod\nmetadata: {name: ok, namespace: n}\n---\nkind: Pod\nmetadata: {name: [unclosed\n');
    const good = await write('broken/good.yaml', 'kind: Service\nmetadata: {name: s, namespace: n}\n');
    const { inventory, errors, files } = await loadInventoryPaths([bad, good]);
    expect(files).toBe(2);
    expect(inventory.pods.map((p) => p.name)).toEqual(['ok']);
    expect(inventory.services.map((s) => s.name)).toEqual(['s']);
    expect(errors).toHaveLength(1);
    expect(errors[0].name).toBe('InputError');
    expect(errors[0].location).toMatchObject({ file: bad });
    expect(errors[0].location!.line).toBeGreaterThanOrEqual(4);
    expect(errors[0].message).toContain(`${bad}:`);
  });

  it('reports broken JSON with file and line', async () => {
    const bad = await write('badjson/x.json', '{\n  "kind": "Pod",\n  "metadata": {"name": "a",}\n}\n');
    const { errors } = await loadInventoryPaths([bad]);
    expect(errors).toHaveLength(1);
    expect(errors[0].location).toEqual({ file: bad, line: 3 });
  });

  it('reports an object without metadata.name as an InputError naming file, line and kind', async () => {
    const file = await write('noname.yaml', 'kind: Service\nmetadata: {namespace: n}\n---\nkind: Service\nmetadata: {name: fine, namespace: n}\n');
    const { inventory, errors } = await loadInventoryPaths([file], { cluster: 'c1' });
    expect(inventory.services.map((s) => s.name)).toEqual(['fine']);
    expect(errors[0].message).toMatch(/noname\.yaml:1 .*Service has no metadata\.name/);
  });

  it('reports a missing path as an error without failing the others', async () => {
    const good = await write('present.yaml', 'kind: Namespace\nmetadata: {name: n}\n');
    const { inventory, errors } = await loadInventoryPaths([path.join(dir, 'nope.yaml'), good]);
    expect(errors[0].message).toContain('nope.yaml cannot be read');
    expect(inventory.namespaces.map((n) => n.name)).toEqual(['n']);
  });
});

describe('loadInventoryPaths folder convention', () => {
  it('takes the cluster from the first folder under the root and skips other file types', async () => {
    await write('estate/prod/shop/pods.yaml', 'kind: Pod\nmetadata: {name: web, namespace: shop}\n');
    await write('estate/dev/all.json', JSON.stringify({ kind: 'Pod', ...pod('web', 'shop') }));
    await write('estate/loose.yaml', 'kind: Pod\nmetadata: {name: stray, namespace: shop}\n');
    await write('estate/prod/README.md', '# not inventory');
    const { inventory, files, errors } = await loadInventoryPaths([path.join(dir, 'estate')]);
    expect(errors).toEqual([]);
    expect(files).toBe(3);
    expect(inventory.pods.map((p) => `${p.cluster}/${p.name}`).sort()).toEqual(['default/stray', 'dev/web', 'prod/web']);
    expect(inventory.clusters.map((c) => c.name)).toEqual(['default', 'dev', 'prod']);
  });

  it('puts every file in the --cluster given, whatever the folders', async () => {
    const { inventory } = await loadInventoryPaths([path.join(dir, 'estate')], { cluster: 'one' });
    expect(new Set(inventory.pods.map((p) => p.cluster))).toEqual(new Set(['one']));
  });
});

describe('template pods', () => {
  const deployment = { kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 9000 }] }] } } } };
  const rs = { kind: 'ReplicaSet', metadata: { name: 'api-5d8f', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'api', controller: true }] }, spec: { template: { metadata: { labels: { app: 'api' } } } } };
  const realPod = { kind: 'Pod', metadata: { name: 'api-5d8f-x1', namespace: 'shop', labels: { app: 'api', 'pod-template-hash': '5d8f' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'api-5d8f', controller: true }] } };

  it('makes none in auto mode when a real pod of the Deployment exists, even without its ReplicaSet object', async () => {
    const file = await write('tpl/a.json', JSON.stringify({ kind: 'List', items: [deployment, realPod] }));
    const { inventory } = await loadInventoryPaths([file]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['api-5d8f-x1']);
  });

  it('makes one for the top of the owner chain only (not the ReplicaSet too)', async () => {
    const file = await write('tpl/b.json', JSON.stringify({ kind: 'List', items: [deployment, rs] }));
    const { inventory } = await loadInventoryPaths([file]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['api-template']);
  });

  it('makes one next to real pods in always mode, and none in never mode', async () => {
    const file = await write('tpl/c.json', JSON.stringify({ kind: 'List', items: [deployment, realPod] }));
    expect((await loadInventoryPaths([file], { templatePods: 'always' })).inventory.pods.map((p) => p.name).sort()).toEqual(['api-5d8f-x1', 'api-template']);
    const lone = await write('tpl/d.json', JSON.stringify(deployment));
    expect((await loadInventoryPaths([lone], { templatePods: 'never' })).inventory.pods).toEqual([]);
  });

  it('builds a CronJob representative from its job template', async () => {
    const cron = { kind: 'CronJob', metadata: { name: 'nightly', namespace: 'ops' }, spec: { jobTemplate: { spec: { template: { metadata: { labels: { job: 'nightly' } }, spec: { containers: [{ name: 'c' }] } } } } } };
    const file = await write('tpl/e.yaml', JSON.stringify(cron));
    const { inventory } = await loadInventoryPaths([file]);
    expect(inventory.pods).toMatchObject([{ name: 'nightly-template', labels: { job: 'nightly' }, owner: { kind: 'CronJob', name: 'nightly' } }]);
  });
});

describe('mergeInventories', () => {
  it('keeps the same name in two clusters apart and lets a later object replace an earlier one', async () => {
    const a = await write('merge/a.yaml', 'kind: Pod\nmetadata: {name: web, namespace: shop, labels: {v: "1"}}\n');
    const b = await write('merge/b.yaml', 'kind: Pod\nmetadata: {name: web, namespace: shop, labels: {v: "2"}}\n');
    const one = (await loadInventoryPaths([a], { cluster: 'prod' })).inventory;
    const two = (await loadInventoryPaths([b], { cluster: 'prod' })).inventory;
    const three = (await loadInventoryPaths([a], { cluster: 'dev' })).inventory;
    const merged = mergeInventories([one, two, three]);
    expect(merged.pods.map((p) => `${p.cluster}/${p.labels.v}`).sort()).toEqual(['dev/1', 'prod/2']);
    expect(merged.clusters.map((c) => c.name)).toEqual(['dev', 'prod']);
  });
});
