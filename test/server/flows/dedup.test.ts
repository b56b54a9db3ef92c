import { describe, expect, it } from 'vitest';
import { ConnectionCache, parseRfc3339, toEpochMs } from '../../../server/flows/index.ts';
import { parseLines } from './helpers.ts';

describe('ConnectionCache', () => {
  it('treats a key seen again within the window as a duplicate and refreshes it', () => {
    const cache = new ConnectionCache({ windowMs: 1000 });
    expect(cache.seen('a', 0)).toBe(false);
    expect(cache.seen('a', 900)).toBe(true);
    expect(cache.seen('a', 1800)).toBe(true);
    expect(cache.seen('a', 5000)).toBe(false);
  });

  it('never holds more than maxEntries keys', () => {
    const cache = new ConnectionCache({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) cache.seen(`k${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.has('k9999', 10_000)).toBe(true);
    expect(cache.has('k0', 10_000)).toBe(false);
  });

  it('always remembers the last maxEntries / 2 distinct connections, across turnovers', () => {
    const cache = new ConnectionCache({ maxEntries: 1000 });
    for (let i = 0; i < 10_000; i++) cache.seen(`k${i}`, i);
    for (let i = 9_500; i < 10_000; i++) expect(cache.has(`k${i}`, 10_000)).toBe(true);
    expect(cache.size).toBeLessThanOrEqual(1000);
  });

  it('keeps every connection and its verdict while the tables grow, below maxEntries', () => {
    const cache = new ConnectionCache({ maxEntries: 100_000 });
    for (let i = 0; i < 20_000; i++) expect(cache.observe(`TCP|10.0.${i >> 8}.${i & 255}|40000|10.1.0.1|80`, i, i % 7 === 0 ? 'DROPPED' : 'FORWARDED')).toEqual({ kind: 'new' });
    expect(cache.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 97) {
      expect(cache.verdictOf(`TCP|10.0.${i >> 8}.${i & 255}|40000|10.1.0.1|80`, 20_000)).toBe(i % 7 === 0 ? 'DROPPED' : 'FORWARDED');
    }
    expect(cache.has('TCP|10.0.0.0|40001|10.1.0.1|80', 20_000)).toBe(false);
  });
});

describe('flow times', () => {
  it.each([
    ['2021-06-16T16:52:13.136834446Z', Date.parse('2021-06-16T16:52:13.136Z')],
    ['2021-06-16T16:52:13Z', Date.parse('2021-06-16T16:52:13Z')],
    ['2021-06-16T16:52:13.1Z', Date.parse('2021-06-16T16:52:13.100Z')],
    ['2021-06-16T18:52:13.5+02:00', Date.parse('2021-06-16T16:52:13.500Z')],
  ])('parses %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it('reads protobuf timestamps and epoch numbers of any unit', () => {
    expect(toEpochMs({ seconds: '1623862333', nanos: 136834446 })).toBe(1623862333136);
    expect(toEpochMs(1623862333)).toBe(1623862333000);
    expect(toEpochMs(1623862333136)).toBe(1623862333136);
    expect(toEpochMs('1722451111977700392')).toBe(1722451111977);
    expect(toEpochMs('not a time')).toBeUndefined();
  });
});

describe('the Hubble fast path', () => {
  it('recognises a repeated report of a known request from its 5-tuple, without parsing the rest of the line', () => {
    const first = '{"flow":{"time":"2024-05-01T10:00:00Z","verdict":"FORWARDED","IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":41000,"destination_port":8080}},"source":{"namespace":"a","pod_name":"x"},"destination":{"namespace":"b","pod_name":"y"},"is_reply":false}}';
    // Same connection, a second later; what follows its 5-tuple is garbage a full parse would reject.
    const again = first.replace('10:00:00Z', '10:00:01Z').replace('"source":{"namespace"', '"source":{BROKEN "namespace"');
    const { records, stats } = parseLines([first, again]);
    expect(records).toHaveLength(1);
    expect(stats).toMatchObject({ duplicates: 1, malformed: 0 });
  });
});
