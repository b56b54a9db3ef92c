/**
 * Core objects: pods and the pod templates of workloads, services, EndpointSlices, nodes,
 * namespaces, the webhooks the API server calls and ServiceCIDRs.
 */
import {
  type WorkloadKind,
  dns1123LabelProblem,
  ipProblem,
  NAMESPACE_NAME_LABEL,
  portProblem,
  objectRef,
  type ContainerPort,
  type EndpointInfo,
  type EndpointSliceInfo,
  type LabelSelector,
  type NamespaceInfo,
  type NodeInfo,
  type PodInfo,
  type ServiceInfo,
  type ServicePort,
  type ServiceType,
  type ServiceCidrInfo,
  type WebhookConfigurationInfo,
  type WebhookInfo,
  type WorkloadInfo,
} from '../../../generator/model/index.ts';
import { type Ctx, type Defects, Malformed, type Obj, base, controllerOf, intOrString, isObj, labelMap, lenient, normalizeSelector, optArr, optBool, optInt, optObj, optStr, protocol, rule, strList, toMillis } from './fields.ts';

/** Objects that make the API server call webhooks (cluster-scoped). */
export const WEBHOOK_KINDS = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'CustomResourceDefinition'] as const;

export type OwnerWorkloadKind = Exclude<WorkloadKind, 'Pod'>;
export const OWNER_KINDS: readonly OwnerWorkloadKind[] = [
  'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob',
];

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

export function normalizePod(o: Obj, meta: Obj, ctx: Ctx): PodInfo {
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

export function normalizeWorkload(kind: OwnerWorkloadKind, o: Obj, meta: Obj, ctx: Ctx): { workload: WorkloadInfo; templatePod?: PodInfo } {
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

export function normalizeService(o: Obj, meta: Obj, ctx: Ctx): ServiceInfo {
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

export function normalizeEndpointSlice(o: Obj, meta: Obj, ctx: Ctx): EndpointSliceInfo {
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

export function normalizeNode(o: Obj, meta: Obj, ctx: Ctx): NodeInfo {
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

export function normalizeNamespace(meta: Obj, ctx: Ctx): NamespaceInfo {
  const b = base(meta, ctx);
  // The API server sets this label on every Namespace; dumps and manifests may lack it.
  const labels = b.labels[NAMESPACE_NAME_LABEL] === undefined ? { ...b.labels, [NAMESPACE_NAME_LABEL]: ctx.name } : b.labels;
  return { kind: 'Namespace', ...b, labels };
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

export function normalizeWebhookConfiguration(kind: (typeof WEBHOOK_KINDS)[number], raw: Obj, meta: Obj, c: Ctx): WebhookConfigurationInfo {
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
export function normalizeServiceCidr(raw: Obj, meta: Obj, c: Ctx): ServiceCidrInfo {
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
