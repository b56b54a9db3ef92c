/**
 * attachReports: each scanner report to its top-level workload. trivy-operator names the
 * resource it scanned (usually a ReplicaSet or a bare Pod); that resource is followed up its
 * owner chain through the inventory (ReplicaSet -> Deployment, Job -> CronJob, Pod -> owner),
 * and by the `<deployment>-<pod-template-hash>` naming when the ReplicaSet is not in the
 * inventory. Image-keyed reports (`trivy image -f json`) attach to every workload running the
 * image.
 */
import type { Inventory, PodInfo, WorkloadInfo } from '../model/inventory.ts';
import type { WorkloadKind } from '../model/keys.ts';
import { WORKLOAD_KINDS } from '../model/keys.ts';
import type { AttachedReport, SecurityReport } from '../model/security.ts';
import { topLevelOwner } from '../semantics/index.ts';
import type { UnattachedReport } from './types.ts';

type Target = AttachedReport['workload'];

/** `docker.io/library/nginx:1.25` and `nginx:1.25` are the same image; a missing tag is `latest`. */
export function normalizeImage(image: string): string {
  let s = image.trim().replace(/@sha256:[0-9a-f]+$/, '');
  s = s.replace(/^(index\.)?docker\.io\//, '');
  if (!s.includes('/')) s = `library/${s}`;
  const last = s.slice(s.lastIndexOf('/') + 1);
  return last.includes(':') ? s : `${s}:latest`;
}

function resolveOwner(cluster: string, namespace: string, kind: string, name: string, workloads: ReadonlyMap<string, WorkloadInfo>, pods: ReadonlyMap<string, PodInfo>): Target | undefined {
  if (kind === 'Pod') {
    const pod = pods.get(`${cluster}/${namespace}/${name}`);
    if (!pod?.owner) return { cluster, namespace, kind: 'Pod', name };
    return resolveOwner(cluster, namespace, pod.owner.kind, pod.owner.name, workloads, pods);
  }
  if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) return undefined;
  let k = kind as WorkloadKind;
  let n = name;
  for (let depth = 0; depth < 8; depth++) {
    const wl = workloads.get(`${cluster}/${namespace}/${k}/${n}`);
    if (wl?.owner && (WORKLOAD_KINDS as readonly string[]).includes(wl.owner.kind)) {
      k = wl.owner.kind as WorkloadKind;
      n = wl.owner.name;
      continue;
    }
    if (!wl && k === 'ReplicaSet') {
      const top = topLevelOwner({ name: n, owner: { kind: 'ReplicaSet', name: n }, labels: {} });
      return { cluster, namespace, kind: top.kind, name: top.name };
    }
    break;
  }
  return { cluster, namespace, kind: k, name: n };
}

/** Attached reports, and those that name nothing this inventory can place (with why). */
export function attachReports(inventory: Inventory, reports: readonly SecurityReport[] = inventory.securityReports ?? []): { attached: AttachedReport[]; unattached: UnattachedReport[] } {
  const workloads = new Map(inventory.workloads.map((w) => [`${w.cluster}/${w.namespace}/${w.workloadKind}/${w.name}`, w]));
  const pods = new Map(inventory.pods.map((p) => [`${p.cluster}/${p.namespace}/${p.name}`, p]));
  let byImage: Map<string, Target[]> | undefined;
  const imageIndex = (): Map<string, Target[]> => {
    if (byImage) return byImage;
    byImage = new Map();
    const seen = new Set<string>();
    for (const p of inventory.pods) {
      const owner = topLevelOwner(p);
      const t = resolveOwner(p.cluster, p.namespace, 'Pod', p.name, workloads, pods) ?? { cluster: p.cluster, namespace: p.namespace, kind: owner.kind, name: owner.name };
      for (const img of p.images ?? []) {
        const id = `${normalizeImage(img)}|${t.cluster}/${t.namespace}/${t.kind}/${t.name}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const list = byImage.get(normalizeImage(img)) ?? [];
        list.push(t);
        byImage.set(normalizeImage(img), list);
      }
    }
    return byImage;
  };
  const attached: AttachedReport[] = [];
  const unattached: UnattachedReport[] = [];
  for (const report of reports) {
    const s = report.subject;
    if (s.kind && s.name && s.cluster) {
      const t = resolveOwner(s.cluster, s.namespace ?? 'default', s.kind, s.name, workloads, pods);
      if (t) attached.push({ workload: t, report });
      else unattached.push({ report, reason: `${s.kind} ${s.name} is not a workload kind` });
      continue;
    }
    if (s.image) {
      const targets = imageIndex().get(normalizeImage(s.image)) ?? [];
      if (targets.length === 0) unattached.push({ report, reason: `no pod in the inventory runs image ${s.image}` });
      for (const t of targets) attached.push({ workload: t, report });
      continue;
    }
    unattached.push({ report, reason: 'the report names neither a resource nor an image' });
  }
  return { attached, unattached };
}
