/**
 * Risk: per-workload scores with their parts, attack paths from entry points to crown jewels
 * over the connections the policies allow, and the proved policy change that cuts each path.
 * Pure: no I/O. See docs/risk.md.
 */
export type * from './types.ts';
export { SCORE_PARTS } from './types.ts';
export { analyzeRisk, CROWN_JEWEL_LABEL, DEFAULT_MAX_HOPS, DEFAULT_MAX_PATHS, DEFAULT_MAX_WORKLOADS } from './analyze.ts';
export { attachReports, normalizeImage } from './attach.ts';
export { networkPolicyManifest, proveCut, cutPath, cutContext } from './cut.ts';
export { withFindings, type FindingSummary } from './findings.ts';
export { backendPorts, entryRoutes, GATEWAY_NAME_LABEL, type EntryProblem, type EntryRoute, type EntryRoutes } from '../semantics/entries.ts';
export { buildEstate, allowedBetween, allowedPairs, internetExposure, INTERNET, INTERNET_PROBE } from './estate.ts';
export { scoreWorkload, summarizeReports, compromiseLikelihood } from './score.ts';
export { parseWorkloadSelector, type WorkloadSelector, type SelectableWorkload } from './selector.ts';
export { formatRisk, RISK_FORMATS, RISK_FAIL_ON, riskFailures, type RiskFormat } from './format.ts';
