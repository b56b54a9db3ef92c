/** Named builders for collector tests: Hubble export lines, one distinct TCP connection each. */

export interface ConnectionLine {
  readonly cluster: string;
  /** Makes the source port (and so the connection) unique. */
  readonly n: number;
  readonly time: number;
  readonly verdict?: 'FORWARDED' | 'DROPPED';
}

const app = (cluster: string, name: string) => ({
  namespace: 'shop', pod_name: `${name}-1`, labels: [`k8s:app=${name}`, `k8s:io.cilium.k8s.policy.cluster=${cluster}`],
  workloads: [{ name, kind: 'Deployment' }],
});

/** One Hubble export line: web-1 opens a new connection to api-1:8080 (a SYN, not a reply). */
export function connectionLine(c: ConnectionLine): string {
  const time = new Date(c.time).toISOString();
  return JSON.stringify({
    flow: {
      time, verdict: c.verdict ?? 'FORWARDED', ...(c.verdict === 'DROPPED' ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
      IP: { source: '10.1.0.10', destination: '10.1.0.20', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 20000 + (c.n % 40000), destination_port: 8080, flags: { SYN: true } } },
      source: app(c.cluster, 'web'), destination: app(c.cluster, 'api'),
      is_reply: false, node_name: `${c.cluster}/node-1`, traffic_direction: 'EGRESS',
    },
    node_name: `${c.cluster}/node-1`, time,
  });
}

/** `count` connection lines of one cluster starting at `from`, a millisecond apart. */
export function connectionLines(cluster: string, from: number, count: number, t0: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += `${connectionLine({ cluster, n: from + i, time: t0 + from + i })}\n`;
  return out;
}
