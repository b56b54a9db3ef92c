/**
 * Scanner reports -> the model's SecurityReport records, once, at the edge:
 *
 * - trivy-operator's `aquasecurity.github.io/v1alpha1` VulnerabilityReport, ConfigAuditReport
 *   and ExposedSecretReport (from dumps: `kubectl get vulnerabilityreports -A -o json`, or
 *   live through `listTrivyReports`). The subject is the `trivy-operator.resource.*` labels,
 *   else the controller ownerReference; generator/risk resolves it to the top-level workload.
 * - Trivy's own JSON (`trivy image -f json`), keyed by image (`ArtifactName`), for CI.
 *
 * Kept: CVE id, severity, score, package, installed and fixed version; failed config checks;
 * for exposed secrets only the rule ids and severities, never the matched text.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  InputError,
  objectRef,
  SCAN_SEVERITIES,
  type ConfigCheck,
  type ReportSubject,
  type ScanSeverity,
  type SecretFinding,
  type SecurityReport,
  type SourceLocation,
  type Vulnerability,
} from '../../generator/model/index.ts';

export const TRIVY_GROUP = 'aquasecurity.github.io';
export const TRIVY_KINDS = ['VulnerabilityReport', 'ConfigAuditReport', 'ExposedSecretReport'] as const;
export type TrivyKind = (typeof TRIVY_KINDS)[number];
/** Plurals of the kinds, as the API serves them (RBAC and live listing). */
export const TRIVY_PLURALS: Readonly<Record<TrivyKind, string>> = {
  VulnerabilityReport: 'vulnerabilityreports',
  ConfigAuditReport: 'configauditreports',
  ExposedSecretReport: 'exposedsecretreports',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export type TrivyOutcome =
  | { readonly kind: 'report'; readonly report: SecurityReport }
  | { readonly kind: 'invalid'; readonly error: InputError };

export interface TrivyContext {
  readonly cluster: string;
  readonly source?: SourceLocation;
  /** The kind when the object does not carry one (items of a `VulnerabilityReportList`). */
  readonly kindHint?: string;
}

function trivyKindOf(raw: Obj, hint?: string): TrivyKind | undefined {
  const kind = str(raw.kind) ?? hint;
  return (TRIVY_KINDS as readonly string[]).includes(kind ?? '') ? (kind as TrivyKind) : undefined;
}

/** A trivy-operator report (by kind and API group), or Trivy's own image JSON. */
export function isTrivyObject(raw: unknown, kindHint?: string): boolean {
  if (!isObj(raw)) return false;
  if (isTrivyImageJson(raw)) return true;
  const api = str(raw.apiVersion);
  return trivyKindOf(raw, kindHint) !== undefined && (api === undefined || api.startsWith(`${TRIVY_GROUP}/`));
}

function isTrivyImageJson(raw: Obj): boolean {
  return raw.kind === undefined && typeof raw.ArtifactName === 'string' && (Array.isArray(raw.Results) || raw.SchemaVersion !== undefined);
}

function severity(v: unknown): ScanSeverity {
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  return (SCAN_SEVERITIES as readonly string[]).includes(s) ? (s as ScanSeverity) : 'UNKNOWN';
}

class Malformed extends Error {}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Malformed(`${what} must be a list`);
  return v;
}

function vulnerability(v: unknown, what: string): Vulnerability {
  if (!isObj(v)) throw new Malformed(`${what} must be an object`);
  const id = str(v.vulnerabilityID) ?? str(v.VulnerabilityID);
  const pkg = str(v.resource) ?? str(v.PkgName);
  if (!id) throw new Malformed(`${what}.vulnerabilityID is required`);
  if (!pkg) throw new Malformed(`${what}.resource (the package) is required`);
  const cvss = isObj(v.CVSS) ? Object.values(v.CVSS).find((c) => isObj(c) && typeof c.V3Score === 'number') as Obj | undefined : undefined;
  const score = typeof v.score === 'number' ? v.score : typeof cvss?.V3Score === 'number' ? cvss.V3Score : undefined;
  const installed = str(v.installedVersion) ?? str(v.InstalledVersion);
  const fixed = str(v.fixedVersion) ?? str(v.FixedVersion);
  const title = str(v.title) ?? str(v.Title);
  return {
    id, severity: severity(v.severity ?? v.Severity), package: pkg,
    ...(score !== undefined && Number.isFinite(score) ? { score } : {}),
    ...(installed ? { installedVersion: installed } : {}),
    ...(fixed ? { fixedVersion: fixed } : {}),
    ...(title ? { title } : {}),
  };
}

function subjectOf(meta: Obj, cluster: string): ReportSubject {
  const labels = isObj(meta.labels) ? meta.labels : {};
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.filter(isObj) : [];
  const owner = owners.find((o) => o.controller === true) ?? (owners.length === 1 ? owners[0] : undefined);
  const kind = str(labels['trivy-operator.resource.kind']) ?? str(owner?.kind);
  const name = str(labels['trivy-operator.resource.name']) ?? str(owner?.name);
  const namespace = str(labels['trivy-operator.resource.namespace']) ?? str(meta.namespace);
  const container = str(labels['trivy-operator.container.name']);
  if (!kind || !name) throw new Malformed('names no resource: expected trivy-operator.resource.kind/name labels or a controller ownerReference');
  return { cluster, kind, name, ...(namespace ? { namespace } : {}), ...(container ? { container } : {}) };
}

