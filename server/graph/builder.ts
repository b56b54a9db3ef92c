/**
 * The connectivity graph: inventory objects become nodes, flow records become aggregated
 * edges. One graphology MultiDirectedGraph holds both aggregation levels:
 *  - workload edges (`level: 'workload'`, key `flowEdgeKey(srcWorkload, dstWorkload, proto, port)`),
 *  - pod edges (`level: 'pod'`, key `podEdgeKey(srcPod, dstPod, proto, port)`), the detail.
 * Memory grows with distinct edges: a flow only bumps counters of existing edge objects.
 */
import graphology from 'graphology';
import type { MultiDirectedGraph as MultiDirectedGraphType } from 'graphology';
import {
  NAMESPACE_NAME_LABEL, UNSTABLE_POD_LABELS, clusterKey, flowEdgeKey, hostKey, namespaceKey, parseKey, podKey,
  serviceKey, workloadKey,
} from '../../generator/model/index.ts';
import type {
  FlowEdge, FlowRecord, GraphNode, Inventory, Labels, PodInfo, ServiceInfo, WorkloadNode,
} from '../../generator/model/index.ts';
import { infraOf } from '../../generator/view/index.ts';
import { IdentityResolver, endpointCluster, observerCluster, resolveDeletedPodGrace } from './identity.ts';
import type { DeletableObject, EndpointIdentity, IdentityHeld, IdentityLimits, InventoryHeld } from './identity.ts';
import { resolveOwnerWorkload, resolveTopWorkload } from './owners.ts';

export { projectGraph } from './project.ts';
export type { ProjectedGraph, ProjectedNode, ProjectedEdge } from './project.ts';
export { summarizeGraph } from './summary.ts';
export type { GraphSummary } from './summary.ts';

const { MultiDirectedGraph } = graphology as unknown as { MultiDirectedGraph: typeof MultiDirectedGraphType };

export type ConnectivityGraph = MultiDirectedGraphType<GraphNode, FlowEdge>;

/** Key of a pod-level edge; distinct from workload-level keys even when both ends are not pods. */
export const podEdgeKey = (source: string, destination: string, protocol: string, port: number | undefined): string =>
  `pod|${flowEdgeKey(source, destination, protocol, port)}`;

export function createConnectivityGraph(): ConnectivityGraph {
  return new MultiDirectedGraph<GraphNode, FlowEdge>({ allowSelfLoops: true });
}

function stableLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!UNSTABLE_POD_LABELS.includes(k)) out[k] = v;
  return out;
}

/** The fields of a flow record aggregation needs, read once per record. */
interface FlowFacts {
  readonly protocol: FlowRecord['protocol'];
  readonly port: number | undefined;
  readonly count: number;
  readonly verdict: FlowRecord['verdict'];
  readonly dropReason: string | undefined;
  readonly time: number;
  /** A correction: move `count` from this verdict to `verdict` (FlowRecord.supersedes). */
  readonly supersedes: FlowRecord['verdict'] | undefined;
}

export interface GraphChanges {
  readonly nodes: string[];
  readonly edges: string[];
}

export interface GraphBuilderOptions {
  /** Keep pod-level edges (default true). */
  readonly podEdges?: boolean;
  /** How much of what flows taught the resolver keeps (default DEFAULT_IDENTITY_LIMITS). */
  readonly identityLimits?: Partial<IdentityLimits>;
  /**
   * How long (ms) a pod (or workload, Service, EndpointSlice) the inventory deleted still resolves
   * before it is dropped from the resolver's indexes (default DELETED_POD_GRACE_MS, 15 minutes;
   * Infinity keeps them).
   */
  readonly deletedPodGraceMs?: number;
}

