/**
 * synthesizePolicies: least-privilege policies from observed edges. One plan per subject
 * workload (ingress from what reached it, egress to what it reached, exact ports), rendered as
 * NetworkPolicy or CiliumNetworkPolicy, plus the NetworkPolicy form the proof evaluates.
 * Pure and deterministic: same input, same output.
 */
import type { FlowEdge } from '../model/graph.ts';
import type { EndpointSliceInfo, Inventory, NodeInfo, Protocol, ServiceInfo, ServicePort } from '../model/inventory.ts';
import { flowEdgeKey, parseKey, serviceKey, type ParsedKey } from '../model/keys.ts';
import type { NetworkPolicyInfo } from '../model/policy.ts';
import { parseIpv4Cidr, intToIpv4, ipv4ToInt } from '../semantics/cidr.ts';
import { renderCilium, renderNetworkPolicy, renderNetworkPolicyInfo, renderDefaultDeny, defaultDenyInfo, staged, type DnsTarget } from './render.ts';
import { SYSTEM_NAMESPACES } from './types.ts';
import type {
  BaselineEntry, BaselineRule, ClusterCoverage, Evidence, GeneratedPolicy, LeftOut, PlannedPeer, PlannedRule, PortSpec, SkippedSubject,
  SubjectPlan, SynthesisInput, SynthesisOptions, SynthesisResult,
} from './types.ts';
import { matchesSelector } from '../selectors/index.ts';
import { backendPorts, entryRoutes, type EntryProblem } from '../semantics/entries.ts';
import { environmentOf, resolveEnvironments, type EnvironmentOf } from '../diff/environment.ts';
import { indexWorkloads, suggestedLabel, type WorkloadEntry, type WorkloadIndex } from './workloads.ts';

const DNS_PORTS: readonly PortSpec[] = [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }];
/** Where kube-dns/CoreDNS conventionally runs, for a cluster whose inventory does not show it. */
const CONVENTIONAL_DNS_SELECTOR = { matchLabels: { 'k8s-app': 'kube-dns' } };

const EXPRESSIBLE: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
const NOT_ALLOWING: ReadonlySet<string> = new Set(['DROPPED', 'ERROR']);

/** Connections of an edge that were not refused (DROPPED/ERROR excluded unless asked). */
export function allowedCount(edge: FlowEdge, includeDropped = false): number {
  if (includeDropped) return edge.count;
  let n = edge.count;
  for (const [v, c] of Object.entries(edge.verdicts)) if (NOT_ALLOWING.has(v)) n -= c ?? 0;
  return Math.max(0, n);
}

export const edgeId = (e: FlowEdge): string => flowEdgeKey(e.source, e.destination, e.protocol, e.port);
const isWorkloadLevel = (e: FlowEdge): boolean => e.level !== 'pod';

/** Cluster DNS: kube-dns/CoreDNS pods in kube-system. */
export function isClusterDns(w: WorkloadEntry | undefined): boolean {
  if (!w || w.namespace !== 'kube-system') return false;
  const l = w.pods[0]?.labels ?? {};
  return l['k8s-app'] === 'kube-dns' || l['k8s-app'] === 'coredns' || w.name === 'coredns' || w.name === 'kube-dns';
}

function isLinkLocal(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && n >>> 16 === ((169 << 8) | 254);
}

