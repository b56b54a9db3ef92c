import { describe, expect, it } from 'vitest';
import { GraphBuilder, podEdgeKey, projectGraph, summarizeGraph } from '../../../server/graph/builder.ts';
import { flowEdgeKey } from '../../../generator/model/index.ts';
import { T0, deploymentPod, flow, inventory, shopEstate } from './fixtures.ts';

const frontend = { ip: '10.2.1.10' };
const checkoutPod = { ip: '10.2.1.11' };

function built(): GraphBuilder {
  const b = new GraphBuilder();
  b.addInventory(shopEstate());
  return b;
}

describe('GraphBuilder', () => {
  it('adds cluster, namespace, workload, pod, service and host nodes from an inventory', () => {
    const s = summarizeGraph(built().graph);
    expect(s.clusters).toEqual(['finance', 'prod']);
    expect(s.nodes).toMatchObject({ cluster: 2, namespace: 3, workload: 4, pod: 4, service: 2, host: 1 });
  });

  it('aggregates flows per workload pair, protocol and port with counts, verdicts and first/last seen', () => {
    const b = built();
    b.addFlow(flow(frontend, checkoutPod, { port: 5050 }), 'prod');
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + 5000, count: 3 }), 'prod');
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 - 5000, verdict: 'DROPPED', dropReason: 'POLICY_DENIED' }), 'prod');
    const key = flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050);
    const e = b.graph.getEdgeAttributes(key);
    expect(e).toMatchObject({
      count: 5, verdicts: { FORWARDED: 4, DROPPED: 1 }, dropReasons: { POLICY_DENIED: 1 }, firstSeen: T0 - 5000, lastSeen: T0 + 5000,
      interCluster: false, level: 'workload',
    });
    expect(b.graph.getEdgeAttributes(podEdgeKey('pod:prod/shop/frontend-5d4c8b7f9-abcde', 'pod:prod/shop/checkout-6f7b9c8d5-xk2lm', 'TCP', 5050)).count).toBe(5);
  });

  it('moves a corrected connection from its first verdict to the stronger one at workload and pod level, count unchanged', () => {
    const b = built();
    b.addFlow(flow(frontend, checkoutPod, { port: 5050 }), 'prod');
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + 1000 }), 'prod');
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + 1001, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', supersedes: 'FORWARDED' }), 'prod');
    const wl = b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050));
    const pod = b.graph.getEdgeAttributes(podEdgeKey('pod:prod/shop/frontend-5d4c8b7f9-abcde', 'pod:prod/shop/checkout-6f7b9c8d5-xk2lm', 'TCP', 5050));
    for (const e of [wl, pod]) expect(e).toMatchObject({ count: 2, verdicts: { FORWARDED: 1, DROPPED: 1 }, dropReasons: { POLICY_DENIED: 1 } });
    // The last FORWARDED connection corrected: the verdict disappears rather than staying at 0.
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + 1002, verdict: 'DROPPED', supersedes: 'FORWARDED' }), 'prod');
    expect(wl.count).toBe(2);
    expect(wl.verdicts).toEqual({ DROPPED: 2 });
  });

  it('counts a correction as a new connection on an edge that never held the superseded verdict', () => {
    const b = built();
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, verdict: 'DROPPED', supersedes: 'FORWARDED' }), 'prod');
    const e = b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050));
    expect(e).toMatchObject({ count: 1, verdicts: { DROPPED: 1 } });
  });

  it('keeps one edge object per distinct edge however many flows arrive', () => {
    const b = built();
    for (let i = 0; i < 1000; i++) b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + i }), 'prod');
    expect(b.graph.size).toBe(2);
    expect(summarizeGraph(b.graph).connections).toBe(1000);
  });

  it('marks an edge whose ends are in different clusters inter-cluster', () => {
    const b = built();
    b.addFlow(flow(frontend, { ip: '10.3.1.20' }, { port: 8443 }), 'prod');
    const e = b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:finance/payments/Deployment/ledger', 'TCP', 8443));
    expect(e.interCluster).toBe(true);
    expect(summarizeGraph(b.graph).interClusterEdges).toBe(1);
  });

  it('records the Service a flow was addressed to and its port, resolving named target ports', () => {
    const b = built();
    b.addFlow(flow(frontend, { ...checkoutPod, service: { namespace: 'shop', name: 'checkout' } }, { port: 5050 }), 'prod');
    const e = b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050));
    expect(e.service).toBe('svc:prod/shop/checkout');
    expect(e.servicePort).toBe(80);
  });

  it('marks kube-dns as dns infrastructure', () => {
    const b = built();
    expect(b.graph.getNodeAttributes('wl:prod/kube-system/Deployment/coredns')).toMatchObject({ infra: 'dns' });
  });

  it('names an external peer by the FQDN a DNS answer revealed, even after the node exists', () => {
    const b = built();
    b.addFlow(flow(frontend, { ip: '54.187.174.169' }, { port: 443 }), 'prod');
    expect(b.graph.getNodeAttributes('ext:54.187.174.169').label).toBe('54.187.174.169');
    b.addFlow(flow(frontend, { ip: '10.2.1.2' }, { protocol: 'UDP', port: 53, dns: { query: 'api.stripe.com.', ips: ['54.187.174.169'] } }), 'prod');
    expect(b.graph.getNodeAttributes('ext:54.187.174.169')).toMatchObject({ label: 'api.stripe.com', fqdns: ['api.stripe.com'] });
  });

  it('takes the observing cluster from the labelled end when no default cluster is given', () => {
    const b = new GraphBuilder();
    b.addFlow(flow(
      { namespace: 'bookinfo', podName: 'productpage-v1-6b746f74dc-9rcxx', labels: ['k8s:io.cilium.k8s.policy.cluster=kind-kind'] },
      { labels: ['reserved:world'], ip: '142.250.1.1' },
      { port: 443 },
    ));
    expect(b.graph.hasEdge(flowEdgeKey('wl:kind-kind/bookinfo/Deployment/productpage-v1', 'ext:142.250.1.1', 'TCP', 443))).toBe(true);
    expect(b.graph.hasNode('cluster:default')).toBe(false);
  });

  it('puts a flow to a reused IP on the pod that held the IP at the flow time', () => {
    const b = new GraphBuilder();
    b.addInventory(inventory({
      pods: [
        deploymentPod('prod', 'shop', 'old', '5d4c8b7f9', 'aaaaa', '10.2.1.50', { startTime: T0 - 3_600_000, endTime: T0 - 60_000, phase: 'Succeeded' }),
        deploymentPod('prod', 'shop', 'new', '6f7b9c8d5', 'bbbbb', '10.2.1.50', { startTime: T0 - 30_000 }),
      ],
    }));
    b.addFlow(flow({ ip: '10.2.1.50' }, { ip: '8.8.8.8' }, { port: 443, time: T0 - 600_000 }), 'prod');
    b.addFlow(flow({ ip: '10.2.1.50' }, { ip: '8.8.8.8' }, { port: 443, time: T0 }), 'prod');
    expect(b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/old', 'ext:8.8.8.8', 'TCP', 443)).count).toBe(1);
    expect(b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/new', 'ext:8.8.8.8', 'TCP', 443)).count).toBe(1);
  });

  it('counts later flows on an edge restored from elsewhere, and never restores an edge twice', () => {
    const first = built();
    first.addFlow(flow(frontend, checkoutPod, { port: 5050, count: 2 }), 'prod');
    const key = flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050);
    const saved = { ...first.graph.getEdgeAttributes(key), verdicts: { ...first.graph.getEdgeAttributes(key).verdicts } };
    const b = built();
    expect(b.restoreEdge(key, saved)).toBe(true);
    expect(b.restoreEdge(key, saved)).toBe(false);
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, time: T0 + 1000 }), 'prod');
    expect(b.graph.getEdgeAttributes(key)).toMatchObject({ count: 3, verdicts: { FORWARDED: 3 }, lastSeen: T0 + 1000 });
    expect(b.graph.edges(key.split('->')[0], 'wl:prod/shop/Deployment/checkout').filter((k) => k === key)).toHaveLength(1);
    expect(saved.count).toBe(2);
  });

  it('creates the ends of a restored edge that the inventory does not hold', () => {
    const b = new GraphBuilder();
    const key = flowEdgeKey('wl:prod/shop/Deployment/web', 'ext:8.8.8.8', 'TCP', 443);
    b.restoreEdge(key, {
      kind: 'flow', source: 'wl:prod/shop/Deployment/web', destination: 'ext:8.8.8.8', protocol: 'TCP', port: 443, count: 4,
      verdicts: { FORWARDED: 4 }, firstSeen: T0, lastSeen: T0, interCluster: false,
    });
    expect(b.graph.hasNode('ns:prod/shop')).toBe(true);
    expect(b.graph.getEdgeAttributes(key)).toMatchObject({ count: 4, level: 'workload' });
  });

  it('sends a flow to a ClusterIP to the workload behind the Service on its named targetPort', () => {
    const b = built();
    b.addFlow(flow(frontend, { ip: '10.96.5.5' }, { port: 80 }), 'prod');
    const e = b.graph.getEdgeAttributes(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 5050));
    expect(e).toMatchObject({ service: 'svc:prod/shop/checkout', servicePort: 80, count: 1 });
    expect(b.graph.hasEdge(flowEdgeKey('wl:prod/shop/Deployment/frontend', 'wl:prod/shop/Deployment/checkout', 'TCP', 80))).toBe(false);
  });

  it('reports what changed since the last call', () => {
    const b = built();
    b.takeChanges();
    b.addFlow(flow(frontend, checkoutPod, { port: 5050 }), 'prod');
    const changes = b.takeChanges();
    expect(changes.edges).toHaveLength(2);
    expect(b.takeChanges().edges).toHaveLength(0);
  });
});

