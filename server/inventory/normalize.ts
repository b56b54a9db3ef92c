/**
 * The one normalizer: Kubernetes API objects -> the project's own shapes (generator/model).
 *
 * It accepts both forms an object reaches us in:
 * - typed client-node models (first list of an informer): camelCase fields, Date objects,
 *   reserved words renamed (`_from`, sometimes `_except`), items without `kind`;
 * - plain JSON/YAML (kubectl dumps, manifests, watch events): `from`, `except`, strings.
 *
 * Absent and empty stay distinct (policyTypes, ingress/egress, `from`/`to`, selectors),
 * because NetworkPolicy gives them different meanings. Semantic validation of policies is the
 * engine's job: raw values (endPort < port, named ports, ...) are kept so it can complain.
 */
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  InputError,
  objectRef,
  type SourceLocation,
  type Warning,
} from '../../generator/model/index.ts';
import { CALICO_KINDS, CALICO_NAMESPACED, normalizeCalico } from './normalize/calico.ts';
import { normalizeCiliumPolicy } from './normalize/cilium.ts';
import { normalizeEndpointSlice, normalizeNamespace, normalizeNode, normalizePod, normalizeService, normalizeServiceCidr, normalizeWebhookConfiguration, normalizeWorkload, WEBHOOK_KINDS } from './normalize/core.ts';

export { OWNER_KINDS, WEBHOOK_KINDS, type OwnerWorkloadKind } from './normalize/core.ts';
export type { NormalizeOutcome } from './normalize/fields.ts';
import { normalizeEntry } from './normalize/entries.ts';
import { type Ctx, Malformed, type NormalizeOutcome, type Obj, isObj, rule, where } from './normalize/fields.ts';
import { normalizeAdminPolicy, normalizeClusterNetworkPolicy, normalizeNetworkPolicy } from './normalize/network-policy.ts';

/** Kinds the normalizer understands (owners included). */
export const INVENTORY_KINDS = [
  'Namespace', 'Pod', 'Service', 'EndpointSlice', 'Node', 'NetworkPolicy',
  'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy',
  'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy',
  'Ingress', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute',
  ...WEBHOOK_KINDS,
  'ServiceCIDR',
  'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController',
] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];