export class GraphBuilder {
  readonly graph: ConnectivityGraph = createConnectivityGraph();
  readonly resolver: IdentityResolver;
  /** Flow records added (not connections: see `count` on edges). */
  flows = 0;
  private readonly keepPodEdges: boolean;
  private readonly services = new Map<string, ServiceInfo>();
  /** The graph's edge attribute objects by key: one lookup per flow, counters bumped in place. */
  private readonly edges = new Map<string, FlowEdge>();
  private readonly changedNodes = new Set<string>();
  private readonly changedEdges = new Set<string>();
  /** Nodes that only flows named (made by ensureNode, never by an inventory): released with the edges. */
  private readonly flowNodes = new Set<string>();

  /** See GraphBuilderOptions.deletedPodGraceMs. */
  readonly deletedPodGraceMs: number;
  /** Keys of workload nodes an inventory listed (the others were made for a pod's owner). */
  private readonly inventoryWorkloads = new Set<string>();
  /** Workload nodes made for pods' owners (no inventory object), with the pods that named them. */
  private readonly ownerNodePods = new Map<string, Set<string>>();

  constructor(options: GraphBuilderOptions = {}) {
    this.keepPodEdges = options.podEdges ?? true;
    this.deletedPodGraceMs = resolveDeletedPodGrace(options.deletedPodGraceMs);
    this.resolver = new IdentityResolver(options.identityLimits);
  }

  /** Adds (or refreshes) the nodes of an inventory; later inventories extend earlier ones. */
  addInventory(inv: Inventory): void {
    this.resolver.addInventory(inv);
    const ensureCluster = (c: string) => this.putNode(clusterKey(c), { kind: 'cluster', cluster: c, label: c }, false);
    const ensureNamespace = (c: string, ns: string) => {
      ensureCluster(c);
      this.putNode(namespaceKey(c, ns), { kind: 'namespace', cluster: c, namespace: ns, labels: { [NAMESPACE_NAME_LABEL]: ns }, label: ns }, false);
    };
    for (const c of inv.clusters) ensureCluster(c.name);
    for (const ns of inv.namespaces) {
      ensureCluster(ns.cluster);
      this.putNode(namespaceKey(ns.cluster, ns.name), {
        kind: 'namespace', cluster: ns.cluster, namespace: ns.name, labels: { [NAMESPACE_NAME_LABEL]: ns.name, ...ns.labels }, label: ns.name,
      }, true);
    }
    for (const node of inv.nodes) {
      ensureCluster(node.cluster);
      this.putNode(hostKey(node.cluster, node.name), { kind: 'host', cluster: node.cluster, name: node.name, addresses: node.addresses, label: node.name }, true);
    }
    for (const w of inv.workloads) {
      const top = resolveTopWorkload(w, this.resolver.owners);
      if (top.workloadKind !== w.workloadKind || top.name !== w.name) continue;
      ensureNamespace(w.cluster, w.namespace);
      const labels = w.templateLabels ? stableLabels(w.templateLabels) : w.labels;
      const infra = infraOf(w.namespace, w.name, labels);
      const key = workloadKey(w.cluster, w.namespace, w.workloadKind, w.name);
      this.inventoryWorkloads.add(key);
      this.ownerNodePods.delete(key);
      this.putNode(key, {
        kind: 'workload', cluster: w.cluster, namespace: w.namespace, workloadKind: w.workloadKind, name: w.name, labels, label: w.name,
        ...(infra ? { infra } : {}),
      }, true);
    }
    for (const pod of inv.pods) this.addPodNode(pod, ensureNamespace);
    for (const svc of inv.services) {
      ensureNamespace(svc.cluster, svc.namespace);
      const key = serviceKey(svc.cluster, svc.namespace, svc.name);
      this.services.set(key, svc);
      this.putNode(key, { kind: 'service', cluster: svc.cluster, namespace: svc.namespace, name: svc.name, clusterIPs: svc.clusterIPs, label: svc.name }, true);
    }
  }

