/**
 * A collector's memory follows the distinct edges of one interval, not everything since start:
 * after each flush the state releases what it handed to the spool (AppStateOptions.releaseAfterFlush),
 * and nothing is lost on the way (every interval's connections are in its spooled batch). What
 * flows teach identity resolution is bounded by IdentityLimits, recently used first, in a
 * collector and in serve alike; for ends used recently the answers are those of an unbounded run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { SpoolStore, spooledBody } from '../../../server/collect/spool.ts';
import { GraphBuilder } from '../../../server/graph/builder.ts';
import type { IdentityHeld, IdentityLimits } from '../../../server/graph/identity.ts';
import { metricsText } from '../../../server/http/routes/health.ts';
import { AppState } from '../../../server/state/app-state.ts';
import { FlowStore } from '../../../server/store/flow-store.ts';
import { T0, prodInventory } from '../http/fixtures.ts';
import { CHURN_ROUND, churnFlow, churnFlows } from './churn-flows.ts';

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

function collectorState(releaseAfterFlush: boolean, identityLimits?: Partial<IdentityLimits>): { state: AppState; spool: SpoolStore } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netatlas-collect-memory-'));
  dirs.push(dir);
  const spool = SpoolStore.open(dir);
  const state = new AppState({ builder: new GraphBuilder({ identityLimits }), store: spool, samplesPerEdge: 1, maxSampledEdges: 1, releaseAfterFlush });
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

/**
 * Small enough that the churn below turns every structure over several times; big enough that
 * what a minute recalls stays in: between an address's answer and its recall a minute later come
 * at most 150 other addresses (the rest of its minute, the recalls after it, the next minute's new
 * ones), fewer than half of each limit.
 */
const SMALL_LIMIT = 512;
const SMALL: IdentityLimits = { flowPods: SMALL_LIMIT, flowWorkloads: SMALL_LIMIT, learntLabels: SMALL_LIMIT, dnsAddresses: SMALL_LIMIT };
/** Limits no run here reaches. */
const UNBOUNDED: IdentityLimits = { flowPods: 1e9, flowWorkloads: 1e9, learntLabels: 1e9, dnsAddresses: 1e9 };
const CHURN_MINUTES = 30;
const ROUNDS_PER_MINUTE = 50;
const FLOWS_PER_MINUTE = ROUNDS_PER_MINUTE * CHURN_ROUND;

/**
 * Minute `m` of the churn: its own ever-new ends, then calls to the addresses the previous
 * minute's DNS answers named (recent ends, used again).
 */
function churnMinute(m: number): FlowRecord[] {
  const recalled = m === 0 ? [] : Array.from({ length: ROUNDS_PER_MINUTE }, (_, k) => {
    const call = churnFlow(((m - 1) * ROUNDS_PER_MINUTE + k) * CHURN_ROUND + 1);
    return { ...call, time: T0 + (m + 1) * FLOWS_PER_MINUTE - 1 };
  });
  return [...churnFlows(m * FLOWS_PER_MINUTE, (m + 1) * FLOWS_PER_MINUTE), ...recalled];
}

function expectWithin(held: IdentityHeld, limits: IdentityLimits): void {
  expect(held.flowPods).toBeLessThanOrEqual(limits.flowPods);
  expect(held.flowWorkloads).toBeLessThanOrEqual(limits.flowWorkloads);
  expect(held.labelSets).toBeLessThanOrEqual(limits.learntLabels);
  expect(held.ciliumIdentities).toBeLessThanOrEqual(limits.learntLabels);
  expect(held.dnsAddresses).toBeLessThanOrEqual(limits.dnsAddresses);
}

/** A batch's increments and nodes in key order (what the central service receives of it). */
const content = (b: ReturnType<typeof spooledBody>) => ({
  edges: [...b.edges].sort((x, y) => x.key!.localeCompare(y.key!)),
  nodes: [...b.nodes].sort((x, y) => x.key.localeCompare(y.key)),
});

