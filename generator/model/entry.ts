/**
 * Entry objects: how traffic from outside a cluster is routed to its Services besides a
 * LoadBalancer or NodePort Service of their own. An Ingress (networking.k8s.io/v1) names its
 * backend Services directly; a Gateway API route (gateway.networking.k8s.io HTTPRoute,
 * GRPCRoute, TLSRoute, TCPRoute) names its Services in backendRefs and the Gateways it attaches
 * to in parentRefs. server/inventory/normalize.ts makes these from the API objects once; the
 * risk model (generator/risk) maps backends to Services to workloads and counts them as
 * exposure.
 */
import type { LabelSelector } from './labels.ts';
import type { NamespacedMeta } from './inventory.ts';

/** A Service a route or an Ingress sends traffic to. */
export interface BackendRef {
  readonly namespace: string;
  /** The Service's name. */
  readonly service: string;
  /** The Service port: a number, or (Ingress only) the port's name. Absent: every port. */
  readonly port?: number | string;
}

export interface IngressInfo extends NamespacedMeta {
  readonly kind: 'Ingress';
  readonly ingressClassName?: string;
  /** Hosts of the rules (absent host: every host). */
  readonly hosts: readonly string[];
  /** Every Service the rules and the default backend name. */
  readonly backends: readonly BackendRef[];
  /** status.loadBalancer.ingress: IPs and hostnames the controller published. */
  readonly addresses: readonly string[];
}

/** Which namespaces' routes a listener accepts (allowedRoutes.namespaces; default Same). */
export type RouteNamespaces =
  | { readonly from: 'Same' }
  | { readonly from: 'All' }
  | { readonly from: 'Selector'; readonly selector: LabelSelector };

export interface GatewayListener {
  readonly name: string;
  readonly port: number;
  /** HTTP, HTTPS, TLS, TCP, UDP or an implementation's own. */
  readonly protocol: string;
  readonly hostname?: string;
  readonly allowedRoutes: RouteNamespaces;
}

export interface GatewayInfo extends NamespacedMeta {
  readonly kind: 'Gateway';
  readonly gatewayClassName: string;
  readonly listeners: readonly GatewayListener[];
  /** spec.addresses and status.addresses values (IPs or hostnames). */
  readonly addresses: readonly string[];
}

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute';
export const ROUTE_KINDS: readonly RouteKind[] = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'];

/** A Gateway a route attaches to (parentRefs of kind Gateway). */
export interface RouteParent {
  readonly namespace: string;
  readonly name: string;
  /** A listener's name. */
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteInfo extends NamespacedMeta {
  readonly kind: RouteKind;
  readonly parents: readonly RouteParent[];
  readonly hostnames: readonly string[];
  /** Every Service of every rule's backendRefs. */
  readonly backends: readonly BackendRef[];
}

export type EntryObject = IngressInfo | GatewayInfo | RouteInfo;
