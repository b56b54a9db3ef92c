/**
 * The demo estate as a model: clusters, nodes, namespaces, workloads, pods, services,
 * NetworkPolicies and the traffic between them (edge specs). Rendering into real formats
 * (kubectl List JSON, Hubble jsonpb lines) lives in kubectl.ts and hubble.ts.
 *
 * Everything is deterministic: randomness comes from named streams (rng.ts).
 */
import { rngFor, SAFE_ALPHABET, uuidFor, type Rng } from './rng.ts';

export type Role = 'dev' | 'prod' | 'finance';
export type L4 = 'TCP' | 'UDP';

export interface EstateOptions {
  readonly seed: string;
  /** Copies of the application namespaces per cluster. */
  readonly scale: number;
  /** Number of clusters (at least 3: dev, prod, finance; more are prod-like `prod-<n>`). */
  readonly clusters: number;
  /** Connections per edge are multiplied by this (same edges, more flows). */
  readonly repeat: number;
}

export const DEFAULT_OPTIONS: EstateOptions = { seed: 'netatlas-demo', scale: 1, clusters: 3, repeat: 1 };

/** The day every flow and timestamp falls on. */
export const DEMO_DAY = '2026-11-27';
/** Flows fall in [WINDOW_START, WINDOW_END) seconds of DEMO_DAY (UTC). */
export const WINDOW_START_S = 9 * 3600;
export const WINDOW_END_S = 10 * 3600;

export interface NodeM {
  readonly cluster: ClusterM;
  readonly name: string;
  readonly ip: string;
  readonly podCIDR: string;
  readonly zone: string;
  readonly index: number;
  readonly uid: string;
  /** Pods placed on the node so far (for IP and endpoint ID allocation). */
  placed: number;
}

export interface PortM {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: L4;
}

export interface ProbeM {
  readonly kind: 'httpGet' | 'grpc' | 'tcpSocket';
  readonly port: number;
  readonly path?: string;
}

export interface ContainerM {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly PortM[];
  readonly probe?: ProbeM;
}

export type WorkloadKindM = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod';

export interface WorkloadM {
  readonly cluster: ClusterM;
  readonly namespace: string;
  readonly name: string;
  readonly kind: WorkloadKindM;
  /** Selector and pod-template labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly serviceAccount: string;
  readonly containers: readonly ContainerM[];
  readonly uid: string;
  /** pod-template-hash (Deployment) or controller-revision-hash suffix (StatefulSet, DaemonSet). */
  readonly hash: string;
  readonly rsUid: string;
  readonly pods: PodM[];
  /** Annotations of the workload object (not of its pods: they do not reach Hubble identities). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PodM {
  readonly workload: WorkloadM;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly node: NodeM;
  readonly endpointId: number;
  readonly identity: number;
  /** Hubble/Cilium identity labels, sorted (`k8s:app=frontend`, ...). */
  readonly identityLabels: readonly string[];
  readonly ordinal: number;
}

export interface ServicePortM {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: L4;
  readonly nodePort?: number;
}

export interface ServiceM {
  readonly cluster: ClusterM;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly type: 'ClusterIP' | 'LoadBalancer';
  /** 'None' for a headless Service. */
  readonly clusterIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePortM[];
  readonly backends?: WorkloadM;
  readonly loadBalancerIP?: string;
  /** Addresses without pods (the `kubernetes` Service's API server endpoint). */
  readonly staticEndpoint?: { readonly ip: string; readonly port: number; readonly name: string };
}

