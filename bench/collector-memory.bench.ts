/**
 * A collector's memory over a long run of ever-new flow ends (issue 21: memory bounded by the
 * distinct edges per minute, never by flow volume). A collector-shaped AppState (releaseAfterFlush,
 * a spool as its store) ingests the churn of test/server/collect/churn-flows.ts: internet clients
 * never seen twice, DNS answers naming new addresses, Job pods known only from flows. It flushes
 * every FLUSH_EVERY flows (one "minute") and prints the heap after each flush (after a full GC).
 *
 * The baseline is the heap after the first flush: the ratio of the last flush's heap to it says
 * whether memory follows the flows read (grows with every minute) or one minute's edges (flat).
 *
 * Usage: npm run bench collector-memory
 *   env COLLECTOR_MEMORY_FLOWS=2000000, COLLECTOR_MEMORY_FLUSH_EVERY=100000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolStore } from '../server/collect/spool.ts';
import { GraphBuilder } from '../server/graph/builder.ts';
import { AppState } from '../server/state/app-state.ts';
import { churnFlows } from '../test/server/collect/churn-flows.ts';
import { prodInventory } from '../test/server/http/fixtures.ts';

const FLOWS = Number(process.env.COLLECTOR_MEMORY_FLOWS ?? 2_000_000);
const FLUSH_EVERY = Number(process.env.COLLECTOR_MEMORY_FLUSH_EVERY ?? 100_000);
const BATCH = 2000;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const gc = (globalThis as { gc?: () => void }).gc;

function heapMiB(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function main(): void {
  if (!gc) console.log('   (no --expose-gc: heap figures include garbage; run through `npm run bench`)');
  const dir = mkdtempSync(join(tmpdir(), 'netatlas-collector-memory-'));
  try {
    const spool = SpoolStore.open(dir, { maxBatches: 4 });
    const builder = new GraphBuilder();
    const state = new AppState({ builder, store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush: true });
    state.setInventory('prod', prodInventory(), { persist: false });
    state.flush();
    console.log(`\ncollector memory: ${fmt(FLOWS)} flows of ever-new ends (internet clients, DNS answers, Job pods), a flush every ${fmt(FLUSH_EVERY)}`);
    console.log(`   heap before any flow: ${fmt(heapMiB(), 1)} MiB`);
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
      console.log(`   after ${fmt(done).padStart(9)} flows: heap ${fmt(heap, 1).padStart(7)} MiB; flow-learnt identities held: ${fmt(h.flowPods)} pods, ${fmt(h.flowWorkloads)} workloads, ${fmt(h.labelSets)} label sets, ${fmt(h.ciliumIdentities)} identities, ${fmt(h.dnsAddresses)} DNS-named addresses (${fmt(h.evicted)} dropped so far)`);
    }
    const first = heaps[0];
    const last = heaps[heaps.length - 1];
    const l = builder.resolver.limits;
    console.log(`   edges held at once: at most ${fmt(maxEdges)} (one flush interval's); identity limits: ${fmt(l.flowPods)} pods, ${fmt(l.flowWorkloads)} workloads, ${fmt(l.learntLabels)} label sets and identities each, ${fmt(l.dnsAddresses)} DNS-named addresses`);
    console.log(`   heap after the last flush / after the first: ${(last / first).toFixed(2)}x (${fmt(last, 1)} / ${fmt(first, 1)} MiB; 1.00x = bounded by one interval)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
