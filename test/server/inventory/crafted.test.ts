/**
 * Crafted inventory objects: a value YAML or JSON can carry that String() cannot print
 * (`{toString: 1}`) where text belongs is an error naming the object and the field, never a crash
 * of the whole load, and the file's other objects are still read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';
import { normalizeObject } from '../../../server/inventory/normalize.ts';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const GOOD_POD = `apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop}
spec: {containers: [{name: c, image: x}]}`;

describe('crafted inventory objects', () => {
  it.each<[string, string, RegExp]>([
    ['an annotation value', 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, annotations: {a: {toString: 1}}}\nspec: {containers: [{name: c, image: x}]}', /Pod\/web-1 metadata\.annotations\.a must be a string/],
    ['a label value', 'apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: {app: {toString: 1}}}\nspec: {containers: [{name: c, image: x}]}', /web-1.*labels/],
    ['a Calico rule protocol', 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {selector: all(), ingress: [{action: Allow, protocol: {toString: 1}}]}', /CalicoNetworkPolicy\/p spec\.ingress\[0\]\.protocol must be a protocol name or number/],
    ['a NetworkPolicy port', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {}, ingress: [{ports: [{port: {toString: 1}}]}]}', /NetworkPolicy\/p .*port/],
  ])('%s that is an object is an error naming the object and field; the rest of the file is read', async (_what, doc, reason) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-crafted-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'a.yaml'), `${doc}\n---\n${GOOD_POD}\n`);
    const { inventory, errors } = await loadInventoryPaths([dir], { cluster: 'c' });
    expect(errors.map((e) => e.message).join('\n')).toMatch(reason);
    expect(inventory.pods.map((p) => p.name)).toContain('web-2');
  });

  it('leaves out a Service port whose targetPort is an object, with a warning naming it, and reads the Service', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-crafted-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {app: api}, ports: [{port: 80, targetPort: {toString: 1}}]}\n');
    const { inventory, warnings, errors } = await loadInventoryPaths([dir], { cluster: 'c' });
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/Service\/api spec\.ports\[0\]\.targetPort must be an integer or a port name; that part is left out/);
    expect(inventory.services.map((s) => s.name)).toEqual(['api']);
  });

  it('turns a throw no rule foresaw into an error naming the object, not a crash', () => {
    const exploding = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' }, get spec(): unknown { throw new Error('boom'); } };
    const outcome = normalizeObject(exploding, { cluster: 'c', source: { file: 'a.yaml', line: 3 } });
    expect(outcome.kind).toBe('invalid');
    expect(outcome.kind === 'invalid' && outcome.error.message).toMatch(/a\.yaml:3 .*Pod web-1 could not be read \(boom\)/);
  });
});