export interface NamespaceM {
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterM {
  readonly name: string;
  /** Cilium cluster ID (1-255), also the second octet of the pod CIDR. */
  readonly id: number;
  readonly role: Role;
  readonly podCIDR: string;
  readonly apiServerIP: string;
  nodes: NodeM[];
  readonly namespaces: NamespaceM[];
  readonly workloads: WorkloadM[];
  readonly services: ServiceM[];
  /** NetworkPolicy objects as the API server returns them (without kind/apiVersion). */
  readonly policies: PolicyM[];
  /** Namespaces of application copies: `boutique`, `boutique-2`, ... or `payments`, ... */
  readonly appNamespaces: string[];
}

export interface PolicyM {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly spec: Record<string, unknown>;
}

/** One side of a connection. */
export type Peer =
  | { readonly kind: 'pod'; readonly pod: PodM }
  /** The node's own stack (kubelet probes): Hubble `reserved:host`. */
  | { readonly kind: 'host'; readonly node: NodeM }
  | { readonly kind: 'world'; readonly ip: string; readonly names?: readonly string[] }
  | { readonly kind: 'apiserver'; readonly cluster: ClusterM; readonly ip: string };

/** Cilium policy match types (monitor API): how a policy-verdict event says it matched. */
export const MATCH = { L3_L4: 2, L4_ONLY: 3, ALL: 4 } as const;

/**
 * One edge of traffic: `count` connections from one of `sources` to one of `destinations`.
 * `ingressMatch`/`egressMatch` say which policy-verdict events the enforcing nodes emit.
 */
export interface EdgeSpec {
  readonly id: string;
  readonly sources: readonly Peer[];
  readonly destinations: readonly Peer[];
  readonly protocol: L4;
  /** Destination port after service translation (the container port). */
  readonly port: number;
  readonly service?: ServiceM;
  readonly outcome: 'forwarded' | 'policy-denied';
  readonly egressMatch?: number;
  readonly ingressMatch?: number;
  readonly count: number;
  /** A DNS lookup (UDP 53 through Cilium's DNS proxy). */
  readonly dns?: { readonly query: string; readonly ips: readonly string[] };
  /** Why it is here (README and tests name planted edges by this). */
  readonly planted?: 'drop' | 'would-break' | 'suspicious-cross-env' | 'world-ingress';
}

export interface Estate {
  readonly options: EstateOptions;
  readonly clusters: readonly ClusterM[];
  readonly edges: readonly EdgeSpec[];
}

const OB_REGISTRY = 'us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo';
const OB_VERSION = 'v0.10.6';
/** The metrics port added to every Online Boutique server (not upstream: prometheus needs one). */
export const METRICS_PORT = 9090;
export const STRIPE = { name: 'api.stripe.com', ip: '54.187.216.72' } as const;
export const WORLD_CLIENTS = ['81.2.69.142', '89.160.20.112', '175.16.199.37', '216.160.83.56', '2.125.160.216'] as const;
export const FRONTEND_LB_IP = '34.77.120.15';
export const KUBE_DNS_IP = '10.96.0.10';
export const KUBERNETES_SVC_IP = '10.96.0.1';

interface ObApp {
  readonly app: string;
  readonly container: string;
  readonly image: string;
  readonly port?: number;
  readonly portName?: string;
  readonly probe?: ProbeM;
  readonly service?: { readonly portName: string; readonly port: number };
  readonly metrics: boolean;
  readonly serviceAccount: string;
  readonly prodReplicas: number;
}

const ob = (app: string, port: number | undefined, svcPort: number | undefined, probe: ProbeM['kind'] | undefined,
  extra: Partial<ObApp> = {}): ObApp => ({
  app,
  container: 'server',
  image: `${OB_REGISTRY}/${app}:${OB_VERSION}`,
  port,
  probe: probe && port !== undefined ? { kind: probe, port } : undefined,
  service: svcPort !== undefined ? { portName: 'grpc', port: svcPort } : undefined,
  metrics: true,
  serviceAccount: app,
  prodReplicas: 1,
  ...extra,
});

/** Online Boutique v0.10.6 (release/kubernetes-manifests.yaml): names, ports, probes. */
export const ONLINE_BOUTIQUE: readonly ObApp[] = [
  ob('adservice', 9555, 9555, 'grpc'),
  ob('cartservice', 7070, 7070, 'grpc', { prodReplicas: 2 }),
  ob('checkoutservice', 5050, 5050, 'grpc', { prodReplicas: 2 }),
  ob('currencyservice', 7000, 7000, 'grpc', { portName: 'grpc', prodReplicas: 2 }),
  ob('emailservice', 8080, 5000, 'grpc'),
  ob('frontend', 8080, 80, 'httpGet', {
    probe: { kind: 'httpGet', port: 8080, path: '/_healthz' }, service: { portName: 'http', port: 80 }, prodReplicas: 3,
  }),
  ob('loadgenerator', undefined, undefined, undefined, { container: 'main', metrics: false }),
  ob('paymentservice', 50051, 50051, 'grpc'),
  ob('productcatalogservice', 3550, 3550, 'grpc', { prodReplicas: 2 }),
  ob('recommendationservice', 8080, 8080, 'grpc'),
  ob('redis-cart', 6379, 6379, 'tcpSocket', {
    container: 'redis', image: 'redis:alpine', service: { portName: 'tcp-redis', port: 6379 }, metrics: false, serviceAccount: 'default',
  }),
  ob('shippingservice', 50051, 50051, 'grpc'),
];

/**
 * Online Boutique's call graph (../shared/data/online-boutique/online-boutique-edges.txt):
 * caller -> Service name and Service port. The container port is looked up from the Service.
 */
export const ONLINE_BOUTIQUE_CALLS: readonly (readonly [string, string, number])[] = [
  ['frontend', 'productcatalogservice', 3550],
  ['frontend', 'currencyservice', 7000],
  ['frontend', 'cartservice', 7070],
  ['frontend', 'recommendationservice', 8080],
  ['frontend', 'shippingservice', 50051],
  ['frontend', 'checkoutservice', 5050],
  ['frontend', 'adservice', 9555],
  ['checkoutservice', 'productcatalogservice', 3550],
  ['checkoutservice', 'shippingservice', 50051],
  ['checkoutservice', 'paymentservice', 50051],
  ['checkoutservice', 'emailservice', 5000],
  ['checkoutservice', 'currencyservice', 7000],
  ['checkoutservice', 'cartservice', 7070],
  ['recommendationservice', 'productcatalogservice', 3550],
  ['cartservice', 'redis-cart', 6379],
  ['loadgenerator', 'frontend', 80],
];

/** Planted in prod (first copy): dropped by the policies, as Hubble reports them. */
export const PLANTED_DROPS: readonly (readonly [string, string, number])[] = [
  ['loadgenerator', 'checkoutservice', 5050],
  ['adservice', 'redis-cart', 6379],
  ['frontend', 'emailservice', 5000],
];

/** Planted in prod (first copy): observed FORWARDED although the prod policies deny it. */
export const PLANTED_WOULD_BREAK = ['recommendationservice', 'cartservice', 7070] as const;

const ROLES: readonly Role[] = ['dev', 'prod', 'finance'];

function clusterNames(count: number): { name: string; role: Role }[] {
  const out: { name: string; role: Role }[] = [];
  for (let i = 0; i < count; i++) out.push(i < 3 ? { name: ROLES[i], role: ROLES[i] } : { name: `prod-${i + 1}`, role: 'prod' });
  return out;
}

function copyName(base: string, copy: number): string {
  return copy === 1 ? base : `${base}-${copy}`;
}

/** Builds the whole estate: inventory model and traffic. */
export function buildEstate(options: EstateOptions): Estate {
  if (!Number.isInteger(options.scale) || options.scale < 1) throw new Error('netatlas/samples: --scale must be an integer >= 1.');
  if (!Number.isInteger(options.clusters) || options.clusters < 3 || options.clusters > 200) {
    throw new Error('netatlas/samples: --clusters must be an integer between 3 and 200.');
  }
  if (!Number.isInteger(options.repeat) || options.repeat < 1) throw new Error('netatlas/samples: --repeat must be an integer >= 1.');
  const b = new Builder(options);
  const clusters = clusterNames(options.clusters).map((c, i) => b.cluster(c.name, c.role, i + 1));
  for (const c of clusters) b.placePods(c);
  const edges = b.traffic(clusters);
  return { options, clusters, edges };
}

class Builder {
  private readonly identities = new Map<string, number>();
  private readonly usedIdentities = new Set<number>();
  private readonly clusterIPs = new Map<string, Set<string>>();

