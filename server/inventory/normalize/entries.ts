/** Entry objects: Ingress (networking.k8s.io/v1), Gateway and its routes (gateway.networking.k8s.io). */
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  portProblem,
  hostnameProblem,
  type BackendRef,
  type GatewayListener,
  type IngressInfo,
  type RouteKind,
  type RouteNamespaces,
  type RouteParent,
} from '../../../generator/model/index.ts';
import { type Ctx, type NormalizeOutcome, Malformed, type Obj, base, isObj, where, lenient, normalizeSelector, optArr, optInt, optObj, optStr, protocol, rule, strList } from './fields.ts';


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
export function normalizeEntry(kind: 'Ingress' | 'Gateway' | RouteKind, raw: Obj, meta: Obj, c: Ctx): NormalizeOutcome {
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
