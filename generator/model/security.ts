/**
 * Vulnerability and posture records: what a scanner (trivy-operator, `trivy image -f json`)
 * says about a workload's images and configuration. server/inventory/trivy.ts makes them from
 * the reports once, at the edge; the risk model (generator/risk) reads only these shapes.
 *
 * Exposed secrets are kept as counts and rule ids only: the matched text never enters the model.
 */
import type { SourceLocation } from './errors.ts';
import type { WorkloadKind } from './keys.ts';

export type ScanSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
export const SCAN_SEVERITIES: readonly ScanSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** One CVE (or GHSA, ...) in one package of one image. */
export interface Vulnerability {
  readonly id: string;
  readonly severity: ScanSeverity;
  /** CVSS score when the scanner gives one. */
  readonly score?: number;
  readonly package: string;
  readonly installedVersion?: string;
  /** The version that fixes it; absent when no fix exists. */
  readonly fixedVersion?: string;
  readonly title?: string;
}

/** A failed configuration check (KSV...). Passed checks are not kept. */
export interface ConfigCheck {
  readonly id: string;
  readonly severity: ScanSeverity;
  readonly title?: string;
}

/** An exposed secret: which rule matched where. Never the matched text. */
export interface SecretFinding {
  readonly ruleId: string;
  readonly severity: ScanSeverity;
  readonly category?: string;
}

/** What a report is about: a workload (by the report's owner/labels) or an image. */
export interface ReportSubject {
  readonly cluster?: string;
  readonly namespace?: string;
  /** The kind the report names (often a ReplicaSet or a Pod); resolved to its top-level workload later. */
  readonly kind?: string;
  readonly name?: string;
  readonly container?: string;
  /** `registry/repository:tag` when the report names an image. */
  readonly image?: string;
}

interface ReportBase {
  readonly subject: ReportSubject;
  readonly source?: SourceLocation;
}

export interface VulnerabilityReportInfo extends ReportBase {
  readonly kind: 'VulnerabilityReport';
  readonly vulnerabilities: readonly Vulnerability[];
}

export interface ConfigAuditReportInfo extends ReportBase {
  readonly kind: 'ConfigAuditReport';
  readonly failedChecks: readonly ConfigCheck[];
}

export interface ExposedSecretReportInfo extends ReportBase {
  readonly kind: 'ExposedSecretReport';
  readonly secrets: readonly SecretFinding[];
}

export type SecurityReport = VulnerabilityReportInfo | ConfigAuditReportInfo | ExposedSecretReportInfo;

/** A report attached to a top-level workload (the result of owner resolution). */
export interface AttachedReport {
  readonly workload: { readonly cluster: string; readonly namespace: string; readonly kind: WorkloadKind; readonly name: string };
  readonly report: SecurityReport;
}

/** Configuration checks that grant host or kernel access (trivy's KSV ids). */
export const PRIVILEGE_CHECKS: Readonly<Record<string, string>> = {
  KSV009: 'hostNetwork',
  KSV010: 'hostPID',
  KSV008: 'hostIPC',
  KSV017: 'privileged',
  KSV023: 'hostPath',
};
