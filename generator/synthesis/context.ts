/**
 * The synthesis context: indexes of an inventory that synthesis, the proof, the diff and risk
 * share (workloads, Services, nodes, API server endpoints, pod CIDRs, cluster DNS, webhook
 * backends, exposed workloads, gateway data planes), built once per inventory object.
 */
import type { EndpointSliceInfo, Inventory, NodeInfo, Protocol, ServiceInfo, ServicePort } from '../model/inventory.ts';
import { serviceKey } from '../model/keys.ts';
import type { PortSpec } from './types.ts';
import { matchesSelector } from '../selectors/index.ts';
import { backendPorts, entryRoutes, type EntryProblem } from '../semantics/entries.ts';
import { indexWorkloads, type WorkloadEntry, type WorkloadIndex } from './workloads.ts';
import { portId } from './edge-rules.ts';

/** Cluster DNS: kube-dns/CoreDNS pods in kube-system. */
export function isClusterDns(w: WorkloadEntry | undefined): boolean {
  if (!w || w.namespace !== 'kube-system') return false;
  const l = w.pods[0]?.labels ?? {};
  return l['k8s-app'] === 'kube-dns' || l['k8s-app'] === 'coredns' || w.name === 'coredns' || w.name === 'kube-dns';
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


export interface SynthesisContext {
  readonly index: WorkloadIndex;
  readonly services: ReadonlyMap<string, ServiceInfo>;
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  /** cluster -> API server endpoint addresses and ports (default/kubernetes). */
  readonly apiServer: ReadonlyMap<string, { addresses: string[]; ports: { port: number; protocol: Protocol }[] }>;
  /** cluster -> its pod CIDRs (the cluster's own, else its nodes' podCIDRs), sorted. */
  readonly podCidrs: ReadonlyMap<string, readonly string[]>;
  /** cluster -> its DNS workload (kube-dns/CoreDNS in kube-system). */
  readonly clusterDns: ReadonlyMap<string, WorkloadEntry>;
  /** workload key -> how LoadBalancer/NodePort Services, Ingresses and Gateway routes expose it. */
  readonly exposed: ReadonlyMap<string, Exposure>;
  /** Ingress and route backends no exposed rule can be written for (no Service, no port, no backend pod), with why. */
  readonly exposedProblems: readonly EntryProblem[];
  /** workload key -> the webhooks the API server calls on it (through their Service). */
  readonly webhooks: ReadonlyMap<string, readonly WebhookBackend[]>;
  /** Webhooks of the inventory no rule can be written for (no Service, no backend, no such port), with why. */
  readonly webhookProblems: readonly { readonly cluster: string; readonly detail: string }[];
}

/** A webhook served by a workload: who names it and the target ports behind the Service port. */
export interface WebhookBackend {
  /** `ValidatingWebhookConfiguration/<name>: <webhook>` */
  readonly webhook: string;
  readonly service: string;
  readonly ports: readonly PortSpec[];
}

/** A workload behind LoadBalancer/NodePort Services or Ingress/route backends: the target ports and the client ranges they admit. */
export interface Exposure {
  /** The Services, each named with the Ingress or route that sends to it when that is how. */
  readonly services: readonly string[];
  /** What the rule names (a container port name when every pod declares it). */
  readonly ports: readonly PortSpec[];
  /** `protocol/number` of every target port, resolved per pod. */
  readonly numbers: ReadonlySet<string>;
  readonly sources: readonly string[];
  /** Gateways whose own pods (their data plane) carry route traffic in to it. */
  readonly dataPlanes: readonly DataPlane[];
}

/** The pods a Gateway deploys for itself, as a workload, and the target ports a route sends them to. */
export interface DataPlane {
  /** The data plane's workload key. */
  readonly workload: string;
  /** `HTTPRoute shop/foo via Gateway shop/prod-web` */
  readonly via: string;
  readonly ports: readonly PortSpec[];
  /** `protocol/number` of every target port, resolved per pod. */
  readonly numbers: ReadonlySet<string>;
}

const CONTEXTS = new WeakMap<Inventory, SynthesisContext>();

/** Indexes of an inventory, built once per inventory object (synthesis and proof share them). */
export function synthesisContext(inv: Inventory): SynthesisContext {
  let ctx = CONTEXTS.get(inv);
  if (!ctx) CONTEXTS.set(inv, (ctx = buildContext(inv)));
  return ctx;
}

function buildContext(inv: Inventory): SynthesisContext {
  const services = new Map<string, ServiceInfo>();
  for (const s of inv.services) services.set(serviceKey(s.cluster, s.namespace, s.name), s);
  const nodes = new Map<string, NodeInfo>();
  for (const n of inv.nodes) nodes.set(`${n.cluster}/${n.name}`, n);
  const apiServer = new Map<string, { addresses: string[]; ports: { port: number; protocol: Protocol }[] }>();
  const slices = inv.endpointSlices.filter((s: EndpointSliceInfo) => s.namespace === 'default' && (s.serviceName ?? s.name) === 'kubernetes');
  for (const s of [...slices].sort((a, b) => cmp(a.name, b.name))) {
    let e = apiServer.get(s.cluster);
    if (!e) apiServer.set(s.cluster, (e = { addresses: [], ports: [] }));
    for (const ep of s.endpoints) for (const a of ep.addresses) if (!e.addresses.includes(a)) e.addresses.push(a);
    for (const p of s.ports) if (p.port !== undefined && !e.ports.some((q) => q.port === p.port)) e.ports.push({ port: p.port, protocol: p.protocol });
  }
  const index = indexWorkloads(inv);
  const podCidrs = new Map<string, string[]>();
  for (const c of inv.clusters) if (c.podCIDRs && c.podCIDRs.length) podCidrs.set(c.name, [...new Set(c.podCIDRs)].sort());
  const fromNodes = new Map<string, Set<string>>();
  for (const n of inv.nodes) {
    if (podCidrs.has(n.cluster)) continue;
    let set = fromNodes.get(n.cluster);
    if (!set) fromNodes.set(n.cluster, (set = new Set()));
    for (const c of n.podCIDRs) set.add(c);
  }
  for (const [c, set] of fromNodes) if (set.size) podCidrs.set(c, [...set].sort());
  const clusterDns = new Map<string, WorkloadEntry>();
  for (const w of [...index.byKey.values()].sort((a, b) => cmp(a.key, b.key))) if (isClusterDns(w) && !clusterDns.has(w.cluster)) clusterDns.set(w.cluster, w);
  return { index, services, nodes, apiServer, podCidrs, clusterDns, ...exposedWorkloads(inv, index), ...webhookBackends(inv, index, services) };
}

/**
 * A Service's backend workloads (by its selector) with the target ports of `ports` on them:
 * the port name when every backend pod declares it, else the numbers each pod resolves to.
 */
function serviceBackendPorts(svc: ServiceInfo, ports: readonly ServicePort[], index: WorkloadIndex): Map<string, { ports: Map<string, PortSpec>; numbers: Set<string> }> {
  const out = new Map<string, { ports: Map<string, PortSpec>; numbers: Set<string> }>();
  if (!svc.selector || Object.keys(svc.selector).length === 0) return out;
  const pods = (index.podsByNamespace.get(`${svc.cluster}/${svc.namespace}`) ?? []).filter((p) => matchesSelector({ matchLabels: svc.selector }, p.labels));
  const byWorkload = new Map<string, typeof pods>();
  for (const p of pods) {
    const w = index.workloadOfPod.get(`${p.cluster}/${p.namespace}/${p.name}`);
    if (!w) continue;
    let l = byWorkload.get(w);
    if (!l) byWorkload.set(w, (l = []));
    l.push(p);
  }
  for (const [w, wp] of byWorkload) {
    const a = { ports: new Map<string, PortSpec>(), numbers: new Set<string>() };
    out.set(w, a);
    for (const sp of ports) {
      const numbers = wp.map((p) => (typeof sp.targetPort === 'number' ? sp.targetPort : p.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort));
      for (const n of numbers) if (n !== undefined) a.numbers.add(`${sp.protocol}/${n}`);
      if (typeof sp.targetPort === 'string' && numbers.every((n) => n !== undefined)) {
        const spec: PortSpec = { protocol: sp.protocol, port: sp.targetPort };
        a.ports.set(portId(spec), spec);
      } else {
        for (const n of new Set(numbers)) if (n !== undefined) a.ports.set(portId({ protocol: sp.protocol, port: n }), { protocol: sp.protocol, port: n });
      }
    }
  }
  return out;
}

const sortedPorts = (m: ReadonlyMap<string, PortSpec>): PortSpec[] => [...m.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, p]) => p);

