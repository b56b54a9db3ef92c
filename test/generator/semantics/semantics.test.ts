/**
 * Table-driven tests, one table per rule of "Semantics to get exactly right" (issue 3).
 * Every row states the connection set the engine must compute between two peers.
 */
import { describe, expect, it } from 'vitest';
import type { NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { createEngine, type EngineOptions, type Peer, type PolicySnapshot } from '../../../generator/semantics/index.ts';
import {
  adminRule, anp, banp, fromPods, node, np, ns, nsPeer, pod, podsPeer, rule, sel, snapshot, tcp, udp,
} from './builders.ts';

const web = pod('shop', 'web', { app: 'web' }, { ips: ['10.0.0.1'], nodeName: 'n1', ports: [tcp(8080, 'http')] });
const api = pod('shop', 'api', { app: 'api' }, { ips: ['10.0.0.2'], nodeName: 'n2', ports: [tcp(9000, 'http'), udp(53, 'dns')] });
const db = pod('data', 'db', { app: 'db' }, { ips: ['10.0.1.3'], nodeName: 'n1', ports: [tcp(5432, 'pg')] });
const namespaces = [ns('shop', { team: 'shop' }), ns('data', { team: 'data' })];
const P = (p: PodInfo): Peer => ({ kind: 'pod', pod: p });
const IP = (ip: string): Peer => ({ kind: 'ip', ip });

interface Row {
  name: string;
  policies?: NetworkPolicyInfo[];
  snap?: Partial<PolicySnapshot>;
  src: Peer;
  dst: Peer;
  expect: string;
  opts?: EngineOptions;
}

function runTable(rows: Row[]): void {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const snap = snapshot({ namespaces, pods: [web, api, db], networkPolicies: r.policies ?? [], ...r.snap });
    const engine = createEngine(snap, r.opts);
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
  });
}

const denyAllIngress = (namespace: string): NetworkPolicyInfo => np(namespace, 'deny-in', { podSelector: {}, policyTypes: ['Ingress'] });
const denyAllEgress = (namespace: string): NetworkPolicyInfo => np(namespace, 'deny-out', { podSelector: {}, policyTypes: ['Egress'] });

describe('isolation is per pod and per direction, policies are additive, both ends must allow, replies are free', () => {
  runTable([
    { name: 'with no policy everything is allowed', src: P(web), dst: P(api), expect: 'All Connections' },
    { name: 'a policy selecting only the destination does not isolate the source', policies: [np('shop', 'only-api', { podSelector: sel({ app: 'api' }) })], src: P(api), dst: P(web), expect: 'All Connections' },
    { name: 'an ingress-isolated destination denies what no rule allows', policies: [denyAllIngress('shop')], src: P(web), dst: P(api), expect: 'No Connections' },
    { name: 'ingress isolation does not restrict egress of the same pod', policies: [denyAllIngress('shop')], src: P(api), dst: P(db), expect: 'All Connections' },
    {
      name: 'two policies selecting the same pod add up their rules',
      policies: [
        denyAllIngress('shop'),
        np('shop', 'a', { podSelector: sel({ app: 'api' }), ingress: [rule([fromPods({ app: 'web' })], [{ port: 80 }])] }),
        np('shop', 'b', { podSelector: sel({ app: 'api' }), ingress: [rule([fromPods({ app: 'web' })], [{ port: 443 }])] }),
      ],
      src: P(web), dst: P(api), expect: 'TCP 80,443',
    },
    {
      name: 'pod-to-pod traffic needs the egress of the source as well as the ingress of the destination',
      policies: [np('shop', 'web-out', { podSelector: sel({ app: 'web' }), policyTypes: ['Egress'], egress: [rule(undefined, [{ port: 443 }])] })],
      src: P(web), dst: P(api), expect: 'TCP 443',
    },
    {
      name: 'the intersection of both directions is what is allowed',
      policies: [
        np('shop', 'web-out', { podSelector: sel({ app: 'web' }), egress: [rule(undefined, [{ port: 443, endPort: 9000 }])] }),
        np('shop', 'api-in', { podSelector: sel({ app: 'api' }), ingress: [rule(undefined, [{ port: 80, endPort: 500 }])] }),
      ],
      src: P(web), dst: P(api), expect: 'TCP 443-500',
    },
    {
      name: 'replies are allowed: the source denying all ingress does not block its own requests',
      policies: [np('shop', 'web-closed', { podSelector: sel({ app: 'web' }), policyTypes: ['Ingress'] })],
      src: P(web), dst: P(api), expect: 'All Connections',
    },
    {
      name: 'replies are allowed: the destination denying all egress does not block requests to it',
      policies: [np('shop', 'api-closed', { podSelector: sel({ app: 'api' }), policyTypes: ['Egress'] })],
      src: P(web), dst: P(api), expect: 'All Connections',
    },
  ]);
});

