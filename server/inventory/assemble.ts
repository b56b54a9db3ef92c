/**
 * From normalized objects to an Inventory: de-duplication (last one wins), synthesized
 * Namespaces, representative template pods, and one ClusterInfo per cluster.
 */
import {
  NAMESPACE_NAME_LABEL,
  type AdminNetworkPolicyInfo,
  type CiliumNetworkPolicyInfo,
  type GatewayInfo,
  type IngressInfo,
  type RouteInfo,
  ROUTE_KINDS,
  type CalicoPolicyInfo,
  type CalicoNetworkSetInfo,
  type CalicoTierInfo,
  type StagedPolicyInfo,
  objectRef,
  type ClusterInfo,
  type Inventory,
  type InventoryObject,
  type NamespaceInfo,
  type PodInfo,
  type ServiceCidrInfo,
  type WebhookConfigurationInfo,
  type WorkloadInfo,
} from '../../generator/model/index.ts';

/**
 * Representative pods from workload templates (manifests before deployment):
 * 'auto' only for workloads with no real pod in their cluster, 'always', or 'never'.
 */
export type TemplatePodsMode = 'auto' | 'always' | 'never';
export const TEMPLATE_PODS_MODES: readonly TemplatePodsMode[] = ['auto', 'always', 'never'];

export interface AssembleOptions {
  readonly templatePods?: TemplatePodsMode;
  /** Extra cluster names to list even when no object belongs to them. */
  readonly clusters?: readonly string[];
}

/** The identity of an object inside an inventory: `cluster/namespace/Kind/name`. */
export function inventoryObjectId(o: InventoryObject): string {
  switch (o.kind) {
    case 'Cluster':
      return `Cluster/${o.name}`;
    case 'Workload':
      return objectRef(o.cluster, o.workloadKind, o.name, o.namespace);
    case 'WebhookConfiguration':
      return objectRef(o.cluster, o.configKind, o.name);
    case 'Namespace':
    case 'Node':
    case 'ServiceCIDR':
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy':
    case 'ClusterNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy':
    case 'CalicoGlobalNetworkPolicy':
    case 'CalicoTier':
    case 'StagedGlobalNetworkPolicy':
      return objectRef(o.cluster, o.kind, o.name);
    default:
      return objectRef(o.cluster, o.kind, o.name, o.namespace);
  }
}

const wlId = (cluster: string, ns: string, kind: string, name: string) => `${cluster}/${ns}/${kind}/${name}`;

/**
 * The workloads that have at least one real pod, following owner chains through the owner
 * objects present (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob), and through the
 * `pod-template-hash` naming convention when the ReplicaSet object is absent.
 */
function workloadsWithRealPods(pods: readonly PodInfo[], workloads: ReadonlyMap<string, WorkloadInfo>): Set<string> {
  const owned = new Set<string>();
  for (const pod of pods) {
    if (pod.fromTemplate || !pod.owner) continue;
    let kind = pod.owner.kind;
    let name = pod.owner.name;
    for (let depth = 0; depth < 8; depth++) {
      const id = wlId(pod.cluster, pod.namespace, kind, name);
      owned.add(id);
      const wl = workloads.get(id);
      if (wl?.owner) {
        kind = wl.owner.kind;
        name = wl.owner.name;
        continue;
      }
      const hash = pod.labels['pod-template-hash'];
      if (!wl && kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) {
        kind = 'Deployment';
        name = name.slice(0, -(hash.length + 1));
        continue;
      }
      break;
    }
  }
  return owned;
}

export interface NormalizedSet {
  readonly objects: readonly InventoryObject[];
  /** Template pods keyed by the id of the workload they represent. */
  readonly templatePods: ReadonlyMap<string, PodInfo>;
}

