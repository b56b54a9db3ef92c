/**
 * Graph keys. Every key carries its cluster (except external peers, which are global
 * addresses), so the same namespace/name in two clusters are two nodes. Keys are built by
 * one function per kind and never by hand; `parseKey` is their inverse.
 *
 * Kubernetes names cannot contain '/', so '/' is a safe separator. Cluster names are
 * validated by `assertClusterName`.
 */

export type ReservedIdentity =
  | 'world'
  | 'host'
  | 'remote-node'
  | 'kube-apiserver'
  | 'health'
  | 'init'
  | 'unmanaged'
  | 'ingress';

export const RESERVED_IDENTITIES: readonly ReservedIdentity[] = [
  'world', 'host', 'remote-node', 'kube-apiserver', 'health', 'init', 'unmanaged', 'ingress',
];

export type WorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'ReplicationController'
  | 'Job'
  | 'CronJob'
  /** A pod with no controller stays a pod; at workload level it is its own workload. */
  | 'Pod';

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod',
];

const CLUSTER_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

export function isValidClusterName(name: string): boolean {
  return CLUSTER_NAME.test(name);
}

export function assertClusterName(name: string): string {
  if (!isValidClusterName(name)) {
    throw new Error(
      `netatlas/model: invalid cluster name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-' (e.g. "prod-eu").`,
    );
  }
  return name;
}

export const clusterKey = (cluster: string): string => `cluster:${cluster}`;
export const namespaceKey = (cluster: string, namespace: string): string => `ns:${cluster}/${namespace}`;
export const workloadKey = (cluster: string, namespace: string, kind: WorkloadKind, name: string): string =>
  `wl:${cluster}/${namespace}/${kind}/${name}`;
export const podKey = (cluster: string, namespace: string, name: string): string => `pod:${cluster}/${namespace}/${name}`;
export const serviceKey = (cluster: string, namespace: string, name: string): string => `svc:${cluster}/${namespace}/${name}`;
/** A Kubernetes Node (a machine), not a graph node. */
export const hostKey = (cluster: string, nodeName: string): string => `host:${cluster}/${nodeName}`;
/** External peers are addresses outside every known cluster: one node per IP. */
export const externalKey = (ip: string): string => `ext:${ip}`;
/** Reserved identities (Hubble's `reserved:*` labels) that resolve to nothing more specific. */
export const reservedKey = (cluster: string, identity: ReservedIdentity): string => `reserved:${cluster}/${identity}`;
/** An address inside a cluster's ranges that matches no known object (e.g. a pod long gone). */
export const unknownKey = (cluster: string, ip: string): string => `unknown:${cluster}/${ip}`;

export type ParsedKey =
  | { readonly kind: 'cluster'; readonly cluster: string }
  | { readonly kind: 'namespace'; readonly cluster: string; readonly namespace: string }
  | { readonly kind: 'workload'; readonly cluster: string; readonly namespace: string; readonly workloadKind: WorkloadKind; readonly name: string }
  | { readonly kind: 'pod'; readonly cluster: string; readonly namespace: string; readonly name: string }
  | { readonly kind: 'service'; readonly cluster: string; readonly namespace: string; readonly name: string }
  | { readonly kind: 'host'; readonly cluster: string; readonly name: string }
  | { readonly kind: 'external'; readonly ip: string }
  | { readonly kind: 'reserved'; readonly cluster: string; readonly identity: ReservedIdentity }
  | { readonly kind: 'unknown'; readonly cluster: string; readonly ip: string };

export function parseKey(key: string): ParsedKey {
  const colon = key.indexOf(':');
  const prefix = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  const parts = rest.split('/');
  switch (prefix) {
    case 'cluster':
      return { kind: 'cluster', cluster: rest };
    case 'ns':
      if (parts.length === 2) return { kind: 'namespace', cluster: parts[0], namespace: parts[1] };
      break;
    case 'wl':
      if (parts.length === 4) {
        return { kind: 'workload', cluster: parts[0], namespace: parts[1], workloadKind: parts[2] as WorkloadKind, name: parts[3] };
      }
      break;
    case 'pod':
      if (parts.length === 3) return { kind: 'pod', cluster: parts[0], namespace: parts[1], name: parts[2] };
      break;
    case 'svc':
      if (parts.length === 3) return { kind: 'service', cluster: parts[0], namespace: parts[1], name: parts[2] };
      break;
    case 'host':
      if (parts.length === 2) return { kind: 'host', cluster: parts[0], name: parts[1] };
      break;
    case 'ext':
      return { kind: 'external', ip: rest };
    case 'reserved':
      if (parts.length === 2) return { kind: 'reserved', cluster: parts[0], identity: parts[1] as ReservedIdentity };
      break;
    case 'unknown':
      if (parts.length >= 2) return { kind: 'unknown', cluster: parts[0], ip: parts.slice(1).join('/') };
      break;
  }
  throw new Error(`netatlas/model: malformed key ${JSON.stringify(key)}: expected one built by clusterKey, podKey, workloadKey, ...`);
}

/** The cluster a key belongs to, or undefined for external peers. */
export function clusterOfKey(key: string): string | undefined {
  const parsed = parseKey(key);
  return parsed.kind === 'external' ? undefined : parsed.cluster;
}

/** Edge key of an aggregated flow edge: one per (source, destination, protocol, destination port). */
export const flowEdgeKey = (source: string, destination: string, protocol: string, port: number | undefined): string =>
  `${source}->${destination}|${protocol}|${port ?? '-'}`;
