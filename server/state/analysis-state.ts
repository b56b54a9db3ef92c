/**
 * What analysis (diff, findings, generation, risk) reads of the server's runtime state: the graph
 * and each cluster's inventory. Analysis depends on this shape, never on the HTTP layer; the
 * server's AppState satisfies it, and so does anything else that holds a graph and inventories.
 */
import type Graph from 'graphology';
import type { FlowEdge, GraphNode, Inventory } from '../../generator/model/index.ts';
import { emptyInventory } from '../../generator/model/index.ts';
import { mergeInventories } from '../inventory/index.ts';

export interface AnalysisState {
  readonly graph: Graph<GraphNode, FlowEdge>;
  readonly inventories: ReadonlyMap<string, Inventory>;
}

/** Every cluster's inventory as one. */
export function mergedInventory(state: AnalysisState): Inventory {
  const list = [...state.inventories.values()];
  if (list.length === 0) return emptyInventory();
  return list.length === 1 ? list[0] : mergeInventories(list);
}
