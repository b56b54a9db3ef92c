import { describe, expect, it } from 'vitest';
import { parseEndpointSpec } from '../../../server/flows/index.ts';
import { parseLines, TEST_NOW } from './helpers.ts';

describe('generic flow format', () => {
  it('reads JSONL rows with pods, IPs, workloads, counts and times', () => {
    const { records, stats } = parseLines([
      '{"source":"prod/shop/web-1","destination":"10.0.0.7","protocol":"tcp","port":5432,"verdict":"FORWARDED","count":3,"time":"2024-05-01T10:00:00Z"}',
      '{"src":"shop/web-1","dst":"finance/ledger/Deployment/ledger","proto":"UDP","port":"9000","verdict":"deny"}',
    ], { cluster: 'dev' });
    expect(stats).toMatchObject({ format: 'generic-jsonl', records: 2 });
    expect(records[0]).toMatchObject({
      source: { cluster: 'prod', namespace: 'shop', podName: 'web-1' }, destination: { ip: '10.0.0.7', port: 5432 },
      protocol: 'TCP', port: 5432, verdict: 'FORWARDED', count: 3, time: Date.parse('2024-05-01T10:00:00Z'),
    });
    expect(records[1]).toMatchObject({
      source: { cluster: 'dev', namespace: 'shop', podName: 'web-1' },
      destination: { cluster: 'finance', namespace: 'ledger', workloads: [{ kind: 'Deployment', name: 'ledger' }] },
      protocol: 'UDP', port: 9000, verdict: 'DROPPED', count: 1, time: TEST_NOW,
    });
  });

  it('reads CSV with a header, quoted cells and epoch seconds', () => {
    const { records, stats } = parseLines([
      'source,destination,protocol,port,verdict,count,time',
      'prod/shop/web-1,"2001:db8::1",TCP,443,FORWARDED,2,1714557600',
      '10.1.2.3,prod/shop/api-1,,8080,,,',
    ]);
    expect(stats).toMatchObject({ format: 'generic-csv', records: 2, malformed: 0 });
    expect(records[0]).toMatchObject({ destination: { ip: '2001:db8::1' }, port: 443, count: 2, time: 1714557600000 });
    expect(records[1]).toMatchObject({ source: { ip: '10.1.2.3' }, protocol: 'TCP', verdict: 'FORWARDED', count: 1 });
  });

  it('reports bad rows with file:line and a reason, and keeps the good ones', () => {
    const { records, stats } = parseLines([
      'source,destination,protocol,port,verdict,count,time',
      'prod/shop/web-1,not an endpoint!,TCP,443,FORWARDED,1,',
      'prod/shop/web-1,10.0.0.1,TCP,99999,FORWARDED,1,',
      'prod/shop/web-1,10.0.0.1,TCP,80,MAYBE,1,',
      'prod/shop/web-1,10.0.0.1,TCP',
      'prod/shop/web-1,10.0.0.1,TCP,80,FORWARDED,1,',
    ]);
    expect(records).toHaveLength(1);
    expect(stats.malformed).toBe(4);
    expect(stats.errors).toEqual([
      'test.jsonl:2: destination "not an endpoint!" is neither an IP address nor cluster/namespace/pod (or cluster/namespace/Kind/name)',
      'test.jsonl:3: port "99999" is not a number between 0 and 65535',
      'test.jsonl:4: verdict "MAYBE" is not one of FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR (or allow/deny)',
      'test.jsonl:5: expected 7 CSV fields (source,destination,protocol,port,verdict,count,time), found 3',
    ]);
  });

  it.each([
    ['10.0.0.1', { ip: '10.0.0.1' }],
    ['::ffff:10.0.0.1', { ip: '10.0.0.1' }],
    ['reserved:world', { reserved: 'world' }],
    ['a/b/c', { cluster: 'a', namespace: 'b', podName: 'c' }],
  ])('parses the endpoint %s', (spec, expected) => {
    expect(parseEndpointSpec(spec, undefined)).toEqual(expected);
  });
});
