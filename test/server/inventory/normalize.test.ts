import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { normalizeObject, type NormalizeOutcome } from '../../../server/inventory/normalize.ts';
import type { AdminNetworkPolicyInfo, NetworkPolicyInfo, PodInfo } from '../../../generator/model/index.ts';

const ctx = { cluster: 'prod', source: { file: 'in.yaml', line: 3 } };

function ok(outcome: NormalizeOutcome) {
  if (outcome.kind !== 'object') throw new Error(`expected an object, got ${JSON.stringify(outcome)}`);
  return outcome.object;
}

const policyJson = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [
      { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] } }], ports: [{ port: 80, endPort: 70 }] },
      { ports: [{ protocol: 'UDP', port: 'dns' }] },
      { from: [] },
    ],
  },
};

const podJson = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-7d4b9-abcde', namespace: 'shop', labels: { app: 'web', 'pod-template-hash': '7d4b9' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'u1', controller: true }],
    deletionTimestamp: '2024-01-01T01:00:00Z',
  },
  spec: {
    nodeName: 'node-1', serviceAccountName: 'web',
    containers: [
      { name: 'app', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] },
      { name: 'sidecar', securityContext: { capabilities: { add: ['NET_ADMIN'] } } },
    ],
  },
  status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }], hostIP: '192.168.0.1', startTime: '2024-01-01T00:00:00Z' },
};

describe('normalizeObject for NetworkPolicy', () => {
  it('gives the same result for plain JSON and a typed client-node model (_from, Date fields)', () => {
    const typed = loadYaml<object>(JSON.stringify(policyJson));
    expect((typed as { spec: { ingress: Record<string, unknown>[] } }).spec.ingress[0]._from).toBeDefined();
    expect(ok(normalizeObject(typed, ctx))).toEqual(ok(normalizeObject(policyJson, ctx)));
  });

  it('keeps policyTypes and egress undefined when not written, and an empty from distinct from an absent one', () => {
    const np = ok(normalizeObject(policyJson, ctx)) as NetworkPolicyInfo;
    expect(np.policyTypes).toBeUndefined();
    expect('egress' in np).toBe(false);
    expect(np.ingress![1].peers).toBeUndefined();
    expect(np.ingress![2].peers).toEqual([]);
    expect(np.ingress![2].ports).toBeUndefined();
  });

  it('keeps raw port values for the engine to validate (endPort below port, named ports)', () => {
    const np = ok(normalizeObject(policyJson, ctx)) as NetworkPolicyInfo;
    expect(np.ingress![0].ports).toEqual([{ port: 80, endPort: 70 }]);
    expect(np.ingress![1].ports).toEqual([{ protocol: 'UDP', port: 'dns' }]);
  });

  it('keeps an empty namespaceSelector ({}: all namespaces) and the ipBlock except list', () => {
    const np = ok(normalizeObject(policyJson, ctx)) as NetworkPolicyInfo;
    expect(np.ingress![0].peers).toEqual([
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
      { namespaceSelector: {}, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] } },
    ]);
  });

  it('accepts _except as client-node may name ipBlock.except', () => {
    const np = ok(normalizeObject({ kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'n' }, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', _except: ['10.0.0.0/8'] } }] }] } }, ctx)) as NetworkPolicyInfo;
    expect(np.egress![0].peers![0].ipBlock).toEqual({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] });
  });

  it('reports a wrongly typed field as an InputError naming file, line, object and field', () => {
    const outcome = normalizeObject({ ...policyJson, spec: { podSelector: {}, ingress: { from: [] } } }, ctx);
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.error.name).toBe('InputError');
    expect(outcome.error.message).toBe('netatlas/inventory: in.yaml:3 prod/shop/NetworkPolicy/web spec.ingress must be a list.');
    expect(outcome.error.location).toEqual({ file: 'in.yaml', line: 3, object: 'prod/shop/NetworkPolicy/web' });
  });
});

describe('normalizeObject for Pod', () => {
  it('reads IPs, host IPs, node, ports (TCP by default), controller owner and times', () => {
    const pod = ok(normalizeObject(podJson, ctx)) as PodInfo;
    expect(pod).toMatchObject({
      kind: 'Pod', cluster: 'prod', namespace: 'shop', name: 'web-7d4b9-abcde',
      ips: ['10.0.0.9', 'fd00::9'], hostIPs: ['192.168.0.1'], nodeName: 'node-1', hostNetwork: false,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }],
      owner: { kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'u1', controller: true },
      serviceAccount: 'web', phase: 'Running',
      startTime: Date.parse('2024-01-01T00:00:00Z'), endTime: Date.parse('2024-01-01T01:00:00Z'),
    });
  });

  it('marks a pod privileged when a container adds NET_ADMIN or runs privileged', () => {
    expect((ok(normalizeObject(podJson, ctx)) as PodInfo).privileged).toBe(true);
    const plain = { ...podJson, spec: { containers: [{ name: 'a' }] } };
    expect((ok(normalizeObject(plain, ctx)) as PodInfo).privileged).toBe(false);
    const priv = { ...podJson, spec: { containers: [{ name: 'a', securityContext: { privileged: true } }] } };
    expect((ok(normalizeObject(priv, ctx)) as PodInfo).privileged).toBe(true);
  });

  it('gives the same pod from a typed model with Date fields', () => {
    const typed = loadYaml<object>(JSON.stringify(podJson));
    expect(ok(normalizeObject(typed, ctx))).toEqual(ok(normalizeObject(podJson, ctx)));
  });

  it('falls back to status.podIP and reads hostNetwork', () => {
    const pod = ok(normalizeObject({ kind: 'Pod', metadata: { name: 'h', namespace: 'kube-system' }, spec: { hostNetwork: true }, status: { podIP: '192.168.0.5', hostIP: '192.168.0.5' } }, ctx)) as PodInfo;
    expect(pod).toMatchObject({ ips: ['192.168.0.5'], hostIPs: ['192.168.0.5'], hostNetwork: true });
  });

  it('uses the kind hint for API list items that carry no kind', () => {
    const outcome = normalizeObject({ metadata: { name: 'a', namespace: 'n' } }, { ...ctx, kindHint: 'Pod' });
    expect(ok(outcome).kind).toBe('Pod');
  });
});