function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function aggregateCidr(ip: string, prefix: number | undefined): string {
  if (prefix === undefined || ip.includes(':')) return hostCidr(ip);
  const n = ipv4ToInt(ip);
  if (n === undefined) return hostCidr(ip);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${intToIpv4((n & mask) >>> 0)}/${prefix}`;
}

const portId = (p: PortSpec): string => `${p.protocol}/${typeof p.port === 'number' ? String(p.port).padStart(5, '0') : `~${p.port}`}`;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Allowance {
  peer: PlannedPeer;
  ports: Map<string, PortSpec>;
}

interface SubjectWork {
  entry: WorkloadEntry;
  ingress: Map<string, Allowance>;
  egress: Map<string, Allowance>;
  evidence: { flows: number; edges: number; firstSeen?: number; lastSeen?: number };
  fqdns: Map<string, Set<string>>;
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

const WORLD = ['0.0.0.0/0', '::/0'];

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

function inScope(e: WorkloadEntry, o: SynthesisOptions): boolean {
  if (o.cluster && e.cluster !== o.cluster) return false;
  if (o.namespace && e.namespace !== o.namespace) return false;
  if (o.workloads && o.workloads.length > 0) {
    return o.workloads.some((k) => k === e.key || k === `ns:${e.cluster}/${e.namespace}` || k === `cluster:${e.cluster}`);
  }
  return true;
}

/**
 * The port rules name: the Service's named targetPort when every backend pod declares that
 * name (for this protocol) and it leads to the observed port; else the observed number.
 */
function portSpecsOf(edge: FlowEdge, dst: WorkloadEntry | undefined, ctx: SynthesisContext, dns: boolean): PortSpec[] {
  const protocol = edge.protocol as Protocol;
  const port = edge.port!;
  if (dns && port === 53) return [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }];
  if (dst && edge.service) {
    const svc = ctx.services.get(edge.service);
    for (const sp of svc?.ports ?? []) {
      if (typeof sp.targetPort !== 'string' || sp.protocol !== protocol) continue;
      const name = sp.targetPort;
      const all = dst.pods.every((p) => p.ports.some((c) => c.name === name && c.protocol === protocol));
      const leads = dst.pods.some((p) => p.ports.some((c) => c.name === name && c.protocol === protocol && c.containerPort === port));
      if (all && leads) return [{ protocol, port: name }];
    }
  }
  return [{ protocol, port }];
}

const numeric = (ports: readonly PortSpec[], edge: FlowEdge): PortSpec[] =>
  ports.map((p) => (typeof p.port === 'number' ? p : { protocol: p.protocol, port: edge.port! }));

export function synthesizePolicies(input: SynthesisInput, options: SynthesisOptions = {}): SynthesisResult {
  const o = options;
  const ctx = synthesisContext(input.inventory);
  const { index } = ctx;
  const minCount = o.minCount ?? 1;
  const leftOut: LeftOut[] = [];
  const notes = new Set<string>();
  const skipped: SkippedSubject[] = [];
  /** The peer for external address `ip` (its CIDR after --aggregate-prefix, the FQDNs DNS gave it) in `owner`'s policy. */
  const externalPeer = (ip: string, owner: string): Extract<PlannedPeer, { kind: 'cidr' }> => {
    const cidr = aggregateCidr(ip, o.aggregatePrefix);
    if (cidr !== hostCidr(ip)) notes.add(`${owner}: ${ip} aggregated to ${cidr} (--aggregate-prefix)`);
    return { kind: 'cidr', id: `cidr:${cidr}`, what: 'external', cidrs: [cidr], fqdns: [...(input.fqdns?.[ip] ?? [])].sort() };
  };

  const direction = o.direction ?? 'both';
  const policyTypes: ('Ingress' | 'Egress')[] = direction === 'both' ? ['Ingress', 'Egress'] : direction === 'ingress' ? ['Ingress'] : ['Egress'];
  const isolatesIngress = direction !== 'egress';
  const isolatesEgress = direction !== 'ingress';
  const baselineOn = (r: BaselineRule): boolean => !(o.withoutBaseline ?? []).includes(r);
  const includeSystem = !!o.includeSystem || (o.namespace !== undefined && SYSTEM_NAMESPACES.includes(o.namespace));
  const leftAlone = (namespace: string): boolean => !includeSystem && SYSTEM_NAMESPACES.includes(namespace);
  /** Workloads asked for by key: covered even when quiet or in a system namespace (an explicit ask). */
  const named = new Set((o.workloads ?? []).filter((k) => k.startsWith('wl:')));
  const shortSeenMs = o.shortSeenMs ?? 3_600_000;
  const baseline: BaselineEntry[] = [];

  // Subjects in scope.
  const work = new Map<string, SubjectWork>();
  const scope: string[] = [];
  let systemLeftAlone = 0;
  for (const e of [...index.byKey.values()].sort((a, b) => cmp(a.key, b.key))) {
    if (!inScope(e, o)) continue;
    if (leftAlone(e.namespace) && !named.has(e.key)) {
      systemLeftAlone++;
      continue;
    }
    if (e.hostNetwork) {
      skipped.push({ key: e.key, reason: 'host-network', detail: `${e.key}: its pods use the host network, which NetworkPolicy does not apply to` });
      continue;
    }
    if (!e.selector) {
      skipped.push({
        key: e.key, reason: 'no-stable-selector', suggestedLabel: suggestedLabel(e),
        detail: `${e.key}: no selector isolates it (${e.selectorProblem}); add a label such as ${Object.entries(suggestedLabel(e)).map(([k, v]) => `${k}=${v}`).join(',')} to its pod template`,
      });
      continue;
    }
    scope.push(e.key);
    work.set(e.key, { entry: e, ingress: new Map(), egress: new Map(), evidence: { flows: 0, edges: 0 }, fqdns: new Map() });
  }

  const allow = (subject: SubjectWork, dir: 'ingress' | 'egress', peer: PlannedPeer, ports: readonly PortSpec[]): void => {
    const m = subject[dir];
    let a = m.get(peer.id);
    if (!a) m.set(peer.id, (a = { peer, ports: new Map() }));
    for (const p of ports) a.ports.set(portId(p), p);
  };
  /** Evidence: every observed allowed edge of the subject, with or without a rule. */
  const witness = (subject: SubjectWork | undefined, edge: FlowEdge, n: number): void => {
    if (!subject) return;
    const ev = subject.evidence;
    ev.flows += n;
    ev.edges++;
    ev.firstSeen = ev.firstSeen === undefined ? edge.firstSeen : Math.min(ev.firstSeen, edge.firstSeen);
    ev.lastSeen = ev.lastSeen === undefined ? edge.lastSeen : Math.max(ev.lastSeen, edge.lastSeen);
  };

  /** How a workload looks as a peer of a subject in `cluster` (one object per workload and cluster). */
  const peerMemo = new Map<WorkloadEntry, Map<string, PlannedPeer | string>>();
  const workloadPeer = (w: WorkloadEntry, subjectCluster: string): PlannedPeer | string => {
    let m = peerMemo.get(w);
    if (!m) peerMemo.set(w, (m = new Map()));
    let peer = m.get(subjectCluster);
    if (peer === undefined) m.set(subjectCluster, (peer = makeWorkloadPeer(w, subjectCluster)));
    return peer;
  };
  const makeWorkloadPeer = (w: WorkloadEntry, subjectCluster: string): PlannedPeer | string => {
    if (w.cluster !== subjectCluster) {
      // Pod IPs change on every reschedule: a remote peer is its cluster's pod range, named in an annotation.
      const given = o.clusterCidrs?.[w.cluster];
      const cidrs = given ? [given] : ctx.podCidrs.get(w.cluster);
      if (!cidrs || cidrs.length === 0) return `no pod CIDR known for cluster ${w.cluster} (its nodes show no podCIDRs): give --cluster-cidr ${w.cluster}=CIDR`;
      return {
        kind: 'remote-workload', id: `remote:${w.key}`, key: w.key, cluster: w.cluster, namespace: w.namespace, selector: w.selector,
        cidrs, viaClusterCidr: true,
      };
    }
    if (w.hostNetwork) {
      const ips = [...new Set(w.pods.flatMap((p) => [...p.ips, ...p.hostIPs]))].sort();
      return { kind: 'cidr', id: `cidr:${ips.join(',')}`, what: 'node', cidrs: ips.map(hostCidr), fqdns: [], entity: 'host' };
    }
    if (!w.selector) return `no selector isolates ${w.key} (${w.selectorProblem}); add a label such as app.kubernetes.io/name=${w.name}`;
    return { kind: 'workload', id: `wl:${w.key}`, key: w.key, cluster: w.cluster, namespace: w.namespace, selector: w.selector };
  };

  if (systemLeftAlone > 0) notes.add(`${systemLeftAlone} workload(s) of system namespaces (${SYSTEM_NAMESPACES.join(', ')}) left alone (--include-system to cover them)`);
  // Namespaces a default-deny isolates: every workload of them, subject or not, is checked by the proof.
  const denyNamespaces = new Set<string>();
  if (o.defaultDeny) for (const e of index.byKey.values()) if (inScope(e, o) && !leftAlone(e.namespace)) denyNamespaces.add(`${e.cluster}/${e.namespace}`);
  const deniedByDefault = (k: ParsedKey): boolean => (k.kind === 'workload' || k.kind === 'pod') && denyNamespaces.has(`${k.cluster}/${k.namespace}`);

  // Cross-environment flows (dev into prod or finance) are a finding, not a need: never allowed silently.
  const env = resolveEnvironments(o.environments);
  const clusterLabels = new Map(input.inventory.clusters.map((c) => [c.name, c.labels]));
  const nsLabels = new Map(input.inventory.namespaces.map((n) => [`${n.cluster}/${n.name}`, n.labels]));
  const envMemo = new Map<string, EnvironmentOf>();
  const envOf = (key: string): EnvironmentOf => {
    let e = envMemo.get(key);
    if (!e) {
      let p: ParsedKey;
      try {
        p = parseKey(key);
      } catch {
        p = { kind: 'external', ip: key };
      }
      e = p.kind === 'external' || !('cluster' in p)
        ? {}
        : environmentOf(env, { name: p.cluster, labels: clusterLabels.get(p.cluster) }, 'namespace' in p ? { name: p.namespace, labels: nsLabels.get(`${p.cluster}/${p.namespace}`) } : undefined);
      envMemo.set(key, e);
    }
    return e;
  };
  const crossEnvironment = (s: string, d: string): string | undefined => {
    const se = envOf(s);
    if (se.tier !== 'lower') return undefined;
    const de = envOf(d);
    return de.tier === 'sensitive' ? `cross-environment: from a lower environment (${se.via}) into a sensitive one (${de.via}); --allow-cross-environment allows it` : undefined;
  };

  const allowedEdges: FlowEdge[] = [];
  const keyed = input.edges.filter(isWorkloadLevel).map((e) => ({ e, id: edgeId(e) }));
  keyed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  /** A workload key as parseKey reads it, from its index entry (no parsing per edge). */
  const parsedMemo = new Map<WorkloadEntry, ParsedKey>();
  const keyOf = (key: string, entry: WorkloadEntry | undefined): ParsedKey => {
    if (!entry) return parseKey(key);
    let p = parsedMemo.get(entry);
    if (!p) parsedMemo.set(entry, (p = parseKey(key)));
    return p;
  };
  for (const { e: edge, id } of keyed) {
    const src = index.byKey.get(edge.source);
    const dst = index.byKey.get(edge.destination);
    const sw = work.get(edge.source);
    const dw = work.get(edge.destination);
    if (!sw && !dw) {
      if (denyNamespaces.size > 0 && allowedCount(edge, o.includeDropped) >= minCount && EXPRESSIBLE.has(edge.protocol) && edge.port !== undefined
        && (deniedByDefault(keyOf(edge.source, src)) || deniedByDefault(keyOf(edge.destination, dst)))) {
        allowedEdges.push(edge);
      }
      continue;
    }
    const n = allowedCount(edge, o.includeDropped);
    const dropped = edge.verdicts.DROPPED ?? 0;
    if (n === 0) {
      leftOut.push({ edge: id, reason: dropped > 0 ? 'dropped' : 'min-count', detail: dropped > 0 ? `${dropped} DROPPED connection(s), none allowed: not allowed (use --include-dropped)` : 'no allowed connection' });
      continue;
    }
    if (dropped > 0 && !o.includeDropped) notes.add(`${id}: ${dropped} DROPPED connection(s) besides ${n} allowed ones`);
    if (n < minCount) {
      leftOut.push({ edge: id, reason: 'min-count', detail: `${n} connection(s) < --min-count ${minCount}` });
      continue;
    }
    if (o.since !== undefined && edge.lastSeen < o.since) {
      leftOut.push({ edge: id, reason: 'since', detail: `last seen ${new Date(edge.lastSeen).toISOString()}, before --since` });
      continue;
    }
    if (!EXPRESSIBLE.has(edge.protocol) || edge.port === undefined) {
      leftOut.push({ edge: id, reason: 'not-expressible', detail: `${edge.protocol}${edge.port === undefined ? ' without a port' : ''} cannot be written in a NetworkPolicy` });
      continue;
    }
    const flagged = o.exclude?.[id] ?? (o.allowCrossEnvironment ? undefined : crossEnvironment(edge.source, edge.destination));
    if (flagged !== undefined) {
      leftOut.push({ edge: id, reason: 'flagged', detail: `not allowed: ${flagged}` });
      continue;
    }
    const srcKey = keyOf(edge.source, src);
    const dstKey = keyOf(edge.destination, dst);
    const dns = isClusterDns(dst) || edge.service?.endsWith('/kube-system/kube-dns') === true;
    const ports = portSpecsOf(edge, dst, ctx, dns);
    // Observed allowed traffic the proof must find allowed, whether or not a rule could be written.
    allowedEdges.push(edge);
    witness(sw, edge, n);
    if (dw !== sw) witness(dw, edge, n);

    // Egress of the source.
    if (sw) {
      let peer: PlannedPeer | string | undefined;
      switch (dstKey.kind) {
        case 'workload':
          peer = dst ? workloadPeer(dst, sw.entry.cluster) : `${edge.destination} has no pods in the inventory`;
          break;
        case 'external': {
          const ip = dstKey.ip;
          if (isLinkLocal(ip) && edge.port === 53) {
            peer = { kind: 'cidr', id: `cidr:${hostCidr(ip)}`, what: 'nodelocal-dns', cidrs: [hostCidr(ip)], fqdns: [] };
          } else {
            const external = externalPeer(ip, sw.entry.key);
            peer = external;
            const cidr = external.cidrs[0];
            if (external.fqdns.length) {
              let s = sw.fqdns.get(cidr);
              if (!s) sw.fqdns.set(cidr, (s = new Set()));
              for (const f of external.fqdns) s.add(f);
            }
          }
          break;
        }
        case 'reserved':
          if (dstKey.identity === 'kube-apiserver') {
            const api = ctx.apiServer.get(dstKey.cluster);
            if (api && api.addresses.length) {
              const cidrs = api.addresses.map(hostCidr).sort();
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' };
            } else if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:kube-apiserver', entity: 'kube-apiserver' };
            else peer = `no endpoint of ${dstKey.cluster}/default/kubernetes in the inventory`;
          } else if (o.format === 'cilium' && (dstKey.identity === 'world' || dstKey.identity === 'remote-node' || dstKey.identity === 'host')) {
            peer = { kind: 'entity', id: `entity:${dstKey.identity}`, entity: dstKey.identity };
            if (dstKey.identity === 'world') notes.add(`${sw.entry.key}: egress to entity world (no address known for ${edge.destination})`);
          } else peer = `${edge.destination} is a reserved identity with no address`;
          break;
        case 'host': {
          const node = ctx.nodes.get(`${dstKey.cluster}/${dstKey.name}`);
          if (node && node.addresses.length) {
            const cidrs = [...node.addresses].sort().map(hostCidr);
            peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'node', cidrs, fqdns: [], entity: 'remote-node' };
            notes.add(`${sw.entry.key}: egress to node ${dstKey.name} as an ipBlock of its addresses`);
          } else peer = `node ${dstKey.cluster}/${dstKey.name} has no address in the inventory`;
          break;
        }
        default:
          peer = `${edge.destination} is an address no inventory object explains`;
      }
      if (typeof peer === 'string') {
        leftOut.push({ edge: id, reason: peer.includes('selector') ? 'no-stable-selector' : dstKey.kind === 'workload' ? 'unknown-peer' : 'unresolved', detail: `egress of ${sw.entry.key}: ${peer}` });
      } else {
        allow(sw, 'egress', peer, peer.kind === 'workload' ? ports : numeric(ports, edge));
      }
    }

    // Ingress of the destination.
    if (dw) {
      let peer: PlannedPeer | string | undefined;
      switch (srcKey.kind) {
        case 'workload':
          peer = src ? workloadPeer(src, dw.entry.cluster) : `${edge.source} has no pods in the inventory`;
          break;
        case 'external': {
          const exposure = baselineOn('exposed') ? ctx.exposed.get(dw.entry.key) : undefined;
          if (exposure && exposure.numbers.has(`${edge.protocol}/${edge.port}`)) {
            // An internet-facing Service: its clients are anyone, not the ones this window saw.
            leftOut.push({ edge: id, reason: 'exposed', detail: `${srcKey.ip} is a client of ${exposure.services.join(', ')}: covered by the exposed rule (${exposure.sources.join(', ')})` });
            peer = undefined;
          } else peer = externalPeer(srcKey.ip, dw.entry.key);
          break;
        }
        case 'host': {
          // A pod's own node is always allowed in: no rule. Another node needs its address.
          const ownNode = dw.entry.pods.some((p) => p.nodeName === srcKey.name && p.cluster === srcKey.cluster);
          if (ownNode) {
            if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:host', entity: 'host' };
            else {
              leftOut.push({ edge: id, reason: 'host-traffic', detail: `from ${srcKey.name}, the node of ${dw.entry.key}'s pod: always allowed, no rule written` });
              peer = undefined;
            }
          } else {
            const node = ctx.nodes.get(`${srcKey.cluster}/${srcKey.name}`);
            if (node && node.addresses.length) {
              const cidrs = [...node.addresses].sort().map(hostCidr);
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'node', cidrs, fqdns: [], entity: 'remote-node' };
              notes.add(`${dw.entry.key}: ingress from node ${srcKey.name} (not the pod's own) as an ipBlock of its addresses`);
            } else peer = `node ${srcKey.cluster}/${srcKey.name} has no address in the inventory`;
          }
          break;
        }
        case 'reserved':
          if (srcKey.identity === 'host') {
            if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:host', entity: 'host' };
            else {
              leftOut.push({ edge: id, reason: 'host-traffic', detail: `from the local node of ${dw.entry.key}: always allowed, no rule written` });
              peer = undefined;
            }
          } else if (srcKey.identity === 'kube-apiserver' && o.format !== 'cilium') {
            const api = ctx.apiServer.get(srcKey.cluster);
            if (api && api.addresses.length) {
              const cidrs = api.addresses.map(hostCidr).sort();
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' };
            } else peer = `no endpoint of ${srcKey.cluster}/default/kubernetes in the inventory`;
          } else if (o.format === 'cilium' && (srcKey.identity === 'world' || srcKey.identity === 'remote-node' || srcKey.identity === 'kube-apiserver')) {
            peer = { kind: 'entity', id: `entity:${srcKey.identity}`, entity: srcKey.identity };
          } else peer = `${edge.source} is a reserved identity with no address`;
          break;
        default:
          peer = `${edge.source} is an address no inventory object explains`;
      }
      if (typeof peer === 'string') {
        leftOut.push({ edge: id, reason: peer.includes('selector') ? 'no-stable-selector' : srcKey.kind === 'workload' ? 'unknown-peer' : 'unresolved', detail: `ingress of ${dw.entry.key}: ${peer}` });
      } else if (peer) {
        allow(dw, 'ingress', peer, ports);
      }
    }
  }

  // Plans: peers grouped by identical port sets, so no peer gets a port it was not seen on.
  const toRules = (m: Map<string, Allowance>): PlannedRule[] => {
    const groups = new Map<string, { ports: PortSpec[]; peers: PlannedPeer[] }>();
    for (const a of [...m.values()].sort((x, y) => cmp(x.peer.id, y.peer.id))) {
      let ports: PortSpec[];
      let k: string;
      if (a.ports.size === 1) {
        const [[id, p]] = a.ports;
        ports = [p];
        k = id;
      } else {
        ports = [...a.ports.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, p]) => p);
        k = [...a.ports.keys()].sort().join(',');
      }
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { ports, peers: [] }));
      g.peers.push(a.peer);
    }
    // "Every pod of the cluster" subsumes the cluster's workloads on the same ports.
    for (const g of groups.values()) if (g.peers.some((p) => p.kind === 'any-pod')) g.peers = g.peers.filter((p) => p.kind !== 'workload');
    return [...groups.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, g]) => ({ peers: g.peers, ports: g.ports }));
  };
  // Coverage: by default only workloads observed in the window get a policy; the rest are listed.
  const coverage = new Map<string, { firstSeen?: number; lastSeen?: number; neverSeen: string[]; shortSeen: { key: string; seenMs: number }[] }>();
  const coverageOf = (cluster: string) => {
    let c = coverage.get(cluster);
    if (!c) coverage.set(cluster, (c = { neverSeen: [], shortSeen: [] }));
    return c;
  };
  const observedScope: string[] = [];
  for (const key of scope) {
    const w = work.get(key)!;
    const c = coverageOf(w.entry.cluster);
    const ev = w.evidence;
    if (ev.edges === 0) {
      c.neverSeen.push(key);
      // A webhook backend in a default-deny namespace needs its own policy to stay reachable from the API server.
      const webhookInDeny = baselineOn('webhook') && isolatesIngress && ctx.webhooks.has(key) && denyNamespaces.has(`${w.entry.cluster}/${w.entry.namespace}`);
      if (webhookInDeny) notes.add(`${key}: no traffic observed, but it serves a webhook and its namespace gets a default deny: a policy admits the API server`);
      else if (!o.unobserved && !named.has(key)) continue;
    } else {
      c.firstSeen = c.firstSeen === undefined ? ev.firstSeen : Math.min(c.firstSeen, ev.firstSeen!);
      c.lastSeen = c.lastSeen === undefined ? ev.lastSeen : Math.max(c.lastSeen, ev.lastSeen!);
      const seenMs = ev.lastSeen! - ev.firstSeen!;
      if (seenMs < shortSeenMs) c.shortSeen.push({ key, seenMs });
    }
    observedScope.push(key);
  }
  scope.length = 0;
  scope.push(...observedScope);

  // Baseline rules: what a cluster needs whether or not this window showed it.
  const dnsTargetOf = (cluster: string): { peer: PlannedPeer; target: DnsTarget } => {
    const dnsW = ctx.clusterDns.get(cluster);
    if (dnsW?.selector) {
      return { peer: { kind: 'workload', id: `wl:${dnsW.key}`, key: dnsW.key, cluster, namespace: dnsW.namespace, selector: dnsW.selector }, target: { selector: dnsW.selector } };
    }
    notes.add(`${cluster}: no cluster DNS workload in the inventory; the DNS rule selects kube-system pods labelled k8s-app=kube-dns`);
    return {
      peer: { kind: 'workload', id: `wl:${cluster}/kube-system/dns`, key: `${cluster}/kube-system/k8s-app=kube-dns`, cluster, namespace: 'kube-system', selector: CONVENTIONAL_DNS_SELECTOR },
      target: { selector: CONVENTIONAL_DNS_SELECTOR },
    };
  };
  /**
   * The API server as the caller of a webhook: its endpoint addresses (Cilium: the
   * kube-apiserver entity); without them, any address, since a webhook the API server cannot
   * reach fails every request it reviews.
   */
  const apiServerCaller = (cluster: string): { peer: PlannedPeer; where: string } => {
    const api = ctx.apiServer.get(cluster);
    if (api && api.addresses.length) {
      const cidrs = api.addresses.map(hostCidr).sort();
      return { peer: { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' }, where: cidrs.join(',') };
    }
    return {
      peer: { kind: 'cidr', id: 'cidr:kube-apiserver-unknown', what: 'kube-apiserver', cidrs: WORLD, fqdns: [], entity: 'kube-apiserver' },
      where: `address unknown: no endpoint of ${cluster}/default/kubernetes in the inventory, so ${WORLD.join(', ')}${o.format === 'cilium' ? '; Cilium: the kube-apiserver entity' : ''}`,
    };
  };
  const add = (w: SubjectWork, dir: 'ingress' | 'egress', rule: BaselineRule, peer: PlannedPeer, ports: readonly PortSpec[], what: string, reason: string): void => {
    allow(w, dir, peer, ports);
    baseline.push({ rule, subject: w.entry.key, direction: dir, what, reason });
  };
  for (const key of scope) {
    const w = work.get(key)!;
    const e = w.entry;
    const isDns = ctx.clusterDns.get(e.cluster) === e;
    if (baselineOn('dns')) {
      if (isDns) {
        if (isolatesIngress) add(w, 'ingress', 'dns', { kind: 'any-pod', id: `any-pod:${e.cluster}`, cluster: e.cluster }, DNS_PORTS, 'every pod of the cluster on UDP/TCP 53', 'every pod resolves names through the cluster DNS, whether or not this window saw it');
        if (isolatesEgress) {
          add(w, 'egress', 'dns', { kind: 'cidr', id: 'cidr:world', what: 'dns-upstream', cidrs: WORLD, fqdns: [] }, DNS_PORTS, 'upstream resolvers (0.0.0.0/0, ::/0) on UDP/TCP 53', "its upstreams come from the nodes' resolv.conf, which the inventory does not show");
        }
      } else if (isolatesEgress) {
        const { peer } = dnsTargetOf(e.cluster);
        add(w, 'egress', 'dns', peer, DNS_PORTS, 'the cluster DNS on UDP/TCP 53', 'every pod resolves names through the cluster DNS, whether or not this window saw it');
      }
    }
    if (baselineOn('api-server') && isDns && isolatesEgress) {
      const api = ctx.apiServer.get(e.cluster);
      if (api && api.addresses.length) {
        const cidrs = api.addresses.map(hostCidr).sort();
        const ports = api.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
        if (ports.length) add(w, 'egress', 'api-server', { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' }, ports, `the API server ${cidrs.join(',')}`, 'the cluster DNS watches Services and EndpointSlices');
      }
    }
    if (baselineOn('api-server')) {
      for (const dir of ['egress', 'ingress'] as const) {
        for (const a of w[dir].values()) {
          if (a.peer.kind === 'cidr' && a.peer.what === 'kube-apiserver' && !baseline.some((b) => b.subject === key && b.rule === 'api-server' && b.direction === dir)) {
            baseline.push({
              rule: 'api-server', subject: key, direction: dir, what: `the API server ${a.peer.cidrs.join(',')} at its endpoint addresses`,
              reason: dir === 'egress' ? 'it called the API server (through the kubernetes Service)' : 'the API server called it (an admission or conversion webhook)',
            });
          }
        }
      }
    }
    const exposure = baselineOn('exposed') && isolatesIngress ? ctx.exposed.get(key) : undefined;
    if (exposure && exposure.ports.length) {
      add(w, 'ingress', 'exposed', { kind: 'cidr', id: `cidr:${exposure.sources.join(',')}`, what: 'world', cidrs: exposure.sources, fqdns: [] }, exposure.ports,
        `${exposure.sources.join(', ')} on ${exposure.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
        `exposed by ${exposure.services.join(', ')}: its clients are not the ones a window happened to see`);
    }
    for (const dp of exposure?.dataPlanes ?? []) {
      const peer = workloadPeer(index.byKey.get(dp.workload)!, e.cluster);
      if (typeof peer === 'string') notes.add(`${key}: the data plane ${dp.workload} of ${dp.via}: ${peer}; no rule written for it`);
      else {
        add(w, 'ingress', 'exposed', peer, dp.ports, `the Gateway's pods ${dp.workload} on ${dp.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
          `${dp.via} sends to it: the Gateway's own pods carry the traffic in, whether or not this window saw it`);
      }
    }
    if (baselineOn('webhook') && isolatesIngress) {
      for (const hook of ctx.webhooks.get(key) ?? []) {
        const { peer, where } = apiServerCaller(e.cluster);
        add(w, 'ingress', 'webhook', peer, hook.ports, `the API server (${where}) on ${hook.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
          `${hook.webhook} calls it through ${hook.service}: admission or conversion fails (or is skipped) when the API server cannot reach it`);
      }
    }
  }
  if (baselineOn('webhook')) for (const p of ctx.webhookProblems) if (!o.cluster || p.cluster === o.cluster) notes.add(p.detail);
  if (baselineOn('exposed')) for (const p of ctx.exposedProblems) if (!o.cluster || p.cluster === o.cluster) notes.add(p.detail);

  const subjects: SubjectPlan[] = [];
  for (const key of scope) {
    const w = work.get(key)!;
    const e = w.entry;
    const ev: Evidence = { ...w.evidence };
    const fqdns: Record<string, string[]> = {};
    for (const k of [...w.fqdns.keys()].sort()) fqdns[k] = [...w.fqdns.get(k)!].sort();
    const ingress = isolatesIngress ? toRules(w.ingress) : [];
    const egress = isolatesEgress ? toRules(w.egress) : [];
    const remote = new Map<string, Set<string>>();
    for (const r of [...ingress, ...egress]) {
      for (const p of r.peers) {
        if (p.kind !== 'remote-workload') continue;
        for (const c of p.cidrs) {
          let set = remote.get(c);
          if (!set) remote.set(c, (set = new Set()));
          set.add(p.key);
        }
      }
    }
    const remotePeers: Record<string, string[]> = {};
    for (const c of [...remote.keys()].sort()) remotePeers[c] = [...remote.get(c)!].sort();
    subjects.push({
      key, cluster: e.cluster, namespace: e.namespace, workloadKind: e.kind, name: e.name, selector: e.selector!, selectorSource: e.selectorSource!,
      pods: e.pods.length, ingress, egress, evidence: ev, fqdns, remotePeers, policyTypes,
    });
  }

  // Names: `<workload>-netatlas`, made unique per namespace when two kinds share a name.
  const nameOf = new Map<string, string>();
  const taken = new Set<string>();
  for (const s of subjects) {
    let name = `${s.name}-netatlas`;
    if (taken.has(`${s.cluster}/${s.namespace}/${name}`)) name = `${s.name}-${s.workloadKind.toLowerCase()}-netatlas`;
    taken.add(`${s.cluster}/${s.namespace}/${name}`);
    nameOf.set(s.key, name);
  }

  const format = o.format ?? 'networkpolicy';
  const policies: GeneratedPolicy[] = [];
  const networkPolicies: NetworkPolicyInfo[] = [];
  const defaultDenyNamespaces: string[] = [];
  for (const ns of [...denyNamespaces].sort()) {
    const [cluster, namespace] = ns.split('/');
    defaultDenyNamespaces.push(ns);
    const dns = baselineOn('dns') ? dnsTargetOf(cluster).target : undefined;
    if (dns) baseline.push({ rule: 'dns', subject: `ns:${ns}`, direction: 'egress', what: 'the cluster DNS on UDP/TCP 53', reason: 'the default deny must not cut name resolution' });
    policies.push({ cluster, namespace, name: 'default-deny-netatlas', object: renderDefaultDeny(cluster, namespace, format, dns) });
    networkPolicies.push(defaultDenyInfo(cluster, namespace, dns));
  }
  for (const s of subjects) {
    const name = nameOf.get(s.key)!;
    const info = renderNetworkPolicyInfo(s, name);
    const object = format === 'cilium' ? renderCilium(s, name, o) : format === 'calico-staged' ? staged(renderNetworkPolicy(s, name, info)) : renderNetworkPolicy(s, name, info);
    policies.push({ cluster: s.cluster, namespace: s.namespace, name, subject: s.key, object });
    networkPolicies.push(info);
  }
  policies.sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  for (const s of subjects) {
    if (s.ingress.length === 0 && s.egress.length === 0) {
      notes.add(`${s.key}: ${s.evidence.edges === 0 ? 'no traffic observed' : 'no rule could be written'}: its policy denies all ingress and egress`);
    }
  }

  return {
    policies,
    networkPolicies,
    report: {
      subjects, skipped, leftOut, notes: [...notes].sort(), defaultDenyNamespaces, baseline, shortSeenMs, direction,
      coverage: [...coverage.entries()].sort((a, b) => cmp(a[0], b[0])).map(([cluster, c]): ClusterCoverage => ({ cluster, ...c })),
    },
    allowedEdges,
    podEdges: input.edges.filter((e) => e.level === 'pod' && allowedCount(e, o.includeDropped) > 0),
    scope,
  };
}

/** For tests: a CIDR string is well-formed IPv4. */
export const isIpv4Cidr = (c: string): boolean => parseIpv4Cidr(c) !== undefined;
