import { describe, expect, it } from 'vitest';
import { ConnectionCache, verdictRank } from '../../../server/flows/index.ts';
import { parseLines } from './helpers.ts';

/** A compact jsonpb line of one report of the connection 10.0.0.1:41000 -> 10.0.0.2:8080. */
const report = (verdict: string, second: number, node: string, extra = ''): string =>
  `{"flow":{"time":"2024-05-01T10:00:0${second}Z","verdict":"${verdict}",${extra}"IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},` +
  `"l4":{"TCP":{"source_port":41000,"destination_port":8080,"flags":{"SYN":true}}},"source":{"namespace":"a","pod_name":"x"},` +
  `"destination":{"namespace":"b","pod_name":"y"},"node_name":"${node}","is_reply":false},"node_name":"${node}","time":"2024-05-01T10:00:0${second}Z"}`;
const dropped = (second: number): string => report('DROPPED', second, 'n2', '"drop_reason":133,').replace('"is_reply":false', '"drop_reason_desc":"POLICY_DENIED","is_reply":false');

describe('ConnectionCache.observe', () => {
  it('reports a new connection, then duplicates, and a supersede when a stronger verdict comes later', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    expect(cache.observe('k', 0, 'FORWARDED')).toEqual({ kind: 'new' });
    cache.namePolicy();
    expect(cache.observe('k', 10, 'FORWARDED')).toEqual({ kind: 'duplicate' });
    expect(cache.observe('k', 20, 'DROPPED')).toEqual({ kind: 'supersede', previous: 'FORWARDED' });
    cache.namePolicy();
    // Once DROPPED was emitted, neither a FORWARDED nor another DROPPED changes anything.
    expect(cache.observe('k', 30, 'FORWARDED')).toEqual({ kind: 'duplicate' });
    expect(cache.observe('k', 40, 'DROPPED')).toEqual({ kind: 'duplicate' });
    expect(cache.verdictOf('k', 50)).toBe('DROPPED');
  });

  it('answers unnamed for a repeat of the emitted verdict until a record names the policy', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    expect(cache.observe('k', 0, 'FORWARDED')).toEqual({ kind: 'new' });
    expect(cache.observe('k', 10, 'FORWARDED')).toEqual({ kind: 'unnamed' });
    expect(cache.observe('k', 15, 'AUDIT')).toEqual({ kind: 'duplicate' });
    expect(cache.observe('k', 20, 'FORWARDED')).toEqual({ kind: 'unnamed' });
    cache.namePolicy();
    expect(cache.observe('k', 30, 'FORWARDED')).toEqual({ kind: 'duplicate' });
    expect(cache.verdictOf('k', 40)).toBe('FORWARDED');
  });

  it('forgets the named policy when a stronger verdict corrects the connection', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    cache.observe('k', 0, 'FORWARDED');
    cache.namePolicy();
    expect(cache.observe('k', 10, 'DROPPED')).toEqual({ kind: 'supersede', previous: 'FORWARDED' });
    // The correction named no policy: the allow named before does not decide a drop.
    expect(cache.observe('k', 20, 'DROPPED')).toEqual({ kind: 'unnamed' });
  });

  it('keeps the named policy across a snapshot and restore', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    cache.observe('named', 0, 'FORWARDED');
    cache.namePolicy();
    cache.observe('unnamed', 0, 'FORWARDED');
    const restored = ConnectionCache.restore(JSON.parse(JSON.stringify(cache.snapshot())), { windowMs: 1000 })!;
    expect(restored.observe('named', 10, 'FORWARDED')).toEqual({ kind: 'duplicate' });
    expect(restored.observe('unnamed', 10, 'FORWARDED')).toEqual({ kind: 'unnamed' });
  });

  it('ranks DROPPED and ERROR above every other verdict, and equal among themselves', () => {
    expect(verdictRank('DROPPED')).toBeGreaterThan(verdictRank('FORWARDED'));
    expect(verdictRank('ERROR')).toBeGreaterThan(verdictRank('REDIRECTED'));
    expect(verdictRank('ERROR')).toBe(verdictRank('DROPPED'));
    const cache = new ConnectionCache();
    cache.observe('k', 0, 'ERROR');
    expect(cache.observe('k', 1, 'DROPPED')).toEqual({ kind: 'duplicate' });
  });

  it('still finds a connection of the first file when the second file, which starts earlier, gets to it', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    // File 1 runs from t=0 to t=100,000 with a connection shared with file 2 in the middle.
    for (let i = 0; i < 1500; i++) cache.seen(`a${i}`, i * 33);
    cache.seen('shared', 50_000);
    for (let i = 1500; i < 3000; i++) cache.seen(`a${i}`, i * 33);
    // File 2 starts at t=0 again: thousands of inserts before it reaches t=50,000.
    for (let i = 0; i < 1500; i++) cache.seen(`b${i}`, i * 33);
    expect(cache.seen('shared', 50_001)).toBe(true);
    // The window still applies to each lookup: the same 5-tuple an hour later is a new connection.
    expect(cache.seen('shared', 50_001 + 3_600_000)).toBe(false);
  });

  it('stays within maxEntries, forgetting the least recently seen connections first (in halves)', () => {
    // Two generations of maxEntries / 2: a connection seen since the last turnover is kept.
    const cache = new ConnectionCache({ maxEntries: 4 });
    cache.seen('a', 0);
    cache.seen('b', 1);
    cache.seen('c', 2);
    cache.seen('a', 3);
    cache.seen('d', 4);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.has('b', 5)).toBe(false);
    expect(cache.has('a', 5)).toBe(true);
    expect(cache.has('c', 5)).toBe(true);
    expect(cache.has('d', 5)).toBe(true);
  });
});

