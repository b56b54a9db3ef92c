/**
 * What flows teach the resolver (DNS names, pods and workloads known only from flows, label sets
 * and identities that name them) is bounded by IdentityLimits, recently used first; what a
 * bound drops resolves as if never learnt.
 */
import { describe, expect, it } from 'vitest';
import type { FlowEndpoint } from '../../../generator/model/index.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { IdentityResolver, MIN_IDENTITY_LIMIT } from '../../../server/graph/identity.ts';
import { T0, flow } from './fixtures.ts';

const ctx = { time: T0, cluster: 'prod' };
const small = { flowPods: MIN_IDENTITY_LIMIT, flowWorkloads: MIN_IDENTITY_LIMIT, learntLabels: MIN_IDENTITY_LIMIT, dnsAddresses: MIN_IDENTITY_LIMIT };
/** Enough other entries to turn every bounded structure over several times. */
const MANY = 10 * MIN_IDENTITY_LIMIT;

const pg0: FlowEndpoint = { namespace: 'db', podName: 'pg-0', labels: ['k8s:app=pg', 'k8s:io.kubernetes.pod.namespace=db'], identity: 40_000, workloads: [{ kind: 'StatefulSet', name: 'pg' }] };
const pgByLabels: FlowEndpoint = { namespace: 'db', labels: pg0.labels };
/** A pod of its own workload, known only from flows. */
const loner = (i: number): FlowEndpoint => ({ namespace: 'batch', podName: `loner-${i}`, labels: [`k8s:run=${i}`] });
/** A label-only end named by its app label (a workload of its own each). */
const labelled = (i: number): FlowEndpoint => ({ namespace: 'batch', labels: [`k8s:app=tool-${i}`] });