describe('policyTypes defaulting', () => {
  runTable([
    { name: 'without policyTypes a policy with no rules isolates ingress', policies: [np('shop', 'p', { podSelector: sel({ app: 'api' }) })], src: P(web), dst: P(api), expect: 'No Connections' },
    { name: 'without policyTypes a policy with no egress rules does not isolate egress', policies: [np('shop', 'p', { podSelector: sel({ app: 'web' }) })], src: P(web), dst: P(db), expect: 'All Connections' },
    {
      name: 'without policyTypes egress rules make the policy isolate egress',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'web' }), egress: [rule(undefined, [{ port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    {
      name: 'without policyTypes, egress rules do not stop Ingress being implied',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'api' }), egress: [rule()] })],
      src: P(web), dst: P(api), expect: 'No Connections',
    },
    {
      name: 'an explicit policyTypes [Egress] makes ingress rules inert and leaves ingress open',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'api' }), policyTypes: ['Egress'], ingress: [rule([fromPods({ app: 'nobody' })])], egress: [rule()] })],
      src: P(web), dst: P(api), expect: 'All Connections',
    },
    {
      name: 'an explicit policyTypes [Ingress] makes egress rules inert and leaves egress open',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'web' }), policyTypes: ['Ingress'], egress: [rule(undefined, [{ port: 1 }])] })],
      src: P(web), dst: P(db), expect: 'All Connections',
    },
  ]);
});

describe('empty versus absent', () => {
  runTable([
    { name: 'podSelector {} selects every pod of the namespace', policies: [np('shop', 'p', { podSelector: {} })], src: P(web), dst: P(api), expect: 'No Connections' },
    { name: 'podSelector {} does not select pods of other namespaces', policies: [np('shop', 'p', { podSelector: {} })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'ingress: [{}] allows everything', policies: [np('data', 'p', { ingress: [{}] })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'ingress: [] allows nothing', policies: [np('data', 'p', { ingress: [] })], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'absent from means every source', policies: [np('data', 'p', { ingress: [rule(undefined, [{ port: 5432 }])] })], src: IP('8.8.8.8'), dst: P(db), expect: 'TCP 5432' },
    { name: 'absent ports means every port and protocol', policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: {} }])] })], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'namespaceSelector {} matches pods of every namespace', policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: {} }], [{ port: 1 }])] })], src: P(web), dst: P(db), expect: 'TCP 1' },
    { name: 'namespaceSelector {} does not match addresses outside the cluster', policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: {} }])] })], src: IP('8.8.8.8'), dst: P(db), expect: 'No Connections' },
    { name: 'podSelector {} in a peer matches only the policy namespace', policies: [np('data', 'p', { ingress: [rule([{ podSelector: {} }])] })], src: P(web), dst: P(db), expect: 'No Connections' },
  ]);
});

describe('peers: namespaceSelector AND podSelector in one peer, OR across peers, podSelector alone means the policy namespace', () => {
  const both = rule([{ namespaceSelector: sel({ team: 'shop' }), podSelector: sel({ app: 'api' }) }]);
  const either = rule([{ namespaceSelector: sel({ team: 'shop' }) }, { podSelector: sel({ app: 'api' }) }]);
  runTable([
    { name: 'one peer with both selectors needs both to match (both do)', policies: [np('data', 'p', { ingress: [both] })], src: P(api), dst: P(db), expect: 'All Connections' },
    { name: 'one peer with both selectors needs both to match (pod does not)', policies: [np('data', 'p', { ingress: [both] })], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'separate peers are alternatives (the namespace one matches)', policies: [np('data', 'p', { ingress: [either] })], src: P(web), dst: P(db), expect: 'All Connections' },
    {
      name: 'a podSelector-only peer does not match a same-labelled pod in another namespace',
      policies: [np('data', 'p', { ingress: [rule([fromPods({ app: 'api' })])] })],
      src: P(api), dst: P(db), expect: 'No Connections',
    },
    {
      name: 'a podSelector-only peer matches in the policy namespace',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'api' }), ingress: [rule([fromPods({ app: 'web' })])] })],
      src: P(web), dst: P(api), expect: 'All Connections',
    },
  ]);
});

