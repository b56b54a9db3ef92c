import { describe, expect, it } from 'vitest';
import { collectFlows } from '../../../server/flows/index.ts';
import { calicoLine, hubbleLines, workloadEdges } from './calico-fixtures.ts';
import { parseLines, sharedData } from './helpers.ts';

describe('Calico flow logs', () => {
  it('reads the Calico OSS (Goldmane/Whisker) sample: a denied scraper -> web connection between Deployments', async () => {
    const { records, stats } = await collectFlows(sharedData('calico/calico-oss-whisker-goldmane-flows.jsonl'));
    expect(stats).toMatchObject({ format: 'calico', records: 1, malformed: 0 });
    expect(records[0]).toMatchObject({
      protocol: 'TCP', port: 80, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', count: 1, direction: 'INGRESS', time: Date.parse('2026-09-27T11:32:15Z'),
      source: { namespace: 'storefront', workloads: [{ kind: 'Deployment', name: 'scraper' }] },
      destination: { namespace: 'storefront', workloads: [{ kind: 'Deployment', name: 'web' }], port: 80 },
    });
    expect(records[0].source.labels).toEqual(['k8s:app=scraper', 'k8s:pod-template-hash=655c844475', 'k8s:team=storefront']);
    expect(records[0].source.podName).toBeUndefined();
  });

  it('reads the Calico Enterprise Elasticsearch documents: a public address to a pod, and a denied pod to pod connection', async () => {
    const { records, stats } = await collectFlows(sharedData('calico/calico-enterprise-es-flowlog.jsonl'));
    expect(stats).toMatchObject({ format: 'calico', records: 2, malformed: 0 });
    expect(records[0]).toMatchObject({
      verdict: 'FORWARDED', protocol: 'TCP', time: 1536897600_000, observer: 'node02',
      source: { ip: '35.32.82.134' }, destination: { ip: '10.10.1.20', namespace: 'default', podName: 'basic-6tn46e' },
    });
    expect(records[0].port).toBeUndefined();
    expect(records[1]).toMatchObject({
      verdict: 'DROPPED', port: 5050, source: { namespace: 'default', podName: 'multitool', labels: ['k8s:run=multitool'] },
      destination: { namespace: 'hipstershop', podName: 'checkoutservice-598d5b586d-wsvmz' },
    });
  });

  it.each([
    ['the destination\'s report of an allowed connection', { reporter: 'Dst' }, 1],
    ['the source\'s report of an allowed connection to a workload (the destination reports it)', { reporter: 'Src' }, 0],
    ['the source\'s report of a connection denied at the source (no destination report follows)', { reporter: 'Src', action: 'Deny' }, 1],
    ['the source\'s report of a connection to a network outside the cluster', { reporter: 'Src', dest_type: 'net', dest_namespace: '-', dest_ip: '1.2.3.4' }, 1],
    ['a report of connections started in an earlier interval', { num_connections_started: 0 }, 0],
  ])('counts %s %i time(s)', (_name, over, expected) => {
    const { records } = parseLines([calicoLine(over)], { cluster: 'east' });
    expect(records.reduce((n, r) => n + r.count, 0)).toBe(expected);
  });

  it('reports a line with an unknown action as malformed, naming the file and line, and reads the next', () => {
    const { records, stats } = parseLines([calicoLine(), calicoLine({ action: 'Maybe' }), calicoLine()], { cluster: 'east' });
    expect(records).toHaveLength(2);
    expect(stats.errors).toEqual(['test.jsonl:2: Calico flow has action "Maybe": expected Allow or Deny']);
  });

  it('produces the same workload graph as the equivalent Hubble flows', () => {
    const web: [string, string] = ['web', '574ff6d9fd'];
    const api: [string, string] = ['api', '6b7c9d8e5f'];
    const scraper: [string, string] = ['scraper', '655c844475'];
    const calico = parseLines([
      calicoLine({ from: web, to: api, num_connections_started: 3 }),
      // The source's report of the same connections is not counted again.
      calicoLine({ from: web, to: api, num_connections_started: 3, reporter: 'Src' }),
      calicoLine({ from: scraper, to: web, action: 'Deny', dest_port: 80, num_connections_started: 2 }),
    ], { cluster: 'east' });
    const hubble = parseLines([...hubbleLines(web, api, 3, 'FORWARDED'), ...hubbleLines(scraper, web, 2, 'DROPPED', 80)], { cluster: 'east' });
    const fromCalico = workloadEdges(calico.records);
    expect(Object.keys(fromCalico).sort()).toEqual([
      'wl:east/shop/Deployment/scraper->wl:east/shop/Deployment/web|TCP|80',
      'wl:east/shop/Deployment/web->wl:east/shop/Deployment/api|TCP|8080',
    ]);
    expect(fromCalico).toEqual(workloadEdges(hubble.records));
  });
});
