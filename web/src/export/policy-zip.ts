/**
 * The YAML export as one zip: one file per cluster, since two clusters' policies may share a
 * name and namespace, which one file (one `kubectl apply`) would silently merge. File names are
 * unique even on case-insensitive file systems.
 */
import { strToU8, zipSync } from 'fflate';

export type ExportFormat = 'networkpolicy' | 'cilium' | 'calico-staged';

export const EXPORT_FORMATS: readonly { readonly value: ExportFormat; readonly label: string }[] = [
  { value: 'networkpolicy', label: 'NetworkPolicy' },
  { value: 'cilium', label: 'Cilium' },
  { value: 'calico-staged', label: 'Calico staged' },
];

export interface ClusterPolicies {
  readonly cluster: string;
  /** Multi-document YAML of the cluster's generated policies. */
  readonly yaml: string;
}

/** A name safe in every file system: cluster names are validated, but the export does not rely on it. */
function safePart(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return cleaned || 'cluster';
}

/** One file name per cluster, in order, unique ignoring case (a numeric suffix breaks ties). */
export function policyFileNames(clusters: readonly string[], format: ExportFormat): string[] {
  const taken = new Set<string>();
  return clusters.map((c) => {
    const stem = `${safePart(c)}-${format}`;
    let name = `${stem}.yaml`;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${stem}-${i}.yaml`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** The zip's bytes: one entry per cluster with policies (clusters with none are left out). */
export function policyZip(files: readonly ClusterPolicies[], format: ExportFormat): { bytes: Uint8Array; entries: string[] } {
  const withPolicies = files.filter((f) => f.yaml.trim() !== '');
  const names = policyFileNames(withPolicies.map((f) => f.cluster), format);
  const entries: Record<string, Uint8Array> = {};
  withPolicies.forEach((f, i) => (entries[names[i]] = strToU8(f.yaml)));
  // A fixed time keeps the archive identical for identical policies.
  return { bytes: zipSync(entries, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') }), entries: names };
}
