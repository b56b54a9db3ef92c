/**
 * The risk score of a workload: five parts, each with its facts (docs/risk.md has the table).
 *
 *   exposure      <= 30  internet through a LoadBalancer/NodePort/external IP, Ingress or Gateway route and allowed: 20,
 *                        +5 when internet traffic was observed; reachable from other clusters +5,
 *                        from other namespaces +5
 *   reach         <= 10  10 x (peers it may reach + peers that may reach it) / (2 x (workloads - 1))
 *   privilege     <= 20  hostNetwork 8, privileged 8, hostPath 6, calls the API server 4
 *   vulnerability <= 30  min(25, 6 per fixable critical, 4 per critical without fix, 3 per fixable
 *                        high, 2 per high without fix, 5 per exposed secret), x1.5 when internet-exposed
 *   sensitivity   <= 15  crown jewel 15; data store 8
 *
 * score = min(100, sum of parts), rounded. Reach is weighted low on purpose: under permissive
 * policies nearly every workload reaches nearly every other, and a part every workload maxes
 * out ranks nothing. The compromise likelihood of a workload (what an
 * attack path multiplies) is 0.1, 0.3 with a high, 0.5 with a critical, +0.2 when one of them
 * has a fix (a known, patched, exploitable bug), +0.1 with exposed secrets, at most 0.9.
 */
import type { AttachedReport, ScanSeverity, Vulnerability } from '../model/security.ts';
import { PRIVILEGE_CHECKS } from '../model/security.ts';
import type { WorkloadEntry } from '../synthesis/workloads.ts';
import type { ScorePart, ScorePartName, VulnerabilitySummary, WorkloadRisk } from './types.ts';

export const DATA_STORE = /(^|[/-])(postgres(ql)?|mysql|mariadb|mongo(db)?|redis|cassandra|elasticsearch|opensearch|etcd|kafka|rabbitmq|clickhouse|cockroach(db)?)([:@/-]|$)/;

const SEVERITY_ORDER: Readonly<Record<ScanSeverity, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };

export function summarizeReports(reports: readonly AttachedReport[]): VulnerabilitySummary {
  const byId = new Map<string, Vulnerability>();
  const secretRules = new Set<string>();
  const failed = new Set<string>();
  let secrets = 0;
  for (const { report } of reports) {
    if (report.kind === 'VulnerabilityReport') {
      for (const v of report.vulnerabilities) {
        const id = `${v.id}|${v.package}`;
        const prev = byId.get(id);
        if (!prev || SEVERITY_ORDER[v.severity] < SEVERITY_ORDER[prev.severity]) byId.set(id, v);
      }
    } else if (report.kind === 'ExposedSecretReport') {
      secrets += report.secrets.length;
      for (const s of report.secrets) secretRules.add(s.ruleId);
    } else {
      for (const c of report.failedChecks) failed.add(c.id);
    }
  }
  const vulns = [...byId.values()];
  const count = (s: ScanSeverity): number => vulns.filter((v) => v.severity === s).length;
  const serious = (v: Vulnerability): boolean => v.severity === 'CRITICAL' || v.severity === 'HIGH';
  const scores = vulns.map((v) => v.score).filter((s): s is number => s !== undefined);
  const top = [...vulns].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
    || Number(!!b.fixedVersion) - Number(!!a.fixedVersion) || (b.score ?? 0) - (a.score ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, 10)
    .map((v) => ({ id: v.id, severity: v.severity, package: v.package, ...(v.score !== undefined ? { score: v.score } : {}), ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}) }));
  return {
    critical: count('CRITICAL'), high: count('HIGH'), medium: count('MEDIUM'), low: count('LOW'),
    fixable: vulns.filter((v) => serious(v) && v.fixedVersion).length,
    ...(scores.length ? { maxScore: Math.max(...scores) } : {}),
    top, secrets, secretRules: [...secretRules].sort(), failedChecks: [...failed].sort(),
  };
}

export function compromiseLikelihood(v: VulnerabilitySummary, fixableSerious: boolean): number {
  let p = v.critical > 0 ? 0.5 : v.high > 0 ? 0.3 : 0.1;
  if (fixableSerious) p += 0.2;
  if (v.secrets > 0) p += 0.1;
  return Math.min(0.9, Math.round(p * 100) / 100);
}

export interface WorkloadFacts {
  readonly entry: WorkloadEntry;
  readonly internet: { readonly allowed: string; readonly services: readonly string[]; readonly observed: boolean } | undefined;
  readonly reachableFrom: { readonly total: number; readonly otherNamespaces: number; readonly otherClusters: number };
  readonly reaches: number;
  readonly workloads: number;
  readonly apiCaller: boolean;
  readonly reports: readonly AttachedReport[];
  readonly crownJewel: string | undefined;
}

const part = (points: number, max: number, facts: string[]): ScorePart => ({ points: Math.round(Math.min(points, max) * 10) / 10, max, facts });

