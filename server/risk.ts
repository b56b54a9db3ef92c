/**
 * Risk around the pure core (generator/risk): YAML for the cuts, scanner reports from live
 * clusters, and the server's entry point for GET /api/v1/risk (`computeRisk`).
 */
import { stringify } from 'yaml';
import type { FlowEdge, Inventory, SecurityReport } from '../generator/model/index.ts';
import { analyzeRisk, withFindings, type FindingSummary, type RiskOptions, type RiskResult } from '../generator/risk/index.ts';
import { synthesisContext } from '../generator/synthesis/synthesize.ts';
import { mergedInventory, type AnalysisState } from './state/analysis-state.ts';
import { observedEdges } from './diff.ts';

/** The analysis, with each cut's manifest also as YAML. */
export function runRisk(inventory: Inventory, edges: readonly FlowEdge[], options: RiskOptions = {}): RiskResult {
  const result = analyzeRisk({ inventory, edges }, options);
  return {
    ...result,
    paths: result.paths.map((p) => ({
      ...p,
      cut: { ...p.cut, changes: p.cut.changes.map((c) => ({ ...c, yaml: `---\n${stringify(c.manifest, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false })}` })) },
    })),
  };
}

/**
 * GET /api/v1/risk: the analysis of the server's current graph and inventories; with the
 * findings provider's answer, each workload also carries the findings that touch it.
 */
export function computeRisk(state: AnalysisState, options: RiskOptions = {}, findings?: readonly FindingSummary[]): RiskResult {
  const inventory = mergedInventory(state);
  const result = runRisk(inventory, observedEdges(state.graph), options);
  return findings ? withFindings(result, findings, synthesisContext(inventory).index.workloadOfPod) : result;
}

/**
 * trivy-operator reports of the selected contexts (one list per kind, no watch). A context
 * that cannot be used, or a kind not served, is a warning; the rest is still read.
 */
export async function liveSecurityReports(kubeconfigs: readonly string[], contexts: readonly string[]): Promise<{ reports: SecurityReport[]; warnings: string[]; errors: string[] }> {
  const out = { reports: [] as SecurityReport[], warnings: [] as string[], errors: [] as string[] };
  // Loaded on use: the live-cluster modules bring in @kubernetes/client-node.
  const [{ selectContexts }, { listTrivyReports }] = await Promise.all([import('./inventory/live-contexts.ts'), import('./inventory/trivy.ts')]);
  for (const t of selectContexts({ kubeconfigs: [...kubeconfigs], contexts: [...contexts] })) {
    if (!t.kc) {
      out.warnings.push(`netatlas/risk: ${t.context || t.cluster}: ${t.problem ?? 'unusable context'}; its scanner reports are not read.`);
      continue;
    }
    const r = await listTrivyReports(t.kc, t.cluster);
    out.reports.push(...r.reports);
    out.warnings.push(...r.warnings);
    out.errors.push(...r.errors.map((e) => e.message));
  }
  return out;
}
