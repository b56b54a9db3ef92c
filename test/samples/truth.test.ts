import { describe, expect, it } from 'vitest';
import { buildEstate, DEFAULT_OPTIONS, expectedEdges } from '../../samples/lib/index.ts';
import { app, defaultDemo, type Json } from './fixtures.ts';

const truth = () => expectedEdges(buildEstate(DEFAULT_OPTIONS));

describe('samples ground truth (expectedEdges)', () => {
  it('counts exactly the distinct request connections the flow files contain', () => {
    const tuples = new Set<string>();
    for (const [, lines] of defaultDemo().flows) {
      for (const { flow: f } of lines as Json[]) {
        if (f.is_reply) continue;
        const l4 = f.l4.TCP ?? f.l4.UDP;
        tuples.add(`${f.l4.TCP ? 'TCP' : 'UDP'}|${f.IP.source}|${l4.source_port}|${f.IP.destination}|${l4.destination_port}`);
      }
    }
    expect(truth().reduce((n, e) => n + e.connections, 0)).toBe(tuples.size);
  });

  it('marks the planted edges and the two inter-cluster edges', () => {
    const edges = truth();
    const planted = edges.filter((e) => e.planted && e.planted !== 'world-ingress').map((e) => `${e.planted} ${e.source} -> ${e.destination} ${e.protocol}/${e.port} ${e.verdict}`);
    expect(planted).toEqual([
      'suspicious-cross-env wl:dev/boutique/Pod/debug-shell -> wl:finance/payments/Deployment/ledger TCP/8443 FORWARDED',
      'drop wl:prod/boutique/Deployment/adservice -> wl:prod/boutique/Deployment/redis-cart TCP/6379 DROPPED',
      'drop wl:prod/boutique/Deployment/frontend -> wl:prod/boutique/Deployment/emailservice TCP/8080 DROPPED',
      'drop wl:prod/boutique/Deployment/loadgenerator -> wl:prod/boutique/Deployment/checkoutservice TCP/5050 DROPPED',
      'would-break wl:prod/boutique/Deployment/recommendationservice -> wl:prod/boutique/Deployment/cartservice TCP/7070 FORWARDED',
    ]);
    expect(edges.filter((e) => e.interCluster).map((e) => `${e.source} -> ${e.destination}`)).toEqual([
      'wl:dev/boutique/Pod/debug-shell -> wl:finance/payments/Deployment/ledger',
      'wl:prod/boutique/Deployment/paymentservice -> wl:finance/payments/Deployment/ledger',
    ]);
  });

  it('agrees with the flows on every DROPPED connection', () => {
    const dropped = new Set<string>();
    for (const { flow: f } of defaultDemo().flows.get('prod')! as Json[]) {
      if (f.verdict === 'DROPPED') dropped.add(`${app(f.source)}|${f.l4.TCP.source_port}|${app(f.destination)}`);
    }
    const expected = truth().filter((e) => e.verdict === 'DROPPED').reduce((n, e) => n + e.connections, 0);
    expect(dropped.size).toBe(expected);
  });
});
