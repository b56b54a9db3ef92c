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
  ipProblem,
  ciliumLabelKeyProblem,
  labelKeyProblem,
  labelValueProblem,
  NAMESPACE_NAME_LABEL,
  portProblem,
  objectRef,
  hostnameProblem,
  type AdminAction,
  type BackendRef,
  type GatewayListener,
  type IngressInfo,
  type RouteKind,
  type RouteNamespaces,
  type RouteParent,
  type AdminNetworkPolicyInfo,
  type AdminPeer,
  type AdminPodsSelector,
  type AdminPort,
  type AdminRule,
  type AdminSubject,
  type CalicoEntityRule,
  type CalicoPolicyInfo,
  type CalicoPort,
  type CalicoRule,
  type CalicoTierInfo,
  type StagedPolicyInfo,
  type CiliumNetworkPolicyInfo,
  type CiliumPolicySpec,
  type CiliumPort,
  type CiliumPortRule,
  type CiliumRule,
  type ContainerPort,
  type EndpointInfo,
  type EndpointSliceInfo,
  type IPBlock,
  type InventoryObject,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Labels,
  type NamespaceInfo,
  type NetworkPolicyInfo,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type NetworkPolicyRule,
  type NodeInfo,
  type OwnerRef,
  type PodInfo,
  type PolicyType,
  type Protocol,
  type SelectorOperator,
  type ServiceInfo,
  type ServicePort,
  type ServiceType,
  type SourceLocation,
  type Warning,
  type ServiceCidrInfo,
  type WebhookConfigurationInfo,
  type WebhookInfo,
  type WorkloadInfo,
  type WorkloadKind,
} from '../../generator/model/index.ts';
import { CalicoSelectorError, parseCalicoSelector } from '../../generator/semantics/kinds/calico-selector.ts';

/** Objects that make the API server call webhooks (cluster-scoped). */
export const WEBHOOK_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'CustomResourceDefinition'] as const;

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

export type OwnerWorkloadKind = Exclude<WorkloadKind, 'Pod'>;
export const OWNER_KINDS: readonly OwnerWorkloadKind[] = [
  'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob',
];

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

export type NormalizeOutcome =
  | {
      readonly kind: 'object';
      readonly object: InventoryObject;
      /** For workloads: the representative pod made from the pod template. */
      readonly templatePod?: PodInfo;
      /** Harmless defects: the parts named here were left out, the rest was read. */
      readonly warnings?: readonly Warning[];
    }
  | { readonly kind: 'skipped'; readonly warning: Warning }
  | { readonly kind: 'invalid'; readonly error: InputError };

type Obj = Record<string, unknown>;

/** Thrown inside the normalizer, turned into an `invalid` outcome at its door. */
class Malformed extends Error {}

/**
 * Parts of an object dropped as harmless defects (an owner reference without kind, a
 * container port without a number, an unreadable timestamp): kubectl and the API server's
 * readers skip them too, and nothing policy evaluation depends on is lost. Each becomes a
 * warning naming the field.
 */
type Defects = string[];

/** Reads an optional part; a defect in it drops that part only (and is noted). */
function lenient<T>(defects: Defects, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    defects.push(error.message);
    return undefined;
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field that client-node may rename (`from` -> `_from`). */
function pick(o: Obj, name: string): unknown {
  return o[name] !== undefined ? o[name] : o[`_${name}`];
}

function optObj(v: unknown, what: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Malformed(`${what} must be an object`);
  return v;
}

function optArr(v: unknown, what: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new Malformed(`${what} must be a list`);
  return v;
}

function optStr(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Malformed(`${what} must be a string`);
  return v;
}

function optBool(v: unknown, what: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Malformed(`${what} must be true or false`);
  return v;
}

function optInt(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Malformed(`${what} must be an integer`);
  return v;
}

function intOrString(v: unknown, what: string): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new Malformed(`${what} must be an integer or a port name`);
}

function strList(v: unknown, what: string): string[] {
  const list = optArr(v, what) ?? [];
  return list.map((x, i) => {
    if (typeof x !== 'string') throw new Malformed(`${what}[${i}] must be a string`);
    return x;
  });
}

function protocol(v: unknown, what: string): Protocol | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'TCP' || v === 'UDP' || v === 'SCTP') return v;
  throw new Malformed(`${what} must be TCP, UDP or SCTP (got ${JSON.stringify(v)})`);
}

/** A string map (annotations: any text). */
function stringMap(v: unknown, what: string): Labels | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') {
      throw new Malformed(`${what}.${k} must be a string (quote it in YAML: "${String(val)}")`);
    }
    out[k] = val;
  }
  return out;
}

/** Labels (and matchLabels): a string map whose keys and values follow Kubernetes' label rules. */
type KeyRule = (key: string) => string | undefined;

function labelMap(v: unknown, what: string, keyRule: KeyRule = labelKeyProblem): Labels | undefined {
  const out = stringMap(v, what);
  for (const [k, val] of Object.entries(out ?? {})) rule(keyRule(k) ?? labelValueProblem(val), what);
  return out;
}

/** Throws Malformed for a value that breaks a rule of generator/model/validate.ts. */
function rule(problem: string | undefined, what: string): void {
  if (problem !== undefined) throw new Malformed(`${what}: ${problem}`);
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * A label selector, keeping `{}` (everything) distinct from absent (undefined). `keyRule` checks
 * its keys (Cilium's selectors prefix them with a label source).
 */
export function normalizeSelector(v: unknown, what: string, keyRule: KeyRule = labelKeyProblem): LabelSelector | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  const matchLabels = labelMap(o.matchLabels, `${what}.matchLabels`, keyRule);
  const exprs = optArr(o.matchExpressions, `${what}.matchExpressions`);
  const matchExpressions = exprs?.map((e, i): LabelSelectorRequirement => {
    const w = `${what}.matchExpressions[${i}]`;
    if (!isObj(e)) throw new Malformed(`${w} must be an object`);
    const key = optStr(e.key, `${w}.key`);
    if (key === undefined) throw new Malformed(`${w}.key is required`);
    rule(keyRule(key), w);
    const operator = e.operator;
    if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
      throw new Malformed(`${w}.operator must be one of ${OPERATORS.join(', ')} (got ${JSON.stringify(operator)})`);
    }
    const values = e.values === undefined || e.values === null ? undefined : strList(e.values, `${w}.values`);
    for (const value of values ?? []) rule(labelValueProblem(value), `${w}.values`);
    return values === undefined ? { key, operator: operator as SelectorOperator } : { key, operator: operator as SelectorOperator, values };
  });
  const sel: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] } = {};
  if (matchLabels !== undefined) sel.matchLabels = matchLabels;
  if (matchExpressions !== undefined) sel.matchExpressions = matchExpressions;
  return sel;
}

/** ms since epoch from a Date (typed models), an RFC 3339 string (JSON) or a number. */
export function toMillis(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new Malformed(`${what} must be a timestamp (RFC 3339)`);
}

function ownerRefs(meta: Obj, defects: Defects): OwnerRef[] {
  const refs = lenient(defects, () => optArr(meta.ownerReferences, 'metadata.ownerReferences')) ?? [];
  const out: OwnerRef[] = [];
  refs.forEach((r, i) => {
    const ref = lenient(defects, () => ownerRef(r, i));
    if (ref) out.push(ref);
  });
  return out;
}

function ownerRef(r: unknown, i: number): OwnerRef {
  const w = `metadata.ownerReferences[${i}]`;
  if (!isObj(r)) throw new Malformed(`${w} must be an object`);
  const kind = optStr(r.kind, `${w}.kind`);
  const name = optStr(r.name, `${w}.name`);
  if (!kind || !name) throw new Malformed(`${w} needs kind and name`);
  const uid = optStr(r.uid, `${w}.uid`);
  const controller = optBool(r.controller, `${w}.controller`);
  return { kind, name, ...(uid !== undefined ? { uid } : {}), ...(controller !== undefined ? { controller } : {}) };
}

/**
 * The controller ownerReference. Hand-written data often forgets `controller: true`, so a
 * lone ownerReference counts as the controller too.
 */
function controllerOf(meta: Obj, defects: Defects): OwnerRef | undefined {
  const refs = ownerRefs(meta, defects);
  return refs.find((r) => r.controller === true) ?? (refs.length === 1 && refs[0].controller !== false ? refs[0] : undefined);
}

interface Ctx {
  readonly cluster: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly source: SourceLocation;
  readonly defects: Defects;
}

