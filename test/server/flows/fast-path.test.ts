import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { collectFlows, createFlowParseState, hubbleRecordsFrom, parseFlowLine, reportMalformed, type FlowParseState } from '../../../server/flows/index.ts';
import { sharedData, TEST_NOW } from './helpers.ts';

const NOW = TEST_NOW;
const demoDir = fileURLToPath(new URL('../../../samples/demo/', import.meta.url));

/** Every Hubble line of the shared captures and of the demo, file by file. */
function corpus(): { name: string; lines: string[] }[] {
  const files: { name: string; lines: string[] }[] = [];
  const hubbleDir = sharedData('hubble');
  for (const name of readdirSync(hubbleDir).sort()) files.push({ name: `hubble/${name}`, lines: readFileSync(join(hubbleDir, name), 'utf8').split('\n') });
  for (const cluster of readdirSync(demoDir).sort()) {
    files.push({ name: `demo/${cluster}`, lines: readFileSync(join(demoDir, cluster, 'flows.jsonl'), 'utf8').split('\n') });
  }
  return files;
}

/** The reference: every line through JSON.parse and hubbleRecordsFrom, no fast path at all. */
function slowLine(line: string, state: FlowParseState, out: FlowRecord[]): void {
  state.line++;
  state.stats.lines++;
  const text = line.trim();
  if (text === '') return;
  if (text.startsWith('#')) {
    state.stats.skipped++;
    return;
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    reportMalformed(state, `invalid JSON (${(err as Error).message})`);
    return;
  }
  hubbleRecordsFrom(obj, state, out);
}

function both(lines: readonly string[]) {
  const options = { file: 'x.jsonl', format: 'hubble' as const, now: () => NOW, cluster: 'home' };
  const fast = createFlowParseState(options);
  const slow = createFlowParseState(options);
  const fastRecords: FlowRecord[] = [];
  const slowRecords: FlowRecord[] = [];
  for (const line of lines) {
    parseFlowLine(line, fast, fastRecords);
    slowLine(line, slow, slowRecords);
  }
  return { fast: { records: fastRecords, stats: fast.stats }, slow: { records: slowRecords, stats: slow.stats } };
}

/**
 * Writes `lines` to a file, reads it with readFlows(`read` options), and expects the records and
 * counters of JSON.parse on every line (slowLine); returns the reference's counters.
 */
async function readFileAndCompare(prefix: string, lines: readonly string[], read: Parameters<typeof collectFlows>[1]): Promise<FlowParseState['stats']> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const file = join(dir, 'flows.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const options = { format: 'hubble' as const, now: () => NOW, cluster: 'home' };
    const fast = await collectFlows(file, { ...options, ...read });
    const slow = createFlowParseState({ ...options, file });
    const slowRecords: FlowRecord[] = [];
    for (const line of lines) slowLine(line, slow, slowRecords);
    expect(slow.stats.records).toBeGreaterThan(100);
    expect(fast.records).toEqual(slowRecords);
    const counters = ({ lines: l, records, replies, duplicates, skipped, malformed, errors }: FlowParseState['stats']) => ({ l, records, replies, duplicates, skipped, malformed, errors });
    expect(counters(fast.stats)).toEqual(counters(slow.stats));
    return slow.stats;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the Hubble fast path', () => {
  const files = corpus();

  it('reads the shared captures and the demo (the corpus is not empty)', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.reduce((n, f) => n + f.lines.length, 0)).toBeGreaterThan(1000);
  });

  for (const { name, lines } of files) {
    it(`produces the same records and counters as JSON.parse on every line of ${name}`, () => {
      const { fast, slow } = both(lines);
      expect(fast.records).toEqual(slow.records);
      expect(fast.stats).toEqual(slow.stats);
    });
  }

  it('produces the same records when every file is read twice with one state (cached endpoints, quick duplicates)', () => {
    const all = files.flatMap((f) => f.lines);
    const { fast, slow } = both([...all, ...all]);
    expect(slow.records.length).toBeGreaterThan(0);
    expect(slow.stats.duplicates).toBeGreaterThan(0);
    expect(fast.records).toEqual(slow.records);
    expect(fast.stats).toEqual(slow.stats);
  });
});

