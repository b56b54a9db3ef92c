import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RECONNECT, HubbleRelayClient, parseRelayAddress, type RelayClientOptions, type RelayStatus } from '../../../../server/flows/relay/client.ts';
import { parseJsonpbLines, startReplayRelay, type ReplayRelay } from '../../../../server/flows/relay/replay-server.ts';

const HUBBLE = new URL('../../../../../shared/data/hubble/', import.meta.url);
const tcp = parseJsonpbLines(readFileSync(new URL('hubble-otel-basic-sample-400-tcp-flows.json', HUBBLE), 'utf8'));
const dns = parseJsonpbLines(readFileSync(new URL('hubble-otel-basic-sample-5-dns-flows.json', HUBBLE), 'utf8'));

type Event = Record<string, unknown>;

/** Collects events and lets a test await a condition, re-checked on every event and status. */
function harness(overrides: Partial<RelayClientOptions> & { address: string }) {
  const events: Event[] = [];
  const statuses: RelayStatus[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = (): void => {
    for (const w of [...waiters]) {
      if (w.check()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const client = new HubbleRelayClient({
    random: () => 0, // no jitter: waits are the full backoff
    onEvent: (e) => {
      events.push(e);
      poke();
    },
    onStatus: (s) => {
      statuses.push(s);
      poke();
    },
    ...overrides,
    delay: (ms, signal) => {
      const waiting = overrides.delay ? overrides.delay(ms, signal) : Promise.resolve();
      poke();
      return waiting;
    },
  });
  const until = (check: () => boolean): Promise<void> =>
    check() ? Promise.resolve() : new Promise((resolve) => waiters.push({ check, resolve }));
  return { client, events, statuses, until };
}

const flowsOf = (events: Event[]): Event[] => events.filter((e) => e.flow);

let relays: ReplayRelay[] = [];
const clients: HubbleRelayClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('HubbleRelayClient against a local Observer server', () => {
  it('streams the last N flows of a capture and ends when follow is off', async () => {
    const relay = await startReplayRelay({ responses: tcp });
    relays.push(relay);
    const { client, events } = harness({ address: relay.address, follow: false, number: 1000 });
    await client.start();
    expect(flowsOf(events)).toEqual(tcp);
    expect(client.status()).toMatchObject({ state: 'done', records: 400, errors: 0 });
    expect(client.status().lastEventTime).toBe(Date.parse(String(tcp[399].time)));
  });

  it('follows new flows as the relay receives them and reports connected with the last event time', async () => {
    let registered!: () => void;
    const streamOpen = new Promise<void>((resolve) => (registered = resolve));
    const relay = await startReplayRelay({ responses: [], onRequest: () => registered() });
    relays.push(relay);
    const { client, events, until } = harness({ address: relay.address });
    clients.push(client);
    void client.start();
    await until(() => client.status().state === 'connected');
    await streamOpen; // the relay only sends flows it sees after the stream opened
    relay.push(dns.slice(0, 3));
    await until(() => events.length === 3);
    relay.push(dns.slice(3));
    await until(() => events.length === 5);
    expect(events).toEqual(dns);
    const status = client.status();
    expect(status.state).toBe('connected');
    expect(status.records).toBe(5);
    expect(status.lastEventTime).toBe(Math.floor(Date.parse(String(dns[4].time))));
  });

  it('reconnects after the relay drops mid-stream and resumes from the last flow without loss or duplicates', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const requests: Event[] = [];
    const first = await startReplayRelay({ responses: tcp.slice(0, 150), address, onRequest: (r) => requests.push(r) });
    let releaseDelay!: () => void;
    const delays: number[] = [];
    const { client, events, until } = harness({
      address,
      since: 0,
      reconnect: { initialDelayMs: 250 },
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 },
      delay: (ms) => {
        delays.push(ms);
        return new Promise<void>((resolve) => (releaseDelay = resolve));
      },
    });
    clients.push(client);
    void client.start();
    await until(() => events.length === 150);
    first.kill(); // the connection drops: the stream errors with UNAVAILABLE
    await until(() => delays.length === 1);
    expect(client.status().state).toBe('stale');
    expect(client.status().reason).toMatch(/reconnecting in 250 ms/);
    // The relay comes back having seen more flows; the client asks from its last flow on.
    const second = await startReplayRelay({ responses: tcp, address, onRequest: (r) => requests.push(r) });
    relays.push(second);
    releaseDelay();
    await until(() => events.length === 400);
    expect(flowsOf(events)).toEqual(tcp);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ follow: true });
    // resumed with since = last flow time minus the overlap window (5 s by default)
    const since = requests[1].since as { seconds: string; nanos: number };
    const lastSeen = Date.parse(String(tcp[149].time));
    expect(Number(since.seconds) * 1000 + Math.floor(since.nanos / 1e6)).toBeGreaterThanOrEqual(lastSeen - 5001);
    expect(requests[1].number).toBeUndefined();
    expect(client.status()).toMatchObject({ state: 'connected', records: 400, reconnects: 1 });
  });

  it('delivers a late flow from another node after a resume, and none of the flows it had already delivered', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const flow = (node: string, time: string, sport: number) => ({
      flow: { time, verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' }, l4: { TCP: { source_port: sport, destination_port: 80 } }, node_name: node },
      node_name: node,
      time,
    });
    const a1 = flow('node-a', '2024-05-01T10:00:01Z', 1001);
    const a3 = flow('node-a', '2024-05-01T10:00:03Z', 1003);
    const b2 = flow('node-b', '2024-05-01T10:00:02Z', 2002); // node-b's stream lagged behind
    const a4 = flow('node-a', '2024-05-01T10:00:04Z', 1004);
    const first = await startReplayRelay({ responses: [a1, a3], address });
    let release!: () => void;
    const { client, events, until } = harness({
      address,
      since: 0,
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 },
      delay: () => new Promise<void>((resolve) => (release = resolve)),
    });
    clients.push(client);
    void client.start();
    await until(() => events.length === 2);
    first.kill();
    await until(() => client.status().state === 'stale');
    const second = await startReplayRelay({ responses: [a1, b2, a3, a4], address });
    relays.push(second);
    release();
    await until(() => events.length === 4);
    expect(events).toEqual([a1, a3, b2, a4]);
    expect(client.status().records).toBe(4);
  });

  it('resumes from no later than the time it received, after a flow stamped 70 years ahead', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const requests: Event[] = [];
    const at = (ms: number) => new Date(ms).toISOString();
    const flow = (time: string, sport: number) => ({
      flow: { time, verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' }, l4: { TCP: { source_port: sport, destination_port: 80 } }, node_name: 'node-a' },
      node_name: 'node-a',
      time,
    });
    const start = Date.now();
    const recent = flow(at(start - 3000), 1001);
    const ahead = flow('2098-01-01T00:00:00Z', 1002); // a node whose clock runs far ahead
    const later = flow(at(start - 1000), 1003); // reached the relay while the client was away
    const first = await startReplayRelay({ responses: [recent, ahead], address, onRequest: (r) => requests.push(r) });
    let release!: () => void;
    const { client, events, until } = harness({
      address, since: start - 10_000,
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200 },
      delay: () => new Promise<void>((resolve) => (release = resolve)),
    });
    clients.push(client);
    void client.start();
    await until(() => events.length === 2);
    expect(client.status().lastEventTime).toBeLessThanOrEqual(Date.now());
    first.kill();
    await until(() => client.status().state === 'stale');
    const second = await startReplayRelay({ responses: [recent, later, ahead], address, onRequest: (r) => requests.push(r) });
    relays.push(second);
    release();
    await until(() => events.length === 3);
    expect(events).toEqual([recent, ahead, later]);
    const since = requests[1].since as { seconds: string };
    expect(Number(since.seconds) * 1000).toBeLessThanOrEqual(Date.now());
    expect(client.status()).toMatchObject({ state: 'connected', records: 3 });
  });

  it('asks for the flows after a saved position, from the next nanosecond on', async () => {
    const requests: Event[] = [];
    const relay = await startReplayRelay({ responses: tcp.slice(0, 10), onRequest: (r) => requests.push(r) });
    relays.push(relay);
    const { client, until } = harness({ address: relay.address, follow: false, after: '1700000000123456789' });
    clients.push(client);
    await client.start();
    await until(() => requests.length === 1);
    expect(requests[0].since).toEqual({ seconds: '1700000000', nanos: 123456790 });
    expect(client.status().lastEventNanos).toBeUndefined(); // the capture's flows are older: none came
  });

  it('tells onStatus that a connected relay went silent, without being asked', async () => {
    const relay = await startReplayRelay({ responses: [] });
    relays.push(relay);
    let now = 1_000_000;
    const { client, statuses, until } = harness({ address: relay.address, now: () => now, staleAfterMs: 60_000, staleCheckMs: 20 });
    clients.push(client);
    void client.start();
    await until(() => client.status().state === 'connected');
    now += 61_000;
    await until(() => statuses.some((s) => s.state === 'stale'));
    expect(statuses.at(-1)).toMatchObject({ state: 'stale', reason: 'connected but no events for 61 s' });
  });

  it('reports an unreachable relay as status error without throwing, and stops cleanly', async () => {
    const port = await freePort();
    const delays: number[] = [];
    let gate!: () => void;
    const { client, until } = harness({
      address: `127.0.0.1:${port}`,
      delay: (ms, signal) => {
        delays.push(ms);
        return new Promise<void>((resolve) => {
          gate = resolve;
          signal.addEventListener('abort', () => resolve());
        });
      },
    });
    const running = client.start();
    await until(() => delays.length === 1);
    const status = client.status();
    expect(status.state).toBe('error');
    expect(status.reason).toMatch(new RegExp(`hubble-relay 127.0.0.1:${port}: .*reconnecting in 500 ms \\(attempt 1\\)`));
    expect(status.records).toBe(0);
    gate();
    await until(() => delays.length === 2);
    expect(delays).toEqual([500, 1000]);
    await client.stop();
    await expect(running).resolves.toBeUndefined();
    expect(client.status().state).toBe('done');
  });

  it('gives up after maxAttempts failures in a row and stays in error', async () => {
    const port = await freePort();
    const { client } = harness({ address: `127.0.0.1:${port}`, reconnect: { maxAttempts: 2 } });
    await client.start();
    expect(client.status().state).toBe('error');
    expect(client.status().reason).toMatch(/gave up after 2 attempts/);
    expect(client.status().errors).toBe(3);
  });

  it('reports a connected but silent relay as stale once staleAfterMs has passed', async () => {
    const relay = await startReplayRelay({ responses: [] });
    relays.push(relay);
    let now = 1_000_000;
    const { client, until } = harness({ address: relay.address, now: () => now, staleAfterMs: 60_000 });
    clients.push(client);
    void client.start();
    await until(() => client.status().state === 'connected');
    now += 61_000;
    expect(client.status()).toMatchObject({ state: 'stale', reason: 'connected but no events for 61 s' });
  });

  it('counts lost events and tracks nodes the relay reports unavailable', async () => {
    let registered!: () => void;
    const streamOpen = new Promise<void>((resolve) => (registered = resolve));
    const relay = await startReplayRelay({ responses: [], onRequest: () => registered() });
    relays.push(relay);
    const { client, events, until } = harness({ address: relay.address });
    clients.push(client);
    void client.start();
    await until(() => client.status().state === 'connected');
    await streamOpen; // the relay only sends flows it sees after the stream opened
    relay.push([
      { node_status: { state_change: 'NODE_UNAVAILABLE', node_names: ['prod/node-b', 'prod/node-c'], message: 'connection refused' }, time: '2024-01-01T00:00:00Z' },
      { lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: '42' }, time: '2024-01-01T00:00:01Z' },
      { node_status: { state_change: 'NODE_CONNECTED', node_names: ['prod/node-c'] }, time: '2024-01-01T00:00:02Z' },
    ]);
    await until(() => events.length === 3);
    expect(client.status()).toMatchObject({ lostEvents: 42, unavailableNodes: ['prod/node-b'], records: 0 });
  });

  it('keeps streaming when the consumer throws, counting the failure', async () => {
    const relay = await startReplayRelay({ responses: dns });
    relays.push(relay);
    let calls = 0;
    const client = new HubbleRelayClient({
      address: relay.address,
      follow: false,
      number: 10,
      onEvent: () => {
        calls++;
        if (calls === 2) throw new Error('boom');
      },
    });
    await client.start();
    expect(calls).toBe(5);
    expect(client.status()).toMatchObject({ state: 'done', records: 5, errors: 1 });
  });

  it('refuses an address that is not HOST:PORT, naming the fix', () => {
    expect(() => parseRelayAddress('hubble-relay')).toThrow(/not HOST:PORT.*--hubble-relay localhost:4245/);
    expect(parseRelayAddress('[::1]:4245')).toBe('[::1]:4245');
    expect(parseRelayAddress('hubble-relay.kube-system.svc:80')).toBe('hubble-relay.kube-system.svc:80');
  });
});