function base(meta: Obj, ctx: Ctx) {
  const labels = labelMap(meta.labels, 'metadata.labels') ?? {};
  const annotations = stringMap(meta.annotations, 'metadata.annotations');
  const uid = optStr(meta.uid, 'metadata.uid');
  return {
    cluster: ctx.cluster,
    name: ctx.name,
    labels,
    ...(uid !== undefined ? { uid } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// Pods and pod templates

function podSpecFacts(spec: Obj | undefined, where: string, defects: Defects) {
  const containers = [
    ...(optArr(spec?.containers, `${where}.containers`) ?? []),
    ...(optArr(spec?.initContainers, `${where}.initContainers`) ?? []),
  ];
  const ports: ContainerPort[] = [];
  const images: string[] = [];
  let privileged = false;
  containers.forEach((c, i) => {
    const w = `${where}.containers[${i}]`;
    if (!isObj(c)) throw new Malformed(`${w} must be an object`);
    const image = lenient(defects, () => optStr(c.image, `${w}.image`));
    if (image) images.push(image);
    for (const [j, p] of (lenient(defects, () => optArr(c.ports, `${w}.ports`)) ?? []).entries()) {
      const port = lenient(defects, () => containerPortOf(p, `${w}.ports[${j}]`));
      if (port) ports.push(port);
    }
    const sc = optObj(c.securityContext, `${w}.securityContext`);
    if (sc) {
      if (sc.privileged === true) privileged = true;
      const caps = optObj(sc.capabilities, `${w}.securityContext.capabilities`);
      const add = strList(caps?.add, `${w}.securityContext.capabilities.add`);
      if (add.some((cap) => /^(CAP_)?NET_(ADMIN|RAW)$/i.test(cap))) privileged = true;
    }
  });
  const hostNetwork = optBool(spec?.hostNetwork, `${where}.hostNetwork`) ?? false;
  const serviceAccount = optStr(spec?.serviceAccountName, `${where}.serviceAccountName`)
    ?? optStr(spec?.serviceAccount, `${where}.serviceAccount`);
  const nodeName = optStr(spec?.nodeName, `${where}.nodeName`);
  const hostPath = (optArr(spec?.volumes, `${where}.volumes`) ?? []).some((v) => isObj(v) && isObj(v.hostPath));
  return { ports, privileged, hostNetwork, serviceAccount, nodeName, images: [...new Set(images)], hostPath };
}

function containerPortOf(p: unknown, pw: string): ContainerPort {
  if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
  const containerPort = optInt(p.containerPort, `${pw}.containerPort`);
  if (containerPort === undefined) throw new Malformed(`${pw} has no containerPort`);
  rule(containerPort === 0 ? '0 is not a container port: expected 1 to 65535' : portProblem(containerPort), `${pw}.containerPort`);
  const name = optStr(p.name, `${pw}.name`);
  return { ...(name !== undefined ? { name } : {}), containerPort, protocol: protocol(p.protocol, `${pw}.protocol`) ?? 'TCP' };
}

function ipList(list: unknown, single: unknown, what: string): string[] {
  const arr = optArr(list, what);
  if (arr && arr.length > 0) {
    return arr.map((x, i) => {
      if (isObj(x) && typeof x.ip === 'string') {
        rule(ipProblem(x.ip), `${what}[${i}].ip`);
        return x.ip;
      }
      throw new Malformed(`${what}[${i}].ip must be a string`);
    });
  }
  const one = optStr(single, what.replace(/s$/, ''));
  if (one) rule(ipProblem(one), what.replace(/s$/, ''));
  return one ? [one] : [];
}

function normalizePod(o: Obj, meta: Obj, ctx: Ctx): PodInfo {
  const spec = optObj(o.spec, 'spec');
  const status = optObj(o.status, 'status');
  const facts = podSpecFacts(spec, 'spec', ctx.defects);
  const owner = controllerOf(meta, ctx.defects);
  const phase = optStr(status?.phase, 'status.phase');
  const time = (v: unknown, what: string): number | undefined => lenient(ctx.defects, () => toMillis(v, what));
  const startTime = time(status?.startTime, 'status.startTime') ?? time(meta.creationTimestamp, 'metadata.creationTimestamp');
  const endTime = time(meta.deletionTimestamp, 'metadata.deletionTimestamp');
  return {
    kind: 'Pod',
    ...base(meta, ctx),
    namespace: ctx.namespace!,
    ips: ipList(status?.podIPs, status?.podIP, 'status.podIPs'),
    hostIPs: ipList(status?.hostIPs, status?.hostIP, 'status.hostIPs'),
    ...(facts.nodeName !== undefined ? { nodeName: facts.nodeName } : {}),
    hostNetwork: facts.hostNetwork,
    privileged: facts.privileged,
    ...(facts.hostPath ? { hostPath: true } : {}),
    ...(facts.images.length > 0 ? { images: facts.images } : {}),
    ports: facts.ports,
    ...(owner ? { owner } : {}),
    ...(facts.serviceAccount !== undefined ? { serviceAccount: facts.serviceAccount } : {}),
    ...(phase !== undefined ? { phase } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
  };
}

/** The pod template of a workload kind (CronJob nests it in its job template). */
function podTemplateOf(kind: OwnerWorkloadKind, spec: Obj | undefined): Obj | undefined {
  if (kind === 'CronJob') {
    const jt = optObj(spec?.jobTemplate, 'spec.jobTemplate');
    const jspec = optObj(jt?.spec, 'spec.jobTemplate.spec');
    return optObj(jspec?.template, 'spec.jobTemplate.spec.template');
  }
  return optObj(spec?.template, 'spec.template');
}

function normalizeWorkload(kind: OwnerWorkloadKind, o: Obj, meta: Obj, ctx: Ctx): { workload: WorkloadInfo; templatePod?: PodInfo } {
  const spec = optObj(o.spec, 'spec');
  let selector: LabelSelector | undefined;
  if (kind === 'ReplicationController') {
    // ReplicationController's selector is a plain label map.
    const m = labelMap(spec?.selector, 'spec.selector');
    selector = m ? { matchLabels: m } : undefined;
  } else if (kind !== 'CronJob') {
    selector = normalizeSelector(spec?.selector, 'spec.selector');
  }
  const template = podTemplateOf(kind, spec);
  const tmeta = optObj(template?.metadata, 'spec.template.metadata');
  const templateLabels = labelMap(tmeta?.labels, 'spec.template.metadata.labels');
  const replicas = optInt(spec?.replicas, 'spec.replicas');
  const owner = controllerOf(meta, ctx.defects);
  const b = base(meta, ctx);
  const workload: WorkloadInfo = {
    kind: 'Workload',
    workloadKind: kind,
    ...b,
    namespace: ctx.namespace!,
    ...(selector !== undefined ? { selector } : {}),
    ...(owner ? { owner } : {}),
    ...(templateLabels !== undefined ? { templateLabels } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
  };
  if (!template) return { workload };
  const tspec = optObj(template.spec, 'spec.template.spec');
  const facts = podSpecFacts(tspec, 'spec.template.spec', ctx.defects);
  const name = `${ctx.name}-template`;
  const templatePod: PodInfo = {
    kind: 'Pod',
    cluster: ctx.cluster,
    namespace: ctx.namespace!,
    name,
    labels: templateLabels ?? {},
    source: { ...ctx.source, object: objectRef(ctx.cluster, 'Pod', name, ctx.namespace) },
    ips: [],
    hostIPs: [],
    hostNetwork: facts.hostNetwork,
    privileged: facts.privileged,
    ...(facts.hostPath ? { hostPath: true } : {}),
    ...(facts.images.length > 0 ? { images: facts.images } : {}),
    ports: facts.ports,
    owner: { kind, name: ctx.name, controller: true, ...(b.uid !== undefined ? { uid: b.uid } : {}) },
    ...(facts.serviceAccount !== undefined ? { serviceAccount: facts.serviceAccount } : {}),
    fromTemplate: true,
  };
  return { workload, templatePod };
}

// ---------------------------------------------------------------------------------------------
// Services, endpoints, nodes, namespaces

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

function servicePort(p: unknown, w: string): ServicePort {
  if (!isObj(p)) throw new Malformed(`${w} must be an object`);
  const port = optInt(p.port, `${w}.port`);
  if (port === undefined) throw new Malformed(`${w} has no port`);
  const name = optStr(p.name, `${w}.name`);
  const nodePort = optInt(p.nodePort, `${w}.nodePort`);
  return {
    ...(name !== undefined ? { name } : {}),
    protocol: protocol(p.protocol, `${w}.protocol`) ?? 'TCP',
    port,
    // The API defaults targetPort to port.
    targetPort: intOrString(p.targetPort, `${w}.targetPort`) ?? port,
    ...(nodePort !== undefined ? { nodePort } : {}),
  };
}

function normalizeService(o: Obj, meta: Obj, ctx: Ctx): ServiceInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const status = optObj(o.status, 'status');
  const type = optStr(spec.type, 'spec.type') ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new Malformed(`spec.type must be one of ${SERVICE_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
  }
  const ips = strList(spec.clusterIPs, 'spec.clusterIPs');
  const one = optStr(spec.clusterIP, 'spec.clusterIP');
  const clusterIPs = (ips.length > 0 ? ips : one ? [one] : []).filter((ip) => ip !== 'None' && ip !== '');
  const lb = optObj(status?.loadBalancer, 'status.loadBalancer');
  const loadBalancerIPs: string[] = [];
  for (const [i, ing] of (optArr(lb?.ingress, 'status.loadBalancer.ingress') ?? []).entries()) {
    if (!isObj(ing)) throw new Malformed(`status.loadBalancer.ingress[${i}] must be an object`);
    const ip = optStr(ing.ip, `status.loadBalancer.ingress[${i}].ip`);
    if (ip) loadBalancerIPs.push(ip);
  }
  const lbIP = optStr(spec.loadBalancerIP, 'spec.loadBalancerIP');
  if (lbIP && !loadBalancerIPs.includes(lbIP)) loadBalancerIPs.push(lbIP);
  const ports: ServicePort[] = [];
  (optArr(spec.ports, 'spec.ports') ?? []).forEach((p, i) => {
    const port = lenient(ctx.defects, () => servicePort(p, `spec.ports[${i}]`));
    if (port) ports.push(port);
  });
  const selector = labelMap(spec.selector, 'spec.selector');
  const externalName = optStr(spec.externalName, 'spec.externalName');
  const sourceRanges = strList(spec.loadBalancerSourceRanges, 'spec.loadBalancerSourceRanges');
  return {
    kind: 'Service',
    ...base(meta, ctx),
    namespace: ctx.namespace!,
    type: type as ServiceType,
    clusterIPs,
    externalIPs: strList(spec.externalIPs, 'spec.externalIPs'),
    loadBalancerIPs,
    ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: sourceRanges } : {}),
    ...(selector !== undefined ? { selector } : {}),
    ports,
    ...(externalName !== undefined ? { externalName } : {}),
  };
}

function normalizeEndpointSlice(o: Obj, meta: Obj, ctx: Ctx): EndpointSliceInfo {
  const b = base(meta, ctx);
  const endpoints = (optArr(o.endpoints, 'endpoints') ?? []).map((e, i): EndpointInfo => {
    const w = `endpoints[${i}]`;
    if (!isObj(e)) throw new Malformed(`${w} must be an object`);
    const conditions = optObj(e.conditions, `${w}.conditions`);
    const ready = optBool(conditions?.ready, `${w}.conditions.ready`);
    const nodeName = optStr(e.nodeName, `${w}.nodeName`);
    const tr = optObj(e.targetRef, `${w}.targetRef`);
    let targetRef: EndpointInfo['targetRef'];
    if (tr) {
      const kind = optStr(tr.kind, `${w}.targetRef.kind`) ?? 'Pod';
      const name = optStr(tr.name, `${w}.targetRef.name`);
      const namespace = optStr(tr.namespace, `${w}.targetRef.namespace`);
      if (name) targetRef = { kind, name, ...(namespace !== undefined ? { namespace } : {}) };
    }
    return {
      addresses: strList(e.addresses, `${w}.addresses`),
      ...(ready !== undefined ? { ready } : {}),
      ...(nodeName !== undefined ? { nodeName } : {}),
      ...(targetRef ? { targetRef } : {}),
    };
  });
  const ports = (optArr(o.ports, 'ports') ?? []).map((p, i) => {
    const w = `ports[${i}]`;
    if (!isObj(p)) throw new Malformed(`${w} must be an object`);
    const name = optStr(p.name, `${w}.name`);
    const port = optInt(p.port, `${w}.port`);
    return {
      ...(name !== undefined ? { name } : {}),
      ...(port !== undefined ? { port } : {}),
      protocol: protocol(p.protocol, `${w}.protocol`) ?? 'TCP',
    };
  });
  const serviceName = b.labels['kubernetes.io/service-name'];
  return {
    kind: 'EndpointSlice',
    ...b,
    namespace: ctx.namespace!,
    ...(serviceName !== undefined ? { serviceName } : {}),
    endpoints,
    ports,
  };
}

function normalizeNode(o: Obj, meta: Obj, ctx: Ctx): NodeInfo {
  const spec = optObj(o.spec, 'spec');
  const status = optObj(o.status, 'status');
  const addresses: string[] = [];
  for (const [i, a] of (optArr(status?.addresses, 'status.addresses') ?? []).entries()) {
    if (!isObj(a)) throw new Malformed(`status.addresses[${i}] must be an object`);
    const type = optStr(a.type, `status.addresses[${i}].type`);
    const address = optStr(a.address, `status.addresses[${i}].address`);
    // Hostname and DNS entries are names, not addresses a flow can carry.
    if (address && (type === 'InternalIP' || type === 'ExternalIP') && !addresses.includes(address)) addresses.push(address);
  }
  const cidrs = strList(spec?.podCIDRs, 'spec.podCIDRs');
  const one = optStr(spec?.podCIDR, 'spec.podCIDR');
  return { kind: 'Node', ...base(meta, ctx), addresses, podCIDRs: cidrs.length > 0 ? cidrs : one ? [one] : [] };
}

function normalizeNamespace(meta: Obj, ctx: Ctx): NamespaceInfo {
  const b = base(meta, ctx);
  // The API server sets this label on every Namespace; dumps and manifests may lack it.
  const labels = b.labels[NAMESPACE_NAME_LABEL] === undefined ? { ...b.labels, [NAMESPACE_NAME_LABEL]: ctx.name } : b.labels;
  return { kind: 'Namespace', ...b, labels };
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicy

function npPeer(p: unknown, w: string): NetworkPolicyPeer {
  if (!isObj(p)) throw new Malformed(`${w} must be an object`);
  const podSelector = normalizeSelector(p.podSelector, `${w}.podSelector`);
  const namespaceSelector = normalizeSelector(p.namespaceSelector, `${w}.namespaceSelector`);
  const ib = optObj(p.ipBlock, `${w}.ipBlock`);
  let ipBlock: IPBlock | undefined;
  if (ib) {
    const cidr = optStr(ib.cidr, `${w}.ipBlock.cidr`);
    if (cidr === undefined) throw new Malformed(`${w}.ipBlock.cidr is required`);
    const exc = pick(ib, 'except');
    ipBlock = exc === undefined || exc === null ? { cidr } : { cidr, except: strList(exc, `${w}.ipBlock.except`) };
  }
  return {
    ...(podSelector !== undefined ? { podSelector } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    ...(ipBlock !== undefined ? { ipBlock } : {}),
  };
}

function npPort(p: unknown, w: string): NetworkPolicyPort {
  if (!isObj(p)) throw new Malformed(`${w} must be an object`);
  const proto = protocol(p.protocol, `${w}.protocol`);
  const port = intOrString(p.port, `${w}.port`);
  const endPort = optInt(p.endPort, `${w}.endPort`);
  return {
    ...(proto !== undefined ? { protocol: proto } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(endPort !== undefined ? { endPort } : {}),
  };
}

function npRules(v: unknown, peerField: 'from' | 'to', w: string): NetworkPolicyRule[] | undefined {
  const rules = optArr(v, w);
  return rules?.map((r, i): NetworkPolicyRule => {
    const rw = `${w}[${i}]`;
    if (r === null) return {}; // `- ` in YAML: an empty rule
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const peers = optArr(pick(r, peerField), `${rw}.${peerField}`)?.map((p, j) => npPeer(p, `${rw}.${peerField}[${j}]`));
    const ports = optArr(r.ports, `${rw}.ports`)?.map((p, j) => npPort(p, `${rw}.ports[${j}]`));
    return { ...(peers !== undefined ? { peers } : {}), ...(ports !== undefined ? { ports } : {}) };
  });
}

function normalizeNetworkPolicy(o: Obj, meta: Obj, ctx: Ctx): NetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const b = base(meta, ctx);
  const types = spec.policyTypes === undefined || spec.policyTypes === null ? undefined : strList(spec.policyTypes, 'spec.policyTypes');
  types?.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') throw new Malformed(`spec.policyTypes[${i}] must be Ingress or Egress (got ${JSON.stringify(t)})`);
  });
  const ingress = npRules(spec.ingress, 'from', 'spec.ingress');
  const egress = npRules(spec.egress, 'to', 'spec.egress');
  return {
    kind: 'NetworkPolicy',
    cluster: ctx.cluster,
    namespace: ctx.namespace!,
    name: ctx.name,
    labels: b.labels,
    ...(b.annotations !== undefined ? { annotations: b.annotations } : {}),
    // podSelector is required by the API; a missing one is treated as `{}` (all pods).
    podSelector: normalizeSelector(spec.podSelector, 'spec.podSelector') ?? {},
    ...(types !== undefined ? { policyTypes: types as PolicyType[] } : {}),
    ...(ingress !== undefined ? { ingress } : {}),
    ...(egress !== undefined ? { egress } : {}),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)

function adminPods(v: unknown, w: string): AdminPodsSelector {
  const o = optObj(v, w)!;
  return {
    namespaceSelector: normalizeSelector(o.namespaceSelector, `${w}.namespaceSelector`) ?? {},
    podSelector: normalizeSelector(o.podSelector, `${w}.podSelector`) ?? {},
  };
}

function adminSubject(v: unknown): AdminSubject {
  const s = optObj(v, 'spec.subject');
  if (!s) throw new Malformed('spec.subject is required (namespaces or pods)');
  if (s.namespaces !== undefined && s.namespaces !== null) return { namespaces: normalizeSelector(s.namespaces, 'spec.subject.namespaces') ?? {} };
  if (s.pods !== undefined && s.pods !== null) return { pods: adminPods(s.pods, 'spec.subject.pods') };
  throw new Malformed('spec.subject must set namespaces or pods');
}

function adminPeers(v: unknown, w: string): AdminPeer[] {
  const out: AdminPeer[] = [];
  (optArr(v, w) ?? []).forEach((p, i) => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const before = out.length;
    if (p.namespaces !== undefined && p.namespaces !== null) out.push({ kind: 'namespaces', namespaces: normalizeSelector(p.namespaces, `${pw}.namespaces`) ?? {} });
    if (p.pods !== undefined && p.pods !== null) out.push({ kind: 'pods', pods: adminPods(p.pods, `${pw}.pods`) });
    if (p.networks !== undefined && p.networks !== null) out.push({ kind: 'networks', networks: strList(p.networks, `${pw}.networks`) });
    if (p.nodes !== undefined && p.nodes !== null) out.push({ kind: 'nodes', nodes: normalizeSelector(p.nodes, `${pw}.nodes`) ?? {} });
    if (out.length === before) throw new Malformed(`${pw} must set one of namespaces, pods, networks, nodes`);
  });
  return out;
}

function adminPorts(v: unknown, w: string): AdminPort[] | undefined {
  return optArr(v, w)?.map((p, i): AdminPort => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    if (p.portNumber !== undefined && p.portNumber !== null) {
      const n = optObj(p.portNumber, `${pw}.portNumber`)!;
      const port = optInt(n.port, `${pw}.portNumber.port`);
      if (port === undefined) throw new Malformed(`${pw}.portNumber.port is required`);
      return { kind: 'portNumber', protocol: protocol(n.protocol, `${pw}.portNumber.protocol`) ?? 'TCP', port };
    }
    if (p.namedPort !== undefined && p.namedPort !== null) {
      return { kind: 'namedPort', name: optStr(p.namedPort, `${pw}.namedPort`)! };
    }
    if (p.portRange !== undefined && p.portRange !== null) {
      const r = optObj(p.portRange, `${pw}.portRange`)!;
      const start = optInt(r.start, `${pw}.portRange.start`);
      const end = optInt(r.end, `${pw}.portRange.end`);
      if (start === undefined || end === undefined) throw new Malformed(`${pw}.portRange needs start and end`);
      return { kind: 'portRange', protocol: protocol(r.protocol, `${pw}.portRange.protocol`) ?? 'TCP', start, end };
    }
    throw new Malformed(`${pw} must set one of portNumber, namedPort, portRange`);
  });
}

const ADMIN_ACTIONS: readonly AdminAction[] = ['Allow', 'Deny', 'Pass'];

function adminRules(v: unknown, peerField: 'from' | 'to', w: string): AdminRule[] {
  return (optArr(v, w) ?? []).map((r, i): AdminRule => {
    const rw = `${w}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const action = optStr(r.action, `${rw}.action`);
    if (action === undefined || !(ADMIN_ACTIONS as readonly string[]).includes(action)) {
      throw new Malformed(`${rw}.action must be Allow, Deny or Pass (got ${JSON.stringify(action)})`);
    }
    const ports = adminPorts(r.ports, `${rw}.ports`);
    return {
      name: optStr(r.name, `${rw}.name`) ?? '',
      action: action as AdminAction,
      peers: adminPeers(pick(r, peerField), `${rw}.${peerField}`),
      ...(ports !== undefined ? { ports } : {}),
    };
  });
}

function normalizeAdminPolicy(kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy', o: Obj, ctx: Ctx): AdminNetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const priority = optInt(spec.priority, 'spec.priority');
  return {
    kind,
    cluster: ctx.cluster,
    name: ctx.name,
    ...(priority !== undefined ? { priority } : {}),
    subject: adminSubject(spec.subject),
    ingress: adminRules(spec.ingress, 'from', 'spec.ingress'),
    egress: adminRules(spec.egress, 'to', 'spec.egress'),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, network-policy-api v0.2.0)

/** `protocols`: one of tcp/udp/sctp with a destinationPort (number or range), or destinationNamedPort. */
function cnpProtocols(v: unknown, w: string): AdminPort[] | undefined {
  return optArr(v, w)?.map((p, i): AdminPort => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const set = ['tcp', 'udp', 'sctp', 'destinationNamedPort'].filter((k) => p[k] !== undefined && p[k] !== null);
    if (set.length !== 1) throw new Malformed(`${pw} must set exactly one of tcp, udp, sctp, destinationNamedPort (got ${set.length ? set.join(', ') : 'none'})`);
    if (set[0] === 'destinationNamedPort') return { kind: 'namedPort', name: optStr(p.destinationNamedPort, `${pw}.destinationNamedPort`)! };
    const proto = set[0].toUpperCase() as Protocol;
    const pp = optObj(p[set[0]], `${pw}.${set[0]}`)!;
    const dp = optObj(pp.destinationPort, `${pw}.${set[0]}.destinationPort`);
    if (!dp) throw new Malformed(`${pw}.${set[0]}.destinationPort is required (number or range)`);
    const dw = `${pw}.${set[0]}.destinationPort`;
    const number = optInt(dp.number, `${dw}.number`);
    const range = optObj(dp.range, `${dw}.range`);
    if ((number === undefined) === (range === undefined)) throw new Malformed(`${dw} must set exactly one of number, range`);
    if (number !== undefined) return { kind: 'portNumber', protocol: proto, port: number };
    const start = optInt(range!.start, `${dw}.range.start`);
    const end = optInt(range!.end, `${dw}.range.end`);
    if (start === undefined || end === undefined) throw new Malformed(`${dw}.range needs start and end`);
    return { kind: 'portRange', protocol: proto, start, end };
  });
}

function cnpPeers(v: unknown, w: string, direction: 'ingress' | 'egress'): AdminPeer[] {
  const allowed = direction === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'];
  return (optArr(v, w) ?? []).map((p, i): AdminPeer => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const set = Object.keys(p).filter((k) => p[k] !== undefined && p[k] !== null);
    // One field per peer (the API's MaxProperties=1); an unknown one means a newer API version.
    if (set.length !== 1 || !allowed.includes(set[0])) {
      throw new Malformed(`${pw} must set exactly one of ${allowed.join(', ')} (got ${set.length ? set.join(', ') : 'none'})`);
    }
    switch (set[0]) {
      case 'namespaces':
        return { kind: 'namespaces', namespaces: normalizeSelector(p.namespaces, `${pw}.namespaces`) ?? {} };
      case 'pods':
        return { kind: 'pods', pods: adminPods(p.pods, `${pw}.pods`) };
      case 'nodes':
        return { kind: 'nodes', nodes: normalizeSelector(p.nodes, `${pw}.nodes`) ?? {} };
      case 'networks':
        return { kind: 'networks', networks: strList(p.networks, `${pw}.networks`) };
      default:
        return { kind: 'domainNames', domainNames: strList(p.domainNames, `${pw}.domainNames`) };
    }
  });
}

const CNP_ACTIONS: readonly AdminAction[] = ['Accept', 'Deny', 'Pass'];

function cnpRules(v: unknown, direction: 'ingress' | 'egress'): AdminRule[] {
  const w = `spec.${direction}`;
  const peerField = direction === 'ingress' ? 'from' : 'to';
  return (optArr(v, w) ?? []).map((r, i): AdminRule => {
    const rw = `${w}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const action = optStr(r.action, `${rw}.action`);
    if (action === undefined || !(CNP_ACTIONS as readonly string[]).includes(action)) {
      throw new Malformed(`${rw}.action must be Accept, Deny or Pass (got ${JSON.stringify(action)})`);
    }
    const ports = cnpProtocols(r.protocols, `${rw}.protocols`);
    return {
      name: optStr(r.name, `${rw}.name`) ?? '',
      action: action as AdminAction,
      peers: cnpPeers(pick(r, peerField), `${rw}.${peerField}`, direction),
      ...(ports !== undefined ? { ports } : {}),
    };
  });
}

function normalizeClusterNetworkPolicy(o: Obj, ctx: Ctx): AdminNetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const tier = optStr(spec.tier, 'spec.tier');
  if (tier !== 'Admin' && tier !== 'Baseline') throw new Malformed(`spec.tier must be Admin or Baseline (got ${JSON.stringify(tier)})`);
  const priority = optInt(spec.priority, 'spec.priority');
  return {
    kind: 'ClusterNetworkPolicy',
    cluster: ctx.cluster,
    name: ctx.name,
    tier,
    ...(priority !== undefined ? { priority } : {}),
    subject: adminSubject(spec.subject),
    ingress: cnpRules(spec.ingress, 'ingress'),
    egress: cnpRules(spec.egress, 'egress'),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (cilium.io/v2), L3/L4

/** Rule fields netatlas reads but does not evaluate; validation names each one as a warning. */
const CILIUM_UNEVALUATED = ['toServices', 'fromRequires', 'toRequires', 'icmps', 'fromNodes', 'toNodes', 'fromGroups', 'toGroups', 'authentication'];

function ciliumPorts(v: unknown, w: string): CiliumPortRule[] | undefined {
  return optArr(v, w)?.map((pr, i): CiliumPortRule => {
    const pw = `${w}[${i}]`;
    if (!isObj(pr)) throw new Malformed(`${pw} must be an object`);
    const ports = optArr(pr.ports, `${pw}.ports`)?.map((p, j): CiliumPort => {
      const qw = `${pw}.ports[${j}]`;
      if (!isObj(p)) throw new Malformed(`${qw} must be an object`);
      const raw = intOrString(p.port, `${qw}.port`);
      const port = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      const endPort = optInt(p.endPort, `${qw}.endPort`);
      const proto = optStr(p.protocol, `${qw}.protocol`);
      if (proto !== undefined && !['TCP', 'UDP', 'SCTP', 'ANY'].includes(proto)) throw new Malformed(`${qw}.protocol must be TCP, UDP, SCTP or ANY (got ${JSON.stringify(proto)})`);
      return {
        ...(port !== undefined && port !== 0 ? { port } : {}),
        ...(endPort !== undefined && endPort !== 0 ? { endPort } : {}),
        ...(proto !== undefined ? { protocol: proto as CiliumPort['protocol'] } : {}),
      };
    });
    const rules = optObj(pr.rules, `${pw}.rules`);
    const l7 = rules ? Object.keys(rules).filter((k) => rules[k] !== null && rules[k] !== undefined) : [];
    return { ...(ports !== undefined ? { ports } : {}), ...(l7.length > 0 ? { l7 } : {}) };
  });
}

function ciliumRules(v: unknown, w: string, direction: 'ingress' | 'egress'): CiliumRule[] | undefined {
  const p = direction === 'ingress' ? 'from' : 'to';
  return optArr(v, w)?.map((r, i): CiliumRule => {
    const rw = `${w}[${i}]`;
    if (r === null) return {};
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const endpoints = optArr(r[`${p}Endpoints`], `${rw}.${p}Endpoints`)?.map((s, j) => normalizeSelector(s, `${rw}.${p}Endpoints[${j}]`, ciliumLabelKeyProblem) ?? {});
    const entities = r[`${p}Entities`] === undefined || r[`${p}Entities`] === null ? undefined : strList(r[`${p}Entities`], `${rw}.${p}Entities`);
    const cidrs: IPBlock[] = strList(r[`${p}CIDR`], `${rw}.${p}CIDR`).map((cidr) => ({ cidr }));
    const unsupported = CILIUM_UNEVALUATED.filter((k) => r[k] !== undefined && r[k] !== null);
    (optArr(r[`${p}CIDRSet`], `${rw}.${p}CIDRSet`) ?? []).forEach((c, j) => {
      const cw = `${rw}.${p}CIDRSet[${j}]`;
      if (!isObj(c)) throw new Malformed(`${cw} must be an object`);
      const cidr = optStr(c.cidr, `${cw}.cidr`);
      if (cidr === undefined) {
        if (!unsupported.includes(`${p}CIDRSet.cidrGroupRef`)) unsupported.push(`${p}CIDRSet.cidrGroupRef`);
        return;
      }
      const except = c.except === undefined || c.except === null ? undefined : strList(c.except, `${cw}.except`);
      cidrs.push(except ? { cidr, except } : { cidr });
    });
    const fqdns = (optArr(r.toFQDNs, `${rw}.toFQDNs`) ?? []).map((f, j) => {
      const fw = `${rw}.toFQDNs[${j}]`;
      if (!isObj(f)) throw new Malformed(`${fw} must be an object`);
      const name = optStr(f.matchName, `${fw}.matchName`) ?? optStr(f.matchPattern, `${fw}.matchPattern`);
      if (name === undefined) throw new Malformed(`${fw} needs matchName or matchPattern`);
      return name;
    });
    const toPorts = ciliumPorts(r.toPorts, `${rw}.toPorts`);
    const hasCidr = r[`${p}CIDR`] !== undefined || r[`${p}CIDRSet`] !== undefined;
    return {
      ...(endpoints !== undefined ? { endpoints } : {}),
      ...(entities !== undefined ? { entities } : {}),
      ...(hasCidr ? { cidrs } : {}),
      ...(toPorts !== undefined ? { toPorts } : {}),
      ...(fqdns.length > 0 ? { fqdns } : {}),
      ...(unsupported.length > 0 ? { unsupported } : {}),
    };
  });
}

function ciliumSpec(v: unknown, w: string): CiliumPolicySpec {
  if (!isObj(v)) throw new Malformed(`${w} must be an object`);
  const endpointSelector = normalizeSelector(v.endpointSelector, `${w}.endpointSelector`, ciliumLabelKeyProblem);
  const nodeSelector = normalizeSelector(v.nodeSelector, `${w}.nodeSelector`, ciliumLabelKeyProblem);
  const dd = optObj(v.enableDefaultDeny, `${w}.enableDefaultDeny`);
  const ddIngress = optBool(dd?.ingress, `${w}.enableDefaultDeny.ingress`);
  const ddEgress = optBool(dd?.egress, `${w}.enableDefaultDeny.egress`);
  const rules = {
    ingress: ciliumRules(v.ingress, `${w}.ingress`, 'ingress'),
    egress: ciliumRules(v.egress, `${w}.egress`, 'egress'),
    ingressDeny: ciliumRules(v.ingressDeny, `${w}.ingressDeny`, 'ingress'),
    egressDeny: ciliumRules(v.egressDeny, `${w}.egressDeny`, 'egress'),
  };
  return {
    ...(endpointSelector !== undefined ? { endpointSelector } : {}),
    ...(nodeSelector !== undefined ? { nodeSelector } : {}),
    ...Object.fromEntries(Object.entries(rules).filter(([, r]) => r !== undefined)),
    ...(dd ? { enableDefaultDeny: { ...(ddIngress !== undefined ? { ingress: ddIngress } : {}), ...(ddEgress !== undefined ? { egress: ddEgress } : {}) } } : {}),
  };
}

function normalizeCiliumPolicy(kind: CiliumNetworkPolicyInfo['kind'], o: Obj, ctx: Ctx): CiliumNetworkPolicyInfo {
  const specs: CiliumPolicySpec[] = [];
  if (o.spec !== undefined && o.spec !== null) specs.push(ciliumSpec(o.spec, 'spec'));
  (optArr(o.specs, 'specs') ?? []).forEach((sp, i) => specs.push(ciliumSpec(sp, `specs[${i}]`)));
  if (specs.length === 0) throw new Malformed('has neither spec nor specs');
  return {
    kind,
    cluster: ctx.cluster,
    ...(kind === 'CiliumNetworkPolicy' ? { namespace: ctx.namespace! } : {}),
    name: ctx.name,
    specs,
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// Calico NetworkPolicy / GlobalNetworkPolicy / Tier (projectcalico.org/v3), L3/L4

/** Calico kinds read as policy, by their model kind; other projectcalico.org kinds are skipped with a warning. */
const CALICO_KINDS: Readonly<Record<string, CalicoKind>> = {
  NetworkPolicy: 'CalicoNetworkPolicy', GlobalNetworkPolicy: 'CalicoGlobalNetworkPolicy', Tier: 'CalicoTier',
  StagedNetworkPolicy: 'StagedNetworkPolicy', StagedGlobalNetworkPolicy: 'StagedGlobalNetworkPolicy', StagedKubernetesNetworkPolicy: 'StagedKubernetesNetworkPolicy',
};
type CalicoKind = 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy' | 'CalicoTier' | StagedPolicyInfo['kind'];
const CALICO_NAMESPACED = new Set<string>(['CalicoNetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy']);
/** Rule fields read but not evaluated: the rule then matches nothing, and validation names the field. */
const CALICO_RULE_UNEVALUATED = ['notProtocol', 'icmp', 'notICMP', 'http', 'ipVersion', 'metadata'];
const PROTOCOL_NUMBERS: Readonly<Record<string, Protocol>> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };

function calicoSelector(v: unknown, what: string): string | undefined {
  const sel = optStr(v, what);
  if (sel === undefined) return undefined;
  try {
    parseCalicoSelector(sel);
  } catch (error) {
    if (error instanceof CalicoSelectorError) throw new Malformed(`${what}: ${error.message}; write it in Calico's selector syntax (e.g. app == 'web' && has(tier))`);
    throw error;
  }
  return sel;
}

function calicoPorts(v: unknown, what: string): CalicoPort[] | undefined {
  return optArr(v, what)?.map((p, i): CalicoPort => {
    const w = `${what}[${i}]`;
    if (typeof p === 'number') {
      rule(portProblem(p), w);
      return { start: p, end: p };
    }
    if (typeof p !== 'string') throw new Malformed(`${w} must be a port number, a "from:to" range or a port name`);
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) {
      const start = Number(range[1]);
      const end = Number(range[2]);
      rule(portProblem(start), w);
      rule(portProblem(end), w);
      if (end < start) throw new Malformed(`${w} range ${p} ends before it starts: write it low:high`);
      return { start, end };
    }
    if (/^\d+$/.test(p)) {
      rule(portProblem(Number(p)), w);
      return { start: Number(p), end: Number(p) };
    }
    return { name: p };
  });
}

function calicoEntity(v: unknown, what: string, unsupported: string[]): CalicoEntityRule | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  for (const k of ['services']) if (o[k] !== undefined && o[k] !== null) unsupported.push(`${what}.${k}`);
  const sa = optObj(o.serviceAccounts, `${what}.serviceAccounts`);
  const saNames = sa ? strList(sa.names, `${what}.serviceAccounts.names`) : [];
  const saSelector = sa ? calicoSelector(sa.selector, `${what}.serviceAccounts.selector`) : undefined;
  const fields: CalicoEntityRule = {
    selector: calicoSelector(o.selector, `${what}.selector`),
    notSelector: calicoSelector(o.notSelector, `${what}.notSelector`),
    namespaceSelector: calicoSelector(o.namespaceSelector, `${what}.namespaceSelector`),
    serviceAccounts: sa ? { ...(sa.names !== undefined && sa.names !== null ? { names: saNames } : {}), ...(saSelector !== undefined ? { selector: saSelector } : {}) } : undefined,
    nets: o.nets === undefined || o.nets === null ? undefined : strList(o.nets, `${what}.nets`),
    notNets: o.notNets === undefined || o.notNets === null ? undefined : strList(o.notNets, `${what}.notNets`),
    ports: calicoPorts(o.ports, `${what}.ports`),
    notPorts: calicoPorts(o.notPorts, `${what}.notPorts`),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, x]) => x !== undefined)) as CalicoEntityRule;
}

