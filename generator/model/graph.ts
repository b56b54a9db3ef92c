/**
 * Attributes of the connectivity graph (graphology). Nodes are discriminated on `kind`;
 * aggregated flow edges carry counts per verdict and first/last seen.
 */
import type { Labels } from './labels.ts';
import type { ReservedIdentity, WorkloadKind } from './keys.ts';
import type { L4Protocol, Verdict } from './flow.ts';

export type Level = 'cluster' | 'namespace' | 'workload' | 'pod';
export const LEVELS: readonly Level[] = ['cluster', 'namespace', 'workload', 'pod'];

interface BaseNode {
  readonly label: string;
  readonly cluster?: string;
}

export interface ClusterNode extends BaseNode { readonly kind: 'cluster'; readonly cluster: string }
export interface NamespaceNode extends BaseNode {
  readonly kind: 'namespace';
  readonly cluster: string;
  readonly namespace: string;
  readonly labels: Labels;
}
export interface WorkloadNode extends BaseNode {
  readonly kind: 'workload';
  readonly cluster: string;
  readonly namespace: string;
  readonly workloadKind: WorkloadKind;
  readonly name: string;
  readonly labels: Labels;
  /** Infrastructure (DNS, monitoring, ...) that views may hide. */
  readonly infra?: 'dns' | 'monitoring' | 'system';
  /**
   * How kind and name were found when no owner object said so: from a pod name shaped
   * `<deployment>-<template-hash>-<suffix>`, from flow labels, or from a flow source's own
   * `workloads` field. Absent when the inventory (or an ownerReference) said so.
   */
  readonly inferred?: 'pod-name' | 'labels' | 'flow-workloads';
}
export interface PodNode extends BaseNode {
  readonly kind: 'pod';
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  /** Key of the top-level owner workload node. */
  readonly workload: string;
  readonly labels: Labels;
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
  /** Seen only in flows (no inventory object): attributes come from the flow's labels. */
  readonly fromFlows?: boolean;
}
export interface ServiceNode extends BaseNode {
  readonly kind: 'service';
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly clusterIPs: readonly string[];
}
export interface HostNode extends BaseNode { readonly kind: 'host'; readonly cluster: string; readonly name: string; readonly addresses: readonly string[] }
export interface ExternalNode extends BaseNode {
  readonly kind: 'external';
  readonly ip: string;
  /** FQDNs DNS flows revealed for this address. */
  readonly fqdns: readonly string[];
}
export interface ReservedNode extends BaseNode { readonly kind: 'reserved'; readonly cluster: string; readonly identity: ReservedIdentity }
export interface UnknownNode extends BaseNode { readonly kind: 'unknown'; readonly cluster: string; readonly ip: string }

export type GraphNode =
  | ClusterNode | NamespaceNode | WorkloadNode | PodNode | ServiceNode | HostNode | ExternalNode | ReservedNode | UnknownNode;
export type GraphNodeKind = GraphNode['kind'];

export type VerdictCounts = Partial<Record<Verdict, number>>;

/** An aggregated observed edge: one per (source, destination, protocol, destination port). */
export interface FlowEdge {
  readonly kind: 'flow';
  readonly source: string;
  readonly destination: string;
  readonly protocol: L4Protocol;
  readonly port?: number;
  count: number;
  verdicts: VerdictCounts;
  dropReasons?: Record<string, number>;
  /** ms since epoch */
  firstSeen: number;
  lastSeen: number;
  readonly interCluster: boolean;
  /**
   * Aggregation level: 'workload' edges join top-level workloads (and hosts, externals, ...);
   * 'pod' edges keep the pod-level detail of the same flows. Absent means 'workload'.
   */
  readonly level?: 'workload' | 'pod';
  /** Service the traffic was addressed to, when known (key), and its port. */
  service?: string;
  servicePort?: number;
}