  private addPodNode(pod: PodInfo, ensureNamespace: (c: string, ns: string) => void): void {
    ensureNamespace(pod.cluster, pod.namespace);
    const owner = resolveOwnerWorkload(pod, this.resolver.owners);
    const wlKey = workloadKey(pod.cluster, pod.namespace, owner.workloadKind, owner.name);
    const key = podKey(pod.cluster, pod.namespace, pod.name);
    if (!this.inventoryWorkloads.has(wlKey)) {
      const pods = this.ownerNodePods.get(wlKey) ?? new Set<string>();
      pods.add(key);
      this.ownerNodePods.set(wlKey, pods);
    }
    if (!this.graph.hasNode(wlKey)) {
      const labels = stableLabels(pod.labels);
      const infra = infraOf(pod.namespace, owner.name, labels);
      const node: WorkloadNode = {
        kind: 'workload', cluster: pod.cluster, namespace: pod.namespace, workloadKind: owner.workloadKind, name: owner.name, labels,
        label: owner.name, ...(infra ? { infra } : {}),
      };
      this.putNode(wlKey, node, false);
    }
    this.putNode(key, {
      kind: 'pod', cluster: pod.cluster, namespace: pod.namespace, name: pod.name, workload: wlKey, labels: pod.labels, ips: pod.ips,
      hostNetwork: pod.hostNetwork, label: pod.name,
    }, true);
  }

  /**
   * The inventory no longer holds these objects, since `at` (ms): they still resolve for
   * `deletedPodGraceMs` (late flows stamped before the deletion), then expireDeleted drops them.
   */
  inventoryDeleted(objects: readonly DeletableObject[], at: number): void {
    this.resolver.markDeleted(objects, at);
  }

  /**
   * Drops from the resolver the objects (pods, workloads, Services, EndpointSlices) deleted at
   * least `deletedPodGraceMs` before `now`. With `dropNodes` (a collector, once its edges were
   * released) their graph nodes go too, with the workload nodes made only for pods' owners once
   * no pod names them, when no edge touches them; without it (`serve`) the graph keeps them: their edges are history it answers
   * for. Returns the keys of the graph nodes dropped.
   */
  expireDeleted(now: number, dropNodes: boolean): string[] {
    const expired = this.resolver.expireDeleted(now, this.deletedPodGraceMs);
    const dropped: string[] = [];
    const dropIfBare = (key: string): void => {
      if (!dropNodes || !this.graph.hasNode(key) || this.graph.degree(key) > 0) return;
      this.graph.dropNode(key);
      this.changedNodes.delete(key);
      this.flowNodes.delete(key);
      dropped.push(key);
    };
    for (const key of expired) {
      const attrs = this.graph.hasNode(key) ? this.graph.getNodeAttributes(key) : undefined;
      this.inventoryWorkloads.delete(key);
      this.services.delete(key);
      dropIfBare(key);
      if (attrs?.kind !== 'pod') continue;
      const pods = this.ownerNodePods.get(attrs.workload);
      if (!pods?.delete(key) || pods.size > 0) continue;
      this.ownerNodePods.delete(attrs.workload);
      dropIfBare(attrs.workload);
    }
    return dropped;
  }

  /** Adds or (with `replace`) replaces a node; `fromFlow`: named by a flow, not an inventory. */
  private putNode(key: string, attrs: GraphNode, replace: boolean, fromFlow = false): void {
    if (fromFlow) {
      if (this.graph.hasNode(key)) return;
      this.flowNodes.add(key);
    } else this.flowNodes.delete(key);
    if (!this.graph.hasNode(key)) {
      this.graph.addNode(key, attrs);
      this.changedNodes.add(key);
    } else if (replace) {
      this.graph.replaceNodeAttributes(key, attrs);
      this.changedNodes.add(key);
    }
  }

  /** Makes sure a node named by a flow exists, with its cluster and namespace. */
  private ensureNode(key: string): void {
    if (this.graph.hasNode(key)) return;
    const attrs = this.resolver.synthesizedNode(key) ?? this.nodeFromKey(key);
    const cluster = attrs.cluster;
    if (cluster) {
      this.putNode(clusterKey(cluster), { kind: 'cluster', cluster, label: cluster }, false, true);
      const ns = 'namespace' in attrs ? attrs.namespace : undefined;
      if (ns && attrs.kind !== 'namespace') {
        this.putNode(namespaceKey(cluster, ns), { kind: 'namespace', cluster, namespace: ns, labels: { [NAMESPACE_NAME_LABEL]: ns }, label: ns }, false, true);
      }
    }
    if (attrs.kind === 'external') {
      const fqdns = this.resolver.fqdnsOf(attrs.ip);
      if (fqdns.length > 0) {
        this.putNode(key, { ...attrs, fqdns, label: fqdns[0] }, false, true);
        return;
      }
    }
    if (attrs.kind === 'pod') this.ensureNode(attrs.workload);
    this.putNode(key, attrs, false, true);
  }