describe('HubbleRelayClient over TLS', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  let otherCert: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netatlas-relay-tls-'));
    const make = (name: string, cn: string): void => {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
        '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`,
      ], { stdio: 'ignore' });
    };
    make('relay', 'relay.hubble-relay.cilium.io');
    make('other', 'other.example');
    cert = readFileSync(join(dir, 'relay.crt'));
    key = readFileSync(join(dir, 'relay.key'));
    otherCert = readFileSync(join(dir, 'other.crt'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams flows from a relay with a self-signed certificate when given its CA and server name', async () => {
    const relay = await startReplayRelay({ responses: dns, tls: { key, cert } });
    relays.push(relay);
    const { client, events } = harness({
      address: relay.address,
      follow: false,
      number: 5,
      tls: { ca: cert, serverName: 'relay.hubble-relay.cilium.io' },
    });
    await client.start();
    expect(events).toEqual(dns);
    expect(client.status().state).toBe('done');
  });

  it('authenticates with a client certificate when the relay requires mutual TLS', async () => {
    const relay = await startReplayRelay({ responses: dns, tls: { key, cert, clientCa: cert } });
    relays.push(relay);
    const { client, events } = harness({
      address: relay.address,
      follow: false,
      number: 5,
      tls: { ca: cert, cert, key, serverName: 'relay.hubble-relay.cilium.io' },
    });
    await client.start();
    expect(events).toHaveLength(5);
  });

  it('reports a certificate signed by an unknown CA as an error instead of streaming', async () => {
    const relay = await startReplayRelay({ responses: dns, tls: { key, cert } });
    relays.push(relay);
    const { client, events } = harness({
      address: relay.address,
      follow: false,
      number: 5,
      reconnect: { maxAttempts: 0 },
      tls: { ca: otherCert, serverName: 'relay.hubble-relay.cilium.io' },
    });
    await client.start();
    expect(events).toHaveLength(0);
    expect(client.status().state).toBe('error');
  });

  it('refuses a client certificate given without its key', () => {
    expect(() => new HubbleRelayClient({ address: 'localhost:4245', tls: { cert }, onEvent: () => {} })).toThrow(/--hubble-tls-key/);
  });
});

