/** Policies of the inventory as API objects, and which of them select a node (label matching). */
import type { AdminNetworkPolicyInfo, Labels, NetworkPolicyInfo } from '../../generator/model/index.ts';
import { matchesSelector, namespaceLabels } from '../../generator/selectors/index.ts';
import type { ApiPolicy, PolicyRef } from './api-types.ts';
import type { AppState } from '../state/app-state.ts';

export function policyRef(p: NetworkPolicyInfo | AdminNetworkPolicyInfo): PolicyRef {
  if (p.kind === 'NetworkPolicy') {
    return { key: `${p.cluster}/${p.namespace}/NetworkPolicy/${p.name}`, kind: p.kind, cluster: p.cluster, namespace: p.namespace, name: p.name };
  }
  return { key: `${p.cluster}/${p.kind}/${p.name}`, kind: p.kind, cluster: p.cluster, name: p.name };
}

export function allPolicies(state: AppState): ApiPolicy[] {
  const out: ApiPolicy[] = [];
  for (const inv of state.inventories.values()) {
    for (const p of inv.networkPolicies) out.push({ ...policyRef(p), spec: p });
    for (const p of inv.adminNetworkPolicies) out.push({ ...policyRef(p), spec: p });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Policies whose subject selects the node (a pod, or a workload through its pod labels). */
export function policiesSelectingByLabels(state: AppState, nodeKey: string): PolicyRef[] {
  const g = state.graph;
  if (!g.hasNode(nodeKey)) return [];
  const a = g.getNodeAttributes(nodeKey);
  if (a.kind !== 'pod' && a.kind !== 'workload') return [];
  const inv = state.inventories.get(a.cluster);
  if (!inv) return [];
  let labels: Labels = a.labels ?? {};
  if (a.kind === 'workload') {
    const w = inv.workloads.find((x) => x.namespace === a.namespace && x.name === a.name && x.workloadKind === a.workloadKind);
    if (w?.templateLabels) labels = w.templateLabels;
  }
  const nsInfo = inv.namespaces.find((n) => n.name === a.namespace);
  const nsLabels = namespaceLabels(a.namespace, nsInfo?.labels);
  const out: PolicyRef[] = [];
  for (const p of inv.networkPolicies) {
    if (p.namespace === a.namespace && matchesSelector(p.podSelector, labels)) out.push(policyRef(p));
  }
  for (const p of inv.adminNetworkPolicies) {
    const s = p.subject;
    const hit = s.namespaces
      ? matchesSelector(s.namespaces, nsLabels)
      : matchesSelector(s.pods!.namespaceSelector, nsLabels) && matchesSelector(s.pods!.podSelector, labels);
    if (hit) out.push(policyRef(p));
  }
  return out;
}
