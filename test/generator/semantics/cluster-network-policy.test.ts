/**
 * ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, network-policy-api v0.2.0), one
 * table per rule of the API's documentation (the Go types' comments), with its examples.
 */
import { describe, expect, it } from 'vitest';
import type { AdminNetworkPolicyInfo, NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { createEngine, formatVerdict, type Peer, type PolicySnapshot } from '../../../generator/semantics/index.ts';
import { adminRule, anp, banp, cnp, node, np, ns, nsPeer, pod, podsPeer, rule, sel, snapshot, tcp } from './builders.ts';

const web = pod('dev', 'web', { app: 'web' }, { ips: ['10.0.0.1'], nodeName: 'n1', ports: [tcp(8080, 'http')] });
const db = pod('prod', 'db', { app: 'db' }, { ips: ['10.0.1.3'], nodeName: 'n2', ports: [tcp(5432, 'pg')] });
const namespaces = [ns('dev', { purpose: 'testing' }), ns('prod', { purpose: 'production' })];
const nodes = [node('n1', ['192.168.0.1'], { role: 'worker' }), node('n2', ['192.168.0.2'], { role: 'control-plane' })];
const P = (p: PodInfo): Peer => ({ kind: 'pod', pod: p });
const IP = (ip: string): Peer => ({ kind: 'ip', ip });
const toProd: Partial<AdminNetworkPolicyInfo> = { subject: { namespaces: sel({ purpose: 'production' }) } };
const fromDev: Partial<AdminNetworkPolicyInfo> = { subject: { namespaces: sel({ purpose: 'testing' }) } };

interface Row {
  name: string;
  admin: AdminNetworkPolicyInfo[];
  policies?: NetworkPolicyInfo[];
  src: Peer;
  dst: Peer;
  expect: string;
}

function runTable(rows: Row[]): void {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const snap: PolicySnapshot = snapshot({ namespaces, nodes, pods: [web, db], networkPolicies: r.policies ?? [], adminNetworkPolicies: r.admin });
    const engine = createEngine(snap);
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
  });
}

