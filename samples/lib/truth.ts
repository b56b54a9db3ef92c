/**
 * The ground truth of the demo: the workload-level edges the flows describe, with their exact
 * connection counts, keyed like the graph (generator/model/keys.ts). Graph, diff and UI tests
 * can compare what they build from the files with this.
 */
import { externalKey, hostKey, reservedKey, serviceKey, workloadKey } from '../../generator/model/keys.ts';
import { cmp, type Estate, type Peer } from './estate.ts';
import { connectionEnds, peerCluster } from './hubble.ts';

export interface ExpectedEdge {
  readonly source: string;
  readonly destination: string;
  readonly protocol: 'TCP' | 'UDP';
  /** Destination (container) port. */
  readonly port: number;
  /** The Service the flows name (`destination_service`), if any. */
  readonly service?: string;
  /** DROPPED for policy denials, REDIRECTED for DNS through the proxy, else FORWARDED. */
  readonly verdict: 'FORWARDED' | 'DROPPED' | 'REDIRECTED';
  readonly connections: number;
  readonly interCluster: boolean;
  readonly planted?: string;
}

/** The graph key of a peer at workload level. */
export function peerKey(p: Peer): string {
  switch (p.kind) {
    case 'pod': {
      const w = p.pod.workload;
      return w.kind === 'Pod' ? workloadKey(w.cluster.name, w.namespace, 'Pod', p.pod.name) : workloadKey(w.cluster.name, w.namespace, w.kind, w.name);
    }
    case 'host': return hostKey(p.node.cluster.name, p.node.name);
    case 'apiserver': return reservedKey(p.cluster.name, 'kube-apiserver');
    case 'world': return externalKey(p.ip);
  }
}

/** Every workload-level edge of the estate with its connection count, sorted by key. */
export function expectedEdges(estate: Estate): ExpectedEdge[] {
  const seed = estate.options.seed;
  const byKey = new Map<string, { -readonly [K in keyof ExpectedEdge]: ExpectedEdge[K] }>();
  for (const e of estate.edges) {
    const verdict = e.dns ? 'REDIRECTED' : e.outcome === 'policy-denied' ? 'DROPPED' : 'FORWARDED';
    for (let i = 0; i < e.count; i++) {
      const { src, dst } = connectionEnds(seed, e, i);
      const source = peerKey(src);
      const destination = peerKey(dst);
      const key = `${source}>${destination}|${e.protocol}|${e.port}|${verdict}`;
      const known = byKey.get(key);
      if (known) {
        known.connections++;
        continue;
      }
      const a = peerCluster(src);
      const b = peerCluster(dst);
      byKey.set(key, {
        source, destination, protocol: e.protocol, port: e.port, verdict, connections: 1,
        interCluster: a !== undefined && b !== undefined && a !== b,
        ...(e.service ? { service: serviceKey(e.service.cluster.name, e.service.namespace, e.service.name) } : {}),
        ...(e.planted ? { planted: e.planted } : {}),
      });
    }
  }
  return [...byKey.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, v]) => v);
}
