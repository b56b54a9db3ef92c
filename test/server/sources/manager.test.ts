import { EventEmitter } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord, Inventory } from '../../../generator/model/index.ts';
import { collectFlows } from '../../../server/flows/index.ts';
import { startReplayRelay, parseJsonpbLines, type ReplayRelay } from '../../../server/flows/relay/replay-server.ts';
import { ADD, STATUS, type ClusterStatus } from '../../../server/inventory/live.ts';
import { SourceManager, flowFileSource, followFlowsSource, relayFlowsSource, type Source, type SourceSink, type SourceStatus } from '../../../server/sources/index.ts';
import { liveClusterSource, type LiveInventoryLike } from '../../../server/sources/live.ts';

const HUBBLE = new URL('../../../../shared/data/hubble/', import.meta.url);
const tcpFile = new URL('hubble-otel-basic-sample-400-tcp-flows.json', HUBBLE).pathname;
const dnsFile = new URL('hubble-otel-basic-sample-330-dns-flows.json', HUBBLE).pathname;

interface Received {
  flows: { id: string; records: readonly FlowRecord[]; position?: Record<string, unknown> }[];
  inventories: { id: string; cluster: string; inventory: Inventory }[];
  statuses: SourceStatus[];
}

function recordingSink(overrides: Partial<SourceSink> = {}): SourceSink & { got: Received; waitFor(check: () => boolean): Promise<void> } {
  const got: Received = { flows: [], inventories: [], statuses: [] };
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = (): void => {
    for (const w of [...waiters]) if (w.check()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  return {
    got,
    waitFor: (check) => (check() ? Promise.resolve() : new Promise((resolve) => waiters.push({ check, resolve }))),
    flows(id, records, info) {
      got.flows.push({ id, records, ...(info.position ? { position: info.position } : {}) });
      poke();
    },
    inventory(id, cluster, inventory) {
      got.inventories.push({ id, cluster, inventory });
      poke();
    },
    status(s) {
      got.statuses.push(s);
      poke();
    },
    ...overrides,
  };
}

const countOf = (got: Received, id: string): number => got.flows.filter((f) => f.id === id).reduce((n, f) => n + f.records.length, 0);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netatlas-sources-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('SourceManager', () => {
  it('keeps other sources running when one source fails to start', async () => {
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    cleanups.push(() => manager.stop());
    const broken: Source = { id: 'flows-file:/nope', kind: 'flows-file', start: () => Promise.reject(new Error('cannot open /nope')), stop: () => {} };
    manager.add(broken);
    manager.add(flowFileSource({ path: dnsFile, cluster: 'gke' }));
    await manager.start();
    await manager.settled();
    const expected = (await collectFlows(dnsFile, { cluster: 'gke' })).records.length;
    expect(expected).toBeGreaterThan(0);
    expect(manager.status('flows-file:/nope')).toMatchObject({ state: 'error', reason: 'cannot open /nope', errors: 1, lastErrors: ['flows-file:/nope: cannot open /nope'] });
    expect(manager.status(`flows-file:${dnsFile}`)).toMatchObject({ state: 'done', records: expected, errors: 0, cluster: 'gke' });
    expect(countOf(sink.got, `flows-file:${dnsFile}`)).toBe(expected);
  });

  it('counts records a sink refuses against that source only and keeps delivering', async () => {
    const sink = recordingSink();
    const refusing: SourceSink = {
      ...sink,
      flows(id, records, info) {
        if (id === 'flows-file:a') throw new Error('store is full');
        sink.flows(id, records, info);
      },
    };
    const manager = new SourceManager({ sink: refusing });
    const record: FlowRecord = { time: 1, source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.2' }, protocol: 'TCP', port: 80, verdict: 'FORWARDED', count: 1 };
    const pushing = (id: string): Source => ({ id, kind: 'flows-file', start: (ctx) => { ctx.emitFlows([record]); ctx.emitFlows([record]); }, stop: () => {} });
    manager.add(pushing('flows-file:a'));
    manager.add(pushing('flows-file:b'));
    await manager.start();
    await manager.settled();
    expect(manager.status('flows-file:a')).toMatchObject({ records: 0, errors: 2, state: 'starting' });
    expect(manager.status('flows-file:a').lastErrors[0]).toBe('flows-file:a: the sink refused 1 records: store is full');
    expect(manager.status('flows-file:b')).toMatchObject({ records: 2, errors: 0, state: 'connected', lastEventTime: 1 });
  });

  it('refuses two sources with the same id and names the fix', () => {
    const manager = new SourceManager({ sink: recordingSink() });
    manager.add(flowFileSource({ path: dnsFile }));
    expect(() => manager.add(flowFileSource({ path: dnsFile }))).toThrow(/already registered.*Give each flow file, relay and cluster once/);
  });

  it('reports stopped sources as done', async () => {
    const manager = new SourceManager({ sink: recordingSink() });
    manager.add({ id: 'hubble-relay:x:1', kind: 'hubble-relay', start: () => {}, stop: () => {} });
    await manager.start();
    await manager.stop();
    expect(manager.status()).toEqual([expect.objectContaining({ id: 'hubble-relay:x:1', state: 'done', reason: 'stopped' })]);
  });
});

describe('followFlowsSource', () => {
  it('parses appended Hubble lines into records with a resumable position, and resumes without duplicates', async () => {
    const dir = tempDir();
    const file = join(dir, 'export.log');
    const lines = readFileSync(tcpFile, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, lines.slice(0, 200).join('\n') + '\n' + lines[200].slice(0, 50));
    const expectedTotal = (await collectFlows(tcpFile, { cluster: 'kind' })).records.length;

    const timers = { setTimeout: () => 0, clearTimeout: () => {} }; // polls are driven by hand
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    const first = followFlowsSource({ path: file, cluster: 'kind', timers });
    manager.add(first);
    await manager.start();
    await manager.settled();
    await first.poll();
    const id = `flows-follow:${file}`;
    const firstCount = countOf(sink.got, id);
    expect(firstCount).toBeGreaterThan(0);
    const position = sink.got.flows.at(-1)?.position as { offset: number; line: number };
    expect(position).toMatchObject({ line: 200, offset: Buffer.byteLength(lines.slice(0, 200).join('\n')) + 1 });
    await manager.stop();

    appendFileSync(file, lines[200].slice(50) + '\n' + lines.slice(201).join('\n') + '\n');
    // The store hands the position back on start, with the de-duplication state saved beside it.
    const sink2 = recordingSink({ position: async (at) => (at === id ? position : undefined) });
    const manager2 = new SourceManager({ sink: sink2 });
    cleanups.push(() => manager2.stop());
    const second = followFlowsSource({ path: file, cluster: 'kind', timers });
    manager2.add(second);
    await manager2.start();
    await manager2.settled();
    await second.poll();
    // The connection dedup resumes from the saved state: the two runs give what one pass gives.
    expect(firstCount + countOf(sink2.got, id)).toBe(expectedTotal);
    expect(sink2.got.flows.at(-1)?.position).toMatchObject({ line: 400 });
    expect(manager2.status(id)).toMatchObject({ state: 'connected', errors: 0 });
    const origins = sink2.got.flows.flatMap((f) => f.records.map((r) => r.origin?.line ?? 0));
    expect(Math.min(...origins)).toBeGreaterThanOrEqual(201);
  });

  it('counts a malformed line with file:line and keeps following', async () => {
    const dir = tempDir();
    const file = join(dir, 'export.log');
    const lines = readFileSync(dnsFile, 'utf8').split('\n').filter(Boolean);
    writeFileSync(file, `${lines[0]}\n{"flow": broken\n${lines[1]}\n`);
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    cleanups.push(() => manager.stop());
    const source = followFlowsSource({ path: file, timers: { setTimeout: () => 0, clearTimeout: () => {} } });
    manager.add(source);
    await manager.start();
    await manager.settled();
    await source.poll();
    const status = manager.status(`flows-follow:${file}`);
    expect(status.errors).toBe(1);
    expect(status.lastErrors[0]).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `));
  });
});

describe('relayFlowsSource', () => {
  let relay: ReplayRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('yields the same records from a local relay replaying a capture as reading the capture file', async () => {
    const responses = parseJsonpbLines(readFileSync(tcpFile, 'utf8'));
    relay = await startReplayRelay({ responses });
    const fromFile = (await collectFlows(tcpFile, { cluster: 'kind' })).records;
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    cleanups.push(() => manager.stop());
    manager.add(relayFlowsSource({ address: relay.address, cluster: 'kind', since: 0 }));
    await manager.start();
    const id = `hubble-relay:${relay.address}`;
    // The position is the newest flow received, also one that gave no record (a reply), with the dedup state.
    const newest = Math.max(...responses.map((r) => Date.parse((r.flow as { time: string }).time)));
    await sink.waitFor(() => countOf(sink.got, id) === fromFile.length && sink.got.flows.at(-1)?.position?.lastEventTime === newest);
    const fromRelay = sink.got.flows.flatMap((f) => f.records);
    const strip = (r: FlowRecord) => ({ ...r, origin: undefined });
    expect(fromRelay.map(strip)).toEqual(fromFile.map(strip));
    expect(sink.got.flows.at(-1)?.position).toMatchObject({ lastEventTime: newest, dedup: expect.objectContaining({ v: 1 }) });
    expect(manager.status(id)).toMatchObject({ kind: 'hubble-relay', cluster: 'kind', state: 'connected', records: fromFile.length });
  });

  it('shows an unreachable relay as error while a file source next to it completes', async () => {
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    cleanups.push(() => manager.stop());
    let failures = 0;
    manager.add(relayFlowsSource({ address: '127.0.0.1:1', delay: (_ms, signal) => new Promise((resolve) => { failures++; signal.addEventListener('abort', () => resolve()); }) }));
    manager.add(flowFileSource({ path: dnsFile }));
    await manager.start();
    await manager.settled(`flows-file:${dnsFile}`);
    await sink.waitFor(() => failures === 1 && manager.status('hubble-relay:127.0.0.1:1').state === 'error');
    expect(manager.status('hubble-relay:127.0.0.1:1').reason).toMatch(/hubble-relay 127.0.0.1:1: .*reconnecting/);
    expect(manager.status(`flows-file:${dnsFile}`).state).toBe('done');
  });
});

describe('liveClusterSource', () => {
  const emptyInventory: Inventory = { clusters: [], namespaces: [], pods: [], workloads: [], services: [], endpointSlices: [], nodes: [], networkPolicies: [], adminNetworkPolicies: [] };

  function fakeLive(cluster: string) {
    const emitter = new EventEmitter();
    let status: ClusterStatus = { cluster, context: cluster, state: 'connecting', kinds: {}, warnings: [], errors: 0 };
    const live: LiveInventoryLike & { emit: EventEmitter['emit']; setStatus(s: Partial<ClusterStatus>): void } = {
      on: (event: string, fn: (...args: any[]) => void) => emitter.on(event, fn), // eslint-disable-line @typescript-eslint/no-explicit-any
      emit: emitter.emit.bind(emitter),
      start: () => {},
      stop: async () => {},
      status: () => [status],
      snapshot: () => ({ ...emptyInventory, namespaces: [{ kind: 'Namespace', cluster, name: 'shop', labels: {} }] }),
      setStatus(s: Partial<ClusterStatus>) {
        status = { ...status, ...s };
        emitter.emit(STATUS, status);
      },
    } as never;
    return live;
  }

  it('sends a snapshot when a cluster syncs, then batched changes on the interval, and isolates a broken context', async () => {
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    cleanups.push(() => manager.stop());
    const ticks: (() => void)[] = [];
    const timers = { setInterval: (fn: () => void) => ticks.push(fn), clearInterval: () => {} };
    const prod = fakeLive('prod');
    manager.add(liveClusterSource({ target: { cluster: 'prod', context: 'prod' }, timers, create: () => prod }));
    manager.add(liveClusterSource({ target: { cluster: 'dev', context: 'dev', problem: 'context "dev" not found in ~/.kube/config' }, timers }));
    await manager.start();
    await manager.settled();
    expect(manager.status('kubernetes:prod').state).toBe('starting');
    prod.setStatus({ state: 'synced', lastEventTime: 5 });
    expect(sink.got.inventories).toHaveLength(1);
    expect(sink.got.inventories[0]).toMatchObject({ id: 'kubernetes:prod', cluster: 'prod' });
    expect(manager.status('kubernetes:prod')).toMatchObject({ state: 'connected', records: 1 });
    ticks[0]();
    expect(sink.got.inventories).toHaveLength(1); // nothing changed since
    prod.emit(ADD, { type: 'add', cluster: 'prod', object: {} });
    ticks[0]();
    expect(sink.got.inventories).toHaveLength(2);
    expect(manager.status('kubernetes:dev')).toMatchObject({ state: 'error', reason: 'context "dev" not found in ~/.kube/config' });
    prod.setStatus({ errors: 2 });
    expect(manager.status('kubernetes:prod')).toMatchObject({ state: 'connected', errors: 2 });
    expect(manager.status('kubernetes:prod').lastErrors[0]).toBe('kubernetes:prod: an object from the API server was not understood');
  });
});

describe('SourceManager restarts', () => {
  const manualTimers = () => {
    const pending: { fn: () => void; ms: number }[] = [];
    return { pending, setTimeout: (fn: () => void, ms: number) => pending.push({ fn, ms }), clearTimeout: () => {} };
  };

  it('starts a long-running source again after the backoff when its start fails, and says when', async () => {
    const timers = manualTimers();
    const manager = new SourceManager({ sink: recordingSink(), timers, random: () => 0, restart: { initialMs: 2000, maxMs: 30_000, jitter: 0.5 } });
    cleanups.push(() => manager.stop());
    let attempts = 0;
    manager.add({
      id: 'goldmane:x:1', kind: 'goldmane', restart: true, stop: () => {},
      start: (ctx) => {
        if (++attempts < 3) throw new Error('no route to host');
        ctx.report({ state: 'connected' });
      },
    });
    await manager.start();
    await manager.settled();
    expect(manager.status('goldmane:x:1')).toMatchObject({ state: 'error', reason: 'no route to host (starting again in 2 s)', errors: 1 });
    expect(timers.pending.map((t) => t.ms)).toEqual([2000]);
    timers.pending.shift()!.fn();
    await manager.settled();
    expect(timers.pending.map((t) => t.ms)).toEqual([4000]); // doubled
    timers.pending.shift()!.fn();
    await manager.settled();
    expect(manager.status('goldmane:x:1')).toMatchObject({ state: 'connected', errors: 2 });
    expect(attempts).toBe(3);
  });

  it('leaves a finite source that failed in error, without a retry', async () => {
    const timers = manualTimers();
    const manager = new SourceManager({ sink: recordingSink(), timers });
    manager.add({ id: 'flows-file:/x', kind: 'flows-file', start: () => Promise.reject(new Error('EACCES')), stop: () => {} });
    await manager.start();
    await manager.settled();
    expect(manager.status('flows-file:/x')).toMatchObject({ state: 'error', reason: 'EACCES' });
    expect(timers.pending).toEqual([]);
  });

  it('holds back a quiet source until it has records, then shows it to the sink', async () => {
    const sink = recordingSink();
    const manager = new SourceManager({ sink });
    const record: FlowRecord = { time: 1, source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.2' }, protocol: 'TCP', port: 80, verdict: 'FORWARDED', count: 1 };
    manager.add({ id: 'flows-file:inventory.yaml', kind: 'flows-file', quiet: true, start: (ctx) => ctx.report({ state: 'done', reason: 'not a flow file' }), stop: () => {} });
    manager.add({ id: 'flows-file:flows.log', kind: 'flows-file', quiet: true, start: (ctx) => ctx.emitFlows([record]), stop: () => {} });
    await manager.start();
    await manager.settled();
    const shown = new Set(sink.got.statuses.map((s) => s.id));
    expect([...shown]).toEqual(['flows-file:flows.log']);
    // Shown before its records reach the sink, so the sink knows its kind when they come.
    expect(sink.got.statuses[0]).toMatchObject({ id: 'flows-file:flows.log', records: 0 });
  });
});