  private nodeFromKey(key: string): GraphNode {
    const p = parseKey(key);
    switch (p.kind) {
      case 'cluster': return { kind: 'cluster', cluster: p.cluster, label: p.cluster };
      case 'namespace': return { kind: 'namespace', cluster: p.cluster, namespace: p.namespace, labels: { [NAMESPACE_NAME_LABEL]: p.namespace }, label: p.namespace };
      case 'workload': return { kind: 'workload', cluster: p.cluster, namespace: p.namespace, workloadKind: p.workloadKind, name: p.name, labels: {}, label: p.name };
      case 'pod': return {
        kind: 'pod', cluster: p.cluster, namespace: p.namespace, name: p.name, workload: workloadKey(p.cluster, p.namespace, 'Pod', p.name), labels: {},
        ips: [], hostNetwork: false, fromFlows: true, label: p.name,
      };
      case 'service': return { kind: 'service', cluster: p.cluster, namespace: p.namespace, name: p.name, clusterIPs: [], label: p.name };
      case 'host': return { kind: 'host', cluster: p.cluster, name: p.name, addresses: [], label: p.name };
      case 'external': return { kind: 'external', ip: p.ip, fqdns: [], label: p.ip };
      case 'reserved': return { kind: 'reserved', cluster: p.cluster, identity: p.identity, label: p.identity };
      case 'unknown': return { kind: 'unknown', cluster: p.cluster, ip: p.ip, label: p.ip };
    }
  }

  /** DNS answers name external peers: existing nodes are relabelled at once. */
  private learnDns(query: string, ips: readonly string[]): void {
    for (const ip of this.resolver.learnDns(query, ips)) {
      const key = `ext:${ip}`;
      if (!this.graph.hasNode(key)) continue;
      const attrs = this.graph.getNodeAttributes(key);
      if (attrs.kind !== 'external') continue;
      const fqdns = this.resolver.fqdnsOf(ip);
      this.graph.replaceNodeAttributes(key, { ...attrs, fqdns, label: fqdns[0] ?? ip });
      this.changedNodes.add(key);
    }
  }

  /**
   * The cluster that observed a flow: a Relay `node_name` prefix, else the given default,
   * else the cluster the observed (local) end names: the source for egress, the
   * destination for ingress.
   */
  private flowCluster(r: FlowRecord, defaultCluster: string | undefined): string {
    const fromObserver = observerCluster(r.observer);
    if (fromObserver) return fromObserver;
    if (defaultCluster) return defaultCluster;
    const src = endpointCluster(r.source);
    const dst = endpointCluster(r.destination);
    return (r.direction === 'INGRESS' ? dst ?? src : src ?? dst) ?? 'default';
  }

