/**
 * Every reader against hostile input (fast-check): no exception escapes a reader, every record
 * that comes out passes the edge's rules (generator/model/validate.ts), valid lines survive the
 * garbage around them unchanged, and the caches stay within their bounds however many distinct
 * values arrive. `NETATLAS_FUZZ_RUNS` raises the run counts for a longer search by hand.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, flowRecordProblem, labelProblem } from '../../../generator/model/validate.ts';
import { createFlowParseState, parseFlowLine, parseFlowObject, type FlowFormat } from '../../../server/flows/index.ts';
import { ENDPOINT_CACHE_MAX, hubbleDecoderOf, RUN_CACHE_MAX } from '../../../server/flows/hubble/index.ts';
import { INVENTORY_KINDS, normalizeObject } from '../../../server/inventory/normalize.ts';
import { sharedData, TEST_NOW } from './helpers.ts';

const RUNS = Number(process.env.NETATLAS_FUZZ_RUNS ?? 200);
const hubbleLines = ['hubble-otel-basic-sample-10-flows.json', 'hubble-otel-basic-sample-5-dns-flows.json', 'hubble-otel-basic-sample-5-http-flows.json']
  .flatMap((f) => readFileSync(sharedData(`hubble/${f}`), 'utf8').split('\n').filter((l) => l.startsWith('{')));
const gadgetLines = readFileSync(sharedData('inspektor-gadget/ig-advise-networkpolicy-input-2024-k8s-nested.jsonl'), 'utf8').split('\n').filter(Boolean);
const calicoLines = ['calico/calico-oss-whisker-goldmane-flows.jsonl', 'calico/calico-enterprise-es-flowlog.jsonl']
  .flatMap((f) => readFileSync(sharedData(f), 'utf8').split('\n').filter((l) => l.startsWith('{')));

/** Strings an attacker would try in a name, a label or an address. */
const hostile = fc.oneof(
  fc.constantFrom('a/b', 'x', '999.1.1.1', 'fd00::/8', '', '-', '..', '\u0000', '\u001b[2J', '\u009b31m', '<script>', 'k'.repeat(70), 'A'.repeat(300), '1e20', '-1', '70000', 'NaN', '{}', '__proto__', 'constructor'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
/** Objects JSON can carry that make String() and Number() throw (no usable toString/valueOf). */
const unprintable = fc.constantFrom(...['{"toString":1}', '{"toString":1,"valueOf":1}', '{"valueOf":{},"toString":[]}'].map((t) => JSON.parse(t) as unknown));
const hostileValue = fc.oneof(hostile, fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 3 }), unprintable, fc.array(unprintable, { maxLength: 2 }));

