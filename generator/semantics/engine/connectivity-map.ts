/**
 * The workload-level connectivity map. Pods are grouped into equivalence classes
 * (pod-classes.ts), addresses into the ranges the policies tell apart; each
 * class's ingress is decided once against every endpoint, then each endpoint's egress is
 * combined with it and aggregated to workload and range peers. A node address under a Cilium
 * host firewall is a range of its own and a subject like a class, in both directions.
 */
import { formatRange } from '../cidr.ts';
import { rulePorts, type CompiledRule, type Endpoint } from '../compile.ts';
import { decide, profileRules, type DirectionProfile } from '../decide.ts';
import { ConnectionSet } from '../ports.ts';
import type { ConnectivityRow, MapPeer, PolicySnapshot } from '../types.ts';
import { ScopedCandidates } from './candidates.ts';
import type { Endpoints } from './endpoints.ts';
import { fromOwnNode } from './evaluation.ts';
import type { ExternalCuts } from './external-ranges.ts';
import type { PolicyIndex, ResolvedOptions } from './policy-index.ts';
import { podClasses } from './pod-classes.ts';
import { ConnectionSetTable } from './set-table.ts';

/** What the map reads: the snapshot and the engine's compiled state. */
export interface MapContext {
  readonly snapshot: PolicySnapshot;
  readonly options: ResolvedOptions;
  readonly policies: PolicyIndex;
  readonly endpoints: Endpoints;
  readonly cuts: ExternalCuts;
}