  constructor(private readonly o: EstateOptions) {}

  private rng(name: string): Rng {
    return rngFor(this.o.seed, name);
  }

  private uid(name: string): string {
    return uuidFor(this.o.seed, name);
  }

  cluster(name: string, role: Role, id: number): ClusterM {
    const c: ClusterM = {
      name, id, role, podCIDR: `10.${id}.0.0/16`, apiServerIP: `172.20.${id}.2`,
      nodes: [], namespaces: [], workloads: [], services: [], policies: [], appNamespaces: [],
    };
    this.clusterIPs.set(name, new Set([KUBE_DNS_IP, KUBERNETES_SVC_IP]));
    const ns = (n: string, labels: Record<string, string> = {}) =>
      c.namespaces.push({ name: n, uid: this.uid(`${name}/ns/${n}`), labels: { ...labels, 'kubernetes.io/metadata.name': n } });
    ns('default');
    ns('kube-node-lease');
    ns('kube-public');
    ns('kube-system');
    ns('monitoring');
    this.kubeSystem(c);
    this.monitoring(c);
    for (let copy = 1; copy <= this.o.scale; copy++) {
      if (role === 'finance') {
        const n = copyName('payments', copy);
        ns(n, { 'app.kubernetes.io/part-of': 'ledger' });
        c.appNamespaces.push(n);
        this.payments(c, n);
      } else {
        const n = copyName('boutique', copy);
        ns(n, { 'app.kubernetes.io/part-of': 'online-boutique' });
        c.appNamespaces.push(n);
        this.boutique(c, n, copy);
      }
    }
    c.namespaces.sort((a, b) => cmp(a.name, b.name));
    return c;
  }

