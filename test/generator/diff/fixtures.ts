/**
 * Named inputs for the diff tests: the demo inventory (loaded once from samples/demo) and the
 * demo's ground-truth edges (samples/lib/truth.ts) as the graph's FlowEdges.
 */
import { fileURLToPath } from 'node:url';
import type { FlowEdge, Inventory } from '../../../generator/model/index.ts';
import { buildEstate, DEFAULT_OPTIONS } from '../../../samples/lib/estate.ts';
import { expectedEdges, type ExpectedEdge } from '../../../samples/lib/truth.ts';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';

export const DEMO_DIR = fileURLToPath(new URL('../../../samples/demo', import.meta.url));
export const OB_DIR = fileURLToPath(new URL('../../../../shared/data/online-boutique/', import.meta.url));

let demo: Promise<Inventory> | undefined;
export function demoInventory(): Promise<Inventory> {
  demo ??= loadInventoryPaths([DEMO_DIR]).then((r) => r.inventory);
  return demo;
}

export function toFlowEdge(e: ExpectedEdge): FlowEdge {
  return {
    kind: 'flow', source: e.source, destination: e.destination, protocol: e.protocol, port: e.port, count: e.connections,
    verdicts: { [e.verdict]: e.connections }, ...(e.verdict === 'DROPPED' ? { dropReasons: { POLICY_DENIED: e.connections } } : {}),
    firstSeen: 0, lastSeen: 0, interCluster: e.interCluster, ...(e.service ? { service: e.service } : {}),
  };
}

/** The demo's ground truth, with verdicts, as FlowEdges. */
export function truthEdges(): FlowEdge[] {
  return expectedEdges(buildEstate(DEFAULT_OPTIONS)).map(toFlowEdge);
}

/** A base edge to spread (`{ ...tcpForwarded, verdicts: { DROPPED: 1 } }`). */
export const tcpForwarded: FlowEdge = {
  kind: 'flow', source: 'wl:prod/boutique/Deployment/frontend', destination: 'wl:prod/boutique/Deployment/cartservice',
  protocol: 'TCP', port: 7070, count: 1, verdicts: { FORWARDED: 1 }, firstSeen: 0, lastSeen: 0, interCluster: false,
};
