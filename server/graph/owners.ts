/**
 * Pod -> top-level owner workload, through ownerReferences, also when the owner objects are
 * not in the input. Derivations from names are accepted only when something confirms them
 * (the `pod-template-hash` label, a Job's own ownerReference, a scheduled-time suffix), so a
 * bare pod or a hand-made ReplicaSet is never invented into a Deployment.
 */
import type { OwnerRef, PodInfo, WorkloadInfo, WorkloadKind } from '../../generator/model/index.ts';
import { WORKLOAD_KINDS } from '../../generator/model/index.ts';

/** Owner objects by `cluster/namespace/Kind/name`. */
export interface OwnerIndex {
  readonly workloads: ReadonlyMap<string, WorkloadInfo>;
}

export interface ResolvedOwner {
  readonly cluster: string;
  readonly namespace: string;
  readonly workloadKind: WorkloadKind;
  readonly name: string;
  /**
   * How the top of the chain was found: 'object' (an owner object in the input, or the pod
   * itself when bare), 'reference' (an ownerReference to an object not in the input),
   * 'replicaset-name' or 'job-name' (derived from a name, confirmed as documented).
   */
  readonly via: 'object' | 'reference' | 'replicaset-name' | 'job-name';
}

const ownerIndexKey = (cluster: string, namespace: string, kind: string, name: string): string =>
  `${cluster}/${namespace}/${kind}/${name}`;

export function buildOwnerIndex(workloads: readonly WorkloadInfo[]): OwnerIndex {
  const map = new Map<string, WorkloadInfo>();
  for (const w of workloads) map.set(ownerIndexKey(w.cluster, w.namespace, w.workloadKind, w.name), w);
  return { workloads: map };
}

/** Adds owner objects to an existing index (later inventories extend earlier ones). */
export function addToOwnerIndex(index: OwnerIndex, workloads: readonly WorkloadInfo[]): void {
  const map = index.workloads as Map<string, WorkloadInfo>;
  for (const w of workloads) map.set(ownerIndexKey(w.cluster, w.namespace, w.workloadKind, w.name), w);
}

/** Removes an owner object the inventory deleted. */
export function removeFromOwnerIndex(index: OwnerIndex, w: WorkloadInfo): void {
  (index.workloads as Map<string, WorkloadInfo>).delete(ownerIndexKey(w.cluster, w.namespace, w.workloadKind, w.name));
}

/**
 * Characters of Kubernetes' `rand.SafeEncodeString` (no vowels, no 0/1/3): pod-template-hash
 * values and the random 5-character pod-name suffix use only these.
 */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const SAFE_CLASS = `[${SAFE}]`;
const DEPLOYMENT_POD_NAME = new RegExp(`^(.+)-(${SAFE_CLASS}{6,10})-(${SAFE_CLASS}{5})$`);

/**
 * CronJob controllers name Jobs `<cronjob>-<scheduled time>`: minutes since the epoch (the v2
 * controller, since Kubernetes 1.21) or seconds (the v1 controller). Accept a number that is
 * a plausible schedule time (years 2000..2100) in either unit.
 */
export function isScheduledTimeSuffix(digits: string): boolean {
  if (!/^\d{8,10}$/.test(digits)) return false;
  const n = Number(digits);
  const MIN_2000 = 946_684_800 / 60;
  const MIN_2100 = 4_102_444_800 / 60;
  const inMinutes = n >= MIN_2000 && n <= MIN_2100;
  const inSeconds = n >= 946_684_800 && n <= 4_102_444_800;
  return inMinutes || inSeconds;
}