describe('the Hubble fast path in place in the read buffer', () => {
  it('gives the records and counters of JSON.parse when lines span chunks, end in CRLF or hold multi-byte characters', async () => {
    const lines = corpus().flatMap((f) => f.lines).filter((l) => l.trim() !== '');
    // Variations the byte path must read like the oracle: CRLF endings, non-ASCII text in an
    // endpoint (a new cache entry) and in an address, an escaped pod name, a line cut short.
    const flowLine = lines.find((l) => l.startsWith('{"flow":{') && l.includes('"pod_name":"'))!;
    const extra = [
      `${flowLine}\r`,
      flowLine.replace(/"pod_name":"([^"]*)"/, '"pod_name":"$1-ünïcødé-✓"'),
      flowLine.replace(/"IP":\{"source":"[^"]*"/, '"IP":{"source":"10.0.0.ü"'),
      flowLine.replace(/"pod_name":"([^"]*)"/, '"pod_name":"\\u0070od-$1"'),
      flowLine.slice(0, flowLine.length - 40),
    ];
    const all = [...lines, ...extra, ...lines];
    const slow = await readFileAndCompare('netatlas-bytes-', all, { chunkSize: 4096 });
    expect(slow.malformed).toBeGreaterThan(0);
  });
});

/**
 * Lines a producer other than `hubble observe` might write, made from real ones: members in another
 * order, a member repeated with another value (JSON.parse keeps the last), whitespace, camelCase
 * names, escaped strings, non-object values where objects are expected, cut lines. The compact
 * decoder must either read them exactly as JSON.parse does or hand them to it.
 */
const MUTATIONS: readonly ((line: string, pick: number) => string)[] = [
  // members of the flow in another order
  (line, pick) => {
    const obj = JSON.parse(line) as { flow: Record<string, unknown> };
    const keys = Object.keys(obj.flow);
    const rotated = [...keys.slice(pick % keys.length), ...keys.slice(0, pick % keys.length)];
    return JSON.stringify({ ...obj, flow: Object.fromEntries(rotated.map((k) => [k, obj.flow[k]])) });
  },
  // a member written twice: once more at the end of the flow with another value. (Not IP, l4 or
  // time: the quick duplicate check reads the first of those; see docs/flow-format.md.)
  (line, pick) => {
    const extra = ['"verdict":"DROPPED"', '"is_reply":true', '"is_reply":false', '"node_name":"other/node"', '"reply":true',
      '"source":{"namespace":"x","pod_name":"p"}', '"l7":{"type":"RESPONSE","dns":{"query":"a.b.","ips":["1.2.3.4"]}}'][pick % 7];
    const at = line.lastIndexOf('}', line.length - 2);
    const flowEnd = line.endsWith('}}') ? line.length - 1 : at;
    return `${line.slice(0, flowEnd)},${extra}${line.slice(flowEnd)}`;
  },
  // whitespace between tokens
  (line) => JSON.stringify(JSON.parse(line), null, 1).replace(/\n/g, ' '),
  // protojson names
  (line, pick) => line.replace(['"is_reply"', '"node_name"', '"traffic_direction"', '"source_port"', '"IP"'][pick % 5], (m) => m.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace('"IP"', '"ip"')),
  // escaped characters inside strings
  (line) => line.replace(/"pod_name":"([^"\\]*)"/, (_m, v: string) => `"pod_name":"${[...v].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`),
  // a non-object where an object is expected, or null where a string is
  (line, pick) => line.replace(['"l4":{', '"IP":{', '"l7":{', '"source":{'][pick % 4], (m) => `${m.slice(0, -1)}null,"x":{`).replace('"verdict":"', pick % 2 ? '"verdict":null,"y":"' : '"verdict":"'),
  // a line cut short (not right after a `"}` or `}}`: the quick paths take such a line as whole)
  (line, pick) => {
    let cut = line.slice(0, Math.max(1, line.length - 1 - (pick % 200)));
    while (/["}]}$/.test(cut)) cut = cut.slice(0, -1);
    return cut;
  },
];

describe('the Hubble fast path on lines of other shapes', () => {
  const lines = corpus().flatMap((f) => f.lines).filter((l) => l.startsWith('{"flow":{'));

  it('agrees with JSON.parse on mutated real lines, record for record and counter for counter', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: lines.length - 1 }), fc.integer({ min: -1, max: MUTATIONS.length - 1 }), fc.nat(1000)), { minLength: 1, maxLength: 30 }),
        (picks) => {
          const batch = picks.map(([i, m, pick]) => (m < 0 ? lines[i] : MUTATIONS[m](lines[i], pick)));
          const { fast, slow } = both([...batch, ...batch]);
          expect(fast.records).toEqual(slow.records);
          expect(fast.stats).toEqual(slow.stats);
        },
      ),
      // NETATLAS_FUZZ_RUNS=5000 (and another seed) for a longer search by hand.
      { numRuns: Number(process.env.NETATLAS_FUZZ_RUNS ?? 300), seed: Number(process.env.NETATLAS_FUZZ_SEED ?? 20261128) },
    );
  });

});