  private clusterIP(c: ClusterM, key: string): string {
    const used = this.clusterIPs.get(c.name)!;
    const r = this.rng(`clusterip|${c.name}|${key}`);
    for (;;) {
      const ip = `10.${96 + r.int(0, 15)}.${r.int(0, 255)}.${r.int(1, 254)}`;
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  }

  private workload(c: ClusterM, namespace: string, name: string, kind: WorkloadKindM, labels: Record<string, string>,
    replicas: number, serviceAccount: string, containers: ContainerM[], annotations?: Record<string, string>): WorkloadM {
    const r = this.rng(`wl|${c.name}|${namespace}|${kind}|${name}`);
    const hash = kind === 'Deployment' ? r.chars(SAFE_ALPHABET, 10) : kind === 'Pod' ? '' : r.chars(SAFE_ALPHABET, 10);
    const w: WorkloadM = {
      cluster: c, namespace, name, kind, labels, replicas, serviceAccount, containers, hash,
      uid: this.uid(`${c.name}/${namespace}/${kind}/${name}`),
      rsUid: this.uid(`${c.name}/${namespace}/ReplicaSet/${name}`),
      pods: [],
      ...(annotations ? { annotations } : {}),
    };
    c.workloads.push(w);
    return w;
  }

  private service(c: ClusterM, namespace: string, name: string, ports: ServicePortM[], backends: WorkloadM | undefined,
    extra: Partial<ServiceM> = {}): ServiceM {
    const s: ServiceM = {
      cluster: c, namespace, name, uid: this.uid(`${c.name}/${namespace}/Service/${name}`), type: 'ClusterIP',
      clusterIP: extra.clusterIP ?? this.clusterIP(c, `${namespace}/${name}`),
      labels: backends ? { ...pickLabels(backends.labels) } : {},
      selector: backends ? pickLabels(backends.labels) : undefined,
      ports, backends, ...extra,
    };
    c.services.push(s);
    return s;
  }

  private kubeSystem(c: ClusterM): void {
    const dns = this.workload(c, 'kube-system', 'coredns', 'Deployment', { 'k8s-app': 'kube-dns' }, 2, 'coredns', [{
      name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3',
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
      ],
      probe: { kind: 'httpGet', port: 8080, path: '/health' },
    }]);
    this.service(c, 'kube-system', 'kube-dns', [
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, targetPort: 9153, protocol: 'TCP' },
    ], dns, {
      clusterIP: KUBE_DNS_IP,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    });
    this.service(c, 'default', 'kubernetes', [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }], undefined, {
      clusterIP: KUBERNETES_SVC_IP,
      labels: { component: 'apiserver', provider: 'kubernetes' },
      staticEndpoint: { ip: c.apiServerIP, port: 6443, name: 'https' },
    });
  }

  private monitoring(c: ClusterM): void {
    const prom = this.workload(c, 'monitoring', 'prometheus', 'StatefulSet', { 'app.kubernetes.io/name': 'prometheus' }, 1, 'prometheus', [{
      name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3.0.1',
      ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }],
      probe: { kind: 'httpGet', port: 9090, path: '/-/ready' },
    }]);
    this.service(c, 'monitoring', 'prometheus', [{ name: 'web', port: 9090, targetPort: 'web', protocol: 'TCP' }], prom);
    this.workload(c, 'monitoring', 'fluent-bit', 'DaemonSet', { 'app.kubernetes.io/name': 'fluent-bit' }, 0, 'fluent-bit', [{
      name: 'fluent-bit', image: 'cr.fluentbit.io/fluent/fluent-bit:3.2.2',
      ports: [{ name: 'metrics', containerPort: 2020, protocol: 'TCP' }],
      probe: { kind: 'httpGet', port: 2020, path: '/api/v1/health' },
    }]);
  }

  private boutique(c: ClusterM, namespace: string, copy: number): void {
    for (const a of ONLINE_BOUTIQUE) {
      const ports: PortM[] = [];
      if (a.port !== undefined) ports.push({ ...(a.portName ? { name: a.portName } : {}), containerPort: a.port, protocol: 'TCP' });
      if (a.metrics) ports.push({ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' });
      const replicas = c.role === 'prod' ? a.prodReplicas : 1;
      const w = this.workload(c, namespace, a.app, 'Deployment', { app: a.app }, replicas, a.serviceAccount, [{
        name: a.container, image: a.image, ports, probe: a.probe,
      }]);
      if (a.service) {
        this.service(c, namespace, a.app, [{ name: a.service.portName, port: a.service.port, targetPort: a.port!, protocol: 'TCP' }], w);
      }
      if (a.app === 'frontend' && c.role === 'prod') {
        const r = this.rng(`nodeport|${c.name}|${namespace}`);
        this.service(c, namespace, 'frontend-external', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: r.int(30000, 32767) }], w, {
          type: 'LoadBalancer', loadBalancerIP: copy === 1 ? FRONTEND_LB_IP : `34.77.${120 + Math.floor(copy / 250)}.${(copy % 250) + 1}`,
        });
      }
    }
    if (c.role === 'dev' && copy === 1) {
      this.workload(c, namespace, 'debug-shell', 'Pod', { run: 'debug-shell' }, 1, 'default', [{
        name: 'debug-shell', image: 'nicolaka/netshoot:v0.13', ports: [],
      }]);
    }
    if (c.role === 'prod') this.boutiquePolicies(c, namespace);
  }

  private payments(c: ClusterM, namespace: string): void {
    const ledger = this.workload(c, namespace, 'ledger', 'Deployment', { app: 'ledger', tier: 'backend' }, 2, 'ledger', [{
      name: 'ledger', image: 'ghcr.io/netatlas-demo/ledger:2.14.0',
      ports: [{ name: 'https', containerPort: 8443, protocol: 'TCP' }, { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
      probe: { kind: 'httpGet', port: METRICS_PORT, path: '/healthz' },
    }], { 'netatlas.io/crown-jewel': 'true' });
    this.service(c, namespace, 'ledger', [{ name: 'https', port: 8443, targetPort: 'https', protocol: 'TCP' }], ledger);
    const pg = this.workload(c, namespace, 'postgres', 'StatefulSet', { app: 'postgres' }, 1, 'postgres', [
      {
        name: 'postgres', image: 'postgres:16.4',
        ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }], probe: { kind: 'tcpSocket', port: 5432 },
      },
      {
        name: 'postgres-exporter', image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
        ports: [{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }],
      },
    ]);
    this.service(c, namespace, 'postgres', [{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }], pg, { clusterIP: 'None' });
    this.paymentsPolicies(c, namespace);
  }

  private policy(c: ClusterM, namespace: string, name: string, spec: Record<string, unknown>): void {
    c.policies.push({ namespace, name, uid: this.uid(`${c.name}/${namespace}/NetworkPolicy/${name}`), spec });
  }

  /**
   * Online Boutique's upstream NetworkPolicies (kustomize/components/network-policies), made
   * from the call graph: deny-all, one policy per service letting its callers in on its
   * container port, frontend open to everyone, egress open everywhere; plus allow-monitoring
   * and allow-dns.
   */
  private boutiquePolicies(c: ClusterM, namespace: string): void {
    this.policy(c, namespace, 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const a of ONLINE_BOUTIQUE) {
      const spec: Record<string, unknown> = { podSelector: { matchLabels: { app: a.app } } };
      if (a.app === 'loadgenerator') {
        spec.policyTypes = ['Egress'];
        spec.egress = [{}];
      } else if (a.app === 'frontend') {
        spec.policyTypes = ['Ingress', 'Egress'];
        spec.ingress = [{}];
        spec.egress = [{}];
      } else {
        const callers = ONLINE_BOUTIQUE_CALLS.filter(([, to]) => to === a.app).map(([from]) => from);
        spec.policyTypes = ['Ingress', 'Egress'];
        spec.ingress = [{
          from: callers.map((from) => ({ podSelector: { matchLabels: { app: from } } })),
          ports: [{ port: a.port, protocol: 'TCP' }],
        }];
        spec.egress = [{}];
      }
      this.policy(c, namespace, a.app, spec);
    }
    this.policy(c, namespace, 'allow-monitoring', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      }],
    });
    this.allowDns(c, namespace);
  }

  private allowDns(c: ClusterM, namespace: string): void {
    this.policy(c, namespace, 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      }],
    });
  }

  private paymentsPolicies(c: ClusterM, namespace: string): void {
    this.policy(c, namespace, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    this.allowDns(c, namespace);
    this.policy(c, namespace, 'ledger', {
      podSelector: { matchLabels: { app: 'ledger' } },
      policyTypes: ['Ingress', 'Egress'],
      // The loose rule: "internal callers" written as the whole 10/8, which takes in every
      // cluster's pods (dev included), not only prod's paymentservice.
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 8443, protocol: 'TCP' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'postgres' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    this.policy(c, namespace, 'postgres', {
      podSelector: { matchLabels: { app: 'postgres' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'ledger' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    this.policy(c, namespace, 'allow-monitoring', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      }],
    });
  }

  /** Creates nodes sized for the pods, then the pods, round-robin over the nodes. */
  placePods(c: ClusterM): void {
    let podCount = 0;
    for (const w of c.workloads) if (w.kind !== 'DaemonSet') podCount += w.replicas;
    const nodeCount = Math.min(250, Math.max(3, Math.ceil(podCount / 200)));
    const zones = ['a', 'b', 'c'];
    const region = c.role === 'finance' ? 'europe-west3' : 'europe-west1';
    for (let i = 0; i < nodeCount; i++) {
      const name = `${c.name}-worker-${String(i + 1).padStart(2, '0')}`;
      c.nodes.push({
        cluster: c, name, index: i, ip: `172.20.${c.id}.${11 + i}`, podCIDR: `10.${c.id}.${i}.0/24`,
        zone: `${region}-${zones[i % 3]}`, uid: this.uid(`${c.name}/Node/${name}`), placed: 0,
      });
    }
    let next = this.rng(`placement|${c.name}`).int(0, nodeCount - 1);
    for (const w of c.workloads) {
      const r = this.rng(`pods|${c.name}|${w.namespace}|${w.name}`);
      const count = w.kind === 'DaemonSet' ? nodeCount : w.replicas;
      for (let i = 0; i < count; i++) {
        const node = w.kind === 'DaemonSet' ? c.nodes[i] : c.nodes[next++ % nodeCount];
        const labels: Record<string, string> = { ...w.labels };
        let name: string;
        if (w.kind === 'Deployment') {
          labels['pod-template-hash'] = w.hash;
          name = `${w.name}-${w.hash}-${r.chars(SAFE_ALPHABET, 5)}`;
        } else if (w.kind === 'StatefulSet') {
          labels['apps.kubernetes.io/pod-index'] = String(i);
          labels['controller-revision-hash'] = `${w.name}-${w.hash}`;
          labels['statefulset.kubernetes.io/pod-name'] = `${w.name}-${i}`;
          name = `${w.name}-${i}`;
        } else if (w.kind === 'DaemonSet') {
          labels['controller-revision-hash'] = w.hash;
          labels['pod-template-generation'] = '1';
          name = `${w.name}-${r.chars(SAFE_ALPHABET, 5)}`;
        } else {
          name = w.name;
        }
        const slot = node.placed++;
        if (slot > 250) throw new Error(`netatlas/samples: node ${c.name}/${node.name} is full (the pod CIDR is a /24).`);
        const identityLabels = this.identityLabels(c, w, labels);
        w.pods.push({
          workload: w, name, labels, node, ordinal: i,
          uid: this.uid(`${c.name}/${w.namespace}/Pod/${name}`),
          ip: `10.${c.id}.${node.index}.${slot + 4}`,
          endpointId: 100 + ((this.rng(`epid|${c.name}|${node.name}`).int(0, 3000) + slot * 37) % 3900),
          identity: this.identity(c, identityLabels),
          identityLabels,
        });
      }
    }
  }

  private readonly nsIndex = new Map<ClusterM, Map<string, NamespaceM>>();

  private namespaceLabels(c: ClusterM, namespace: string): NamespaceM | undefined {
    let m = this.nsIndex.get(c);
    if (!m || m.size !== c.namespaces.length) this.nsIndex.set(c, (m = new Map(c.namespaces.map((n) => [n.name, n]))));
    return m.get(namespace);
  }

  /** Cilium's security-relevant labels: pod labels minus the per-revision ones, plus namespace, SA, cluster. */
  private identityLabels(c: ClusterM, w: WorkloadM, labels: Record<string, string>): string[] {
    const skip = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation',
      'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index']);
    const ns = this.namespaceLabels(c, w.namespace);
    const out: string[] = [];
    for (const [k, v] of Object.entries(labels)) if (!skip.has(k)) out.push(`k8s:${k}=${v}`);
    for (const [k, v] of Object.entries(ns?.labels ?? {})) out.push(`k8s:io.cilium.k8s.namespace.labels.${k}=${v}`);
    out.push(`k8s:io.cilium.k8s.policy.cluster=${c.name}`);
    out.push(`k8s:io.cilium.k8s.policy.serviceaccount=${w.serviceAccount}`);
    out.push(`k8s:io.kubernetes.pod.namespace=${w.namespace}`);
    return out.sort(cmp);
  }

  /** Cluster-mesh identities carry the cluster ID in bits 16-23. */
  private identity(c: ClusterM, labels: readonly string[]): number {
    const key = labels.join(',');
    const known = this.identities.get(key);
    if (known !== undefined) return known;
    const r = this.rng(`identity|${key}`);
    let id = (c.id << 16) | r.int(256, 65535);
    while (this.usedIdentities.has(id)) id = (c.id << 16) | (((id & 0xffff) + 1) % 65280 + 256);
    this.identities.set(key, id);
    this.usedIdentities.add(id);
    return id;
  }

  /** All traffic, as edge specs. */
  traffic(clusters: readonly ClusterM[]): EdgeSpec[] {
    const edges: EdgeSpec[] = [];
    const finance = clusters.find((c) => c.role === 'finance')!;
    for (const c of clusters) {
      const count = (id: string, lo = 2, hi = 4) => (this.o.scale > 1 ? 1 : this.rng(`count|${id}`).int(lo, hi)) * this.o.repeat;
      const add = (e: Omit<EdgeSpec, 'count'> & { count?: number }) => edges.push({ ...e, count: e.count ?? count(e.id) });
      const dnsPods = podPeers(findWorkload(c, 'kube-system', 'coredns'));
      const prom = findWorkload(c, 'monitoring', 'prometheus');
      const kubernetesSvc = findService(c, 'default', 'kubernetes');
      const policyNamespaces = new Set(c.policies.map((p) => p.namespace));
      const enforcing = (ns: string) => policyNamespaces.has(ns);

      // Every pod's DNS lookups go to kube-dns through Cilium's DNS proxy.
      const lookup = (w: WorkloadM, query: string, ips: string[], n?: number) => {
        for (const pod of w.pods) {
          add({
            id: `${c.name}|dns|${w.namespace}|${pod.name}|${query}`,
            sources: [{ kind: 'pod', pod }], destinations: dnsPods, protocol: 'UDP', port: 53,
            service: findService(c, 'kube-system', 'kube-dns'), outcome: 'forwarded', egressMatch: MATCH.L3_L4,
            dns: { query, ips }, count: n ?? (this.o.scale > 1 ? 1 : 1) * this.o.repeat,
          });
        }
      };
      const svcFqdn = (s: ServiceM) => `${s.name}.${s.namespace}.svc.cluster.local.`;

      // Kubelet probes from each node's own address, and Prometheus scrapes.
      for (const w of c.workloads) {
        for (const ct of w.containers) {
          if (ct.probe) {
            for (const pod of w.pods) {
              add({
                id: `${c.name}|probe|${w.namespace}|${pod.name}|${ct.probe.port}`, sources: [{ kind: 'host', node: pod.node }],
                destinations: [{ kind: 'pod', pod }], protocol: 'TCP', port: ct.probe.port, outcome: 'forwarded', count: count(`probe|${c.name}|${pod.name}`, 1, 3),
              });
            }
          }
          for (const p of ct.ports) {
            if (p.name !== 'metrics') continue;
            for (const pod of w.pods) {
              add({
                id: `${c.name}|scrape|${w.namespace}|${pod.name}|${p.containerPort}`, sources: podPeers(prom),
                destinations: [{ kind: 'pod', pod }], protocol: 'TCP', port: p.containerPort, outcome: 'forwarded',
                ingressMatch: enforcing(w.namespace) ? MATCH.L3_L4 : undefined, count: count(`scrape|${c.name}|${pod.name}`, 1, 2),
              });
            }
          }
        }
      }
      // Prometheus discovers its targets through the API server; fluent-bit reads pod metadata.
      add({
        id: `${c.name}|apiserver|prometheus`, sources: podPeers(prom), destinations: [{ kind: 'apiserver', cluster: c, ip: c.apiServerIP }],
        protocol: 'TCP', port: 6443, service: kubernetesSvc, outcome: 'forwarded', count: count(`${c.name}|api|prom`, 1, 2),
      });
      lookup(prom, svcFqdn(kubernetesSvc), [KUBERNETES_SVC_IP]);
      const fluentBit = findWorkload(c, 'monitoring', 'fluent-bit');
      add({
        id: `${c.name}|apiserver|fluent-bit`, sources: podPeers(fluentBit), destinations: [{ kind: 'apiserver', cluster: c, ip: c.apiServerIP }],
        protocol: 'TCP', port: 6443, service: kubernetesSvc, outcome: 'forwarded', count: count(`${c.name}|api|fluent-bit`, 1, 2),
      });
      lookup(fluentBit, svcFqdn(kubernetesSvc), [KUBERNETES_SVC_IP]);

      for (const [index, ns] of c.appNamespaces.entries()) {
        const copy = index + 1;
        if (c.role === 'finance') {
          const ledger = findWorkload(c, ns, 'ledger');
          const pg = findWorkload(c, ns, 'postgres');
          add({
            id: `${c.name}|${ns}|ledger->postgres`, sources: podPeers(ledger), destinations: podPeers(pg), protocol: 'TCP', port: 5432,
            outcome: 'forwarded', egressMatch: MATCH.L3_L4, ingressMatch: MATCH.L3_L4,
          });
          lookup(ledger, `postgres-0.postgres.${ns}.svc.cluster.local.`, [pg.pods[0].ip]);
          lookup(pg, svcFqdn(kubernetesSvc), [KUBERNETES_SVC_IP]);
          continue;
        }
        const prod = c.role === 'prod';
        const wl = (app: string) => findWorkload(c, ns, app);
        const svc = (app: string) => findService(c, ns, app);
        const callees = new Map<string, ServiceM[]>();
        for (const [from, to, port] of ONLINE_BOUTIQUE_CALLS) {
          const s = svc(to);
          const target = s.ports.find((p) => p.port === port)!.targetPort as number;
          add({
            id: `${c.name}|${ns}|${from}->${to}:${port}`, sources: podPeers(wl(from)), destinations: podPeers(s.backends!),
            protocol: 'TCP', port: target, service: s, outcome: 'forwarded',
            egressMatch: prod ? MATCH.ALL : undefined, ingressMatch: prod ? (to === 'frontend' ? MATCH.ALL : MATCH.L3_L4) : undefined,
          });
          callees.set(from, [...(callees.get(from) ?? []), s]);
        }
        for (const a of ONLINE_BOUTIQUE) {
          const targets = callees.get(a.app);
          if (targets) for (const s of targets) lookup(wl(a.app), svcFqdn(s), [s.clusterIP]);
          else lookup(wl(a.app), svcFqdn(kubernetesSvc), [KUBERNETES_SVC_IP]);
        }
        if (prod) {
          const fe = findService(c, ns, 'frontend-external');
          add({
            id: `${c.name}|${ns}|world->frontend-external`, sources: WORLD_CLIENTS.map((ip) => ({ kind: 'world', ip })),
            destinations: podPeers(wl('frontend')), protocol: 'TCP', port: 8080, service: fe, outcome: 'forwarded',
            ingressMatch: MATCH.ALL, planted: copy === 1 ? 'world-ingress' : undefined, count: count(`${c.name}|${ns}|world`, 5, 8),
          });
          const pay = wl('paymentservice');
          lookup(pay, `${STRIPE.name}.${ns}.svc.cluster.local.`, []);
          lookup(pay, `${STRIPE.name}.`, [STRIPE.ip]);
          add({
            id: `${c.name}|${ns}|paymentservice->stripe`, sources: podPeers(pay),
            destinations: [{ kind: 'world', ip: STRIPE.ip, names: [STRIPE.name] }], protocol: 'TCP', port: 443,
            outcome: 'forwarded', egressMatch: MATCH.ALL,
          });
          const pns = finance.appNamespaces[(copy - 1) % finance.appNamespaces.length];
          add({
            id: `${c.name}|${ns}|paymentservice->${finance.name}/${pns}/ledger`, sources: podPeers(pay),
            destinations: podPeers(findWorkload(finance, pns, 'ledger')), protocol: 'TCP', port: 8443,
            outcome: 'forwarded', egressMatch: MATCH.ALL, ingressMatch: MATCH.L3_L4,
          });
          if (copy === 1 && c.role === 'prod' && c.name === 'prod') {
            for (const [from, to, port] of PLANTED_DROPS) {
              const s = svc(to);
              add({
                id: `${c.name}|${ns}|drop|${from}->${to}:${port}`, sources: podPeers(wl(from)), destinations: podPeers(s.backends!),
                protocol: 'TCP', port: s.ports[0].targetPort as number, service: s, outcome: 'policy-denied',
                egressMatch: MATCH.ALL, planted: 'drop', count: count(`drop|${from}|${to}`, 1, 2),
              });
            }
            const [from, to, port] = PLANTED_WOULD_BREAK;
            const s = svc(to);
            add({
              id: `${c.name}|${ns}|would-break|${from}->${to}:${port}`, sources: podPeers(wl(from)), destinations: podPeers(s.backends!),
              protocol: 'TCP', port, service: s, outcome: 'forwarded', egressMatch: MATCH.ALL, planted: 'would-break',
            });
            lookup(wl(from), svcFqdn(s), [s.clusterIP]);
          }
        }
        if (c.role === 'dev' && copy === 1) {
          const shell = wl('debug-shell');
          lookup(shell, `ledger.payments.svc.cluster.local.`, []);
          add({
            id: `${c.name}|${ns}|debug-shell->${finance.name}/payments/ledger`, sources: podPeers(shell),
            destinations: podPeers(findWorkload(finance, 'payments', 'ledger')), protocol: 'TCP', port: 8443,
            outcome: 'forwarded', ingressMatch: MATCH.L3_L4, planted: 'suspicious-cross-env', count: count('debug-shell', 3, 3),
          });
        }
      }
    }
    return edges;
  }
}

export function podPeers(w: WorkloadM): Peer[] {
  return w.pods.map((pod) => ({ kind: 'pod', pod }));
}

/** Indexes by `namespace/name`, rebuilt when the list grew (scaled estates have thousands). */
const workloadIndex = new WeakMap<ClusterM, { size: number; map: Map<string, WorkloadM> }>();
const serviceIndex = new WeakMap<ClusterM, { size: number; map: Map<string, ServiceM> }>();

function indexed<T extends { namespace: string; name: string }>(cache: WeakMap<ClusterM, { size: number; map: Map<string, T> }>,
  c: ClusterM, items: readonly T[]): Map<string, T> {
  let entry = cache.get(c);
  if (!entry || entry.size !== items.length) {
    entry = { size: items.length, map: new Map(items.map((x) => [`${x.namespace}/${x.name}`, x])) };
    cache.set(c, entry);
  }
  return entry.map;
}

export function findWorkload(c: ClusterM, namespace: string, name: string): WorkloadM {
  const w = indexed(workloadIndex, c, c.workloads).get(`${namespace}/${name}`);
  if (!w) throw new Error(`netatlas/samples: no workload ${c.name}/${namespace}/${name} in the estate.`);
  return w;
}

export function findService(c: ClusterM, namespace: string, name: string): ServiceM {
  const s = indexed(serviceIndex, c, c.services).get(`${namespace}/${name}`);
  if (!s) throw new Error(`netatlas/samples: no service ${c.name}/${namespace}/${name} in the estate.`);
  return s;
}

function pickLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
