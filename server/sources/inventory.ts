/**
 * Inventory files (and folders of them) as one source: read once, each cluster's part handed on
 * as that cluster's inventory. Malformed objects are counted against the source and skipped.
 */
import type { Inventory } from '../../generator/model/index.ts';
import { loadInventoryPaths } from '../inventory/index.ts';
import type { Source } from './types.ts';

export interface InventoryFilesSourceOptions {
  readonly paths: readonly string[];
  readonly cluster?: string;
  /** `demo` for the bundled demo. Default `inventory-file`. */
  readonly kind?: 'inventory-file' | 'demo';
}

export function inventoryFilesSource(options: InventoryFilesSourceOptions): Source {
  const { paths, cluster } = options;
  return {
    id: `inventory:${paths.join(',')}`,
    kind: options.kind ?? 'inventory-file',
    ...(cluster !== undefined ? { cluster } : {}),
    async start(ctx) {
      const result = await loadInventoryPaths([...paths], { cluster });
      for (const c of clustersOf(result.inventory)) ctx.emitInventory(c, inventoryOfCluster(result.inventory, c));
      for (const e of result.errors) ctx.error(e.message);
      const inv = result.inventory;
      ctx.report({ state: 'done', records: inv.pods.length + inv.workloads.length + inv.services.length + inv.namespaces.length, lastEventTime: Date.now() });
    },
    stop() {},
  };
}

export function inventoryOfCluster(inv: Inventory, cluster: string): Inventory {
  const only = <T extends { cluster: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.cluster === cluster);
  return {
    clusters: inv.clusters.filter((c) => c.name === cluster), namespaces: only(inv.namespaces), pods: only(inv.pods),
    workloads: only(inv.workloads), services: only(inv.services), endpointSlices: only(inv.endpointSlices), nodes: only(inv.nodes),
    networkPolicies: only(inv.networkPolicies), adminNetworkPolicies: only(inv.adminNetworkPolicies),
    // Image-keyed reports name no cluster: they stay with the first one (they attach by image wherever it runs).
    ...withReports((inv.securityReports ?? []).filter((r) => (r.subject.cluster ?? clustersOf(inv)[0]) === cluster)),
  };
}

const withReports = (reports: Inventory['securityReports'] & object) => (reports.length ? { securityReports: reports } : {});

export function clustersOf(inv: Inventory): string[] {
  const names = new Set<string>(inv.clusters.map((c) => c.name));
  for (const list of [inv.namespaces, inv.pods, inv.workloads, inv.services, inv.nodes, inv.networkPolicies]) for (const x of list) names.add(x.cluster);
  return [...names].sort();
}
