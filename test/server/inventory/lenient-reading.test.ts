/**
 * Manifest folders are read the way kubectl reads them: stray files that are not Kubernetes
 * objects and harmless defects become warnings naming file:line and object; the rest loads.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';

const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'netatlas-lenient-'));
});

async function write(rel: string, content: string): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

const podYaml = (name: string, extra = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n  labels: {app: ${name}}\n${extra}spec:\n  containers:\n  - name: c\n    ports: [{containerPort: 8080, name: http}]\n`;

describe('lenient reading of manifest folders', () => {
  it('skips a JSON file that is not a Kubernetes object with a not-kubernetes warning naming the file', async () => {
    const pkg = await write('a/package.json', JSON.stringify({ name: 'tool', version: '1.0.0', scripts: {} }, null, 2));
    await write('a/pod.yaml', podYaml('web'));
    const { inventory, errors, warnings } = await loadInventoryPaths([path.join(dir, 'a')]);
    expect(errors).toEqual([]);
    expect(inventory.pods.map((p) => p.name)).toEqual(['web']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'not-kubernetes', location: { file: pkg, line: 1 } });
    expect(warnings[0].message).toContain(`${pkg}:1 is not a Kubernetes object`);
  });

  it('reads a pod whose ownerReference has no kind, without that reference, with a partial-object warning', async () => {
    const file = await write('b/pod.yaml', podYaml('web', '  ownerReferences: [{name: web-5d8f, controller: true}]\n'));
    const { inventory, errors, warnings } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.pods).toHaveLength(1);
    expect(inventory.pods[0].owner).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(['partial-object']);
    expect(warnings[0].message).toMatch(/pod\.yaml:1 default\/shop\/Pod\/web metadata\.ownerReferences\[0\] needs kind and name; that part is left out/);
  });

  it('reads a container port without containerPort by leaving that port out', async () => {
    const file = await write('c/pod.yaml', 'kind: Pod\napiVersion: v1\nmetadata: {name: api, namespace: shop}\nspec:\n  containers:\n  - name: c\n    ports: [{name: metrics}, {containerPort: 9000, name: grpc}]\n');
    const { inventory, errors, warnings } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.pods[0].ports).toEqual([{ name: 'grpc', containerPort: 9000, protocol: 'TCP' }]);
    expect(warnings[0]).toMatchObject({ code: 'partial-object', location: { file, line: 1, object: 'default/shop/Pod/api' } });
    expect(warnings[0].message).toContain('spec.containers[0].ports[0] has no containerPort');
  });

  it('reads a Service port without a port number by leaving that port out', async () => {
    const file = await write('d/svc.yaml', 'kind: Service\napiVersion: v1\nmetadata: {name: api, namespace: shop}\nspec:\n  ports: [{name: broken}, {port: 80, targetPort: 8080}]\n');
    const { inventory, errors, warnings } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.services[0].ports).toEqual([{ protocol: 'TCP', port: 80, targetPort: 8080 }]);
    expect(warnings[0].message).toContain('spec.ports[0] has no port');
  });

  it('reads several pretty-printed JSON objects one after another in one file', async () => {
    const a = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, null, 2);
    const b = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', annotations: { x: '}{"' } } }, null, 2);
    const file = await write('e/stream.json', `${a}\n${b}\n`);
    const { inventory, errors } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.namespaces.map((n) => [n.name, n.source?.line])).toEqual([['a', 1], ['b', a.split('\n').length + 1]]);
  });

  it('reads a YAML stream of JSON documents separated by ---', async () => {
    const file = await write('f/stream.yaml', '{"apiVersion": "v1", "kind": "Namespace",\n "metadata": {"name": "a"}}\n---\n{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}\n');
    const { inventory, errors } = await loadInventoryPaths([file]);
    expect(errors).toEqual([]);
    expect(inventory.namespaces.map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('keeps an invalid policy an error while stray files next to it are warnings', async () => {
    await write('g/notes.json', '{"todo": ["x"]}');
    await write('g/np.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n');
    const { errors, warnings } = await loadInventoryPaths([path.join(dir, 'g')]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/np\.yaml:1 .*NetworkPolicy\/bad spec\.policyTypes\[0\] must be Ingress or Egress/)]);
    expect(warnings.map((w) => w.code)).toEqual(['not-kubernetes']);
  });

  it('reads third-party folders holding JSON that is not Kubernetes (Inspektor Gadget outputs) with warnings only', async () => {
    const { errors, warnings, files } = await loadInventoryPaths([path.join(SHARED, 'inspektor-gadget'), path.join(SHARED, 'online-boutique')]);
    expect(errors).toEqual([]);
    expect(files).toBeGreaterThan(3);
    expect(warnings.some((w) => w.code === 'not-kubernetes' && /ig-trace-tcp-style-event-docs-reference-run\.json:1/.test(w.message))).toBe(true);
  });
});
