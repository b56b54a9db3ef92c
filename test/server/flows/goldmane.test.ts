import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/flow.ts';
import { createFlowParseState, parseFlowObject } from '../../../server/flows/index.ts';
import { GoldmaneClient } from '../../../server/flows/goldmane/client.ts';
import type { GoldmanePosition } from '../../../server/flows/goldmane/client.ts';
import { startGoldmaneReplay } from '../../../server/flows/goldmane/replay-server.ts';
import type { GoldmaneReplay } from '../../../server/flows/goldmane/replay-server.ts';
import { calicoLine, hubbleLines, workloadEdges } from './calico-fixtures.ts';
import { parseLines } from './helpers.ts';

const web: [string, string] = ['web', '574ff6d9fd'];
const api: [string, string] = ['api', '6b7c9d8e5f'];
const scraper: [string, string] = ['scraper', '655c844475'];
const log = (over: Parameters<typeof calicoLine>[0]) => JSON.parse(calicoLine(over)) as Record<string, unknown>;

const replays: GoldmaneReplay[] = [];
const clients: GoldmaneClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const r of replays.splice(0)) await r.close();
});

/** A client feeding the Calico reader, as serve and collect wire it. */
function reader(address: string, delay?: (ms: number) => Promise<void>, resume?: GoldmanePosition) {
  const state = createFlowParseState({ file: `goldmane:${address}`, cluster: 'east', format: 'calico' });
  const records: FlowRecord[] = [];
  const client = new GoldmaneClient({ address, since: 0, onFlow: (f) => parseFlowObject(f, state, records), ...(delay ? { delay } : {}), ...(resume ? { resume } : {}) });
  clients.push(client);
  client.start();
  return { client, records, state };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('Goldmane flow stream', () => {
  it('replayed over gRPC produces the same workload graph as the equivalent Hubble flows', async () => {
    const replay = await startGoldmaneReplay([
      log({ from: web, to: api, num_connections_started: 3 }),
      log({ from: web, to: api, num_connections_started: 3, reporter: 'Src' }),
      log({ from: scraper, to: web, action: 'Deny', dest_port: 80, num_connections_started: 2 }),
    ]);
    replays.push(replay);
    const { client, records } = reader(replay.address);
    await until(() => client.flows === 3);
    const hubble = parseLines([...hubbleLines(web, api, 3, 'FORWARDED'), ...hubbleLines(scraper, web, 2, 'DROPPED', 80)], { cluster: 'east' });
    expect(Object.keys(workloadEdges(records))).toHaveLength(2);
    expect(workloadEdges(records)).toEqual(workloadEdges(hubble.records));
  });

  it('resumes after Goldmane restarts without handing on a flow of the interval it had seen twice', async () => {
    const first = [log({ from: web, to: api, num_connections_started: 2 })];
    const replay = await startGoldmaneReplay(first);
    let reconnect!: () => void;
    const { client, records } = reader(replay.address, () => new Promise<void>((r) => { reconnect = r; }));
    await until(() => client.flows === 1);
    replay.kill();
    await until(() => reconnect !== undefined);
    // The new Goldmane has the old interval's flow again and one of a later interval.
    const later = log({ from: web, to: api, num_connections_started: 5, start_time: '2026-09-27T11:32:45Z', end_time: '2026-09-27T11:33:00Z' });
    const again = await startGoldmaneReplay([...first, later], replay.address);
    replays.push(again);
    reconnect();
    await until(() => client.flows === 2);
    expect(client.reconnects).toBe(1);
    expect(records.reduce((n, r) => n + r.count, 0)).toBe(7);
  });

  it('resumes a new client from an earlier one\'s position (a collector restart) with only what is new', async () => {
    const first = [log({ from: web, to: api, num_connections_started: 2 }), log({ from: scraper, to: web, action: 'Deny', dest_port: 80 })];
    const replay = await startGoldmaneReplay(first);
    replays.push(replay);
    const before = reader(replay.address);
    await until(() => before.client.flows === 2);
    const position = before.client.position;
    before.client.stop();
    replay.push([log({ from: web, to: api, num_connections_started: 4, start_time: '2026-09-27T11:32:45Z', end_time: '2026-09-27T11:33:00Z' })]);
    const after = reader(replay.address, undefined, position);
    await until(() => after.client.flows === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(after.client.flows).toBe(1);
    expect(after.records.reduce((n, r) => n + r.count, 0)).toBe(4);
  });
});
