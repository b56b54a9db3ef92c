/**
 * What a flow endpoint says about itself through its labels and its observer: Cilium's
 * `k8s:` labels, the cluster and namespace labels, reserved identities, and Hubble Relay's
 * `cluster/node` observer names. Computed once per label array (parsers share them).
 */
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL, RESERVED_IDENTITIES } from '../../generator/model/index.ts';
import type { FlowEndpoint, Labels, ReservedIdentity } from '../../generator/model/index.ts';

const RESERVED_PRIORITY: readonly ReservedIdentity[] = [
  'kube-apiserver', 'host', 'remote-node', 'health', 'ingress', 'world', 'init', 'unmanaged',
];
/** `k8s:app=web` -> app: web; drops Cilium's own bookkeeping labels; keeps `reserved:` out. */
export function labelsFromFlow(raw: readonly string[] | undefined): Labels {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const entry of raw) {
    if (!entry.startsWith('k8s:')) continue;
    const body = entry.slice(4);
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    if (key.startsWith('io.cilium.k8s.') || key === CILIUM_NAMESPACE_LABEL || key.startsWith('io.kubernetes.pod.')) continue;
    out[key] = eq < 0 ? '' : body.slice(eq + 1);
  }
  return out;
}

function rawLabel(raw: readonly string[] | undefined, key: string): string | undefined {
  if (!raw) return undefined;
  const prefix = `k8s:${key}=`;
  for (const entry of raw) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

export interface LabelFacts {
  readonly cluster?: string;
  readonly namespace?: string;
  readonly reserved?: ReservedIdentity;
}

/**
 * What a label list says about cluster, namespace and reserved identity. Parsers share one
 * label array between the flows of the same endpoint, so this is computed once per array.
 */
const labelFactsCache = new WeakMap<readonly string[], LabelFacts>();
const NO_FACTS: LabelFacts = {};

export function labelFacts(labels: readonly string[] | undefined): LabelFacts {
  if (!labels || labels.length === 0) return NO_FACTS;
  let facts = labelFactsCache.get(labels);
  if (facts) return facts;
  let reserved: ReservedIdentity | undefined;
  for (const entry of labels) {
    if (!entry.startsWith('reserved:')) continue;
    const id = entry.slice(9) as ReservedIdentity;
    if (!RESERVED_IDENTITIES.includes(id)) continue;
    if (reserved === undefined || RESERVED_PRIORITY.indexOf(id) < RESERVED_PRIORITY.indexOf(reserved)) reserved = id;
  }
  facts = { cluster: rawLabel(labels, CILIUM_CLUSTER_LABEL), namespace: rawLabel(labels, CILIUM_NAMESPACE_LABEL), reserved };
  labelFactsCache.set(labels, facts);
  return facts;
}

/** The cluster a flow endpoint names itself (Hubble `cluster_name`, or the Cilium policy label). */
export function endpointCluster(ep: FlowEndpoint): string | undefined {
  return ep.cluster ?? labelFacts(ep.labels).cluster;
}

export function reservedOf(ep: FlowEndpoint): ReservedIdentity | undefined {
  return ep.reserved ?? labelFacts(ep.labels).reserved;
}

/** A label set's key within a namespace (workloads learnt by labels). */
export function labelSetKey(cluster: string, namespace: string, raw: readonly string[]): string {
  const labels = labelsFromFlow(raw);
  return `${cluster}|${namespace}|${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}`;
}

/** The node of an observer name (`cluster/node` or `node`). */
export function observerNode(observer: string | undefined): string | undefined {
  if (!observer) return undefined;
  const slash = observer.lastIndexOf('/');
  return slash >= 0 ? observer.slice(slash + 1) : observer;
}

/** The cluster prefix of a Hubble Relay `node_name` (`cluster/node`), if any. */
export function observerCluster(observer: string | undefined): string | undefined {
  if (!observer) return undefined;
  const slash = observer.indexOf('/');
  return slash > 0 ? observer.slice(0, slash) : undefined;
}