/** Replaces the value at one path of a JSON value (chosen by `pick`) with `value`. */
function mutate(root: unknown, pick: number, value: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(root, []);
  const path = paths[pick % paths.length];
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

function readAll(lines: readonly string[], format?: FlowFormat): { records: FlowRecord[]; state: ReturnType<typeof createFlowParseState> } {
  const state = createFlowParseState({ file: 'fuzz.jsonl', now: () => TEST_NOW, ...(format ? { format } : {}), cluster: 'fuzz' });
  const records: FlowRecord[] = [];
  for (const line of lines) parseFlowLine(line, state, records);
  return { records, state };
}

function expectAllValid(records: readonly FlowRecord[]): void {
  for (const r of records) expect(flowRecordProblem(r, TEST_NOW)).toBeUndefined();
}

describe('readers under hostile input', () => {
  it.each([['Hubble', hubbleLines, 'hubble'], ['Inspektor Gadget', gadgetLines, 'inspektor-gadget'], ['Calico', calicoLines, 'calico']] as const)(
    '%s: real lines with one value replaced by a hostile one never throw, and every record that comes out is valid',
    (_name, lines, format) => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(lines.length - 1), fc.nat(), hostileValue), { minLength: 1, maxLength: 20 }), (edits) => {
          const mutated = edits.map(([i, pick, value]) => JSON.stringify(mutate(JSON.parse(lines[i]), pick, value)));
          const { records, state } = readAll(mutated, format);
          expectAllValid(records);
          expect(state.stats.lines).toBe(mutated.length);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('Hubble: valid lines give the same records whatever garbage lines lie between them', () => {
    const clean = readAll(hubbleLines, 'hubble').records;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(hubbleLines.length), fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `x${s}`), hostile.map((s) => `{"flow":${JSON.stringify(s)}}`))), { maxLength: 30 }), (garbage) => {
        const lines = [...hubbleLines];
        for (const [at, line] of [...garbage].sort((a, b) => b[0] - a[0])) lines.splice(at, 0, line.replace(/[\n\r]/g, ' '));
        const { records } = readAll(lines, 'hubble');
        expect(records.map(({ origin: _o, ...r }) => r)).toEqual(clean.map(({ origin: _o, ...r }) => r));
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it('generic JSONL: arbitrary rows never throw and every record that comes out is valid', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ source: hostileValue, destination: hostileValue, protocol: hostileValue, port: hostileValue, verdict: hostileValue, count: hostileValue, time: hostileValue }, { requiredKeys: ['source', 'destination'] }), { maxLength: 20 }), (rows) => {
        const state = createFlowParseState({ file: 'fuzz.jsonl', now: () => TEST_NOW, format: 'generic-jsonl', cluster: 'fuzz' });
        const records: FlowRecord[] = [];
        for (const row of rows) parseFlowObject(row, state, records);
        expectAllValid(records);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(['port', 'count', 'time', 'protocol', 'verdict'])('generic JSONL: a %s that is an object without a prototype is malformed, not a crash', (field) => {
    const state = createFlowParseState({ file: 'fuzz.jsonl', now: () => TEST_NOW, format: 'generic-jsonl', cluster: 'fuzz' });
    const records: FlowRecord[] = [];
    const spoilt = field === 'time' ? { seconds: Object.create(null) } : Object.create(null);
    expect(() => parseFlowObject({ source: 'a/b', destination: 'a/c', [field]: spoilt }, state, records)).not.toThrow();
    parseFlowObject({ source: 'a/b', destination: 'a/c', port: 80 }, state, records);
    expect(records).toHaveLength(1);
    expect(state.stats.malformed).toBe(1);
  });

  const calico = (over: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(calicoLines[0]), ...over });
  const unprintableObject = { toString: 1 };
  it.each<[string, FlowFormat, string, string, RegExp]>([
    ['Calico action', 'calico', calico({ action: unprintableObject }), calicoLines[0], /action/],
    ['Calico reporter', 'calico', calico({ reporter: unprintableObject }), calicoLines[0], /reporter/],
    ['Calico protocol', 'calico', calico({ protocol: unprintableObject }), calicoLines[0], /protocol/],
    ['Calico dest_port', 'calico', calico({ dest_port: unprintableObject }), calicoLines[0], /dest_port/],
    ['generic port', 'generic-jsonl', JSON.stringify({ source: 'a/b', destination: 'a/c', port: unprintableObject }), '{"source":"a/b","destination":"a/c","port":80}', /port/],
    ['generic count', 'generic-jsonl', JSON.stringify({ source: 'a/b', destination: 'a/c', count: unprintableObject }), '{"source":"a/b","destination":"a/c","port":80}', /count/],
  ])('a crafted line (%s: an object String() cannot print) is malformed, named, and the file goes on', (_what, format, crafted, good, reason) => {
    const { records, state } = readAll([crafted, good], format);
    expect(state.stats.malformed).toBe(1);
    expect(state.stats.errors[0]).toMatch(reason);
    expect(records.length).toBeGreaterThan(0);
  });

  it('counts a line a reader throws on as malformed, naming the error, and keeps nothing of it', () => {
    const state = createFlowParseState({ file: 'fuzz.jsonl', now: () => TEST_NOW, format: 'generic-jsonl', cluster: 'fuzz' });
    const records: FlowRecord[] = [];
    const exploding = { source: 'a/b', get destination(): unknown { throw new Error('boom'); } };
    expect(() => parseFlowObject(exploding, state, records)).not.toThrow();
    expect(records).toEqual([]);
    expect(state.stats.records).toBe(0);
    expect(state.stats.malformed).toBe(1);
    expect(state.stats.errors[0]).toMatch(/could not be read \(boom\)/);
  });

  it('generic CSV: arbitrary cells never throw and every record that comes out is valid', () => {
    const cell = hostile.map((s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""').replace(/[\n\r]/g, ' ')}"` : s));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 20 }), (rows) => {
        const lines = ['source,destination,port,count,time', ...rows.map((r) => r.join(','))];
        const { records, state } = readAll(lines, 'generic-csv');
        expectAllValid(records);
        expect(state.stats.records + state.stats.malformed).toBeLessThanOrEqual(rows.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps its caches within their bounds over 30,000 distinct endpoints and connections', () => {
    const state = createFlowParseState({ file: 'many.jsonl', now: () => TEST_NOW, format: 'hubble', maxEntries: 5000 });
    const base = JSON.parse(hubbleLines[0]);
    // A request (the line is a reply, which the decoder drops before reading its endpoints).
    base.flow.is_reply = false;
    const out: FlowRecord[] = [];
    for (let i = 0; i < 30_000; i++) {
      base.flow.source.pod_name = `pod-${i}`;
      base.flow.l4.TCP.source_port = 1024 + (i % 60000);
      base.flow.IP.source = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      parseFlowLine(JSON.stringify(base), state, out);
      out.length = 0;
    }
    const caches = hubbleDecoderOf(state).caches;
    expect(caches.endpoints.size).toBeGreaterThan(0);
    expect(caches.endpoints.size).toBeLessThanOrEqual(ENDPOINT_CACHE_MAX);
    expect(caches.runs.size).toBeLessThanOrEqual(RUN_CACHE_MAX);
    expect(state.connections.size).toBeLessThanOrEqual(2 * 5000);
    expect(state.stats.lines).toBe(30_000);
  });
});

describe('inventory under hostile input', () => {
  it('never lets an object out whose name, namespace or labels break Kubernetes\' rules', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INVENTORY_KINDS), hostile, hostile, fc.dictionary(hostile, hostile, { maxKeys: 3 }), (kind, name, namespace, labels) => {
        const raw = { kind, metadata: { name, namespace, labels }, spec: {} };
        const outcome = normalizeObject(raw, { cluster: 'c', source: { file: 'f.yaml', line: 1 } });
        if (outcome.kind !== 'object') return;
        const o = outcome.object as { name: string; namespace?: string; labels?: Record<string, string> };
        expect(dns1123SubdomainProblem(o.name)).toBeUndefined();
        if (o.namespace !== undefined) expect(dns1123LabelProblem(o.namespace)).toBeUndefined();
        for (const [k, v] of Object.entries(o.labels ?? {})) expect(labelProblem(k, v)).toBeUndefined();
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