describe('matchExpressions and the synthesized namespace name label', () => {
  const withExpr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]): NetworkPolicyInfo =>
    np('data', 'p', { ingress: [rule([{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] } }])] });
  runTable([
    { name: 'In matches a listed value', policies: [withExpr('In', 'app', ['web', 'x'])], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'In does not match a pod without the key', policies: [withExpr('In', 'tier', ['web'])], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'NotIn excludes a listed value', policies: [withExpr('NotIn', 'app', ['web'])], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'NotIn matches a pod that lacks the key', policies: [withExpr('NotIn', 'tier', ['web'])], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'Exists matches a pod with the key', policies: [withExpr('Exists', 'app')], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'Exists does not match a pod without the key', policies: [withExpr('Exists', 'tier')], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'DoesNotExist matches a pod that lacks the key', policies: [withExpr('DoesNotExist', 'tier')], src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'DoesNotExist does not match a pod with the key', policies: [withExpr('DoesNotExist', 'app')], src: P(web), dst: P(db), expect: 'No Connections' },
    {
      name: 'kubernetes.io/metadata.name is synthesized when the namespace object lacks it',
      policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'shop' }) }])] })],
      src: P(web), dst: P(db), expect: 'All Connections',
    },
    {
      name: 'kubernetes.io/metadata.name is synthesized for a namespace the snapshot does not list',
      policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'shop' }) }])] })],
      snap: { namespaces: [] }, src: P(web), dst: P(db), expect: 'All Connections',
    },
  ]);
});

