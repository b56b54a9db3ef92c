/**
 * Renders one cluster of the estate as `kubectl get ns,pods,svc,endpointslices,nodes,
 * networkpolicies,replicasets,deployments,statefulsets,daemonsets -A -o json` prints it: a
 * `List` whose items carry kind and apiVersion, grouped by resource in the order asked for,
 * each group sorted by namespace and name, indented by 4 spaces.
 */
import { cmp, DEMO_DAY, type ClusterM, type ContainerM, type PodM, type ServiceM, type WorkloadM } from './estate.ts';
import { rngFor } from './rng.ts';
import { trivyReports } from './trivy.ts';

type Obj = Record<string, unknown>;

/** Objects were created over the week before the demo day. */
function created(seed: string, key: string, daysBefore = 7): string {
  const r = rngFor(seed, `created|${key}`);
  const day = new Date(`${DEMO_DAY}T00:00:00Z`).getTime() - r.int(1, daysBefore) * 86_400_000;
  const t = new Date(day + r.int(0, 86_399) * 1000);
  return t.toISOString().replace('.000Z', 'Z');
}

function resourceVersion(seed: string, key: string): string {
  return String(rngFor(seed, `rv|${key}`).int(100_000, 9_999_999));
}

function meta(seed: string, key: string, name: string, uid: string, namespace?: string, extra: Obj = {}): Obj {
  const m: Obj = { ...extra };
  const out: Obj = {};
  if (m.annotations) out.annotations = m.annotations;
  out.creationTimestamp = created(seed, key);
  if (m.generateName) out.generateName = m.generateName;
  if (m.generation !== undefined) out.generation = m.generation;
  if (m.labels && Object.keys(m.labels as Obj).length > 0) out.labels = m.labels;
  out.name = name;
  if (namespace) out.namespace = namespace;
  if (m.ownerReferences) out.ownerReferences = m.ownerReferences;
  out.resourceVersion = resourceVersion(seed, key);
  out.uid = uid;
  return out;
}

function containerSpec(ct: ContainerM): Obj {
  const out: Obj = { image: ct.image, imagePullPolicy: 'IfNotPresent', name: ct.name };
  if (ct.ports.length > 0) {
    out.ports = ct.ports.map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: p.protocol }));
  }
  if (ct.probe) {
    const handler: Obj = ct.probe.kind === 'httpGet'
      ? { httpGet: { path: ct.probe.path ?? '/', port: ct.probe.port, scheme: 'HTTP' } }
      : ct.probe.kind === 'grpc' ? { grpc: { port: ct.probe.port, service: '' } } : { tcpSocket: { port: ct.probe.port } };
    out.readinessProbe = { failureThreshold: 3, ...handler, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 };
  }
  out.resources = { requests: { cpu: '100m', memory: '64Mi' } };
  out.terminationMessagePath = '/dev/termination-log';
  out.terminationMessagePolicy = 'File';
  return out;
}

function podSpec(w: WorkloadM, nodeName?: string): Obj {
  const out: Obj = {
    containers: w.containers.map(containerSpec),
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: true,
  };
  if (nodeName) out.nodeName = nodeName;
  out.restartPolicy = 'Always';
  out.schedulerName = 'default-scheduler';
  out.securityContext = {};
  out.serviceAccount = w.serviceAccount;
  out.serviceAccountName = w.serviceAccount;
  out.terminationGracePeriodSeconds = 30;
  return out;
}

function templateLabels(w: WorkloadM): Obj {
  return { ...w.labels };
}

function ownerRef(apiVersion: string, kind: string, name: string, uid: string): Obj {
  return { apiVersion, blockOwnerDeletion: true, controller: true, kind, name, uid };
}