describe('a collector over many minutes of ever-new ends (internet clients, DNS answers, Job pods)', () => {
  it('holds no more flow-learnt identities than its limits, whatever the flows read', () => {
    const { state } = collectorState(true, SMALL);
    for (let m = 0; m < CHURN_MINUTES; m++) {
      state.ingestFlows('hubble', churnMinute(m), { cluster: 'prod' });
      expectWithin(state.identitiesHeld()!, SMALL);
      state.flush();
      expect(state.held().edges).toBe(0);
    }
    // Every minute brought 50 new pods, workloads, label sets, identities and answers: most were dropped.
    const ends = CHURN_MINUTES * ROUNDS_PER_MINUTE;
    expect(state.identitiesHeld()!.evicted).toBeGreaterThanOrEqual(5 * (ends - SMALL_LIMIT));
  });

  it('ships the same batches as a run whose limits are never reached, for ends used recently', () => {
    const bounded = collectorState(true, SMALL);
    const unbounded = collectorState(true, UNBOUNDED);
    for (const c of [bounded, unbounded]) {
      c.state.flush();
      drain(c.spool);
    }
    for (let m = 0; m < CHURN_MINUTES; m++) {
      for (const c of [bounded, unbounded]) {
        c.state.ingestFlows('hubble', churnMinute(m), { cluster: 'prod' });
        c.state.flush();
      }
      const [got] = drain(bounded.spool);
      const [want] = drain(unbounded.spool);
      expect(content(got)).toEqual(content(want));
    }
    expect(bounded.state.identitiesHeld()!.evicted).toBeGreaterThan(0);
    expect(unbounded.state.identitiesHeld()!.evicted).toBe(0);
  });

  it('names an address called again a minute after its DNS answer by that answer', () => {
    const { state, spool } = collectorState(true, SMALL);
    for (let m = 0; m < 3; m++) {
      state.ingestFlows('hubble', churnMinute(m), { cluster: 'prod' });
      state.flush();
    }
    const last = drain(spool).at(-1)!;
    const recalled = last.nodes.find((n) => n.key === 'ext:198.0.0.50');
    expect(recalled?.attributes).toMatchObject({ kind: 'external', fqdns: ['svc-50.example.com'], label: 'svc-50.example.com' });
  });

  it('keeps no delta log to replay (no live views; entries would pin released edge keys)', () => {
    const { state } = collectorState(true, SMALL);
    for (let m = 0; m < 3; m++) {
      state.ingestFlows('hubble', churnMinute(m), { cluster: 'prod' });
      state.flush();
    }
    expect(state.seq).toBeGreaterThan(0);
    expect(state.deltasSince(0)).toBeUndefined();
  });
});

describe('serve over many minutes of ever-new ends', () => {
  function serveState(identityLimits: IdentityLimits): AppState {
    const state = new AppState({ builder: new GraphBuilder({ identityLimits }), store: FlowStore.open(':memory:') });
    state.setInventory('prod', prodInventory(), { persist: false });
    for (let m = 0; m < CHURN_MINUTES; m++) {
      state.ingestFlows('hubble', churnMinute(m), { cluster: 'prod' });
      state.flush();
    }
    return state;
  }

  it('holds the same bounded identities as a collector, and says so in /metrics', () => {
    const state = serveState(SMALL);
    expectWithin(state.identitiesHeld()!, SMALL);
    const text = metricsText(state);
    expect(text).toMatch(/netatlas_identities_held\{kind="dns_addresses"\} \d+\n/);
    expect(text).toMatch(/netatlas_identities_dropped_total [1-9]\d*\n/);
  });

  it('builds the same graph as a run whose limits are never reached, for ends used recently', () => {
    const bounded = serveState(SMALL).builder.graph.export();
    const unbounded = serveState(UNBOUNDED).builder.graph.export();
    expect(bounded).toEqual(unbounded);
  });
});
