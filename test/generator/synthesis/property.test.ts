import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEdge, Inventory, NamespaceInfo, NodeInfo, PodInfo, ServiceInfo, WorkloadInfo } from '../../../generator/model/index.ts';
import { emptyInventory, externalKey, hostKey, serviceKey, workloadKey } from '../../../generator/model/index.ts';
import { synthesizePolicies, verifyPolicies } from '../../../generator/synthesis/index.ts';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { synthesisInputFromGraph } from '../../../server/synthesis.ts';

/** A random estate: clusters `a` (with kube-dns) and `b`, a few namespaces, Deployments with 1-3 pods. */
interface EstateSpec {
  readonly workloads: readonly { ns: number; cluster: number; pods: number; ports: readonly number[]; extraLabel: boolean }[];
  readonly traffic: readonly { src: number; dst: number; udp: boolean; portPick: number; viaService: boolean; dropped: boolean; count: number }[];
  readonly external: readonly { wl: number; ip: number; inbound: boolean; port: number }[];
  readonly probes: readonly number[];
  readonly dns: readonly number[];
}

const CLUSTERS = ['a', 'b'];

function build(spec: EstateSpec): { inventory: Inventory; edges: FlowEdge[]; records: FlowRecord[] } {
  const namespaces: NamespaceInfo[] = [];
  const pods: PodInfo[] = [];
  const workloads: WorkloadInfo[] = [];
  const services: ServiceInfo[] = [];
  const nodes: NodeInfo[] = CLUSTERS.flatMap((c, ci) => [1, 2].map((n) => ({
    kind: 'Node' as const, cluster: c, name: `${c}-node-${n}`, labels: {}, addresses: [`172.16.${ci}.${n}`], podCIDRs: [`10.${ci}.${n}.0/24`],
  })));
  for (const c of CLUSTERS) for (const ns of ['ns0', 'ns1', 'ns2', 'kube-system']) namespaces.push({ kind: 'Namespace', cluster: c, name: ns, labels: {} });
  const keys: string[] = [];
  const podsOf = new Map<string, PodInfo[]>();
  const add = (cluster: string, ns: string, name: string, labels: Record<string, string>, n: number, ports: readonly number[], ci: number, idx: number): void => {
    const key = workloadKey(cluster, ns, 'Deployment', name);
    keys.push(key);
    workloads.push({ kind: 'Workload', workloadKind: 'Deployment', cluster, namespace: ns, name, labels: {}, selector: { matchLabels: labels }, templateLabels: labels });
    const rs = `${name}-7d9f8b6c5`;
    workloads.push({ kind: 'Workload', workloadKind: 'ReplicaSet', cluster, namespace: ns, name: rs, labels: {}, selector: { matchLabels: labels }, owner: { kind: 'Deployment', name, controller: true } });
    const list: PodInfo[] = [];
    for (let p = 0; p < n; p++) {
      const pod: PodInfo = {
        kind: 'Pod', cluster, namespace: ns, name: `${rs}-x${p}`, labels: { ...labels, 'pod-template-hash': '7d9f8b6c5' }, ips: [`10.${ci}.${idx}.${p + 1}`],
        hostIPs: [`172.16.${ci}.${(p % 2) + 1}`], nodeName: `${cluster}-node-${(p % 2) + 1}`, hostNetwork: false, privileged: false,
        ports: ports.map((port, i) => ({ name: `p${i}-${port}`, containerPort: port, protocol: 'TCP' as const })), owner: { kind: 'ReplicaSet', name: rs, controller: true },
      };
      list.push(pod);
      pods.push(pod);
    }
    podsOf.set(key, list);
    if (ports.length) {
      services.push({
        kind: 'Service', cluster, namespace: ns, name, labels: {}, type: 'ClusterIP', clusterIPs: [`10.96.${ci}.${idx}`], externalIPs: [], loadBalancerIPs: [],
        selector: labels, ports: [{ protocol: 'TCP', port: 80, targetPort: `p0-${ports[0]}` }],
      });
    }
  };
  add('a', 'kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, 2, [], 0, 200);
  spec.workloads.forEach((w, i) => {
    const cluster = CLUSTERS[w.cluster];
    add(cluster, `ns${w.ns}`, `w${i}`, { app: `w${i}`, ...(w.extraLabel ? { tier: 'x' } : {}) }, w.pods, w.ports, w.cluster, i + 1);
  });
  const edges: FlowEdge[] = [];
  /** The same traffic as a collector before DNAT reports it: pod IPs, and a Service's ClusterIP and port for calls through one. */
  const records: FlowRecord[] = [];
  const record = (src: PodInfo, dst: { ip: string }, protocol: 'TCP' | 'UDP', port: number, dropped: boolean, count: number): void => {
    records.push({ time: 5, source: { ip: src.ips[0] }, destination: dst, protocol, port, verdict: dropped ? 'DROPPED' : 'FORWARDED', count });
  };
  const edge = (source: string, destination: string, protocol: 'TCP' | 'UDP', port: number, extra: Partial<FlowEdge> = {}, dropped = false, count = 1): void => {
    const a = keys.includes(source) ? source.split('/')[0].slice(3) : undefined;
    const b = keys.includes(destination) ? destination.split('/')[0].slice(3) : undefined;
    edges.push({
      kind: 'flow', source, destination, protocol, port, count, verdicts: dropped ? { DROPPED: count } : { FORWARDED: count }, firstSeen: 0, lastSeen: 10,
      interCluster: !!a && !!b && a !== b, level: 'workload', ...extra,
    });
  };
  const wl = (i: number): string => keys[1 + (i % (keys.length - 1))];
  const seen = new Set<string>();
  for (const t of spec.traffic) {
    const s = wl(t.src);
    const d = wl(t.dst);
    if (s === d) continue;
    const dstPods = podsOf.get(d)!;
    const declared = dstPods[0].ports.map((p) => p.containerPort);
    const sameCluster = s.split('/')[0] === d.split('/')[0];
    const viaService = t.viaService && declared.length > 0 && !t.udp && sameCluster;
    const port = viaService ? declared[0] : t.portPick;
    const k = `${s}>${d}|${t.udp}|${port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const svc = services.find((x) => `wl:${x.cluster}/${x.namespace}/Deployment/${x.name}` === d);
    edge(s, d, t.udp ? 'UDP' : 'TCP', port, viaService && svc ? { service: serviceKey(svc.cluster, svc.namespace, svc.name) } : {}, t.dropped, t.count);
    // Before DNAT, every TCP call within a cluster to a workload with a Service goes through the Service.
    for (const sp of podsOf.get(s)!) {
      if (svc && !t.udp && sameCluster) record(sp, { ip: svc.clusterIPs[0] }, 'TCP', 80, t.dropped, t.count);
      else for (const dp of dstPods) record(sp, { ip: dp.ips[0] }, t.udp ? 'UDP' : 'TCP', port, t.dropped, t.count);
    }
  }
  for (const e of spec.external) {
    const w = wl(e.wl);
    const ip = `203.0.113.${e.ip}`;
    if (seen.has(`${w}|${ip}|${e.inbound}`)) continue;
    seen.add(`${w}|${ip}|${e.inbound}`);
    if (e.inbound) edge(externalKey(ip), w, 'TCP', e.port);
    else edge(w, externalKey(ip), 'TCP', e.port);
  }
  for (const p of new Set(spec.probes)) {
    const w = wl(p);
    const pod = podsOf.get(w)![0];
    edge(hostKey(pod.cluster, pod.nodeName!), w, 'TCP', 8080);
  }
  for (const d of new Set(spec.dns)) {
    const w = wl(d);
    if (!w.startsWith('wl:a/')) continue;
    edge(w, keys[0], 'UDP', 53, { service: serviceKey('a', 'kube-system', 'kube-dns') });
  }
  // Each cluster's pod range holds its pods' addresses: peers in the other cluster are written as that range.
  return { records, inventory: { ...emptyInventory(), clusters: CLUSTERS.map((name, ci) => ({ kind: 'Cluster' as const, name, podCIDRs: [`10.${ci}.0.0/16`] })), namespaces, pods, workloads, services, nodes }, edges };
}

const estateArb: fc.Arbitrary<EstateSpec> = fc.record({
  workloads: fc.array(
    fc.record({
      ns: fc.integer({ min: 0, max: 2 }), cluster: fc.integer({ min: 0, max: 1 }), pods: fc.integer({ min: 1, max: 3 }),
      ports: fc.uniqueArray(fc.integer({ min: 1000, max: 1010 }), { maxLength: 2 }), extraLabel: fc.boolean(),
    }),
    { minLength: 2, maxLength: 9 },
  ),
  traffic: fc.array(
    fc.record({
      src: fc.nat(), dst: fc.nat(), udp: fc.boolean(), portPick: fc.integer({ min: 1000, max: 1012 }), viaService: fc.boolean(),
      dropped: fc.boolean(), count: fc.integer({ min: 1, max: 4 }),
    }),
    { maxLength: 25 },
  ),
  external: fc.array(fc.record({ wl: fc.nat(), ip: fc.integer({ min: 1, max: 20 }), inbound: fc.boolean(), port: fc.integer({ min: 80, max: 90 }) }), { maxLength: 4 }),
  probes: fc.array(fc.nat(), { maxLength: 4 }),
  dns: fc.array(fc.nat(), { maxLength: 6 }),
});

describe('synthesis proof on random estates and random traffic', () => {
  it('never breaks an observed allowed flow and never allows an unobserved pair', () => {
    fc.assert(
      fc.property(estateArb, fc.boolean(), fc.integer({ min: 1, max: 3 }), (spec, includeDropped, minCount) => {
        const { inventory, edges } = build(spec);
        const result = synthesizePolicies({ inventory, edges }, { includeDropped, minCount });
        const proof = verifyPolicies(inventory, result);
        expect(proof.brokenFlows).toEqual([]);
        expect(proof.extraConnections).toEqual([]);
        expect(proof.unprovenFlows).toEqual([]);
        // The snapshot holds no policy of its own: the full connectivity map (the --with-existing
        // path) must agree with the candidate enumeration.
        const viaMap = verifyPolicies(inventory, result, { withExisting: true });
        expect(viaMap.extraConnections).toEqual(proof.extraConnections);
        expect(viaMap.excluded).toEqual(proof.excluded);
      }),
      { numRuns: 60, seed: 4242 },
    );
  });

  it('never breaks and never leaves unproven an observed flow when the traffic is reported before DNAT, through Services', () => {
    let throughServices = 0;
    fc.assert(
      fc.property(estateArb, (spec) => {
        const { inventory, records } = build(spec);
        const builder = new GraphBuilder();
        builder.addInventory(inventory);
        for (const r of records) builder.addFlow(r, r.source.ip!.startsWith('10.0.') ? 'a' : 'b');
        const result = synthesizePolicies(synthesisInputFromGraph(builder.graph, inventory));
        const proof = verifyPolicies(inventory, result);
        expect(proof.brokenFlows).toEqual([]);
        expect(proof.unprovenFlows).toEqual([]);
        // Every edge addressed to a Service landed on a workload, on a port its pods declare.
        builder.graph.forEachEdge((_k, e) => {
          if (!e.service || e.level === 'pod') return;
          throughServices++;
          expect(e.destination.startsWith('wl:'), `${e.source} -> ${e.destination}`).toBe(true);
        });
      }),
      { numRuns: 60, seed: 2026 },
    );
    expect(throughServices).toBeGreaterThan(20);
  });

  it('gives every subject a non-empty selector that isolates it, or skips it with a suggested label', () => {
    fc.assert(
      fc.property(estateArb, (spec) => {
        const { inventory, edges } = build(spec);
        const result = synthesizePolicies({ inventory, edges });
        for (const s of result.report.subjects) {
          const sel = s.selector.matchLabels ?? {};
          expect(Object.keys(sel).length).toBeGreaterThan(0);
          const matching = inventory.pods.filter((p) => p.cluster === s.cluster && p.namespace === s.namespace && Object.entries(sel).every(([k, v]) => p.labels[k] === v));
          expect(matching.length).toBe(s.pods);
        }
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('produces the same policies for the same input in any edge order', () => {
    fc.assert(
      fc.property(estateArb, (spec) => {
        const { inventory, edges } = build(spec);
        const a = synthesizePolicies({ inventory, edges });
        const b = synthesizePolicies({ inventory, edges: [...edges].reverse() });
        expect(JSON.stringify(b.policies)).toBe(JSON.stringify(a.policies));
      }),
      { numRuns: 30, seed: 99 },
    );
  });
});
