/**
 * resolveRemoteEnds: a collector knows only its own cluster, so an address of another cluster's
 * pod reaches the centre as `ext:<ip>` (outside its ranges) or `unknown:<cluster>/<ip>` (inside
 * them, no object). The central service knows every cluster's inventory: it resolves such ends
 * again, at the flow's time, and rewrites the increments onto the real pod and workload keys
 * (marking them inter-cluster) before they are stored, so every replica and the store get the
 * resolved form. An end that still resolves to nothing stays as it came.
 */
import { flowEdgeKey, parseKey } from '../../generator/model/index.ts';
import type { GraphNode } from '../../generator/model/index.ts';
import { podEdgeKey } from '../graph/builder.ts';
import type { EndpointIdentity, IdentityResolver } from '../graph/identity.ts';
import type { EdgeIncrement, StoreBatch } from '../store/flow-store.ts';

export interface RemoteResolution {
  readonly batch: StoreBatch;
  /** Ends rewritten. */
  readonly resolved: number;
}

/** The address of an end a collector could not place, or undefined. */
function unplacedIp(key: string): { ip: string; cluster?: string } | undefined {
  if (!key.startsWith('ext:') && !key.startsWith('unknown:')) return undefined;
  const p = parseKey(key);
  if (p.kind === 'external') return { ip: p.ip };
  if (p.kind === 'unknown' && !p.ip.startsWith('identity-') && p.ip !== 'unidentified') return { ip: p.ip, cluster: p.cluster };
  return undefined;
}

export function resolveRemoteEnds(
  batch: StoreBatch, resolver: IdentityResolver, collectorCluster: string | undefined, nodeOf: (key: string) => GraphNode | undefined,
): RemoteResolution {
  let resolved = 0;
  /** Old edge key -> the key it was rewritten to, for the batch's connection rows. */
  const renamed = new Map<string, string>();
  const extraNodes = new Map<string, GraphNode>();
  const place = (key: string, e: EdgeIncrement): EndpointIdentity | undefined => {
    const u = unplacedIp(key);
    if (!u) return undefined;
    const home = u.cluster ?? collectorCluster ?? clusterOf(e.source) ?? clusterOf(e.destination) ?? '';
    const id = resolver.resolveIp(u.ip, { cluster: home, time: e.time }, home);
    if (id.key.startsWith('ext:') || id.key.startsWith('unknown:')) return undefined;
    return id;
  };
  const edges = (batch.edges ?? []).map((e) => {
    const src = place(e.source, e);
    const dst = place(e.destination, e);
    if (!src && !dst) return e;
    const pod = e.level === 'pod';
    const source = src ? (pod ? src.key : src.workloadKey) : e.source;
    const destination = dst ? (pod ? dst.key : dst.workloadKey) : e.destination;
    for (const k of [source, destination]) {
      const n = nodeOf(k);
      if (n) extraNodes.set(k, n);
    }
    resolved += (src ? 1 : 0) + (dst ? 1 : 0);
    const a = clusterOf(source);
    const b = clusterOf(destination);
    const key = (pod ? podEdgeKey : flowEdgeKey)(source, destination, e.protocol, e.port);
    if (e.key !== undefined) renamed.set(e.key, key);
    return {
      ...e, source, destination, key,
      interCluster: e.interCluster || (a !== undefined && b !== undefined && a !== b),
    };
  });
  if (!resolved) return { batch, resolved };
  const nodes = [...(batch.nodes ?? []).filter((n) => !extraNodes.has(n.key)), ...[...extraNodes].map(([key, attributes]) => ({ key, attributes }))];
  const connections = batch.connections?.map((c) => {
    const edge = renamed.get(c.edge) ?? c.edge;
    const podEdge = c.podEdge !== undefined ? renamed.get(c.podEdge) ?? c.podEdge : undefined;
    return edge === c.edge && podEdge === c.podEdge ? c : { ...c, edge, ...(podEdge !== undefined ? { podEdge } : {}) };
  });
  return { batch: { ...batch, edges, nodes, ...(connections ? { connections } : {}) }, resolved };
}

function clusterOf(key: string): string | undefined {
  try {
    const p = parseKey(key);
    return p.kind === 'external' ? undefined : p.cluster;
  } catch {
    return undefined;
  }
}
