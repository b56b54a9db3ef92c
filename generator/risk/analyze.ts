/**
 * analyzeRisk: scores every workload (score.ts), finds the most likely attack path from each
 * entry point to each crown jewel over the connections the policies allow, and cuts each path
 * (cut.ts). Pure: the same inventory, edges and options give the same result.
 *
 * Path search: a hop-bounded Bellman-Ford per entry over the allowed pairs, each hop costing
 * -log(compromise likelihood of the workload it enters), so the best path is the most likely
 * one. Rank = likelihood x impact (crown jewel 1, data store 0.6).
 */
import { createEngine, type PolicyEngine } from '../semantics/index.ts';
import { InputError } from '../model/errors.ts';
import { NAMESPACE_NAME_LABEL } from '../model/labels.ts';
import { synthesisContext } from '../synthesis/synthesize.ts';
import type { WorkloadEntry } from '../synthesis/workloads.ts';
import { attachReports } from './attach.ts';
import { cutContext, cutPath } from './cut.ts';
import { allowedPairs, buildEstate, internetExposure, INTERNET, type Estate } from './estate.ts';
import { isDataStore, scoreWorkload } from './score.ts';
import { parseWorkloadSelector, type SelectableWorkload, type WorkloadSelector } from './selector.ts';
import type { AttackPath, PathHop, RiskInput, RiskOptions, RiskResult, WorkloadRisk } from './types.ts';

/** Label or annotation (on the workload, its pods or its namespace) that declares a crown jewel. */
export const CROWN_JEWEL_LABEL = 'netatlas.io/crown-jewel';
export const DEFAULT_MAX_HOPS = 6;
export const DEFAULT_MAX_PATHS = 20;
export const DEFAULT_MAX_WORKLOADS = 2000;

function selectable(estate: Estate, w: WorkloadEntry): SelectableWorkload {
  const ns = estate.inventory.namespaces.find((n) => n.cluster === w.cluster && n.name === w.namespace);
  return {
    cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name,
    labels: { ...ns?.labels, [NAMESPACE_NAME_LABEL]: w.namespace, ...w.info?.labels, ...w.pods[0]?.labels },
  };
}

function declaredJewel(estate: Estate, w: WorkloadEntry): string | undefined {
  const ns = estate.inventory.namespaces.find((n) => n.cluster === w.cluster && n.name === w.namespace);
  const marks: [string, Record<string, string> | undefined][] = [
    ['workload', { ...w.info?.labels, ...w.info?.annotations }], ['pod', w.pods[0]?.labels], ['namespace', { ...ns?.labels, ...ns?.annotations }],
  ];
  for (const [where, m] of marks) if (m?.[CROWN_JEWEL_LABEL] === 'true') return `${CROWN_JEWEL_LABEL}=true on its ${where}`;
  return undefined;
}

const sel = (list: readonly string[] | undefined, flag: string): WorkloadSelector[] => (list ?? []).map((s) => parseWorkloadSelector(s, flag));

