/**
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy at L3/L4, one table per rule of
 * Cilium's documentation (Policy Enforcement Modes, Layer 3, Layer 4, Deny Policies), with
 * the documentation's own examples among the rows.
 */
import { describe, expect, it } from 'vitest';
import type { CiliumNetworkPolicyInfo, NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';
import { ConnectionSet, createEngine, formatVerdict, type Peer } from '../../../generator/semantics/index.ts';
import { cilium, node, np, ns, pod, rule, snapshot, tcp } from './builders.ts';

const frontend = pod('shop', 'frontend', { role: 'frontend' }, { ips: ['10.0.0.1'], nodeName: 'n1', serviceAccount: 'web' });
const backend = pod('shop', 'backend', { role: 'backend' }, { ips: ['10.0.0.2'], nodeName: 'n2', ports: [tcp(80, 'http'), tcp(81)] });
const other = pod('ops', 'tool', { role: 'frontend' }, { ips: ['10.0.1.3'], nodeName: 'n1' });
const namespaces = [ns('shop', { team: 'shop' }), ns('ops', { team: 'ops' })];
const nodes = [node('n1', ['192.168.0.1']), node('n2', ['192.168.0.2'])];
const P = (p: PodInfo): Peer => ({ kind: 'pod', pod: p });
const IP = (ip: string): Peer => ({ kind: 'ip', ip });
const backendSel = { matchLabels: { role: 'backend' } };
const frontendSel = { matchLabels: { role: 'frontend' } };

interface Row {
  name: string;
  policies: CiliumNetworkPolicyInfo[];
  networkPolicies?: NetworkPolicyInfo[];
  src: Peer;
  dst: Peer;
  expect: string;
}

function runTable(rows: Row[]): void {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const engine = createEngine(snapshot({ namespaces, nodes, pods: [frontend, backend, other], networkPolicies: r.networkPolicies ?? [], ciliumNetworkPolicies: r.policies }));
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
  });
}

