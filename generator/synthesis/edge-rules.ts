/**
 * How an observed edge becomes a rule: which connections count as allowed, the peer CIDR of an
 * external address, the ports a rule names (a Service's named targetPort or the observed
 * number), and which workloads a run covers.
 */
import type { FlowEdge } from '../model/graph.ts';
import type { Protocol } from '../model/inventory.ts';
import { clusterKey, flowEdgeKey, namespaceKey } from '../model/keys.ts';
import { intToIpv4, ipv4ToInt } from '../semantics/cidr.ts';
import type { PortSpec, SynthesisOptions } from './types.ts';
import type { WorkloadEntry } from './workloads.ts';
import type { SynthesisContext } from './context.ts';

export const DNS_PORTS: readonly PortSpec[] = [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }];
/** Where kube-dns/CoreDNS conventionally runs, for a cluster whose inventory does not show it. */
export const CONVENTIONAL_DNS_SELECTOR = { matchLabels: { 'k8s-app': 'kube-dns' } };

export const EXPRESSIBLE: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);
const NOT_ALLOWING: ReadonlySet<string> = new Set(['DROPPED', 'ERROR']);

/** Connections of an edge that were not refused (DROPPED/ERROR excluded unless asked). */
export function allowedCount(edge: FlowEdge, includeDropped = false): number {
  if (includeDropped) return edge.count;
  let n = edge.count;
  for (const [v, c] of Object.entries(edge.verdicts)) if (NOT_ALLOWING.has(v)) n -= c ?? 0;
  return Math.max(0, n);
}

export const edgeId = (e: FlowEdge): string => flowEdgeKey(e.source, e.destination, e.protocol, e.port);
export const isWorkloadLevel = (e: FlowEdge): boolean => e.level !== 'pod';

export function isLinkLocal(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && n >>> 16 === ((169 << 8) | 254);
}

export function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

export function aggregateCidr(ip: string, prefix: number | undefined): string {
  if (prefix === undefined || ip.includes(':')) return hostCidr(ip);
  const n = ipv4ToInt(ip);
  if (n === undefined) return hostCidr(ip);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return `${intToIpv4((n & mask) >>> 0)}/${prefix}`;
}

export const portId = (p: PortSpec): string => `${p.protocol}/${typeof p.port === 'number' ? String(p.port).padStart(5, '0') : `~${p.port}`}`;

export function inScope(e: WorkloadEntry, o: SynthesisOptions): boolean {
  if (o.cluster && e.cluster !== o.cluster) return false;
  if (o.namespace && e.namespace !== o.namespace) return false;
  if (o.workloads && o.workloads.length > 0) {
    return o.workloads.some((k) => k === e.key || k === namespaceKey(e.cluster, e.namespace) || k === clusterKey(e.cluster));
  }
  return true;
}

/**
 * The port rules name: the Service's named targetPort when every backend pod declares that
 * name (for this protocol) and it leads to the observed port; else the observed number.
 */
export function portSpecsOf(edge: FlowEdge, dst: WorkloadEntry | undefined, ctx: SynthesisContext, dns: boolean): PortSpec[] {
  const protocol = edge.protocol as Protocol;
  const port = edge.port!;
  if (dns && port === 53) return [{ protocol: 'TCP', port: 53 }, { protocol: 'UDP', port: 53 }];
  if (dst && edge.service) {
    const svc = ctx.services.get(edge.service);
    for (const sp of svc?.ports ?? []) {
      if (typeof sp.targetPort !== 'string' || sp.protocol !== protocol) continue;
      const name = sp.targetPort;
      const all = dst.pods.every((p) => p.ports.some((c) => c.name === name && c.protocol === protocol));
      const leads = dst.pods.some((p) => p.ports.some((c) => c.name === name && c.protocol === protocol && c.containerPort === port));
      if (all && leads) return [{ protocol, port: name }];
    }
  }
  return [{ protocol, port }];
}

export const numeric = (ports: readonly PortSpec[], edge: FlowEdge): PortSpec[] =>
  ports.map((p) => (typeof p.port === 'number' ? p : { protocol: p.protocol, port: edge.port! }));
