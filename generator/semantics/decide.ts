/**
 * The decision for one direction: the Admin tier (AdminNetworkPolicy and Admin-tier
 * ClusterNetworkPolicy rules, priority order, first match wins), then NetworkPolicy (if
 * anything isolates the pod; deny rules of that tier, Cilium's, come first and win over every
 * allow whether or not the pod is isolated), then the Baseline tier (BaselineAdminNetworkPolicy and
 * Baseline-tier ClusterNetworkPolicy), then default allow. Pass in the Admin tier goes on to
 * NetworkPolicy; Pass in the Baseline tier goes on to the default (allow). Works on connection
 * sets: every (protocol, port) takes its own path.
 */
import type { CompiledRule } from './compile.ts';
import { ConnectionSet } from './ports.ts';
import type { DecidedBy, MatchedRule } from './types.ts';

export interface DirectionProfile {
  /** False for addresses and hostNetwork pods: nothing applies, everything is allowed. */
  readonly subject: boolean;
  /** Admin-tier rules of every policy selecting the pod, by priority then rule order. */
  readonly anp: readonly CompiledRule[];
  /** Deny rules of the NetworkPolicy tier (Cilium's ingressDeny/egressDeny): they win over every allow. */
  readonly deny: readonly CompiledRule[];
  /** Policies that isolate the pod in this direction (NetworkPolicy, Cilium default deny). */
  readonly isolatedBy: readonly string[];
  /** Allow rules of the NetworkPolicy tier (NetworkPolicy, Cilium), additive. */
  readonly np: readonly CompiledRule[];
  readonly banp: readonly CompiledRule[];
}

export interface DecisionTrace {
  rules: MatchedRule[];
  decidedBy: DecidedBy;
}

export function decide(
  profile: DirectionProfile,
  matches: (rule: CompiledRule) => boolean,
  portsOf: (rule: CompiledRule) => ConnectionSet,
  universe: ConnectionSet,
  trace?: DecisionTrace,
): ConnectionSet {
  if (!profile.subject) {
    if (trace) trace.decidedBy = 'not-subject';
    return universe;
  }
  let remaining = universe;
  let allowed = ConnectionSet.NONE;
  let passed = ConnectionSet.NONE;
  for (const r of profile.anp) {
    if (remaining.isEmpty()) break;
    if (!matches(r)) continue;
    const hit = portsOf(r).intersect(remaining);
    if (hit.isEmpty()) continue;
    const action = r.info.action;
    if (trace) {
      trace.rules.push(r.info);
      if (action !== 'Pass') trace.decidedBy = 'AdminNetworkPolicy';
    }
    if (action === 'Allow' || action === 'Accept') allowed = allowed.union(hit);
    else if (action === 'Pass') passed = passed.union(hit);
    remaining = remaining.subtract(hit);
  }
  let undecided = remaining.union(passed);
  for (const r of profile.deny) {
    if (undecided.isEmpty()) break;
    if (!matches(r)) continue;
    const hit = portsOf(r).intersect(undecided);
    if (hit.isEmpty()) continue;
    if (trace) {
      trace.rules.push(r.info);
      trace.decidedBy = 'NetworkPolicy';
    }
    undecided = undecided.subtract(hit);
  }
  if (undecided.isEmpty()) return allowed;
  if (profile.isolatedBy.length > 0) {
    let npAllowed = ConnectionSet.NONE;
    for (const r of profile.np) {
      if (!matches(r)) continue;
      const hit = portsOf(r).intersect(undecided);
      if (hit.isEmpty()) continue;
      if (trace) trace.rules.push(r.info);
      npAllowed = npAllowed.union(hit);
    }
    if (trace) trace.decidedBy = 'NetworkPolicy';
    return allowed.union(npAllowed);
  }
  let rest = undecided;
  for (const r of profile.banp) {
    if (rest.isEmpty()) break;
    if (!matches(r)) continue;
    const hit = portsOf(r).intersect(rest);
    if (hit.isEmpty()) continue;
    const action = r.info.action;
    if (trace) {
      trace.rules.push(r.info);
      trace.decidedBy = action === 'Pass' ? 'default' : 'BaselineAdminNetworkPolicy';
    }
    // Pass in the last tier leaves the connection to the default, which allows it.
    if (action !== 'Deny') allowed = allowed.union(hit);
    rest = rest.subtract(hit);
  }
  if (!rest.isEmpty() && trace) trace.decidedBy = 'default';
  return allowed.union(rest);
}

/**
 * The rules of a profile that can influence a decision, in evaluation order (for masks and
 * signatures). BANP rules never do when a NetworkPolicy isolates the pod.
 */
export function profileRules(p: DirectionProfile): CompiledRule[] {
  return p.isolatedBy.length > 0 ? [...p.anp, ...p.deny, ...p.np] : [...p.anp, ...p.deny, ...p.np, ...p.banp];
}
