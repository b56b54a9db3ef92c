/**
 * The table form of connection rows (server/collect/connection-table.ts): what the ingest reader
 * makes of an encoded table is exactly the rows that were encoded, and a spoiled table is refused
 * naming the entry, as the row form is.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeConnections, type ConnectionTable } from '../../../server/collect/connection-table.ts';
import { readIngestRequest } from '../../../server/collect/wire.ts';
import { connectionId, type ConnectionRow, type FlowEnd } from '../../../server/store/connections.ts';
import { VERDICTS } from '../../../generator/model/index.ts';

const WEB = 'wl:prod/shop/Deployment/web';
const API = 'wl:prod/shop/Deployment/api';
const EDGE = `${WEB}->${API}|TCP|8080`;
const POD_EDGE = 'pod|pod:prod/shop/web-1->pod:prod/shop/api-1|TCP|8080';

const endArb: fc.Arbitrary<FlowEnd> = fc.record({
  cluster: fc.constantFrom('prod', 'finance'),
  namespace: fc.constantFrom('shop', 'ledger'),
  pod: fc.constantFrom('web-1', 'api-1', 'api-2'),
  workload: fc.constantFrom(WEB, API),
  ip: fc.constantFrom('10.0.0.1', '10.0.0.2', 'fd00::1'),
  port: fc.integer({ min: 0, max: 65_535 }),
}, { requiredKeys: [] });

const rowArb: fc.Arbitrary<ConnectionRow> = fc.record({
  edge: fc.constantFrom(EDGE, `${API}->${WEB}|UDP|53`),
  podEdge: fc.option(fc.constant(POD_EDGE), { nil: undefined }),
  firstSeen: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  span: fc.integer({ min: 0, max: 120_000 }),
  source: endArb,
  destination: endArb,
  protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'),
  observationPoint: fc.option(fc.constantFrom('egress@prod/node-1', 'ingress@prod/node-2'), { nil: undefined }),
  verdict: fc.constantFrom(...VERDICTS),
  dropReason: fc.option(fc.constantFrom('POLICY_DENIED', 'CT_MAP_INSERTION_FAILED'), { nil: undefined }),
  policy: fc.option(fc.constantFrom('default.allow-web', 'shop/deny-all'), { nil: undefined }),
  reports: fc.integer({ min: 1, max: 9 }),
  ownId: fc.boolean(),
}).map(({ span, podEdge, observationPoint, dropReason, policy, ownId, ...r }) => ({
  ...r,
  ...(podEdge !== undefined ? { podEdge } : {}), ...(observationPoint !== undefined ? { observationPoint } : {}),
  ...(dropReason !== undefined ? { dropReason } : {}), ...(policy !== undefined ? { policy } : {}),
  lastSeen: r.firstSeen + span,
  // most ids are what connectionId makes of the ends (sent as null); some are not
  id: ownId ? `TCP web-1>api-1:${r.reports}` : connectionId(r.protocol, r.source, r.destination),
}));

const read = (connectionTable: unknown) => readIngestRequest({ collector: 'prod', batchId: 'b-1', edges: [], nodes: [], connectionTable });

describe('the connection table', () => {
  it('reads back as exactly the rows it was made of', () => {
    fc.assert(fc.property(fc.array(rowArb, { maxLength: 40 }), (rows) => {
      const table = JSON.parse(JSON.stringify(encodeConnections(rows))) as ConnectionTable;
      expect(read(table).connections).toEqual(rows);
    }));
  });

  it('names each distinct edge key and end once, and leaves out an id its ends give', () => {
    const end = (port: number): FlowEnd => ({ cluster: 'prod', namespace: 'shop', pod: 'web-1', workload: WEB, ip: '10.0.0.1', port });
    const dst: FlowEnd = { cluster: 'prod', namespace: 'shop', pod: 'api-1', workload: API, ip: '10.0.0.2', port: 8080 };
    const rows: ConnectionRow[] = [40_000, 40_001, 40_002].map((port) => ({
      edge: EDGE, podEdge: POD_EDGE, id: connectionId('TCP', end(port), dst), firstSeen: 1, lastSeen: 2,
      source: end(port), destination: dst, protocol: 'TCP', verdict: 'FORWARDED', reports: 1,
    }));
    const table = encodeConnections(rows);
    expect(table.edges).toEqual([EDGE, POD_EDGE]);
    expect(table.ends).toEqual([
      { cluster: 'prod', namespace: 'shop', pod: 'web-1', workload: WEB },
      { cluster: 'prod', namespace: 'shop', pod: 'api-1', workload: API },
    ]);
    expect(table.rows.map((t) => t[2])).toEqual([null, null, null]);
    expect(JSON.stringify(table).length).toBeLessThan(JSON.stringify(rows).length / 2);
  });

  const good = (): ConnectionTable => encodeConnections([{
    edge: EDGE, podEdge: POD_EDGE, id: 'x', firstSeen: 1, lastSeen: 2, protocol: 'TCP', verdict: 'DROPPED', reports: 1, observationPoint: 'egress@prod/node-1',
    source: { cluster: 'prod', namespace: 'shop', pod: 'web-1', workload: WEB, ip: '10.0.0.1', port: 40_000 },
    destination: { cluster: 'prod', namespace: 'shop', pod: 'api-1', workload: API, ip: '10.0.0.2', port: 8080 },
  }]);
  const withRow = (t: ConnectionTable, field: number, value: unknown): ConnectionTable =>
    ({ ...t, rows: [t.rows[0].map((v, i) => (i === field ? value : v))] as unknown as ConnectionTable['rows'] });

  it.each<[string, (t: ConnectionTable) => unknown, RegExp]>([
    ['not an object', () => [], /connectionTable: expected \{edges, ends, points, rows\}/],
    ['an edge key that is not one', (t) => ({ ...t, edges: ['web->api', t.edges[1]] }), /connectionTable\.edges\[0\]: expected an edge key/],
    ['an end with a namespace no cluster accepts', (t) => ({ ...t, ends: [{ namespace: 'Shop!' }, t.ends[1]] }), /connectionTable\.ends\[0\]\.namespace: /],
    ['an observation point with control characters', (t) => ({ ...t, points: ['a\u0000b'] }), /connectionTable\.points\[0\]: /],
    ['a row of the wrong length', (t) => ({ ...t, rows: [t.rows[0].slice(1)] }), /connectionTable\.rows\[0\]: expected \[edge, podEdge, id/],
    ['an edge index out of range', (t) => withRow(t, 0, 7), /connectionTable\.rows\[0\]\.edge: expected an index 0-1/],
    ['a pod-level key as the edge', (t) => withRow(t, 0, 1), /connectionTable\.rows\[0\]\.edge: names a pod-level key/],
    ['a workload-level key as the pod edge', (t) => withRow(t, 1, 0), /connectionTable\.rows\[0\]\.podEdge: expected a pod-level key/],
    ['an end index that is not a whole number', (t) => withRow(t, 5, 0.5), /connectionTable\.rows\[0\]\.source: expected an index/],
    ['an address that is not one', (t) => withRow(t, 9, '10.0.0.300'), /connectionTable\.rows\[0\]\.destinationIp: /],
    ['a port out of range', (t) => withRow(t, 7, 70_000), /connectionTable\.rows\[0\]\.sourcePort: expected 0-65535 or null/],
    ['a verdict no source gives', (t) => withRow(t, 13, 'MAYBE'), /connectionTable\.rows\[0\]\.verdict: expected one of/],
    ['no reports', (t) => withRow(t, 16, 0), /connectionTable\.rows\[0\]\.reports: expected a count >= 1/],
    ['a last sighting before the first', (t) => withRow(t, 4, 0), /connectionTable\.rows\[0\]\.firstSeen\/lastSeen/],
    ['an observation point index out of range', (t) => withRow(t, 12, 3), /connectionTable\.rows\[0\]\.point: expected an index 0-0 or -1/],
  ])('is refused with %s, naming the entry', (_what, spoil, reason) => {
    expect(read(good()).connections).toHaveLength(1);
    expect(() => read(spoil(good()))).toThrow(reason);
  });

  it('is refused beside the row form: a batch gives one of them', () => {
    expect(() => readIngestRequest({ collector: 'prod', batchId: 'b-1', edges: [], nodes: [], connections: [], connectionTable: good() }))
      .toThrow(/connections, connectionTable: give one of them/);
  });
});