function isWorkloadKind(kind: string): kind is Exclude<WorkloadKind, 'Pod'> {
  return kind !== 'Pod' && (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/** `<deploy>-<hash>` -> deploy, only when `hash` is the pod's own pod-template-hash. */
function deploymentFromReplicaSetName(rsName: string, templateHash: string | undefined): string | undefined {
  if (!templateHash) return undefined;
  const suffix = `-${templateHash}`;
  if (!rsName.endsWith(suffix) || rsName.length === suffix.length) return undefined;
  return rsName.slice(0, -suffix.length);
}

function cronJobFromJobName(jobName: string): string | undefined {
  const dash = jobName.lastIndexOf('-');
  if (dash <= 0) return undefined;
  return isScheduledTimeSuffix(jobName.slice(dash + 1)) ? jobName.slice(0, dash) : undefined;
}

const MAX_CHAIN = 8;

/**
 * Follows `owner` from an owner object up to the top. `owner` is the reference the previous
 * level held; `podLabels` confirm name derivations.
 */
function climb(
  cluster: string,
  namespace: string,
  owner: OwnerRef,
  index: OwnerIndex,
  podLabels: Readonly<Record<string, string>>,
  depth: number,
): ResolvedOwner | undefined {
  if (!isWorkloadKind(owner.kind)) return undefined;
  const found = index.workloads.get(ownerIndexKey(cluster, namespace, owner.kind, owner.name));
  if (found) {
    if (found.owner && depth < MAX_CHAIN) {
      const up = climb(cluster, namespace, found.owner, index, podLabels, depth + 1);
      if (up) return up;
    }
    return { cluster, namespace, workloadKind: found.workloadKind, name: found.name, via: 'object' };
  }
  // The owner object is not in the input: derive its own owner only when confirmed.
  if (owner.kind === 'ReplicaSet') {
    const deployment = deploymentFromReplicaSetName(owner.name, podLabels['pod-template-hash']);
    if (deployment !== undefined) {
      const known = index.workloads.get(ownerIndexKey(cluster, namespace, 'Deployment', deployment));
      if (known?.owner && depth < MAX_CHAIN) {
        const up = climb(cluster, namespace, known.owner, index, podLabels, depth + 1);
        if (up) return up;
      }
      return { cluster, namespace, workloadKind: 'Deployment', name: deployment, via: 'replicaset-name' };
    }
  }
  if (owner.kind === 'Job') {
    const cronJob = cronJobFromJobName(owner.name);
    if (cronJob !== undefined) return { cluster, namespace, workloadKind: 'CronJob', name: cronJob, via: 'job-name' };
  }
  return { cluster, namespace, workloadKind: owner.kind, name: owner.name, via: 'reference' };
}

/**
 * The top-level workload that owns a pod: Pod -> ReplicaSet -> Deployment, Pod -> Job ->
 * CronJob, StatefulSet, DaemonSet, ReplicationController. Bare pods (and static pods, whose
 * owner is a Node) stay pods: `workloadKind: 'Pod'`, name = the pod's name.
 */
export function resolveOwnerWorkload(pod: PodInfo, index: OwnerIndex): ResolvedOwner {
  if (pod.owner) {
    const top = climb(pod.cluster, pod.namespace, pod.owner, index, pod.labels, 0);
    if (top) return top;
  }
  return { cluster: pod.cluster, namespace: pod.namespace, workloadKind: 'Pod', name: pod.name, via: 'object' };
}

/**
 * The top-level workload of an owner object itself (a ReplicaSet owned by a Deployment ->
 * the Deployment). Undefined when the chain ends in a kind that is not a workload.
 */
export function resolveTopWorkload(workload: WorkloadInfo, index: OwnerIndex): ResolvedOwner {
  if (workload.owner) {
    const up = climb(workload.cluster, workload.namespace, workload.owner, index, workload.templateLabels ?? {}, 1);
    if (up) return up;
  }
  return { cluster: workload.cluster, namespace: workload.namespace, workloadKind: workload.workloadKind, name: workload.name, via: 'object' };
}

/**
 * For pods known only by name (flows without inventory): `<deploy>-<hash>-<suffix>` where
 * hash and suffix use only Kubernetes' safe-encoding alphabet is taken as a Deployment's pod.
 * Anything else stays a pod. A heuristic: documented in docs/graph.md.
 */
export function deploymentFromPodName(podName: string): string | undefined {
  const m = DEPLOYMENT_POD_NAME.exec(podName);
  return m ? m[1] : undefined;
}
