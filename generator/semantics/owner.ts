/**
 * The top-level owner of a pod, from its controller ownerReference alone (no lookups):
 * a ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that Deployment; a Job
 * is its own workload; a pod without a controller is its own workload. server/graph has
 * a fuller resolver that follows the real objects; this one is enough for policy maps.
 */
import type { PodInfo } from '../model/inventory.ts';
import type { WorkloadKind } from '../model/keys.ts';

export interface OwnerWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
}

const KNOWN: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);
const HASH_SUFFIX = /^(.+)-[a-z0-9]{5,10}$/;

export function topLevelOwner(pod: Pick<PodInfo, 'name' | 'owner' | 'labels'>): OwnerWorkload {
  const o = pod.owner;
  if (!o || !KNOWN.has(o.kind)) return { kind: 'Pod', name: pod.name };
  if (o.kind === 'ReplicaSet') {
    const hash = pod.labels['pod-template-hash'];
    if (hash && o.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: o.name.slice(0, -hash.length - 1) };
    const m = HASH_SUFFIX.exec(o.name);
    if (m && !hash) return { kind: 'Deployment', name: m[1] };
    return { kind: 'ReplicaSet', name: o.name };
  }
  return { kind: o.kind as WorkloadKind, name: o.name };
}

/** `namespace/name[Kind]`, prefixed by `cluster/` when asked. */
export function workloadLabel(cluster: string, namespace: string, owner: OwnerWorkload, withCluster = false): string {
  return `${withCluster ? `${cluster}/` : ''}${namespace}/${owner.name}[${owner.kind}]`;
}
