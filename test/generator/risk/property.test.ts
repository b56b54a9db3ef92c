import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowEdge, NetworkPolicyInfo, NetworkPolicyRule, PodInfo } from '../../../generator/model/index.ts';
import { analyzeRisk, allowedBetween } from '../../../generator/risk/index.ts';
import { cidrContains, createEngine, type Peer } from '../../../generator/semantics/index.ts';
import {
  deployment, egressPolicy, estateOf, fromAllNamespaces, fromApp, fromCidr, fromEveryone, ingressPolicy, loadBalancer, observed, readManifest,
} from './fixtures.ts';

/**
 * Random estates: two clusters, up to three namespaces, 3-7 workloads, random ingress and
 * egress policies from the shapes real estates use (open, by app, by namespace, by CIDR), one
 * internet-facing workload and one crown jewel. Observed traffic is drawn among the pairs the
 * policies allow. Property: every proposed cut, read back from its manifest, denies its hop on
 * every pod pair and leaves every observed flow allowed; and no cut names a pod's address (only
 * blocks the policies already named, or a cluster's pod range).
 */
const CLUSTERS = ['a', 'b'];

const ruleArb = (apps: number): fc.Arbitrary<(names: string[]) => NetworkPolicyRule> => fc.oneof(
  fc.constant(() => fromEveryone()),
  fc.integer({ min: 0, max: apps - 1 }).map((i) => (names: string[]) => fromApp(names[i % names.length], 80)),
  fc.constant(() => fromAllNamespaces(80)),
  fc.constantFrom('10.0.0.0/8', '10.1.0.0/16', '0.0.0.0/0').map((c) => () => fromCidr(c)),
);

const specArb = fc.record({
  workloads: fc.array(fc.record({ cluster: fc.integer({ min: 0, max: 1 }), ns: fc.integer({ min: 0, max: 2 }), pods: fc.integer({ min: 1, max: 2 }) }), { minLength: 3, maxLength: 7 }),
  ingress: fc.array(fc.option(fc.array(ruleArb(7), { minLength: 0, maxLength: 2 }), { nil: undefined }), { minLength: 7, maxLength: 7 }),
  egress: fc.array(fc.option(fc.array(ruleArb(7), { minLength: 1, maxLength: 2 }), { nil: undefined }), { minLength: 7, maxLength: 7 }),
  traffic: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { maxLength: 10 }),
  jewel: fc.integer({ min: 1, max: 6 }),
  ipBlockMatchesPods: fc.boolean(),
  podCidrsKnown: fc.boolean(),
});

/** Cluster a's pods are 10.0.x.x, cluster b's 10.1.x.x (see the deployment fixture). */
const POD_CIDRS: Record<string, string[]> = { a: ['10.0.0.0/16'], b: ['10.1.0.0/16'] };

/** Every ipBlock cidr and except a manifest names. */
function addressBlocks(manifest: Record<string, unknown>): string[] {
  const spec = manifest.spec as { ingress?: { from?: NetworkPolicyPeerObject[] }[]; egress?: { to?: NetworkPolicyPeerObject[] }[] };
  const peers = [...(spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(spec.egress ?? []).flatMap((r) => r.to ?? [])];
  return peers.flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])] : []));
}
type NetworkPolicyPeerObject = { ipBlock?: { cidr: string; except?: string[] } };