export function analyzeRisk(input: RiskInput, options: RiskOptions = {}): RiskResult {
  const { inventory, edges } = input;
  const engineOptions = options.engine ?? {};
  const jewelSel = sel(options.crownJewels, '--crown-jewels');
  const entrySel = sel(options.entries, '--entries');
  const engine: PolicyEngine = createEngine(inventory, engineOptions);
  const estate = buildEstate(inventory, edges);
  const maxWorkloads = options.maxWorkloads ?? DEFAULT_MAX_WORKLOADS;
  if (estate.workloads.length > maxWorkloads) {
    throw new InputError(`netatlas/risk: ${estate.workloads.length} workloads exceed the limit of ${maxWorkloads}: every ordered pair is evaluated, so the time grows with the square `
      + `(about 17 s for 1,000). Raise the limit (--max-workloads) or analyze fewer clusters at a time.`);
  }
  const problems = [...engine.validation.errors.map((e) => `invalid policy left out: ${e.message}`), ...estate.entries.problems.map((p) => `${p.detail}: not counted as exposure`)];
  const { attached, unattached } = attachReports(inventory);
  const reportsOf = new Map<string, typeof attached>();
  for (const a of attached) {
    const key = `wl:${a.workload.cluster}/${a.workload.namespace}/${a.workload.kind}/${a.workload.name}`;
    reportsOf.set(key, [...(reportsOf.get(key) ?? []), a]);
  }

  const pairs = allowedPairs(estate, engine);
  const inbound = new Map<string, string[]>();
  const outbound = new Map<string, string[]>();
  for (const id of pairs.keys()) {
    const [a, b] = id.split('|');
    (outbound.get(a) ?? outbound.set(a, []).get(a)!).push(b);
    (inbound.get(b) ?? inbound.set(b, []).get(b)!).push(a);
  }

  const exposures = new Map(estate.workloads.map((w) => [w.key, internetExposure(estate, engine, w)]));
  const jewelOf = new Map<string, string>();
  for (const w of estate.workloads) {
    const s = selectable(estate, w);
    const bySelector = jewelSel.findIndex((f) => f(s));
    const why = bySelector >= 0 ? `--crown-jewels ${options.crownJewels![bySelector]}` : declaredJewel(estate, w);
    if (why) jewelOf.set(w.key, why);
  }
  if (jewelSel.length && jewelOf.size === 0) problems.push(`--crown-jewels ${options.crownJewels!.join(' ')} matches no workload`);

  const risks: WorkloadRisk[] = estate.workloads.map((w) => {
    const exp = exposures.get(w.key)!;
    const from = inbound.get(w.key) ?? [];
    const byKey = (k: string) => estate.byKey.get(k)!;
    return scoreWorkload({
      entry: w,
      internet: exp.allowed.isEmpty() ? undefined : { allowed: exp.allowed.toString(), services: exp.services, observed: estate.observed.has(`${INTERNET}|${w.key}`) },
      reachableFrom: {
        total: from.length,
        otherNamespaces: from.filter((k) => byKey(k).cluster === w.cluster && byKey(k).namespace !== w.namespace).length,
        otherClusters: from.filter((k) => byKey(k).cluster !== w.cluster).length,
      },
      reaches: (outbound.get(w.key) ?? []).length,
      workloads: estate.workloads.length,
      apiCaller: estate.apiCallers.has(w.key),
      reports: reportsOf.get(w.key) ?? [],
      crownJewel: jewelOf.get(w.key),
    });
  });
  const riskOf = new Map(risks.map((r) => [r.workload, r]));
  risks.sort((a, b) => b.score - a.score || (a.workload < b.workload ? -1 : 1));

  // ---- entries and targets -----------------------------------------------------------
  const entries = entrySel.length
    ? estate.workloads.filter((w) => entrySel.some((f) => f(selectable(estate, w)))).map((w) => w.key)
    : risks.filter((r) => r.internetExposed).map((r) => r.workload);
  if (entrySel.length && entries.length === 0) problems.push(`--entries ${options.entries!.join(' ')} matches no workload`);
  const targets = [...jewelOf.keys()];
  if (targets.length === 0) problems.push(`no crown jewel: label a workload or namespace ${CROWN_JEWEL_LABEL}=true, or pass --crown-jewels (e.g. "namespace=payments")`);
  const impactOf = (k: string): number => (jewelOf.has(k) ? 1 : isDataStore(estate.byKey.get(k)!) ? 0.6 : 0.2);

  const maxHops = options.maxHops ?? DEFAULT_MAX_HOPS;
  const hopOf = (from: string, to: string): PathHop => {
    const seen = estate.observed.get(`${from}|${to}`);
    const allowed = from === INTERNET ? exposures.get(to)!.allowed : pairs.get(`${from}|${to}`)!;
    return {
      from, to, allowed: allowed.toString(), observed: seen !== undefined,
      evidence: seen ? [`${seen.ports.join(', ')}: ${seen.connections} connection(s)`] : [],
      likelihood: riskOf.get(to)!.compromise,
    };
  };

  const found: Omit<AttackPath, 'cut' | 'id'>[] = [];
  const seenPaths = new Set<string>();
  /** Hop-bounded Bellman-Ford from `start`; `banned` hops (`from|to`) are skipped. */
  const search = (start: string, entry: string, banned: ReadonlySet<string>) => {
    const cost = new Map<string, number>([[start, 0]]);
    const prev = new Map<string, string>();
    let frontier = new Set([start]);
    for (let h = 0; h < maxHops && frontier.size; h++) {
      const next = new Set<string>();
      for (const u of frontier) {
        const outs = u === INTERNET ? [entry] : outbound.get(u) ?? [];
        for (const v of outs) {
          if (v === start || banned.has(`${u}|${v}`)) continue;
          const c = cost.get(u)! - Math.log(riskOf.get(v)!.compromise);
          if (c < (cost.get(v) ?? Infinity) - 1e-12) {
            cost.set(v, c);
            prev.set(v, u);
            next.add(v);
          }
        }
      }
      frontier = next;
    }
    return (t: string): string[] | undefined => {
      if (!cost.has(t)) return undefined;
      const nodes = [t];
      while (nodes[0] !== start && nodes.length <= maxHops + 1) nodes.unshift(prev.get(nodes[0])!);
      return nodes[0] === start && new Set(nodes).size === nodes.length ? nodes : undefined;
    };
  };
  const record = (entry: string, t: string, nodes: string[]): void => {
    const id = nodes.join('>');
    if (seenPaths.has(id)) return;
    seenPaths.add(id);
    const hops = nodes.slice(1).map((n, i) => hopOf(nodes[i], n));
    const likelihood = hops.reduce((p, h) => p * h.likelihood, 1);
    const impact = impactOf(t);
    const clusters = new Set(nodes.filter((n) => n !== INTERNET).map((n) => estate.byKey.get(n)!.cluster));
    found.push({ entry, target: t, hops, likelihood: round(likelihood), impact, rank: round(likelihood * impact), crossesClusters: clusters.size > 1 });
  };
  for (const entry of entries) {
    const start = entrySel.length ? entry : INTERNET;
    const best = search(start, entry, new Set());
    for (const t of targets) {
      if (t === entry) continue;
      const nodes = best(t);
      if (!nodes) continue;
      record(entry, t, nodes);
      // Alternatives: the best path that avoids each hop of the best one in turn, so a cut
      // of one hop is never mistaken for the jewel being out of reach.
      for (let i = start === INTERNET ? 1 : 0; i < nodes.length - 1; i++) {
        const alt = search(start, entry, new Set([`${nodes[i]}|${nodes[i + 1]}`]))(t);
        if (alt) record(entry, t, alt);
      }
    }
  }
  found.sort((a, b) => b.rank - a.rank || a.hops.length - b.hops.length || (a.entry + a.target < b.entry + b.target ? -1 : 1));
  const kept = found.slice(0, options.maxPaths ?? DEFAULT_MAX_PATHS);
  const cc = kept.length ? cutContext(estate, engine, engineOptions, synthesisContext(inventory).index.workloadOfPod) : undefined;
  const paths: AttackPath[] = kept.map((p, i) => ({ id: `path-${i + 1}`, ...p, cut: cutPath(cc!, p.hops) }));

  return { workloads: risks, paths, entries, crownJewels: targets, reports: { attached, unattached }, problems };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
