/**
 * The decision for one direction: the Admin tier (AdminNetworkPolicy and Admin-tier
 * ClusterNetworkPolicy rules, priority order, first match wins), then NetworkPolicy (if
 * anything isolates the pod; deny rules of that tier, Cilium's, come first and win over every
 * allow whether or not the pod is isolated), then the Baseline tier (BaselineAdminNetworkPolicy and
 * Baseline-tier ClusterNetworkPolicy), then default allow. Pass in the Admin tier goes on to
 * NetworkPolicy; Pass in the Baseline tier goes on to the default (allow). When Calico's tiers
 * are in use they take the NetworkPolicy tier's place (NetworkPolicies are policies of Calico's
 * default tier): each tier that applies to the pod, in order, first matching rule decides
 * (Allow, Deny; Pass goes to the next tier; Log goes on), unmatched traffic gets the tier's end
 * action; what passes the last tier goes on to the Baseline tier. Works on connection sets:
 * every (protocol, port) takes its own path.
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
  /** Calico's tiers that apply to the pod in this direction, in order (present: Calico reading, `np` unused). */
  readonly calico?: readonly CalicoTierProfile[];
}

export interface CalicoTierProfile {
  readonly name: string;
  /** Rules of the tier's policies selecting the pod, policy order then rule order. */
  readonly rules: readonly CompiledRule[];
  /** What traffic no rule matched gets. */
  readonly endOfTier: 'Deny' | 'Pass';
}

export interface DecisionTrace {
  rules: MatchedRule[];
  decidedBy: DecidedBy;
}

type Matches = (rule: CompiledRule) => boolean;
type PortsOf = (rule: CompiledRule) => ConnectionSet;

/**
 * Rules in order, first match: each rule matching the peer gets its hit on what is still open
 * (`take` says whether that hit is now decided: Log rules leave it open). Returns what no rule
 * decided.
 */
function firstMatch(rules: readonly CompiledRule[], matches: Matches, portsOf: PortsOf, open: ConnectionSet, take: (r: CompiledRule, hit: ConnectionSet) => boolean): ConnectionSet {
  let rest = open;
  for (const r of rules) {
    if (rest.isEmpty()) break;
    if (!matches(r)) continue;
    const hit = portsOf(r).intersect(rest);
    if (hit.isEmpty()) continue;
    if (take(r, hit)) rest = rest.subtract(hit);
  }
  return rest;
}

export function decide(profile: DirectionProfile, matches: Matches, portsOf: PortsOf, universe: ConnectionSet, trace?: DecisionTrace): ConnectionSet {
  if (!profile.subject) {
    if (trace) trace.decidedBy = 'not-subject';
    return universe;
  }
  let allowed = ConnectionSet.NONE;
  let passed = ConnectionSet.NONE;
  const remaining = firstMatch(profile.anp, matches, portsOf, universe, (r, hit) => {
    const action = r.info.action;
    if (trace) {
      trace.rules.push(r.info);
      if (action !== 'Pass') trace.decidedBy = 'AdminNetworkPolicy';
    }
    if (action === 'Allow' || action === 'Accept') allowed = allowed.union(hit);
    else if (action === 'Pass') passed = passed.union(hit);
    return true;
  });
  let undecided = firstMatch(profile.deny, matches, portsOf, remaining.union(passed), (r) => {
    if (trace) {
      trace.rules.push(r.info);
      trace.decidedBy = 'NetworkPolicy';
    }
    return true;
  });
  if (undecided.isEmpty()) return allowed;
  if (profile.calico) {
    for (const tier of profile.calico) {
      if (undecided.isEmpty()) return allowed;
      let tierPassed = ConnectionSet.NONE;
      const rest = firstMatch(tier.rules, matches, portsOf, undecided, (r, hit) => {
        const action = r.info.action;
        if (trace) {
          trace.rules.push(r.info);
          if (action === 'Allow' || action === 'Deny') trace.decidedBy = 'NetworkPolicy';
        }
        if (action === 'Log') return false;
        if (action === 'Allow') allowed = allowed.union(hit);
        else if (action === 'Pass') tierPassed = tierPassed.union(hit);
        return true;
      });
      if (tier.endOfTier === 'Pass') tierPassed = tierPassed.union(rest);
      else if (!rest.isEmpty() && trace) trace.decidedBy = 'NetworkPolicy';
      undecided = tierPassed;
    }
  } else if (profile.isolatedBy.length > 0) {
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
  // The Baseline tier, then the default (allow), for what the tiers before left undecided.
  const rest = firstMatch(profile.banp, matches, portsOf, undecided, (r, hit) => {
    const action = r.info.action;
    if (trace) {
      trace.rules.push(r.info);
      trace.decidedBy = action === 'Pass' ? 'default' : 'BaselineAdminNetworkPolicy';
    }
    // Pass in the last tier leaves the connection to the default, which allows it.
    if (action !== 'Deny') allowed = allowed.union(hit);
    return true;
  });
  if (!rest.isEmpty() && trace) trace.decidedBy = 'default';
  return allowed.union(rest);
}

/**
 * The rules of a profile that can influence a decision, in evaluation order (for masks and
 * signatures). BANP rules never do when a NetworkPolicy isolates the pod.
 */
export function profileRules(p: DirectionProfile): CompiledRule[] {
  if (p.calico) return [...p.anp, ...p.deny, ...p.calico.flatMap((t) => t.rules), ...p.banp];
  return p.isolatedBy.length > 0 ? [...p.anp, ...p.deny, ...p.np] : [...p.anp, ...p.deny, ...p.np, ...p.banp];
}
