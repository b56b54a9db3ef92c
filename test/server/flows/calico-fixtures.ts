/** Named builders for the Calico tests: Calico flow-log lines and the equivalent Hubble lines. */
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';

export const T = '2026-09-27T11:32:15Z';

/** A Calico OSS (Goldmane/Whisker) flow line between two shop Deployments, by their names and pod-template-hashes. */
export function calicoLine(over: Record<string, unknown> & { from?: [string, string]; to?: [string, string] } = {}): string {
  const { from = ['web', '574ff6d9fd'], to = ['api', '6b7c9d8e5f'], ...rest } = over;
  return JSON.stringify({
    start_time: T, end_time: '2026-09-27T11:32:30Z', action: 'Allow',
    source_name: `${from[0]}-${from[1]}-*`, source_namespace: 'shop', source_labels: `app=${from[0]} | pod-template-hash=${from[1]} | projectcalico.org/namespace=shop`,
    dest_name: `${to[0]}-${to[1]}-*`, dest_namespace: 'shop', dest_labels: `app=${to[0]} | pod-template-hash=${to[1]}`,
    protocol: 'tcp', dest_port: 8080, reporter: 'Dst', policies: { enforced: [], pending: [] }, num_connections_started: 1,
    packets_in: 8, packets_out: 6, bytes_in: 592, bytes_out: 400, ...rest,
  });
}

/** The same connections as Hubble export lines: one line per connection, from pod `<name>-<hash>-x<n>`. */
export function hubbleLines(from: [string, string], to: [string, string], connections: number, verdict: 'FORWARDED' | 'DROPPED', port = 8080): string[] {
  const pod = ([name, hash]: [string, string], ip: string) => ({
    namespace: 'shop', pod_name: `${name}-${hash}-x1`, labels: [`k8s:app=${name}`], workloads: [{ name, kind: 'Deployment' }], ip,
  });
  return Array.from({ length: connections }, (_, i) => JSON.stringify({
    flow: {
      time: T, verdict, ...(verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
      IP: { source: '10.1.0.10', destination: '10.1.0.20' }, l4: { TCP: { source_port: 30000 + i, destination_port: port, flags: { SYN: true } } },
      source: pod(from, '10.1.0.10'), destination: pod(to, '10.1.0.20'), is_reply: false, traffic_direction: 'EGRESS', node_name: 'east/node-1',
    },
  }));
}

export function workloadEdges(records: readonly FlowRecord[]) {
  const b = new GraphBuilder();
  for (const r of records) b.addFlow(r, 'east');
  const out: Record<string, { count: number; verdicts: object }> = {};
  b.graph.forEachEdge((key, a) => { if (a.level !== 'pod') out[key] = { count: a.count, verdicts: a.verdicts }; });
  return out;
}
