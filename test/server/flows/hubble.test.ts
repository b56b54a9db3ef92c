import { describe, expect, it } from 'vitest';
import { collectFlows } from '../../../server/flows/index.ts';
import { edgeOf, parseLines, sharedData, TEST_NOW } from './helpers.ts';

const hubble = (name: string) => sharedData(`hubble/${name}`);

/** A compact jsonpb line like the captures', built from parts so tests state only what matters. */
function line(flow: Record<string, unknown>, nodeName = 'node-a'): string {
  return JSON.stringify({ flow: { time: '2024-05-01T10:00:00.123456789Z', verdict: 'FORWARDED', ...flow, node_name: nodeName }, node_name: nodeName, time: '2024-05-01T10:00:00.123456789Z' });
}
const web = { namespace: 'shop', pod_name: 'web-1', labels: ['k8s:app=web', 'k8s:io.cilium.k8s.policy.cluster=prod'] };
const api = { namespace: 'shop', pod_name: 'api-1', labels: ['k8s:app=api'] };
const tcp = (sport: number, dport: number, flags?: Record<string, boolean>) => ({ TCP: { source_port: sport, destination_port: dport, ...(flags ? { flags } : {}) } });
const webToApi = { IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: tcp(41000, 8080), source: web, destination: api };
const apiToWeb = { IP: { source: '10.0.0.2', destination: '10.0.0.1' }, l4: tcp(8080, 41000), source: api, destination: web };

describe('Hubble captures', () => {
  it('keeps exactly the five request edges of the 10-flow bookinfo sample and drops its five replies', async () => {
    const { records, stats } = await collectFlows(hubble('hubble-otel-basic-sample-10-flows.json'));
    expect(stats).toMatchObject({ lines: 10, records: 5, replies: 5, duplicates: 0, malformed: 0, format: 'hubble' });
    expect(records.map(edgeOf).sort()).toEqual([
      'istio-system/istio-telemetry-85cf8ddf5f-kw64q -> istio-system/istio-galley-7994d74d58-s2pwm TCP/9901',
      'istio-system/prometheus-6655946b9f-hx9ln -> bookinfo/reviews-v1-545db77b95-s6jb8 TCP/15090',
      'kube-system/event-exporter-gke-67986489c8-svnrf -> reserved:world TCP/443',
      'reserved:host -> bookinfo/reviews-v1-545db77b95-s6jb8 TCP/15020',
      'reserved:host -> kube-system/kube-dns-6c7b8dc9f9-gnxh2 TCP/10054',
    ]);
  });

  it('finds the bookinfo request edges in the HTTP capture, never their replies', async () => {
    const { records, stats } = await collectFlows(hubble('hubble-otel-basic-sample-348-http-flows.json'));
    // 348 lines: 173 replies; 175 requests on 39 distinct connections (checked with a script).
    expect(stats).toMatchObject({ lines: 348, replies: 173, records: 39, duplicates: 136 });
    const app = (e: (typeof records)[number]['source']) => e.podName?.replace(/-v\d+-.*$|-[a-z0-9]+-[a-z0-9]+$/, '') ?? e.reserved;
    const edges = new Set(records.map((r) => `${app(r.source)} -> ${app(r.destination)}:${r.port}`));
    expect(edges).toContain('productpage -> reviews:9080');
    expect(edges).toContain('ratings -> productpage:9080');
    expect(edges).toContain('prometheus -> kube-dns:10054');
    expect(edges).not.toContain('reviews -> productpage:9080');
    for (const r of records) expect(r.port).not.toBeGreaterThanOrEqual(32768);
  });

  it('harvests DNS answers from response flows while counting each DNS connection once', async () => {
    const { records, stats } = await collectFlows(hubble('hubble-otel-basic-sample-330-dns-flows.json'));
    // 165 requests on 67 connections; 165 responses: 55 distinct answers with IPs, 110 without.
    expect(stats).toMatchObject({ lines: 330, replies: 110, records: 67 + 55 });
    const answers = records.filter((r) => r.dns);
    expect(answers).toHaveLength(55);
    expect(answers.every((r) => r.count === 0 && r.port === 53 && r.destination.podName?.startsWith('kube-dns'))).toBe(true);
    expect(answers.map((r) => r.dns)).toContainEqual({ query: 'istiod-istio-1611.istio-system.svc.cluster.local', ips: ['10.160.0.203'] });
    expect(records.reduce((n, r) => n + r.count, 0)).toBe(67);
  });

  it('reads the Cilium docs exporter lines with their drop reasons, ICMPv6 included', async () => {
    const { records } = await collectFlows(hubble('cilium-docs-export-events.log.jsonl'));
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ protocol: 'ICMPv6', verdict: 'DROPPED', dropReason: 'INVALID_SOURCE_IP', observer: 'kind-kind/kind-worker' });
    expect(records[0].port).toBeUndefined();
    expect(records[1]).toMatchObject({
      protocol: 'TCP', port: 80, verdict: 'DROPPED', dropReason: 'POLICY_DENIED',
      source: { namespace: 'default', podName: 'xwing', ip: '10.244.1.60', port: 44916 },
      destination: { namespace: 'default', podName: 'deathstar-7848d6c4d5-th9v2', ip: '10.244.1.5' },
    });
    expect(records[1].time).toBe(Date.parse('2023-08-21T12:12:18.510Z'));
  });

  it('keeps cluster_name, workloads and traffic direction from a Cilium flow log', async () => {
    const { records } = await collectFlows(hubble('aks-acns-flowlog-test-with-workloads.jsonl'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      direction: 'EGRESS',
      source: { cluster: 'longtestnetworkflowcni', workloads: [{ kind: 'Deployment', name: 'kapinger-bad' }] },
      destination: { cluster: 'longtestnetworkflowcni', podName: 'kapinger-good-64cbf459c4-q4tr9', identity: 39459 },
    });
  });

  it('drops the REPLY of the Cilium 1.19 export and maps reserved labels to identities', async () => {
    const { records, stats } = await collectFlows(hubble('tke-guide-cilium-1.19-export.jsonl'));
    expect(stats).toMatchObject({ records: 1, replies: 1 });
    expect(records[0]).toMatchObject({ source: { reserved: 'host', ip: '10.10.21.241' }, destination: { reserved: 'world', ip: '9.134.108.44' }, port: 9922 });
  });

  it('reads the legacy bare flow and the jsonpb wrapper of the same flow as one connection', async () => {
    const { records, stats } = await collectFlows(hubble('cilium-printer_test-legacy-vs-jsonpb.txt'));
    expect(stats).toMatchObject({ lines: 7, skipped: 4, records: 1, duplicates: 2, malformed: 0 });
    expect(records[0]).toMatchObject({ verdict: 'DROPPED', port: 8080, source: { ip: '1.1.1.1', identity: 4, reserved: 'health' }, destination: { ip: '2.2.2.2', identity: 12345 } });
  });

  it('drops ICMP echo replies, including EchoReply whose zero type is omitted', async () => {
    const { records, stats } = await collectFlows(hubble('hubble-otel-basic-sample-400-icmpv4-flows.json'));
    expect(stats).toMatchObject({ lines: 18, replies: 7 });
    expect(records.every((r) => r.destination.reserved === 'health' && r.protocol === 'ICMPv4')).toBe(true);
  });
});

