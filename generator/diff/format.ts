/**
 * Text forms of a diff report: txt (terminal), json (everything), md (pull-request comments),
 * sarif (SARIF 2.1.0 for code-scanning UIs). Deterministic: the report is already ordered.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { DiffResult, EdgeClass, Finding, PolicySetDiff, RiskResult, Severity } from './types.ts';
import { EDGE_CLASSES, FINDING_KINDS, SEVERITIES } from './types.ts';

export type ReportFormat = 'txt' | 'json' | 'md' | 'sarif';
export const REPORT_FORMATS: readonly ReportFormat[] = ['txt', 'json', 'md', 'sarif'];

export interface DiffReport {
  /** What the intended policies are: `the snapshot's own policies` or the --policies paths. */
  readonly intended: string;
  readonly diff: DiffResult;
  readonly risk: RiskResult;
}

export interface FormatOptions {
  /** Unused rows shown in txt/md (all are in json). Default 20. */
  readonly unusedLimit?: number;
  /** Characters of remediation YAML md may embed (default 30,000). */
  readonly remediationBudget?: number;
  /** Tool version in SARIF. */
  readonly version?: string;
  /**
   * SARIF: the repository root (an absolute path). Files under it are written relative to it
   * with `uriBaseId: %SRCROOT%`, which code-scanning uploads resolve against the checkout.
   */
  readonly root?: string;
}

const n = (x: number): string => x.toLocaleString('en-US');
const CLASS_TITLE: Record<EdgeClass, string> = {
  'would-break': 'Would break (observed and forwarded, denied by the intended policies)',
  'unexplained-drop': 'Unexplained drops (dropped, although the intended policies allow them)',
  blocked: 'Blocked (observed drops the intended policies also deny)',
  allowed: 'Allowed',
  unevaluated: 'Unevaluated (no pod or address to evaluate, or not TCP/UDP/SCTP)',
};

function edgeLine(r: DiffResult['observed'][number]): string {
  return `${r.source} -> ${r.destination} ${r.protocol}${r.port !== undefined ? `/${r.port}` : ''}`;
}

function surfaceLines(d: DiffResult): string[] {
  const s = d.surface;
  const lines = [`unused surface (allowed, never observed): ${n(s.pairs)} pairs (${n(s.workloadPairs)} workload pairs, ${n(s.externalPairs)} with external ranges), ${n(s.ports)} ports`];
  const c = d.surfaceChange;
  if (c) {
    lines.push(`compared with the snapshot's own policies: ${n(c.before.pairs)} -> ${n(c.after.pairs)} pairs (${c.pairsRemoved >= 0 ? '-' : '+'}${n(Math.abs(c.pairsRemoved))}), ` +
      `${n(c.before.ports)} -> ${n(c.after.ports)} ports (${c.portsRemoved >= 0 ? '-' : '+'}${n(Math.abs(c.portsRemoved))}, ${c.portsRemovedPercent}% ${c.portsRemoved >= 0 ? 'smaller' : 'larger'})`);
  }
  return lines;
}

function countsLine(d: DiffResult): string {
  const total = d.observed.length;
  return `observed edges: ${total} (${EDGE_CLASSES.map((c) => `${c} ${d.counts[c]}`).join(', ')})`;
}

function findingsLine(r: RiskResult): string {
  return `findings: ${r.findings.length} (${SEVERITIES.filter((s) => s !== 'info' || r.counts.info > 0).map((s) => `${s} ${r.counts[s]}`).join(', ')})`;
}

