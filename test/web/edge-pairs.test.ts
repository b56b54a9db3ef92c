import { describe, expect, it } from 'vitest';
import type { ApiEdge } from '../../server/http/api-types.ts';
import { isAggregateKey, workloadPairs } from '../../web/src/state/edge-pairs.ts';

const shell = 'wl:dev/boutique/Pod/debug-shell';
const ledger = 'wl:finance/payments/Deployment/ledger';
const web = 'wl:dev/boutique/Deployment/web';

const shellToLedger: ApiEdge = {
  key: `${shell}->${ledger}|TCP|8443`, source: shell, target: ledger, protocol: 'TCP', port: 8443,
  count: 3, verdicts: { FORWARDED: 3 }, firstSeen: 1, lastSeen: 2, interCluster: true,
};
const shellToLedgerDropped: ApiEdge = { ...shellToLedger, key: `${shell}->${ledger}|TCP|5432`, port: 5432, count: 2, verdicts: { DROPPED: 2 } };
const webToLedger: ApiEdge = { ...shellToLedger, key: `${web}->${ledger}|TCP|8443`, source: web, count: 40, verdicts: { FORWARDED: 39, DROPPED: 1 } };

describe('workload pairs behind an aggregated edge', () => {
  it('folds the ports of one pair into one row with summed counts and verdicts', () => {
    expect(workloadPairs([shellToLedger, shellToLedgerDropped])).toEqual([{
      source: shell, target: ledger, edges: [shellToLedger.key, shellToLedgerDropped.key], ports: ['TCP/8443', 'TCP/5432'],
      count: 5, verdicts: { FORWARDED: 3, DROPPED: 2 }, interCluster: true,
    }]);
  });

  it('lists the pair with the most connections first', () => {
    expect(workloadPairs([shellToLedger, webToLedger]).map((p) => p.source)).toEqual([web, shell]);
  });

  it('counts a part listed by two ports of the same aggregate once', () => {
    expect(workloadPairs([shellToLedger, shellToLedger])[0]!.count).toBe(3);
  });

  it('has no rows for an edge without parts', () => {
    expect(workloadPairs([])).toEqual([]);
  });

  it.each([
    ['cluster:prod', true], ['ns:prod/shop', true], [shell, false], ['ext:1.2.3.4', false], ['pod:prod/shop/web-1', false],
  ])('%s is an aggregate end: %s', (key, expected) => {
    expect(isAggregateKey(key)).toBe(expected);
  });
});