export function scoreWorkload(f: WorkloadFacts): WorkloadRisk {
  const w = f.entry;
  const v = summarizeReports(f.reports);
  const exposed = f.internet !== undefined;

  const ef: string[] = [];
  let e = 0;
  if (f.internet) {
    e += 20;
    ef.push(`the internet may open ${f.internet.allowed}${f.internet.services.length ? ` through ${f.internet.services.join(', ')}` : ''}`);
    if (f.internet.observed) {
      e += 5;
      ef.push('internet traffic to it was observed');
    }
  }
  if (f.reachableFrom.otherClusters > 0) {
    e += 5;
    ef.push(`${f.reachableFrom.otherClusters} workload(s) of other clusters may reach it`);
  }
  if (f.reachableFrom.otherNamespaces > 0) {
    e += 5;
    ef.push(`${f.reachableFrom.otherNamespaces} workload(s) of other namespaces may reach it`);
  }

  const denominator = Math.max(1, 2 * (f.workloads - 1));
  const r = (10 * (f.reaches + f.reachableFrom.total)) / denominator;
  const rf = [`may reach ${f.reaches} and be reached from ${f.reachableFrom.total} of ${f.workloads - 1} other workloads under the policies in force`];

  const pf: string[] = [];
  let p = 0;
  const pods = w.pods;
  const checks = new Set(v.failedChecks.map((id) => PRIVILEGE_CHECKS[id]).filter(Boolean));
  if (pods.some((x) => x.hostNetwork) || checks.has('hostNetwork')) { p += 8; pf.push('runs in the host network'); }
  if (pods.some((x) => x.privileged) || checks.has('privileged')) { p += 8; pf.push('privileged container (or NET_ADMIN/NET_RAW)'); }
  if (pods.some((x) => x.hostPath) || checks.has('hostPath')) { p += 6; pf.push('mounts a host path'); }
  if (f.apiCaller) { p += 4; pf.push(`its service account${pods[0]?.serviceAccount ? ` ${pods[0].serviceAccount}` : ''} was seen calling the API server`); }

  const vf: string[] = [];
  const fixableCritical = Math.min(v.critical, countFixable(f.reports, 'CRITICAL'));
  const fixableHigh = Math.min(v.high, countFixable(f.reports, 'HIGH'));
  let raw = 6 * fixableCritical + 4 * (v.critical - fixableCritical) + 3 * fixableHigh + 2 * (v.high - fixableHigh) + 5 * v.secrets;
  raw = Math.min(25, raw);
  if (v.critical + v.high > 0) vf.push(`${v.critical} critical, ${v.high} high (${v.fixable} with a fix)${v.maxScore !== undefined ? `, worst CVSS ${v.maxScore}` : ''}${v.top[0] ? `: ${v.top.slice(0, 3).map((x) => `${x.id} in ${x.package}${x.fixedVersion ? ` (fixed in ${x.fixedVersion})` : ''}`).join(', ')}` : ''}`);
  if (v.secrets > 0) vf.push(`${v.secrets} exposed secret(s): ${v.secretRules.join(', ')}`);
  const vuln = exposed ? raw * 1.5 : raw;
  if (exposed && raw > 0) vf.push('counted 1.5 times: the workload is reachable from the internet');
  if (f.reports.length === 0) vf.push('no scanner report for it');

  const sf: string[] = [];
  let s = 0;
  if (f.crownJewel) { s = 15; sf.push(`crown jewel (${f.crownJewel})`); }
  else if (isDataStore(w)) { s = 8; sf.push('a data store (by its image or name)'); }

  const parts: Record<ScorePartName, ScorePart> = {
    exposure: part(e, 30, ef), reach: part(r, 10, rf), privilege: part(p, 20, pf), vulnerability: part(vuln, 30, vf), sensitivity: part(s, 15, sf),
  };
  const score = Math.min(100, Math.round(Object.values(parts).reduce((a, x) => a + x.points, 0)));
  return {
    workload: w.key, cluster: w.cluster, namespace: w.namespace, name: w.name, score, parts,
    internetExposed: exposed, crownJewel: f.crownJewel !== undefined,
    compromise: compromiseLikelihood(v, v.fixable > 0), vulnerabilities: v,
  };
}

function countFixable(reports: readonly AttachedReport[], severity: ScanSeverity): number {
  const ids = new Set<string>();
  for (const { report } of reports) {
    if (report.kind !== 'VulnerabilityReport') continue;
    for (const v of report.vulnerabilities) if (v.severity === severity && v.fixedVersion) ids.add(`${v.id}|${v.package}`);
  }
  return ids.size;
}

export function isDataStore(w: WorkloadEntry): boolean {
  return DATA_STORE.test(w.name) || w.pods.some((p) => (p.images ?? []).some((i) => DATA_STORE.test(i)));
}
