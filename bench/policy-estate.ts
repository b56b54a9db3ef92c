/**
 * A generated, deterministic estate for the policy engine benchmark: `namespaces` namespaces,
 * 10 Deployments of 5 pods each per namespace, 10 NetworkPolicies per namespace (a default
 * deny, same-namespace allows on numeric and named ports, cross-namespace allows by team,
 * egress to CIDRs with excepts), plus a few AdminNetworkPolicies and a BANP.
 * At 200 namespaces: 10,000 pods, 2,000 NetworkPolicies.
 *
 * `mixedKinds`: the same estate with every policy kind the engine reads: per namespace 8
 * NetworkPolicies (the default deny covers ingress only; egress-external only for workers), a
 * Baseline-tier ClusterNetworkPolicy doing the namespace's egress (same namespace, DNS, HTTPS
 * out, then Deny) and a CiliumNetworkPolicy for monitoring; 20 Admin-tier
 * ClusterNetworkPolicies (one per team, Pass then Deny), a CiliumClusterwideNetworkPolicy
 * denying the metadata address, the ANPs and the BANP. Still 10 policies per namespace, plus 24.
 * `calico` (with `mixedKinds`): the Cilium policies written for Calico instead: per namespace a
 * Calico NetworkPolicy for monitoring (default tier, order 500, named port), and a
 * GlobalNetworkPolicy in a `security` tier (order 100) denying the metadata address and
 * passing the rest on.
 */
import type {
  AdminNetworkPolicyInfo, CalicoPolicyInfo, CiliumNetworkPolicyInfo, NamespaceInfo, NetworkPolicyInfo, NodeInfo, PodInfo,
} from '../generator/model/index.ts';
import type { PolicySnapshot } from '../generator/semantics/index.ts';

const CLUSTER = 'bench';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface EstateOptions {
  readonly mixedKinds?: boolean;
  readonly calico?: boolean;
  /** Cilium's host firewall: the estate's 50 nodes, and the docs' demo-host-policy on half of them. */
  readonly hostFirewall?: boolean;
}