const CLUSTER_SCOPED = new Set<string>(['Namespace', 'Node', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);
for (const k of [...WEBHOOK_KINDS, 'ServiceCIDR']) CLUSTER_SCOPED.add(k);

/**
 * Groups whose ClusterNetworkPolicy is network-policy-api's v1alpha2 (the AWS network policy
 * agent serves the same spec under its own group). Antrea's kind of the same name is not it.
 */
const CLUSTER_NETWORK_POLICY_GROUPS = ['policy.networking.k8s.io/', 'networking.k8s.aws/'];

export function isInventoryKind(kind: string): kind is InventoryKind {
  return (INVENTORY_KINDS as readonly string[]).includes(kind);
}

export interface NormalizeContext {
  readonly cluster: string;
  /** Where the object was read (file and line of its document), for messages. */
  readonly source?: SourceLocation;
  /** The kind when the object does not carry one (API list items, typed models). */
  readonly kindHint?: string;
  /** Namespace of namespaced objects that do not name one (manifests); default 'default'. */
  readonly defaultNamespace?: string;
}

// ---------------------------------------------------------------------------------------------
// The door

function describe(ctx: NormalizeContext, kind: string | undefined, name: string | undefined, namespace: string | undefined): SourceLocation {
  const object = name !== undefined ? objectRef(ctx.cluster, kind ?? '?', name, namespace) : undefined;
  return { ...ctx.source, ...(object !== undefined ? { object } : {}) };
}

/** Warning codes of what was read leniently; `--strict` turns them into errors. */
export const LENIENT_READING_CODES: readonly string[] = ['not-kubernetes', 'partial-object'];

/**
 * Normalizes one Kubernetes object (typed model or plain JSON) into a model shape.
 * Never throws: values that are not Kubernetes objects (a package.json, a bare string) and
 * unknown kinds are `skipped` with a warning, harmless defects are left out with warnings
 * on the `object` outcome, malformed objects are `invalid` with an InputError naming the
 * file/document and the object.
 */
export function normalizeObject(raw: unknown, ctx: NormalizeContext): NormalizeOutcome {
  const notKubernetes = (what: string): NormalizeOutcome => {
    const loc = describe(ctx, ctx.kindHint, undefined, undefined);
    return {
      kind: 'skipped',
      warning: { code: 'not-kubernetes', message: `netatlas/inventory: ${where(loc)} is not a Kubernetes object (${what}); skipped. Move it out of the folder or pass --strict to fail on it.`, location: loc },
    };
  };
  if (!isObj(raw)) return notKubernetes(`got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}`);
  if (ctx.kindHint === undefined && raw.kind === undefined && raw.apiVersion === undefined) return notKubernetes('no apiVersion or kind');
  const kind = typeof raw.kind === 'string' && raw.kind !== '' ? raw.kind : ctx.kindHint;
  const meta = isObj(raw.metadata) ? raw.metadata : undefined;
  const rawName = meta?.name;
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
  const rawNs = meta?.namespace;
  const nsGiven = typeof rawNs === 'string' && rawNs !== '' ? rawNs : undefined;
  if (kind === undefined) {
    const loc = describe(ctx, '?', name, nsGiven);
    return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} object has no kind. Add \`kind:\` (e.g. Pod) or load it inside a typed list (PodList).`, loc) };
  }
  const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : undefined;
  if (kind === 'ClusterNetworkPolicy' && apiVersion !== undefined && !CLUSTER_NETWORK_POLICY_GROUPS.some((g) => apiVersion.startsWith(g))) {
    const loc = describe(ctx, kind, name, undefined);
    return {
      kind: 'skipped',
      warning: { code: 'unknown-kind', message: `netatlas/inventory: ${where(loc)} ClusterNetworkPolicy of ${apiVersion} is not read (only policy.networking.k8s.io/v1alpha2 and its AWS twin); skipped.`, location: loc },
    };
  }
  const calicoKind = apiVersion?.startsWith('projectcalico.org/') ? CALICO_KINDS[kind] : undefined;
  if (calicoKind === undefined && (apiVersion?.startsWith('projectcalico.org/') || apiVersion?.startsWith('crd.projectcalico.org/'))) {
    // Calico's NetworkPolicy shares the Kubernetes kind name but not its meaning: never read as one.
    const loc = describe(ctx, kind, name, CLUSTER_SCOPED.has(kind) || kind.startsWith('Global') || kind === 'HostEndpoint' ? undefined : nsGiven ?? ctx.defaultNamespace ?? 'default');
    return {
      kind: 'skipped',
      warning: {
        code: 'unevaluated-policy',
        message: `netatlas/inventory: ${where(loc)} ${kind} of ${apiVersion} is not evaluated (netatlas reads Calico's NetworkPolicy, GlobalNetworkPolicy, Tier, NetworkSet, GlobalNetworkSet and staged policies of projectcalico.org/v3; crd.projectcalico.org objects are Calico's storage: export them with calicoctl or kubectl get networkpolicies.projectcalico.org); connectivity, explain and diff answer as if it did not exist.`,
        location: loc,
      },
    };
  }
  if (calicoKind === undefined && !isInventoryKind(kind)) {
    const loc = describe(ctx, kind, name, nsGiven);
    return {
      kind: 'skipped',
      warning: { code: 'unknown-kind', message: `netatlas/inventory: ${where(loc)} kind ${kind} is not used by netatlas; skipped.`, location: loc },
    };
  }
  const namespaced = calicoKind !== undefined ? CALICO_NAMESPACED.has(calicoKind) : !CLUSTER_SCOPED.has(kind);
  const namespace = namespaced ? nsGiven ?? ctx.defaultNamespace ?? 'default' : undefined;
  const loc = describe(ctx, calicoKind ?? kind, name, namespace);
  if (!meta || name === undefined) {
    return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} ${kind} has no metadata.name. Every object needs a name.`, loc) };
  }
  if (rawNs !== undefined && rawNs !== null && typeof rawNs !== 'string') {
    return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} metadata.namespace must be a string.`, loc) };
  }
  const c: Ctx = { cluster: ctx.cluster, kind, name, ...(namespace !== undefined ? { namespace } : {}), source: loc, defects: [] };
  try {
    // Names become parts of graph keys ('/'-separated): Kubernetes' own name rules, checked here once.
    rule(kind === 'Namespace' || kind === 'Service' ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name), 'metadata.name');
    if (namespace !== undefined) rule(dns1123LabelProblem(namespace), 'metadata.namespace');
    if (calicoKind !== undefined) return withDefects({ kind: 'object', object: normalizeCalico(calicoKind, raw, meta, c) }, c);
    return withDefects(normalizeKind(kind as InventoryKind, raw, meta, c), c);
  } catch (error) {
    if (error instanceof Malformed) {
      return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} ${error.message}.`, loc) };
    }
    // A value no rule foresaw (an object String() cannot print, say) threw: the object is
    // invalid and named, and the rest of the file, and of the cluster, is still read.
    return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} ${kind} ${name} could not be read (${error instanceof Error ? error.message : 'unknown error'}).`, loc) };
  }
}

