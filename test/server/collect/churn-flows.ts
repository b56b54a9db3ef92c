/**
 * Flows whose ends never repeat for long: what a collector in front of the internet and beside a
 * batch namespace sees for days. Deterministic by index, for the memory test and
 * bench/collector-memory.bench.ts. Eight flows make one round `n`:
 *  - 0: web-1 asks coredns-1 for `svc-<n>.example.com` and learns one new address (a DNS answer);
 *  - 1: web-1 calls that address on 443 (an external peer named by the answer);
 *  - 2: Job pod `report-<n>` of namespace `batch`, known only from flows (its name, its labels with
 *       the run's `job-name`, a new Cilium identity), calls api-1 on 8080;
 *  - 3: the same pod as another node reports it: labels and identity, no name, no address;
 *  - 4..7: four internet clients never seen before call web-1 on 443.
 * The ends are those of prodInventory (test/server/http/fixtures.ts): web-1 10.1.0.10, api-1 10.1.0.20,
 * coredns-1 10.1.0.53; the inventory has no pod CIDRs, so every other address is external.
 */
import type { FlowEndpoint, FlowRecord } from '../../../generator/model/index.ts';
import { T0 } from '../http/fixtures.ts';

export const CHURN_ROUND = 8;

const web1: FlowEndpoint = { cluster: 'prod', namespace: 'shop', podName: 'web-1', ip: '10.1.0.10' };
const api1: FlowEndpoint = { cluster: 'prod', namespace: 'shop', podName: 'api-1', ip: '10.1.0.20' };
const coredns1: FlowEndpoint = { cluster: 'prod', namespace: 'kube-system', podName: 'coredns-1', ip: '10.1.0.53' };

/** The `n`th address of a /8, as dotted text. */
const addressIn = (first: number, n: number): string => `${first}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** The address `svc-<n>.example.com` resolves to. */
export const answerIp = (n: number): string => addressIn(198, n);
/** The `n`th internet client. */
export const clientIp = (n: number): string => addressIn(100, n);

const jobLabels = (n: number): string[] => ['k8s:app=report', `k8s:job-name=report-${n}`, 'k8s:io.kubernetes.pod.namespace=batch'];
const jobPod = (n: number): FlowEndpoint => ({ cluster: 'prod', namespace: 'batch', podName: `report-${n}`, labels: jobLabels(n), identity: 30_000 + n });
const jobByLabels = (n: number): FlowEndpoint => ({ cluster: 'prod', namespace: 'batch', labels: jobLabels(n), identity: 30_000 + n });

const base = { protocol: 'TCP', port: 443, verdict: 'FORWARDED', count: 1 } as const;

/** The `i`th flow of the churn (one millisecond apart). */
export function churnFlow(i: number): FlowRecord {
  const n = Math.floor(i / CHURN_ROUND);
  const time = T0 + i;
  switch (i % CHURN_ROUND) {
    case 0: return { ...base, time, source: web1, destination: coredns1, protocol: 'UDP', port: 53, dns: { query: `svc-${n}.example.com.`, ips: [answerIp(n)] } };
    case 1: return { ...base, time, source: web1, destination: { ip: answerIp(n), reserved: 'world' } };
    case 2: return { ...base, time, source: jobPod(n), destination: api1, port: 8080 };
    case 3: return { ...base, time, source: jobByLabels(n), destination: api1, port: 8080 };
    default: return { ...base, time, source: { ip: clientIp(n * 4 + (i % CHURN_ROUND) - 4), reserved: 'world' }, destination: web1 };
  }
}

/** Flows `from` .. `to - 1` of the churn. */
export function churnFlows(from: number, to: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let i = from; i < to; i++) out.push(churnFlow(i));
  return out;
}