describe('projectGraph', () => {
  function withTraffic(): GraphBuilder {
    const b = built();
    b.addFlow(flow(frontend, checkoutPod, { port: 5050, count: 2 }), 'prod');
    b.addFlow(flow(frontend, { ip: '10.2.1.2' }, { protocol: 'UDP', port: 53 }), 'prod');
    b.addFlow(flow(checkoutPod, { ip: '10.2.1.2' }, { protocol: 'UDP', port: 53, verdict: 'DROPPED' }), 'prod');
    b.addFlow(flow(frontend, { ip: '10.3.1.20' }, { port: 8443, time: T0 + 60_000 }), 'prod');
    return b;
  }

  it('re-aggregates workload edges at namespace level', () => {
    const p = projectGraph(withTraffic().graph, 'namespace');
    const dns = p.edges.find((e) => e.source === 'ns:prod/shop' && e.target === 'ns:prod/kube-system');
    expect(dns?.attributes).toMatchObject({ count: 2, verdicts: { FORWARDED: 1, DROPPED: 1 }, protocol: 'UDP', port: 53 });
    expect(p.nodes.map((n) => n.key)).toContain('ns:finance/payments');
  });

  it('re-aggregates at cluster level and keeps the inter-cluster mark', () => {
    const p = projectGraph(withTraffic().graph, 'cluster');
    const cross = p.edges.find((e) => e.source === 'cluster:prod' && e.target === 'cluster:finance');
    expect(cross?.attributes.interCluster).toBe(true);
    expect(p.nodes.every((n) => n.attributes.kind === 'cluster')).toBe(true);
  });

  it('shows pod-level edges at pod level and workload edges at workload level', () => {
    const b = withTraffic();
    expect(projectGraph(b.graph, 'pod').edges.every((e) => e.attributes.level === 'pod')).toBe(true);
    expect(projectGraph(b.graph, 'workload').edges).toHaveLength(4);
  });

  it('hides infrastructure edges when asked', () => {
    const p = projectGraph(withTraffic().graph, 'workload', { hideInfra: true });
    expect(p.edges.map((e) => e.attributes.port).sort()).toEqual([5050, 8443]);
    expect(p.nodes.some((n) => n.key.includes('coredns'))).toBe(false);
  });

  it('filters edges by verdict, port, protocol, cluster and time window', () => {
    const g = withTraffic().graph;
    expect(projectGraph(g, 'workload', { verdicts: ['DROPPED'] }).edges).toHaveLength(1);
    expect(projectGraph(g, 'workload', { port: { from: 8443, to: 8443 } }).edges).toHaveLength(1);
    expect(projectGraph(g, 'workload', { protocols: ['UDP'] }).edges).toHaveLength(2);
    expect(projectGraph(g, 'workload', { clusters: ['finance'] }).edges).toHaveLength(1);
    expect(projectGraph(g, 'workload', { since: T0 + 30_000 }).edges).toHaveLength(1);
    expect(projectGraph(g, 'workload', { namespaces: ['payments'] }).edges).toHaveLength(1);
  });

  it('gives every namespaced node its parent', () => {
    const p = projectGraph(withTraffic().graph, 'workload');
    expect(p.nodes.find((n) => n.key === 'wl:prod/shop/Deployment/frontend')?.parent).toBe('ns:prod/shop');
  });
});
