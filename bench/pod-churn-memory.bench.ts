/**
 * A collector's memory while its cluster's pods come and go (CronJobs, autoscaling): a
 * collector-shaped AppState (releaseAfterFlush, a spool as its store) takes an inventory snapshot
 * every CHURN_STEP_MS (test/server/collect/pod-churn.ts: a CronJob with 500 runs alive, each a Job
 * and its pod, 50 deleted and 50 created per snapshot), calls to the live pods by address between
 * snapshots, and a flush every
 * FLUSH_STEPS snapshots (one "minute"). It prints the heap (after a full GC) and what the address
 * index holds at regular points.
 *
 * The same run keeping deleted pods (deletedPodGraceMs: Infinity) is the baseline: what holding
 * every pod ever created costs. The growth figure (highest heap in the second half of the run over
 * the first half) says whether memory follows the pods created (about 2x) or those alive and
 * deleted within the grace (about 1x).
 *
 * Usage: npm run bench pod-churn-memory
 *   env POD_CHURN_PODS=200000 (pods created over the run), POD_CHURN_CALLS=100 (calls per snapshot)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolStore } from '../server/collect/spool.ts';
import { GraphBuilder, type GraphBuilderOptions } from '../server/graph/builder.ts';
import { DELETED_POD_GRACE_MS } from '../server/graph/identity.ts';
import { AppState } from '../server/state/app-state.ts';
import { fmt, growth, heapMiB, noteGc } from './memory-figures.ts';
import { CHURN_NEW, CHURN_STEP_MS, callsAtStep, churnClock, churnInventory } from '../test/server/collect/pod-churn.ts';

const PODS = Number(process.env.POD_CHURN_PODS ?? 200_000);
const CALLS = Number(process.env.POD_CHURN_CALLS ?? 100);
const STEPS = Math.ceil(PODS / CHURN_NEW);
const FLUSH_STEPS = 10;
const PRINTS = 10;


interface Pass {
  readonly heaps: number[];
  readonly pods: number;
  readonly nodes: number;
}

function pass(label: string, options: GraphBuilderOptions): Pass {
  const dir = mkdtempSync(join(tmpdir(), 'netatlas-pod-churn-'));
  try {
    const spool = SpoolStore.open(dir, { maxBatches: 4 });
    const builder = new GraphBuilder(options);
    let clock = churnClock(0);
    const state = new AppState({ builder, store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush: true, now: () => clock });
    console.log(`   ${label}:`);
    const heaps: number[] = [];
    for (let k = 0; k < STEPS; k++) {
      clock = churnClock(k);
      state.setInventory('prod', churnInventory(k), { persist: false });
      state.ingestFlows('calls', callsAtStep(k, CALLS), { cluster: 'prod' });
      if ((k + 1) % FLUSH_STEPS === 0 || k === STEPS - 1) {
        state.flush();
        for (let b = spool.oldest(); b !== undefined; b = spool.oldest()) spool.acknowledge(b);
      }
      if ((k + 1) % Math.ceil(STEPS / PRINTS) === 0 || k === STEPS - 1) {
        const heap = heapMiB();
        heaps.push(heap);
        const h = builder.resolver.inventoryHeld();
        console.log(`     ${fmt((k + 1) * CHURN_NEW).padStart(9)} pods created: heap ${fmt(heap, 1).padStart(7)} MiB; index: ${fmt(h.pods)} pods by name, ${fmt(h.podAddresses)} addresses (${fmt(h.holders)} holders), ${fmt(h.ownerWorkloads)} owner workloads, ${fmt(h.topWorkloads)} top workloads; graph: ${fmt(state.held().nodes)} nodes`);
      }
    }
    return { heaps, pods: builder.resolver.inventoryHeld().pods, nodes: state.held().nodes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  noteGc();
  console.log(`\npod churn: ${fmt(PODS)} pods created over ${fmt(STEPS)} snapshots (${fmt(CHURN_STEP_MS / 1000)} s apart, 500 pods and their Jobs alive), ${fmt(CALLS)} calls per snapshot, a flush every ${FLUSH_STEPS}`);
  const bounded = pass(`deleted pods dropped after the grace (DELETED_POD_GRACE_MS, ${fmt(DELETED_POD_GRACE_MS / 60_000)} min)`, {});
  const kept = pass('baseline: deleted pods kept (deletedPodGraceMs: Infinity)', { deletedPodGraceMs: Number.POSITIVE_INFINITY });
  const last = (p: Pass) => p.heaps[p.heaps.length - 1];
  console.log(`   at the end: ${fmt(bounded.pods)} pods in the index and ${fmt(bounded.nodes)} graph nodes with the grace, ${fmt(kept.pods)} and ${fmt(kept.nodes)} keeping them`);
  console.log(`   heap growth, second half of the run over the first (1.00x = bounded): ${growth(bounded.heaps).toFixed(2)}x with the grace, ${growth(kept.heaps).toFixed(2)}x keeping deleted pods`);
  console.log(`   heap at the end: ${fmt(last(bounded), 1)} MiB with the grace, ${fmt(last(kept), 1)} MiB keeping deleted pods (${(last(kept) / last(bounded)).toFixed(2)}x)`);
}

main();