export function formatTxt(report: DiffReport, o: FormatOptions = {}): string {
  const { diff: d, risk } = report;
  const out: string[] = [`netatlas diff: intended = ${report.intended}`, countsLine(d), ...surfaceLines(d), findingsLine(risk), ''];
  for (const c of EDGE_CLASSES) {
    if (c === 'allowed' || d.counts[c] === 0) continue;
    out.push(`${CLASS_TITLE[c]}: ${d.counts[c]}`);
    for (const r of d.observed.filter((x) => x.class === c)) {
      out.push(`  ${edgeLine(r)}  (${r.connections} connection(s), ${r.forwarded} forwarded, ${r.dropped} dropped${r.deniedBy ? `, denied at ${r.deniedBy}` : ''})`);
      for (const l of r.explanation) out.push(`      ${l}`);
    }
    out.push('');
  }
  const limit = o.unusedLimit ?? 20;
  out.push(`Unused surface, largest first (${Math.min(limit, d.unused.length)} of ${d.unused.length}):`);
  for (const u of d.unused.slice(0, limit)) out.push(`  ${u.source} -> ${u.destination} : ${u.unused} (${n(u.ports)} ports)`);
  out.push('');
  out.push('Findings:');
  for (const f of risk.findings) {
    out.push(`  [${f.severity}] ${f.kind} ${f.subject}: ${f.title}`);
    for (const e of f.evidence) out.push(`      ${e}`);
    if (f.remediation) out.push(`      remediation: ${(f.remediation.match(/^---$/gm) ?? []).length || 1} generated policy document(s), in -o json (and md for high findings)`);
  }
  return `${out.join('\n')}\n`;
}

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function formatMd(report: DiffReport, o: FormatOptions = {}): string {
  const { diff: d, risk } = report;
  const out: string[] = ['## netatlas diff', '', `Intended policies: ${report.intended}`, ''];
  out.push('| class | edges |', '|---|---|');
  for (const c of EDGE_CLASSES) out.push(`| ${c} | ${d.counts[c]} |`);
  out.push('', ...surfaceLines(d).map((l) => `- ${l}`), `- ${findingsLine(risk)}`, '');
  for (const c of EDGE_CLASSES) {
    if (c === 'allowed' || d.counts[c] === 0) continue;
    out.push(`### ${CLASS_TITLE[c]}`, '', '| edge | connections | why |', '|---|---|---|');
    for (const r of d.observed.filter((x) => x.class === c)) {
      out.push(`| \`${md(edgeLine(r))}\` | ${r.connections} (${r.forwarded} fwd, ${r.dropped} drop) | ${md(r.explanation.slice(1).filter((l) => !l.startsWith('  ')).join('; '))} |`);
    }
    out.push('');
  }
  out.push('### Findings', '', '| severity | kind | component | finding |', '|---|---|---|---|');
  for (const f of risk.findings) out.push(`| ${f.severity} | ${f.kind} | \`${md(f.subject)}\` | ${md(f.title)} |`);
  out.push('');
  // Remediation of high findings, once per subject, within a budget: GitHub comments stop at 65,536 characters.
  let budget = o.remediationBudget ?? 30_000;
  const shown = new Set<string>();
  let skipped = 0;
  for (const f of risk.findings) {
    if (!f.remediation || f.severity !== 'high' || shown.has(f.subject)) continue;
    if (f.remediation.length > budget) {
      skipped++;
      continue;
    }
    budget -= f.remediation.length;
    shown.add(f.subject);
    out.push(`<details><summary>Remediation for ${f.subject}</summary>`, '', '```yaml', f.remediation.trimEnd(), '```', '', '</details>', '');
  }
  if (skipped) out.push(`(${skipped} more remediation(s) in \`-o json\`.)`, '');
  const limit = o.unusedLimit ?? 20;
  out.push(`### Unused surface (top ${Math.min(limit, d.unused.length)} of ${d.unused.length})`, '', '| source | destination | unused | ports |', '|---|---|---|---|');
  for (const u of d.unused.slice(0, limit)) out.push(`| \`${md(u.source)}\` | \`${md(u.destination)}\` | ${md(u.unused)} | ${n(u.ports)} |`);
  return `${out.join('\n')}\n`;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note' | 'none'> = { high: 'error', medium: 'warning', low: 'note', info: 'none' };

/** Per finding kind: short and full description, and the security severity GitHub ranks it by (the kind's worst case). */
interface RuleText { readonly short: string; readonly full: string; readonly securitySeverity: string; readonly fix: string }
const rule = (securitySeverity: string, short: string, full: string, fix: string): RuleText => ({ short, full, securitySeverity, fix });
const RULES: Record<string, RuleText> = {
  'would-break': rule('8.0', 'Observed traffic the intended policies would deny', 'Traffic was observed and forwarded, but the intended policies (the snapshot\'s own, or --policies) deny it: applying them causes an outage.', 'Add the flow to the intended policies, or confirm it is unwanted and stop it at its source first.'),
  'unexplained-drop': rule('7.5', 'Traffic dropped although the intended policies allow it', 'The cluster drops traffic that the intended policies allow: the enforced policies differ from the intended ones.', 'Compare the live policies with the intended ones (netatlas diff-policies).'),
  'observed-drop': rule('7.0', 'Observed connections dropped by policy', 'Connections were refused by policy: a misconfigured client, a probe, or an attempt to reach what it should not.', 'Find the client; if the traffic is legitimate, allow it explicitly.'),
  'cross-environment': rule('8.5', 'Traffic from a lower environment into a sensitive one', 'A workload of a lower environment (dev, test, staging) reached one of a sensitive environment (prod, finance). netatlas generate never allows such a flow silently.', 'Stop the flow at its source; the remediation policy denies it.'),
  'inter-cluster-sensitive': rule('5.5', 'Inter-cluster traffic into a sensitive cluster', 'Traffic crossed clusters into a sensitive cluster.', 'Restrict it to the workloads that need it.'),
  'world-exposed': rule('8.0', 'Reachable from outside the cluster', 'The workload is reachable from internet addresses.', 'Restrict ingress to the ports and sources the service needs.'),
  unprotected: rule('7.5', 'Not selected by any ingress or egress policy', 'No policy isolates the workload: every pod and address may reach it, and it may reach everything.', 'Apply the generated least-privilege policy (the remediation).'),
  'no-default-deny': rule('5.0', 'Namespace without a default deny', 'The namespace has no policy selecting every pod, so a new workload starts unprotected.', 'Add a default-deny policy that keeps DNS (netatlas generate --default-deny).'),
  'allow-all': rule('5.5', 'Policy rules that allow everything', 'A rule allows every peer, every address or every pod of every namespace.', 'Replace it with the peers and ports observed.'),
  'unused-rule': rule('3.0', 'Allow rules no observed flow used', 'An allow rule matched no observed flow in the window.', 'Remove it if the window covers the workload\'s usage.'),
  'host-network': rule('6.0', 'hostNetwork pods sidestep NetworkPolicy', 'Pods in the host network namespace are not subject to NetworkPolicy.', 'Drop hostNetwork unless the workload needs it.'),
  privileged: rule('6.5', 'Privileged pods can sidestep policy', 'A privileged pod can change the node\'s network and bypass policy.', 'Drop privileged mode.'),
};

const DOCS = 'https://github.com/netatlas/netatlas/blob/main/docs/diff.md';

/** `a/b/../c` -> `a/c`; POSIX paths (generator/ stays free of node:path). */
function normalizePosix(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** A file as SARIF wants it for code scanning: relative to the repository root, URI-encoded, with its base. */
export function sarifArtifact(file: string, root: string | undefined): { uri: string; uriBaseId?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return { uri: file };
  let rel = file;
  if (file.startsWith('/')) {
    if (!root) return { uri: `file://${file.split('/').map(encodeURIComponent).join('/')}` };
    const r = normalizePosix(root).split('/');
    const f = normalizePosix(file).split('/');
    let i = 0;
    while (i < r.length && i < f.length && r[i] === f[i]) i++;
    rel = [...r.slice(i).map(() => '..'), ...f.slice(i)].join('/');
  } else rel = normalizePosix(file);
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

export function formatSarif(report: DiffReport, o: FormatOptions = {}): string {
  const rules: ReportingDescriptor[] = FINDING_KINDS.map((k) => ({
    id: k,
    name: k.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: RULES[k].short },
    fullDescription: { text: RULES[k].full },
    help: { text: `${RULES[k].full} Fix: ${RULES[k].fix}`, markdown: `${RULES[k].full}\n\n**Fix:** ${RULES[k].fix}\n\nSee [docs/diff.md](${DOCS}).` },
    helpUri: DOCS,
    properties: { 'security-severity': RULES[k].securitySeverity, tags: ['security', 'network-policy', 'kubernetes'], precision: 'high' },
  }));
  const index = new Map(FINDING_KINDS.map((k, i) => [k, i]));
  const results: Result[] = report.risk.findings.map((f: Finding) => {
    const object = f.location?.object ?? f.subject;
    // Code scanning needs a physical location on every result: the object's file and line, else
    // the object's name under %SRCROOT% (an inventory read live has no file).
    const artifact = f.location?.file ? sarifArtifact(f.location.file, o.root) : { uri: `netatlas/${object.split('/').map(encodeURIComponent).join('/')}`, uriBaseId: '%SRCROOT%' };
    return {
      ruleId: f.kind,
      ruleIndex: index.get(f.kind)!,
      level: SARIF_LEVEL[f.severity],
      message: { text: `${f.subject}: ${f.title}` },
      locations: [{
        physicalLocation: { artifactLocation: artifact, region: { startLine: f.location?.file && f.location.line ? f.location.line : 1 } },
        logicalLocations: [{ fullyQualifiedName: object, kind: 'resource' }],
      }],
      partialFingerprints: { netatlasFinding: f.id },
      properties: { severity: f.severity, evidence: [...f.evidence], related: [...f.related], ...(f.remediation ? { remediation: f.remediation } : {}) },
    };
  });
  const sarif: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'netatlas', informationUri: 'https://github.com/netatlas/netatlas', version: o.version ?? '0.1.0', rules } },
      results,
      properties: { intended: report.intended, counts: report.diff.counts, surface: report.diff.surface },
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export function formatDiffReport(report: DiffReport, format: ReportFormat, o: FormatOptions = {}): string {
  switch (format) {
    case 'txt':
      return formatTxt(report, o);
    case 'md':
      return formatMd(report, o);
    case 'sarif':
      return formatSarif(report, o);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
  }
}

/** `--fail-on` tokens: edge classes, finding kinds, severities (that or worse), `unused`. */
export const FAIL_ON_TOKENS: readonly string[] = [...new Set([...EDGE_CLASSES.filter((c) => c !== 'allowed'), ...FINDING_KINDS, ...SEVERITIES.filter((s) => s !== 'info'), 'unused'])];

/** The tokens that match the report (empty: nothing to fail on). */
export function failOnMatches(report: DiffReport, tokens: readonly string[]): string[] {
  const hit: string[] = [];
  const sevRank = new Map(SEVERITIES.map((s, i) => [s, i]));
  for (const t of tokens) {
    if ((EDGE_CLASSES as readonly string[]).includes(t) && report.diff.counts[t as EdgeClass] > 0) hit.push(`${t}: ${report.diff.counts[t as EdgeClass]} edge(s)`);
    else if ((FINDING_KINDS as readonly string[]).includes(t)) {
      const c = report.risk.findings.filter((f) => f.kind === t).length;
      if (c > 0) hit.push(`${t}: ${c} finding(s)`);
    } else if ((SEVERITIES as readonly string[]).includes(t)) {
      const c = report.risk.findings.filter((f) => sevRank.get(f.severity)! <= sevRank.get(t as Severity)!).length;
      if (c > 0) hit.push(`${t}: ${c} finding(s) of severity ${t} or worse`);
    } else if (t === 'unused' && report.diff.surface.pairs > 0) hit.push(`unused: ${report.diff.surface.pairs} pair(s)`);
  }
  return hit;
}

export function formatPolicySetDiff(d: PolicySetDiff, format: 'txt' | 'json' | 'md', labels: { a: string; b: string }): string {
  if (format === 'json') return `${JSON.stringify({ a: labels.a, b: labels.b, ...d }, null, 2)}\n`;
  const head = `A = ${labels.a}\nB = ${labels.b}\n${d.pairs.length} pair(s) differ: ${d.added} added in B, ${d.removed} removed in B, ${d.changed} changed; A is looser on ${d.looserInA}, B on ${d.looserInB}`;
  if (format === 'md') {
    const rows = d.pairs.map((p) => `| \`${md(p.source)}\` | \`${md(p.destination)}\` | ${p.change} | ${md(p.a)} | ${md(p.b)} | ${md(p.removed)} | ${md(p.added)} |`);
    return `## netatlas diff-policies\n\n${head.split('\n').map((l) => `- ${l}`).join('\n')}\n\n| source | destination | change | A allows | B allows | only A | only B |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
  }
  const rows = d.pairs.map((p) => `${p.change.padEnd(7)} ${p.source} -> ${p.destination}\n          A: ${p.a}\n          B: ${p.b}${p.removedPorts ? `\n          only A: ${p.removed}` : ''}${p.addedPorts ? `\n          only B: ${p.added}` : ''}`);
  return `${head}\n\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
}
