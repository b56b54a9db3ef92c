/**
 * A collector's memory follows the distinct edges of one interval, not everything since start:
 * after each flush the state releases what it handed to the spool (AppStateOptions.releaseAfterFlush),
 * and nothing is lost on the way (every interval's connections are in its spooled batch).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { SpoolStore, spooledBody } from '../../../server/collect/spool.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { T0, prodInventory } from '../http/fixtures.ts';

const MINUTE = 60_000;
const MINUTES = 12;
const PEERS_PER_MINUTE = 40;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** web-1 calls external peer `i` of minute `m`: a peer never seen in any other minute (a distinct edge). */
const webToPeer = (m: number, i: number): FlowRecord => ({
  time: T0 + m * MINUTE + i, source: { cluster: 'prod', namespace: 'shop', podName: 'web-1', ip: '10.1.0.10' },
  destination: { ip: `203.0.${m}.${i + 1}`, reserved: 'world' }, protocol: 'TCP', port: 443, verdict: 'FORWARDED', count: 1,
});

function collectorState(releaseAfterFlush: boolean): { state: AppState; spool: SpoolStore } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-collect-memory-'));
  dirs.push(dir);
  const spool = SpoolStore.open(dir);
  const state = new AppState({ builder: new GraphBuilder(), store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush });
  state.setInventory('prod', prodInventory(), { persist: false });
  return { state, spool };
}

/** Takes every spooled batch, oldest first. */
function drain(spool: SpoolStore): ReturnType<typeof spooledBody>[] {
  const out: ReturnType<typeof spooledBody>[] = [];
  for (let b = spool.oldest(); b !== undefined; b = spool.oldest()) {
    out.push(spooledBody(b));
    spool.acknowledge(b);
  }
  return out;
}

describe('a collector state over many minutes of distinct edges', () => {
  it('holds only the current minute\'s edges, and after each flush none of them', () => {
    const { state } = collectorState(true);
    state.flush();
    const inventoryNodes = state.held().nodes;
    for (let m = 0; m < MINUTES; m++) {
      state.ingestFlows('hubble', Array.from({ length: PEERS_PER_MINUTE }, (_, i) => webToPeer(m, i)), { cluster: 'prod' });
      // This minute's edges (workload and pod level) and their peers, never an earlier minute's.
      expect(state.held().edges).toBe(2 * PEERS_PER_MINUTE);
      expect(state.held().nodes).toBe(inventoryNodes + PEERS_PER_MINUTE);
      state.flush();
      expect(state.held()).toEqual({ edges: 0, nodes: inventoryNodes, baseline: 0, knownNodes: inventoryNodes, sampledEdges: 0 });
    }
  });

  it('spools every minute\'s connections once, in that minute\'s batch, with the nodes its edges name', () => {
    const { state, spool } = collectorState(true);
    state.flush();
    drain(spool);
    for (let m = 0; m < MINUTES; m++) {
      state.ingestFlows('hubble', Array.from({ length: PEERS_PER_MINUTE }, (_, i) => webToPeer(m, i)), { cluster: 'prod' });
      state.flush();
      const [batch, ...more] = drain(spool);
      expect(more).toEqual([]);
      const workloadEdges = batch.edges.filter((e) => e.level === 'workload');
      expect(workloadEdges.map((e) => e.destination).sort()).toEqual(Array.from({ length: PEERS_PER_MINUTE }, (_, i) => `ext:203.0.${m}.${i + 1}`).sort());
      expect(workloadEdges.every((e) => e.count === 1 && e.firstSeen >= T0 + m * MINUTE && e.lastSeen < T0 + (m + 1) * MINUTE)).toBe(true);
      const shippedNodes = new Set(batch.nodes.map((n) => n.key));
      for (const e of batch.edges) expect(shippedNodes.has(e.source) && shippedNodes.has(e.destination)).toBe(true);
    }
  });

  it('counts a connection seen again in a later minute as that minute\'s increment, not the total', () => {
    const { state, spool } = collectorState(true);
    state.flush();
    drain(spool);
    for (let m = 0; m < 3; m++) {
      state.ingestFlows('hubble', [{ ...webToPeer(0, 0), time: T0 + m * MINUTE, count: 2 }], { cluster: 'prod' });
      state.flush();
      const counts = drain(spool).flatMap((b) => b.edges).filter((e) => e.level === 'workload').map((e) => e.count);
      expect(counts).toEqual([2]);
    }
  });

  it('keeps everything when not a collector (serve answers queries about the whole graph)', () => {
    const state = new AppState({ builder: new GraphBuilder(), store: FlowStore.open(':memory:') });
    for (let m = 0; m < MINUTES; m++) {
      state.ingestFlows('hubble', Array.from({ length: PEERS_PER_MINUTE }, (_, i) => webToPeer(m, i)), { cluster: 'prod' });
      state.flush();
    }
    expect(state.held().edges).toBe(2 * PEERS_PER_MINUTE * MINUTES);
  });
});
