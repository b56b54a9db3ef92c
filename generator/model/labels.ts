export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values?: readonly string[];
}

/**
 * A Kubernetes label selector. `{}` (no fields) selects everything; a missing selector is
 * represented by `undefined` at the use site, never by an empty object, because the two
 * mean different things in NetworkPolicy peers.
 */
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** Set on every Namespace by the API server; synthesized when a snapshot lacks it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Cilium's identity labels: every endpoint carries its namespace, service account and (cluster mesh) cluster. */
export const CILIUM_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const CILIUM_SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
export const CILIUM_CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/**
 * Labels that change between rollouts or differ per pod: never part of a generated selector.
 */
export const UNSTABLE_POD_LABELS: readonly string[] = [
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'controller-uid',
  'job-name',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'kubernetes.io/hostname',
];
