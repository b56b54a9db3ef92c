/**
 * Inventory objects meet the same value rules as flows (generator/model/validate.ts) where they
 * are normalized: a name, label, port or address that breaks them makes the object invalid, with
 * an error naming the file, the object and the field.
 */
import { describe, expect, it } from 'vitest';
import { normalizeObject } from '../../../server/inventory/normalize.ts';

const ctx = { cluster: 'prod', source: { file: 'pods.yaml', line: 3 } };
const goodPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations: { note: 'any text <b>at all</b>\u0000' } },
  spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080 }] }] },
  status: { podIP: '10.0.0.1' },
};
const withMeta = (meta: Record<string, unknown>) => ({ ...goodPod, metadata: { ...goodPod.metadata, ...meta } });

describe('inventory values at the edge', () => {
  it('accepts a good pod, annotations being free text', () => {
    expect(normalizeObject(goodPod, ctx).kind).toBe('object');
  });

  it.each([
    ['a namespace with a slash', withMeta({ namespace: 'shop/evil' }), /metadata\.namespace: "shop\/evil" is not a DNS-1123 label/],
    ['a name with a slash', withMeta({ name: 'web/1' }), /metadata\.name: "web\/1" is not a DNS-1123 subdomain/],
    ['a name with a terminal escape', withMeta({ name: 'web\u001b[2J' }), /metadata\.name: "web\\u001b\[2J"/],
    ['a 67-character label key', withMeta({ labels: { ['k'.repeat(67)]: 'v' } }), /metadata\.labels: label key "k{67}" is invalid/],
    ['a NUL in a label value', withMeta({ labels: { app: 'we\u0000b' } }), /metadata\.labels: label value "we\\u0000b" is invalid/],
    ['markup in a label value', withMeta({ labels: { app: '<img src=x onerror=alert(1)>' } }), /label value "<img src=x onerror=alert\(1\)>" is invalid/],
    ['a pod IP 999.1.1.1', { ...goodPod, status: { podIP: '999.1.1.1' } }, /status\.podIP: "999\.1\.1\.1" is not an IP address/],
    ['a pod IP x in podIPs', { ...goodPod, status: { podIPs: [{ ip: 'x' }] } }, /status\.podIPs\[0\]\.ip: "x" is not an IP address/],
  ])('rejects a pod with %s, naming the file, object and field', (_what, raw, reason) => {
    const outcome = normalizeObject(raw, ctx);
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.error.message).toMatch(/^netatlas\/inventory: pods\.yaml:3 /);
    expect(outcome.error.message).toMatch(reason);
  });

  it('reads a pod with containerPort 70000 without that port, with a warning naming the file, object and field', () => {
    const outcome = normalizeObject({ ...goodPod, spec: { containers: [{ name: 'web', ports: [{ containerPort: 70000 }, { containerPort: 8080 }] }] } }, ctx);
    expect(outcome.kind).toBe('object');
    if (outcome.kind !== 'object') return;
    expect(outcome.object.kind === 'Pod' && outcome.object.ports.map((p) => p.containerPort)).toEqual([8080]);
    expect(outcome.warnings?.[0].message).toMatch(/^netatlas\/inventory: pods\.yaml:3 prod\/shop\/Pod\/web-1 .*containers\[0\]\.ports\[0\]\.containerPort: 70000 is not a port/);
  });

  it('rejects a NetworkPolicy whose selector holds a label value no Kubernetes API server accepts', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' },
      spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'a b'] }] } },
    };
    const outcome = normalizeObject(policy, ctx);
    expect(outcome.kind === 'invalid' && outcome.error.message).toMatch(/spec\.podSelector\.matchExpressions\[0\]\.values: label value "a b" is invalid/);
  });
});