function podObject(seed: string, c: ClusterM, p: PodM): Obj {
  const w = p.workload;
  let owner: Obj | undefined;
  let generateName: string | undefined;
  if (w.kind === 'Deployment') {
    owner = ownerRef('apps/v1', 'ReplicaSet', `${w.name}-${w.hash}`, w.rsUid);
    generateName = `${w.name}-${w.hash}-`;
  } else if (w.kind === 'StatefulSet') {
    owner = ownerRef('apps/v1', 'StatefulSet', w.name, w.uid);
    generateName = `${w.name}-`;
  } else if (w.kind === 'DaemonSet') {
    owner = ownerRef('apps/v1', 'DaemonSet', w.name, w.uid);
    generateName = `${w.name}-`;
  }
  const key = `${c.name}/${w.namespace}/Pod/${p.name}`;
  const start = created(seed, key, 3);
  const spec = podSpec(w, p.node.name);
  if (w.kind === 'StatefulSet') {
    spec.hostname = p.name;
    spec.subdomain = w.name;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(seed, key, p.name, p.uid, w.namespace, {
      generateName, labels: p.labels, ownerReferences: owner ? [owner] : undefined,
    }),
    spec,
    status: {
      conditions: [
        { lastProbeTime: null, lastTransitionTime: start, status: 'True', type: 'Initialized' },
        { lastProbeTime: null, lastTransitionTime: start, status: 'True', type: 'Ready' },
        { lastProbeTime: null, lastTransitionTime: start, status: 'True', type: 'ContainersReady' },
        { lastProbeTime: null, lastTransitionTime: start, status: 'True', type: 'PodScheduled' },
      ],
      containerStatuses: w.containers.map((ct) => ({
        containerID: `containerd://${rngFor(seed, `cid|${key}|${ct.name}`).hex(64)}`,
        image: ct.image,
        imageID: `${ct.image.split(':')[0]}@sha256:${rngFor(seed, `img|${ct.image}`).hex(64)}`,
        lastState: {}, name: ct.name, ready: true, restartCount: 0, started: true,
        state: { running: { startedAt: start } },
      })),
      hostIP: p.node.ip,
      hostIPs: [{ ip: p.node.ip }],
      phase: 'Running',
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      qosClass: 'Burstable',
      startTime: start,
    },
  };
}

function resolveTargetPort(s: ServiceM, target: number | string, p: PodM): number | undefined {
  if (typeof target === 'number') return target;
  for (const ct of p.workload.containers) for (const port of ct.ports) if (port.name === target) return port.containerPort;
  return undefined;
}

function serviceObject(seed: string, c: ClusterM, s: ServiceM): Obj {
  const key = `${c.name}/${s.namespace}/Service/${s.name}`;
  const spec: Obj = {
    clusterIP: s.clusterIP,
    clusterIPs: [s.clusterIP],
  };
  if (s.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts = true;
    spec.externalTrafficPolicy = 'Local';
    spec.healthCheckNodePort = rngFor(seed, `hc|${key}`).int(30000, 32767);
  }
  spec.internalTrafficPolicy = 'Cluster';
  spec.ipFamilies = ['IPv4'];
  spec.ipFamilyPolicy = 'SingleStack';
  spec.ports = s.ports.map((p) => ({
    ...(p.name ? { name: p.name } : {}), ...(p.nodePort ? { nodePort: p.nodePort } : {}),
    port: p.port, protocol: p.protocol, targetPort: p.targetPort,
  }));
  if (s.selector) spec.selector = s.selector;
  spec.sessionAffinity = 'None';
  spec.type = s.type;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(seed, key, s.name, s.uid, s.namespace, { labels: s.labels }),
    spec,
    status: { loadBalancer: s.type === 'LoadBalancer' ? { ingress: [{ ip: s.loadBalancerIP, ipMode: 'VIP' }] } : {} },
  };
}

