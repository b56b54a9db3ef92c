/** The export buttons: PNG of the view, and the generated policies as YAML, one file per cluster. */
import { api } from '../api.ts';
import type { MapView } from '../render/map.ts';
import { exportBatches } from '../state/export.ts';
import { byId, downloadBlob } from '../ui/dom.ts';
import { describeFailure } from './shell.ts';
import type { Actions, AppState } from './state.ts';

export function bindExports(state: AppState, app: Actions, map: MapView): void {
  byId('btn-png').addEventListener('click', () => { void map.toPNG().then((b) => downloadBlob(b, 'netatlas-map.png')); });
  byId('btn-yaml').addEventListener('click', () => void exportYaml(state, app));
}

/**
 * The generated policies of the selection (else of every workload drawn), one file per
 * cluster: two clusters' policies may share a name and namespace, which one file (one
 * `kubectl apply`) would silently merge.
 */
async function exportYaml(state: AppState, app: Actions): Promise<void> {
  const sel = state.view.selection;
  const { nodesByKey, shown } = state.data;
  const chosen = sel && nodesByKey.has(sel) ? [nodesByKey.get(sel)!] : shown.nodes.filter((n) => n.kind === 'workload' || n.kind === 'group');
  const byCluster = exportBatches(chosen);
  if (byCluster.size === 0) { app.status('Nothing to export: select a workload, namespace or cluster, or show some.'); return; }
  let files = 0;
  try {
    for (const [cluster, nodes] of byCluster) {
      const res = await api.generate({ selection: { nodes } });
      if (!res.yaml.trim()) continue;
      downloadBlob(new Blob([res.yaml], { type: 'application/yaml' }), `netatlas-${cluster}-policies.yaml`);
      files++;
    }
    app.status(`Exported ${files} file(s), one per cluster.`);
  } catch (err) {
    app.banner(`The policy export failed: ${describeFailure(err)}`, () => void exportYaml(state, app));
  }
}
