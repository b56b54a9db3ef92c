/**
 * The project's own small shapes for Kubernetes objects. server/inventory converts API
 * objects (typed client-node models, watch-event JSON, kubectl dumps, manifests) into these
 * once; nothing past that edge sees a raw API object. Every object carries its cluster.
 */
import type { SourceLocation } from './errors.ts';
import type { WorkloadKind } from './keys.ts';
import type { LabelSelector, Labels } from './labels.ts';
import type { AdminNetworkPolicyInfo, CalicoNetworkSetInfo, CalicoPolicyInfo, CalicoTierInfo, CiliumNetworkPolicyInfo, NetworkPolicyInfo, StagedPolicyInfo } from './policy.ts';
import type { SecurityReport } from './security.ts';
import type { GatewayInfo, IngressInfo, RouteInfo } from './entry.ts';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface ObjectMeta {
  readonly cluster: string;
  readonly name: string;
  readonly uid?: string;
  readonly labels: Labels;
  readonly annotations?: Labels;
  /** Where the object came from, for error messages. */
  readonly source?: SourceLocation;
}

export interface NamespacedMeta extends ObjectMeta {
  readonly namespace: string;
}

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface ClusterInfo {
  readonly kind: 'Cluster';
  readonly name: string;
  /** Pod and service CIDRs when known (from nodes' podCIDRs, or given by the user). */
  readonly podCIDRs?: readonly string[];
  readonly labels?: Labels;
}

export interface NamespaceInfo extends ObjectMeta {
  readonly kind: 'Namespace';
}

export interface PodInfo extends NamespacedMeta {
  readonly kind: 'Pod';
  readonly ips: readonly string[];
  readonly hostIPs: readonly string[];
  readonly nodeName?: string;
  readonly hostNetwork: boolean;
  /** Any container runs privileged or adds NET_ADMIN/NET_RAW. */
  readonly privileged: boolean;
  /** Any volume mounts a host path. */
  readonly hostPath?: boolean;
  /** Container images (init containers included), as the spec names them. */
  readonly images?: readonly string[];
  readonly ports: readonly ContainerPort[];
  /** The controller ownerReference, if any (the direct owner, e.g. a ReplicaSet). */
  readonly owner?: OwnerRef;
  readonly serviceAccount?: string;
  readonly phase?: string;
  /** ms since epoch: when the pod started holding its IP, and when it stopped (deleted). */
  readonly startTime?: number;
  readonly endTime?: number;
  /** A representative pod made from a controller's template (manifests before deployment). */
  readonly fromTemplate?: boolean;
}

export interface WorkloadInfo extends NamespacedMeta {
  readonly kind: 'Workload';
  readonly workloadKind: Exclude<WorkloadKind, 'Pod'>;
  readonly selector?: LabelSelector;
  readonly owner?: OwnerRef;
  /** Labels of the pod template, when known. */
  readonly templateLabels?: Labels;
  readonly replicas?: number;
}

