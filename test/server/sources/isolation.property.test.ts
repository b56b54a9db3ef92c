/**
 * The manager's isolation, as a property: whatever mix of sources fails (a start that throws,
 * records the sink refuses, errors reported), each other source's status counts exactly what it
 * delivered and stays out of error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../../generator/model/index.ts';
import { SourceManager, type Source, type SourceSink } from '../../../server/sources/index.ts';

interface Spec {
  readonly batches: readonly number[];
  /** Throws from start() after emitting its batches. */
  readonly throws: boolean;
  /** The sink refuses this source's records. */
  readonly refused: boolean;
  /** Malformed items it reports through ctx.error. */
  readonly malformed: number;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  batches: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
  throws: fc.boolean(),
  refused: fc.boolean(),
  malformed: fc.integer({ min: 0, max: 3 }),
});

const record = (time: number): FlowRecord => ({ time, source: { ip: '10.0.0.1' }, destination: { ip: '10.0.0.2' }, protocol: 'TCP', port: 80, verdict: 'FORWARDED', count: 1 });

function sourceOf(id: string, s: Spec): Source {
  return {
    id, kind: 'flows-file', stop: () => {},
    start: async (ctx) => {
      for (const n of s.batches) ctx.emitFlows(Array.from({ length: n }, (_, i) => record(i + 1)));
      for (let i = 0; i < s.malformed; i++) ctx.error(`${id}:${i + 1}: not JSON`);
      if (s.throws) throw new Error('disk gone');
      ctx.report({ state: 'done' });
    },
  };
}

describe('SourceManager isolation (property)', () => {
  it('counts for every source exactly what it delivered, whatever the others do', async () => {
    await fc.assert(fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 6 }), async (specs) => {
      const taken = new Map<string, number>();
      const sink: SourceSink = {
        flows(id, records) {
          if (specs[Number(id.slice(3))].refused) throw new Error('store is full');
          taken.set(id, (taken.get(id) ?? 0) + records.length);
        },
      };
      const manager = new SourceManager({ sink });
      specs.forEach((s, i) => manager.add(sourceOf(`src${i}`, s)));
      await manager.start();
      await manager.settled();
      specs.forEach((s, i) => {
        const status = manager.status(`src${i}`);
        const delivered = s.batches.reduce((a, b) => a + b, 0);
        const refusals = s.refused ? s.batches.filter((n) => n > 0).length : 0;
        expect(status.records).toBe(s.refused ? 0 : delivered);
        expect(taken.get(`src${i}`) ?? 0).toBe(s.refused ? 0 : delivered);
        expect(status.errors).toBe(refusals + s.malformed + (s.throws ? 1 : 0));
        expect(status.state).toBe(s.throws ? 'error' : 'done');
      });
    }), { numRuns: 200 });
  });
});