describe('verdict precedence in the Hubble parser', () => {
  it('emits a correction when the destination node drops what the source node forwarded', () => {
    const { records, stats } = parseLines([report('FORWARDED', 0, 'n1'), report('FORWARDED', 1, 'n1'), dropped(2), dropped(3)]);
    expect(records.map((r) => [r.verdict, r.supersedes, r.count])).toEqual([
      ['FORWARDED', undefined, 1],
      ['DROPPED', 'FORWARDED', 1],
    ]);
    expect(records[1].dropReason).toBe('POLICY_DENIED');
    expect(stats).toMatchObject({ records: 2, duplicates: 2, malformed: 0 });
  });

  it('emits one DROPPED record, no correction, when the drop is reported first', () => {
    const { records, stats } = parseLines([dropped(0), report('FORWARDED', 1, 'n1')]);
    expect(records.map((r) => [r.verdict, r.supersedes])).toEqual([['DROPPED', undefined]]);
    expect(stats.duplicates).toBe(1);
  });

  it('applies the same precedence to lines that are not compact jsonpb (the full parse)', () => {
    const pretty = (line: string): string => JSON.stringify(JSON.parse(line), null, 0).replace('{"flow":{', '{ "flow": {');
    const { records } = parseLines([pretty(report('FORWARDED', 0, 'n1')), pretty(dropped(1))]);
    expect(records.map((r) => [r.verdict, r.supersedes])).toEqual([['FORWARDED', undefined], ['DROPPED', 'FORWARDED']]);
  });

  it('corrects a verdict written as a number too', () => {
    const numeric = report('FORWARDED', 1, 'n2').replace('"verdict":"FORWARDED"', '"verdict":2');
    const { records } = parseLines([report('FORWARDED', 0, 'n1'), numeric]);
    expect(records.map((r) => [r.verdict, r.supersedes])).toEqual([['FORWARDED', undefined], ['DROPPED', 'FORWARDED']]);
  });

  it('counts a connection two files report once when they share a connection cache', () => {
    const connections = new ConnectionCache();
    const first = parseLines([report('FORWARDED', 5, 'n1')], { connections, file: 'dev.jsonl' });
    const second = parseLines([report('FORWARDED', 0, 'n9').replace('41000', '42000'), report('FORWARDED', 5, 'n2')], { connections, file: 'finance.jsonl' });
    expect(first.records).toHaveLength(1);
    expect(second.records.map((r) => r.source.port)).toEqual([42000]);
    expect(second.stats.duplicates).toBe(1);
  });
});
