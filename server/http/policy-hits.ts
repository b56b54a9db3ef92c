/**
 * The policy hits flow sources report (Calico names the policy that allowed or denied each flow)
 * set beside the engine's own explanation of an edge: the same verdict, or a disagreement worth a
 * look (a policy kind the engine does not read, an inventory older than the cluster, a rule the
 * engine reads differently). When the engine cannot tell, neither can the comparison: undecided.
 */
import type { PolicyHit } from '../store/connections.ts';
import type { EdgeExplanation, ObservedPolicies } from './api-types.ts';

const DENIED = new Set(['DROPPED', 'ERROR']);

/** The explanation with `observed` added from the stored hits; unchanged when no source named a policy. */
export function withObservedPolicies(explanation: EdgeExplanation, hits: readonly PolicyHit[]): EdgeExplanation {
  if (!hits.length) return explanation;
  const byPolicy = new Map<string, { policy: string; verdict: 'allowed' | 'denied'; connections: number }>();
  for (const h of hits) {
    const verdict = DENIED.has(h.verdict) ? 'denied' : 'allowed';
    const id = `${verdict}|${h.policy}`;
    const seen = byPolicy.get(id);
    if (seen) seen.connections += h.connections;
    else byPolicy.set(id, { policy: h.policy, verdict, connections: h.connections });
  }
  const policies = [...byPolicy.values()].sort((a, b) => b.connections - a.connections || a.policy.localeCompare(b.policy));
  const denials = policies.filter((p) => p.verdict === 'denied');
  const verdict = denials.length ? 'denied' : 'allowed';
  const named = (list: typeof policies): string => list.slice(0, 3).map((p) => p.policy).join(', ') + (list.length > 3 ? ` and ${list.length - 3} more` : '');
  const sourceSays = `the flow source says ${verdict} by ${named(denials.length ? denials : policies)}`;
  let agreement: ObservedPolicies['agreement'];
  let reason: string;
  if (explanation.verdict === 'unknown') {
    agreement = 'undecided';
    reason = `${sourceSays}; the snapshot's policies give no verdict here to compare with.`;
  } else if (explanation.verdict === verdict) {
    agreement = 'agrees';
    reason = `${sourceSays}, as the snapshot's policies do.`;
  } else {
    agreement = 'disagrees';
    reason = `${sourceSays}, the snapshot's policies say ${explanation.verdict}: a policy kind or tier the snapshot does not hold, an inventory older than the cluster, or a rule read differently.`;
  }
  return { ...explanation, observed: { verdict, policies, agreement, reason } };
}