describe('cuts on random estates', () => {
  it('every proposed cut removes its hop and breaks no observed flow', () => {
    const seen = { paths: 0, cuts: 0, impossible: 0, added: 0 };
    fc.assert(fc.property(specArb, (spec) => {
      const ws = spec.workloads.map((w, i) => deployment({
        cluster: CLUSTERS[w.cluster], namespace: `ns${w.ns}`, name: `w${i}`, port: 80, subnet: i + 1, pods: w.pods, clusterIndex: w.cluster,
      }));
      const names = ws.map((w) => w.workload.name);
      const policies: NetworkPolicyInfo[] = [];
      ws.forEach((w, i) => {
        const { cluster, namespace, name } = w.workload;
        const inRules = spec.ingress[i];
        const outRules = spec.egress[i];
        if (inRules) policies.push(ingressPolicy(cluster, namespace, name, inRules.map((r) => r(names))));
        if (outRules) policies.push(egressPolicy(cluster, namespace, name, outRules.map((r) => r(names))));
      });
      const base = estateOf({
        workloads: ws, services: [loadBalancer(ws[0].workload.cluster, ws[0].workload.namespace, names[0], 80)], policies, ...(spec.podCidrsKnown ? { podCidrs: POD_CIDRS } : {}),
      });
      const podIps = ws.flatMap((w) => w.pods.flatMap((p) => p.ips));
      // Blocks a cut may name that hold pods: the world, those the policies already named, and the clusters' declared pod ranges.
      const stableBlocks = new Set(['0.0.0.0/0', ...policies.flatMap((np) => [...(np.ingress ?? []), ...(np.egress ?? [])].flatMap((r) => (r.peers ?? []).flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])] : [])))),
        ...(spec.podCidrsKnown ? Object.values(POD_CIDRS).flat() : [])]);
      const options = { ipBlockMatchesPods: spec.ipBlockMatchesPods };
      const engine = createEngine(base, options);
      const edges: FlowEdge[] = [...observed('ext:81.2.69.142', ws[0].pods[0], 80)];
      const flows: [PodInfo, PodInfo][] = [];
      for (const [s, d] of spec.traffic) {
        const a = ws[s % ws.length];
        const b = ws[d % ws.length];
        if (a === b) continue;
        const pa: Peer = { kind: 'pod', pod: a.pods[0] };
        const pb: Peer = { kind: 'pod', pod: b.pods[0] };
        if (!allowedBetween(engine, pa, pb).contains('TCP', 80)) continue;
        edges.push(...observed(a.pods[0], b.pods[0], 80));
        flows.push([a.pods[0], b.pods[0]]);
      }
      const result = analyzeRisk({ inventory: base, edges }, { crownJewels: [`name=${names[spec.jewel % names.length]}`], engine: options });
      for (const path of result.paths) {
        seen.paths++;
        if (path.cut.status === 'cut') seen.cuts++;
        else seen.impossible++;
        if (path.cut.changes.some((c) => c.action === 'add')) seen.added++;
        // Every hop of a path is allowed by the policies in force.
        for (const h of path.hops.filter((x) => x.from !== 'internet')) {
          const a = ws.find((w) => `wl:${w.workload.cluster}/${w.workload.namespace}/Deployment/${w.workload.name}` === h.from)!;
          const b = ws.find((w) => `wl:${w.workload.cluster}/${w.workload.namespace}/Deployment/${w.workload.name}` === h.to)!;
          expect(allowedBetween(engine, { kind: 'pod', pod: a.pods[0] }, { kind: 'pod', pod: b.pods[0] }).isEmpty()).toBe(false);
        }
        // No cut ever names a pod's address: every block it names that holds a pod is a stable one.
        for (const c of path.cut.changes) {
          for (const block of addressBlocks(c.manifest)) {
            expect(podIps.map((ip) => `${ip}/32`)).not.toContain(block);
            if (podIps.some((ip) => cidrContains(block, ip))) expect(stableBlocks).toContain(block);
          }
        }
        if (path.cut.status !== 'cut') {
          expect(path.cut.reasons.length).toBeGreaterThan(0);
          continue;
        }
        const changed = [...base.networkPolicies];
        for (const c of path.cut.changes) {
          const np = readManifest(c.policy.split('/')[0], c.manifest);
          const at = changed.findIndex((p) => p.cluster === np.cluster && p.namespace === np.namespace && p.name === np.name);
          if (at >= 0) changed[at] = np;
          else changed.push(np);
        }
        const after = createEngine({ ...base, networkPolicies: changed }, options);
        const hop = path.hops[path.cut.hop!];
        const from = ws.find((w) => `wl:${w.workload.cluster}/${w.workload.namespace}/Deployment/${w.workload.name}` === hop.from)!;
        const to = ws.find((w) => `wl:${w.workload.cluster}/${w.workload.namespace}/Deployment/${w.workload.name}` === hop.to)!;
        for (const s of from.pods) for (const d of to.pods) expect(allowedBetween(after, { kind: 'pod', pod: s }, { kind: 'pod', pod: d }).isEmpty()).toBe(true);
        for (const [s, d] of flows) expect(allowedBetween(after, { kind: 'pod', pod: s }, { kind: 'pod', pod: d }).contains('TCP', 80)).toBe(true);
        expect(allowedBetween(after, { kind: 'ip', ip: '81.2.69.142' }, { kind: 'pod', pod: ws[0].pods[0] }).contains('TCP', 80))
          .toBe(allowedBetween(engine, { kind: 'ip', ip: '81.2.69.142' }, { kind: 'pod', pod: ws[0].pods[0] }).contains('TCP', 80));
      }
    }), { numRuns: 200 });
    // The estates are varied enough to exercise each outcome (not a vacuous pass).
    expect(seen.cuts).toBeGreaterThan(5);
    expect(seen.impossible).toBeGreaterThan(0);
    expect(seen.added).toBeGreaterThan(0);
  });
});