/** Valid compact Hubble lines built from scratch (not from captures): any mix of the members the decoder reads. */
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const port = fc.oneof(fc.constantFrom(53, 80, 443, 8080), fc.integer({ min: 1, max: 65535 }));
const endpointObject = fc.record(
  {
    ID: fc.nat(5000), identity: fc.oneof(fc.constantFrom(1, 2, 6), fc.integer({ min: 256, max: 70000 })), namespace: name, pod_name: name,
    labels: fc.array(fc.oneof(name.map((v) => `k8s:app=${v}`), fc.constantFrom('reserved:world', 'reserved:host', 'k8s:io.cilium.k8s.policy.cluster=east')), { maxLength: 3 }),
    workloads: fc.array(fc.record({ name, kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet') }), { maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const l4Object = fc.oneof(
  fc.record({ TCP: fc.record({ source_port: port, destination_port: port, flags: fc.record({ SYN: fc.boolean(), ACK: fc.boolean() }, { requiredKeys: [] }) }, { requiredKeys: ['source_port', 'destination_port'] }) }),
  fc.record({ UDP: fc.record({ source_port: port, destination_port: port }) }),
  fc.record({ ICMPv4: fc.record({ type: fc.nat(18) }, { requiredKeys: [] }) }),
);
const l7Object = fc.oneof(
  fc.record({ type: fc.constantFrom('REQUEST', 'RESPONSE'), dns: fc.record({ query: name.map((q) => `${q}.svc.cluster.local.`), ips: fc.array(ipv4, { maxLength: 2 }) }, { requiredKeys: ['query'] }) }),
  fc.record({ type: fc.constantFrom('REQUEST', 'RESPONSE'), http: fc.record({ method: fc.constantFrom('GET', 'POST'), url: name.map((p) => `http://api/${p}`) }) }),
);
/** Cilium's Policy entries, sometimes with a hostile name, namespace or kind (counted and ignored alike). */
const policyEntry = fc.record(
  {
    name: fc.oneof(name, fc.constantFrom('Bad Name', 'a/b', '')),
    namespace: fc.oneof(name, fc.constantFrom('', 'UPPER')),
    labels: fc.array(fc.oneof(name.map((n) => `k8s:io.cilium.k8s.policy.name=${n}`), fc.constantFrom('k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy')), { maxLength: 2 }),
    revision: fc.nat(99).map(String),
    kind: fc.constantFrom('CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'NetworkPolicy', 'not a kind'),
  },
  { requiredKeys: [] },
);
const policyList = fc.array(policyEntry, { minLength: 1, maxLength: 2 });
type FlowObject = Record<string, unknown>;
const hubbleFlow: fc.Arbitrary<FlowObject> = fc.record(
  {
    time: fc.integer({ min: 0, max: 3_600_000 }).map((ms) => new Date(TEST_NOW - ms).toISOString()),
    verdict: fc.constantFrom('FORWARDED', 'DROPPED', 'AUDIT', 'ERROR'),
    IP: fc.record({ source: ipv4, destination: ipv4, ipVersion: fc.constant('IPv4') }),
    l4: l4Object,
    source: endpointObject,
    destination: endpointObject,
    Type: fc.constant('L3_L4'),
    node_name: name.map((n) => `east/${n}`),
    l7: l7Object,
    is_reply: fc.boolean(),
    traffic_direction: fc.constantFrom('INGRESS', 'EGRESS'),
    drop_reason_desc: fc.constantFrom('POLICY_DENIED', 'CT_MAP_INSERTION_FAILED'),
    trace_reason: fc.constantFrom('NEW', 'REPLY', 'ESTABLISHED'),
    destination_names: fc.array(name.map((n) => `${n}.example.com.`), { maxLength: 2 }),
    Summary: fc.constant('TCP Flags: SYN'),
    egress_allowed_by: policyList,
    ingress_allowed_by: policyList,
    egress_denied_by: policyList,
    ingress_denied_by: policyList,
  },
  { requiredKeys: ['IP', 'l4'] },
);
/** A list whose first entry names a valid policy, as most lists Cilium writes do. */
const namingList = fc.tuple(name, name, policyList).map(([n, ns, rest]) => [{ name: n, namespace: ns, labels: [`k8s:io.cilium.k8s.policy.name=${n}`], revision: '1', kind: 'CiliumNetworkPolicy' }, ...rest]);
const anyList = fc.oneof(policyList, namingList);
/** The four deciding-policy lists, each present or not. */
const policyLists = fc.record({ egress_allowed_by: anyList, ingress_allowed_by: anyList, egress_denied_by: anyList, ingress_denied_by: anyList }, { requiredKeys: [] });
/**
 * Another node's report of the same connection, as Hubble writes it after the first: its own
 * node, direction and policy lists (often none), mostly the first report's verdict.
 */
const laterReport = (flow: FlowObject): fc.Arbitrary<FlowObject> =>
  fc.record({ node: name, direction: fc.constantFrom('INGRESS', 'EGRESS'), verdict: fc.constantFrom(flow.verdict, flow.verdict, 'FORWARDED', 'DROPPED'), lists: policyLists })
    .map(({ node, direction, verdict, lists }) => ({ ...withoutLists(flow), verdict, node_name: `east/${node}`, traffic_direction: direction, ...lists }));
function withoutLists(flow: FlowObject): FlowObject {
  const { egress_allowed_by: _ea, ingress_allowed_by: _ia, egress_denied_by: _ed, ingress_denied_by: _id, ...rest } = flow;
  return rest;
}
/** A flow as a line: wrapped (with the wrapper's node_name and time) or bare. */
const asLine = (flow: FlowObject): fc.Arbitrary<string> =>
  fc.record({ wrapper: fc.boolean(), node: name }).map(({ wrapper, node }) => JSON.stringify(wrapper ? { flow, node_name: `east/${node}`, time: flow.time } : { flow }));
/**
 * A connection's reports: the first (half the time a trace event, without policy lists) and up to
 * two later ones from other nodes, as lines in that order.
 */
const hubbleReports: fc.Arbitrary<string[]> = fc.tuple(hubbleFlow, fc.boolean()).chain(([flow, trace]) => {
  const first = trace ? withoutLists(flow) : flow;
  return fc.array(laterReport(first), { maxLength: 2 }).chain((later) => fc.tuple(...[first, ...later].map(asLine)));
});

describe('the Hubble byte decoder on random valid lines', () => {
  it('gives the records and counters of the JSON.parse decoder, line for line', () => {
    // Over all runs: records were made, and the byte path read lines itself (its run cache filled).
    let records = 0;
    let readByBytes = 0;
    let policies = 0;
    let policyCorrections = 0;
    let ignored = 0;
    fc.assert(
      fc.property(fc.array(hubbleReports, { minLength: 1, maxLength: 12 }).map((connections) => connections.flat()), (lines) => {
        const options = { file: 'x.jsonl', format: 'hubble' as const, now: () => NOW, cluster: 'home' };
        const bytes = createFlowParseState({ ...options, hubbleDecoder: 'bytes' });
        const json = createFlowParseState({ ...options, hubbleDecoder: 'json' });
        const fromBytes: FlowRecord[] = [];
        const fromJson: FlowRecord[] = [];
        // Twice: the second round meets cached endpoints, runs and known connections.
        for (const line of [...lines, ...lines]) {
          parseFlowLine(line, bytes, fromBytes);
          parseFlowLine(line, json, fromJson);
        }
        expect(fromBytes).toEqual(fromJson);
        expect(bytes.stats).toEqual(json.stats);
        records += fromJson.length;
        policies += fromJson.filter((r) => r.policy !== undefined).length;
        policyCorrections += fromJson.filter((r) => r.count === 0 && r.supersedes === r.verdict).length;
        ignored += json.stats.ignored;
        if (bytes.hubble !== undefined && bytes.hubble.caches.runs.size + bytes.hubble.caches.l7Runs.size > 0) readByBytes++;
      }),
      { numRuns: Number(process.env.NETATLAS_FUZZ_RUNS ?? 300), seed: Number(process.env.NETATLAS_FUZZ_SEED ?? 20261207) },
    );
    expect(records).toBeGreaterThan(100);
    expect(readByBytes).toBeGreaterThan(50);
    expect(policies).toBeGreaterThan(20);
    // Later reports that named the policy of a connection counted without one: policy corrections.
    expect(policyCorrections).toBeGreaterThan(5);
    expect(ignored).toBeGreaterThan(5);
  });
});
