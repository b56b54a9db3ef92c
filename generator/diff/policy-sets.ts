/**
 * diffPolicySets: what changes, per workload pair (and workload <-> external range), when a
 * snapshot's policies are replaced by set A or by set B. Both maps are cut at the CIDRs of
 * both sets, so ranges line up.
 */
import type { Inventory } from '../model/inventory.ts';
import type { NetworkPolicyInfo } from '../model/policy.ts';
import { ALL_IPV4, formatRange, parseIpv4Cidr, partitionIpv4, type Ipv4Range } from '../semantics/cidr.ts';
import { ciliumRuleBlocks } from '../semantics/kinds/cilium.ts';
import { ConnectionSet } from '../semantics/ports.ts';
import type { ConnectivityRow, EngineOptions, MapPeer } from '../semantics/types.ts';
import { indexWorkloads } from '../synthesis/workloads.ts';
import { cmp, engineFor, portCount } from './intended.ts';
import type { PolicyPairDiff, PolicySet, PolicySetDiff } from './types.ts';

function cidrsOf(set: PolicySet): Ipv4Range[] {
  const out: Ipv4Range[] = [];
  const add = (c: string): void => {
    const r = parseIpv4Cidr(c);
    if (r) out.push(r);
  };
  for (const np of set.networkPolicies as readonly NetworkPolicyInfo[]) {
    for (const rule of [...(np.ingress ?? []), ...(np.egress ?? [])]) {
      for (const p of rule.peers ?? []) if (p.ipBlock) [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])].forEach(add);
    }
  }
  for (const a of set.adminNetworkPolicies ?? []) {
    for (const rule of [...a.ingress, ...a.egress]) for (const p of rule.peers) if (p.kind === 'networks') p.networks.forEach(add);
  }
  for (const c of set.ciliumNetworkPolicies ?? []) {
    for (const spec of c.specs) {
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? []), ...(spec.ingressDeny ?? []), ...(spec.egressDeny ?? [])]) {
        for (const b of ciliumRuleBlocks(rule)) [b.cidr, ...(b.except ?? [])].forEach(add);
      }
    }
  }
  for (const c of set.calicoPolicies ?? []) {
    for (const rule of [...c.ingress, ...c.egress]) for (const e of [rule.source, rule.destination]) [...(e?.nets ?? []), ...(e?.notNets ?? [])].forEach(add);
  }
  return out;
}

/** The map of one set, keyed by `src>dst` at the finest common range partition. */
function mapOf(snapshot: Inventory, set: PolicySet, atoms: readonly Ipv4Range[], options: EngineOptions): Map<string, { src: string; dst: string; conn: ConnectionSet }> {
  const engine = engineFor(snapshot, set, options);
  const index = indexWorkloads(snapshot);
  const keyOf = (p: MapPeer): string[] => {
    if (p.kind === 'workload') {
      const k = index.fromEngineOwner.get(`${p.cluster}/${p.namespace}/${p.workloadKind}/${p.name}`);
      return k ? [k] : [];
    }
    // Split the engine's range at the common partition.
    return atoms.filter((a) => a.start >= p.start && a.end <= p.end).map(formatRange);
  };
  const out = new Map<string, { src: string; dst: string; conn: ConnectionSet }>();
  for (const row of engine.connectivityMap() as ConnectivityRow[]) {
    for (const s of keyOf(row.srcPeer)) {
      for (const d of keyOf(row.dstPeer)) {
        const k = `${s}>${d}`;
        const prev = out.get(k);
        out.set(k, { src: s, dst: d, conn: prev ? prev.conn.union(row.connections) : row.connections });
      }
    }
  }
  return out;
}

export function diffPolicySets(snapshot: Inventory, a: PolicySet, b: PolicySet, options: EngineOptions = {}): PolicySetDiff {
  // The snapshot's Calico network sets cut the engine's ranges too: the common partition must be as fine.
  const setCuts = (snapshot.calicoNetworkSets ?? []).flatMap((s) => s.nets.map((n) => parseIpv4Cidr(n.includes('/') ? n : `${n}/32`)).filter((r): r is Ipv4Range => !!r));
  const cuts = [...cidrsOf(a), ...cidrsOf(b), ...setCuts];
  const atoms = cuts.length ? partitionIpv4(cuts) : [ALL_IPV4];
  const ma = mapOf(snapshot, a, atoms, options);
  const mb = mapOf(snapshot, b, atoms, options);
  const keys = [...new Set([...ma.keys(), ...mb.keys()])];
  const pairs: PolicyPairDiff[] = [];
  for (const k of keys) {
    const x = ma.get(k);
    const y = mb.get(k);
    const ca = x?.conn ?? ConnectionSet.NONE;
    const cb = y?.conn ?? ConnectionSet.NONE;
    if (ca.equals(cb)) continue;
    const added = cb.subtract(ca);
    const removed = ca.subtract(cb);
    pairs.push({
      source: (x ?? y)!.src, destination: (x ?? y)!.dst,
      change: ca.isEmpty() ? 'added' : cb.isEmpty() ? 'removed' : 'changed',
      a: ca.toString(), b: cb.toString(), added: added.toString(), removed: removed.toString(),
      addedPorts: portCount(added), removedPorts: portCount(removed),
    });
  }
  pairs.sort((p, q) => cmp(p.source, q.source) || cmp(p.destination, q.destination));
  return {
    pairs,
    added: pairs.filter((p) => p.change === 'added').length,
    removed: pairs.filter((p) => p.change === 'removed').length,
    changed: pairs.filter((p) => p.change === 'changed').length,
    looserInA: pairs.filter((p) => p.removedPorts > 0).length,
    looserInB: pairs.filter((p) => p.addedPorts > 0).length,
  };
}