/** The workloads behind every webhook Service of the inventory, and the webhooks no rule can be written for. */
function webhookBackends(inv: Inventory, index: WorkloadIndex, services: ReadonlyMap<string, ServiceInfo>): Pick<SynthesisContext, 'webhooks' | 'webhookProblems'> {
  const webhooks = new Map<string, WebhookBackend[]>();
  const webhookProblems: { cluster: string; detail: string }[] = [];
  const configs = [...(inv.webhookConfigurations ?? [])].sort((a, b) => cmp(`${a.cluster}/${a.configKind}/${a.name}`, `${b.cluster}/${b.configKind}/${b.name}`));
  for (const config of configs) {
    for (const hook of config.webhooks) {
      if (!hook.service) continue; // a URL: called at a fixed address, outside the cluster's Services
      const webhook = `${config.configKind}/${config.name}: ${hook.name}`;
      const key = serviceKey(config.cluster, hook.service.namespace, hook.service.name);
      const svc = services.get(key);
      const sp = svc?.ports.find((p) => p.port === hook.service!.port && p.protocol === 'TCP');
      const backends = svc && sp ? serviceBackendPorts(svc, [sp], index) : new Map();
      if (backends.size === 0) {
        const why = !svc ? 'not in the inventory' : !sp ? `has no TCP port ${hook.service.port}` : 'has no backend pod by its selector';
        webhookProblems.push({ cluster: config.cluster, detail: `${config.cluster}: ${webhook}: Service ${hook.service.namespace}/${hook.service.name} ${why}; no API server rule written for it` });
        continue;
      }
      for (const [w, a] of backends) {
        let l = webhooks.get(w);
        if (!l) webhooks.set(w, (l = []));
        l.push({ webhook, service: key, ports: sortedPorts(a.ports) });
      }
    }
  }
  return { webhooks, webhookProblems };
}