/** Builds an Inventory from normalized objects; later duplicates replace earlier ones. */
export function assembleInventory(objects: Iterable<InventoryObject>, templates: Iterable<PodInfo>, opts: AssembleOptions = {}): Inventory {
  const byId = new Map<string, InventoryObject>();
  for (const o of objects) byId.set(inventoryObjectId(o), o);
  const all = [...byId.values()];

  const namespaces = all.filter((o): o is NamespaceInfo => o.kind === 'Namespace');
  const pods = all.filter((o): o is PodInfo => o.kind === 'Pod');
  const workloads = all.filter((o): o is WorkloadInfo => o.kind === 'Workload');
  const wlById = new Map(workloads.map((w) => [wlId(w.cluster, w.namespace, w.workloadKind, w.name), w]));

  const mode = opts.templatePods ?? 'auto';
  if (mode !== 'never') {
    const owned = mode === 'auto' ? workloadsWithRealPods(pods, wlById) : new Set<string>();
    const podIds = new Set(pods.map((p) => inventoryObjectId(p)));
    for (const t of templates) {
      const ownerId = wlId(t.cluster, t.namespace, t.owner!.kind, t.owner!.name);
      const wl = wlById.get(ownerId);
      // Only the top of an owner chain gets a representative (a Deployment, not its ReplicaSet
      // too), and only if that workload is still in the input.
      if (!wl || wl.owner && wlById.has(wlId(wl.cluster, wl.namespace, wl.owner.kind, wl.owner.name))) continue;
      if (mode === 'auto' && owned.has(ownerId)) continue;
      if (podIds.has(inventoryObjectId(t))) continue;
      pods.push(t);
    }
  }

  // A snapshot with objects in a namespace but no Namespace object: synthesize it.
  const nsIds = new Set(namespaces.map((n) => `${n.cluster}/${n.name}`));
  for (const o of all.concat(pods)) {
    if (!('namespace' in o) || typeof o.namespace !== 'string') continue;
    const id = `${o.cluster}/${o.namespace}`;
    if (nsIds.has(id)) continue;
    nsIds.add(id);
    namespaces.push({
      kind: 'Namespace',
      cluster: o.cluster,
      name: o.namespace,
      labels: { [NAMESPACE_NAME_LABEL]: o.namespace },
      source: { object: objectRef(o.cluster, 'Namespace', o.namespace), ...(o.source?.file ? { file: o.source.file } : {}) },
    });
  }

  const nodes = all.filter((o) => o.kind === 'Node');
  const clusterNames = new Set<string>(opts.clusters ?? []);
  for (const o of all) clusterNames.add(o.kind === 'Cluster' ? o.name : o.cluster);
  const given = new Map(all.filter((o): o is ClusterInfo => o.kind === 'Cluster').map((c) => [c.name, c]));
  const clusters: ClusterInfo[] = [...clusterNames].sort().map((name) => {
    const cidrs = [...new Set(nodes.filter((n) => n.cluster === name).flatMap((n) => n.podCIDRs))];
    const c = given.get(name);
    if (c) return c.podCIDRs || cidrs.length === 0 ? c : { ...c, podCIDRs: cidrs };
    return { kind: 'Cluster', name, ...(cidrs.length > 0 ? { podCIDRs: cidrs } : {}) };
  });

  return {
    clusters,
    namespaces,
    pods,
    workloads,
    services: all.filter((o) => o.kind === 'Service'),
    endpointSlices: all.filter((o) => o.kind === 'EndpointSlice'),
    nodes,
    networkPolicies: all.filter((o) => o.kind === 'NetworkPolicy'),
    adminNetworkPolicies: all.filter((o): o is AdminNetworkPolicyInfo => o.kind === 'AdminNetworkPolicy' || o.kind === 'BaselineAdminNetworkPolicy' || o.kind === 'ClusterNetworkPolicy'),
    ciliumNetworkPolicies: all.filter((o): o is CiliumNetworkPolicyInfo => o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy'),
    ...entryObjects(all),
    webhookConfigurations: all.filter((o): o is WebhookConfigurationInfo => o.kind === 'WebhookConfiguration'),
    serviceCidrs: all.filter((o): o is ServiceCidrInfo => o.kind === 'ServiceCIDR'),
    calicoPolicies: all.filter((o): o is CalicoPolicyInfo => o.kind === 'CalicoNetworkPolicy' || o.kind === 'CalicoGlobalNetworkPolicy'),
    calicoTiers: all.filter((o): o is CalicoTierInfo => o.kind === 'CalicoTier'),
    calicoNetworkSets: all.filter((o): o is CalicoNetworkSetInfo => o.kind === 'CalicoNetworkSet' || o.kind === 'CalicoGlobalNetworkSet'),
    stagedPolicies: all.filter((o): o is StagedPolicyInfo => o.kind === 'StagedNetworkPolicy' || o.kind === 'StagedGlobalNetworkPolicy' || o.kind === 'StagedKubernetesNetworkPolicy'),
  };
}

/** Ingresses, Gateways and routes, each list present only when the input had one. */
function entryObjects(all: readonly InventoryObject[]): Pick<Inventory, 'ingresses' | 'gateways' | 'routes'> {
  const ingresses = all.filter((o): o is IngressInfo => o.kind === 'Ingress');
  const gateways = all.filter((o): o is GatewayInfo => o.kind === 'Gateway');
  const routes = all.filter((o): o is RouteInfo => (ROUTE_KINDS as readonly string[]).includes(o.kind));
  return { ...(ingresses.length ? { ingresses } : {}), ...(gateways.length ? { gateways } : {}), ...(routes.length ? { routes } : {}) };
}

/** The objects of an inventory, in a stable order, for re-assembly. */
export function inventoryObjects(inv: Inventory): InventoryObject[] {
  return [
    ...inv.clusters, ...inv.namespaces, ...inv.nodes, ...inv.workloads, ...inv.pods, ...inv.services,
    ...inv.endpointSlices, ...inv.networkPolicies, ...inv.adminNetworkPolicies, ...(inv.ciliumNetworkPolicies ?? []),
    ...(inv.ingresses ?? []), ...(inv.gateways ?? []), ...(inv.routes ?? []),
    ...(inv.webhookConfigurations ?? []), ...(inv.serviceCidrs ?? []),
    ...(inv.calicoPolicies ?? []), ...(inv.calicoTiers ?? []), ...(inv.calicoNetworkSets ?? []), ...(inv.stagedPolicies ?? []),
  ];
}

/**
 * Merges inventories (e.g. one per cluster or per file); an object present in several
 * (same cluster, kind, namespace and name) is taken from the last. Template pods already in
 * an input are kept unless a later input has real pods for their workload.
 */
export function mergeInventories(inventories: readonly Inventory[]): Inventory {
  const objects: InventoryObject[] = [];
  const templates: PodInfo[] = [];
  for (const inv of inventories) {
    for (const o of inventoryObjects(inv)) {
      if (o.kind === 'Pod' && o.fromTemplate) templates.push(o);
      else objects.push(o);
    }
  }
  const merged = assembleInventory(objects, templates, { templatePods: 'auto' });
  const reports = inventories.flatMap((inv) => inv.securityReports ?? []);
  return reports.length > 0 ? { ...merged, securityReports: reports } : merged;
}
