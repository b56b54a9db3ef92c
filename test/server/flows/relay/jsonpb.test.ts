import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp, responseFromJsonpb, responseToJsonpb } from '../../../../server/flows/relay/jsonpb.ts';
import { loadObserverDefinitions } from '../../../../server/flows/relay/proto.ts';
import { parseJsonpbLines } from '../../../../server/flows/relay/replay-server.ts';

const HUBBLE = new URL('../../../../../shared/data/hubble/', import.meta.url);
const CAPTURES = [
  'hubble-otel-basic-sample-400-tcp-flows.json',
  'hubble-otel-basic-sample-400-udp-flows.json',
  'hubble-otel-basic-sample-400-icmpv4-flows.json',
  'hubble-otel-basic-sample-400-l7-redirected-flows.json',
  'hubble-otel-basic-sample-348-http-flows.json',
  'hubble-otel-basic-sample-330-dns-flows.json',
  'hubble-otel-basic-sample-10-flows.json',
  'cilium-docs-export-events.log.jsonl',
  'aks-acns-flowlog-test-with-workloads.jsonl',
  'tke-guide-cilium-1.19-export.jsonl',
];
/** Fields newer than the subset netatlas declares; protobuf drops them on encode. */
const UNDECLARED = ['emitter', 'ip_trace_id'];

const { service } = loadObserverDefinitions();
const encode = (obj: Record<string, unknown>): Buffer => service.GetFlows.responseSerialize(obj);
const decode = (buf: Buffer): Record<string, unknown> => service.GetFlows.responseDeserialize(buf) as Record<string, unknown>;

function withoutUndeclared(line: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(line);
  const flow = copy.flow as Record<string, unknown>;
  for (const key of UNDECLARED) delete flow[key];
  return copy;
}

/** Protobuf wire format by hand: tag = field << 3 | wire type. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const vField = (field: number, value: number): number[] => [...varint((field << 3) | 0), ...varint(value)];
const bField = (field: number, bytes: number[]): number[] => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const sField = (field: number, text: string): number[] => bField(field, [...Buffer.from(text)]);

describe('Hubble jsonpb <-> protobuf', () => {
  it.each(CAPTURES)('round-trips every line of %s through the protobuf wire format unchanged', (file) => {
    const lines = parseJsonpbLines(readFileSync(new URL(file, HUBBLE), 'utf8'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const back = responseToJsonpb(decode(encode(responseFromJsonpb(line))));
      expect(back).toEqual(withoutUndeclared(line));
    }
  });

  it('decodes bytes written by hand from the field numbers of Cilium flow.proto and observer.proto', () => {
    const endpoint = [...sField(3, 'shop'), ...sField(5, 'web-1'), ...sField(7, 'prod'), ...bField(6, [...sField(1, 'web'), ...sField(2, 'Deployment')])];
    const tcp = [...vField(1, 40000), ...vField(2, 8080), ...bField(3, vField(2, 1))];
    const flow = [
      ...bField(1, [...vField(1, 1_700_000_000), ...vField(2, 5)]), // time
      ...vField(2, 2), // verdict DROPPED
      ...bField(5, [...sField(1, '10.0.0.1'), ...sField(2, '10.0.0.2'), ...vField(3, 1)]), // IP
      ...bField(6, bField(1, tcp)), // l4.TCP
      ...bField(8, endpoint), // source
      ...vField(10, 1), // Type L3_L4
      ...vField(22, 2), // traffic_direction EGRESS
      ...vField(25, 133), // drop_reason_desc POLICY_DENIED
      ...bField(26, vField(1, 1)), // is_reply true
      ...vField(36, 1), // trace_reason NEW
      ...vField(32, 0x1_0000_0001 & 0x7fffffff), // socket_cookie (uint64 as string)
    ];
    const response = [...bField(1, flow), ...sField(1000, 'prod/node-a')];
    const decoded = responseToJsonpb(decode(Buffer.from(response)));
    expect(decoded).toEqual({
      node_name: 'prod/node-a',
      flow: {
        time: '2023-11-14T22:13:20.000000005Z',
        verdict: 'DROPPED',
        IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' },
        l4: { TCP: { source_port: 40000, destination_port: 8080, flags: { SYN: true } } },
        source: { namespace: 'shop', pod_name: 'web-1', cluster_name: 'prod', workloads: [{ name: 'web', kind: 'Deployment' }] },
        Type: 'L3_L4',
        traffic_direction: 'EGRESS',
        drop_reason_desc: 'POLICY_DENIED',
        is_reply: true,
        trace_reason: 'NEW',
        socket_cookie: '1',
      },
    });
  });

  it('encodes a GetFlowsRequest with follow at field 3 and since at field 7', () => {
    const bytes = service.GetFlows.requestSerialize({ follow: true, since: { seconds: '2' } });
    expect([...bytes]).toEqual([...vField(3, 1), ...bField(7, vField(1, 2))]);
  });

  it('formats timestamps like Go protojson, with 0, 3, 6 or 9 fraction digits', () => {
    expect(formatTimestamp({ seconds: '1234', nanos: 0 })).toBe('1970-01-01T00:20:34Z');
    expect(formatTimestamp({ seconds: '1234', nanos: 567_000_000 })).toBe('1970-01-01T00:20:34.567Z');
    expect(formatTimestamp({ seconds: '1234', nanos: 567_800_000 })).toBe('1970-01-01T00:20:34.567800Z');
    expect(formatTimestamp({ seconds: '1234', nanos: 567_800_001 })).toBe('1970-01-01T00:20:34.567800001Z');
  });

  it('parses RFC 3339 timestamps with offsets and refuses malformed ones', () => {
    expect(parseTimestamp('2021-06-16T16:52:13.136834446Z')).toEqual({ seconds: '1623862333', nanos: 136834446 });
    expect(parseTimestamp('1970-01-01T01:00:00.5+01:00')).toEqual({ seconds: '0', nanos: 500_000_000 });
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});