export const WORLD = ['0.0.0.0/0', '::/0'];

/**
 * Workloads the internet reaches: backends of LoadBalancer and NodePort Services (from their
 * loadBalancerSourceRanges when set), and backends of the Services every Ingress and every
 * route attached to a Gateway sends to (from anywhere: the Service itself is not exposed, so
 * it has no source ranges), on the target ports behind the Service ports they name.
 */
function exposedWorkloads(inv: Inventory, index: WorkloadIndex): Pick<SynthesisContext, 'exposed' | 'exposedProblems'> {
  const acc = new Map<string, { services: Set<string>; ports: Map<string, PortSpec>; numbers: Set<string>; sources: Set<string>; dataPlanes: DataPlane[] }>();
  const expose = (w: string, via: string, backend: { ports: ReadonlyMap<string, PortSpec>; numbers: ReadonlySet<string> }, sources: readonly string[]) => {
    let a = acc.get(w);
    if (!a) acc.set(w, (a = { services: new Set(), ports: new Map(), numbers: new Set(), sources: new Set(), dataPlanes: [] }));
    a.services.add(via);
    for (const r of sources) a.sources.add(r);
    for (const [id, p] of backend.ports) a.ports.set(id, p);
    for (const n of backend.numbers) a.numbers.add(n);
    return a;
  };
  for (const svc of [...inv.services].sort((a, b) => cmp(serviceKey(a.cluster, a.namespace, a.name), serviceKey(b.cluster, b.namespace, b.name)))) {
    if (svc.type !== 'LoadBalancer' && svc.type !== 'NodePort') continue;
    const sources = svc.loadBalancerSourceRanges?.length ? svc.loadBalancerSourceRanges : WORLD;
    for (const [w, backend] of serviceBackendPorts(svc, svc.ports, index)) expose(w, serviceKey(svc.cluster, svc.namespace, svc.name), backend, sources);
  }
  const entries = entryRoutes(inv);
  const exposedProblems: EntryProblem[] = entries.problems.map((p) => ({ cluster: p.cluster, detail: `${p.cluster}: ${p.detail}; no exposed rule written for it` }));
  for (const route of entries.routes) {
    const svc = route.service;
    const name = `${serviceKey(svc.cluster, svc.namespace, svc.name)} (${route.via})`;
    const ports = backendPorts(route);
    const backends = ports.length ? serviceBackendPorts(svc, ports, index) : new Map();
    if (backends.size === 0) {
      const why = !ports.length ? `has no port ${route.port}` : 'has no backend pod by its selector';
      exposedProblems.push({ cluster: svc.cluster, detail: `${svc.cluster}: ${route.via} sends to Service ${svc.namespace}/${svc.name}, which ${why}; no exposed rule written for it` });
      continue;
    }
    const dataPlane = [...new Set(route.dataPlane.map((p) => index.workloadOfPod.get(`${p.cluster}/${p.namespace}/${p.name}`)).filter((k) => k !== undefined))].sort();
    for (const [w, backend] of backends) {
      const a = expose(w, name, backend, WORLD);
      if (backend.ports.size) for (const workload of dataPlane) if (workload !== w) a.dataPlanes.push({ workload, via: route.via, ports: sortedPorts(backend.ports), numbers: backend.numbers });
    }
  }
  const exposed = new Map<string, Exposure>();
  for (const [w, a] of acc) {
    exposed.set(w, { services: [...a.services].sort(), ports: sortedPorts(a.ports), numbers: a.numbers, sources: [...a.sources].sort(), dataPlanes: a.dataPlanes });
  }
  return { exposed, exposedProblems };
}

