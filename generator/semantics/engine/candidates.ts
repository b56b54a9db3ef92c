/**
 * Endpoints grouped by where a rule's peer can find them (its scope: one namespace, the
 * namespaces a selector picks, addresses and nodes, everything), so matching a peer against
 * thousands of pods only tests the candidates of its scope. Items are whatever the caller
 * indexes (endpoints for single queries, class indexes for the map).
 */
import { namespaceKey } from '../../model/keys.ts';
import type { LabelSelector } from '../../model/labels.ts';
import { matchesSelector } from '../../selectors/index.ts';
import type { Endpoint, PeerScope } from '../compile.ts';
import type { PolicyIndex } from './policy-index.ts';

export class ScopedCandidates<T> {
  private readonly byNs = new Map<string, T[]>();
  private readonly nsOfCluster = new Map<string, string[]>();
  private readonly addressLike: T[] = [];
  private readonly all: T[] = [];
  private readonly nsMatchCache = new Map<string, string[]>();

  constructor(private readonly policies: PolicyIndex) {}

  add(item: T, ep: Endpoint): void {
    this.all.push(item);
    if (ep.kind === 'ip' || ep.hostNetwork) this.addressLike.push(item);
    if (ep.kind !== 'pod') return;
    const k = namespaceKey(ep.cluster!, ep.namespace!);
    let l = this.byNs.get(k);
    if (!l) {
      this.byNs.set(k, (l = []));
      let nsl = this.nsOfCluster.get(ep.cluster!);
      if (!nsl) this.nsOfCluster.set(ep.cluster!, (nsl = []));
      nsl.push(ep.namespace!);
    }
    l.push(item);
  }

  /**
   * The candidate lists of a scope (the peer's `match` decides). Lists, not a callback, so that
   * the callers' loops over thousands of candidates stay plain loops.
   */
  lists(scope: PeerScope): readonly (readonly T[])[] {
    switch (scope.kind) {
      case 'namespace': return [this.byNs.get(namespaceKey(scope.cluster, scope.namespace)) ?? []];
      case 'namespaces': return this.namespacesMatching(scope.cluster, scope.selector).map((ns) => this.byNs.get(namespaceKey(scope.cluster, ns))!);
      case 'addresses':
      case 'nodes': return [this.addressLike];
      default: return [this.all];
    }
  }

  private namespacesMatching(cluster: string, selector: LabelSelector): string[] {
    const key = `${cluster}\u0000${JSON.stringify(selector)}`;
    let l = this.nsMatchCache.get(key);
    if (!l) {
      l = (this.nsOfCluster.get(cluster) ?? []).filter((ns) => matchesSelector(selector, this.policies.nsLabels(cluster, ns)!));
      this.nsMatchCache.set(key, l);
    }
    return l;
  }
}
