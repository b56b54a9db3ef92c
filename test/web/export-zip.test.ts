import fc from 'fast-check';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { policyFileNames, policyZip, type ExportFormat } from '../../web/src/export/policy-zip.ts';

const prodPolicies = { cluster: 'prod', yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-netatlas\n  namespace: shop\n' };
const stagingPolicies = { cluster: 'staging', yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-netatlas\n  namespace: shop\n' };
const devWithoutPolicies = { cluster: 'dev', yaml: '\n' };

describe('YAML export zip', () => {
  it('holds one entry per cluster, each with that cluster’s YAML, read back as a valid zip', () => {
    const zip = policyZip([prodPolicies, stagingPolicies], 'networkpolicy');
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual(['prod-networkpolicy.yaml', 'staging-networkpolicy.yaml']);
    expect(strFromU8(files['prod-networkpolicy.yaml'])).toBe(prodPolicies.yaml);
    expect(strFromU8(files['staging-networkpolicy.yaml'])).toBe(stagingPolicies.yaml);
  });

  it('leaves out clusters with no generated policy', () => {
    const zip = policyZip([devWithoutPolicies, prodPolicies], 'cilium');
    expect(zip.entries).toEqual(['prod-cilium.yaml']);
    expect(Object.keys(unzipSync(zip.bytes))).toEqual(['prod-cilium.yaml']);
  });

  it.each<[ExportFormat, string]>([
    ['networkpolicy', 'prod-networkpolicy.yaml'],
    ['cilium', 'prod-cilium.yaml'],
    ['calico-staged', 'prod-calico-staged.yaml'],
  ])('names the file after the cluster and the %s format', (format, name) => {
    expect(policyFileNames(['prod'], format)).toEqual([name]);
  });

  it('keeps names unique when clusters differ only by case or by characters a file name cannot hold', () => {
    expect(policyFileNames(['Prod', 'prod', 'a/b', 'a-b'], 'networkpolicy')).toEqual([
      'Prod-networkpolicy.yaml', 'prod-networkpolicy-2.yaml', 'a-b-networkpolicy.yaml', 'a-b-networkpolicy-2.yaml',
    ]);
  });

  it('gives every cluster a distinct, safe file name whatever the cluster names', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 12 }), (clusters) => {
      const names = policyFileNames(clusters, 'calico-staged');
      expect(names).toHaveLength(clusters.length);
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*\.yaml$/);
    }));
  });

  it('writes the same bytes for the same policies (no clock in the archive)', () => {
    expect(policyZip([prodPolicies], 'networkpolicy').bytes).toEqual(policyZip([prodPolicies], 'networkpolicy').bytes);
  });
});
