/**
 * Shared by `connectivity` and `explain`: load PATHs into a snapshot, build the engine,
 * and report loader and policy problems (errors make the command exit 2).
 */
import { formatLocation, type Inventory } from '../../generator/model/index.ts';
import { createEngine, type PolicyEngine } from '../../generator/semantics/index.ts';
import { loadInventoryPaths } from '../inventory/index.ts';

export interface PolicyInput {
  readonly inventory: Inventory;
  readonly engine: PolicyEngine;
  /** Lines for stderr. */
  readonly problems: string[];
  readonly hasErrors: boolean;
}

export async function loadPolicyInput(paths: readonly string[], opts: { ipBlockMatchesPods?: boolean; cluster?: string }): Promise<PolicyInput> {
  const loaded = await loadInventoryPaths(paths, { cluster: opts.cluster });
  const engine = createEngine(loaded.inventory, { ipBlockMatchesPods: opts.ipBlockMatchesPods });
  const problems: string[] = [];
  const at = (loc: Parameters<typeof formatLocation>[0]): string => {
    const f = formatLocation(loc);
    return f ? ` [${f}]` : '';
  };
  for (const e of loaded.errors) problems.push(`error: ${e.message}${at(e.location)}`);
  for (const e of engine.validation.errors) problems.push(`error: ${e.message}${at(e.location)}`);
  for (const w of loaded.warnings) problems.push(`warning: ${w.message}`);
  for (const w of engine.validation.warnings) problems.push(`warning: ${w.message}${at(w.location)}`);
  return {
    inventory: loaded.inventory,
    engine,
    problems,
    hasErrors: loaded.errors.length + engine.validation.errors.length > 0,
  };
}
