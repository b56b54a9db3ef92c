/**
 * Child process for the kill -9 test: writes batches forever, each one transaction holding
 * `perBatch` edge increments of count 1 and the offset = flows written so far. Prints the
 * batch number after each commit so the parent knows when to kill.
 */
import { FlowStore } from '../../../server/store/flow-store.ts';

const [dbPath, perBatchArg] = process.argv.slice(2);
const perBatch = Number(perBatchArg ?? 500);
const store = FlowStore.open(dbPath);
let written = Number((store.getOffset('child') as { flows?: number } | undefined)?.flows ?? 0);
let batch = 0;
const T = Date.UTC(2026, 0, 1);
for (;;) {
  const edges = [];
  for (let i = 0; i < perBatch; i++) {
    const n = written + i;
    edges.push({
      source: `wl:c/ns/Deployment/w${n % 97}`, destination: `wl:c/ns/Deployment/w${(n * 7) % 89}`, protocol: 'TCP' as const, port: 80 + (n % 13),
      interCluster: false, time: T + (n % 5000) * 60_000, count: 1, verdicts: { FORWARDED: 1 }, firstSeen: T, lastSeen: T,
    });
  }
  written += perBatch;
  store.writeBatch({ edges, offsets: [{ source: 'child', position: { flows: written } }] });
  batch++;
  process.stdout.write(`${batch}\n`);
}
