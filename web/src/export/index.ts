/**
 * The header's export controls: the policy format choice, YAML (a zip with one file per
 * cluster), PNG and SVG of the map. main.ts hands over what the exports read; nothing else
 * of the app is reached from here.
 */
import { api } from '../api.ts';
import type { MapView } from '../render/map.ts';
import { exportBatches } from '../state/export.ts';
import type { MapNode } from '../types.ts';
import { byId, downloadBlob, h } from '../ui/dom.ts';
import { EXPORT_FORMATS, policyZip, type ClusterPolicies, type ExportFormat } from './policy-zip.ts';
import { sceneOfMap } from './scene.ts';
import { renderSvg } from './svg.ts';

export { EXPORT_FORMATS, policyFileNames, policyZip, type ExportFormat } from './policy-zip.ts';
export { renderSvg, type MapScene } from './svg.ts';
export { sceneOfMap } from './scene.ts';

export interface ExportHost {
  readonly map: MapView;
  /** The nodes whose policies the YAML export writes: the selection, else every workload shown. */
  policyNodes(): readonly MapNode[];
  status(text: string): void;
  /** Shows an export failure with a Retry. */
  fail(what: string, err: unknown, retry: () => void): void;
}

/**
 * The generated policies of the nodes, one request per cluster, zipped. Returns the number of
 * files written (0: nothing to export, said in the status line).
 */
export async function exportPolicies(host: ExportHost, format: ExportFormat): Promise<number> {
  const byCluster = exportBatches(host.policyNodes());
  if (byCluster.size === 0) {
    host.status('Nothing to export: select a workload, namespace or cluster, or show some.');
    return 0;
  }
  const files: ClusterPolicies[] = [];
  let policies = 0;
  for (const [cluster, nodes] of byCluster) {
    const res = await api.generate({ selection: { nodes }, format });
    files.push({ cluster, yaml: res.yaml });
    policies += res.policies;
  }
  const zip = policyZip(files, format);
  if (zip.entries.length === 0) {
    host.status('Nothing to export: no policy was generated for what is selected or shown.');
    return 0;
  }
  downloadBlob(new Blob([zip.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `netatlas-policies-${format}.zip`);
  host.status(`Exported ${policies} ${format} polic${policies === 1 ? 'y' : 'ies'} in ${zip.entries.length} file(s), one per cluster.`);
  return zip.entries.length;
}

/** The map as drawn now, as an SVG document. */
export function mapSvg(map: MapView): string {
  return renderSvg(sceneOfMap(map));
}

/** Fills the format choice and binds #btn-yaml, #btn-png and #btn-svg. */
export function wireExports(host: ExportHost): void {
  const select = byId<HTMLSelectElement>('export-format');
  for (const f of EXPORT_FORMATS) select.append(h('option', { value: f.value }, f.label));
  let format: ExportFormat = EXPORT_FORMATS[0].value;
  select.value = format;
  select.addEventListener('change', () => {
    format = EXPORT_FORMATS.find((f) => f.value === select.value)?.value ?? EXPORT_FORMATS[0].value;
  });
  const yaml = (): void => {
    exportPolicies(host, format).catch((err: unknown) => host.fail('The policy export', err, yaml));
  };
  const png = (): void => {
    host.map.toPNG().then((b) => downloadBlob(b, 'netatlas-map.png'), (err: unknown) => host.fail('The PNG export', err, png));
  };
  const svg = (): void => {
    try {
      downloadBlob(new Blob([mapSvg(host.map)], { type: 'image/svg+xml' }), 'netatlas-map.svg');
    } catch (err) {
      host.fail('The SVG export', err, svg);
    }
  };
  byId('btn-yaml').addEventListener('click', yaml);
  byId('btn-png').addEventListener('click', png);
  byId('btn-svg').addEventListener('click', svg);
}
