import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { createFlowParseState, hubbleRecordsFrom, parseFlowLine, reportMalformed, type FlowParseState } from '../../../server/flows/index.ts';
import { sharedData } from './helpers.ts';

const NOW = 1_700_000_000_000;
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
