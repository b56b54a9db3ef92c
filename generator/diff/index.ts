/**
 * Intended against actual connectivity, policy set against policy set, and risk at a glance.
 * Pure: no I/O. See docs/diff.md.
 */
export type * from './types.ts';
export { EDGE_CLASSES, FINDING_KINDS, SEVERITIES } from './types.ts';
export { diffIntendedActual, overlayPolicySet, withStagedPolicies, unusedSurface, surfaceChange, evaluatePair, engineFor, portCount, ruleId, type DiffOptions, type PairVerdict } from './intended.ts';
export { diffPolicySets } from './policy-sets.ts';
export { riskFindings } from './findings.ts';
export { componentScores, scoreOf, SEVERITY_WEIGHTS } from './scores.ts';
export { DEFAULT_ENVIRONMENTS, environmentOf, resolveEnvironments, type Tier, type EnvironmentOf } from './environment.ts';
export {
  formatDiffReport, formatTxt, formatMd, formatSarif, sarifArtifact, formatPolicySetDiff, failOnMatches, FAIL_ON_TOKENS, REPORT_FORMATS,
  type DiffReport, type ReportFormat, type FormatOptions,
} from './format.ts';
