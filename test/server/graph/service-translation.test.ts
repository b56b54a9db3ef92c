import { describe, expect, it } from 'vitest';
import { flowEdgeKey } from '../../../generator/model/index.ts';
import type { Inventory } from '../../../generator/model/index.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { T0, deploymentPod, flow, inventory, node, service, slice } from './fixtures.ts';

const client = deploymentPod('prod', 'shop', 'client', '5d4c8b7f9', 'aaaaa', '10.2.1.10');
const mail = deploymentPod('prod', 'shop', 'mail', '6f7b9c8d5', 'bbbbb', '10.2.1.20', { ports: [{ name: 'grpc', containerPort: 8080, protocol: 'TCP' }] });
/** Two pods of one Deployment that name the same container port differently: a named targetPort resolves per pod. */
const webOld = deploymentPod('prod', 'shop', 'web', '7d9f8c6b5', 'ccccc', '10.2.1.30', { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });
const webNew = deploymentPod('prod', 'shop', 'web', '8c6b5d9f7', 'ddddd', '10.2.1.31', { ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] });
const canary = deploymentPod('prod', 'shop', 'web-canary', '9f7d8c6b5', 'eeeee', '10.2.1.32', { labels: { app: 'web', track: 'canary', 'pod-template-hash': '9f7d8c6b5' }, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });

