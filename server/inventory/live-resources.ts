/**
 * What the live inventory lists and watches: one ResourceDef per kind (its typed list call and
 * its watch path), and the request options that make a list abortable. Kept apart from the
 * watch loops (cluster-watcher.ts) because adding a kind touches only this table.
 */
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { LiveKind } from './live-types.ts';

interface ListPage {
  readonly items: unknown[];
  readonly resourceVersion?: string;
  readonly continueToken?: string;
}

export interface ResourceDef {
  readonly kind: LiveKind;
  /**
   * The apiVersion and kind the API serves the objects as, when the model names the kind apart
   * (Calico's NetworkPolicy): given to the normalizer for items that do not carry them.
   */
  readonly served?: { readonly apiVersion: string; readonly kind: string };
  /** Collection path for watch, across all namespaces. */
  readonly path: string;
  /** CRDs that may not be installed: a 404 is not a problem. */
  readonly optional?: boolean;
  /** `call` carries the request's AbortSignal (abortable): a timed-out list is cancelled, not left running. */
  readonly list: (kc: KubeConfig, page: { limit: number; _continue?: string }, call: CallOptions) => Promise<unknown>;
}

export type CallOptions = ConfigurationOptions;

/** Request options that make client-node's fetch abort with `signal` (a middleware sets it on the request). */
export function abortable(signal: AbortSignal): CallOptions {
  return {
    middleware: [{
      pre: (context) => {
        context.setSignal(signal);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    }],
    middlewareMergeStrategy: 'append',
  };
}

export const RESOURCES: readonly ResourceDef[] = [
  { kind: 'Namespace', path: '/api/v1/namespaces', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listNamespace(p, o) },
  { kind: 'Node', path: '/api/v1/nodes', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listNode(p, o) },
  { kind: 'Pod', path: '/api/v1/pods', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listPodForAllNamespaces(p, o) },
  { kind: 'Service', path: '/api/v1/services', list: (kc, p, o) => kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces(p, o) },
  {
    kind: 'EndpointSlice', path: '/apis/discovery.k8s.io/v1/endpointslices',
    list: (kc, p, o) => kc.makeApiClient(DiscoveryV1Api).listEndpointSliceForAllNamespaces(p, o),
  },
  {
    kind: 'NetworkPolicy', path: '/apis/networking.k8s.io/v1/networkpolicies',
    list: (kc, p, o) => kc.makeApiClient(NetworkingV1Api).listNetworkPolicyForAllNamespaces(p, o),
  },
  { kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listReplicaSetForAllNamespaces(p, o) },
  { kind: 'Deployment', path: '/apis/apps/v1/deployments', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces(p, o) },
  { kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listStatefulSetForAllNamespaces(p, o) },
  { kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets', list: (kc, p, o) => kc.makeApiClient(AppsV1Api).listDaemonSetForAllNamespaces(p, o) },
  { kind: 'Job', path: '/apis/batch/v1/jobs', list: (kc, p, o) => kc.makeApiClient(BatchV1Api).listJobForAllNamespaces(p, o) },
  { kind: 'CronJob', path: '/apis/batch/v1/cronjobs', list: (kc, p, o) => kc.makeApiClient(BatchV1Api).listCronJobForAllNamespaces(p, o) },
  // Service address ranges (Kubernetes 1.33+; absent before): the proof's Service-address check.
  {
    kind: 'ServiceCIDR', optional: true, path: '/apis/networking.k8s.io/v1/servicecidrs',
    list: (kc, p, o) => kc.makeApiClient(NetworkingV1Api).listServiceCIDR(p, o),
  },
  // Webhooks the API server calls: the webhook baseline rule admits it into their backends.
  {
    kind: 'ValidatingWebhookConfiguration', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    list: (kc, p, o) => kc.makeApiClient(AdmissionregistrationV1Api).listValidatingWebhookConfiguration(p, o),
  },
  {
    kind: 'MutatingWebhookConfiguration', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    list: (kc, p, o) => kc.makeApiClient(AdmissionregistrationV1Api).listMutatingWebhookConfiguration(p, o),
  },
  {
    kind: 'CustomResourceDefinition', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    list: (kc, p, o) => kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition(p, o),
  },
  ...([['AdminNetworkPolicy', 'adminnetworkpolicies'], ['BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies']] as const).map(
    ([kind, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/policy.networking.k8s.io/v1alpha1/${plural}`,
      list: (kc, p, o) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'policy.networking.k8s.io', version: 'v1alpha1', plural, ...p }, o),
    }),
  ),
  // Custom resources that may not be installed (404: absent): v1alpha2 ClusterNetworkPolicy and
  // Cilium's policies (the namespaced kind listed across namespaces).
  ...([
    ['ClusterNetworkPolicy', 'policy.networking.k8s.io', 'v1alpha2', 'clusternetworkpolicies'],
    ['CiliumNetworkPolicy', 'cilium.io', 'v2', 'ciliumnetworkpolicies'],
    ['CiliumClusterwideNetworkPolicy', 'cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies'],
  ] as const).map(
    ([kind, group, version, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/${group}/${version}/${plural}`,
      list: (kc, p) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group, version, plural, ...p }),
    }),
  ),
  // Calico's policy API (projectcalico.org/v3, served by the Calico API server; absent without
  // it: crd.projectcalico.org is Calico's storage, not read).
  ...([
    ['CalicoNetworkPolicy', 'NetworkPolicy', 'networkpolicies'],
    ['CalicoGlobalNetworkPolicy', 'GlobalNetworkPolicy', 'globalnetworkpolicies'],
    ['CalicoTier', 'Tier', 'tiers'],
    ['CalicoNetworkSet', 'NetworkSet', 'networksets'],
    ['CalicoGlobalNetworkSet', 'GlobalNetworkSet', 'globalnetworksets'],
    ['StagedNetworkPolicy', 'StagedNetworkPolicy', 'stagednetworkpolicies'],
    ['StagedGlobalNetworkPolicy', 'StagedGlobalNetworkPolicy', 'stagedglobalnetworkpolicies'],
    ['StagedKubernetesNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'stagedkubernetesnetworkpolicies'],
  ] as const).map(
    ([kind, served, plural]): ResourceDef => ({
      kind, optional: true, path: `/apis/projectcalico.org/v3/${plural}`, served: { apiVersion: 'projectcalico.org/v3', kind: served },
      list: (kc, p) => kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'projectcalico.org', version: 'v3', plural, ...p }),
    }),
  ),
];

export const LIVE_KINDS: readonly LiveKind[] = RESOURCES.map((r) => r.kind);
