/**
 * Human explanations of verdicts: one reason per direction, and the rule chain.
 */
import type { ConnectionQuery, ConnectionVerdict, DirectionVerdict, MatchedRule, Peer } from './types.ts';

export function peerName(p: Peer): string {
  return p.kind === 'pod' ? `${p.pod.namespace}/${p.pod.name}` : p.ip;
}

/** `KIND NAME (tier T, priority N) DIRECTION[i] "rule": ACTION`: kind, tier, policy and rule. */
export function formatRule(r: MatchedRule): string {
  const kind = r.kind ?? r.tier;
  const tier = kind === 'ClusterNetworkPolicy' ? (r.tier === 'BaselineAdminNetworkPolicy' ? 'tier Baseline' : 'tier Admin') : undefined;
  const detail = [tier, r.priority !== undefined ? `priority ${r.priority}` : undefined].filter(Boolean).join(', ');
  if (kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy') {
    // Cilium rules are named by their field (`spec.ingressDeny[0]`): allow and deny lists differ.
    return `${kind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name} ${r.ruleName ?? `${r.direction}[${r.ruleIndex}]`}: ${r.action}`;
  }
  if (kind === 'CalicoNetworkPolicy' || kind === 'CalicoGlobalNetworkPolicy') {
    const order = r.order !== undefined ? `, order ${r.order}` : '';
    return `${kind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name} (tier ${r.calicoTier ?? 'default'}${order}) ${r.direction}[${r.ruleIndex}]: ${r.action}`;
  }
  const where = r.tier === 'NetworkPolicy' ? `NetworkPolicy ${r.namespace}/${r.name}` : `${kind} ${r.name}${detail ? ` (${detail})` : ''}`;
  return `${where} ${r.direction}[${r.ruleIndex}]${r.ruleName ? ` "${r.ruleName}"` : ''}: ${r.action}`;
}

function reasonFor(v: DirectionVerdict, subject: string): string {
  const verb = v.allowed ? 'allowed' : 'denied';
  const lastOf = (tier: string): MatchedRule | undefined => [...v.matchedRules].reverse().find((r) => r.tier === tier);
  switch (v.decidedBy) {
    case 'not-subject':
      return `${v.direction} allowed: ${subject} is not subject to policy (an address or a hostNetwork pod)`;
    case 'self':
      return `${v.direction} allowed: a pod's traffic to itself is not subject to policy`;
    case 'node':
      return `${v.direction} allowed: traffic from the pod's own node is always allowed`;
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy': {
      const r = lastOf(v.decidedBy);
      return `${v.direction} ${verb} by ${r ? formatRule(r) : v.decidedBy}`;
    }
    case 'NetworkPolicy': {
      const deny = v.matchedRules.find((r) => r.tier === 'NetworkPolicy' && r.action === 'Deny');
      if (!v.allowed && deny && deny.calicoTier !== undefined) return `${v.direction} denied by ${formatRule(deny)}`;
      if (!v.allowed && deny) return `${v.direction} denied by ${formatRule(deny)} (deny rules win over every allow)`;
      // Calico's Pass and Log rules are on the way, not the reason.
      const np = v.matchedRules.filter((r) => r.tier === 'NetworkPolicy' && (r.action === 'Allow' || r.action === 'Accept'));
      if (v.allowed && np.length > 0) return `${v.direction} allowed by ${np.map(formatRule).join('; ')}`;
      const calico = v.isolatedBy.some((ref) => ref.includes('/CalicoNetworkPolicy/') || ref.includes('/CalicoGlobalNetworkPolicy/'));
      return `${v.direction} denied: ${subject} is isolated for ${v.direction} by ${v.isolatedBy.join(', ')} and no rule allows this connection${calico ? " (Calico's end-of-tier deny)" : ''}`;
    }
    case 'default':
      return `${v.direction} allowed: no NetworkPolicy isolates ${subject} for ${v.direction} and no admin rule decides it`;
  }
}

export function explainVerdict(q: ConnectionQuery, egress: DirectionVerdict, ingress: DirectionVerdict): ConnectionVerdict {
  const e = { ...egress, reason: reasonFor(egress, peerName(q.src)) };
  const i = { ...ingress, reason: reasonFor(ingress, peerName(q.dst)) };
  const allowed = e.allowed && i.allowed;
  const explanation = [
    `${peerName(q.src)} => ${peerName(q.dst)} : ${q.protocol} ${q.port} is ${allowed ? 'ALLOWED' : 'DENIED'}`,
    `egress of ${peerName(q.src)}: ${e.reason}`,
    ...e.matchedRules.map((r) => `  matched ${formatRule(r)}`),
    `ingress of ${peerName(q.dst)}: ${i.reason}`,
    ...i.matchedRules.map((r) => `  matched ${formatRule(r)}`),
  ];
  return { allowed, egress: e, ingress: i, explanation };
}

/** The explanation as text, one line each. */
export function formatVerdict(v: ConnectionVerdict): string {
  return v.explanation.join('\n');
}