function imageOf(report: Obj): string | undefined {
  const artifact = isObj(report.artifact) ? report.artifact : undefined;
  const repo = str(artifact?.repository);
  if (!repo) return undefined;
  const server = isObj(report.registry) ? str(report.registry.server) : undefined;
  const tag = str(artifact?.tag);
  return `${server ? `${server}/` : ''}${repo}${tag ? `:${tag}` : ''}`;
}

function where(loc: SourceLocation): string {
  const parts = [loc.file ? (loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file) : undefined, loc.object].filter(Boolean);
  return parts.length ? parts.join(' ') : '(input)';
}

/**
 * One trivy-operator report or Trivy image JSON -> a SecurityReport. Never throws: a report
 * that names no resource, or whose lists are malformed, is `invalid` with the place named.
 */
export function readTrivyObject(raw: unknown, ctx: TrivyContext): TrivyOutcome {
  const o = isObj(raw) ? raw : {};
  const kind = isTrivyImageJson(o) ? 'TrivyImageReport' : trivyKindOf(o, ctx.kindHint) ?? '?';
  const meta = isObj(o.metadata) ? o.metadata : {};
  const name = str(meta.name) ?? str(o.ArtifactName);
  const loc: SourceLocation = { ...ctx.source, ...(name ? { object: objectRef(ctx.cluster, kind, name, str(meta.namespace)) } : {}) };
  try {
    if (kind === 'TrivyImageReport') {
      const image = str(o.ArtifactName)!;
      const vulns = list(o.Results, 'Results').flatMap((r, i) =>
        isObj(r) ? list(r.Vulnerabilities, `Results[${i}].Vulnerabilities`).map((v, j) => vulnerability(v, `Results[${i}].Vulnerabilities[${j}]`)) : []);
      return { kind: 'report', report: { kind: 'VulnerabilityReport', subject: { image }, vulnerabilities: vulns, source: loc } };
    }
    if (kind === '?') throw new Malformed('is not a trivy-operator report');
    const report = isObj(o.report) ? o.report : undefined;
    if (!report) throw new Malformed('has no report');
    const image = imageOf(report);
    const subject = { ...subjectOf(meta, ctx.cluster), ...(image ? { image } : {}) };
    switch (kind) {
      case 'VulnerabilityReport':
        return { kind: 'report', report: { kind, subject, source: loc, vulnerabilities: list(report.vulnerabilities, 'report.vulnerabilities').map((v, i) => vulnerability(v, `report.vulnerabilities[${i}]`)) } };
      case 'ConfigAuditReport': {
        const failed: ConfigCheck[] = list(report.checks, 'report.checks').filter((c): c is Obj => isObj(c) && c.success === false).map((c) => {
          const title = str(c.title);
          return { id: str(c.checkID) ?? str(c.ID) ?? '?', severity: severity(c.severity), ...(title ? { title } : {}) };
        });
        return { kind: 'report', report: { kind, subject, source: loc, failedChecks: failed } };
      }
      case 'ExposedSecretReport': {
        // Only the rule, its severity and category: `match` (the secret itself) is dropped here.
        const secrets: SecretFinding[] = list(report.secrets, 'report.secrets').filter(isObj).map((s) => {
          const category = str(s.category);
          return { ruleId: str(s.ruleID) ?? '?', severity: severity(s.severity), ...(category ? { category } : {}) };
        });
        return { kind: 'report', report: { kind, subject, source: loc, secrets } };
      }
    }
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    return { kind: 'invalid', error: new InputError(`netatlas/inventory: ${where(loc)} ${kind} ${error.message}. Re-export it with \`kubectl get ${kind.toLowerCase()}s -A -o json\` or \`trivy image -f json\`.`, loc) };
  }
}

export interface TrivyListResult {
  readonly reports: SecurityReport[];
  readonly errors: InputError[];
  /** Kinds the API refused (403) or does not serve (404, trivy-operator not installed). */
  readonly warnings: string[];
}

/**
 * The three report kinds of one live cluster, listed once (read-only: list on the
 * aquasecurity.github.io group, see deploy/rbac.yaml). A kind that is absent or forbidden is a
 * warning; the others are still read.
 */
export async function listTrivyReports(kc: KubeConfig, cluster: string): Promise<TrivyListResult> {
  // Loaded here, not with this module: every inventory file read goes through readTrivyObject,
  // and loading the Kubernetes client costs each CLI command ~0.3 s of start-up (`npm run bench cli`).
  const { CustomObjectsApi } = await import('@kubernetes/client-node');
  const api = kc.makeApiClient(CustomObjectsApi);
  const out: TrivyListResult = { reports: [], errors: [], warnings: [] };
  for (const kind of TRIVY_KINDS) {
    let items: unknown[];
    try {
      const res = await api.listClusterCustomObject({ group: TRIVY_GROUP, version: 'v1alpha1', plural: TRIVY_PLURALS[kind] }) as { items?: unknown[] };
      items = Array.isArray(res.items) ? res.items : [];
    } catch (error) {
      const e = error as { code?: unknown; statusCode?: unknown };
      const code = typeof e.statusCode === 'number' ? e.statusCode : e.code;
      out.warnings.push(`netatlas/inventory: ${cluster} ${TRIVY_PLURALS[kind]}.${TRIVY_GROUP}: ${code === 404 ? 'not served (is trivy-operator installed?)' : code === 403 ? 'forbidden: grant list on it (deploy/rbac.yaml)' : (error as Error).message}; skipped.`);
      continue;
    }
    for (const item of items) {
      const r = readTrivyObject(item, { cluster, kindHint: kind, source: {} });
      if (r.kind === 'report') out.reports.push(r.report);
      else out.errors.push(r.error);
    }
  }
  return out;
}
