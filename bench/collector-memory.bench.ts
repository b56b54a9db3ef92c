/**
 * A collector's memory over a long run of ever-new flow ends (issue 21: memory bounded by the
 * distinct edges per minute, never by flow volume). A collector-shaped AppState (releaseAfterFlush,
 * a spool as its store) ingests the churn of test/server/collect/churn-flows.ts: internet clients
 * never seen twice, DNS answers naming new addresses, Job pods known only from flows. It flushes
 * every FLUSH_EVERY flows (one "minute") and prints the heap after each flush (after a full GC).
 *
 * The same run with identity limits never reached is the baseline: it shows what keeping
 * everything flows taught would cost. The growth figure (highest heap after a flush in the second
 * half of the run over the first half) says whether memory follows the flows read (about 2x) or
 * one interval's edges and the limits (about 1x).
 *
 * Usage: npm run bench collector-memory
 *   env COLLECTOR_MEMORY_FLOWS=2000000, COLLECTOR_MEMORY_FLUSH_EVERY=100000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolStore } from '../server/collect/spool.ts';
import { GraphBuilder } from '../server/graph/builder.ts';
import type { IdentityHeld, IdentityLimits } from '../server/graph/identity.ts';
import { AppState } from '../server/state/app-state.ts';
import { fmt, growth, heapMiB, noteGc } from './memory-figures.ts';
import { churnFlows } from '../test/server/collect/churn-flows.ts';
import { prodInventory } from '../test/server/http/fixtures.ts';

const FLOWS = Number(process.env.COLLECTOR_MEMORY_FLOWS ?? 2_000_000);
const FLUSH_EVERY = Number(process.env.COLLECTOR_MEMORY_FLUSH_EVERY ?? 100_000);
const BATCH = 2000;


interface Pass {
  /** Heap (MiB, after a full GC) after each flush. */
  readonly heaps: number[];
  readonly maxEdges: number;
  readonly held: IdentityHeld;
  readonly limits: IdentityLimits;
}

/** One collector run over the churn: ingest, flush every FLUSH_EVERY flows, drain the spool as the shipper would. */
function pass(label: string, identityLimits: Partial<IdentityLimits>): Pass {
  const dir = mkdtempSync(join(tmpdir(), 'netatlas-collector-memory-'));
  try {
    const spool = SpoolStore.open(dir, { maxBatches: 4 });
    const builder = new GraphBuilder({ identityLimits });
    const state = new AppState({ builder, store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush: true });
    state.setInventory('prod', prodInventory(), { persist: false });
    state.flush();
    console.log(`   ${label}:`);
    const heaps: number[] = [];
    let maxEdges = 0;
    for (let done = 0; done < FLOWS;) {
      const end = Math.min(FLOWS, done + FLUSH_EVERY);
      for (let i = done; i < end; i += BATCH) state.ingestFlows('churn', churnFlows(i, Math.min(end, i + BATCH)), { cluster: 'prod' });
      maxEdges = Math.max(maxEdges, state.held().edges);
      state.flush();
      // The shipper's part: acknowledged batches leave the spool.
      for (let b = spool.oldest(); b !== undefined; b = spool.oldest()) spool.acknowledge(b);
      done = end;
      const heap = heapMiB();
      heaps.push(heap);
      const h = builder.resolver.held();
      console.log(`     after ${fmt(done).padStart(9)} flows: heap ${fmt(heap, 1).padStart(7)} MiB; identities held: ${fmt(h.flowPods)} pods, ${fmt(h.flowWorkloads)} workloads, ${fmt(h.labelSets)} label sets, ${fmt(h.ciliumIdentities)} Cilium identities, ${fmt(h.dnsAddresses)} DNS-named addresses`);
    }
    return { heaps, maxEdges, held: builder.resolver.held(), limits: builder.resolver.limits };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  noteGc();
  console.log(`\ncollector memory: ${fmt(FLOWS)} flows of ever-new ends (internet clients, DNS answers, Job pods), a flush every ${fmt(FLUSH_EVERY)}`);
  console.log(`   heap before any flow: ${fmt(heapMiB(), 1)} MiB`);
  const bounded = pass('identity limits as shipped (DEFAULT_IDENTITY_LIMITS)', {});
  const huge = Number.MAX_SAFE_INTEGER;
  const baseline = pass('baseline: identity limits never reached (what flows teach kept forever)', { flowPods: huge, flowWorkloads: huge, learntLabels: huge, dnsAddresses: huge });
  const l = bounded.limits;
  const last = (p: Pass) => p.heaps[p.heaps.length - 1];
  console.log(`   edges held at once: at most ${fmt(bounded.maxEdges)} (one flush interval's, released after it)`);
  console.log(`   limits: ${fmt(l.flowPods)} pods, ${fmt(l.flowWorkloads)} workloads, ${fmt(l.learntLabels)} label sets and identities each, ${fmt(l.dnsAddresses)} DNS-named addresses; ${fmt(bounded.held.evicted)} entries dropped`);
  console.log(`   heap growth, second half of the run over the first (1.00x = bounded): ${growth(bounded.heaps).toFixed(2)}x with limits, ${growth(baseline.heaps).toFixed(2)}x without`);
  console.log(`   heap after the last flush: ${fmt(last(bounded), 1)} MiB with limits, ${fmt(last(baseline), 1)} MiB without (${(last(baseline) / last(bounded)).toFixed(2)}x)`);
}

main();