describe('normalizeObject for other kinds', () => {
  it('synthesizes the kubernetes.io/metadata.name label on a Namespace that lacks it', () => {
    expect(ok(normalizeObject({ kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'a' } } }, ctx))).toMatchObject({
      kind: 'Namespace', name: 'shop', labels: { team: 'a', 'kubernetes.io/metadata.name': 'shop' },
    });
  });

  it('reads a Service: cluster IPs without None, named targetPort, load balancer IPs', () => {
    const svc = ok(normalizeObject({
      kind: 'Service', metadata: { name: 'web', namespace: 'shop' },
      spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }] },
      status: { loadBalancer: { ingress: [{ ip: '34.1.2.3' }] } },
    }, ctx));
    expect(svc).toMatchObject({ type: 'LoadBalancer', clusterIPs: ['10.96.0.10'], loadBalancerIPs: ['34.1.2.3'], selector: { app: 'web' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }] });
    const headless = ok(normalizeObject({ kind: 'Service', metadata: { name: 'db', namespace: 's' }, spec: { clusterIP: 'None' } }, ctx));
    expect(headless).toMatchObject({ clusterIPs: [], ports: [] });
  });

  it('reads an EndpointSlice with its service name, readiness and target pods', () => {
    const slice = ok(normalizeObject({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.9'], conditions: { ready: true }, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop' } }],
      ports: [{ name: 'http', port: 8080 }],
    }, ctx));
    expect(slice).toMatchObject({ serviceName: 'web', endpoints: [{ addresses: ['10.0.0.9'], ready: true, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop' } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  });

  it('reads a Node: IP addresses only, and pod CIDRs', () => {
    const node = ok(normalizeObject({ kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.0.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.1' }, { type: 'Hostname', address: 'n1' }] } }, ctx));
    expect(node).toMatchObject({ kind: 'Node', addresses: ['192.168.0.1'], podCIDRs: ['10.0.1.0/24'] });
  });

  it('reads a ReplicationController selector given as a plain label map', () => {
    const rc = ok(normalizeObject({ kind: 'ReplicationController', metadata: { name: 'old', namespace: 'n' }, spec: { selector: { app: 'old' }, template: { metadata: { labels: { app: 'old' } } } } }, ctx));
    expect(rc).toMatchObject({ kind: 'Workload', workloadKind: 'ReplicationController', selector: { matchLabels: { app: 'old' } }, templateLabels: { app: 'old' } });
  });

  it('reads an AdminNetworkPolicy with every peer and port form', () => {
    const anp = ok(normalizeObject({
      apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'guard' },
      spec: {
        priority: 10,
        subject: { pods: { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} } },
        ingress: [{ name: 'mon', action: 'Allow', from: [{ namespaces: { matchLabels: { team: 'mon' } } }], ports: [{ portNumber: { protocol: 'TCP', port: 9090 } }, { namedPort: 'metrics' }, { portRange: { protocol: 'UDP', start: 1000, end: 2000 } }] }],
        egress: [{ name: 'no-world', action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }, { nodes: { matchLabels: {} } }, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { a: 'b' } } } }] }],
      },
    }, ctx)) as AdminNetworkPolicyInfo;
    expect(anp).toMatchObject({ kind: 'AdminNetworkPolicy', cluster: 'prod', name: 'guard', priority: 10, subject: { pods: { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: {} } } });
    expect(anp.ingress[0]).toEqual({
      name: 'mon', action: 'Allow', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { team: 'mon' } } }],
      ports: [{ kind: 'portNumber', protocol: 'TCP', port: 9090 }, { kind: 'namedPort', name: 'metrics' }, { kind: 'portRange', protocol: 'UDP', start: 1000, end: 2000 }],
    });
    expect(anp.egress[0].peers.map((p) => p.kind)).toEqual(['networks', 'nodes', 'pods']);
    expect(anp.egress[0].ports).toBeUndefined();
  });

  it('reads a BaselineAdminNetworkPolicy subject namespaces with no priority', () => {
    const banp = ok(normalizeObject({ kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] } }, ctx)) as AdminNetworkPolicyInfo;
    expect(banp).toMatchObject({ kind: 'BaselineAdminNetworkPolicy', subject: { namespaces: {} }, egress: [] });
    expect(banp.priority).toBeUndefined();
  });

  it('skips an unknown kind with an unknown-kind warning naming file and object', () => {
    const outcome = normalizeObject({ kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'n' } }, ctx);
    expect(outcome).toEqual({
      kind: 'skipped',
      warning: { code: 'unknown-kind', message: 'netatlas/inventory: in.yaml:3 prod/n/ConfigMap/cfg kind ConfigMap is not used by netatlas; skipped.', location: { file: 'in.yaml', line: 3, object: 'prod/n/ConfigMap/cfg' } },
    });
  });

  it('reports an object without a name and a label that is not a string as InputErrors', () => {
    expect(normalizeObject({ kind: 'Pod', metadata: {} }, ctx).kind).toBe('invalid');
    const bad = normalizeObject({ kind: 'Pod', metadata: { name: 'p', namespace: 'n', labels: { v: 1 } } }, ctx);
    expect(bad.kind === 'invalid' && bad.error.message).toContain('metadata.labels.v must be a string');
  });
});
