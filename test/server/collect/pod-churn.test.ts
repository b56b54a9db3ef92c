/**
 * Pods the inventory deleted leave identity resolution after a grace (DELETED_POD_GRACE_MS), so a
 * collector or serve that runs for weeks beside CronJobs and autoscaling holds the pods alive and
 * those deleted recently, not every pod ever created. Within the grace nothing changes: a late
 * flow stamped before the deletion still lands on the pod that held the address then.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { podKey } from '../../../generator/model/index.ts';
import { SpoolStore, spooledBody } from '../../../server/collect/spool.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { DELETED_POD_GRACE_MS, resolveDeletedPodGrace } from '../../../server/graph/identity.ts';
import { metricsText } from '../../../server/http/routes/health.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { service, slice } from '../graph/fixtures.ts';
import { T0, prodInventory, webToApi } from '../http/fixtures.ts';
import {
  CHURN_ALIVE, CHURN_NEW, CHURN_STEP_MS, callToChurnPod, callsAtStep, churnClock, churnInventory, churnJobName, churnPodIp, churnPodName,
  deletedAt,
} from './pod-churn.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A grace of 20 snapshots (2 minutes), so the tests turn pods over quickly. */
const GRACE_STEPS = 20;
const GRACE_MS = GRACE_STEPS * CHURN_STEP_MS;
const FLUSH_STEPS = 10;
const BASE_PODS = 3;

interface Run {
  readonly state: AppState;
  readonly builder: GraphBuilder;
  readonly spool?: SpoolStore;
  /** Takes the snapshot of step `k` (the clock moves to its time), flushing every FLUSH_STEPS. */
  step(k: number): void;
}

function run(kind: 'collector' | 'serve', graceMs: number, noPodRange = false): Run {
  let clock = churnClock(0);
  const builder = new GraphBuilder({ deletedPodGraceMs: graceMs });
  let spool: SpoolStore | undefined;
  if (kind === 'collector') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-pod-churn-'));
    dirs.push(dir);
    spool = SpoolStore.open(dir);
  }
  const state = new AppState({ builder, ...(spool ? { store: spool } : {}), releaseAfterFlush: kind === 'collector', now: () => clock });
  return {
    state, builder, ...(spool ? { spool } : {}),
    step(k) {
      clock = churnClock(k);
      const inv = churnInventory(k);
      state.setInventory('prod', noPodRange ? { ...inv, clusters: [{ kind: 'Cluster', name: 'prod' }] } : inv, { persist: false });
      if ((k + 1) % FLUSH_STEPS === 0) state.flush();
    },
  };
}

/** Snapshots 0..steps-1, each followed by 20 calls to the pods alive then; a flush at the end. */
function churnWithCalls(r: Run, steps: number): void {
  for (let k = 0; k < steps; k++) {
    r.step(k);
    r.state.ingestFlows('calls', callsAtStep(k, 20), { cluster: 'prod' });
  }
  r.state.flush();
}

/** Where a call to pod `i`'s address, stamped `time`, lands at the pod level (its destination). */
function destinationOf(r: Run, i: number, time: number): string {
  r.state.ingestFlows('late', [callToChurnPod(i, time)], { cluster: 'prod' });
  return r.builder.lastDestination!.key;
}

const key = (i: number) => podKey('prod', 'batch', churnPodName(i));

