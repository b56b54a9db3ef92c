/**
 * Analyses the server delegates to the policy engine, the generator and the diff (generator/*).
 * Each is optional: a route whose provider is missing answers 501 with a clear message, and node
 * or edge detail shows `null` for the part it cannot compute.
 */
import type {
  DiffResponse, EdgeExplanation, Finding, GenerateRequest, GenerateResponse, PolicyRef,
} from './api-types.ts';
import type { AppState } from '../state/app-state.ts';
import type { ApiEdge } from './api-types.ts';
import type { TimeWindow } from './view.ts';

export interface AnalysisProviders {
  /** Policies selecting a node (pod or workload). Default: label-selector matching done by the server. */
  policiesSelecting?(state: AppState, nodeKey: string): PolicyRef[];
  explainEdge?(state: AppState, edge: ApiEdge): EdgeExplanation | null;
  /** The findings of the whole graph, or of the edges observed in `window` (GET /findings?from&to). */
  findings?(state: AppState, window?: TimeWindow): Finding[];
  /** The diff of the whole graph, or of the edges observed in `window` (GET /diff?from&to). */
  diff?(state: AppState, window?: TimeWindow): DiffResponse;
  generate?(state: AppState, request: GenerateRequest): GenerateResponse | Promise<GenerateResponse>;
}
