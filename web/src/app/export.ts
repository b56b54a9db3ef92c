/**
 * The export buttons (web/src/export): PNG and SVG of the map, and the generated policies of the
 * selection (else of every workload drawn) as a zip with one file per cluster, in the chosen format.
 */
import { wireExports } from '../export/index.ts';
import type { MapView } from '../render/map.ts';
import type { MapNode } from '../types.ts';
import { describeFailure } from './shell.ts';
import type { Actions, AppState } from './state.ts';

/** The selection, else every workload drawn: what the YAML export generates policies for. */
function policyExportNodes(state: AppState): MapNode[] {
  const sel = state.view.selection;
  const { nodesByKey, shown } = state.data;
  return sel && nodesByKey.has(sel) ? [nodesByKey.get(sel)!] : shown.nodes.filter((n) => n.kind === 'workload' || n.kind === 'group');
}

export function bindExports(state: AppState, app: Actions, map: MapView): void {
  wireExports({
    map, policyNodes: () => policyExportNodes(state), status: (t) => app.status(t),
    fail: (what, err, retry) => app.banner(`${what} failed: ${describeFailure(err)}`, retry),
  });
}