describe('a collector under continuous pod churn', () => {
  it('holds the pods alive and those deleted within the grace, however many were created', () => {
    const r = run('collector', GRACE_MS);
    // Pods deleted since the flush before the last one may wait for the next release.
    const most = BASE_PODS + CHURN_ALIVE + (GRACE_STEPS + FLUSH_STEPS) * CHURN_NEW;
    for (let k = 0; k < 250; k++) {
      r.step(k);
      r.state.ingestFlows('calls', callsAtStep(k, 20), { cluster: 'prod' });
      const held = r.builder.resolver.inventoryHeld();
      expect(held.pods).toBeLessThanOrEqual(most);
      expect(held.podAddresses).toBeLessThanOrEqual(most);
      expect(held.podWorkloads).toBeLessThanOrEqual(most);
      // The Jobs of the runs: alive and deleted within the grace, with the four Deployments and the CronJob.
      expect(held.ownerWorkloads).toBeLessThanOrEqual(most - BASE_PODS + 4);
      expect(r.state.held().nodes).toBeLessThanOrEqual(most + 20);
      // Snapshots repeat every workload; the index keeps one of each (web, api, coredns, report).
      expect(held.topWorkloads).toBe(4);
    }
    // The run created many times what it may hold.
    expect(250 * CHURN_NEW).toBeGreaterThan(5 * most);
  });

  it('keeps nothing of a deleted pod once its grace has passed', () => {
    const r = run('collector', GRACE_MS);
    churnWithCalls(r, 60);
    const gone = 0; // deleted at step 1, 59 snapshots ago
    expect(r.builder.resolver.podByName('prod', 'batch', churnPodName(gone))).toBeUndefined();
    expect(r.builder.resolver.podByIp('prod', churnPodIp(gone), churnClock(0))).toBeUndefined();
    expect(r.builder.resolver.workloadOfPod(key(gone))).toBeUndefined();
    expect(r.builder.graph.hasNode(key(gone))).toBe(false);
    expect(r.builder.resolver.owners.workloads.has(`prod/batch/Job/${churnJobName(gone)}`)).toBe(false);
    expect(r.builder.resolver.owners.workloads.has(`prod/batch/Job/${churnJobName(59 * CHURN_NEW)}`)).toBe(true);
  });

  it('places a late flow\'s pod in its CronJob while the pod is within its grace', () => {
    const r = run('collector', GRACE_MS);
    for (let k = 0; k <= GRACE_STEPS; k++) r.step(k);
    r.state.ingestFlows('late', [callToChurnPod(0, churnClock(0) + 1)], { cluster: 'prod' });
    expect(r.builder.lastDestination).toMatchObject({ key: key(0), workloadKey: 'wl:prod/batch/CronJob/report' });
  });

  it('never drops a pod the inventory still holds', () => {
    const r = run('collector', GRACE_MS);
    for (let k = 0; k < 100; k++) r.step(k);
    r.state.flush();
    for (let i = 99 * CHURN_NEW; i < 99 * CHURN_NEW + CHURN_ALIVE; i++) {
      expect(r.builder.resolver.podByIp('prod', churnPodIp(i), churnClock(99))?.name).toBe(churnPodName(i));
      expect(r.builder.graph.hasNode(key(i))).toBe(true);
    }
  });

  it('ships the same batches as a run that keeps deleted pods, for flows arriving within the grace', () => {
    const bounded = run('collector', GRACE_MS);
    const kept = run('collector', Number.POSITIVE_INFINITY);
    const drain = (s: SpoolStore) => {
      const out = [];
      for (let b = s.oldest(); b !== undefined; b = s.oldest()) {
        const body = spooledBody(b);
        out.push({ edges: [...body.edges].sort((x, y) => x.key!.localeCompare(y.key!)), nodes: [...body.nodes].sort((x, y) => x.key.localeCompare(y.key)) });
        s.acknowledge(b);
      }
      return out;
    };
    for (let k = 0; k < 120; k++) {
      for (const r of [bounded, kept]) {
        r.step(k);
        // Calls of now, and calls stamped GRACE_STEPS - 1 snapshots ago (to pods deleted since).
        const late = k >= GRACE_STEPS - 1 ? callsAtStep(k - GRACE_STEPS + 1, 20) : [];
        r.state.ingestFlows('calls', [...callsAtStep(k, 20), ...late], { cluster: 'prod' });
      }
      expect(drain(bounded.spool!)).toEqual(drain(kept.spool!));
    }
    expect(bounded.builder.resolver.inventoryHeld().pods).toBeLessThan(kept.builder.resolver.inventoryHeld().pods / 2);
  });
});

describe('a late flow to a deleted pod, by when it arrives', () => {
  const deletedStep = deletedAt(0); // pod 0 is gone from the snapshot of step 1
  const stamped = churnClock(0) + 1; // while it was alive
  const cases = [
    { arrives: 'at the deletion', after: 0, podRange: true, lands: key(0) },
    { arrives: 'a step before the grace ends', after: GRACE_STEPS - 1, podRange: true, lands: key(0) },
    { arrives: 'after the grace, the address in the cluster\'s pod range', after: GRACE_STEPS + 1, podRange: true, lands: `unknown:prod/${churnPodIp(0)}` },
    { arrives: 'after the grace, no pod range known', after: GRACE_STEPS + 1, podRange: false, lands: `ext:${churnPodIp(0)}` },
  ];
  for (const kind of ['collector', 'serve'] as const) {
    for (const c of cases) {
      it(`${kind}: arriving ${c.arrives}, it lands on ${c.lands.startsWith('pod:') ? 'the pod' : c.lands.split(':')[0]}`, () => {
        const r = run(kind, GRACE_MS, !c.podRange);
        for (let k = 0; k <= deletedStep + c.after; k++) r.step(k);
        r.state.flush();
        expect(destinationOf(r, 0, stamped)).toBe(c.lands);
      });
    }
  }
});

