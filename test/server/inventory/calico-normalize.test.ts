/**
 * Reading Calico's NetworkPolicy, GlobalNetworkPolicy and Tier (projectcalico.org/v3): what is
 * kept, what is an error naming the field, what is recorded as not evaluated.
 */
import { describe, expect, it } from 'vitest';
import type { CalicoPolicyInfo, CalicoTierInfo } from '../../../generator/model/index.ts';
import { normalizeObject, type NormalizeOutcome } from '../../../server/inventory/normalize.ts';

const ctx = { cluster: 'c', source: { file: 'calico.yaml', line: 1 } };
const policy = (spec: Record<string, unknown>, kind = 'NetworkPolicy'): NormalizeOutcome =>
  normalizeObject({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name: 'p', ...(kind === 'NetworkPolicy' ? { namespace: 'shop' } : {}) }, spec }, ctx);
const read = (spec: Record<string, unknown>, kind?: string): CalicoPolicyInfo => {
  const o = policy(spec, kind);
  if (o.kind !== 'object') throw new Error(`expected an object, got ${JSON.stringify(o)}`);
  return o.object as CalicoPolicyInfo;
};
const error = (spec: Record<string, unknown>): string => {
  const o = policy(spec);
  return o.kind === 'invalid' ? o.error.message : `not invalid: ${o.kind}`;
};

describe('Calico policies as read', () => {
  it('a NetworkPolicy keeps its namespace and defaults tier to default and selector to all()', () => {
    const p = read({});
    expect([p.kind, p.namespace, p.tier, p.selector, p.order]).toEqual(['CalicoNetworkPolicy', 'shop', 'default', 'all()', undefined]);
  });

  it('a GlobalNetworkPolicy is cluster-scoped and keeps its namespaceSelector and order', () => {
    const p = read({ tier: 'security', order: 10.5, selector: "app == 'web'", namespaceSelector: "team == 'a'" }, 'GlobalNetworkPolicy');
    expect([p.kind, p.namespace, p.tier, p.order, p.namespaceSelector]).toEqual(['CalicoGlobalNetworkPolicy', undefined, 'security', 10.5, "team == 'a'"]);
  });

  it('ports are numbers, "a:b" ranges and names; protocol numbers name TCP/UDP/SCTP', () => {
    const p = read({ ingress: [{ action: 'Allow', protocol: 6, destination: { ports: [80, '8000:8080', 'http', '443'] } }] });
    expect(p.ingress[0]).toEqual({ action: 'Allow', protocol: 'TCP', destination: { ports: [{ start: 80, end: 80 }, { start: 8000, end: 8080 }, { name: 'http' }, { start: 443, end: 443 }] } });
  });

  it('ICMP is kept as a protocol the engine does not model', () => {
    expect(read({ ingress: [{ action: 'Allow', protocol: 'ICMP' }] }).ingress[0].otherProtocol).toBe('ICMP');
  });

  it('fields not evaluated are recorded by name on the rule', () => {
    const p = read({ ingress: [{ action: 'Allow', protocol: 'TCP', http: { methods: ['GET'] }, source: { ports: [1234] } }] });
    expect(p.ingress[0].unsupported).toEqual(['spec.ingress[0].http', 'spec.ingress[0].source.ports']);
  });

  it('doNotTrack and preDNAT mark a GlobalNetworkPolicy as for host endpoints only', () => {
    expect(read({ preDNAT: true }, 'GlobalNetworkPolicy').hostEndpointsOnly).toBe(true);
    expect(read({ applyOnForward: true }, 'GlobalNetworkPolicy').hostEndpointsOnly).toBeUndefined();
  });

  it('a Tier keeps its order and defaultAction', () => {
    const o = normalizeObject({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100, defaultAction: 'Pass' } }, ctx);
    expect(o.kind === 'object' && (o.object as CalicoTierInfo)).toEqual({ kind: 'CalicoTier', cluster: 'c', name: 'security', order: 100, defaultAction: 'Pass', source: expect.anything() });
  });
});