describe('Hubble direction and de-duplication', () => {
  it('counts a connection once when both nodes, both observation points and the verdict event report it', () => {
    const { records, stats } = parseLines([
      line({ ...webToApi, is_reply: false, traffic_direction: 'EGRESS', trace_observation_point: 'TO_STACK' }, 'node-a'),
      line({ ...webToApi, is_reply: false, traffic_direction: 'INGRESS', trace_observation_point: 'TO_ENDPOINT' }, 'node-b'),
      line({ ...webToApi, is_reply: false, event_type: { type: 5 } }, 'node-b'),
      line({ ...apiToWeb, is_reply: true }, 'node-b'),
    ]);
    expect(records).toHaveLength(1);
    expect(stats).toMatchObject({ records: 1, duplicates: 2, replies: 1 });
    expect(records[0]).toMatchObject({ observer: 'node-a', direction: 'EGRESS', port: 8080, source: { cluster: 'prod', podName: 'web-1' } });
  });

  it('counts the same 5-tuple again once the de-dup window has passed', () => {
    const at = (t: string) => JSON.stringify({ flow: { ...webToApi, is_reply: false, time: t } });
    const { records, stats } = parseLines([at('2024-05-01T10:00:00Z'), at('2024-05-01T10:00:30Z'), at('2024-05-01T10:05:00Z')]);
    expect(records).toHaveLength(2);
    expect(stats.duplicates).toBe(1);
  });

  it('honours the older reply field when is_reply is absent', () => {
    const { records, stats } = parseLines([line({ ...apiToWeb, reply: true }), line({ ...webToApi })]);
    expect(stats.replies).toBe(1);
    expect(records.map(edgeOf)).toEqual(['shop/web-1 -> shop/api-1 TCP/8080']);
  });

  it.each([
    ['SYN without ACK is a request', { ...apiToWeb, l4: tcp(8080, 41000, { SYN: true }) }, 1],
    ['SYN+ACK is a reply', { ...webToApi, l4: tcp(41000, 8080, { SYN: true, ACK: true }) }, 0],
    ['trace_reason NEW is a request', { ...apiToWeb, trace_reason: 'NEW' }, 1],
    ['trace_reason REPLY is a reply', { ...webToApi, trace_reason: 'REPLY' }, 0],
    ['an ephemeral destination port is a reply (last resort)', { ...apiToWeb }, 0],
    ['an ephemeral source port is a request (last resort)', { ...webToApi }, 1],
  ])('without a reply flag, %s', (_name, flow, expected) => {
    expect(parseLines([line(flow)]).records).toHaveLength(expected);
  });

  it('recognises a flagless packet as the reply of a request already seen', () => {
    const { records, stats } = parseLines([
      line({ ...webToApi, l4: tcp(3000, 4000), is_reply: false }),
      line({ ...webToApi, IP: { source: '10.0.0.2', destination: '10.0.0.1' }, l4: tcp(4000, 3000), source: api, destination: web }),
    ]);
    expect(records).toHaveLength(1);
    expect(stats.replies).toBe(1);
  });

  it('tolerates masked fields, numeric enums, BoolValue wrappers and 64-bit numbers written as strings', () => {
    const { records } = parseLines([
      JSON.stringify({ flow: { time: { seconds: '1714557600', nanos: 5000000 }, verdict: 2, IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: { UDP: { source_port: '40000', destination_port: '53' } }, is_reply: { value: false }, source: { identity: '16777217' } } }),
      JSON.stringify({ flow: { source: { namespace: 'a', pod_name: 'x' }, destination: { namespace: 'b', pod_name: 'y' } } }),
    ]);
    expect(records[0]).toMatchObject({ time: 1714557600005, verdict: 'DROPPED', protocol: 'UDP', port: 53, source: { identity: 16777217 } });
    expect(records[1]).toMatchObject({ protocol: 'OTHER', verdict: 'UNKNOWN', source: { namespace: 'a', podName: 'x' }, time: TEST_NOW });
  });

  it('keeps destination_service, destination_names, DNS answers on requests and HTTP summaries', () => {
    const { records } = parseLines([
      line({ ...webToApi, is_reply: false, destination_service: { name: 'api', namespace: 'shop' }, destination_names: ['api.example.com.'], l7: { type: 'REQUEST', http: { method: 'GET', url: 'http://api/x' } } }),
    ]);
    expect(records[0].destination).toMatchObject({ service: { name: 'api', namespace: 'shop' }, names: ['api.example.com'] });
    expect(records[0].l7).toBe('HTTP GET http://api/x');
  });

  it('counts node_status, lost_events and agent_event lines as skipped', () => {
    const { records, stats } = parseLines([
      '{"node_status":{"state_change":"NODE_CONNECTED","node_names":["a"]},"node_name":"a","time":"2024-05-01T10:00:00Z"}',
      '{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"7"},"node_name":"a"}',
      '{"agent_event":{"type":"AGENT_STARTED"},"node_name":"a"}',
      '{"debug_event":{"type":"DBG_GENERIC"},"node_name":"a"}',
    ]);
    expect(records).toEqual([]);
    expect(stats.skipped).toBe(4);
  });

  it('reports a broken line as malformed with file:line and goes on', () => {
    const { records, stats } = parseLines([line({ ...webToApi, is_reply: false }), '{"flow":{"IP":', line({ ...webToApi, l4: tcp(41001, 8080), is_reply: false })]);
    expect(records).toHaveLength(2);
    expect(stats.malformed).toBe(1);
    expect(stats.errors[0]).toMatch(/^test\.jsonl:2: invalid JSON/);
  });

  it('gives the same records through the fast path as through plain JSON with spaces', () => {
    const compact = [line({ ...webToApi, is_reply: false }), line({ ...apiToWeb, is_reply: true })];
    const spaced = compact.map((l) => JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, ''));
    const a = parseLines(compact);
    const b = parseLines(spaced);
    expect(b.records).toEqual(a.records);
    expect(b.stats).toEqual(a.stats);
  });
});
