/**
 * Single connections: decide one pair of endpoints, per direction, on the profiles of the
 * endpoints (egress of the source, ingress of the destination), and explain the verdict.
 */
import type { PodInfo } from '../../model/inventory.ts';
import { ruleMatchesPeer, rulePorts, type CompiledRule, type Endpoint } from '../compile.ts';
import { decide, type DecisionTrace } from '../decide.ts';
import { explainVerdict } from '../explain.ts';
import { ConnectionSet } from '../ports.ts';
import type { ConnectionQuery, ConnectionVerdict, Direction, DirectionVerdict, Peer, PolicySnapshot } from '../types.ts';
import { ScopedCandidates } from './candidates.ts';
import type { Endpoints } from './endpoints.ts';
import type { PolicyIndex } from './policy-index.ts';

/**
 * Rules with more peers than this (e.g. CoreDNS letting in every client of the cluster) are
 * matched through the set of the snapshot's pods they match, built on first use from the
 * peers' scopes (as the map does); other endpoints (addresses, pods outside the snapshot)
 * are matched peer by peer.
 */
const INDEXED_RULE_PEERS = 16;

/** Traffic from the pod's own node (kubelet probes, hostNetwork pods) is always allowed. */
export function fromOwnNode(src: Endpoint, dst: Endpoint): boolean {
  return dst.kind === 'pod' && (src.kind === 'ip' || src.hostNetwork) && !!src.nodeName && src.nodeName === dst.nodeName && src.cluster === dst.cluster;
}

export class PairEvaluator {
  private snapshotPods: { known: Set<Endpoint>; candidates: ScopedCandidates<Endpoint> } | undefined;
  private readonly ruleIndexes = new Map<number, Set<Endpoint>>();

  constructor(
    private readonly snapshot: PolicySnapshot,
    private readonly policies: PolicyIndex,
    private readonly endpoints: Endpoints,
  ) {}

  evaluate(q: ConnectionQuery): ConnectionVerdict {
    const src = this.endpoints.of(q.src);
    const dst = this.endpoints.of(q.dst);
    const universe = ConnectionSet.of(q.protocol, q.port, q.port);
    const verdictFor = (dir: Direction): DirectionVerdict => {
      const trace: DecisionTrace = { rules: [], decidedBy: 'default' };
      const allowed = !this.direction(src, dst, dir, universe, trace).isEmpty();
      const subjectEp = dir === 'egress' ? src : dst;
      const isolatedBy = [...this.endpoints.profile(subjectEp, dir).isolatedBy];
      return { direction: dir, allowed, decidedBy: trace.decidedBy, isolatedBy, matchedRules: trace.rules, reason: '' };
    };
    return explainVerdict(q, verdictFor('egress'), verdictFor('ingress'));
  }

  allowedInDirection(src: Peer, dst: Peer, dir: Direction): ConnectionSet {
    return this.direction(this.endpoints.of(src), this.endpoints.of(dst), dir, ConnectionSet.ALL);
  }

  allowedConnections(src: Peer, dst: Peer): ConnectionSet {
    const s = this.endpoints.of(src);
    const d = this.endpoints.of(dst);
    const e = this.direction(s, d, 'egress', ConnectionSet.ALL);
    if (e.isEmpty()) return e;
    return e.intersect(this.direction(s, d, 'ingress', ConnectionSet.ALL));
  }

  policiesSelecting(pod: PodInfo, dir: Direction): ReturnType<PolicyIndex['policiesSelecting']> {
    return this.policies.policiesSelecting(pod, this.endpoints.pod(pod), dir);
  }

  private direction(src: Endpoint, dst: Endpoint, dir: Direction, universe: ConnectionSet, trace?: DecisionTrace): ConnectionSet {
    if (src.podRef && src.podRef === dst.podRef) {
      if (trace) trace.decidedBy = 'self';
      return universe;
    }
    if (dir === 'egress') {
      return decide(this.endpoints.profile(src, 'egress'), (r) => this.matchRule(r, dst), (r) => rulePorts(r, dst), universe, trace);
    }
    if (fromOwnNode(src, dst)) {
      if (trace) trace.decidedBy = 'node';
      return universe;
    }
    return decide(this.endpoints.profile(dst, 'ingress'), (r) => this.matchRule(r, src), (r) => rulePorts(r, dst), universe, trace);
  }

  private matchRule(r: CompiledRule, ep: Endpoint): boolean {
    if (r.peers !== 'all' && r.peers.length > INDEXED_RULE_PEERS && ep.kind === 'pod' && this.snapshotIndex().known.has(ep)) {
      let set = this.ruleIndexes.get(r.id);
      if (!set) {
        set = new Set();
        const { candidates } = this.snapshotIndex();
        for (const p of r.peers) for (const list of candidates.lists(p.scope)) for (const ep of list) if (!set.has(ep) && p.match(ep)) set.add(ep);
        this.ruleIndexes.set(r.id, set);
      }
      return set.has(ep);
    }
    return ruleMatchesPeer(r, ep);
  }

  private snapshotIndex(): NonNullable<PairEvaluator['snapshotPods']> {
    if (this.snapshotPods) return this.snapshotPods;
    const idx = { known: new Set<Endpoint>(), candidates: new ScopedCandidates<Endpoint>(this.policies) };
    for (const pod of this.snapshot.pods) {
      const ep = this.endpoints.pod(pod);
      if (idx.known.has(ep)) continue;
      idx.known.add(ep);
      idx.candidates.add(ep, ep);
    }
    return (this.snapshotPods = idx);
  }
}
