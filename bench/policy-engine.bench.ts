/**
 * Policy engine benchmark: the full workload-level connectivity map on a generated estate
 * of 10,000 pods, 2,000 NetworkPolicies and 200 namespaces; the same estate with mixed policy
 * kinds (ClusterNetworkPolicy in both tiers and Cilium policies next to NetworkPolicy, ANP and BANP), its ratio to
 * the NetworkPolicy-only one, the same with a Cilium host firewall on node addresses, and a 50,000-pod / 10,000-policy mixed estate; and the ratio to the naive
 * reference evaluator (test/generator/semantics/naive.ts) on the largest estate the naive
 * one finishes within its budget, measured in this same run.
 */
import { createEngine } from '../generator/semantics/index.ts';
import { NaiveEvaluator } from '../test/generator/semantics/naive.ts';
import { generateEstate } from './policy-estate.ts';

const NAIVE_BUDGET_MS = Number(process.env.NAIVE_BUDGET_MS ?? 60_000);

/** Wall time, and this process's CPU time (the machine may be shared: CPU time is steadier). */
function time<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, value };
}

function engineMap(namespaces: number, mixedKinds = false, calico = false, hostFirewall = false): { ms: number; cpuMs: number; rows: number; pods: number; policies: number; kinds: string } {
  const snap = generateEstate(namespaces, 1, { mixedKinds, calico, hostFirewall });
  const { ms, cpuMs, value } = time(() => createEngine(snap).connectivityMap());
  const counts = new Map<string, number>([['NetworkPolicy', snap.networkPolicies.length]]);
  for (const p of snap.adminNetworkPolicies) {
    const k = p.kind === 'ClusterNetworkPolicy' ? `ClusterNetworkPolicy/${p.tier}` : p.kind;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  for (const p of [...(snap.ciliumNetworkPolicies ?? []), ...(snap.calicoPolicies ?? [])]) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const kinds = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const policies = snap.networkPolicies.length + snap.adminNetworkPolicies.length + (snap.ciliumNetworkPolicies?.length ?? 0) + (snap.calicoPolicies?.length ?? 0);
  return { ms, cpuMs, rows: value.length, pods: snap.pods.length, policies, kinds };
}

// 1. The full estate (best of 3).
const full = [engineMap(200), engineMap(200), engineMap(200)].sort((a, b) => a.ms - b.ms)[0];
const heapMb = process.memoryUsage().heapUsed / 1e6;
console.log(
  `engine: full map (createEngine + connectivityMap), ${full.pods} pods, ${full.policies} policies (${full.kinds}), 200 namespaces: ` +
    `${full.ms.toFixed(0)} ms wall, ${full.cpuMs.toFixed(0)} ms CPU, ${full.rows} rows (target < 2000 ms), heap ${heapMb.toFixed(0)} MB`,
);

// 1b. Mixed policy kinds on the same estate shape (best of 3), as a ratio to the run above.
const mixed = [engineMap(200, true), engineMap(200, true), engineMap(200, true)].sort((a, b) => a.ms - b.ms)[0];
console.log(
  `engine: full map, mixed kinds, ${mixed.pods} pods, ${mixed.policies} policies (${mixed.kinds}), 200 namespaces: ` +
    `${mixed.ms.toFixed(0)} ms wall, ${mixed.cpuMs.toFixed(0)} ms CPU, ${mixed.rows} rows (target < 2000 ms); ` +
    `${(mixed.ms / full.ms).toFixed(2)}x the NetworkPolicy-only estate`,
);
// 1c. Five times larger, mixed kinds, one run.
const large = engineMap(1000, true);
console.log(
  `engine: full map, mixed kinds, ${large.pods} pods, ${large.policies} policies, 1000 namespaces: ` +
    `${large.ms.toFixed(0)} ms wall, ${large.cpuMs.toFixed(0)} ms CPU, ${large.rows} rows (target < 10000 ms), heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
);
// 1d. Calico in Cilium's place (tiers, NetworkPolicy in the default tier), best of 3, as a ratio to the mixed run.
const calico = [engineMap(200, true, true), engineMap(200, true, true), engineMap(200, true, true)].sort((a, b) => a.ms - b.ms)[0];
console.log(
  `engine: full map, mixed kinds with Calico, ${calico.pods} pods, ${calico.policies} policies (${calico.kinds}), 200 namespaces: ` +
    `${calico.ms.toFixed(0)} ms wall, ${calico.cpuMs.toFixed(0)} ms CPU, ${calico.rows} rows (target < 2000 ms); ${(calico.ms / mixed.ms).toFixed(2)}x the Cilium-mixed estate`,
);
const largeCalico = engineMap(1000, true, true);
console.log(
  `engine: full map, mixed kinds with Calico, ${largeCalico.pods} pods, ${largeCalico.policies} policies, 1000 namespaces: ` +
    `${largeCalico.ms.toFixed(0)} ms wall, ${largeCalico.cpuMs.toFixed(0)} ms CPU, ${largeCalico.rows} rows (target < 10000 ms)`,
);
// 1e. The Cilium-mixed estate with a host firewall on half of its 50 nodes (each node address a
// range and a subject of the map), best of 3, as a ratio to the mixed run.
const host = [engineMap(200, true, false, true), engineMap(200, true, false, true), engineMap(200, true, false, true)].sort((a, b) => a.ms - b.ms)[0];
console.log(
  `engine: full map, mixed kinds with a host firewall on 25 of 50 nodes, ${host.pods} pods, ${host.policies} policies, 200 namespaces: ` +
    `${host.ms.toFixed(0)} ms wall, ${host.cpuMs.toFixed(0)} ms CPU, ${host.rows} rows (target < 2000 ms); ${(host.ms / mixed.ms).toFixed(2)}x the mixed estate without it`,
);
// 1f. The mixed estates agree with the naive evaluator where the naive one is affordable.
for (const [calicoKinds, hostFirewall] of [[false, false], [true, false], [false, true]]) {
  const small = generateEstate(2, 1, { mixedKinds: true, calico: calicoKinds, hostFirewall });
  const engineLines = createEngine(small).connectivityMap().map((r) => `${r.src} => ${r.dst} : ${r.conn}`).sort();
  const same = JSON.stringify(engineLines) === JSON.stringify(new NaiveEvaluator(small).mapLines());
  console.log(`mixed kinds${calicoKinds ? ' with Calico' : ''}${hostFirewall ? ' with a host firewall' : ''}, 2 namespaces (${small.pods.length} pods): engine and naive maps ${same ? 'identical' : 'DIFFER'}`);
  if (!same) process.exitCode = 1;
}
const [load1] = (await import('node:os')).loadavg();
console.log(`machine load average (1 min): ${load1.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs: wall time includes waiting for a CPU`);

// 2. Naive vs engine on growing estates while the naive one stays within its budget.
let last: { ns: number; naiveMs: number; engineMs: number; pods: number } | undefined;
let budgetLeft = NAIVE_BUDGET_MS;
for (let ns = 1; ns <= 200; ns *= 2) {
  const snap = generateEstate(ns);
  const engineRun = [0, 1, 2].map(() => time(() => createEngine(snap).connectivityMap().map((r) => `${r.src} => ${r.dst} : ${r.conn}`))).sort((a, b) => a.ms - b.ms)[0];
  const naiveRun = time(() => new NaiveEvaluator(snap).mapLines());
  const same = JSON.stringify([...engineRun.value].sort()) === JSON.stringify(naiveRun.value);
  console.log(
    `size ${ns} namespaces (${snap.pods.length} pods, ${snap.networkPolicies.length} policies): naive ${naiveRun.ms.toFixed(0)} ms, engine ${engineRun.ms.toFixed(1)} ms, ` +
      `ratio ${(naiveRun.ms / engineRun.ms).toFixed(0)}x wall, ${(naiveRun.cpuMs / Math.max(engineRun.cpuMs, 0.1)).toFixed(0)}x CPU, maps ${same ? 'identical' : 'DIFFER'}`,
  );
  if (!same) process.exitCode = 1;
  last = { ns, naiveMs: naiveRun.ms, engineMs: engineRun.ms, pods: snap.pods.length };
  budgetLeft -= naiveRun.ms;
  // Naive cost grows ~8x per doubling (pod pairs x policies per lookup): stop before the budget.
  if (naiveRun.ms * 8 > budgetLeft) break;
}
if (last) {
  console.log(`ratio at the largest size the naive evaluator finished (${last.ns} namespaces, ${last.pods} pods): ${(last.naiveMs / last.engineMs).toFixed(0)}x faster (target >= 100x)`);
  const factor = (200 / last.ns) ** 3;
  console.log(
    `estimate, not measured: naive on the full estate ~ ${((last.naiveMs * factor) / 3.6e6).toFixed(1)} h ` +
      `(x${factor.toFixed(0)} by cubic extrapolation), i.e. ~${((last.naiveMs * factor) / full.ms).toFixed(0)}x the engine`,
  );
}
