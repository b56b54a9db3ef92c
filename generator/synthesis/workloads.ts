/**
 * Workloads of an inventory, their pods, and the stable selector that isolates each one
 * (checked against every pod of its namespace in the snapshot).
 */
import { NAMESPACE_NAME_LABEL, UNSTABLE_POD_LABELS } from '../model/labels.ts';
import type { LabelSelector, Labels } from '../model/labels.ts';
import type { Inventory, PodInfo, WorkloadInfo } from '../model/inventory.ts';
import { workloadKey, type WorkloadKind } from '../model/keys.ts';
import { isEmptySelector, matchesSelector } from '../selectors/index.ts';
import { topLevelOwner } from '../semantics/owner.ts';

export interface WorkloadEntry {
  readonly key: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly pods: PodInfo[];
  readonly info?: WorkloadInfo;
  /** Every pod runs in the host's network namespace: no NetworkPolicy applies to it. */
  hostNetwork: boolean;
  selector?: LabelSelector;
  selectorSource?: 'owner' | 'pod-labels';
  /** Why no selector isolates it. */
  selectorProblem?: string;
}

export interface WorkloadIndex {
  readonly byKey: ReadonlyMap<string, WorkloadEntry>;
  /** podKey-style `cluster/namespace/name` -> workload key. */
  readonly workloadOfPod: ReadonlyMap<string, string>;
  /** Engine's owner view (`cluster/namespace/Kind/name`) -> workload key, to read the connectivity map. */
  readonly fromEngineOwner: ReadonlyMap<string, string>;
  readonly podsByNamespace: ReadonlyMap<string, readonly PodInfo[]>;
}

const isUnstable = (k: string): boolean => UNSTABLE_POD_LABELS.includes(k) || k.startsWith('topology.kubernetes.io/');

/** Labels every pod carries with the same value, minus the unstable ones. */
export function commonStableLabels(pods: readonly PodInfo[]): Labels {
  if (pods.length === 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pods[0].labels)) {
    if (isUnstable(k)) continue;
    if (pods.every((p) => p.labels[k] === v)) out[k] = v;
  }
  return out;
}

function sortedLabels(l: Labels): Labels {
  const out: Record<string, string> = {};
  for (const k of Object.keys(l).sort()) out[k] = l[k];
  return out;
}

function ownerChain(pod: PodInfo, workloads: ReadonlyMap<string, WorkloadInfo>): { kind: WorkloadKind; name: string } {
  let ref = pod.owner;
  let found: { kind: WorkloadKind; name: string } | undefined;
  for (let depth = 0; ref && depth < 4; depth++) {
    const w = workloads.get(`${pod.cluster}/${pod.namespace}/${ref.kind}/${ref.name}`);
    if (!w) break;
    found = { kind: w.workloadKind, name: w.name };
    ref = w.owner;
  }
  const top = topLevelOwner(pod);
  // The engine's view wins unless the inventory knows a higher owner (CronJob above a Job).
  if (found && found.kind === 'CronJob') return found;
  return top;
}

export function indexWorkloads(inv: Inventory): WorkloadIndex {
  const infos = new Map<string, WorkloadInfo>();
  for (const w of inv.workloads) infos.set(`${w.cluster}/${w.namespace}/${w.workloadKind}/${w.name}`, w);
  const byKey = new Map<string, WorkloadEntry>();
  const workloadOfPod = new Map<string, string>();
  const fromEngineOwner = new Map<string, string>();
  const podsByNamespace = new Map<string, PodInfo[]>();
  for (const pod of inv.pods) {
    const owner = ownerChain(pod, infos);
    const key = workloadKey(pod.cluster, pod.namespace, owner.kind, owner.name);
    let e = byKey.get(key);
    if (!e) {
      e = {
        key, cluster: pod.cluster, namespace: pod.namespace, kind: owner.kind, name: owner.name, pods: [],
        info: owner.kind === 'Pod' ? undefined : infos.get(`${pod.cluster}/${pod.namespace}/${owner.kind}/${owner.name}`), hostNetwork: true,
      };
      byKey.set(key, e);
    }
    e.pods.push(pod);
    if (!pod.hostNetwork) e.hostNetwork = false;
    workloadOfPod.set(`${pod.cluster}/${pod.namespace}/${pod.name}`, key);
    const eo = topLevelOwner(pod);
    fromEngineOwner.set(`${pod.cluster}/${pod.namespace}/${eo.kind}/${eo.name}`, key);
    const nsKey = `${pod.cluster}/${pod.namespace}`;
    let list = podsByNamespace.get(nsKey);
    if (!list) podsByNamespace.set(nsKey, (list = []));
    list.push(pod);
  }
  for (const e of byKey.values()) chooseSelector(e, podsByNamespace.get(`${e.cluster}/${e.namespace}`) ?? []);
  return { byKey, workloadOfPod, fromEngineOwner, podsByNamespace };
}

/** True when `selector` matches every pod of the workload and no other pod of its namespace. */
export function isolates(selector: LabelSelector, own: readonly PodInfo[], namespacePods: readonly PodInfo[]): boolean {
  if (isEmptySelector(selector)) return false;
  const mine = new Set(own);
  for (const p of own) if (!matchesSelector(selector, p.labels)) return false;
  for (const p of namespacePods) if (!mine.has(p) && matchesSelector(selector, p.labels)) return false;
  return true;
}

function chooseSelector(e: WorkloadEntry, nsPods: readonly PodInfo[]): void {
  const own = e.info?.selector;
  if (own && isolates(own, e.pods, nsPods)) {
    e.selector = {
      ...(own.matchLabels && Object.keys(own.matchLabels).length ? { matchLabels: sortedLabels(own.matchLabels) } : {}),
      ...(own.matchExpressions && own.matchExpressions.length ? { matchExpressions: own.matchExpressions } : {}),
    };
    e.selectorSource = 'owner';
    return;
  }
  const stable = commonStableLabels(e.pods);
  if (Object.keys(stable).length > 0 && isolates({ matchLabels: stable }, e.pods, nsPods)) {
    e.selector = { matchLabels: sortedLabels(stable) };
    e.selectorSource = 'pod-labels';
    return;
  }
  e.selectorProblem = Object.keys(stable).length === 0
    ? 'its pods carry no stable label'
    : `its stable labels {${Object.entries(stable).map(([k, v]) => `${k}=${v}`).join(',')}} also select other pods of namespace ${e.namespace}`;
}

/** The label to suggest when nothing isolates a workload. */
export function suggestedLabel(e: WorkloadEntry): Record<string, string> {
  return { 'app.kubernetes.io/name': e.name };
}

export const namespaceSelectorOf = (namespace: string): LabelSelector => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } });
