import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectFlows } from '../../../server/flows/index.ts';
import { edgeOf, parseLines, sharedData, TEST_NOW } from './helpers.ts';

const ig = (name: string) => sharedData(`inspektor-gadget/${name}`);
const NS = 'test-networkpolicy-8485776873410829123';

describe('Inspektor Gadget events', () => {
  it.each([['2023 flat', 'ig-advise-networkpolicy-input-2023-flat.jsonl'], ['2024 nested k8s', 'ig-advise-networkpolicy-input-2024-k8s-nested.jsonl']])(
    'reads the %s advisor input as the pod calling kube-dns and the API server',
    async (_name, file) => {
      const { records, stats } = await collectFlows(ig(file), { cluster: 'dev' });
      expect(stats).toMatchObject({ format: 'inspektor-gadget', records: 2, malformed: 0 });
      expect(records[0]).toMatchObject({
        protocol: 'UDP', port: 53, verdict: 'FORWARDED', observer: 'minikube',
        source: { cluster: 'dev', namespace: NS, podName: 'test-pod' },
        destination: { ip: '10.96.0.10', service: { namespace: 'kube-system', name: 'kube-dns' }, labels: ['k8s:k8s-app=kube-dns'] },
      });
      expect(records[1]).toMatchObject({ protocol: 'TCP', port: 443, destination: { ip: '10.96.0.1', service: { namespace: 'default', name: 'kubernetes' } } });
    },
  );

  it('turns a 2020 accept event around so the remote pod is the client', async () => {
    const { records } = await collectFlows(ig('ig-networkpolicyadvisor-2020-snakecase-accept-from-pod.json'));
    expect(records.map(edgeOf)).toEqual(['demo/checkoutservice-66d68cbdd-9kkkl -> demo/shippingservice-778db496dd-v94bv TCP/50051']);
    expect(records[0].destination.labels).toContain('k8s:app=shippingservice');
  });

  it('counts the connect and the accept of one 2020 connection once', () => {
    // The capture's placeholder pod name (checkoutservice-66d68cbdd-AAAAA) is no DNS-1123 name: read it lower-cased.
    const events = JSON.parse(readFileSync(ig('ig-networkpolicyadvisor-2020-snakecase-multiple.json'), 'utf8').toLowerCase()) as unknown[];
    const { records, stats } = parseLines(events.map((e) => JSON.stringify(e)));
    expect(stats).toMatchObject({ records: 1, duplicates: 1 });
    expect(records.map(edgeOf)).toEqual(['demo/checkoutservice-66d68cbdd-aaaaa -> demo/shippingservice-778db496dd-v94bv TCP/50051']);
  });

  it('rejects the 2020 events whose pod name is no DNS-1123 subdomain, naming the item and the name', async () => {
    const { records, stats } = await collectFlows(ig('ig-networkpolicyadvisor-2020-snakecase-multiple.json'), { now: () => TEST_NOW });
    // The accept repeats the rejected connect: a duplicate of it.
    expect(records).toEqual([]);
    expect(stats).toMatchObject({ malformed: 1, duplicates: 1 });
    expect(stats.errors[0]).toMatch(/ig-networkpolicyadvisor-2020-snakecase-multiple\.json:1: source pod name "checkoutservice-66d68cbdd-AAAAA" is not a DNS-1123 subdomain/);
  });

  it('reads a trace_tcp connect event with its timestamp', async () => {
    const { records } = await collectFlows(ig('ig-trace-tcp-style-event-docs-reference-run.json'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      time: Date.parse('2024-07-31T18:38:31.977Z'), protocol: 'TCP', port: 80,
      source: { namespace: 'default', podName: 'mypod2', ip: '10.244.0.8', port: 41464 },
      destination: { ip: '1.1.1.1', port: 80 },
    });
  });

  it('matches keys case-insensitively and reads the kube-ip-resolver endpoint shape', () => {
    const { records } = parseLines([
      JSON.stringify({
        TYPE: 'connect', Timestamp: '2024-01-01T00:00:00Z',
        K8S: { Namespace: 'demo', PodName: 'mypod' },
        SRC: { addr: '10.244.0.12', port: 57066, proto: 'UDP', k8s: { kind: 'pod', labels: 'run=mypod', name: 'mypod', namespace: 'demo' } },
        Dst: { addr: '10.96.0.10', port: 53, proto: 'UDP', k8s: { kind: 'svc', labels: 'k8s-app=kube-dns', name: 'kube-dns', namespace: 'kube-system' } },
      }),
    ]);
    expect(records[0]).toMatchObject({
      protocol: 'UDP', port: 53,
      source: { namespace: 'demo', podName: 'mypod', labels: ['k8s:run=mypod'] },
      destination: { ip: '10.96.0.10', service: { namespace: 'kube-system', name: 'kube-dns' } },
    });
  });

  it('makes the remote end the client of a HOST (incoming) packet', () => {
    const { records } = parseLines([
      JSON.stringify({ type: 'normal', k8s: { namespace: 'shop', podname: 'api-1' }, pktType: 'HOST', proto: 'tcp', port: 8080, dst: { kind: 'pod', addr: '10.0.0.9', namespace: 'shop', name: 'web-1' } }),
    ]);
    expect(records.map(edgeOf)).toEqual(['shop/web-1 -> shop/api-1 TCP/8080']);
  });

  it('skips close events and log lines, and reports an unknown protocol as malformed', () => {
    const { records, stats } = parseLines([
      JSON.stringify({ type: 'close', src: { addr: '10.0.0.1', port: 1 }, dst: { addr: '10.0.0.2', port: 2 }, k8s: { namespace: 'a' } }),
      JSON.stringify({ type: 'normal', namespace: 'a', pod: 'p', pktType: 'OUTGOING', proto: 'gre', port: 1, dst: { kind: 'raw', addr: '1.2.3.4' } }),
      JSON.stringify({ type: 'err', message: 'gadget failed', k8s: {}, dst: {} }),
    ]);
    expect(records).toEqual([]);
    expect(stats).toMatchObject({ skipped: 2, malformed: 1 });
    expect(stats.errors[0]).toMatch(/^test\.jsonl:2: .*unknown protocol "gre"/);
  });
});