describe('backoffDelay', () => {
  const o = { ...DEFAULT_RECONNECT, initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5 };
  it.each([
    [1, 0, 500], [2, 0, 1000], [3, 0, 2000], [10, 0, 30_000], [1, 0.999, 250], [4, 0.5, 3000], [20, 0.999, 15_015],
  ])('attempt %i with random %f waits %i ms', (attempt, random, ms) => {
    expect(backoffDelay(attempt, o, random)).toBe(ms);
  });

  it('stays within [half, full] of the exponential delay for any random draw', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const full = Math.min(30_000, 500 * 2 ** (attempt - 1));
        const wait = backoffDelay(attempt, o, r);
        expect(wait).toBeGreaterThanOrEqual(Math.floor(full / 2));
        expect(wait).toBeLessThanOrEqual(full);
      }
    }
  });
});

describe('HubbleRelayClient and Hubble\'s deciding policies', () => {
  it('receives a policy-verdict flow\'s egress_denied_by over gRPC as hubble observe -o jsonpb prints it, kind included', async () => {
    const denied = { name: 'deny-web', namespace: 'shop', labels: ['k8s:io.cilium.k8s.policy.name=deny-web'], revision: '6', kind: 'CiliumNetworkPolicy' };
    const [response] = parseJsonpbLines(JSON.stringify({
      flow: {
        time: '2024-05-01T10:00:00.123456789Z', verdict: 'DROPPED', IP: { source: '10.0.0.1', destination: '10.0.0.2', ipVersion: 'IPv4' },
        l4: { TCP: { source_port: 41000, destination_port: 8080 } }, traffic_direction: 'EGRESS', egress_denied_by: [denied],
      },
      node_name: 'node-a', time: '2024-05-01T10:00:00.123456789Z',
    }));
    const relay = await startReplayRelay({ responses: [response] });
    relays.push(relay);
    const { client, events } = harness({ address: relay.address, follow: false, number: 10 });
    await client.start();
    expect((flowsOf(events)[0].flow as Event).egress_denied_by).toEqual([denied]);
  });
});
