import { describe, expect, it } from 'vitest';
import { app, defaultDemo, dport, type Json } from './fixtures.ts';

const TIME = /^2026-11-27T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
const VERDICTS = new Set(['FORWARDED', 'DROPPED', 'REDIRECTED']);
const POINTS = new Set(['TO_ENDPOINT', 'TO_PROXY', 'TO_STACK', 'TO_OVERLAY']);

const allFlows = (): [string, Json[]][] => [...defaultDemo().flows];

describe('Hubble flows in samples/demo', () => {
  it('writes every line as a jsonpb GetFlowsResponse: flow, node_name and time', () => {
    for (const [cluster, lines] of allFlows()) {
      expect(lines.length).toBeGreaterThan(100);
      const bad = lines.filter((line) => Object.keys(line).join() !== 'flow,node_name,time' || !TIME.test(line.time)
        || line.flow.time !== line.time || line.flow.node_name !== line.node_name
        || !line.node_name.startsWith(`${cluster}/${cluster}-worker-`));
      expect(bad.slice(0, 3)).toEqual([]);
    }
  });

  it('uses the proto field names: IP, l4.TCP/UDP ports, Type, event_type, is_reply, Summary', () => {
    const problems = (f: Json): string[] => {
      const out: string[] = [];
      const l4 = f.l4.TCP ?? f.l4.UDP;
      if (f.IP?.ipVersion !== 'IPv4' || typeof f.IP.source !== 'string' || typeof f.IP.destination !== 'string') out.push('IP');
      if (!l4 || !Number.isInteger(l4.source_port) || !Number.isInteger(l4.destination_port)) out.push('l4');
      if (!VERDICTS.has(f.verdict)) out.push('verdict');
      if (f.Type !== 'L3_L4' && f.Type !== 'L7') out.push('Type');
      if (![1, 4, 5, 129].includes(f.event_type?.type)) out.push('event_type');
      if (typeof f.is_reply !== 'boolean') out.push('is_reply');
      if (f.traffic_direction !== 'INGRESS' && f.traffic_direction !== 'EGRESS') out.push('traffic_direction');
      if (typeof f.Summary !== 'string') out.push('Summary');
      if (!Array.isArray(f.source.labels) || !Array.isArray(f.destination.labels)) out.push('labels');
      if (f.event_type?.type === 4 && !POINTS.has(f.trace_observation_point)) out.push('trace_observation_point');
      return out;
    };
    for (const [cluster, lines] of allFlows()) {
      const bad = lines.map((l, i) => [`${cluster}:${i + 1}`, problems(l.flow)] as const).filter(([, p]) => p.length > 0);
      expect(bad.slice(0, 3)).toEqual([]);
    }
  });

  it('keeps each file sorted by time within the one demo day', () => {
    for (const [, lines] of allFlows()) {
      const times = lines.map((l) => l.time as string);
      // Same-length prefixes compare as strings once the fraction is padded.
      const ns = times.map((t) => {
        const [, frac = ''] = t.slice(0, -1).split('.');
        return `${t.slice(0, 19)}.${frac.padEnd(9, '0')}`;
      });
      expect([...ns].sort()).toEqual(ns);
    }
  });

  it('shows TCP handshakes: SYN requests, SYN-ACK replies flagged is_reply, ACKs', () => {
    const prod = defaultDemo().flows.get('prod')!.map((l) => l.flow);
    const syn = prod.filter((f) => f.l4.TCP?.flags?.SYN && !f.l4.TCP.flags.ACK);
    const synAck = prod.filter((f) => f.l4.TCP?.flags?.SYN && f.l4.TCP.flags.ACK);
    expect(syn.length).toBeGreaterThan(50);
    expect(syn.every((f) => f.is_reply === false)).toBe(true);
    expect(synAck.length).toBeGreaterThan(50);
    expect(synAck.every((f) => f.is_reply === true)).toBe(true);
    expect(prod.some((f) => f.Summary === 'TCP Flags: ACK' && f.trace_reason === 'ESTABLISHED')).toBe(true);
    expect(prod.filter((f) => f.l4.TCP).every((f) => f.l4.TCP.source_port !== undefined)).toBe(true);
  });

  it('reports every forwarded connection at both ends: source node egress and destination node ingress, in both directions', () => {
    const prod = defaultDemo().flows.get('prod')!.map((l) => l.flow);
    const requests = prod.filter((f) => f.l4.TCP?.flags?.SYN && !f.l4.TCP.flags.ACK && f.event_type.type === 4
      && f.verdict === 'FORWARDED' && f.source.pod_name && f.destination.pod_name);
    expect(requests.length).toBeGreaterThan(50);
    const tuple = (f: Json) => `${f.IP.source}:${f.l4.TCP.source_port}>${f.IP.destination}:${f.l4.TCP.destination_port}`;
    const replies = new Set(prod.filter((f) => f.is_reply && f.l4.TCP).map((f) => `${f.IP.destination}:${f.l4.TCP.destination_port}>${f.IP.source}:${f.l4.TCP.source_port}`));
    const dropped = new Set(prod.filter((f) => f.verdict === 'DROPPED').map(tuple));
    const byTuple = new Map<string, Json[]>();
    for (const f of requests) if (!dropped.has(tuple(f))) byTuple.set(tuple(f), [...(byTuple.get(tuple(f)) ?? []), f]);
    let crossNode = 0;
    for (const [t, seen] of byTuple) {
      expect(replies.has(t), `no reply for ${t}`).toBe(true);
      if (seen.length === 2) {
        crossNode++;
        expect(seen.map((f) => `${f.traffic_direction}/${f.trace_observation_point}`).sort()).toEqual(['EGRESS/TO_OVERLAY', 'INGRESS/TO_ENDPOINT']);
        expect(seen[0].node_name).not.toBe(seen[1].node_name);
      }
    }
    expect(crossNode).toBeGreaterThan(20);
  });

  it('emits policy-verdict events (type 5) where prod policies enforce, with a match type', () => {
    const verdicts = defaultDemo().flows.get('prod')!.map((l) => l.flow).filter((f) => f.event_type.type === 5);
    expect(verdicts.some((f) => f.verdict === 'FORWARDED' && f.traffic_direction === 'INGRESS' && f.policy_match_type === 2)).toBe(true);
    expect(verdicts.some((f) => f.verdict === 'FORWARDED' && f.traffic_direction === 'EGRESS' && f.policy_match_type === 4)).toBe(true);
    expect(verdicts.some((f) => f.verdict === 'REDIRECTED' && dport(f) === 53)).toBe(true);
  });

  it('resolves DNS through kube-dns with L7 query and answer events for every pod', () => {
    const { flows, inventory } = defaultDemo();
    for (const [cluster, lines] of flows) {
      const f = lines.map((l) => l.flow);
      const queried = new Set(f.filter((x) => x.l7?.type === 'REQUEST' && x.l7.dns && x.destination.labels.includes('k8s:k8s-app=kube-dns')).map((x) => x.source.pod_name));
      const pods = inventory.get(cluster)!.items.filter((i: Json) => i.kind === 'Pod' && i.metadata.namespace !== 'kube-system');
      for (const p of pods) expect(queried.has(p.metadata.name), `${cluster}/${p.metadata.name} never resolves DNS`).toBe(true);
      expect(f.some((x) => x.l7?.type === 'RESPONSE' && x.is_reply === true && x.l4.UDP?.source_port === 53)).toBe(true);
    }
    const answers = flows.get('prod')!.map((l) => l.flow).filter((x) => x.l7?.dns?.query === 'api.stripe.com.' && x.l7.type === 'RESPONSE');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers[0].l7.dns.ips).toEqual(['54.187.216.72']);
    expect(answers[0].Summary).toBe(`DNS Answer "54.187.216.72" TTL: ${answers[0].l7.dns.ttl} (Proxy api.stripe.com. A)`);
    expect(typeof answers[0].l7.latency_ns).toBe('string');
  });

  it('sends kubelet probes from the node IP as reserved:host', () => {
    const { flows, inventory } = defaultDemo();
    const nodeIPs = new Set(inventory.get('prod')!.items.filter((i: Json) => i.kind === 'Node')
      .map((n: Json) => n.status.addresses.find((a: Json) => a.type === 'InternalIP').address));
    const probes = flows.get('prod')!.map((l) => l.flow).filter((f) => f.source.labels.includes('reserved:host') && !f.is_reply);
    expect(probes.length).toBeGreaterThan(10);
    for (const p of probes) expect(nodeIPs.has(p.IP.source)).toBe(true);
  });
});

