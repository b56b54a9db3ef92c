/**
 * stateSink: what the manager's sources produce, as the server's state receives it.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRecord, Inventory } from '../../../generator/model/index.ts';
import { stateSink, type IngestTarget, type SourceStatus } from '../../../server/sources/index.ts';

/** A state that records each call it gets. */
function recordingTarget() {
  const calls: [string, ...unknown[]][] = [];
  const target: IngestTarget = {
    registerSource: (...a) => void calls.push(['registerSource', ...a]),
    updateSource: (...a) => void calls.push(['updateSource', ...a]),
    ingestFlows: (id, records, options) => {
      calls.push(['ingestFlows', id, [...records].length, options]);
      return 0;
    },
    setOffset: (...a) => void calls.push(['setOffset', ...a]),
    setInventory: (cluster) => void calls.push(['setInventory', cluster]),
  };
  return { target, calls };
}

const record: FlowRecord = { time: 5, source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.2' }, protocol: 'TCP', port: 80, verdict: 'FORWARDED', count: 1 };
const status = (patch: Partial<SourceStatus>): SourceStatus => ({ id: 'flows-follow:a.log', kind: 'flows-follow', state: 'connected', records: 0, errors: 0, lastErrors: [], ...patch });
const noStore = { getOffset: () => undefined };

describe('stateSink', () => {
  it.each([
    { what: 'records with a position go in with it (one transaction)', records: [record], position: { offset: 10 }, expected: [['ingestFlows', 'src', 1, { cluster: 'prod', offset: { offset: 10 } }]] },
    { what: 'records without a position go in alone', records: [record], position: undefined, expected: [['ingestFlows', 'src', 1, { cluster: 'prod' }]] },
    { what: 'a position without records moves the offset only', records: [], position: { offset: 12 }, expected: [['setOffset', 'src', { offset: 12 }]] },
  ])('$what', ({ records, position, expected }) => {
    const { target, calls } = recordingTarget();
    stateSink(target, noStore).flows('src', records, { cluster: 'prod', ...(position ? { position } : {}) });
    expect(calls).toEqual(expected);
  });

  it('passes a status on when its state or reason changes, not on every batch of a flow source', () => {
    const { target, calls } = recordingTarget();
    const sink = stateSink(target, noStore);
    sink.flows('flows-follow:a.log', [record], {});
    sink.status!(status({ records: 1 }));
    sink.status!(status({ records: 2, lastEventTime: 9 }));
    sink.status!(status({ records: 3, state: 'stale', reason: 'no new line for 2 min' }));
    const updates = calls.filter((c) => c[0] === 'updateSource').map((c) => c[2]);
    // The state counts a flow source's records itself (ingestFlows): none are passed on.
    expect(updates).toEqual([
      { state: 'connected', reason: undefined },
      { state: 'stale', reason: 'no new line for 2 min' },
    ]);
  });

  it('passes on the record count of a source that sends no flows (an inventory, a file read before)', () => {
    const { target, calls } = recordingTarget();
    const sink = stateSink(target, noStore);
    const inventory = { clusters: [], namespaces: [], pods: [], workloads: [], services: [], endpointSlices: [], nodes: [], networkPolicies: [], adminNetworkPolicies: [] } as Inventory;
    sink.inventory!('kubernetes:prod', 'prod', inventory);
    sink.status!(status({ id: 'kubernetes:prod', kind: 'kubernetes', records: 12 }));
    sink.status!(status({ id: 'kubernetes:prod', kind: 'kubernetes', records: 13 }));
    expect(calls.filter((c) => c[0] === 'setInventory')).toEqual([['setInventory', 'prod']]);
    expect(calls.filter((c) => c[0] === 'updateSource').map((c) => (c[2] as { records?: number }).records)).toEqual([12, 13]);
  });

  it('logs once when a source turns to error, with its id and reason, and counts each error on it', () => {
    const { target, calls } = recordingTarget();
    const lines: string[] = [];
    const sink = stateSink(target, noStore, (l) => lines.push(l));
    sink.error!('hubble-relay:x:1', 'hubble-relay:x:1: cannot read --hubble-tls-ca ca.pem: ENOENT');
    sink.status!(status({ id: 'hubble-relay:x:1', kind: 'hubble-relay', state: 'error', reason: 'cannot read ca.pem' }));
    sink.status!(status({ id: 'hubble-relay:x:1', kind: 'hubble-relay', state: 'error', reason: 'cannot read ca.pem (starting again in 1 s)' }));
    expect(lines).toEqual(['netatlas: hubble-relay:x:1: cannot read ca.pem']);
    expect(calls[0]).toEqual(['updateSource', 'hubble-relay:x:1', { error: 'hubble-relay:x:1: cannot read --hubble-tls-ca ca.pem: ENOENT' }]);
  });

  it('answers a source\'s saved position from the store', async () => {
    const { target } = recordingTarget();
    const sink = stateSink(target, { getOffset: async (id) => (id === 'flows-file:a' ? { size: 1, mtimeMs: 2, records: 3 } : undefined) });
    expect(await sink.position!('flows-file:a')).toEqual({ size: 1, mtimeMs: 2, records: 3 });
    expect(await sink.position!('flows-file:b')).toBeUndefined();
  });
});
