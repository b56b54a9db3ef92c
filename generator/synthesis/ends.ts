/**
 * The ends of an observed edge as the policy engine sees them: a pod of the workload (the one
 * on the source's node for node traffic), a node's address, the API server's endpoint, or an
 * external address. A string explains why an end has no pod or address. Shared by the proof
 * (verify.ts), the diff and the server's edge explanations, so all three judge the same pods.
 */
import type { Inventory, PodInfo } from '../model/inventory.ts';
import { parseKey, podKey } from '../model/keys.ts';
import type { Peer } from '../semantics/types.ts';
import { synthesisContext, type SynthesisContext } from './synthesize.ts';

export interface Ends {
  readonly ctx: SynthesisContext;
  readonly podByKey: ReadonlyMap<string, PodInfo>;
  /** The workload key of a `pod:` key (or the key itself). */
  workloadOf(key: string): string;
  /** An end; `near` picks a pod on the same node. */
  endOf(key: string, near?: PodInfo): Peer | string;
  /** The node a `host:` key or node address is. */
  nodeNameOf(peer: Peer): { cluster: string; name: string } | undefined;
  /** Both ends of a pair of keys; node traffic lands on the destination's pod on that node. */
  pairOf(source: string, destination: string): { src: Peer; dst: Peer } | string;
}

/** The ends of an inventory; pass a context when one is at hand (it is cached per inventory anyway). */
export function createEnds(inventory: Inventory, ctx: SynthesisContext = synthesisContext(inventory)): Ends {
  const { index } = ctx;
  const podByKey = new Map<string, PodInfo>();
  for (const w of index.byKey.values()) for (const p of w.pods) podByKey.set(podKey(p.cluster, p.namespace, p.name), p);
  const nodeOfAddress = new Map<string, { cluster: string; name: string }>();
  for (const n of ctx.nodes.values()) for (const a of n.addresses) nodeOfAddress.set(a, { cluster: n.cluster, name: n.name });

  const workloadOf = (k: string): string => {
    if (!k.startsWith('pod:')) return k;
    const p = parseKey(k);
    return p.kind === 'pod' ? index.workloadOfPod.get(`${p.cluster}/${p.namespace}/${p.name}`) ?? k : k;
  };

  const endOf = (key: string, near?: PodInfo): Peer | string => {
    let p;
    try {
      p = parseKey(key);
    } catch {
      return `${key} is not a graph key`;
    }
    switch (p.kind) {
      case 'pod': {
        const pod = podByKey.get(key);
        return pod ? { kind: 'pod', pod } : `${key} is not in the inventory`;
      }
      case 'workload': {
        const w = index.byKey.get(key);
        if (!w || w.pods.length === 0) return `${key} has no pods in the inventory`;
        const local = near?.nodeName ? w.pods.find((x) => x.nodeName === near.nodeName && x.cluster === near.cluster) : undefined;
        return { kind: 'pod', pod: local ?? w.pods[0] };
      }
      case 'external':
        return { kind: 'ip', ip: p.ip };
      case 'host': {
        const n = ctx.nodes.get(`${p.cluster}/${p.name}`);
        return n && n.addresses.length ? { kind: 'ip', ip: n.addresses[0] } : `node ${key} has no address in the inventory`;
      }
      case 'reserved':
        if (p.identity === 'kube-apiserver') {
          const a = ctx.apiServer.get(p.cluster)?.addresses[0];
          return a ? { kind: 'ip', ip: a } : `${key}: no endpoint of default/kubernetes in the inventory`;
        }
        return `${key} is a reserved identity with no address`;
      case 'unknown':
        return `${key} is an address no inventory object holds`;
      default:
        return `${key} is not a pod, workload or address`;
    }
  };

  const nodeNameOf = (peer: Peer) => (peer.kind === 'ip' ? nodeOfAddress.get(peer.ip) : undefined);

  const pairOf = (s: string, d: string): { src: Peer; dst: Peer } | string => {
    let dst = endOf(d);
    if (typeof dst === 'string') return dst;
    const src = endOf(s, dst.kind === 'pod' ? dst.pod : undefined);
    if (typeof src === 'string') return src;
    const node = nodeNameOf(src);
    if (node && d.startsWith('wl:')) {
      const local = index.byKey.get(d)?.pods.find((p) => p.nodeName === node.name && p.cluster === node.cluster);
      if (local) dst = { kind: 'pod', pod: local };
    }
    return { src, dst };
  };

  return { ctx, podByKey, workloadOf, endOf, nodeNameOf, pairOf };
}

/** A pod as an address, for the other side of a cluster mesh (selectors never cross clusters). */
export function asAddress(p: Peer): Peer {
  return p.kind === 'pod' ? { kind: 'ip', ip: p.pod.ips[0] ?? '0.0.0.0' } : p;
}

export function describePeer(p: Peer): string {
  return p.kind === 'pod' ? podKey(p.pod.cluster, p.pod.namespace, p.pod.name) : p.ip;
}
