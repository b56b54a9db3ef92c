/**
 * A cluster whose pods come and go all day (a CronJob): deterministic by step, for
 * test/server/collect/pod-churn.test.ts and bench/pod-churn-memory.bench.ts. At step `k` the
 * inventory of `prod` (prodInventory of test/server/http/fixtures.ts, with the pod range
 * 10.200.0.0/16 and the CronJob `report` of namespace `batch`) holds CHURN_ALIVE runs `i` in
 * [k * CHURN_NEW, k * CHURN_NEW + CHURN_ALIVE), each a Job `report-<scheduled time>` and its pod:
 * each step deletes the CHURN_NEW oldest runs and creates CHURN_NEW new ones. Pod `i` has the
 * `i`th address of the range, so an address is held again after 65,536 pods (pod IPs are reused).
 */
import type { FlowRecord, Inventory, PodInfo, WorkloadInfo } from '../../../generator/model/index.ts';
import { T0, pod, prodInventory } from '../http/fixtures.ts';

export const CHURN_ALIVE = 500;
export const CHURN_NEW = 50;
/** Wall-clock time between two inventory snapshots. */
export const CHURN_STEP_MS = 6_000;
export const CHURN_POD_RANGE = '10.200.0.0/16';

/** When step `k`'s snapshot is taken. */
export const churnClock = (k: number): number => T0 + k * CHURN_STEP_MS;
/** The step whose snapshot first holds pod `i`. */
export const createdAt = (i: number): number => (i < CHURN_ALIVE ? 0 : Math.floor((i - CHURN_ALIVE) / CHURN_NEW) + 1);
/** The first step whose snapshot no longer holds pod `i`. */
export const deletedAt = (i: number): number => Math.floor(i / CHURN_NEW) + 1;
export const churnPodIp = (i: number): string => `10.200.${(i >>> 8) & 255}.${i & 255}`;
/** Run `i`'s Job: the CronJob's name and a scheduled time in minutes since the epoch. */
export const churnJobName = (i: number): string => `report-${29_000_000 + i}`;
export const churnPodName = (i: number): string => `${churnJobName(i)}-x7k2p`;

const cronJob: WorkloadInfo = { kind: 'Workload', workloadKind: 'CronJob', cluster: 'prod', namespace: 'batch', name: 'report', labels: {}, templateLabels: { app: 'report' } };

export function churnJob(i: number): WorkloadInfo {
  return {
    kind: 'Workload', workloadKind: 'Job', cluster: 'prod', namespace: 'batch', name: churnJobName(i), labels: { 'job-name': churnJobName(i) },
    owner: { kind: 'CronJob', name: 'report', controller: true },
  };
}

export function churnPod(i: number): PodInfo {
  return {
    ...pod('prod', 'batch', churnPodName(i), churnPodIp(i), { app: 'report', 'job-name': churnJobName(i) }),
    owner: { kind: 'Job', name: churnJobName(i), controller: true }, startTime: churnClock(createdAt(i)),
  };
}

/** The inventory of `prod` at step `k`. */
export function churnInventory(k: number): Inventory {
  const base = prodInventory();
  const first = k * CHURN_NEW;
  return {
    ...base,
    clusters: [{ kind: 'Cluster', name: 'prod', podCIDRs: [CHURN_POD_RANGE] }],
    namespaces: [...base.namespaces, { kind: 'Namespace', cluster: 'prod', name: 'batch', labels: {} }],
    workloads: [...base.workloads, cronJob, ...Array.from({ length: CHURN_ALIVE }, (_, j) => churnJob(first + j))],
    pods: [...base.pods, ...Array.from({ length: CHURN_ALIVE }, (_, j) => churnPod(first + j))],
  };
}

/** web-1 calls pod `i` by its address alone (the flow names no pod: resolution is by IP and time). */
export function callToChurnPod(i: number, time: number): FlowRecord {
  return {
    time, source: { cluster: 'prod', namespace: 'shop', podName: 'web-1', ip: '10.1.0.10' }, destination: { ip: churnPodIp(i) },
    protocol: 'TCP', port: 8080, verdict: 'FORWARDED', count: 1,
  };
}

/** `n` calls at step `k`, spread over the pods alive then, stamped with the step's time. */
export function callsAtStep(k: number, n: number): FlowRecord[] {
  return Array.from({ length: n }, (_, j) => callToChurnPod(k * CHURN_NEW + ((j * 7) % CHURN_ALIVE), churnClock(k) + j));
}
