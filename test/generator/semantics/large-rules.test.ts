import { describe, expect, it } from 'vitest';
import type { NetworkPolicyPeer, PodInfo } from '../../../generator/model/index.ts';
import { createEngine, type Peer } from '../../../generator/semantics/index.ts';
import { node, np, ns, pod, rule, snapshot, tcp, udp } from './builders.ts';
import { NaiveEvaluator } from './naive.ts';

// A rule with many peers (like the generated CoreDNS policy letting in every client) is
// matched through an index of the snapshot's pods; these check it against the naive reference.
const NAMESPACES = Array.from({ length: 12 }, (_, i) => `team-${i}`);

function estate() {
  const pods: PodInfo[] = [];
  NAMESPACES.forEach((n, i) => {
    for (const app of ['web', 'api', 'db']) {
      pods.push(pod(n, `${app}-${i}`, { app, tier: i % 2 ? 'odd' : 'even' }, { ips: [`10.0.${i}.${app.length + pods.length}`], nodeName: `n${i % 3}`, ports: [tcp(8080, 'http')] }));
    }
  });
  pods.push(pod('kube-system', 'dns-a', { 'k8s-app': 'kube-dns' }, { ips: ['10.9.0.1'], nodeName: 'n0', ports: [udp(53, 'dns'), tcp(53, 'dns-tcp')] }));
  pods.push(pod('kube-system', 'dns-b', { 'k8s-app': 'kube-dns' }, { ips: ['10.9.0.2'], nodeName: 'n1', ports: [udp(53, 'dns'), tcp(53, 'dns-tcp')] }));
  pods.push(pod('kube-system', 'agent', { app: 'agent' }, { ips: ['172.20.0.1'], hostIPs: ['172.20.0.1'], hostNetwork: true, nodeName: 'n1' }));
  // Many peers: one per namespace and app, plus selectors without a namespace, expressions and ipBlocks.
  const peers: NetworkPolicyPeer[] = [];
  NAMESPACES.forEach((n, i) => {
    if (i % 4 === 3) return;
    peers.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } }, podSelector: { matchLabels: { app: i % 2 ? 'web' : 'api' } } });
  });
  peers.push({ namespaceSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } });
  peers.push({ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['agent'] }] } });
  peers.push({ ipBlock: { cidr: '172.20.0.0/16' } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.5.0/24'] } });
  for (let i = 0; i < 8; i++) peers.push({ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db', tier: 'none' } } });
  return snapshot({
    namespaces: [...NAMESPACES.map((n, i) => ns(n, { zone: i % 3 === 0 ? 'b' : 'a' })), ns('kube-system')],
    pods,
    nodes: [node('n0', ['172.20.0.10']), node('n1', ['172.20.0.1']), node('n2', ['172.20.0.12'])],
    networkPolicies: [
      np('kube-system', 'dns', { podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } }, policyTypes: ['Ingress'], ingress: [rule(peers, [{ protocol: 'UDP', port: 'dns' }, { protocol: 'TCP', port: 53 }])] }),
      np('team-1', 'egress', { podSelector: {}, policyTypes: ['Egress'], egress: [rule(peers.slice().reverse(), [{ protocol: 'UDP', port: 53 }])] }),
    ],
  });
}

describe('rules with many peers', () => {
  it('allow exactly what the naive evaluator allows, for every pod and address pair', () => {
    const snap = estate();
    expect(snap.networkPolicies[0].ingress![0].peers!.length).toBeGreaterThan(16);
    const engine = createEngine(snap);
    const naive = new NaiveEvaluator(snap);
    const peers: Peer[] = [
      ...snap.pods.map((p): Peer => ({ kind: 'pod', pod: p })),
      { kind: 'ip', ip: '172.20.0.1' }, { kind: 'ip', ip: '172.20.0.12' }, { kind: 'ip', ip: '10.0.5.9' }, { kind: 'ip', ip: '10.3.3.3' }, { kind: 'ip', ip: '8.8.8.8' },
      // A pod outside the snapshot, in a namespace the rule names.
      { kind: 'pod', pod: pod('team-0', 'stray', { app: 'api' }, { ips: ['10.0.0.99'] }) },
    ];
    let allowed = 0;
    let checked = 0;
    for (const src of peers) {
      for (const dst of peers) {
        if (src.kind === 'ip' && dst.kind === 'ip') continue;
        const set = engine.allowedConnections(src, dst);
        for (const [protocol, port] of [['UDP', 53], ['TCP', 53], ['TCP', 8080]] as const) {
          const expected = naive.allowed(src, dst, protocol, port);
          expect({ src, dst, protocol, port, allowed: set.contains(protocol, port) }).toEqual({ src, dst, protocol, port, allowed: expected });
          expect(engine.evaluate({ src, dst, protocol, port }).allowed).toBe(expected);
          checked++;
          if (expected) allowed++;
        }
      }
    }
    // Both answers occur, so the comparison is not vacuous.
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(checked);
  });
});