function endpointSliceObject(seed: string, c: ClusterM, s: ServiceM): Obj {
  const suffix = rngFor(seed, `eps|${c.name}/${s.namespace}/${s.name}`).chars('bcdfghjklmnpqrstvwxz2456789', 5);
  const name = s.staticEndpoint ? s.name : `${s.name}-${suffix}`;
  const key = `${c.name}/${s.namespace}/EndpointSlice/${name}`;
  const labels: Obj = s.staticEndpoint
    ? { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name }
    : { ...s.labels, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name };
  if (s.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  const pods = s.backends ? [...s.backends.pods].sort((a, b) => cmp(a.name, b.name)) : [];
  const endpoints = s.staticEndpoint
    ? [{ addresses: [s.staticEndpoint.ip], conditions: { ready: true } }]
    : pods.map((p) => ({
      addresses: [p.ip],
      conditions: { ready: true, serving: true, terminating: false },
      ...(s.clusterIP === 'None' ? { hostname: p.name } : {}),
      nodeName: p.node.name,
      targetRef: { kind: 'Pod', name: p.name, namespace: s.namespace, uid: p.uid },
      zone: p.node.zone,
    }));
  const ports = s.staticEndpoint
    ? [{ name: s.staticEndpoint.name, port: s.staticEndpoint.port, protocol: 'TCP' }]
    : s.ports.map((sp) => ({
      name: sp.name ?? '', port: pods.length > 0 ? resolveTargetPort(s, sp.targetPort, pods[0]) : undefined, protocol: sp.protocol,
    }));
  return {
    addressType: 'IPv4',
    apiVersion: 'discovery.k8s.io/v1',
    endpoints,
    kind: 'EndpointSlice',
    metadata: meta(seed, key, name, rngUid(seed, key), s.namespace, {
      annotations: s.staticEndpoint ? undefined : { 'endpoints.kubernetes.io/last-change-trigger-time': created(seed, `${key}|trigger`, 3) },
      generateName: s.staticEndpoint ? undefined : `${s.name}-`,
      generation: 1,
      labels,
      ownerReferences: s.staticEndpoint ? undefined : [ownerRef('v1', 'Service', s.name, s.uid)],
    }),
    ports,
  };
}

function rngUid(seed: string, key: string): string {
  const h = rngFor(seed, `uid2|${key}`).hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function workloadObjects(seed: string, c: ClusterM, w: WorkloadM): { rs?: Obj; owner?: Obj } {
  const key = `${c.name}/${w.namespace}/${w.kind}/${w.name}`;
  const template = { metadata: { labels: templateLabels(w) }, spec: podSpec(w) };
  const selector = { matchLabels: { ...w.labels } };
  const ready = w.pods.length;
  if (w.kind === 'Deployment') {
    const rsName = `${w.name}-${w.hash}`;
    const rsKey = `${c.name}/${w.namespace}/ReplicaSet/${rsName}`;
    const rsLabels = { ...w.labels, 'pod-template-hash': w.hash };
    return {
      owner: {
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: meta(seed, key, w.name, w.uid, w.namespace, {
          annotations: { 'deployment.kubernetes.io/revision': '1', ...w.annotations }, generation: 1, labels: { ...w.labels },
        }),
        spec: {
          progressDeadlineSeconds: 600, replicas: w.replicas, revisionHistoryLimit: 10, selector,
          strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' }, template,
        },
        status: { availableReplicas: ready, observedGeneration: 1, readyReplicas: ready, replicas: ready, updatedReplicas: ready },
      },
      rs: {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: meta(seed, rsKey, rsName, w.rsUid, w.namespace, {
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(w.replicas),
            'deployment.kubernetes.io/max-replicas': String(w.replicas + Math.ceil(w.replicas / 4)),
            'deployment.kubernetes.io/revision': '1',
          },
          generation: 1, labels: rsLabels, ownerReferences: [ownerRef('apps/v1', 'Deployment', w.name, w.uid)],
        }),
        spec: {
          replicas: w.replicas,
          selector: { matchLabels: rsLabels },
          template: { metadata: { labels: rsLabels }, spec: podSpec(w) },
        },
        status: { availableReplicas: ready, fullyLabeledReplicas: ready, observedGeneration: 1, readyReplicas: ready, replicas: ready },
      },
    };
  }
  if (w.kind === 'StatefulSet') {
    return {
      owner: {
        apiVersion: 'apps/v1', kind: 'StatefulSet',
        metadata: meta(seed, key, w.name, w.uid, w.namespace, { generation: 1, labels: { ...w.labels } }),
        spec: {
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          podManagementPolicy: 'OrderedReady', replicas: w.replicas, revisionHistoryLimit: 10, selector,
          serviceName: w.name, template, updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
        },
        status: {
          availableReplicas: ready, collisionCount: 0, currentReplicas: ready, currentRevision: `${w.name}-${w.hash}`,
          observedGeneration: 1, readyReplicas: ready, replicas: ready, updateRevision: `${w.name}-${w.hash}`, updatedReplicas: ready,
        },
      },
    };
  }
  if (w.kind === 'DaemonSet') {
    return {
      owner: {
        apiVersion: 'apps/v1', kind: 'DaemonSet',
        metadata: meta(seed, key, w.name, w.uid, w.namespace, {
          annotations: { 'deprecated.daemonset.template.generation': '1' }, generation: 1, labels: { ...w.labels },
        }),
        spec: {
          revisionHistoryLimit: 10, selector, template,
          updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
        },
        status: {
          currentNumberScheduled: ready, desiredNumberScheduled: ready, numberAvailable: ready, numberMisscheduled: 0,
          numberReady: ready, observedGeneration: 1, updatedNumberScheduled: ready,
        },
      },
    };
  }
  return {};
}

/** The kubectl List for one cluster, as a string (with the trailing newline kubectl prints). */
export function renderInventory(seed: string, c: ClusterM): string {
  const byNsName = (a: Obj, b: Obj) => {
    const ma = a.metadata as Obj;
    const mb = b.metadata as Obj;
    return cmp(String(ma.namespace ?? ''), String(mb.namespace ?? '')) || cmp(String(ma.name), String(mb.name));
  };
  const namespaces = c.namespaces.map((n) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: meta(seed, `${c.name}/Namespace/${n.name}`, n.name, n.uid, undefined, { labels: n.labels }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
  const pods = c.workloads.flatMap((w) => w.pods.map((p) => podObject(seed, c, p))).sort(byNsName);
  const services = c.services.map((s) => serviceObject(seed, c, s)).sort(byNsName);
  const slices = c.services.filter((s) => s.backends || s.staticEndpoint).map((s) => endpointSliceObject(seed, c, s)).sort(byNsName);
  const nodes = c.nodes.map((n) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: meta(seed, `${c.name}/Node/${n.name}`, n.name, n.uid, undefined, {
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'e2-standard-4',
        'topology.kubernetes.io/region': n.zone.slice(0, -2), 'topology.kubernetes.io/zone': n.zone,
      },
    }),
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
    status: {
      addresses: [{ address: n.ip, type: 'InternalIP' }, { address: n.name, type: 'Hostname' }],
      nodeInfo: {
        architecture: 'amd64', containerRuntimeVersion: 'containerd://1.7.24', kernelVersion: '6.6.56',
        kubeProxyVersion: '', kubeletVersion: 'v1.31.4', operatingSystem: 'linux', osImage: 'Ubuntu 24.04.1 LTS',
      },
    },
  })).sort(byNsName);
  const policies = c.policies.map((p) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
    metadata: meta(seed, `${c.name}/${p.namespace}/NetworkPolicy/${p.name}`, p.name, p.uid, p.namespace, { generation: 1 }),
    spec: p.spec,
  })).sort(byNsName);
  const rs: Obj[] = [];
  const deployments: Obj[] = [];
  const statefulsets: Obj[] = [];
  const daemonsets: Obj[] = [];
  for (const w of c.workloads) {
    const o = workloadObjects(seed, c, w);
    if (o.rs) rs.push(o.rs);
    if (o.owner) ({ Deployment: deployments, StatefulSet: statefulsets, DaemonSet: daemonsets } as Record<string, Obj[]>)[w.kind].push(o.owner);
  }
  const items = [
    ...namespaces.sort(byNsName), ...pods, ...services, ...slices, ...nodes, ...policies,
    ...rs.sort(byNsName), ...deployments.sort(byNsName), ...statefulsets.sort(byNsName), ...daemonsets.sort(byNsName),
    ...trivyReports(c, (key, name, uid, namespace, extra) => meta(seed, key, name, uid, namespace, extra), (key) => rngUid(seed, key), `${DEMO_DAY}T08:00:00Z`)
      .sort(byNsName),
  ];
  return `${JSON.stringify(sortKeys({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }), null, 4)}\n`;
}

/** kubectl prints unstructured objects, whose maps Go's encoding/json writes with sorted keys. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Obj = {};
  for (const key of Object.keys(value).sort(cmp)) {
    const v = (value as Obj)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