function estate(): Inventory {
  return inventory({
    clusters: [{ kind: 'Cluster', name: 'prod', podCIDRs: ['10.2.0.0/16'] }],
    nodes: [node({ name: 'node-1', addresses: ['192.168.0.11'] })],
    pods: [client, mail, webOld, webNew, canary],
    services: [
      service({ name: 'mail', clusterIPs: ['10.96.0.50'], selector: { app: 'mail' }, ports: [{ protocol: 'TCP', port: 5000, targetPort: 8080 }] }),
      service({
        name: 'web', type: 'LoadBalancer', clusterIPs: ['10.96.0.60'], loadBalancerIPs: ['203.0.113.10'], selector: { app: 'web' },
        ports: [{ protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
      }),
      service({ name: 'empty', clusterIPs: ['10.96.0.70'], selector: { app: 'nobody' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] }),
      service({ namespace: 'default', name: 'kubernetes', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }] }),
    ],
    endpointSlices: [
      slice({ namespace: 'default', name: 'kubernetes', serviceName: 'kubernetes', endpoints: [{ addresses: ['172.18.0.2'] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }),
    ],
  });
}

function graphOf(...flows: Parameters<GraphBuilder['addFlow']>[0][]): GraphBuilder {
  const b = new GraphBuilder();
  b.addInventory(estate());
  for (const f of flows) b.addFlow(f, 'prod');
  return b;
}

const CLIENT = 'wl:prod/shop/Deployment/client';
const workloadEdges = (b: GraphBuilder): string[] =>
  b.graph.filterEdges((_k, a) => a.level === 'workload').map((k) => {
    const a = b.graph.getEdgeAttributes(k);
    return `${a.destination}|${a.protocol}|${a.port}|${a.service ?? '-'}:${a.servicePort ?? '-'}`;
  }).sort();

describe('flows addressed to a Service (before DNAT)', () => {
  const cases: { name: string; to: { ip?: string; service?: { namespace?: string; name: string } }; port: number; expected: string[] }[] = [
    {
      name: 'a ClusterIP reaches the backend on its numeric targetPort, not the Service port',
      to: { ip: '10.96.0.50' }, port: 5000, expected: ['wl:prod/shop/Deployment/mail|TCP|8080|svc:prod/shop/mail:5000'],
    },
    {
      name: 'a Service named by the collector whose ClusterIP the inventory lacks reaches its backend the same way',
      to: { ip: '10.96.200.200', service: { namespace: 'shop', name: 'mail' } }, port: 5000, expected: ['wl:prod/shop/Deployment/mail|TCP|8080|svc:prod/shop/mail:5000'],
    },
    {
      name: 'a named targetPort is resolved per backend pod, for every backend workload',
      to: { ip: '10.96.0.60' }, port: 80,
      expected: [
        'wl:prod/shop/Deployment/web-canary|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|9090|svc:prod/shop/web:80',
      ],
    },
    {
      name: 'a load-balancer address is translated like the ClusterIP',
      to: { ip: '203.0.113.10' }, port: 80,
      expected: [
        'wl:prod/shop/Deployment/web-canary|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|9090|svc:prod/shop/web:80',
      ],
    },
    {
      name: "a node address on a Service's nodePort is translated to that Service's backends",
      to: { ip: '192.168.0.11' }, port: 30080,
      expected: [
        'wl:prod/shop/Deployment/web-canary|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|8080|svc:prod/shop/web:80',
        'wl:prod/shop/Deployment/web|TCP|9090|svc:prod/shop/web:80',
      ],
    },
    {
      name: 'the kubernetes Service reaches the API server on its endpoint port',
      to: { ip: '10.96.0.1' }, port: 443, expected: ['reserved:prod/kube-apiserver|TCP|6443|svc:prod/default/kubernetes:443'],
    },
    {
      name: 'a ClusterIP without endpoints stays the Service (nothing to select: unresolved)',
      to: { ip: '10.96.0.70' }, port: 80, expected: ['svc:prod/shop/empty|TCP|80|svc:prod/shop/empty:80'],
    },
    {
      name: 'a port the Service does not declare stays on the Service',
      to: { ip: '10.96.0.50' }, port: 25, expected: ['svc:prod/shop/mail|TCP|25|svc:prod/shop/mail:-'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const b = graphOf(flow({ ip: client.ips[0] }, c.to, { port: c.port }));
      expect(workloadEdges(b)).toEqual(c.expected);
    });
  }

  it('keeps a flow already translated (to a pod IP) on the pod port', () => {
    const b = graphOf(flow({ ip: client.ips[0] }, { ip: mail.ips[0], service: { namespace: 'shop', name: 'mail' } }, { port: 8080 }));
    expect(workloadEdges(b)).toEqual(['wl:prod/shop/Deployment/mail|TCP|8080|svc:prod/shop/mail:5000']);
  });

  it('sends the pod-level detail from the source pod to the backend workload', () => {
    const b = graphOf(flow({ ip: client.ips[0] }, { ip: '10.96.0.50' }, { port: 5000, time: T0 }));
    const podEdges = b.graph.filterEdges((_k, a) => a.level === 'pod').map((k) => b.graph.getEdgeAttributes(k));
    expect(podEdges.map((e) => `${e.source}->${e.destination}|${e.port}`)).toEqual([`pod:prod/shop/${client.name}->wl:prod/shop/Deployment/mail|8080`]);
    expect(b.graph.hasEdge(flowEdgeKey(CLIENT, 'wl:prod/shop/Deployment/mail', 'TCP', 8080))).toBe(true);
  });
});

describe('pods named only by flows', () => {
  it('land on the inventory workload whose selector matches their labels (manifests name no live pod)', () => {
    const b = new GraphBuilder();
    b.addInventory(inventory({
      workloads: [{ kind: 'Workload', cluster: 'prod', namespace: 'shop', name: 'mail', labels: {}, workloadKind: 'Deployment', selector: { matchLabels: { app: 'mail' } } }],
      pods: [mail], services: estate().services.filter((s) => s.name === 'mail'),
    }));
    b.addFlow(flow({ namespace: 'shop', podName: 'client-7d9f8c6b5-x2x7q', labels: ['k8s:app=client'] }, { namespace: 'shop', podName: 'mail-live-pod', labels: ['k8s:app=mail'] }, { port: 8080 }), 'prod');
    expect(workloadEdges(b)).toEqual(['wl:prod/shop/Deployment/mail|TCP|8080|-:-']);
  });
});
