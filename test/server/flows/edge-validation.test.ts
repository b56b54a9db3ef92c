/**
 * Every reader rejects a record with a bad value where it enters (emit, state.ts), with file:line
 * and a reason, counts it per source, and keeps reading: the good lines around it survive.
 */
import { describe, expect, it } from 'vitest';
import { hubbleRecordsFrom, createFlowParseState } from '../../../server/flows/index.ts';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { parseLines, TEST_NOW } from './helpers.ts';

const TIME = '2024-05-01T10:00:00.123456789Z';
/** A compact jsonpb Hubble line (the byte fast path reads it), from its endpoints and addresses. */
function hubbleLine(src: Record<string, unknown>, dst: Record<string, unknown>, ips = { source: '10.0.0.1', destination: '10.0.0.2' }, sport = 41000): string {
  return JSON.stringify({
    flow: { time: TIME, verdict: 'FORWARDED', IP: ips, l4: { TCP: { source_port: sport, destination_port: 8080 } }, source: src, destination: dst, is_reply: false, node_name: 'node-a' },
    node_name: 'node-a', time: TIME,
  });
}
const web = { namespace: 'shop', pod_name: 'web-1', labels: ['k8s:app=web'] };
const api = { namespace: 'shop', pod_name: 'api-1', labels: ['k8s:app=api'] };
/** The same flow, pretty-printed keys in another order: the full JSON.parse path. */
const asLegacy = (line: string): string => JSON.stringify(JSON.parse(line).flow);

const gadget = (fields: Record<string, unknown>): string =>
  JSON.stringify({ type: 'normal', node: 'minikube', namespace: 'demo', pod: 'client', pktType: 'OUTGOING', proto: 'tcp', port: 80, dst: { kind: 'raw', addr: '10.0.0.9' }, ...fields });

interface Case {
  readonly reader: string;
  readonly good: readonly string[];
  readonly bad: string;
  readonly reason: RegExp;
}

const CASES: readonly Case[] = [
  { reader: 'Hubble (compact bytes)', good: [hubbleLine(web, api)], bad: hubbleLine({ ...web, namespace: 'shop/evil' }, api, undefined, 41001), reason: /source namespace "shop\/evil" is not a DNS-1123 label/ },
  { reader: 'Hubble (compact bytes)', good: [hubbleLine(web, api)], bad: hubbleLine(web, { ...api, cluster_name: 'a/b' }, undefined, 41001), reason: /destination cluster "a\/b"/ },
  { reader: 'Hubble (compact bytes)', good: [hubbleLine(web, api)], bad: hubbleLine(web, api, { source: '10.0.0.1', destination: '999.1.1.1' }), reason: /destination IP "999\.1\.1\.1" is not an IP address/ },
  { reader: 'Hubble (compact bytes)', good: [hubbleLine(web, api)], bad: hubbleLine({ ...web, labels: [`k8s:${'k'.repeat(67)}=v`] }, api, undefined, 41001), reason: /source label key "k{67}" is invalid/ },
  { reader: 'Hubble (compact bytes)', good: [hubbleLine(web, api)], bad: hubbleLine({ ...web, pod_name: 'web\u001b[2J' }, api, undefined, 41001), reason: /source pod name "web\\u001b\[2J"/ },
  { reader: 'Hubble (full JSON)', good: [asLegacy(hubbleLine(web, api))], bad: asLegacy(hubbleLine({ ...web, namespace: 'shop/evil' }, api, undefined, 41001)), reason: /source namespace "shop\/evil"/ },
  { reader: 'Hubble (full JSON)', good: [asLegacy(hubbleLine(web, api))], bad: asLegacy(hubbleLine(web, api, { source: 'x', destination: '10.0.0.2' })), reason: /source IP "x"/ },
  { reader: 'Inspektor Gadget', good: [gadget({})], bad: gadget({ namespace: 'demo/evil', port: 81 }), reason: /source namespace "demo\/evil"/ },
  { reader: 'Inspektor Gadget', good: [gadget({})], bad: gadget({ dst: { kind: 'raw', addr: '999.1.1.1' }, port: 81 }), reason: /destination IP "999\.1\.1\.1"/ },
  { reader: 'generic JSONL', good: ['{"source":"prod/shop/web-1","destination":"10.0.0.7","port":5432}'], bad: '{"source":"prod/shop/web-1","destination":"fd00::/8","port":5432}', reason: /destination namespace "fd00::" is not a DNS-1123 label/ },
  { reader: 'generic JSONL', good: ['{"source":"prod/shop/web-1","destination":"10.0.0.7","port":5432}'], bad: '{"source":"prod/shop/web-1","destination":"10.0.0.7","port":5432,"time":"2098-01-01T00:00:00Z"}', reason: /time 2098-01-01T00:00:00\.000Z is outside the accepted window/ },
  { reader: 'generic CSV', good: ['source,destination,port,count', 'prod/shop/web-1,10.0.0.7,5432,2'], bad: 'prod/shop/web-1,10.0.0.7,5432,1e20', reason: /count 100000000000000000000 is not a connection count/ },
  { reader: 'generic CSV', good: ['source,destination,port', 'prod/shop/web-1,10.0.0.7,5432'], bad: 'prod/sh\u0000op/web-1,10.0.0.7,5432', reason: /source namespace "sh\\u0000op"/ },
];

describe('validation at the reader edge', () => {
  it.each(CASES.map((c) => [c.reader, c.reason.source, c] as const))('%s rejects a record matching /%s/ with file:line and keeps the good lines', (_reader, _reason, c) => {
    const { records, stats } = parseLines([...c.good, c.bad, ...c.good.slice(-1)]);
    expect(stats.malformed).toBe(1);
    expect(stats.errors[0]).toMatch(new RegExp(`^test\\.jsonl:${c.good.length + 1}: ${c.reason.source}`));
    // The good line before and the one after the bad one (a repeat of it, unless rows are counted as given).
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const r of records) expect(JSON.stringify(r)).not.toMatch(/evil|999\.1|\\u001b|\\u0000|kkkkk|2098|fd00::/);
  });

  it('counts rejected records in the stats of the source that read them, not in another', () => {
    const a = parseLines([hubbleLine({ ...web, namespace: 'a/b' }, api)]);
    const b = parseLines([hubbleLine(web, api)]);
    expect(a.stats).toMatchObject({ malformed: 1, records: 0 });
    expect(b.stats).toMatchObject({ malformed: 0, records: 1 });
  });

  it('validates decoded Relay objects the same way as lines', () => {
    const state = createFlowParseState({ file: 'relay:127.0.0.1:4245', now: () => TEST_NOW });
    const out: FlowRecord[] = [];
    hubbleRecordsFrom({ flow: JSON.parse(hubbleLine({ ...web, namespace: 'shop/evil' }, api)).flow }, state, out);
    expect(out).toEqual([]);
    expect(state.stats.errors[0]).toMatch(/^relay:127\.0\.0\.1:4245:0: source namespace "shop\/evil"/);
  });

  it('rejects a flow stamped more than 24 h after the clock that received it', () => {
    const { records, stats } = parseLines([hubbleLine(web, api)], { now: () => Date.parse(TIME) - 25 * 3600_000 });
    expect(records).toEqual([]);
    expect(stats.errors[0]).toMatch(/time 2024-05-01T10:00:00\.123Z is outside the accepted window/);
  });
});
