/**
 * What "infrastructure" means, once, for every view (CLI, API, web): the nodes "hide
 * infrastructure" removes, with the traffic touching them. Infrastructure is plumbing a platform
 * team runs for everyone (DNS, monitoring, the Kubernetes system namespaces, the nodes' own
 * network stack, the API server); traffic to the internet, to an ingress or between
 * applications never is.
 */
import { parseKey } from '../model/index.ts';
import type { Labels, ReservedIdentity, WorkloadNode } from '../model/index.ts';

export type InfraClass = NonNullable<WorkloadNode['infra']>;

const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const MONITORING_NAMESPACE = /^(monitoring|prometheus|observability)/;

/** Reserved identities that stand for the cluster's own machinery (Cilium's `reserved:*`). */
const INFRA_IDENTITIES: ReadonlySet<ReservedIdentity> = new Set(['host', 'remote-node', 'kube-apiserver', 'health', 'init']);

/** The infrastructure class every workload of a namespace has, by the namespace's name alone. */
export function namespaceInfra(namespace: string): InfraClass | undefined {
  if (MONITORING_NAMESPACE.test(namespace)) return 'monitoring';
  if (SYSTEM_NAMESPACES.has(namespace)) return 'system';
  return undefined;
}

/** The infrastructure class of a workload (undefined: an application). */
export function infraOf(namespace: string, name: string, labels: Labels): InfraClass | undefined {
  const k8sApp = labels['k8s-app'] ?? '';
  if (k8sApp === 'kube-dns' || /^(coredns|kube-dns)\b/.test(name)) return 'dns';
  if (MONITORING_NAMESPACE.test(namespace) || /prometheus|alertmanager|node-exporter/.test(name)) return 'monitoring';
  return SYSTEM_NAMESPACES.has(namespace) ? 'system' : undefined;
}

/**
 * The facts about a node that views decide on: the graph's node attributes, the API's node and
 * the web's map node all carry them (a pod's `infra` is its workload's).
 */
export interface ViewNode {
  readonly key: string;
  readonly kind: string;
  readonly cluster?: string;
  readonly namespace?: string;
  readonly infra?: string;
}

/**
 * Whether a node is infrastructure: a workload (or a pod of one) classed by infraOf, a system or
 * monitoring namespace, a Kubernetes node (host), or a reserved identity of the cluster's own
 * machinery. `world`, `ingress` and `unmanaged` are traffic a team must see: never infrastructure.
 */
export function isInfraNode(node: ViewNode): boolean {
  switch (node.kind) {
    case 'workload': case 'pod': return node.infra !== undefined;
    case 'namespace': return node.namespace !== undefined && namespaceInfra(node.namespace) !== undefined;
    case 'host': return true;
    case 'reserved': {
      const p = parseKey(node.key);
      return p.kind === 'reserved' && INFRA_IDENTITIES.has(p.identity);
    }
    default: return false;
  }
}