  /**
   * Adds one flow record (request direction, as the parsers produce). `defaultCluster` is the
   * cluster of the file or stream it came from, when known; ends that name their own cluster
   * (Hubble `cluster_name`, `k8s:io.cilium.k8s.policy.cluster`) keep theirs.
   */
  addFlow(r: FlowRecord, defaultCluster?: string): void {
    this.flows++;
    this.lastEdges.length = 0;
    const dns = r.dns;
    if (dns !== undefined) this.learnDns(dns.query, dns.ips);
    const destination = r.destination;
    // Hubble's destination_names: the names the client looked up for this address.
    const names = destination.names;
    if (names !== undefined && destination.ip) for (const n of names) this.learnDns(n, [destination.ip]);
    const time = r.time;
    const ctx = { time, cluster: this.flowCluster(r, defaultCluster), observer: r.observer };
    const src = this.resolver.resolveEndpoint(r.source, ctx);
    const dst = this.resolver.resolveEndpoint(destination, ctx);
    this.lastSource = src;
    this.lastDestination = dst;
    // Parsers send a DNS answer as a record of count 0 when its request was already counted.
    const facts: FlowFacts = {
      protocol: r.protocol, port: r.port, count: r.count >= 0 ? r.count : 1, verdict: r.verdict, dropReason: r.dropReason, time, supersedes: r.supersedes,
    };
    // Addressed to a Service (before DNAT): the flow goes to every backend on its targetPort.
    // Which backend served it is not known, so each backend workload is credited with it (at
    // pod level too, from the source pod to the backend workload).
    const targets = facts.port === undefined ? undefined : this.resolver.serviceTargets(dst, facts.protocol, facts.port);
    if (targets !== undefined && targets.length > 0) {
      for (const t of targets) {
        const tf: FlowFacts = { ...facts, port: t.port };
        this.aggregate(src.workloadKey, t.id.workloadKey, src, t.id, tf, 'workload', t.servicePort);
        if (this.keepPodEdges) this.aggregate(src.key, t.id.key, src, t.id, tf, 'pod', t.servicePort);
      }
      return;
    }
    this.aggregate(src.workloadKey, dst.workloadKey, src, dst, facts, 'workload');
    if (this.keepPodEdges) this.aggregate(src.key, dst.key, src, dst, facts, 'pod');
  }

  /**
   * What the last addFlow resolved and counted on: its ends, and the edge keys in order (each
   * workload-level key followed by its pod-level key when pod edges are kept). The connection
   * log (server/store/connection-log.ts) files the record's connection under them.
   */
  readonly lastEdges: string[] = [];
  lastSource: EndpointIdentity | undefined;
  lastDestination: EndpointIdentity | undefined;

  private aggregate(s: string, d: string, src: EndpointIdentity, dst: EndpointIdentity, f: FlowFacts, level: 'workload' | 'pod', servicePort?: number): void {
    const key = level === 'pod' ? podEdgeKey(s, d, f.protocol, f.port) : flowEdgeKey(s, d, f.protocol, f.port);
    this.lastEdges.push(key);
    let count = f.count;
    let edge = this.edges.get(key);
    if (edge === undefined) {
      if (count === 0) count = 1;
      this.ensureNode(s);
      this.ensureNode(d);
      if (dst.serviceKey) this.ensureNode(dst.serviceKey);
      const interCluster = src.cluster !== undefined && dst.cluster !== undefined && src.cluster !== dst.cluster;
      // Every field present from the start, in one order: edge objects share one shape.
      edge = {
        kind: 'flow', source: s, destination: d, protocol: f.protocol, port: f.port, count: 0, verdicts: {}, dropReasons: undefined,
        firstSeen: f.time, lastSeen: f.time, interCluster, level, service: undefined, servicePort: undefined,
      };
      this.graph.addDirectedEdgeWithKey(key, s, d, edge);
      this.edges.set(key, edge);
    }
    if (count > 0) {
      const verdicts = edge.verdicts;
      // A correction moves connections already counted on this edge from the verdict emitted
      // first to the stronger one. Should the edge not hold them (the two reports resolved to
      // different ends), the record counts as new here: nothing is ever subtracted below zero.
      const moved = f.supersedes === undefined ? 0 : Math.min(count, verdicts[f.supersedes] ?? 0);
      if (moved > 0) {
        const left = verdicts[f.supersedes!]! - moved;
        if (left > 0) verdicts[f.supersedes!] = left;
        else delete verdicts[f.supersedes!];
      }
      edge.count += count - moved;
      verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + count;
      if (f.dropReason) {
        const reasons = edge.dropReasons ?? (edge.dropReasons = {});
        reasons[f.dropReason] = (reasons[f.dropReason] ?? 0) + count;
      }
    }
    if (f.time < edge.firstSeen) edge.firstSeen = f.time;
    if (f.time > edge.lastSeen) edge.lastSeen = f.time;
    if (dst.serviceKey !== undefined && edge.service === undefined) {
      edge.service = dst.serviceKey;
      const sp = servicePort ?? this.servicePort(dst.serviceKey, dst.key, f.port);
      if (sp !== undefined) edge.servicePort = sp;
    }
    this.changedEdges.add(key);
  }

