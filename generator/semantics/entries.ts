/**
 * Entry through Ingress objects and Gateway API routes: each backend Service an Ingress or an
 * attached route sends to, with the pods that carry the traffic in (the data plane) when they
 * are known. The risk model (generator/risk) counts the public ones as internet exposure; the
 * `exposed` baseline of synthesis admits the internet into every one's backends.
 *
 * - An Ingress is public unless every address its controller published is a private one.
 * - A route counts through the Gateways it attaches to: a parentRef naming a Gateway of the
 *   inventory, and a listener of it that matches the parentRef's sectionName and port and whose
 *   allowedRoutes admit the route's namespace (Same, All, or a Selector on namespace labels).
 *   A Gateway is public unless every address it has is a private one.
 * - The data plane of a Gateway is its pods labelled `gateway.networking.k8s.io/gateway-name`
 *   (the label the Gateway API asks implementations to put on what they deploy for a Gateway).
 *   An Ingress controller's pods are not named by the Ingress, so they are unknown.
 *
 * ReferenceGrants are not read: a backend in another namespace counts (the conservative reading
 * for exposure). A route whose Gateway is not in the inventory, or whose listeners refuse it,
 * is a problem line and counts for nothing.
 */
import type { GatewayInfo, Inventory, PodInfo, RouteInfo, ServiceInfo, ServicePort } from '../model/index.ts';
import { NAMESPACE_NAME_LABEL } from '../model/labels.ts';
import { matchesSelector } from '../selectors/index.ts';
import { ipv4ToInt } from './cidr.ts';

/** The label Gateway API implementations put on the pods they deploy for a Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

export interface EntryRoute {
  /** How the internet gets in: `Ingress shop/web`, `HTTPRoute shop/store via Gateway infra/public`. */
  readonly via: string;
  readonly service: ServiceInfo;
  /** The Service port the backend names (a number, or an Ingress port name); absent: every port. */
  readonly port?: number | string;
  /** The pods that carry the traffic to the backend, when known (a Gateway's data plane). */
  readonly dataPlane: readonly PodInfo[];
}

/** A backend or a route that leads to no Service: the cluster, and what is missing. */
export interface EntryProblem {
  readonly cluster: string;
  readonly detail: string;
}

export interface EntryRoutes {
  readonly routes: readonly EntryRoute[];
  /** Routes and backends that lead nowhere, and why (the caller says what it does without them). */
  readonly problems: readonly EntryProblem[];
}

/** The ports of the backend's Service the route sends to: the one it names (number or name), else every port. */
export function backendPorts(route: EntryRoute): ServicePort[] {
  const p = route.port;
  return route.service.ports.filter((sp) => p === undefined || (typeof p === 'number' ? sp.port === p : sp.name === p));
}

/** Public unless every address is a private IPv4 one (no address at all: assumed public). */
function isPublic(addresses: readonly string[], isPublicV4: (ip: string) => boolean): boolean {
  return addresses.length === 0 || addresses.some((a) => ipv4ToInt(a) === undefined || isPublicV4(a));
}

function listenerAdmits(inv: Inventory, gw: GatewayInfo, route: RouteInfo, sectionName?: string, port?: number): boolean {
  const ns = inv.namespaces.find((n) => n.cluster === route.cluster && n.name === route.namespace);
  return gw.listeners.some((l) => {
    if (sectionName !== undefined && l.name !== sectionName) return false;
    if (port !== undefined && l.port !== port) return false;
    const a = l.allowedRoutes;
    if (a.from === 'All') return true;
    if (a.from === 'Same') return gw.namespace === route.namespace;
    return matchesSelector(a.selector, { ...ns?.labels, [NAMESPACE_NAME_LABEL]: route.namespace });
  });
}

/**
 * Every backend of the inventory's Ingresses and attached routes. With `isPublicV4`, only those
 * of public Ingresses and Gateways (see above); without it, every one.
 */
export function entryRoutes(inv: Inventory, isPublicV4: (ip: string) => boolean = () => true): EntryRoutes {
  const routes: EntryRoute[] = [];
  const problems: EntryProblem[] = [];
  const service = (cluster: string, namespace: string, name: string) => inv.services.find((s) => s.cluster === cluster && s.namespace === namespace && s.name === name);
  const add = (via: string, cluster: string, backends: RouteInfo['backends'], dataPlane: readonly PodInfo[]) => {
    for (const b of backends) {
      const s = service(cluster, b.namespace, b.service);
      if (!s) {
        problems.push({ cluster, detail: `${via} sends to Service ${cluster}/${b.namespace}/${b.service}, which is not in the inventory` });
        continue;
      }
      routes.push({ via, service: s, ...(b.port !== undefined ? { port: b.port } : {}), dataPlane });
    }
  };
  for (const ing of inv.ingresses ?? []) {
    if (!isPublic(ing.addresses, isPublicV4)) continue;
    add(`Ingress ${ing.namespace}/${ing.name}`, ing.cluster, ing.backends, []);
  }
  const gateways = new Map((inv.gateways ?? []).map((g) => [`${g.cluster}/${g.namespace}/${g.name}`, g]));
  for (const r of inv.routes ?? []) {
    for (const p of r.parents) {
      const gw = gateways.get(`${r.cluster}/${p.namespace}/${p.name}`);
      const what = `${r.kind} ${r.namespace}/${r.name}`;
      if (!gw) {
        problems.push({ cluster: r.cluster, detail: `${what} attaches to Gateway ${r.cluster}/${p.namespace}/${p.name}, which is not in the inventory` });
        continue;
      }
      if (!listenerAdmits(inv, gw, r, p.sectionName, p.port)) {
        problems.push({ cluster: r.cluster, detail: `${what}: no listener of Gateway ${r.cluster}/${gw.namespace}/${gw.name} admits it${p.sectionName ? ` as ${p.sectionName}` : ''} (allowedRoutes, sectionName or port)` });
        continue;
      }
      if (!isPublic(gw.addresses, isPublicV4)) continue;
      const dataPlane = inv.pods.filter((pod) => pod.cluster === gw.cluster && pod.namespace === gw.namespace && pod.labels[GATEWAY_NAME_LABEL] === gw.name);
      add(`${what} via Gateway ${gw.namespace}/${gw.name}`, r.cluster, r.backends, dataPlane);
    }
  }
  return { routes, problems };
}