describe('serve under continuous pod churn', () => {
  it('keeps the graph nodes and edges of deleted pods (history), while resolution forgets them', () => {
    const r = run('serve', GRACE_MS);
    churnWithCalls(r, 60);
    expect(r.builder.resolver.podByName('prod', 'batch', churnPodName(0))).toBeUndefined();
    expect(r.builder.graph.hasNode(key(0))).toBe(true);
    expect(r.builder.graph.inDegree(key(0))).toBeGreaterThan(0);
    expect(r.builder.resolver.inventoryHeld().pods).toBeLessThanOrEqual(BASE_PODS + CHURN_ALIVE + GRACE_STEPS * CHURN_NEW);
  });

  it('says in /metrics how many deleted pods and workloads it holds and has dropped', () => {
    const r = run('serve', GRACE_MS);
    for (let k = 0; k < 60; k++) r.step(k);
    r.state.flush();
    const text = metricsText(r.state);
    // 20 snapshots of 50 deleted runs (a pod and its Job each) within the grace.
    expect(text).toContain(`netatlas_deleted_held ${2 * GRACE_STEPS * CHURN_NEW}\n`);
    expect(text).toContain(`netatlas_inventory_pods_held ${BASE_PODS + CHURN_ALIVE + GRACE_STEPS * CHURN_NEW}\n`);
    expect(text).toMatch(/netatlas_deleted_dropped_total [1-9]\d*\n/);
  });

  it('builds the same graph as a run that keeps deleted pods, for any delays within the grace', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: GRACE_STEPS - 1 }), { minLength: 40, maxLength: 40 }), (delays) => {
        const graphs = [GRACE_MS, Number.POSITIVE_INFINITY].map((grace) => {
          const r = run('serve', grace);
          for (let k = 0; k < 40 + GRACE_STEPS; k++) {
            r.step(k);
            // The calls of step j arrive delays[j] snapshots late (stamped when they happened).
            const due = delays.flatMap((d, j) => (j + d === k ? callsAtStep(j, 5) : []));
            r.state.ingestFlows('calls', due, { cluster: 'prod' });
            r.state.flush();
          }
          return r.builder.graph.export();
        });
        expect(graphs[0]).toEqual(graphs[1]);
      }),
      { numRuns: 3 },
    );
  });
});

describe('a late flow to a deleted Service\'s ClusterIP, by when it arrives', () => {
  const apiService = service({ name: 'api', clusterIPs: ['10.96.0.20'], selector: { app: 'api' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }] });
  const apiSlice = slice({ name: 'api-x1', labels: { 'kubernetes.io/service-name': 'api' }, endpoints: [{ addresses: ['10.1.0.20'], targetRef: { kind: 'Pod', name: 'api-1' } }] });
  const cases = [
    { arrives: 'within the grace', after: GRACE_MS - 1, lands: 'svc:prod/shop/api', edgeTo: 'wl:prod/shop/Deployment/api' },
    { arrives: 'after the grace', after: GRACE_MS, lands: 'ext:10.96.0.20', edgeTo: 'ext:10.96.0.20' },
  ];
  it.each(cases)('arriving $arrives, it lands on $lands', ({ after, lands, edgeTo }) => {
    let clock = T0;
    const state = new AppState({ builder: new GraphBuilder({ deletedPodGraceMs: GRACE_MS }), now: () => clock });
    const base = prodInventory();
    state.setInventory('prod', { ...base, services: [apiService], endpointSlices: [apiSlice] }, { persist: false });
    clock = T0 + 1000;
    state.setInventory('prod', base, { persist: false });
    clock += after;
    state.flush();
    state.ingestFlows('late', [{ ...webToApi, destination: { ip: '10.96.0.20' }, port: 80, time: T0 + 500 }], { cluster: 'prod' });
    const builder = state.builder as GraphBuilder;
    expect(builder.lastDestination?.key).toBe(lands);
    expect(builder.graph.target(builder.lastEdges[0])).toBe(edgeTo);
  });
});

describe('the grace setting', () => {
  it.each([
    { given: undefined, want: DELETED_POD_GRACE_MS },
    { given: 0, want: 0 },
    { given: Number.POSITIVE_INFINITY, want: Number.POSITIVE_INFINITY },
  ])('takes $given as $want', ({ given, want }) => {
    expect(resolveDeletedPodGrace(given)).toBe(want);
  });

  it.each([-1, Number.NaN])('rejects %s, naming the option and the default', (given) => {
    expect(() => new GraphBuilder({ deletedPodGraceMs: given })).toThrow(/deletedPodGraceMs = .* at least 0 .*default 900000/);
  });

  it('is at least the flow parsers\' dedup window plus a flush interval', () => {
    expect(DELETED_POD_GRACE_MS).toBeGreaterThanOrEqual(120_000 + 60_000);
  });
});