function withDefects(outcome: NormalizeOutcome, c: Ctx): NormalizeOutcome {
  if (outcome.kind !== 'object' || c.defects.length === 0) return outcome;
  const warnings = c.defects.map((d): Warning => ({
    code: 'partial-object',
    message: `netatlas/inventory: ${where(c.source)} ${d}; that part is left out, the rest of the object is read.`,
    location: c.source,
  }));
  return { ...outcome, warnings };
}

function normalizeKind(kind: InventoryKind, raw: Obj, meta: Obj, c: Ctx): NormalizeOutcome {
  switch (kind) {
    case 'Namespace':
      return { kind: 'object', object: normalizeNamespace(meta, c) };
    case 'Pod':
      return { kind: 'object', object: normalizePod(raw, meta, c) };
    case 'Service':
      return { kind: 'object', object: normalizeService(raw, meta, c) };
    case 'EndpointSlice':
      return { kind: 'object', object: normalizeEndpointSlice(raw, meta, c) };
    case 'Node':
      return { kind: 'object', object: normalizeNode(raw, meta, c) };
    case 'NetworkPolicy':
      return { kind: 'object', object: normalizeNetworkPolicy(raw, meta, c) };
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy':
      return { kind: 'object', object: normalizeAdminPolicy(kind, raw, c) };
    case 'ClusterNetworkPolicy':
      return { kind: 'object', object: normalizeClusterNetworkPolicy(raw, c) };
    case 'CiliumNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy':
      return { kind: 'object', object: normalizeCiliumPolicy(kind, raw, c) };
    case 'Ingress': case 'Gateway': case 'HTTPRoute': case 'GRPCRoute': case 'TLSRoute': case 'TCPRoute':
      return normalizeEntry(kind, raw, meta, c);
    case 'ValidatingWebhookConfiguration':
    case 'MutatingWebhookConfiguration':
    case 'CustomResourceDefinition':
      return { kind: 'object', object: normalizeWebhookConfiguration(kind, raw, meta, c) };
    case 'ServiceCIDR':
      return { kind: 'object', object: normalizeServiceCidr(raw, meta, c) };
    default: {
      const { workload, templatePod } = normalizeWorkload(kind, raw, meta, c);
      return { kind: 'object', object: workload, ...(templatePod ? { templatePod } : {}) };
    }
  }
}