describe('kubectl inventories in samples/demo', () => {
  const items = (cluster: string): Json[] => defaultDemo().inventory.get(cluster)!.items;

  it('prints a List whose items all carry kind and apiVersion', () => {
    for (const [, list] of defaultDemo().inventory) {
      expect(list.kind).toBe('List');
      expect(list.apiVersion).toBe('v1');
      for (const item of list.items) {
        expect(typeof item.kind).toBe('string');
        expect(typeof item.apiVersion).toBe('string');
        expect(item.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
    }
  });

  it('writes object keys sorted at every level, as kubectl prints unstructured objects', () => {
    const unsorted: string[] = [];
    const check = (v: unknown, path: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => check(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.join('\n') !== [...keys].sort().join('\n')) unsorted.push(path);
        for (const k of keys) check((v as Json)[k], `${path}.${k}`);
      }
    };
    for (const [cluster, list] of defaultDemo().inventory) check(list, cluster);
    expect(unsorted.slice(0, 3)).toEqual([]);
    expect(defaultDemo().files.get('prod/inventory.json')!.startsWith('{\n    "apiVersion": "v1",\n    "items": [')).toBe(true);
  });

  it('links Pod -> ReplicaSet -> Deployment by ownerReferences and pod-template-hash', () => {
    const all = items('prod');
    const rs = new Map(all.filter((i) => i.kind === 'ReplicaSet').map((i) => [i.metadata.name, i]));
    const deploys = new Set(all.filter((i) => i.kind === 'Deployment').map((i) => i.metadata.uid));
    const pod = all.find((i) => i.kind === 'Pod' && i.metadata.labels.app === 'frontend')!;
    const owner = pod.metadata.ownerReferences[0];
    expect(owner).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', controller: true });
    expect(owner.name).toBe(`frontend-${pod.metadata.labels['pod-template-hash']}`);
    const set = rs.get(owner.name)!;
    expect(set.metadata.uid).toBe(owner.uid);
    expect(deploys.has(set.metadata.ownerReferences[0].uid)).toBe(true);
  });

  it('labels StatefulSet and DaemonSet pods with controller-revision-hash', () => {
    const all = items('finance');
    const pg = all.find((i) => i.kind === 'Pod' && i.metadata.name === 'postgres-0')!;
    expect(pg.metadata.ownerReferences[0].kind).toBe('StatefulSet');
    expect(pg.metadata.labels['controller-revision-hash']).toMatch(/^postgres-/);
    const fb = all.filter((i) => i.kind === 'Pod' && i.metadata.labels['app.kubernetes.io/name'] === 'fluent-bit');
    expect(fb).toHaveLength(3);
    for (const p of fb) {
      expect(p.metadata.ownerReferences[0].kind).toBe('DaemonSet');
      expect(p.metadata.labels['controller-revision-hash']).toBeDefined();
    }
  });

  it('gives pods IPs inside their node podCIDR, and nodes an InternalIP', () => {
    for (const cluster of ['dev', 'prod', 'finance']) {
      const all = items(cluster);
      const nodes = new Map(all.filter((i) => i.kind === 'Node').map((n) => [n.metadata.name, n]));
      expect(nodes.size).toBe(3);
      for (const p of all.filter((i) => i.kind === 'Pod')) {
        const node = nodes.get(p.spec.nodeName)!;
        const prefix = node.spec.podCIDRs[0].replace(/0\/24$/, '');
        expect(p.status.podIP.startsWith(prefix)).toBe(true);
        expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }]);
        expect(p.status.hostIP).toBe(node.status.addresses.find((a: Json) => a.type === 'InternalIP').address);
      }
    }
  });

  it('points every EndpointSlice at its Service and its pods', () => {
    const all = items('prod');
    const pods = new Map(all.filter((i) => i.kind === 'Pod').map((p) => [p.metadata.name, p]));
    const slice = all.find((i) => i.kind === 'EndpointSlice' && i.metadata.labels['kubernetes.io/service-name'] === 'emailservice')!;
    expect(slice.ports).toEqual([{ name: 'grpc', port: 8080, protocol: 'TCP' }]);
    for (const ep of slice.endpoints) expect(pods.get(ep.targetRef.name)!.status.podIP).toBe(ep.addresses[0]);
    const svc = all.find((i) => i.kind === 'Service' && i.metadata.name === 'emailservice')!;
    expect(svc.spec.ports).toEqual([{ name: 'grpc', port: 5000, protocol: 'TCP', targetPort: 8080 }]);
  });

  it('has Services with named and numeric targetPorts, and kube-dns on 10.96.0.10 UDP+TCP 53', () => {
    const fin = items('finance');
    expect(fin.find((i) => i.kind === 'Service' && i.metadata.name === 'ledger')!.spec.ports[0].targetPort).toBe('https');
    for (const cluster of ['dev', 'prod', 'finance']) {
      const dns = items(cluster).find((i) => i.kind === 'Service' && i.metadata.name === 'kube-dns')!;
      expect(dns.spec.clusterIP).toBe('10.96.0.10');
      expect(dns.spec.ports.filter((p: Json) => p.port === 53).map((p: Json) => p.protocol)).toEqual(['UDP', 'TCP']);
    }
  });

  it('labels every Namespace with kubernetes.io/metadata.name', () => {
    for (const [, list] of defaultDemo().inventory) {
      for (const ns of list.items.filter((i: Json) => i.kind === 'Namespace')) {
        expect(ns.metadata.labels['kubernetes.io/metadata.name']).toBe(ns.metadata.name);
      }
    }
  });

  it('names the flows endpoints after inventory pods (labels agree)', () => {
    const { flows, inventory } = defaultDemo();
    const pods = new Map<string, Json>(inventory.get('prod')!.items.filter((i: Json) => i.kind === 'Pod').map((p: Json) => [p.metadata.name, p]));
    const mismatched: string[] = [];
    let named = 0;
    for (const { flow: f } of flows.get('prod')!) {
      for (const ep of [f.source, f.destination]) {
        if (!ep.pod_name || ep.cluster_name !== 'prod') continue;
        named++;
        const pod = pods.get(ep.pod_name);
        if (!pod || (pod.metadata.labels.app && app(ep) !== pod.metadata.labels.app)) mismatched.push(ep.pod_name);
      }
    }
    expect(named).toBeGreaterThan(500);
    expect(mismatched).toEqual([]);
  });
});
