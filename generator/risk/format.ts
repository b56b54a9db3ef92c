/**
 * The risk report as text, Markdown, JSON or SARIF, and the `--fail-on` gates for CI.
 */
import { SCORE_PARTS, type AttackPath, type PolicyChange, type RiskResult, type WorkloadRisk } from './types.ts';

export const RISK_FORMATS = ['txt', 'json', 'md', 'sarif'] as const;
export type RiskFormat = (typeof RISK_FORMATS)[number];

/**
 * `--fail-on` tokens: `score>=N` (a workload at or above N), `path` (any attack path),
 * `uncut` (a path no policy change can cut without breaking observed traffic),
 * `exposed-critical` (an internet-exposed workload with a critical vulnerability).
 */
export const RISK_FAIL_ON = ['score>=N', 'path', 'uncut', 'exposed-critical'] as const;

export interface RiskFormatOptions {
  /** Workloads listed in txt/md (json and sarif keep all). Default 10. */
  readonly limit?: number;
  readonly version?: string;
}

/** Checks `--fail-on` tokens; throws on an unknown one. Returns what matched. */
export function riskFailures(result: RiskResult, tokens: readonly string[]): string[] {
  const hits: string[] = [];
  for (const t of tokens) {
    const m = /^score>=(\d{1,3})$/.exec(t);
    if (m) {
      const n = Number(m[1]);
      const over = result.workloads.filter((w) => w.score >= n);
      if (over.length) hits.push(`${over.length} workload(s) score ${n} or more (${over.slice(0, 3).map((w) => `${w.workload} ${w.score}`).join(', ')})`);
    } else if (t === 'path') {
      if (result.paths.length) hits.push(`${result.paths.length} attack path(s) to crown jewels`);
    } else if (t === 'uncut') {
      const n = result.paths.filter((p) => p.cut.status === 'impossible').length;
      if (n) hits.push(`${n} attack path(s) that no policy change cuts without breaking observed traffic`);
    } else if (t === 'exposed-critical') {
      const n = result.workloads.filter((w) => w.internetExposed && w.vulnerabilities.critical > 0);
      if (n.length) hits.push(`${n.length} internet-exposed workload(s) with critical vulnerabilities (${n.map((w) => w.workload).join(', ')})`);
    } else {
      throw new Error(`netatlas/risk: --fail-on: unknown ${JSON.stringify(t)}; use any of ${RISK_FAIL_ON.join(', ')} (e.g. score>=70,uncut).`);
    }
  }
  return hits;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

function breakdown(w: WorkloadRisk): string {
  return SCORE_PARTS.map((p) => `${p} ${w.parts[p].points}/${w.parts[p].max}`).join(', ');
}

function changeText(c: PolicyChange & { yaml?: string }): string {
  return c.yaml ?? JSON.stringify(c.manifest, null, 2);
}

function pathLines(p: AttackPath): string[] {
  const out = [`${p.id}: ${p.entry === p.hops[0]?.to ? 'internet' : p.entry} => ${p.target}  likelihood ${pct(p.likelihood)}, impact ${p.impact}, rank ${p.rank}${p.crossesClusters ? ', across clusters' : ''}`];
  p.hops.forEach((h, i) => out.push(`  ${i + 1}. ${h.from} -> ${h.to}  [${h.observed ? 'observed' : 'allowed, never observed'}] allows ${h.allowed}; takes over ${h.to} with ${pct(h.likelihood)}${h.evidence.length ? `; ${h.evidence.join('; ')}` : ''}`));
  if (p.cut.status === 'cut') {
    const h = p.hops[p.cut.hop!];
    out.push(`  cut: hop ${p.cut.hop! + 1} (${h.from} -> ${h.to}) by ${p.cut.changes.map((c) => `${c.action === 'add' ? 'adding' : 'changing'} ${c.policy} ${c.rules.join(', ')}`).join('; ')}`);
    const pr = p.cut.proof!;
    out.push(`  proof: hop denied ${pr.hopDenied ? 'yes' : 'NO'}; ${pr.observedChecked} observed flow(s) checked, ${pr.observedBroken.length} broken`
      + (pr.observedUnchecked ? `; ${pr.observedUnchecked} not checkable (no address to evaluate, e.g. ${pr.uncheckedExamples[0]})` : ''));
  } else {
    out.push('  cut: none keeps every observed flow allowed:');
    for (const r of p.cut.reasons) out.push(`    - ${r}`);
  }
  return out;
}

export function formatRiskTxt(r: RiskResult, o: RiskFormatOptions = {}): string {
  const limit = o.limit ?? 10;
  const lines = [
    `netatlas risk: ${r.workloads.length} workload(s), ${r.entries.length} entry point(s), ${r.crownJewels.length} crown jewel(s), ${r.paths.length} attack path(s)`,
    `scanner reports: ${r.reports.attached.length} attached, ${r.reports.unattached.length} not attached`,
    ...r.problems.map((p) => `problem: ${p}`),
    '',
    `Workloads by risk (${Math.min(limit, r.workloads.length)} of ${r.workloads.length}):`,
  ];
  for (const w of r.workloads.slice(0, limit)) {
    lines.push(`  ${String(w.score).padStart(3)}  ${w.workload}  (${breakdown(w)})`);
    for (const p of SCORE_PARTS) for (const f of w.parts[p].facts) lines.push(`         ${p}: ${f}`);
  }
  lines.push('', 'Attack paths, most likely first:');
  if (r.paths.length === 0) lines.push('  none: no entry point reaches a crown jewel under the policies in force');
  for (const p of r.paths) lines.push(...pathLines(p));
  const cuts = r.paths.filter((p) => p.cut.status === 'cut');
  if (cuts.length) {
    lines.push('', 'Cuts (apply one per path):');
    for (const p of cuts) for (const c of p.cut.changes) lines.push(`# ${p.id}: ${c.action} ${c.policy}`, changeText(c).trimEnd(), '---');
  }
  for (const u of r.reports.unattached) lines.push(`unattached report ${u.report.source?.object ?? u.report.subject.image ?? '?'}: ${u.reason}`);
  return `${lines.join('\n')}\n`;
}

const mdc = (s: string): string => s.replace(/\|/g, '\\|');

export function formatRiskMd(r: RiskResult, o: RiskFormatOptions = {}): string {
  const limit = o.limit ?? 10;
  const rows = r.workloads.slice(0, limit).map((w) => `| ${w.score} | \`${mdc(w.workload)}\` | ${SCORE_PARTS.map((p) => w.parts[p].points).join(' | ')} | ${mdc(SCORE_PARTS.flatMap((p) => w.parts[p].facts).join('; '))} |`);
  const out = [
    '## netatlas risk', '',
    `- ${r.workloads.length} workload(s), ${r.entries.length} entry point(s), ${r.crownJewels.length} crown jewel(s), ${r.paths.length} attack path(s)`,
    ...r.problems.map((p) => `- problem: ${mdc(p)}`), '',
    `| score | workload | ${SCORE_PARTS.join(' | ')} | why |`, `|---|---|${SCORE_PARTS.map(() => '---').join('|')}|---|`, ...rows, '',
    '### Attack paths', '',
  ];
  for (const p of r.paths) {
    out.push(`#### ${p.id}: ${mdc(p.target)} (rank ${p.rank})`, '', '```', ...pathLines(p), '```', '');
    for (const c of p.cut.changes) out.push('```yaml', changeText(c).trimEnd(), '```', '');
  }
  if (r.paths.length === 0) out.push('No entry point reaches a crown jewel under the policies in force.', '');
  return `${out.join('\n')}`;
}

export function formatRiskSarif(r: RiskResult, o: RiskFormatOptions = {}): string {
  const rules = [
    { id: 'attack-path', name: 'AttackPath', shortDescription: { text: 'An entry point reaches a crown jewel over connections the policies allow.' } },
    { id: 'attack-path-uncut', name: 'AttackPathUncut', shortDescription: { text: 'An attack path that no policy change cuts without breaking observed traffic.' } },
    { id: 'workload-risk', name: 'WorkloadRisk', shortDescription: { text: 'A workload with a high risk score (70 or more).' } },
  ].map((x) => ({ ...x, helpUri: 'https://github.com/netatlas/netatlas/blob/main/docs/risk.md' }));
  const results = [
    ...r.paths.map((p) => ({
      ruleId: p.cut.status === 'cut' ? 'attack-path' : 'attack-path-uncut',
      ruleIndex: p.cut.status === 'cut' ? 0 : 1,
      level: p.cut.status === 'cut' ? 'warning' : 'error',
      message: { text: `${p.hops.map((h) => h.from).concat(p.target).join(' -> ')} (likelihood ${pct(p.likelihood)})` },
      locations: [{ logicalLocations: [{ fullyQualifiedName: p.target, kind: 'resource' }] }],
      partialFingerprints: { netatlasPath: `${p.entry}|${p.target}` },
      properties: { hops: p.hops, cut: p.cut },
    })),
    ...r.workloads.filter((w) => w.score >= 70).map((w) => ({
      ruleId: 'workload-risk', ruleIndex: 2, level: 'warning',
      message: { text: `${w.workload} scores ${w.score}: ${breakdown(w)}` },
      locations: [{ logicalLocations: [{ fullyQualifiedName: w.workload, kind: 'resource' }] }],
      partialFingerprints: { netatlasWorkload: w.workload },
      properties: { parts: w.parts },
    })),
  ];
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'netatlas', informationUri: 'https://github.com/netatlas/netatlas', version: o.version ?? '0.1.0', rules } }, results }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function formatRisk(r: RiskResult, format: RiskFormat, o: RiskFormatOptions = {}): string {
  switch (format) {
    case 'txt':
      return formatRiskTxt(r, o);
    case 'md':
      return formatRiskMd(r, o);
    case 'sarif':
      return formatRiskSarif(r, o);
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
  }
}