describe('tiers: Admin, then NetworkPolicy, then Baseline, then default allow', () => {
  runTable([
    { name: 'an Admin-tier Accept wins over a NetworkPolicy that isolates the pod', admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Accept', [nsPeer()])] })], policies: [np('prod', 'deny', { policyTypes: ['Ingress'] })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'an Admin-tier Deny cannot be overridden by a NetworkPolicy', admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] })], policies: [np('prod', 'allow', { ingress: [{}] })], src: P(web), dst: P(db), expect: 'No Connections' },
    {
      name: 'Admin-tier Pass hands the connection to the NetworkPolicy tier ("if an Admin tier CNP uses Pass action, NetworkPolicy evaluation will happen next")',
      admin: [cnp('pass', 'Admin', 10, { ...toProd, ingress: [adminRule('Pass', [nsPeer()])] }), cnp('deny', 'Admin', 20, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] })],
      policies: [np('prod', 'pg', { ingress: [rule(undefined, [{ port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    { name: 'a NetworkPolicy makes the final decision for the pods it selects: the Baseline tier is not reached', admin: [cnp('b', 'Baseline', 10, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] })], policies: [np('prod', 'allow', { ingress: [{}] })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'a Baseline-tier Deny applies to pods no NetworkPolicy selects', admin: [cnp('b', 'Baseline', 10, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] })], src: P(web), dst: P(db), expect: 'No Connections' },
    {
      name: 'Baseline-tier Pass skips the rest of the tier and leaves the connection to the default, which allows it',
      admin: [cnp('pass', 'Baseline', 10, { ...toProd, ingress: [adminRule('Pass', [nsPeer()], [{ kind: 'portNumber', protocol: 'TCP', port: 5432 }])] }), cnp('deny', 'Baseline', 20, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    { name: 'a policy with no ingress rules does not affect ingress', admin: [cnp('b', 'Baseline', 10, { ...toProd, egress: [adminRule('Deny', [nsPeer()])] })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'a ClusterNetworkPolicy never isolates on its own: unmatched traffic is allowed', admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Deny', [nsPeer({ purpose: 'nobody' })])] })], src: P(web), dst: P(db), expect: 'All Connections' },
  ]);
});

describe('priority and rule order', () => {
  runTable([
    { name: 'a lower priority value is checked first', admin: [cnp('deny', 'Admin', 20, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] }), cnp('accept', 'Admin', 5, { ...toProd, ingress: [adminRule('Accept', [nsPeer()])] })], policies: [np('prod', 'deny', { policyTypes: ['Ingress'] })], src: P(web), dst: P(db), expect: 'All Connections' },
    {
      name: 'within a policy the first matching rule decides, per port',
      admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Accept', [nsPeer()], [{ kind: 'portRange', protocol: 'TCP', start: 5000, end: 6000 }]), adminRule('Deny', [nsPeer()])] })],
      src: P(web), dst: P(db), expect: 'TCP 5000-6000',
    },
    {
      name: 'Baseline-tier policies are ordered by priority too, and come before the legacy BANP',
      admin: [banp({ ...toProd, ingress: [adminRule('Deny', [nsPeer()])] }), cnp('accept', 'Baseline', 900, { ...toProd, ingress: [adminRule('Accept', [nsPeer()], [{ kind: 'portNumber', protocol: 'TCP', port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    {
      name: 'ANP v1alpha1 and Admin-tier ClusterNetworkPolicy share the Admin tier by priority',
      admin: [anp('legacy-deny', 20, { ...toProd, ingress: [adminRule('Deny', [nsPeer()])] }), cnp('accept', 'Admin', 10, { ...toProd, ingress: [adminRule('Accept', [nsPeer()], [{ kind: 'portNumber', protocol: 'TCP', port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
  ]);
});

describe('peers and protocols', () => {
  runTable([
    { name: 'a pods peer selects pods by namespace and pod labels', admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Deny', [podsPeer({ purpose: 'testing' }, { app: 'web' })])] })], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'a networks peer matches external addresses', admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Deny', [{ kind: 'networks', networks: ['8.8.8.0/24'] }])] })], src: P(web), dst: IP('8.8.8.8'), expect: 'No Connections' },
    {
      name: 'a networks peer matches pod-to-pod traffic as well ("if you Deny traffic to 0.0.0.0/0, that will deny all IPv4 pod-to-pod traffic as well")',
      admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Deny', [{ kind: 'networks', networks: ['0.0.0.0/0'] }])] })],
      src: P(web), dst: P(db), expect: 'No Connections',
    },
    {
      name: 'the documented fix: a rule that Passes all pod traffic before the networks rule',
      admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Pass', [nsPeer()]), adminRule('Deny', [{ kind: 'networks', networks: ['0.0.0.0/0'] }])] })],
      src: P(web), dst: P(db), expect: 'All Connections',
    },
    { name: 'a nodes peer matches the addresses of the nodes it selects', admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Deny', [{ kind: 'nodes', nodes: sel({ role: 'control-plane' }) }])] })], src: P(web), dst: IP('192.168.0.2'), expect: 'No Connections' },
    { name: 'a nodes peer leaves the other nodes alone', admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Deny', [{ kind: 'nodes', nodes: sel({ role: 'control-plane' }) }])] })], src: P(web), dst: IP('192.168.0.1'), expect: 'All Connections' },
    {
      name: 'protocols: a UDP number, a TCP range and a named port add up',
      admin: [cnp('a', 'Admin', 10, { ...toProd, ingress: [adminRule('Accept', [nsPeer()], [{ kind: 'portNumber', protocol: 'UDP', port: 53 }, { kind: 'portRange', protocol: 'TCP', start: 80, end: 90 }, { kind: 'namedPort', name: 'pg' }]), adminRule('Deny', [nsPeer()])] })],
      src: P(web), dst: P(db), expect: 'TCP 80-90,5432,UDP 53',
    },
    {
      name: 'an egress Accept stops egress evaluation but the ingress rules at the destination still apply',
      admin: [cnp('a', 'Admin', 10, { ...fromDev, egress: [adminRule('Accept', [nsPeer()])] })],
      policies: [np('dev', 'deny-out', { policyTypes: ['Egress'] }), np('prod', 'pg-only', { ingress: [rule(undefined, [{ port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
  ]);
});

describe('domainNames (NPEP-133 "Maintaining an allowlist of domains")', () => {
  const allowlist = [
    cnp('allow-internal-egress', 'Admin', 45, { subject: { namespaces: sel({ 'kubernetes.io/metadata.name': 'dev' }) }, egress: [adminRule('Accept', [{ kind: 'networks', networks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }], undefined, 'allow-cluster')] }),
    cnp('allow-domains-egress', 'Admin', 55, { subject: { namespaces: sel({ 'kubernetes.io/metadata.name': 'dev' }) }, egress: [adminRule('Accept', [{ kind: 'domainNames', domainNames: ['blog.kubernetes.io', '*.k8s.io'] }], undefined, 'allow-to-my-service')] }),
    cnp('deny-egress', 'Admin', 100, { subject: { namespaces: sel({ 'kubernetes.io/metadata.name': 'dev' }) }, egress: [adminRule('Deny', [{ kind: 'networks', networks: ['0.0.0.0/0'] }], undefined, 'deny-all')] }),
  ];
  const engine = createEngine(snapshot({ namespaces, nodes, pods: [web, db], adminNetworkPolicies: allowlist }));

  it('accepts the internal ranges and denies the rest, domain names matching no address', () => {
    expect(engine.validation.errors).toEqual([]);
    expect(engine.allowedConnections(P(web), IP('10.9.9.9')).toString()).toBe('All Connections');
    expect(engine.allowedConnections(P(web), IP('151.101.1.1')).toString()).toBe('No Connections');
  });

  it('reports the domainNames peer as not statically checkable, naming policy and rule', () => {
    expect(engine.validation.warnings.map((w) => [w.code, w.message])).toEqual([
      ['unknowable-peer', expect.stringMatching(/c1\/ClusterNetworkPolicy\/allow-domains-egress: spec.egress\[0\] \(allow-to-my-service\) domainNames blog.kubernetes.io, \*.k8s.io cannot be checked statically/)],
    ]);
  });
});

describe('explain names kind, tier, policy and rule', () => {
  it('prints the ClusterNetworkPolicy with its tier and priority and the rule that decided', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], adminNetworkPolicies: [cnp('isolate-prod', 'Admin', 10, { ...toProd, ingress: [adminRule('Deny', [nsPeer()], undefined, 'deny-pod-ingress')] })] }));
    const text = formatVerdict(engine.evaluate({ src: P(web), dst: P(db), protocol: 'TCP', port: 5432 }));
    expect(text).toContain('ingress denied by ClusterNetworkPolicy isolate-prod (tier Admin, priority 10) ingress[0] "deny-pod-ingress": Deny');
  });

  it('lists the policies selecting a pod with their kind, Admin tier first and Baseline tier last', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], networkPolicies: [np('prod', 'p')], adminNetworkPolicies: [cnp('base', 'Baseline', 1, toProd), cnp('adm', 'Admin', 50, toProd)] }));
    expect(engine.policiesSelecting(db, 'ingress').map((s) => `${s.kind}/${s.name}:${s.tier}`)).toEqual([
      'ClusterNetworkPolicy/adm:AdminNetworkPolicy', 'NetworkPolicy/p:NetworkPolicy', 'ClusterNetworkPolicy/base:BaselineAdminNetworkPolicy',
    ]);
  });
});

describe('validation of ClusterNetworkPolicy', () => {
  const errorsOf = (p: AdminNetworkPolicyInfo): string[] => createEngine(snapshot({ namespaces, pods: [web, db], adminNetworkPolicies: [p] })).validation.errors.map((e) => e.message);
  it.each([
    ['an Allow action (v1alpha1 spelling)', cnp('x', 'Admin', 1, { ingress: [adminRule('Allow', [nsPeer()])] }), /spec.ingress\[0\] \(allow-rule\) has action "Allow". Use Accept, Deny, Pass/],
    ['a priority above 1000', cnp('x', 'Baseline', 1001), /spec.priority 1001 is not an integer in 0..1000/],
    ['a networks peer in from', cnp('x', 'Admin', 1, { ingress: [adminRule('Deny', [{ kind: 'networks', networks: ['10.0.0.0/8'] }])] }), /has a networks peer in from/],
    ['domainNames on a Deny rule', cnp('x', 'Admin', 1, { egress: [adminRule('Deny', [{ kind: 'domainNames', domainNames: ['example.com'] }])] }), /uses domainNames with action Deny/],
    ['a named port with a networks peer', cnp('x', 'Admin', 1, { egress: [adminRule('Accept', [{ kind: 'networks', networks: ['10.0.0.0/8'] }], [{ kind: 'namedPort', name: 'http' }])] }), /combines destinationNamedPort with a networks, nodes or domainNames peer/],
    ['a range whose start is not less than its end', cnp('x', 'Admin', 1, { egress: [adminRule('Accept', [nsPeer()], [{ kind: 'portRange', protocol: 'TCP', start: 80, end: 80 }])] }), /range 80-80 does not have start < end/],
    ['a wildcard that is not a prefix', cnp('x', 'Admin', 1, { egress: [adminRule('Accept', [{ kind: 'domainNames', domainNames: ['api.*.io'] }])] }), /domain name "api.\*.io" is not valid/],
  ])('reports %s as an error naming the object', (_what, p, pattern) => {
    expect(errorsOf(p).some((m) => pattern.test(m))).toBe(true);
  });

  it('reports two policies of one tier sharing a priority, but not policies of different tiers', () => {
    expect(errorsOf(cnp('x', 'Admin', 1))).toEqual([]);
    const shared = createEngine(snapshot({ adminNetworkPolicies: [cnp('a', 'Admin', 7), cnp('b', 'Admin', 7), cnp('c', 'Baseline', 7)] })).validation.errors.map((e) => e.message);
    expect(shared).toEqual([expect.stringMatching(/ClusterNetworkPolicy\/a: spec.priority 7 is shared with b/), expect.stringMatching(/ClusterNetworkPolicy\/b: spec.priority 7 is shared with a/)]);
  });
});
