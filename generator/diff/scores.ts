/**
 * Risk scores per component: a cluster, namespace, workload or pod scores the findings about it
 * or anything inside it, combined as 100 * (1 - prod(1 - w/100)) over their severity weights
 * (docs/diff.md).
 */
import type { Inventory } from '../model/inventory.ts';
import { clusterKey, namespaceKey, parseKey } from '../model/keys.ts';
import { SEVERITIES, type ComponentLevel, type ComponentScore, type Finding, type Severity } from './types.ts';

/** Weights of the score (docs/diff.md): a component's score is 100 * (1 - prod(1 - w/100)). */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { high: 40, medium: 15, low: 5, info: 0 };

/** The level of a component key (cluster, namespace, workload or pod). */
export function levelOf(key: string): ComponentLevel {
  return key.startsWith('cluster:') ? 'cluster' : key.startsWith('ns:') ? 'namespace' : key.startsWith('pod:') ? 'pod' : 'workload';
}

/** Ancestors of a key, itself first: pod -> workload -> namespace -> cluster. */
function ancestors(key: string, podOwner: ReadonlyMap<string, string>): string[] {
  let p;
  try {
    p = parseKey(key);
  } catch {
    return [key];
  }
  switch (p.kind) {
    case 'cluster':
      return [key];
    case 'namespace':
      return [key, clusterKey(p.cluster)];
    case 'workload':
      return [key, namespaceKey(p.cluster, p.namespace), clusterKey(p.cluster)];
    case 'pod': {
      const w = podOwner.get(key);
      return [key, ...(w ? [w] : []), namespaceKey(p.cluster, p.namespace), clusterKey(p.cluster)];
    }
    default:
      return 'cluster' in p ? [key, clusterKey(p.cluster)] : [key];
  }
}

export function scoreOf(severities: readonly Severity[]): number {
  let keep = 1;
  for (const s of severities) keep *= 1 - SEVERITY_WEIGHTS[s] / 100;
  return Math.round((1 - keep) * 100);
}

/**
 * Every cluster, namespace, workload and pod of the inventory with its score: the findings
 * about it or anything inside it (a pod also carries its workload's findings).
 */
export function componentScores(inventory: Inventory, findings: readonly Finding[], podOwner: ReadonlyMap<string, string>): ComponentScore[] {
  const touched = new Map<string, Set<Finding>>();
  const touch = (k: string, f: Finding): void => {
    let s = touched.get(k);
    if (!s) touched.set(k, (s = new Set()));
    s.add(f);
  };
  const podsOf = new Map<string, string[]>();
  for (const [pod, w] of podOwner) podsOf.set(w, [...(podsOf.get(w) ?? []), pod]);
  for (const f of findings) {
    for (const k of [f.subject, ...f.related]) {
      for (const a of ancestors(k, podOwner)) touch(a, f);
      for (const pod of podsOf.get(k) ?? []) touch(pod, f);
    }
  }
  const keys = new Set<string>();
  for (const c of inventory.clusters) keys.add(clusterKey(c.name));
  for (const n of inventory.namespaces) keys.add(namespaceKey(n.cluster, n.name));
  for (const [pod, w] of podOwner) {
    keys.add(pod);
    keys.add(w);
    for (const a of ancestors(w, podOwner)) keys.add(a);
  }
  for (const k of touched.keys()) keys.add(k);
  const sev = new Map(SEVERITIES.map((s, i) => [s, i]));
  return [...keys].sort().map((key) => {
    const fs = [...(touched.get(key) ?? [])];
    const worst = fs.map((f) => f.severity).sort((a, b) => sev.get(a)! - sev.get(b)!)[0];
    return { key, level: levelOf(key), score: scoreOf(fs.map((f) => f.severity)), findings: fs.length, ...(worst ? { worst } : {}) };
  });
}