function calicoRules(v: unknown, what: string): CalicoRule[] {
  return (optArr(v, what) ?? []).map((r, i): CalicoRule => {
    const w = `${what}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${w} must be an object`);
    const action = optStr(r.action, `${w}.action`);
    if (action !== 'Allow' && action !== 'Deny' && action !== 'Pass' && action !== 'Log') {
      throw new Malformed(`${w}.action must be Allow, Deny, Pass or Log (got ${JSON.stringify(action ?? null)})`);
    }
    const unsupported = CALICO_RULE_UNEVALUATED.filter((k) => r[k] !== undefined && r[k] !== null).map((k) => `${w}.${k}`);
    const rawProto = r.protocol === undefined || r.protocol === null ? undefined : String(r.protocol);
    const proto = rawProto === undefined ? undefined : PROTOCOL_NUMBERS[rawProto] ?? (['TCP', 'UDP', 'SCTP'].includes(rawProto.toUpperCase()) ? (rawProto.toUpperCase() as Protocol) : undefined);
    const source = calicoEntity(r.source, `${w}.source`, unsupported);
    const destination = calicoEntity(r.destination, `${w}.destination`, unsupported);
    for (const [name, e] of [['source', source], ['destination', destination]] as const) {
      if ((e?.ports || e?.notPorts) && proto === undefined) {
        throw new Malformed(`${w}.${name}.ports needs ${w}.protocol TCP, UDP or SCTP (Calico rejects ports without one)`);
      }
    }
    if (source?.ports || source?.notPorts) unsupported.push(`${w}.source.ports`);
    return {
      action,
      ...(proto !== undefined ? { protocol: proto } : {}),
      ...(rawProto !== undefined && proto === undefined ? { otherProtocol: rawProto } : {}),
      ...(source ? { source } : {}),
      ...(destination ? { destination } : {}),
      ...(unsupported.length > 0 ? { unsupported } : {}),
    };
  });
}