export function generateEstate(namespaceCount: number, seed = 1, options: EstateOptions = {}): PolicySnapshot {
  const mixed = options.mixedKinds ?? false;
  const clusterPolicies: AdminNetworkPolicyInfo[] = [];
  const ciliumNetworkPolicies: CiliumNetworkPolicyInfo[] = [];
  const calicoPolicies: CalicoPolicyInfo[] = [];
  const calico = mixed && (options.calico ?? false);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const namespaces: NamespaceInfo[] = [];
  const pods: PodInfo[] = [];
  const networkPolicies: NetworkPolicyInfo[] = [];
  const tiers = ['web', 'api', 'db', 'cache', 'worker'];
  for (let n = 0; n < namespaceCount; n++) {
    const ns = `ns-${n}`;
    namespaces.push({ kind: 'Namespace', cluster: CLUSTER, name: ns, labels: { team: `team-${n % 20}`, env: n % 3 === 0 ? 'prod' : 'dev' } });
    for (let d = 0; d < 10; d++) {
      const app = `app-${d}`;
      const hash = `h${n}x${d}abc`;
      for (let r = 0; r < 5; r++) {
        const i = pods.length;
        pods.push({
          kind: 'Pod',
          cluster: CLUSTER,
          namespace: ns,
          name: `${app}-${hash}-${r}`,
          labels: { app, tier: tiers[d % tiers.length], 'pod-template-hash': hash },
          ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
          hostIPs: [`192.168.${(i >> 8) & 15}.${i & 255}`],
          nodeName: `node-${i % 50}`,
          hostNetwork: false,
          privileged: false,
          ports: [
            { name: 'http', containerPort: 8080 + (d % 3), protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
            ...(d % 4 === 0 ? [{ name: 'dns', containerPort: 53, protocol: 'UDP' as const }] : []),
          ],
          owner: { kind: 'ReplicaSet', name: `${app}-${hash}`, controller: true },
        });
      }
    }
    const policy = (name: string, spec: Partial<NetworkPolicyInfo>): void => {
      networkPolicies.push({ kind: 'NetworkPolicy', cluster: CLUSTER, namespace: ns, name, podSelector: {}, ...spec });
    };
    policy('default-deny', { policyTypes: mixed ? ['Ingress'] : ['Ingress', 'Egress'] });
    for (let k = 0; k < 6; k++) {
      const dst = `app-${(k + 1) % 10}`;
      const src = `app-${k}`;
      policy(`allow-${src}-to-${dst}`, {
        podSelector: { matchLabels: { app: dst } },
        ingress: [
          {
            peers: [{ podSelector: { matchLabels: { app: src } } }, ...(k % 2 ? [{ namespaceSelector: { matchLabels: { team: `team-${(n + k) % 20}` } }, podSelector: { matchLabels: { tier: pick(tiers) } } }] : [])],
            ports: k % 3 === 0 ? [{ port: 'http' }] : [{ port: 8000 + k * 10, endPort: 8100 + k * 10 }, { protocol: 'UDP', port: 53 }],
          },
        ],
      });
    }
    if (mixed) {
      const self = { matchLabels: { 'kubernetes.io/metadata.name': ns } };
      clusterPolicies.push({
        kind: 'ClusterNetworkPolicy', cluster: CLUSTER, name: `egress-${ns}`, tier: 'Baseline', priority: n % 1000,
        subject: { namespaces: self },
        ingress: [],
        egress: [
          { name: 'same-namespace', action: 'Accept', peers: [{ kind: 'namespaces', namespaces: self }] },
          { name: 'dns', action: 'Accept', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ kind: 'portNumber', protocol: 'UDP', port: 53 }, { kind: 'portNumber', protocol: 'TCP', port: 53 }] },
          { name: 'https-out', action: 'Accept', peers: [{ kind: 'networks', networks: [`${(n % 14) * 16 + 16}.0.0.0/8`] }], ports: [{ kind: 'portNumber', protocol: 'TCP', port: 443 }] },
          { name: 'deny-rest', action: 'Deny', peers: [{ kind: 'networks', networks: ['0.0.0.0/0'] }] },
        ],
      });
      policy('egress-external', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['worker'] }] },
        policyTypes: ['Egress'],
        egress: [{ peers: [{ ipBlock: { cidr: '0.0.0.0/0', except: [`10.${n % 8}.0.0/16`] } }], ports: [{ port: 443 }] }],
      });
    } else {
      policy('egress-same-ns', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { peers: [{ podSelector: {} }] },
          { peers: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { port: 53 }] },
        ],
      });
      policy('egress-external', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'worker'] }] },
        policyTypes: ['Egress'],
        egress: [{ peers: [{ ipBlock: { cidr: `${(n % 16) * 16}.0.0.0/4`.replace(/^(\d+)\./, (_, a) => `${Math.min(Number(a), 224)}.`), except: [`10.${n % 8}.0.0/16`] } }], ports: [{ port: 443 }] }],
      });
    }
    if (calico) {
      calicoPolicies.push({
        kind: 'CalicoNetworkPolicy', cluster: CLUSTER, namespace: ns, name: 'monitoring', tier: 'default', order: 500,
        selector: "tier != 'db'", types: ['Ingress'], egress: [],
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "team == 'team-0'", selector: "app == 'app-9'" }, destination: { ports: [{ name: 'metrics' }] } }],
      });
      continue;
    }
    if (mixed) {
      // The same monitoring rule written for Cilium: namespace labels are identity labels, and
      // naming the namespace key (Exists) lifts the policy's own-namespace scope.
      ciliumNetworkPolicies.push({
        kind: 'CiliumNetworkPolicy', cluster: CLUSTER, namespace: ns, name: 'monitoring',
        specs: [{
          endpointSelector: { matchExpressions: [{ key: 'k8s:tier', operator: 'NotIn', values: ['db'] }] },
          ingress: [{
            endpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.team': 'team-0', 'k8s:app': 'app-9' }, matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }] }],
            toPorts: [{ ports: [{ port: 'metrics', protocol: 'TCP' }] }],
          }],
        }],
      });
      continue;
    }
    policy('monitoring', {
      podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
      ingress: [{ peers: [{ namespaceSelector: { matchLabels: { team: 'team-0' } }, podSelector: { matchLabels: { app: 'app-9' } } }], ports: [{ port: 'metrics' }] }],
    });
  }
  const adminNetworkPolicies: AdminNetworkPolicyInfo[] = [
    {
      kind: 'AdminNetworkPolicy', cluster: CLUSTER, name: 'deny-prod-from-dev', priority: 10,
      subject: { namespaces: { matchLabels: { env: 'prod' } } },
      ingress: [
        { name: 'monitoring', action: 'Pass', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { team: 'team-0' } } }] },
        { name: 'dev', action: 'Deny', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { env: 'dev' } } }] },
      ],
      egress: [],
    },
    {
      kind: 'AdminNetworkPolicy', cluster: CLUSTER, name: 'block-metadata', priority: 20,
      subject: { namespaces: {} },
      ingress: [],
      egress: [{ name: 'metadata', action: 'Deny', peers: [{ kind: 'networks', networks: ['169.254.169.254/32'] }] }],
    },
    {
      kind: 'BaselineAdminNetworkPolicy', cluster: CLUSTER, name: 'default',
      subject: { namespaces: {} },
      ingress: [{ name: 'default-deny', action: 'Deny', peers: [{ kind: 'namespaces', namespaces: {} }] }],
      egress: [],
    },
  ];
  if (calico) {
    calicoPolicies.push({
      kind: 'CalicoGlobalNetworkPolicy', cluster: CLUSTER, name: 'deny-metadata', tier: 'security', order: 10,
      selector: 'all()', types: ['Egress'], ingress: [],
      egress: [{ action: 'Deny', destination: { nets: ['169.254.169.254/32'] } }, { action: 'Pass' }],
    });
  } else if (mixed) {
    // Cilium, cluster-wide: no pod reaches the cloud metadata service, without isolating egress.
    ciliumNetworkPolicies.push({
      kind: 'CiliumClusterwideNetworkPolicy', cluster: CLUSTER, name: 'deny-metadata',
      specs: [{ endpointSelector: {}, egressDeny: [{ cidrs: [{ cidr: '169.254.169.254/32' }] }], enableDefaultDeny: { egress: false } }],
    });
  }
  if (mixed) {
    // Admin tier, one per team: prod databases refuse dev namespaces, except the platform team's.
    for (let t = 0; t < 20; t++) {
      clusterPolicies.push({
        kind: 'ClusterNetworkPolicy', cluster: CLUSTER, name: `protect-db-team-${t}`, tier: 'Admin', priority: 100 + t,
        subject: { pods: { namespaceSelector: { matchLabels: { team: `team-${t}`, env: 'prod' } }, podSelector: { matchLabels: { tier: 'db' } } } },
        ingress: [
          { name: 'platform', action: 'Pass', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { team: 'team-0' } } }] },
          { name: 'dev', action: 'Deny', peers: [{ kind: 'namespaces', namespaces: { matchLabels: { env: 'dev' } } }], ports: [{ kind: 'portRange', protocol: 'TCP', start: 1, end: 9000 }] },
        ],
        egress: [],
      });
    }
  }
  const nodes: NodeInfo[] = [];
  if (options.hostFirewall) {
    for (let i = 0; i < 50; i++) {
      nodes.push({ kind: 'Node', cluster: CLUSTER, name: `node-${i}`, labels: i % 2 ? { 'node-access': 'ssh' } : {}, addresses: [`172.16.0.${i + 1}`], podCIDRs: [] });
    }
    ciliumNetworkPolicies.push({
      kind: 'CiliumClusterwideNetworkPolicy', cluster: CLUSTER, name: 'demo-host-policy',
      specs: [{ nodeSelector: { matchLabels: { 'node-access': 'ssh' } }, ingress: [{ entities: ['cluster'] }, { toPorts: [{ ports: [{ port: 22, protocol: 'TCP' }] }] }] }],
    });
  }
  return {
    namespaces, pods, networkPolicies, adminNetworkPolicies: [...adminNetworkPolicies, ...clusterPolicies], ciliumNetworkPolicies, nodes,
    ...(calico ? { calicoPolicies, calicoTiers: [{ kind: 'CalicoTier' as const, cluster: CLUSTER, name: 'security', order: 100 }] } : {}),
  };
}