describe('invalid Calico policies are errors naming the file, object and field', () => {
  const rows: [string, Record<string, unknown>, RegExp][] = [
    ['a selector in bad syntax, with its column', { selector: "app = 'x'" }, /calico\.yaml:1 .*CalicoNetworkPolicy\/p spec\.selector: selector "app = 'x'" at column 5/],
    ['an unknown action', { ingress: [{ action: 'Drop' }] }, /spec\.ingress\[0\]\.action must be Allow, Deny, Pass or Log \(got "Drop"\)/],
    ['ports without a protocol', { ingress: [{ action: 'Allow', destination: { ports: [80] } }] }, /spec\.ingress\[0\]\.destination\.ports needs spec\.ingress\[0\]\.protocol TCP, UDP or SCTP/],
    ['a range that ends before it starts', { ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['90:80'] } }] }, /range 90:80 ends before it starts/],
    ['an unknown type', { types: ['Both'] }, /spec\.types has "Both"/],
  ];
  it.each(rows)('%s', (_name, spec, message) => {
    expect(error(spec)).toMatch(message);
  });
});

describe('staged policies as read', () => {
  const staged = (kind: string, spec: Record<string, unknown>): NormalizeOutcome =>
    normalizeObject({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name: 'p', ...(kind === 'StagedGlobalNetworkPolicy' ? {} : { namespace: 'shop' }) }, spec }, ctx);

  it('a StagedKubernetesNetworkPolicy carries the NetworkPolicy it stages', () => {
    const o = staged('StagedKubernetesNetworkPolicy', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(o.kind === 'object' && o.object).toMatchObject({ kind: 'StagedKubernetesNetworkPolicy', namespace: 'shop', stagedAction: 'Set', policy: { kind: 'NetworkPolicy', namespace: 'shop', name: 'p', policyTypes: ['Ingress'] } });
  });

  it('a StagedGlobalNetworkPolicy with stagedAction Delete carries the policy to remove', () => {
    const o = staged('StagedGlobalNetworkPolicy', { stagedAction: 'Delete' });
    expect(o.kind === 'object' && o.object).toMatchObject({ kind: 'StagedGlobalNetworkPolicy', stagedAction: 'Delete', policy: { kind: 'CalicoGlobalNetworkPolicy', name: 'p' } });
  });

  it('an unknown stagedAction is an error naming the field', () => {
    const o = staged('StagedNetworkPolicy', { stagedAction: 'Maybe' });
    expect(o.kind === 'invalid' && o.error.message).toMatch(/spec\.stagedAction must be Set or Delete \(got "Maybe"\)/);
  });
});

describe('Calico network sets as read', () => {
  const set = (kind: string, nets: unknown, namespace?: string): NormalizeOutcome =>
    normalizeObject({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name: 'external-database', labels: { role: 'external-database' }, ...(namespace ? { namespace } : {}) }, spec: { nets } }, ctx);

  it('the docs\' GlobalNetworkSet keeps its labels and nets and has no namespace', () => {
    const o = set('GlobalNetworkSet', ['198.51.100.0/28', '203.0.113.0/24']);
    expect(o.kind === 'object' && o.object).toMatchObject({ kind: 'CalicoGlobalNetworkSet', name: 'external-database', labels: { role: 'external-database' }, nets: ['198.51.100.0/28', '203.0.113.0/24'] });
    expect(o.kind === 'object' && 'namespace' in o.object).toBe(false);
  });

  it('a NetworkSet is namespaced and takes single addresses', () => {
    const o = set('NetworkSet', ['10.1.2.3'], 'shop');
    expect(o.kind === 'object' && o.object).toMatchObject({ kind: 'CalicoNetworkSet', namespace: 'shop', nets: ['10.1.2.3'] });
  });

  it('a net that is no CIDR is an error naming the entry', () => {
    const o = set('GlobalNetworkSet', ['198.51.100.0/28', '300.1.1.0/24']);
    expect(o.kind === 'invalid' && o.error.message).toMatch(/calico\.yaml:1 .*spec\.nets\[1\] "300\.1\.1\.0\/24" is not a CIDR/);
  });
});
