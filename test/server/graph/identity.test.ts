import { describe, expect, it } from 'vitest';
import { createIdentityResolver, pickHolder, serviceBackends } from '../../../server/graph/identity.ts';
import { T0, deploymentPod, inventory, node, pod, service, shopEstate, slice } from './fixtures.ts';

const ctx = { time: T0, cluster: 'prod' };

describe('createIdentityResolver', () => {
  it('resolves a pod IP to the pod and its owner workload', () => {
    const r = createIdentityResolver(shopEstate());
    const id = r.resolveEndpoint({ ip: '10.2.1.10' }, ctx);
    expect(id.key).toBe('pod:prod/shop/frontend-5d4c8b7f9-abcde');
    expect(id.workloadKey).toBe('wl:prod/shop/Deployment/frontend');
    expect(id.cluster).toBe('prod');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address', () => {
    const r = createIdentityResolver(shopEstate());
    expect(r.resolveEndpoint({ ip: '::ffff:10.2.1.10' }, ctx).key).toBe('pod:prod/shop/frontend-5d4c8b7f9-abcde');
  });

  it('picks the pod that held a reused IP at the flow time', () => {
    const old = pod({ name: 'old-pod', ips: ['10.2.1.50'], startTime: T0 - 3_600_000, endTime: T0 - 60_000, phase: 'Succeeded' });
    const current = pod({ name: 'new-pod', ips: ['10.2.1.50'], startTime: T0 - 30_000 });
    const r = createIdentityResolver(inventory({ pods: [current, old] }));
    expect(r.resolveEndpoint({ ip: '10.2.1.50' }, { ...ctx, time: T0 - 600_000 }).key).toBe('pod:prod/shop/old-pod');
    expect(r.resolveEndpoint({ ip: '10.2.1.50' }, { ...ctx, time: T0 }).key).toBe('pod:prod/shop/new-pod');
  });

  it('attributes a flow before any holder of an IP started to no pod', () => {
    const old = pod({ name: 'old-pod', ips: ['10.2.1.50'], startTime: T0 - 3_600_000, endTime: T0 - 60_000 });
    const current = pod({ name: 'new-pod', ips: ['10.2.1.50'], startTime: T0 - 30_000 });
    const r = createIdentityResolver(inventory({ clusters: [{ kind: 'Cluster', name: 'prod', podCIDRs: ['10.2.0.0/16'] }], pods: [current, old] }));
    expect(r.resolveEndpoint({ ip: '10.2.1.50' }, { ...ctx, time: T0 - 7_200_000 }).key).toBe('unknown:prod/10.2.1.50');
  });

  it('attributes a flow between a deleted holder and its successor to the deleted holder', () => {
    const old = pod({ name: 'old-pod', ips: ['10.2.1.50'], startTime: T0 - 3_600_000, endTime: T0 - 60_000 });
    const current = pod({ name: 'new-pod', ips: ['10.2.1.50'], startTime: T0 - 30_000 });
    expect(pickHolder([
      { start: old.startTime!, end: old.endTime!, live: false, pod: old },
      { start: current.startTime!, end: Infinity, live: true, pod: current },
    ], T0 - 45_000)?.name).toBe('old-pod');
  });

  it('resolves node addresses and hostNetwork pod IPs to the host node', () => {
    const hostPod = pod({ name: 'kube-proxy-x7k2p', namespace: 'kube-system', hostNetwork: true, ips: ['192.168.0.12'], hostIPs: ['192.168.0.12'], nodeName: 'node-2' });
    const r = createIdentityResolver(inventory({ nodes: [node({ name: 'node-1', addresses: ['192.168.0.11'] })], pods: [hostPod] }));
    expect(r.resolveEndpoint({ ip: '192.168.0.11' }, ctx).key).toBe('host:prod/node-1');
    expect(r.resolveEndpoint({ ip: '192.168.0.12' }, ctx).key).toBe('host:prod/node-2');
  });

  it('resolves a ClusterIP to its Service at both levels, to be translated to its backends', () => {
    const r = createIdentityResolver(shopEstate());
    const id = r.resolveEndpoint({ ip: '10.96.5.5' }, ctx);
    expect(id).toMatchObject({ key: 'svc:prod/shop/checkout', workloadKey: 'svc:prod/shop/checkout', serviceKey: 'svc:prod/shop/checkout' });
  });

  it('resolves a Service named by the flow whose address the inventory lacks to that Service', () => {
    const r = createIdentityResolver(shopEstate());
    expect(r.resolveEndpoint({ ip: '10.99.1.1', service: { namespace: 'shop', name: 'checkout' } }, ctx).key).toBe('svc:prod/shop/checkout');
  });

  it('finds Service backends through EndpointSlices before the selector', () => {
    const a = deploymentPod('prod', 'shop', 'api', '5d4c8b7f9', 'aaaaa', '10.2.1.30');
    const b = deploymentPod('prod', 'shop', 'api', '5d4c8b7f9', 'bbbbb', '10.2.1.31');
    const svc = service({ name: 'api', selector: { app: 'api' } });
    const inv = inventory({
      pods: [a, b], services: [svc],
      endpointSlices: [slice({ name: 'api-x1', serviceName: 'api', endpoints: [{ addresses: ['10.2.1.31'] }] })],
    });
    expect(serviceBackends(svc, inv).map((p) => p.name)).toEqual([b.name]);
    expect(serviceBackends(svc, inventory({ pods: [a, b], services: [svc] })).map((p) => p.name).sort()).toEqual([a.name, b.name].sort());
  });

  it('names an address outside every cluster an external peer, with the FQDN DNS revealed', () => {
    const r = createIdentityResolver(shopEstate());
    r.learnDns('api.stripe.com.', ['54.187.174.169']);
    const id = r.resolveEndpoint({ ip: '54.187.174.169' }, ctx);
    expect(id.key).toBe('ext:54.187.174.169');
    expect(id.cluster).toBeUndefined();
    expect(r.fqdnsOf('54.187.174.169')).toEqual(['api.stripe.com']);
  });

  it('names an unmatched address inside a cluster range unknown in that cluster', () => {
    const r = createIdentityResolver(shopEstate());
    expect(r.resolveEndpoint({ ip: '10.2.9.9' }, ctx).key).toBe('unknown:prod/10.2.9.9');
  });

  it('finds an IP of another cluster in that cluster', () => {
    const r = createIdentityResolver(shopEstate());
    const id = r.resolveEndpoint({ ip: '10.3.1.20' }, ctx);
    expect(id.workloadKey).toBe('wl:finance/payments/Deployment/ledger');
    expect(id.cluster).toBe('finance');
  });

  it('resolves a Hubble pod_name and namespace to the inventory pod', () => {
    const r = createIdentityResolver(shopEstate());
    expect(r.resolveEndpoint({ namespace: 'shop', podName: 'checkout-6f7b9c8d5-xk2lm' }, ctx).workloadKey).toBe('wl:prod/shop/Deployment/checkout');
  });

  it('places a label-only endpoint of another cluster on a workload there, without inventory', () => {
    const r = createIdentityResolver();
    const id = r.resolveEndpoint({
      labels: ['k8s:app=ledger', 'k8s:io.cilium.k8s.policy.cluster=finance', 'k8s:io.kubernetes.pod.namespace=payments'],
    }, ctx);
    expect(id.workloadKey).toBe('wl:finance/payments/Deployment/ledger');
    expect(id.cluster).toBe('finance');
    expect(r.synthesizedNode(id.workloadKey)).toMatchObject({ kind: 'workload', inferred: 'labels' });
  });

  it('prefers the workload a label-only endpoint\'s selector matches in the inventory', () => {
    const r = createIdentityResolver(shopEstate());
    const id = r.resolveEndpoint({ labels: ['k8s:app=ledger', 'k8s:io.cilium.k8s.policy.cluster=finance', 'k8s:io.kubernetes.pod.namespace=payments'] }, ctx);
    expect(id.workloadKey).toBe('wl:finance/payments/Deployment/ledger');
    expect(r.synthesizedNode(id.workloadKey)).toBeUndefined();
  });

  it('uses the Hubble workloads field for pods missing from the inventory', () => {
    const r = createIdentityResolver();
    const id = r.resolveEndpoint({ namespace: 'db', podName: 'pg-0', workloads: [{ kind: 'StatefulSet', name: 'pg' }] }, ctx);
    expect(id.key).toBe('pod:prod/db/pg-0');
    expect(id.workloadKey).toBe('wl:prod/db/StatefulSet/pg');
  });

  it('maps reserved identities to hosts, reserved nodes and external peers', () => {
    const r = createIdentityResolver(shopEstate());
    expect(r.resolveEndpoint({ labels: ['reserved:host'] }, { ...ctx, observer: 'prod/node-1' }).key).toBe('host:prod/node-1');
    expect(r.resolveEndpoint({ labels: ['reserved:remote-node'], ip: '192.168.0.11' }, ctx).key).toBe('host:prod/node-1');
    expect(r.resolveEndpoint({ labels: ['reserved:remote-node'], ip: '192.168.7.7' }, ctx).key).toBe('reserved:prod/remote-node');
    expect(r.resolveEndpoint({ reserved: 'kube-apiserver', ip: '192.168.0.11' }, ctx).key).toBe('reserved:prod/kube-apiserver');
    expect(r.resolveEndpoint({ labels: ['reserved:health'] }, ctx).key).toBe('reserved:prod/health');
    expect(r.resolveEndpoint({ labels: ['reserved:world'], ip: '8.8.8.8' }, ctx).key).toBe('ext:8.8.8.8');
    expect(r.resolveEndpoint({ labels: ['reserved:world'] }, ctx).key).toBe('reserved:prod/world');
  });

  it('keeps the same namespace and name in two clusters apart', () => {
    const r = createIdentityResolver(inventory({
      pods: [deploymentPod('dev', 'shop', 'web', '5d4c8b7f9', 'aaaaa', '10.1.1.5'), deploymentPod('prod', 'shop', 'web', '5d4c8b7f9', 'aaaaa', '10.2.1.5')],
    }));
    const dev = r.resolveEndpoint({ namespace: 'shop', podName: 'web-5d4c8b7f9-aaaaa' }, { ...ctx, cluster: 'dev' });
    const prod = r.resolveEndpoint({ namespace: 'shop', podName: 'web-5d4c8b7f9-aaaaa' }, ctx);
    expect(dev.workloadKey).toBe('wl:dev/shop/Deployment/web');
    expect(prod.workloadKey).toBe('wl:prod/shop/Deployment/web');
  });
});
