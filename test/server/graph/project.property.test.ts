import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LEVELS } from '../../../generator/model/index.ts';
import type { FlowEndpoint, Verdict } from '../../../generator/model/index.ts';
import { GraphBuilder, projectGraph, summarizeGraph } from '../../../server/graph/builder.ts';
import { T0, flow, shopEstate } from './fixtures.ts';

const ends: FlowEndpoint[] = [
  { ip: '10.2.1.10' }, { ip: '10.2.1.11' }, { ip: '10.2.1.2' }, { ip: '10.3.1.20' }, { ip: '10.96.5.5' }, { ip: '192.168.0.11' },
  { ip: '8.8.8.8' }, { ip: '10.2.9.9' }, { labels: ['reserved:health'] },
  { namespace: 'other', podName: 'api-5d4c8b7f9-zzzzz', labels: ['k8s:app=api', 'k8s:io.cilium.k8s.policy.cluster=dev'] },
];
const verdicts: Verdict[] = ['FORWARDED', 'DROPPED', 'AUDIT'];

const flowArb = fc.record({
  s: fc.integer({ min: 0, max: ends.length - 1 }),
  d: fc.integer({ min: 0, max: ends.length - 1 }),
  port: fc.constantFrom(53, 80, 443, 5050, 8443),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  verdict: fc.constantFrom(...verdicts),
  count: fc.integer({ min: 1, max: 5 }),
  dt: fc.integer({ min: 0, max: 3_600_000 }),
});

describe('projectGraph (property)', () => {
  it('keeps every connection and verdict count at every level', () => {
    fc.assert(
      fc.property(fc.array(flowArb, { minLength: 1, maxLength: 60 }), (flows) => {
        const b = new GraphBuilder();
        b.addInventory(shopEstate());
        for (const f of flows) {
          b.addFlow(flow(ends[f.s], ends[f.d], { port: f.port, protocol: f.protocol, verdict: f.verdict, count: f.count, time: T0 + f.dt }), 'prod');
        }
        const total = flows.reduce((n, f) => n + f.count, 0);
        expect(summarizeGraph(b.graph).connections).toBe(total);
        for (const level of LEVELS) {
          const edges = projectGraph(b.graph, level).edges;
          expect(edges.reduce((n, e) => n + e.attributes.count, 0)).toBe(total);
          for (const v of verdicts) {
            const want = flows.filter((f) => f.verdict === v).reduce((n, f) => n + f.count, 0);
            expect(edges.reduce((n, e) => n + (e.attributes.verdicts[v] ?? 0), 0)).toBe(want);
          }
          expect(new Set(edges.map((e) => e.key)).size).toBe(edges.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('splits edges exactly between a filter and its complement', () => {
    fc.assert(
      fc.property(fc.array(flowArb, { minLength: 1, maxLength: 40 }), (flows) => {
        const b = new GraphBuilder();
        b.addInventory(shopEstate());
        for (const f of flows) b.addFlow(flow(ends[f.s], ends[f.d], { port: f.port, protocol: f.protocol, count: f.count }), 'prod');
        const all = projectGraph(b.graph, 'workload').edges.length;
        const tcp = projectGraph(b.graph, 'workload', { protocols: ['TCP'] }).edges.length;
        const udp = projectGraph(b.graph, 'workload', { protocols: ['UDP'] }).edges.length;
        expect(tcp + udp).toBe(all);
      }),
      { numRuns: 40 },
    );
  });
});
