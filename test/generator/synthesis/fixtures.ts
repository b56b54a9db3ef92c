/**
 * Named inputs for the synthesis tests: the demo inventory with its ground-truth edges
 * (samples/lib/truth.ts), and the Online Boutique manifests with its call graph.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FlowEdge, Inventory } from '../../../generator/model/index.ts';
import { externalKey, workloadKey } from '../../../generator/model/index.ts';
import type { SynthesisInput } from '../../../generator/synthesis/index.ts';
import { buildEstate, DEFAULT_OPTIONS, expectedEdges, STRIPE } from '../../../samples/lib/index.ts';
import { loadInventoryPaths } from '../../../server/inventory/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_DIR = path.join(ROOT, 'samples/demo');
export const OB_DIR = path.resolve(ROOT, '../shared/data/online-boutique');

/** Ground-truth edges as the graph would aggregate them: one FlowEdge per (src, dst, proto, port), verdicts summed. */
export function truthEdges(): FlowEdge[] {
  const byKey = new Map<string, FlowEdge>();
  const t0 = Date.parse('2026-11-27T09:00:00Z');
  for (const e of expectedEdges(buildEstate(DEFAULT_OPTIONS))) {
    const k = `${e.source}>${e.destination}|${e.protocol}|${e.port}`;
    let edge = byKey.get(k);
    if (!edge) {
      edge = {
        kind: 'flow', source: e.source, destination: e.destination, protocol: e.protocol, port: e.port, count: 0, verdicts: {},
        firstSeen: t0, lastSeen: t0 + 3_000_000, interCluster: e.interCluster, level: 'workload', ...(e.service ? { service: e.service } : {}),
      };
      byKey.set(k, edge);
    }
    edge.count += e.connections;
    edge.verdicts[e.verdict] = (edge.verdicts[e.verdict] ?? 0) + e.connections;
  }
  return [...byKey.values()];
}

let demo: Promise<Inventory> | undefined;
export function demoInventory(): Promise<Inventory> {
  demo ??= loadInventoryPaths([DEMO_DIR]).then((r) => r.inventory);
  return demo;
}

export async function demoInput(): Promise<SynthesisInput> {
  return { inventory: await demoInventory(), edges: truthEdges(), fqdns: { [STRIPE.ip]: [STRIPE.name] } };
}

export const OB_CLUSTER = 'ob';
export const OB_NAMESPACE = 'default';
export const obKey = (name: string): string => workloadKey(OB_CLUSTER, OB_NAMESPACE, 'Deployment', name);
export const OB_WORLD_CLIENT = '198.51.100.7';

/** online-boutique-edges.txt as observed edges: `src -> svc:port (targetPort) TCP`, plus a world client of frontend. */
export function onlineBoutiqueEdges(): FlowEdge[] {
  const text = readFileSync(path.join(OB_DIR, 'online-boutique-edges.txt'), 'utf8');
  const edges: FlowEdge[] = [];
  const base = { kind: 'flow' as const, count: 3, verdicts: { FORWARDED: 3 }, firstSeen: 0, lastSeen: 1000, interCluster: false, level: 'workload' as const };
  for (const line of text.split('\n')) {
    const m = /^([a-z-]+) -> ([a-z-]+):(\d+) \((\d+)\) (TCP|UDP)/.exec(line);
    if (m) {
      edges.push({ ...base, source: obKey(m[1]), destination: obKey(m[2]), protocol: m[5] as 'TCP', port: Number(m[4]), service: `svc:${OB_CLUSTER}/${OB_NAMESPACE}/${m[2]}` });
      continue;
    }
    const ext = /^external\(LoadBalancer ([a-z-]+):(\d+)\) -> ([a-z-]+) \((\d+)\) (TCP)/.exec(line);
    if (ext) edges.push({ ...base, source: externalKey(OB_WORLD_CLIENT), destination: obKey(ext[3]), protocol: 'TCP', port: Number(ext[4]) });
  }
  return edges;
}

export async function onlineBoutiqueInventory(withUpstreamPolicies: boolean): Promise<Inventory> {
  const paths = [path.join(OB_DIR, 'release-kubernetes-manifests-v0.10.6.yaml')];
  if (withUpstreamPolicies) paths.push(path.join(OB_DIR, 'upstream-network-policies.yaml'));
  return (await loadInventoryPaths(paths, { cluster: OB_CLUSTER })).inventory;
}