  /**
   * Puts back an edge kept elsewhere (the store, after a restart) so later flows add to it:
   * its ends are created when missing, the attributes are copied into the builder's own edge
   * object. An edge already present is left as it is (false): counts are never added twice.
   */
  restoreEdge(key: string, attributes: FlowEdge): boolean {
    if (this.edges.has(key) || this.graph.hasEdge(key)) return false;
    const a = attributes;
    this.ensureNode(a.source);
    this.ensureNode(a.destination);
    if (a.service !== undefined) this.ensureNode(a.service);
    // Same field order as `aggregate`: edge objects share one shape.
    const edge: FlowEdge = {
      kind: 'flow', source: a.source, destination: a.destination, protocol: a.protocol, port: a.port, count: a.count,
      verdicts: { ...a.verdicts }, dropReasons: a.dropReasons ? { ...a.dropReasons } : undefined, firstSeen: a.firstSeen,
      lastSeen: a.lastSeen, interCluster: a.interCluster, level: a.level ?? 'workload', service: a.service, servicePort: a.servicePort,
    };
    this.graph.addDirectedEdgeWithKey(key, a.source, a.destination, edge);
    this.edges.set(key, edge);
    this.changedEdges.add(key);
    return true;
  }

  /** The Service port that leads to `port` on the backend (targetPort numeric or named). */
  private servicePort(svcKey: string, backendKey: string, port: number | undefined): number | undefined {
    const svc = this.services.get(svcKey);
    if (!svc || port === undefined) return undefined;
    let containerPorts: PodInfo['ports'] = [];
    if (backendKey.startsWith('pod:')) {
      const p = parseKey(backendKey);
      if (p.kind === 'pod') containerPorts = this.resolver.podByName(p.cluster, p.namespace, p.name)?.ports ?? [];
    }
    for (const sp of svc.ports) {
      if (typeof sp.targetPort === 'number' && sp.targetPort === port) return sp.port;
      if (typeof sp.targetPort === 'string' && containerPorts.some((c) => c.name === sp.targetPort && c.containerPort === port)) return sp.port;
    }
    // Addressed to the ClusterIP itself (no translation seen): the port is the Service port.
    if (backendKey === svcKey && svc.ports.some((sp) => sp.port === port)) return port;
    return undefined;
  }

  /**
   * Drops every flow edge, and the nodes only flows named, once they have been handed on (a
   * collector, after each interval's flush): what the builder holds then grows with the distinct
   * edges of one interval, not since start. Inventory nodes and identity knowledge stay. Returns
   * the keys of the nodes dropped.
   */
  releaseFlowEdges(): string[] {
    this.graph.clearEdges();
    this.edges.clear();
    this.changedEdges.clear();
    const dropped = [...this.flowNodes];
    for (const key of dropped) {
      this.graph.dropNode(key);
      this.changedNodes.delete(key);
    }
    this.flowNodes.clear();
    return dropped;
  }

  /** What the resolver holds of what flows taught it (bounded by `identityLimits`). */
  identitiesHeld(): IdentityHeld {
    return this.resolver.held();
  }

  /** What the resolver holds of what inventories said (pods alive and deleted within the grace, ...). */
  inventoryHeld(): InventoryHeld {
    return this.resolver.inventoryHeld();
  }

  /** Keys of nodes and edges added or changed since the last call (for live views). */
  takeChanges(): GraphChanges {
    const out = { nodes: [...this.changedNodes], edges: [...this.changedEdges] };
    this.changedNodes.clear();
    this.changedEdges.clear();
    return out;
  }
}