export interface ServicePort {
  readonly name?: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or the name of a container port resolved per backend pod. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServiceInfo extends NamespacedMeta {
  readonly kind: 'Service';
  readonly type: ServiceType;
  readonly clusterIPs: readonly string[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  /** spec.loadBalancerSourceRanges: the client ranges a LoadBalancer admits (absent: everyone). */
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
  readonly externalName?: string;
}

export interface EndpointInfo {
  readonly addresses: readonly string[];
  readonly ready?: boolean;
  readonly nodeName?: string;
  readonly targetRef?: { readonly kind: string; readonly namespace?: string; readonly name: string };
}

export interface EndpointSliceInfo extends NamespacedMeta {
  readonly kind: 'EndpointSlice';
  readonly serviceName?: string;
  readonly endpoints: readonly EndpointInfo[];
  readonly ports: readonly { readonly name?: string; readonly port?: number; readonly protocol: Protocol }[];
}

export interface NodeInfo extends ObjectMeta {
  readonly kind: 'Node';
  readonly addresses: readonly string[];
  readonly podCIDRs: readonly string[];
}

/** networking.k8s.io/v1 ServiceCIDR: a range the cluster gives Service addresses from. */
export interface ServiceCidrInfo extends ObjectMeta {
  readonly kind: 'ServiceCIDR';
  readonly cidrs: readonly string[];
}

/** What calls a webhook: admission (Validating/Mutating WebhookConfiguration) or CRD conversion. */
export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration' | 'CustomResourceDefinition';

/** One webhook the API server calls: `webhooks[]` of a configuration, or a CRD's conversion webhook. */
export interface WebhookInfo {
  /** `webhooks[].name`; `conversion` for a CRD. */
  readonly name: string;
  /** `clientConfig.service`: a Service of the cluster; `port` defaults to 443. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** `clientConfig.url`: called at a fixed address, no Service to translate. */
  readonly url?: string;
  readonly failurePolicy?: string;
}

/** A cluster-scoped object that makes the API server call webhooks (the part netatlas reads). */
export interface WebhookConfigurationInfo extends ObjectMeta {
  readonly kind: 'WebhookConfiguration';
  readonly configKind: WebhookConfigurationKind;
  /** Empty for a CRD without conversion webhook. */
  readonly webhooks: readonly WebhookInfo[];
}

/**
 * Everything known about one or more clusters at one time. Arrays, not maps: the snapshot is
 * the exchange format; indexes are built by whoever needs them.
 */
export interface Inventory {
  readonly clusters: readonly ClusterInfo[];
  readonly namespaces: readonly NamespaceInfo[];
  readonly pods: readonly PodInfo[];
  readonly workloads: readonly WorkloadInfo[];
  readonly services: readonly ServiceInfo[];
  readonly endpointSlices: readonly EndpointSliceInfo[];
  readonly nodes: readonly NodeInfo[];
  readonly networkPolicies: readonly NetworkPolicyInfo[];
  /** AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy objects (cluster-scoped). */
  readonly adminNetworkPolicies: readonly AdminNetworkPolicyInfo[];
  /** CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy; absent in inventories built before they were read. */
  readonly ciliumNetworkPolicies?: readonly CiliumNetworkPolicyInfo[];
  /** Calico NetworkPolicy and GlobalNetworkPolicy (projectcalico.org/v3); absent in inventories built before they were read. */
  readonly calicoPolicies?: readonly CalicoPolicyInfo[];
  /** Calico Tier objects. */
  readonly calicoTiers?: readonly CalicoTierInfo[];
  /** Calico NetworkSet and GlobalNetworkSet objects (what rule selectors match besides endpoints). */
  readonly calicoNetworkSets?: readonly CalicoNetworkSetInfo[];
  /** Calico's staged policies: not enforced (`diff --staged` evaluates them as if they were). */
  readonly stagedPolicies?: readonly StagedPolicyInfo[];
  /** Scanner reports (trivy-operator, trivy image JSON), attached to workloads by generator/risk. */
  readonly securityReports?: readonly SecurityReport[];
  /** Ingress objects, Gateways and Gateway API routes (entry.ts); absent in inventories built before they were read. */
  readonly ingresses?: readonly IngressInfo[];
  readonly gateways?: readonly GatewayInfo[];
  readonly routes?: readonly RouteInfo[]
  /** Admission and CRD conversion webhook configurations; absent in inventories built before they were read. */
  readonly webhookConfigurations?: readonly WebhookConfigurationInfo[];
  /** ServiceCIDR objects (Kubernetes 1.33+): where the cluster's Service addresses come from. */
  readonly serviceCidrs?: readonly ServiceCidrInfo[];
}

export type InventoryObject =
  | ClusterInfo
  | NamespaceInfo
  | PodInfo
  | WorkloadInfo
  | ServiceInfo
  | EndpointSliceInfo
  | NodeInfo
  | NetworkPolicyInfo
  | AdminNetworkPolicyInfo
  | CiliumNetworkPolicyInfo
  | IngressInfo
  | GatewayInfo
  | RouteInfo
  | WebhookConfigurationInfo
  | ServiceCidrInfo
  | CalicoPolicyInfo
  | CalicoTierInfo
  | CalicoNetworkSetInfo
  | StagedPolicyInfo;

export function emptyInventory(): Inventory {
  return {
    clusters: [], namespaces: [], pods: [], workloads: [], services: [], endpointSlices: [], nodes: [],
    networkPolicies: [], adminNetworkPolicies: [], ciliumNetworkPolicies: [], calicoPolicies: [], calicoTiers: [], stagedPolicies: [],
  };
}

/** `cluster/namespace/Kind/name` (or `cluster/Kind/name`): how errors name an object. */
export function objectRef(cluster: string, kind: string, name: string, namespace?: string): string {
  return namespace ? `${cluster}/${namespace}/${kind}/${name}` : `${cluster}/${kind}/${name}`;
}