describe('ports', () => {
  const onlyIn = (ports: NonNullable<NetworkPolicyInfo['ingress']>[number]['ports']): NetworkPolicyInfo =>
    np('shop', 'p', { podSelector: sel({ app: 'api' }), ingress: [rule(undefined, ports)] });
  runTable([
    { name: 'protocol defaults to TCP', policies: [onlyIn([{ port: 53 }])], src: P(web), dst: P(api), expect: 'TCP 53' },
    { name: 'a rule for only UDP still isolates TCP', policies: [onlyIn([{ protocol: 'UDP', port: 53 }])], src: P(web), dst: P(api), expect: 'UDP 53' },
    { name: 'a rule for only SCTP still isolates TCP and UDP', policies: [onlyIn([{ protocol: 'SCTP' }])], src: P(web), dst: P(api), expect: 'SCTP 1-65535' },
    { name: 'endPort is inclusive', policies: [onlyIn([{ port: 8000, endPort: 8080 }])], src: P(web), dst: P(api), expect: 'TCP 8000-8080' },
    { name: 'port ranges merge with neighbours', policies: [onlyIn([{ port: 80, endPort: 89 }, { port: 90 }, { port: 79 }])], src: P(web), dst: P(api), expect: 'TCP 79-90' },
    { name: 'a named port resolves on the destination pod (api: http = 9000)', policies: [onlyIn([{ port: 'http' }])], src: P(web), dst: P(api), expect: 'TCP 9000' },
    {
      name: 'the same port name resolves differently per destination pod (web: http = 8080)',
      policies: [np('shop', 'p', { podSelector: {}, ingress: [rule(undefined, [{ port: 'http' }])] })],
      src: P(api), dst: P(web), expect: 'TCP 8080',
    },
    { name: 'a named port resolves per protocol (dns is UDP on api, so TCP dns matches nothing)', policies: [onlyIn([{ port: 'dns' }])], src: P(web), dst: P(api), expect: 'No Connections' },
    { name: 'a named port with the right protocol resolves', policies: [onlyIn([{ port: 'dns', protocol: 'UDP' }])], src: P(web), dst: P(api), expect: 'UDP 53' },
    {
      name: 'a named port missing on the destination pod opens nothing there',
      policies: [np('data', 'p', { ingress: [rule(undefined, [{ port: 'http' }])] })],
      src: P(web), dst: P(db), expect: 'No Connections',
    },
    { name: 'numeric ports also cover ports the pod never declared', policies: [onlyIn([{ port: 12345 }])], src: P(web), dst: P(api), expect: 'TCP 12345' },
    {
      name: 'egress named ports resolve on the destination pod, not the source',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'web' }), policyTypes: ['Egress'], egress: [rule(undefined, [{ port: 'pg' }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    {
      name: 'egress named ports never match an address outside the cluster',
      policies: [np('shop', 'p', { podSelector: sel({ app: 'web' }), policyTypes: ['Egress'], egress: [rule(undefined, [{ port: 'pg' }])] })],
      src: P(web), dst: IP('8.8.8.8'), expect: 'No Connections',
    },
  ]);
});

describe('ipBlock, nodes, hostNetwork and self traffic', () => {
  const fromBlock = (cidr: string, except?: string[]): NetworkPolicyInfo =>
    np('data', `b-${cidr}`, { ingress: [rule([{ ipBlock: { cidr, ...(except ? { except } : {}) } }])] });
  const hostPod = pod('kube-system', 'agent', { app: 'agent' }, { hostNetwork: true, ips: ['192.168.0.1'], hostIPs: ['192.168.0.1'], nodeName: 'n1' });
  const hostPod2 = { ...hostPod, name: 'agent-2', ips: ['192.168.0.2'], hostIPs: ['192.168.0.2'], nodeName: 'n2' };
  const nodes = [node('n1', ['192.168.0.1']), node('n2', ['192.168.0.2'])];
  runTable([
    { name: 'ipBlock matches an address inside the CIDR', policies: [fromBlock('8.8.0.0/16')], src: IP('8.8.8.8'), dst: P(db), expect: 'All Connections' },
    { name: 'ipBlock except carves addresses out', policies: [fromBlock('8.8.0.0/16', ['8.8.8.0/24'])], src: IP('8.8.8.8'), dst: P(db), expect: 'No Connections' },
    { name: 'overlapping ipBlocks in two policies are additive', policies: [fromBlock('8.8.0.0/16', ['8.8.8.0/24']), fromBlock('8.8.8.0/28')], src: IP('8.8.8.8'), dst: P(db), expect: 'All Connections' },
    { name: 'ipBlock does not match pod IPs by default (Cilium)', policies: [fromBlock('10.0.0.0/8')], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'ipBlock matches pod IPs with ipBlockMatchesPods (Calico)', policies: [fromBlock('10.0.0.0/8')], src: P(web), dst: P(db), expect: 'All Connections', opts: { ipBlockMatchesPods: true } },
    { name: 'ipBlockMatchesPods still honours except', policies: [fromBlock('10.0.0.0/8', ['10.0.0.0/24'])], src: P(web), dst: P(db), expect: 'No Connections', opts: { ipBlockMatchesPods: true } },
    { name: "traffic from the pod's own node is always allowed", policies: [fromBlock('1.2.3.4/32')], snap: { nodes }, src: IP('192.168.0.1'), dst: P(db), expect: 'All Connections' },
    { name: 'traffic from another node is subject to policy', policies: [fromBlock('1.2.3.4/32')], snap: { nodes }, src: IP('192.168.0.2'), dst: P(db), expect: 'No Connections' },
    { name: 'a hostNetwork pod on the same node is node traffic, always allowed', policies: [fromBlock('1.2.3.4/32')], snap: { nodes, pods: [web, api, db, hostPod] }, src: P(hostPod), dst: P(db), expect: 'All Connections' },
    { name: 'a hostNetwork pod on another node is matched by ipBlock, not selectors', policies: [fromBlock('192.168.0.2/32')], snap: { nodes, pods: [web, api, db, hostPod2] }, src: P(hostPod2), dst: P(db), expect: 'All Connections' },
    {
      name: 'a hostNetwork pod is not matched by pod selectors',
      policies: [np('data', 'p', { ingress: [rule([{ namespaceSelector: {}, podSelector: {} }])] })],
      snap: { nodes, pods: [web, api, db, hostPod2] }, src: P(hostPod2), dst: P(db), expect: 'No Connections',
    },
    { name: 'a hostNetwork pod is not isolated by policies selecting its namespace', policies: [np('kube-system', 'p', { podSelector: {} })], snap: { pods: [web, hostPod] }, src: P(web), dst: P(hostPod), expect: 'All Connections' },
    { name: "a pod's traffic to itself is not subject to policy", policies: [denyAllIngress('shop'), denyAllEgress('shop')], src: P(web), dst: P(web), expect: 'All Connections' },
    { name: 'another pod with identical labels is subject to policy', policies: [denyAllIngress('shop')], snap: { pods: [web, { ...web, name: 'web-2' }] }, src: P({ ...web, name: 'web-2' }), dst: P(web), expect: 'No Connections' },
  ]);
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy', () => {
  const toDb = { subject: { pods: { namespaceSelector: sel({ team: 'data' }), podSelector: sel({ app: 'db' }) } } };
  runTable([
    { name: 'an ANP Deny overrides a NetworkPolicy allow', snap: { adminNetworkPolicies: [anp('deny', 10, { ...toDb, ingress: [adminRule('Deny', [nsPeer({ team: 'shop' })])] })] }, policies: [np('data', 'p', { ingress: [{}] })], src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'an ANP Allow overrides a NetworkPolicy deny', snap: { adminNetworkPolicies: [anp('allow', 10, { ...toDb, ingress: [adminRule('Allow', [nsPeer({ team: 'shop' })], [{ kind: 'portNumber', protocol: 'TCP', port: 5432 }])] })] }, policies: [denyAllIngress('data')], src: P(web), dst: P(db), expect: 'TCP 5432' },
    {
      name: 'the lower priority number is evaluated first',
      snap: { adminNetworkPolicies: [anp('z-allow', 5, { ...toDb, ingress: [adminRule('Allow', [nsPeer()])] }), anp('a-deny', 50, { ...toDb, ingress: [adminRule('Deny', [nsPeer()])] })] },
      src: P(web), dst: P(db), expect: 'All Connections',
    },
    {
      name: 'within an ANP the first matching rule wins',
      snap: { adminNetworkPolicies: [anp('a', 10, { ...toDb, ingress: [adminRule('Deny', [nsPeer()], [{ kind: 'portNumber', protocol: 'TCP', port: 22 }]), adminRule('Allow', [nsPeer()])] })] },
      policies: [denyAllIngress('data')],
      src: P(web), dst: P(db), expect: 'SCTP 1-65535,TCP 1-21,23-65535,UDP 1-65535',
    },
    {
      name: 'Pass skips the remaining ANPs and hands over to NetworkPolicy',
      snap: { adminNetworkPolicies: [anp('pass', 10, { ...toDb, ingress: [adminRule('Pass', [nsPeer()])] }), anp('deny', 20, { ...toDb, ingress: [adminRule('Deny', [nsPeer()])] })] },
      policies: [np('data', 'p', { ingress: [rule(undefined, [{ port: 5432 }])] })],
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
    {
      name: 'Pass with no NetworkPolicy goes to the BANP',
      snap: { adminNetworkPolicies: [anp('pass', 10, { ...toDb, ingress: [adminRule('Pass', [nsPeer()])] }), banp({ ingress: [adminRule('Deny', [nsPeer({ team: 'shop' })])] })] },
      src: P(web), dst: P(db), expect: 'No Connections',
    },
    { name: 'an ANP never isolates on its own: unmatched traffic is still allowed', snap: { adminNetworkPolicies: [anp('a', 10, { ...toDb, ingress: [adminRule('Deny', [nsPeer({ team: 'nobody' })])] })] }, src: P(web), dst: P(db), expect: 'All Connections' },
    { name: 'a BANP Deny applies when no NetworkPolicy isolates the pod', snap: { adminNetworkPolicies: [banp({ ingress: [adminRule('Deny', [nsPeer()])] })] }, src: P(web), dst: P(db), expect: 'No Connections' },
    { name: 'a NetworkPolicy isolating the pod takes precedence over the BANP', snap: { adminNetworkPolicies: [banp({ ingress: [adminRule('Deny', [nsPeer()])] })] }, policies: [np('data', 'p', { ingress: [{}] })], src: P(web), dst: P(db), expect: 'All Connections' },
    {
      name: 'BANP rules are first-match too',
      snap: { adminNetworkPolicies: [banp({ ingress: [adminRule('Allow', [podsPeer({ team: 'shop' }, { app: 'web' })], [{ kind: 'portRange', protocol: 'TCP', start: 5000, end: 6000 }]), adminRule('Deny', [nsPeer()])] })] },
      src: P(web), dst: P(db), expect: 'TCP 5000-6000',
    },
    {
      name: 'ANP egress networks peers match external addresses',
      snap: { adminNetworkPolicies: [anp('egress', 10, { subject: { namespaces: sel({ team: 'shop' }) }, egress: [adminRule('Deny', [{ kind: 'networks', networks: ['8.8.8.0/24'] }])] })] },
      src: P(web), dst: IP('8.8.8.8'), expect: 'No Connections',
    },
    {
      name: 'ANP named ports resolve on the destination pod',
      snap: { adminNetworkPolicies: [anp('a', 10, { ...toDb, ingress: [adminRule('Allow', [nsPeer()], [{ kind: 'namedPort', name: 'pg' }]), adminRule('Deny', [nsPeer()])] })] },
      src: P(web), dst: P(db), expect: 'TCP 5432',
    },
  ]);
});

describe('validation', () => {
  const errorsOf = (snap: Partial<PolicySnapshot>): string[] => createEngine(snapshot({ namespaces, pods: [web, api, db], ...snap })).validation.errors.map((e) => e.message);
  it.each([
    ['a peer mixing ipBlock with selectors', { networkPolicies: [np('shop', 'mixed', { ingress: [rule([{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }])] })] }, /c1\/shop\/NetworkPolicy\/mixed: spec.ingress\[0\].from\[0\] mixes ipBlock/],
    ['endPort less than port', { networkPolicies: [np('shop', 'ports', { ingress: [rule(undefined, [{ port: 90, endPort: 80 }])] })] }, /endPort 80 is less than port 90/],
    ['endPort with a named port', { networkPolicies: [np('shop', 'named', { ingress: [rule(undefined, [{ port: 'http', endPort: 80 }])] })] }, /endPort 80 needs a numeric port/],
    ['duplicate ANP priorities', { adminNetworkPolicies: [anp('one', 7), anp('two', 7)] }, /c1\/AdminNetworkPolicy\/one: spec.priority 7 is shared with two/],
    ['a BANP not named default', { adminNetworkPolicies: [banp({}, 'baseline')] }, /BaselineAdminNetworkPolicy is named "baseline"/],
    ['an In expression without values', { networkPolicies: [np('shop', 'expr', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } })] }, /needs at least one value/],
    ['an except outside its cidr', { networkPolicies: [np('shop', 'exc', { ingress: [rule([{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/8'] } }])] })] }, /except 11.0.0.0\/8 is not inside cidr/],
  ])('reports %s as an error naming the object', (_what, snap, pattern) => {
    expect(errorsOf(snap as Partial<PolicySnapshot>).some((m) => pattern.test(m))).toBe(true);
  });

  it('leaves an invalid policy out of evaluation instead of guessing', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], networkPolicies: [np('data', 'bad', { ingress: [rule(undefined, [{ port: 90, endPort: 80 }])] })] }));
    expect(engine.allowedConnections(P(web), P(db)).toString()).toBe('All Connections');
  });

  it('warns about named ports the selected pods do not declare, naming a pod', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], networkPolicies: [np('data', 'named', { ingress: [rule(undefined, [{ port: 'http' }])] })] }));
    expect(engine.validation.errors).toEqual([]);
    expect(engine.validation.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/c1\/data\/NetworkPolicy\/named: spec.ingress\[0\] named port "http"\/TCP is not declared by 1 of 1 selected pod\(s\) \(e.g. data\/db\)/),
    ]);
  });

  it('warns about ANP named ports no pod declares', () => {
    const engine = createEngine(snapshot({ namespaces, pods: [web, db], adminNetworkPolicies: [anp('named', 3, { ingress: [adminRule('Allow', [nsPeer()], [{ kind: 'namedPort', name: 'grpc' }])] })] }));
    expect(engine.validation.warnings.map((w) => w.message)).toEqual([expect.stringContaining('c1/AdminNetworkPolicy/named: spec.ingress[0] (allow-rule) named port "grpc" is declared by no pod')]);
  });

  it('keeps the file and line of an invalid object in the error location', () => {
    const bad = np('shop', 'located', { source: { file: 'policies/x.yaml', line: 12 }, ingress: [rule(undefined, [{ port: 90, endPort: 80 }])] });
    const [error] = createEngine(snapshot({ networkPolicies: [bad] })).validation.errors;
    expect(error.location).toEqual({ file: 'policies/x.yaml', line: 12, object: 'c1/shop/NetworkPolicy/located' });
  });
});