describe('an identity resolver with limits', () => {
  it('names an address by a recent DNS answer, and one unused for long as a plain external peer', () => {
    const r = new IdentityResolver(small);
    r.learnDns('old.example.com.', ['192.0.2.1']);
    for (let i = 0; i < MANY; i++) r.learnDns(`svc-${i}.example.com.`, [`198.51.${i >> 8}.${i & 255}`]);
    expect(r.fqdnsOf('192.0.2.1')).toEqual([]);
    expect(r.resolveEndpoint({ ip: '192.0.2.1' }, ctx).key).toBe('ext:192.0.2.1');
    expect(r.fqdnsOf(`198.51.${(MANY - 1) >> 8}.${(MANY - 1) & 255}`)).toEqual([`svc-${MANY - 1}.example.com`]);
    expect(r.held().dnsAddresses).toBeLessThanOrEqual(small.dnsAddresses);
  });

  it('keeps the names of an address still in use however many answers pass', () => {
    const r = new IdentityResolver(small);
    r.learnDns('api.stripe.com.', ['54.187.174.169']);
    for (let i = 0; i < MANY; i++) {
      r.learnDns(`svc-${i}.example.com.`, [`198.51.${i >> 8}.${i & 255}`]);
      expect(r.fqdnsOf('54.187.174.169')).toEqual(['api.stripe.com']);
    }
  });

  it('labels an external node made after its answer was dropped by its address alone', () => {
    const b = new GraphBuilder({ identityLimits: small });
    b.addFlow(flow({ namespace: 'shop', podName: 'web-1' }, { ip: '10.96.0.10' }, { protocol: 'UDP', port: 53, dns: { query: 'old.example.com.', ips: ['192.0.2.1'] } }));
    for (let i = 0; i < MANY; i++) b.resolver.learnDns(`svc-${i}.example.com.`, [`198.51.${i >> 8}.${i & 255}`]);
    b.addFlow(flow({ namespace: 'shop', podName: 'web-1' }, { ip: '192.0.2.1', reserved: 'world' }));
    expect(b.graph.getNodeAttributes('ext:192.0.2.1')).toEqual({ kind: 'external', ip: '192.0.2.1', fqdns: [], label: '192.0.2.1' });
  });

  it('keeps the workload of a pod known from flows while the pod is in use', () => {
    const r = new IdentityResolver(small);
    for (let i = 0; i < MANY; i++) {
      expect(r.resolveEndpoint(pg0, ctx).workloadKey).toBe('wl:prod/db/StatefulSet/pg');
      r.resolveEndpoint(loner(i), ctx);
    }
    expect(r.synthesizedNode('pod:prod/db/pg-0')).toMatchObject({ kind: 'pod', workload: 'wl:prod/db/StatefulSet/pg', fromFlows: true });
    expect(r.synthesizedNode('wl:prod/db/StatefulSet/pg')).toMatchObject({ kind: 'workload', inferred: 'flow-workloads', labels: { app: 'pg' } });
    const held = r.held();
    expect(held.flowPods).toBeLessThanOrEqual(small.flowPods);
    expect(held.flowWorkloads).toBeLessThanOrEqual(small.flowWorkloads);
    expect(held.evicted).toBeGreaterThan(0);
  });

  it('puts back the workload node of a pod in use after the workloads turned over without it', () => {
    const r = new IdentityResolver({ ...small, flowPods: 10 * MANY });
    r.resolveEndpoint(pg0, ctx);
    // Only workloads pass (label-only ends): the pod's entry stays, its workload's is dropped.
    for (let i = 0; i < MANY; i++) r.resolveEndpoint(labelled(i), ctx);
    expect(r.resolveEndpoint(pg0, ctx).workloadKey).toBe('wl:prod/db/StatefulSet/pg');
    expect(r.synthesizedNode('wl:prod/db/StatefulSet/pg')).toMatchObject({ kind: 'workload', inferred: 'flow-workloads', labels: { app: 'pg' } });
  });

  it('names a label-only end by the workload learnt from its named pod while that label set is in use', () => {
    const r = new IdentityResolver(small);
    r.resolveEndpoint(pg0, ctx);
    for (let i = 0; i < MANY; i++) {
      r.resolveEndpoint(loner(i), ctx);
      expect(r.resolveEndpoint(pgByLabels, ctx).workloadKey).toBe('wl:prod/db/StatefulSet/pg');
    }
    expect(r.synthesizedNode('wl:prod/db/StatefulSet/pg')).toMatchObject({ kind: 'workload', inferred: 'flow-workloads' });
    expect(r.held().labelSets).toBeLessThanOrEqual(small.learntLabels);
  });

  it('names a label-only end by its labels alone once what its pod taught was dropped', () => {
    const r = new IdentityResolver(small);
    r.resolveEndpoint(pg0, ctx);
    for (let i = 0; i < MANY; i++) r.resolveEndpoint(loner(i), ctx);
    expect(r.resolveEndpoint(pgByLabels, ctx).workloadKey).toBe('wl:prod/db/Deployment/pg');
  });

  it('holds nothing for ends its keys describe (external peers, hosts, unknown addresses, reserved identities)', () => {
    const r = new IdentityResolver(small);
    for (let i = 0; i < MANY; i++) {
      r.resolveEndpoint({ ip: `203.0.${i >> 8}.${i & 255}`, reserved: 'world' }, ctx);
      r.resolveEndpoint({ labels: ['reserved:host'] }, { ...ctx, observer: `prod/node-${i}` });
      r.resolveEndpoint({ namespace: 'batch', ip: `10.9.${i >> 8}.${i & 255}` }, ctx);
    }
    r.resolveEndpoint({ labels: ['reserved:health'] }, ctx);
    expect(r.held()).toEqual({ flowPods: 0, flowWorkloads: 0, labelSets: 0, ciliumIdentities: 0, dnsAddresses: 0, evicted: 0 });
  });

  it.each([
    ['an external peer', { ip: '2001:db8::1', reserved: 'world' as const }, {}, 'ext:2001:db8::1', { kind: 'external', ip: '2001:db8::1', fqdns: [], label: '2001:db8::1' }],
    ['a host by its observer', { labels: ['reserved:host'] }, { observer: 'prod/node-7' }, 'host:prod/node-7', { kind: 'host', cluster: 'prod', name: 'node-7', addresses: [], label: 'node-7' }],
    ['a reserved identity', { labels: ['reserved:health'] }, {}, 'reserved:prod/health', { kind: 'reserved', cluster: 'prod', identity: 'health', label: 'health' }],
    ['an identity alone', { identity: 12345 }, {}, 'unknown:prod/identity-12345', { kind: 'unknown', cluster: 'prod', ip: 'identity-12345', label: 'identity-12345' }],
  ])('makes the node of %s from its key alone, as if it had been held', (_what, destination, over, key, node) => {
    const b = new GraphBuilder({ identityLimits: small });
    b.addFlow(flow({ namespace: 'shop', podName: 'web-1' }, destination, over), 'prod');
    expect(b.graph.getNodeAttributes(key)).toEqual(node);
  });

  it('refuses a limit below the minimum, naming it and its default', () => {
    expect(() => new IdentityResolver({ dnsAddresses: 10 })).toThrow(/identity limit dnsAddresses = 10 is not an integer of at least 64; leave it out for the default 100000/);
    expect(() => new GraphBuilder({ identityLimits: { flowPods: Number.NaN } })).toThrow(RangeError);
  });
});