describe('enforcement: default deny once selected, per direction, enableDefaultDeny', () => {
  runTable([
    { name: 'the docs\' "allow from frontend to backend": frontend gets in', policies: [cilium('l3-rule', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'All Connections' },
    { name: 'the same policy puts backend in default deny for ingress: an unlisted source is dropped', policies: [cilium('l3-rule', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop')], src: IP('8.8.8.8'), dst: P(backend), expect: 'No Connections' },
    { name: 'an ingress-only policy leaves egress open', policies: [cilium('l3-rule', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop')], src: P(backend), dst: IP('8.8.8.8'), expect: 'All Connections' },
    { name: 'the docs\' "deny all ingress": an empty rule matches nothing but isolates', policies: [cilium('deny-all', { endpointSelector: {}, ingress: [{}] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'No Connections' },
    { name: 'enableDefaultDeny ingress false: the policy adds allows without isolating', policies: [cilium('audit', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }], enableDefaultDeny: { ingress: false } }, 'shop')], src: IP('8.8.8.8'), dst: P(backend), expect: 'All Connections' },
    { name: 'enableDefaultDeny egress true isolates egress without egress rules', policies: [cilium('lock', { endpointSelector: frontendSel, enableDefaultDeny: { egress: true } }, 'shop')], src: P(frontend), dst: IP('8.8.8.8'), expect: 'No Connections' },
    { name: 'a CiliumNetworkPolicy selects pods of its own namespace only', policies: [cilium('deny-all', { endpointSelector: {}, ingress: [{}] }, 'ops')], src: P(frontend), dst: P(backend), expect: 'All Connections' },
    { name: 'a CiliumClusterwideNetworkPolicy selects pods of every namespace', policies: [cilium('deny-all', { endpointSelector: {}, ingress: [{}] })], src: P(frontend), dst: P(other), expect: 'No Connections' },
  ]);
});

describe('Layer 3: endpoints, the namespace label, entities, CIDRs', () => {
  runTable([
    { name: 'fromEndpoints in a CiliumNetworkPolicy means pods of the policy\'s namespace', policies: [cilium('p', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop')], src: P(other), dst: P(backend), expect: 'No Connections' },
    { name: 'naming k8s:io.kubernetes.pod.namespace reaches another namespace', policies: [cilium('p', { endpointSelector: backendSel, ingress: [{ endpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'ops' } }] }] }, 'shop')], src: P(other), dst: P(backend), expect: 'All Connections' },
    { name: 'the any: source prefix selects Kubernetes labels too', policies: [cilium('p', { endpointSelector: { matchLabels: { 'any:role': 'backend' } }, ingress: [{ endpoints: [{ matchLabels: { 'k8s:role': 'frontend' } }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'All Connections' },
    { name: 'the service account identity label selects pods', policies: [cilium('p', { endpointSelector: backendSel, ingress: [{ endpoints: [{ matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'web' } }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'All Connections' },
    { name: 'namespace labels are identity labels: io.cilium.k8s.namespace.labels.team', policies: [cilium('p', { endpointSelector: backendSel, ingress: [{ endpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'ops', 'io.kubernetes.pod.namespace': 'ops' } }] }] }, 'shop')], src: P(other), dst: P(backend), expect: 'All Connections' },
    { name: 'the docs\' toEntities world: external addresses are allowed', policies: [cilium('to-world', { endpointSelector: frontendSel, egress: [{ entities: ['world'] }] }, 'shop')], src: P(frontend), dst: IP('8.8.8.8'), expect: 'All Connections' },
    { name: 'world is not the cluster: pods are not reached through it', policies: [cilium('to-world', { endpointSelector: frontendSel, egress: [{ entities: ['world'] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'No Connections' },
    { name: 'the cluster entity reaches pods and node addresses', policies: [cilium('in-cluster', { endpointSelector: frontendSel, egress: [{ entities: ['cluster'] }] }, 'shop')], src: P(frontend), dst: IP('192.168.0.2'), expect: 'All Connections' },
    { name: 'the remote-node entity reaches node addresses', policies: [cilium('nodes', { endpointSelector: frontendSel, egress: [{ entities: ['remote-node'] }] }, 'shop')], src: P(frontend), dst: IP('192.168.0.2'), expect: 'All Connections' },
    { name: 'the docs\' toCIDRSet with except: inside the CIDR is allowed', policies: [cilium('cidr', { endpointSelector: frontendSel, egress: [{ cidrs: [{ cidr: '20.1.1.1/32' }, { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }] }, 'shop')], src: P(frontend), dst: IP('10.1.2.3'), expect: 'All Connections' },
    { name: 'the except range is not', policies: [cilium('cidr', { endpointSelector: frontendSel, egress: [{ cidrs: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] }] }, 'shop')], src: P(frontend), dst: IP('10.96.0.1'), expect: 'No Connections' },
    { name: 'a CIDR does not match pods even when their IP is inside it', policies: [cilium('cidr', { endpointSelector: frontendSel, egress: [{ cidrs: [{ cidr: '10.0.0.0/8' }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'No Connections' },
  ]);
});

describe('host and remote-node: the subject\'s own node or the others (Cilium docs, Entities based)', () => {
  // frontend runs on n1 (192.168.0.1), backend on n2 (192.168.0.2).
  const agentOnN2 = pod('kube-system', 'agent', {}, { hostNetwork: true, nodeName: 'n2', ips: ['192.168.0.2'], hostIPs: ['192.168.0.2'] });
  const unscheduled = pod('shop', 'pending', { role: 'frontend' }, { ips: ['10.0.0.9'] });
  const egressTo = (entity: string) => [cilium('e', { endpointSelector: frontendSel, egress: [{ entities: [entity] }] }, 'shop')];
  runTable([
    { name: 'toEntities host reaches the address of the pod\'s own node', policies: egressTo('host'), src: P(frontend), dst: IP('192.168.0.1'), expect: 'All Connections' },
    { name: 'toEntities host does not reach another node', policies: egressTo('host'), src: P(frontend), dst: IP('192.168.0.2'), expect: 'No Connections' },
    { name: 'toEntities remote-node does not reach the pod\'s own node', policies: egressTo('remote-node'), src: P(frontend), dst: IP('192.168.0.1'), expect: 'No Connections' },
    { name: 'a hostNetwork pod on another node is remote-node', policies: egressTo('remote-node'), src: P(frontend), dst: P(agentOnN2), expect: 'All Connections' },
    { name: 'a hostNetwork pod on another node is not host', policies: egressTo('host'), src: P(frontend), dst: P(agentOnN2), expect: 'No Connections' },
    { name: 'the docs\' "access from local host": fromEntities host does not let another node in', policies: [cilium('from-host', { endpointSelector: backendSel, ingress: [{ entities: ['host'] }] }, 'shop')], src: IP('192.168.0.1'), dst: P(backend), expect: 'No Connections' },
    { name: 'fromEntities remote-node lets another node in', policies: [cilium('from-nodes', { endpointSelector: backendSel, ingress: [{ entities: ['remote-node'] }] }, 'shop')], src: IP('192.168.0.1'), dst: P(backend), expect: 'All Connections' },
    { name: 'egressDeny host blocks the own node and leaves the other nodes to the allow', policies: [cilium('no-host', { endpointSelector: frontendSel, egress: [{ entities: ['all'] }], egressDeny: [{ entities: ['host'] }] }, 'shop')], src: P(frontend), dst: IP('192.168.0.2'), expect: 'All Connections' },
    { name: 'egressDeny host blocks the pod\'s own node', policies: [cilium('no-host', { endpointSelector: frontendSel, egress: [{ entities: ['all'] }], egressDeny: [{ entities: ['host'] }] }, 'shop')], src: P(frontend), dst: IP('192.168.0.1'), expect: 'No Connections' },
    { name: 'a pod whose node is not known sees every node as host', policies: egressTo('host'), src: P(unscheduled), dst: IP('192.168.0.2'), expect: 'All Connections' },
  ]);

  it('one policy reads per node in the map: the frontend reaches its own node\'s agent as host, not the other\'s', () => {
    const agentOnN1 = pod('kube-system', 'agent-n1', {}, { hostNetwork: true, nodeName: 'n1', ips: ['192.168.0.1'], hostIPs: ['192.168.0.1'], owner: { kind: 'DaemonSet', name: 'agent' } });
    const agent2 = { ...agentOnN2, owner: { kind: 'DaemonSet' as const, name: 'agent' } };
    const frontendOnN2 = { ...frontend, name: 'frontend-2', nodeName: 'n2', ips: ['10.0.0.7'], owner: { kind: 'Deployment' as const, name: 'frontend' } };
    const fe1 = { ...frontend, owner: { kind: 'Deployment' as const, name: 'frontend' } };
    const engine = createEngine(snapshot({ namespaces: [...namespaces, ns('kube-system')], nodes, pods: [fe1, frontendOnN2, agentOnN1, agent2], ciliumNetworkPolicies: egressTo('host') }));
    expect(engine.allowedConnections(P(fe1), P(agentOnN1)).toString()).toBe('All Connections');
    expect(engine.allowedConnections(P(fe1), P(agent2)).toString()).toBe('No Connections');
    expect(engine.allowedConnections(P(frontendOnN2), P(agent2)).toString()).toBe('All Connections');
    const row = engine.connectivityMap().find((r) => r.src.includes('shop/frontend') && r.dst.includes('kube-system/agent'));
    expect(row?.connections.toString()).toBe('All Connections');
  });
});

describe('host firewall: a CiliumClusterwideNetworkPolicy with nodeSelector applies to the selected nodes (Cilium docs, Host Firewall)', () => {
  // The docs' demo-host-policy: nodes labelled node-access=ssh accept the cluster, and SSH from anywhere.
  const demoHostPolicy = cilium('demo-host-policy', {
    nodeSelector: { matchLabels: { 'node-access': 'ssh' } },
    ingress: [{ entities: ['cluster'] }, { toPorts: [{ ports: [{ port: 22, protocol: 'TCP' }] }] }],
  });
  const sshNodes = [node('n1', ['192.168.0.1'], { 'node-access': 'ssh' }), node('n2', ['192.168.0.2'])];
  const agentOnN1 = pod('kube-system', 'agent', {}, { hostNetwork: true, nodeName: 'n1', ips: ['192.168.0.1'], hostIPs: ['192.168.0.1'] });
  const rows: { name: string; policies: CiliumNetworkPolicyInfo[]; src: Peer; dst: Peer; expect: string }[] = [
    { name: 'the outside reaches a selected node on SSH only', policies: [demoHostPolicy], src: IP('8.8.8.8'), dst: IP('192.168.0.1'), expect: 'TCP 22' },
    { name: 'a pod of the cluster reaches a selected node on every port', policies: [demoHostPolicy], src: P(backend), dst: IP('192.168.0.1'), expect: 'All Connections' },
    { name: 'a node the selector does not match is not isolated', policies: [demoHostPolicy], src: IP('8.8.8.8'), dst: IP('192.168.0.2'), expect: 'All Connections' },
    { name: 'a hostNetwork pod of a selected node is the node: SSH only from outside', policies: [demoHostPolicy], src: IP('8.8.8.8'), dst: P(agentOnN1), expect: 'TCP 22' },
    { name: 'egress from the node stays open when the policy has no egress rules', policies: [demoHostPolicy], src: IP('192.168.0.1'), dst: IP('8.8.8.8'), expect: 'All Connections' },
    { name: 'ingressDeny on the host wins over the allow', policies: [demoHostPolicy, cilium('no-world-ssh', { nodeSelector: {}, ingressDeny: [{ entities: ['world'], toPorts: [{ ports: [{ port: 22, protocol: 'TCP' }] }] }] })], src: IP('8.8.8.8'), dst: IP('192.168.0.1'), expect: 'No Connections' },
    { name: 'egress rules isolate the node\'s egress', policies: [cilium('node-egress', { nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, egress: [{ entities: ['cluster'] }] })], src: IP('192.168.0.1'), dst: IP('8.8.8.8'), expect: 'No Connections' },
  ];
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const engine = createEngine(snapshot({ namespaces: [...namespaces, ns('kube-system')], nodes: sshNodes, pods: [frontend, backend, other, agentOnN1], ciliumNetworkPolicies: r.policies }));
    expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
    expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
  });

  /** The map's connections between a pod's workload and a node address's range (none when it prints no row). */
  const mapConnections = (engine: ReturnType<typeof createEngine>, src: Peer, dst: Peer): string => {
    const label = (p: Peer): string => (p.kind === 'pod' ? `${p.pod.namespace}/${p.pod.name}[Pod]` : `${p.ip}-${p.ip}`);
    return engine.connectivityMap().find((r) => r.src === label(src) && r.dst === label(dst))?.connections.toString() ?? 'No Connections';
  };
  const mapRows: { name: string; policies: CiliumNetworkPolicyInfo[]; src: Peer; dst: Peer; expect: string }[] = [
    { name: 'a pod of the cluster reaches the selected node on every port', policies: [demoHostPolicy], src: P(backend), dst: IP('192.168.0.1'), expect: 'All Connections' },
    { name: 'the selected node reaches a pod (the policy has no egress rules)', policies: [demoHostPolicy], src: IP('192.168.0.1'), dst: P(backend), expect: 'All Connections' },
    { name: 'a pod reaches the node the selector does not match', policies: [demoHostPolicy], src: P(frontend), dst: IP('192.168.0.2'), expect: 'All Connections' },
    { name: 'ingressDeny from the cluster on the host leaves a pod nothing', policies: [cilium('no-cluster', { nodeSelector: {}, ingress: [{ entities: ['all'] }], ingressDeny: [{ entities: ['cluster'] }] })], src: P(backend), dst: IP('192.168.0.2'), expect: 'No Connections' },
    { name: 'a host rule opening one port from a pod lets that port in only', policies: [cilium('kubelet', { nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, ingress: [{ endpoints: [backendSel], toPorts: [{ ports: [{ port: 10250, protocol: 'TCP' }] }] }] })], src: P(backend), dst: IP('192.168.0.1'), expect: 'TCP 10250' },
    { name: 'a pod the host rule does not name is dropped', policies: [cilium('kubelet', { nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, ingress: [{ endpoints: [backendSel], toPorts: [{ ports: [{ port: 10250, protocol: 'TCP' }] }] }] })], src: P(frontend), dst: IP('192.168.0.1'), expect: 'No Connections' },
    { name: 'egress rules on the host isolate the node\'s egress to pods of other nodes', policies: [cilium('node-egress', { nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, egress: [{ entities: ['world'] }] })], src: IP('192.168.0.1'), dst: P(backend), expect: 'No Connections' },
    { name: 'egress rules on the host cover the node\'s own pods too (only their ingress exempts their node)', policies: [cilium('node-egress', { nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, egress: [{ entities: ['world'] }] })], src: IP('192.168.0.1'), dst: P(frontend), expect: 'No Connections' },
  ];
  describe('the connectivity map reads the node address as the host firewall\'s subject, as decide does', () => {
    it.each(mapRows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
      const engine = createEngine(snapshot({ namespaces, nodes: sshNodes, pods: [frontend, backend, other], ciliumNetworkPolicies: r.policies }));
      expect(engine.validation.errors.map((e) => e.message)).toEqual([]);
      expect(engine.allowedConnections(r.src, r.dst).toString()).toBe(r.expect);
      expect(mapConnections(engine, r.src, r.dst)).toBe(r.expect);
      for (const port of [22, 80, 10250]) {
        expect(engine.evaluate({ src: r.src, dst: r.dst, protocol: 'TCP', port }).allowed).toBe(ConnectionSet.parse(r.expect).contains('TCP', port));
      }
    });

    it('every pod-to-node and node-to-pod row of the map agrees with decide', () => {
      for (const policies of mapRows.map((r) => r.policies)) {
        const engine = createEngine(snapshot({ namespaces, nodes: sshNodes, pods: [frontend, backend, other], ciliumNetworkPolicies: policies }));
        for (const p of [frontend, backend, other].map(P)) {
          for (const n of ['192.168.0.1', '192.168.0.2'].map(IP)) {
            expect(mapConnections(engine, p, n)).toBe(engine.allowedConnections(p, n).toString());
            expect(mapConnections(engine, n, p)).toBe(engine.allowedConnections(n, p).toString());
          }
        }
      }
    });

    it('a node reaches its own pods but not the same pods on another node, one class apart', () => {
      const backendOnN1 = { ...backend, name: 'backend-1', ips: ['10.0.0.12'], nodeName: 'n1' };
      const isolateBackend = cilium('l3-rule', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop');
      const engine = createEngine(snapshot({ namespaces, nodes: sshNodes, pods: [frontend, backend, backendOnN1], ciliumNetworkPolicies: [demoHostPolicy, isolateBackend] }));
      expect(mapConnections(engine, IP('192.168.0.1'), P(backendOnN1))).toBe('All Connections');
      expect(mapConnections(engine, IP('192.168.0.1'), P(backend))).toBe('No Connections');
      expect(engine.allowedConnections(IP('192.168.0.1'), P(backend)).toString()).toBe('No Connections');
    });

    it('without a host firewall the node addresses stay inside the ranges the rules make', () => {
      const engine = createEngine(snapshot({ namespaces, nodes: sshNodes, pods: [frontend, backend], ciliumNetworkPolicies: [cilium('l3-rule', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop')] }));
      expect(engine.connectivityMap().filter((r) => r.srcPeer.kind === 'range').map((r) => r.src)).toEqual(['0.0.0.0-255.255.255.255']);
    });
  });

  it('explain names the host policy\'s rule', () => {
    const engine = createEngine(snapshot({ namespaces, nodes: sshNodes, pods: [frontend, backend], ciliumNetworkPolicies: [demoHostPolicy] }));
    const text = formatVerdict(engine.evaluate({ src: IP('8.8.8.8'), dst: IP('192.168.0.1'), protocol: 'TCP', port: 22 }));
    expect(text).toContain('demo-host-policy');
  });
});

describe('Layer 4: toPorts', () => {
  runTable([
    { name: 'the docs\' L4-only rule: port 80/TCP to any destination', policies: [cilium('l4', { endpointSelector: frontendSel, egress: [{ toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }] }] }] }, 'shop')], src: P(frontend), dst: IP('8.8.8.8'), expect: 'TCP 80' },
    { name: 'L3 and L4 together must both match', policies: [cilium('l3l4', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel], toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'TCP 80' },
    { name: 'protocol ANY (or none) opens TCP, UDP and SCTP', policies: [cilium('any', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel], toPorts: [{ ports: [{ port: 53 }] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'SCTP 53,TCP 53,UDP 53' },
    { name: 'endPort makes a range', policies: [cilium('range', { endpointSelector: backendSel, ingress: [{ toPorts: [{ ports: [{ port: 8000, endPort: 8080, protocol: 'TCP' }] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'TCP 8000-8080' },
    { name: 'a named port resolves on the destination pod', policies: [cilium('named', { endpointSelector: backendSel, ingress: [{ toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'TCP 80' },
    { name: 'an L7 rule allows its L4 port (the proxy decides the rest)', policies: [cilium('l7', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel], toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }], l7: ['http'] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'TCP 80' },
  ]);
});

describe('deny rules win over every allow, whatever the kind (the docs\' table)', () => {
  const allowClient = cilium('allow', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel] }] }, 'shop');
  runTable([
    { name: 'allow L3 and deny port 80: port 81 allowed, port 80 denied', policies: [allowClient, cilium('deny-80', { endpointSelector: backendSel, ingressDeny: [{ toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }] }] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535' },
    { name: 'allow L3 and deny L3: everything denied', policies: [allowClient, cilium('deny-client', { endpointSelector: backendSel, ingressDeny: [{ endpoints: [frontendSel] }] }, 'shop')], src: P(frontend), dst: P(backend), expect: 'No Connections' },
    { name: 'a Cilium deny wins over a Kubernetes NetworkPolicy allow', policies: [cilium('deny-client', { endpointSelector: backendSel, ingressDeny: [{ endpoints: [frontendSel] }] }, 'shop')], networkPolicies: [np('shop', 'allow-all', { ingress: [rule()] })], src: P(frontend), dst: P(backend), expect: 'No Connections' },
    { name: 'Cilium and NetworkPolicy allows add up', policies: [cilium('c', { endpointSelector: backendSel, ingress: [{ endpoints: [frontendSel], toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }] }] }] }, 'shop')], networkPolicies: [np('shop', 'k', { podSelector: backendSel, ingress: [rule(undefined, [{ port: 81 }])] })], src: P(frontend), dst: P(backend), expect: 'TCP 80-81' },
    { name: 'egressDeny to the world', policies: [cilium('no-world', { endpointSelector: frontendSel, egressDeny: [{ entities: ['world'] }] }, 'shop')], src: P(frontend), dst: IP('8.8.8.8'), expect: 'No Connections' },
  ]);
});

describe('identity labels for every kind under Cilium', () => {
  it('a NetworkPolicy selecting io.kubernetes.pod.namespace matches once the estate runs Cilium (cni: cilium)', () => {
    const policy = np('shop', 'by-ns-label', { podSelector: backendSel, ingress: [rule([{ podSelector: { matchLabels: { 'io.kubernetes.pod.namespace': 'shop' } } }])] });
    const snap = snapshot({ namespaces, nodes, pods: [frontend, backend], networkPolicies: [policy] });
    expect(createEngine(snap).allowedConnections(P(frontend), P(backend)).toString()).toBe('No Connections');
    expect(createEngine(snap, { cni: 'cilium' }).allowedConnections(P(frontend), P(backend)).toString()).toBe('All Connections');
  });
});

describe('what a snapshot cannot decide is reported, never silently ignored', () => {
  const engine = createEngine(snapshot({
    namespaces, nodes, pods: [frontend, backend],
    ciliumNetworkPolicies: [cilium('egress', {
      endpointSelector: frontendSel,
      egress: [
        { fqdns: ['api.github.com'], toPorts: [{ ports: [{ port: 443, protocol: 'TCP' }] }] },
        { entities: ['kube-apiserver'] },
        { unsupported: ['toServices'] },
        { endpoints: [backendSel], toPorts: [{ ports: [{ port: 80, protocol: 'TCP' }], l7: ['http'] }] },
      ],
    }, 'shop')],
  }));

  it('names toFQDNs, unknowable entities, unevaluated fields and L7 rules in warnings', () => {
    expect(engine.validation.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([
      expect.stringMatching(/^unknowable-peer: .*c1\/shop\/CiliumNetworkPolicy\/egress: spec.egress\[0\] toFQDNs api.github.com cannot be checked statically/),
      expect.stringMatching(/^unknowable-peer: .*spec.egress\[1\] entity kube-apiserver cannot be placed from a snapshot/),
      expect.stringMatching(/^unsupported-field: .*spec.egress\[2\].toServices is not evaluated/),
      expect.stringMatching(/^l7-rule: .*spec.egress\[3\].toPorts\[0\].rules \(http\) is enforced by Cilium's proxy/),
    ]);
  });

  it('lets FQDN peers match no address: the pod is isolated and only the backend on 80 is open', () => {
    expect(engine.allowedConnections(P(frontend), IP('140.82.112.5')).toString()).toBe('No Connections');
    expect(engine.allowedConnections(P(frontend), P(backend)).toString()).toBe('TCP 80');
  });

  it('explains a deny by naming kind, policy and rule field', () => {
    const e = createEngine(snapshot({ namespaces, pods: [frontend, backend], ciliumNetworkPolicies: [cilium('deny-client', { endpointSelector: backendSel, ingressDeny: [{ endpoints: [frontendSel] }] }, 'shop')] }));
    expect(formatVerdict(e.evaluate({ src: P(frontend), dst: P(backend), protocol: 'TCP', port: 80 }))).toContain(
      'ingress denied by CiliumNetworkPolicy shop/deny-client spec.ingressDeny[0]: Deny (deny rules win over every allow)',
    );
  });
});