export function buildConnectivityMap(ctx: MapContext): ConnectivityRow[] {
  const { policies } = ctx;
  const profileFor = (ep: Endpoint, dir: 'ingress' | 'egress'): DirectionProfile => ctx.endpoints.profile(ep, dir);
  const atoms = ctx.cuts.ranges;
  const { workloads, classRep, classWorkloads } = podClasses(ctx);

  const C = classRep.length;
  const N = C + atoms.length;
  const endpoints: Endpoint[] = [...classRep];
  // Ingress subjects: the classes, and the node addresses a host firewall may select.
  const subjects: number[] = Array.from({ length: C }, (_, i) => i);
  for (const a of atoms) {
    const node = a.start === a.end ? ctx.cuts.nodeAddresses.get(a.start) : undefined;
    if (node !== undefined) subjects.push(endpoints.length);
    endpoints.push(node !== undefined ? ctx.endpoints.ip(node) : { kind: 'ip', labels: {}, nsLabels: {}, ports: [], hostNetwork: false, v4: [a.start], v6: [] });
  }
  // Peers of the map: workloads, then ranges (ordered numerically).
  const rangePeer = (i: number): number => workloads.length + i;
  const peerLabel = (p: number): string => (p < workloads.length ? workloads[p].label : formatRange(atoms[p - workloads.length]));
  const peerOrder = (p: number): number => (p < workloads.length ? workloads[p].order : p);
  const peerInfo = (p: number): MapPeer => {
    if (p < workloads.length) return workloads[p].peer;
    const a = atoms[p - workloads.length];
    return { kind: 'range', start: a.start, end: a.end };
  };

  // Candidate lists for scoped peer matching.
  const candidates = new ScopedCandidates<number>(policies);
  for (let i = 0; i < N; i++) candidates.add(i, endpoints[i]);
  /** The endpoints a rule's peers match, sorted (peers are ORed; the scratch bitmap dedupes). */
  const scratch = new Uint8Array(N);
  const matchedEndpoints = (peers: Exclude<CompiledRule['peers'], 'all'>): Int32Array => {
    const found: number[] = [];
    for (const p of peers) {
      for (const list of candidates.lists(p.scope)) {
        for (const i of list) {
          if (!scratch[i] && p.match(endpoints[i])) {
            scratch[i] = 1;
            found.push(i);
          }
        }
      }
    }
    for (const i of found) scratch[i] = 0;
    return Int32Array.from(found).sort();
  };

  const table = new ConnectionSetTable();
  const sets = table.sets;
  const intern = (s: ConnectionSet): number => table.intern(s);

  const portsKeyOf = new Int32Array(N);
  const portsKeys = new Map<string, number>();
  endpoints.forEach((ep, i) => {
    const k = ep.ports.map((p) => `${p.name ?? ''}:${p.containerPort}/${p.protocol}`).sort().join(',');
    let id = portsKeys.get(k);
    if (id === undefined) portsKeys.set(k, (id = portsKeys.size));
    portsKeyOf[i] = id;
  });
  // Which endpoints each rule's peers match, as index lists (computed once per rule).
  const allIdx = Int32Array.from({ length: N }, (_, i) => i);
  const listCache = new Map<number, Int32Array>();
  const ruleList = (r: CompiledRule): Int32Array => {
    let l = listCache.get(r.id);
    if (!l) {
      if (r.peers === 'all') l = allIdx;
      else l = matchedEndpoints(r.peers);
      listCache.set(r.id, l);
    }
    return l;
  };

  /**
   * For one subject and direction: the decision for every far end, as interned set ids.
   * Far ends matching the same subset of the subject's rules (and, with named ports on
   * egress, declaring the same ports) get the same answer, computed once.
   */
  const masks = new Int32Array(N); // all zero between calls
  const touched = new Int32Array(N);
  let touchedCount = 0;
  /**
   * Fills `out` for every far end and returns the answer shared by every far end that
   * matches none of the rules (then `touched[0..touchedCount)` lists the others), or -1
   * when each far end was computed on its own.
   */
  const decideAll = (
    profile: DirectionProfile,
    out: Int32Array,
    portsFor: (r: CompiledRule, far: number) => ConnectionSet,
    farKey?: (far: number) => number,
  ): number => {
    const rules = profileRules(profile);
    touchedCount = 0;
    if (!profile.subject || (rules.length === 0 && profile.isolatedBy.length === 0)) {
      out.fill(1);
      return 1;
    }
    const big = rules.length > 30;
    const bigMasks: string[] | undefined = big ? new Array<string>(N).fill('') : undefined;
    for (let i = 0; i < rules.length; i++) {
      const list = ruleList(rules[i]);
      for (let j = 0; j < list.length; j++) {
        const x = list[j];
        if (big) {
          if (bigMasks![x] === '') touched[touchedCount++] = x;
          bigMasks![x] += `${i},`;
        } else {
          if (masks[x] === 0) touched[touchedCount++] = x;
          masks[x] |= 1 << i;
        }
      }
    }
    const index = new Map<number, number>(rules.map((r, i) => [r.id, i]));
    const compute = (m: number | string, x: number): number => {
      const matched = big ? new Set((m as string).split(',').filter(Boolean).map(Number)) : undefined;
      return intern(
        decide(
          profile,
          (r) => (big ? matched!.has(index.get(r.id)!) : ((m as number) & (1 << index.get(r.id)!)) !== 0),
          (r) => portsFor(r, x),
          ConnectionSet.ALL,
        ),
      );
    };
    if (!big && !farKey && rules.length <= 12) {
      // Small rule lists: a direct table indexed by the mask; untouched far ends share mask 0.
      const table = new Int32Array(1 << rules.length).fill(-1);
      const id0 = (table[0] = compute(0, 0));
      out.fill(id0);
      for (let t = 0; t < touchedCount; t++) {
        const x = touched[t];
        const m = masks[x];
        let id = table[m];
        if (id < 0) table[m] = id = compute(m, x);
        out[x] = id;
        masks[x] = 0;
      }
      return id0;
    }
    const cache = new Map<string | number, number>();
    const K = portsKeys.size;
    for (let x = 0; x < N; x++) {
      const m = big ? bigMasks![x] : masks[x];
      const key: string | number = farKey ? (big ? `${m}|${farKey(x)}` : (m as number) * K + farKey(x)) : m;
      let id = cache.get(key);
      if (id === undefined) cache.set(key, (id = compute(m, x)));
      out[x] = id;
    }
    for (let t = 0; t < touchedCount; t++) masks[touched[t]] = 0;
    return -1;
  };

  // Ingress of every class from every endpoint. Per destination, the most common answer
  // is its default; the other answers are kept per source (usually few).
  const nodeEndpoints: number[] = [];
  endpoints.forEach((e, x) => {
    if ((e.kind === 'ip' || e.hostNetwork) && !!e.nodeName) nodeEndpoints.push(x);
  });
  const nodeAware = nodeEndpoints.length > 0;
  const ingressDefault = new Int32Array(N).fill(1);
  const ingressExceptions: number[][] = Array.from({ length: N }, () => []);
  const column = new Int32Array(N);
  let counts = new Int32Array(16);
  for (const y of subjects) {
    const dst = endpoints[y];
    const profile = profileFor(dst, 'ingress');
    if (!profile.subject) continue;
    const portsById = new Map<number, ConnectionSet>();
    const shared = decideAll(profile, column, (r) => {
      let p = portsById.get(r.id);
      if (!p) portsById.set(r.id, (p = rulePorts(r, dst)));
      return p;
    });
    if (shared >= 0) {
      // Only far ends that matched a rule, or the destination's own node, can differ from the
      // shared answer (an endpoint listed twice gets the same answer twice).
      for (const x of nodeEndpoints) {
        if (!fromOwnNode(endpoints[x], dst)) continue;
        column[x] = 1;
        if (shared !== 1) ingressExceptions[x].push(y, 1);
      }
      for (let t = 0; t < touchedCount; t++) {
        const x = touched[t];
        if (column[x] !== shared) ingressExceptions[x].push(y, column[x]);
      }
      ingressDefault[y] = shared;
      continue;
    }
    for (const x of nodeEndpoints) if (fromOwnNode(endpoints[x], dst)) column[x] = 1;
    // The default is the most common answer in a sample (the choice only affects speed).
    if (counts.length < sets.length) counts = new Int32Array(sets.length * 2);
    let mode = column[0];
    const step = N > 64 ? Math.floor(N / 64) : 1;
    for (let x = 0; x < N; x += step) if (++counts[column[x]] > counts[mode]) mode = column[x];
    for (let x = 0; x < N; x += step) counts[column[x]] = 0;
    for (let x = 0; x < N; x++) if (column[x] !== mode) ingressExceptions[x].push(y, column[x]);
    ingressDefault[y] = mode;
  }

  // Egress of every endpoint, combined with the ingress above, aggregated to peers.
  const P = workloads.length + atoms.length;
  const agg = new Map<number, number>();
  const endpointPeers = Array.from({ length: N }, (_, i) => (i < C ? [...classWorkloads[i]] : [rangePeer(i - C)]));
  const row = new Int32Array(N);
  const ingressRow = new Int32Array(N);
  for (let x = 0; x < N; x++) {
    ingressRow.set(ingressDefault);
    const exc = ingressExceptions[x];
    for (let i = 0; i < exc.length; i += 2) ingressRow[exc[i]] = exc[i + 1];
    const profile = profileFor(endpoints[x], 'egress');
    const named = profileRules(profile).some((r) => r.namedPorts.length > 0);
    const shared = decideAll(profile, row, (r, far) => rulePorts(r, endpoints[far]), named ? (far) => portsKeyOf[far] : undefined);
    const srcPeers = endpointPeers[x];
    // When everything unmatched is denied, only the far ends that matched a rule matter.
    const sparse = shared === 0;
    const count = sparse ? touchedCount : N;
    for (let t = 0; t < count; t++) {
      const y = sparse ? touched[t] : t;
      if (x >= C && y >= C) continue; // address to address: outside every cluster
      const e = row[y];
      const i = ingressRow[y];
      if (e === 0 || i === 0) continue;
      const conn = e === 1 ? i : i === 1 ? e : table.intersect(e, i);
      if (conn === 0) continue;
      for (const sp of srcPeers) {
        for (const dp of endpointPeers[y]) {
          if (sp === dp) continue;
          const k = sp * P + dp;
          agg.set(k, table.union(agg.get(k) ?? 0, conn));
        }
      }
    }
  }

  const rows: { sp: number; dp: number; id: number }[] = [];
  for (const [k, id] of agg) rows.push({ sp: Math.floor(k / P), dp: k % P, id });
  rows.sort((a, b) => peerOrder(a.sp) - peerOrder(b.sp) || peerOrder(a.dp) - peerOrder(b.dp));
  return rows.map(({ sp, dp, id }) => ({
    src: peerLabel(sp),
    dst: peerLabel(dp),
    conn: sets[id].toString(),
    srcPeer: peerInfo(sp),
    dstPeer: peerInfo(dp),
    connections: sets[id],
  }));
}