function normalizeCalico(kind: CalicoKind, o: Obj, meta: Obj, ctx: Ctx): CalicoPolicyInfo | CalicoTierInfo | StagedPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  if (kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy' || kind === 'StagedKubernetesNetworkPolicy') {
    const stagedAction = optStr(spec.stagedAction, 'spec.stagedAction') ?? 'Set';
    if (stagedAction !== 'Set' && stagedAction !== 'Delete') throw new Malformed(`spec.stagedAction must be Set or Delete (got ${JSON.stringify(stagedAction)})`);
    const policy = kind === 'StagedKubernetesNetworkPolicy'
      ? normalizeNetworkPolicy(o, meta, ctx)
      : (normalizeCalico(kind === 'StagedNetworkPolicy' ? 'CalicoNetworkPolicy' : 'CalicoGlobalNetworkPolicy', o, meta, ctx) as CalicoPolicyInfo);
    return { kind, cluster: ctx.cluster, ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}), name: ctx.name, stagedAction, policy, source: ctx.source };
  }
  const order = (v: unknown, what: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Malformed(`${what} must be a number`);
    return v;
  };
  if (kind === 'CalicoTier') {
    const defaultAction = optStr(spec.defaultAction, 'spec.defaultAction');
    if (defaultAction !== undefined && defaultAction !== 'Deny' && defaultAction !== 'Pass') throw new Malformed(`spec.defaultAction must be Deny or Pass (got ${JSON.stringify(defaultAction)})`);
    const tierOrder = order(spec.order, 'spec.order');
    return { kind, cluster: ctx.cluster, name: ctx.name, ...(tierOrder !== undefined ? { order: tierOrder } : {}), ...(defaultAction !== undefined ? { defaultAction } : {}), source: ctx.source };
  }
  const types = spec.types === undefined || spec.types === null ? undefined : strList(spec.types, 'spec.types');
  for (const t of types ?? []) if (t !== 'Ingress' && t !== 'Egress') throw new Malformed(`spec.types has ${JSON.stringify(t)}: use Ingress and/or Egress`);
  const policyOrder = order(spec.order, 'spec.order');
  const namespaceSelector = kind === 'CalicoGlobalNetworkPolicy' ? calicoSelector(spec.namespaceSelector, 'spec.namespaceSelector') : undefined;
  const serviceAccountSelector = calicoSelector(spec.serviceAccountSelector, 'spec.serviceAccountSelector');
  const hostEndpointsOnly = optBool(spec.doNotTrack, 'spec.doNotTrack') === true || optBool(spec.preDNAT, 'spec.preDNAT') === true;
  return {
    kind,
    cluster: ctx.cluster,
    ...(kind === 'CalicoNetworkPolicy' ? { namespace: ctx.namespace! } : {}),
    name: ctx.name,
    tier: optStr(spec.tier, 'spec.tier') || 'default',
    ...(policyOrder !== undefined ? { order: policyOrder } : {}),
    selector: calicoSelector(spec.selector, 'spec.selector') || 'all()',
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(serviceAccountSelector ? { serviceAccountSelector } : {}),
    ...(types !== undefined ? { types: types as PolicyType[] } : {}),
    ingress: calicoRules(spec.ingress, 'spec.ingress'),
    egress: calicoRules(spec.egress, 'spec.egress'),
    ...(hostEndpointsOnly ? { hostEndpointsOnly } : {}),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// The door

function describe(ctx: NormalizeContext, kind: string | undefined, name: string | undefined, namespace: string | undefined): SourceLocation {
  const object = name !== undefined ? objectRef(ctx.cluster, kind ?? '?', name, namespace) : undefined;
  return { ...ctx.source, ...(object !== undefined ? { object } : {}) };
}

function where(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.object) parts.push(loc.object);
  return parts.length > 0 ? parts.join(' ') : '(input)';
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
    const loc = describe(ctx, kind, name, CLUSTER_SCOPED.has(kind) || kind.startsWith('Global') ? undefined : nsGiven ?? ctx.defaultNamespace ?? 'default');
    return {
      kind: 'skipped',
      warning: {
        code: 'unevaluated-policy',
        message: `netatlas/inventory: ${where(loc)} ${kind} of ${apiVersion} is not evaluated (netatlas reads Calico's NetworkPolicy, GlobalNetworkPolicy, Tier and staged policies of projectcalico.org/v3; crd.projectcalico.org objects are Calico's storage: export them with calicoctl or kubectl get networkpolicies.projectcalico.org); connectivity, explain and diff answer as if it did not exist.`,
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
    throw error;
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

// ---------------------------------------------------------------------------------------------
// Entry objects: Ingress (networking.k8s.io/v1), Gateway and its routes (gateway.networking.k8s.io)

const ENTRY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  Ingress: ['networking.k8s.io/v1'],
  Gateway: ['gateway.networking.k8s.io/'],
  HTTPRoute: ['gateway.networking.k8s.io/'],
  GRPCRoute: ['gateway.networking.k8s.io/'],
  TLSRoute: ['gateway.networking.k8s.io/'],
  TCPRoute: ['gateway.networking.k8s.io/'],
};

/**
 * An Ingress, Gateway or route, or `skipped` when the kind belongs to another API group (an
 * Istio Gateway, an Ingress of the retired extensions/v1beta1 shape). Backends are Services
 * only: a backend of another kind (an Ingress `resource`, a ServiceImport) is left out with a
 * warning, since nothing maps it to pods.
 */
function normalizeEntry(kind: 'Ingress' | 'Gateway' | RouteKind, raw: Obj, meta: Obj, c: Ctx): NormalizeOutcome {
  const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : undefined;
  if (apiVersion !== undefined && !ENTRY_GROUPS[kind].some((g) => (g.endsWith('/') ? apiVersion.startsWith(g) : apiVersion === g))) {
    return {
      kind: 'skipped',
      warning: { code: 'unknown-kind', message: `netatlas/inventory: ${where(c.source)} ${kind} of ${apiVersion} is not read (only ${ENTRY_GROUPS[kind].map((g) => (g.endsWith('/') ? `${g}*` : g)).join(', ')}); skipped.`, location: c.source },
    };
  }
  const spec = optObj(raw.spec, 'spec') ?? {};
  const common = { ...base(meta, c), namespace: c.namespace! };
  if (kind === 'Ingress') return { kind: 'object', object: { kind, ...common, ...ingressSpec(spec, c), addresses: statusAddresses(raw) } };
  if (kind === 'Gateway') {
    const className = optStr(spec.gatewayClassName, 'spec.gatewayClassName');
    if (!className) throw new Malformed('spec.gatewayClassName is required');
    const listeners = (optArr(spec.listeners, 'spec.listeners') ?? []).map((l, i) => gatewayListener(l, `spec.listeners[${i}]`));
    const addresses = [...(optArr(spec.addresses, 'spec.addresses') ?? []), ...(optArr(optObj(raw.status, 'status')?.addresses, 'status.addresses') ?? [])]
      .map((a, i) => optStr(isObj(a) ? a.value : undefined, `addresses[${i}].value`)).filter((a): a is string => a !== undefined);
    return { kind: 'object', object: { kind, ...common, gatewayClassName: className, listeners, addresses: [...new Set(addresses)] } };
  }
  const parents: RouteParent[] = [];
  (optArr(spec.parentRefs, 'spec.parentRefs') ?? []).forEach((p, i) => {
    const parent = lenient(c.defects, () => routeParent(p, `spec.parentRefs[${i}]`, c.namespace!));
    if (parent) parents.push(parent);
  });
  const hostnames = strList(spec.hostnames, 'spec.hostnames');
  hostnames.forEach((h, i) => rule(hostnameProblem(h), `spec.hostnames[${i}]`));
  const backends: BackendRef[] = [];
  (optArr(spec.rules, 'spec.rules') ?? []).forEach((r, i) => {
    const rr = optObj(r, `spec.rules[${i}]`) ?? {};
    (optArr(rr.backendRefs, `spec.rules[${i}].backendRefs`) ?? []).forEach((b, j) => {
      const ref = lenient(c.defects, () => routeBackend(b, `spec.rules[${i}].backendRefs[${j}]`, c.namespace!));
      if (ref) backends.push(ref);
    });
  });
  return { kind: 'object', object: { kind, ...common, parents, hostnames, backends: uniqueBackends(backends) } };
}

function uniqueBackends(list: readonly BackendRef[]): BackendRef[] {
  return [...new Map(list.map((b) => [`${b.namespace}/${b.service}/${b.port ?? ''}`, b])).values()];
}

function statusAddresses(raw: Obj): string[] {
  const lb = optObj(optObj(raw.status, 'status')?.loadBalancer, 'status.loadBalancer');
  return (optArr(lb?.ingress, 'status.loadBalancer.ingress') ?? []).flatMap((ing, i) => {
    const o = optObj(ing, `status.loadBalancer.ingress[${i}]`) ?? {};
    return [optStr(o.ip, `status.loadBalancer.ingress[${i}].ip`), optStr(o.hostname, `status.loadBalancer.ingress[${i}].hostname`)].filter((a): a is string => !!a);
  });
}

function ingressSpec(spec: Obj, c: Ctx): Pick<IngressInfo, 'ingressClassName' | 'hosts' | 'backends'> {
  const className = optStr(spec.ingressClassName, 'spec.ingressClassName');
  const hosts: string[] = [];
  const backends: BackendRef[] = [];
  const backend = (b: unknown, w: string): void => {
    const ref = lenient(c.defects, () => ingressBackend(b, w, c.namespace!));
    if (ref) backends.push(ref);
  };
  if (spec.defaultBackend !== undefined && spec.defaultBackend !== null) backend(spec.defaultBackend, 'spec.defaultBackend');
  (optArr(spec.rules, 'spec.rules') ?? []).forEach((r, i) => {
    const rr = optObj(r, `spec.rules[${i}]`) ?? {};
    const host = optStr(rr.host, `spec.rules[${i}].host`);
    if (host) {
      rule(hostnameProblem(host), `spec.rules[${i}].host`);
      if (!hosts.includes(host)) hosts.push(host);
    }
    const http = optObj(rr.http, `spec.rules[${i}].http`);
    (optArr(http?.paths, `spec.rules[${i}].http.paths`) ?? []).forEach((p, j) => {
      backend(optObj(p, `spec.rules[${i}].http.paths[${j}]`)?.backend, `spec.rules[${i}].http.paths[${j}].backend`);
    });
  });
  return { ...(className ? { ingressClassName: className } : {}), hosts, backends: uniqueBackends(backends) };
}

/** An Ingress backend: `service: {name, port: {number | name}}`; a `resource` backend is left out. */
function ingressBackend(b: unknown, w: string, namespace: string): BackendRef {
  const o = optObj(b, w);
  if (!o) throw new Malformed(`${w} is missing`);
  if (o.resource !== undefined) throw new Malformed(`${w} names a resource, not a Service`);
  const svc = optObj(o.service, `${w}.service`);
  if (!svc) throw new Malformed(`${w}.service is missing (an extensions/v1beta1 serviceName? re-export as networking.k8s.io/v1)`);
  const name = optStr(svc.name, `${w}.service.name`);
  if (!name) throw new Malformed(`${w}.service.name is missing`);
  rule(dns1123LabelProblem(name), `${w}.service.name`);
  const port = optObj(svc.port, `${w}.service.port`);
  const number = optInt(port?.number, `${w}.service.port.number`);
  if (number !== undefined) rule(portProblem(number), `${w}.service.port.number`);
  const portName = optStr(port?.name, `${w}.service.port.name`);
  const p = number ?? portName;
  return { namespace, service: name, ...(p !== undefined ? { port: p } : {}) };
}

const CORE_SERVICE = (group: string | undefined, kind: string | undefined): boolean => (group ?? '') === '' && (kind ?? 'Service') === 'Service';

/** The name, namespace (default: the referrer's) and port of a Gateway API object reference. */
function gatewayApiRef(o: Obj, w: string, namespace: string, nameProblem: (name: string) => string | undefined): { name: string; namespace: string; port?: number } {
  const name = optStr(o.name, `${w}.name`);
  if (!name) throw new Malformed(`${w}.name is missing`);
  rule(nameProblem(name), `${w}.name`);
  const ns = optStr(o.namespace, `${w}.namespace`) ?? namespace;
  rule(dns1123LabelProblem(ns), `${w}.namespace`);
  const port = optInt(o.port, `${w}.port`);
  if (port !== undefined) rule(portProblem(port), `${w}.port`);
  return { name, namespace: ns, ...(port !== undefined ? { port } : {}) };
}

/** A route's backendRef: a Service (core group, the default kind) with its port; other kinds are left out. */
function routeBackend(b: unknown, w: string, namespace: string): BackendRef {
  const o = optObj(b, w);
  if (!o) throw new Malformed(`${w} is missing`);
  const group = optStr(o.group, `${w}.group`);
  const kind = optStr(o.kind, `${w}.kind`);
  if (!CORE_SERVICE(group, kind)) throw new Malformed(`${w} is a ${group ? `${group}/` : ''}${kind}, not a Service`);
  const { name, ...rest } = gatewayApiRef(o, w, namespace, dns1123LabelProblem);
  return { service: name, ...rest };
}

/** A route's parentRef of kind Gateway (the default); other parents (a Service, for mesh routing) are left out. */
function routeParent(p: unknown, w: string, namespace: string): RouteParent {
  const o = optObj(p, w);
  if (!o) throw new Malformed(`${w} is missing`);
  const group = optStr(o.group, `${w}.group`) ?? 'gateway.networking.k8s.io';
  const kind = optStr(o.kind, `${w}.kind`) ?? 'Gateway';
  if (group !== 'gateway.networking.k8s.io' || kind !== 'Gateway') throw new Malformed(`${w} is a ${group}/${kind}, not a Gateway`);
  const ref = gatewayApiRef(o, w, namespace, dns1123SubdomainProblem);
  const sectionName = optStr(o.sectionName, `${w}.sectionName`);
  return { namespace: ref.namespace, name: ref.name, ...(sectionName ? { sectionName } : {}), ...(ref.port !== undefined ? { port: ref.port } : {}) };
}

function gatewayListener(l: unknown, w: string): GatewayListener {
  const o = optObj(l, w);
  if (!o) throw new Malformed(`${w} must be an object`);
  const name = optStr(o.name, `${w}.name`);
  const port = optInt(o.port, `${w}.port`);
  const proto = optStr(o.protocol, `${w}.protocol`);
  if (!name || port === undefined || !proto) throw new Malformed(`${w} needs name, port and protocol`);
  rule(portProblem(port), `${w}.port`);
  const hostname = optStr(o.hostname, `${w}.hostname`);
  if (hostname) rule(hostnameProblem(hostname), `${w}.hostname`);
  const ns = optObj(optObj(o.allowedRoutes, `${w}.allowedRoutes`)?.namespaces, `${w}.allowedRoutes.namespaces`);
  const from = optStr(ns?.from, `${w}.allowedRoutes.namespaces.from`) ?? 'Same';
  let allowedRoutes: RouteNamespaces;
  if (from === 'Same' || from === 'All') allowedRoutes = { from };
  else if (from === 'Selector') allowedRoutes = { from, selector: normalizeSelector(ns?.selector, `${w}.allowedRoutes.namespaces.selector`) ?? {} };
  else throw new Malformed(`${w}.allowedRoutes.namespaces.from must be Same, All or Selector (got ${JSON.stringify(from)})`);
  return { name, port, protocol: proto, ...(hostname ? { hostname } : {}), allowedRoutes };
}

// Webhooks the API server calls

/** One `clientConfig` (admissionregistration.k8s.io/v1, apiextensions.k8s.io/v1): a Service (port default 443) or a URL. */
function webhookOf(name: string, hook: Obj, what: string): WebhookInfo {
  const cc = optObj(hook.clientConfig, `${what}.clientConfig`);
  const svc = optObj(cc?.service, `${what}.clientConfig.service`);
  const url = optStr(cc?.url, `${what}.clientConfig.url`);
  const failurePolicy = optStr(hook.failurePolicy, `${what}.failurePolicy`);
  let service: WebhookInfo['service'];
  if (svc) {
    const w = `${what}.clientConfig.service`;
    const namespace = optStr(svc.namespace, `${w}.namespace`);
    const svcName = optStr(svc.name, `${w}.name`);
    if (namespace === undefined || svcName === undefined) throw new Malformed(`${w} needs namespace and name`);
    rule(dns1123LabelProblem(namespace), `${w}.namespace`);
    rule(dns1123LabelProblem(svcName), `${w}.name`);
    const port = optInt(svc.port, `${w}.port`) ?? 443;
    rule(portProblem(port), `${w}.port`);
    service = { namespace, name: svcName, port };
  }
  return { name, ...(service ? { service } : {}), ...(url !== undefined ? { url } : {}), ...(failurePolicy !== undefined ? { failurePolicy } : {}) };
}

function normalizeWebhookConfiguration(kind: (typeof WEBHOOK_KINDS)[number], raw: Obj, meta: Obj, c: Ctx): WebhookConfigurationInfo {
  const b = base(meta, c);
  const webhooks: WebhookInfo[] = [];
  if (kind === 'CustomResourceDefinition') {
    const conversion = optObj(optObj(raw.spec, 'spec')?.conversion, 'spec.conversion');
    const hook = optObj(conversion?.webhook, 'spec.conversion.webhook');
    if (conversion?.strategy === 'Webhook' && hook) webhooks.push(webhookOf('conversion', hook, 'spec.conversion.webhook'));
  } else {
    for (const [i, h] of (optArr(raw.webhooks, 'webhooks') ?? []).entries()) {
      const what = `webhooks[${i}]`;
      if (!isObj(h)) throw new Malformed(`${what} must be an object`);
      const name = optStr(h.name, `${what}.name`);
      if (name === undefined) throw new Malformed(`${what}.name is required`);
      webhooks.push(webhookOf(name, h, what));
    }
  }
  return { kind: 'WebhookConfiguration', configKind: kind, ...b, webhooks };
}

/** networking.k8s.io/v1 ServiceCIDR: `spec.cidrs`, one or two (IPv4 and IPv6). */
function normalizeServiceCidr(raw: Obj, meta: Obj, c: Ctx): ServiceCidrInfo {
  const cidrs = strList(optObj(raw.spec, 'spec')?.cidrs, 'spec.cidrs');
  for (const [i, cidr] of cidrs.entries()) {
    const slash = cidr.indexOf('/');
    const bits = Number(cidr.slice(slash + 1));
    const problem = slash < 0 ? 'expected an address and a prefix length (10.96.0.0/12)' : ipProblem(cidr.slice(0, slash))
      ?? (Number.isInteger(bits) && bits >= 0 && bits <= (cidr.includes(':') ? 128 : 32) ? undefined : `prefix length ${JSON.stringify(cidr.slice(slash + 1))} is out of range`);
    rule(problem, `spec.cidrs[${i}]`);
  }
  return { kind: 'ServiceCIDR', ...base(meta, c), cidrs };
}
