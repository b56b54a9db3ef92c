/**
 * The cut of an attack path: the smallest NetworkPolicy change that removes one of its hops
 * while every observed flow stays allowed, proved by re-running the engine on the changed
 * policies. Only hops that were never observed are candidates (cutting an observed hop
 * breaks its traffic by definition). For a hop A -> B the candidates are:
 *
 * - ingress side: every ingress rule of the NetworkPolicies isolating B stops matching A
 *   (a `NotIn` on A's label for selector peers, A's cluster's pod CIDRs as `except` for
 *   ipBlock peers that hold A's pods by address, an explicit "everyone but A" for rules open
 *   to every peer). A cut never names a pod IP: pods are rescheduled and their addresses
 *   reused, so such a rule would soon exclude the wrong pod. Where only a pod IP could say
 *   it, the side is not offered and the reason is given;
 * - egress side: the same on A's egress rules, with B as the peer;
 * - when neither side is isolated: a new policy isolating B's ingress that allows exactly the
 *   flows observed into B.
 *
 * The smallest proved candidate (fewest rules changed; then the hop nearest the target) wins.
 */
import type { Inventory, Protocol } from '../model/inventory.ts';
import { NAMESPACE_NAME_LABEL, type LabelSelector, type LabelSelectorRequirement, type Labels } from '../model/labels.ts';
import type { NetworkPolicyInfo, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule } from '../model/policy.ts';
import { cidrContains, createEngine, parseIpv4Cidr, type EngineOptions, type Peer, type PolicyEngine } from '../semantics/index.ts';
import { synthesisContext } from '../synthesis/synthesize.ts';
import { commonStableLabels, type WorkloadEntry } from '../synthesis/workloads.ts';
import { allowedBetween, INTERNET, type Estate } from './estate.ts';
import type { AttackPath, CutProof, PathCut, PathHop, PolicyChange } from './types.ts';

const LABEL_PREFERENCE = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'run', 'component'];

/** The label that names a workload's pods best, for a `NotIn`. */
function distinguishingLabel(w: WorkloadEntry): [string, string] | undefined {
  const labels = commonStableLabels(w.pods);
  const key = LABEL_PREFERENCE.find((k) => labels[k] !== undefined) ?? Object.keys(labels).sort()[0];
  return key === undefined ? undefined : [key, labels[key]];
}

const policyRef = (p: NetworkPolicyInfo): string => `${p.cluster}/${p.namespace}/NetworkPolicy/${p.name}`;

function withNotIn(sel: LabelSelector | undefined, req: LabelSelectorRequirement): LabelSelector {
  const base = sel ?? {};
  return { ...base, matchExpressions: [...(base.matchExpressions ?? []), req] };
}

function ipsOf(w: WorkloadEntry): string[] {
  return [...new Set(w.pods.flatMap((p) => p.ips.filter((ip) => !ip.includes(':'))))].sort();
}

/** What the exclusion of a peer may use: never a pod's address (pods are rescheduled, addresses reused). */
interface ExclusionContext {
  readonly ipBlockMatchesPods: boolean;
  /** cluster -> its pod CIDRs (declared, else its nodes' podCIDRs). */
  readonly podCidrs: ReadonlyMap<string, readonly string[]>;
}

/** `inner` lies inside `outer` (both IPv4 CIDRs). */
function blockWithin(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  return o !== undefined && i !== undefined && i.start >= o.start && i.end <= o.end;
}

function blocksOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a);
  const y = parseIpv4Cidr(b);
  return x !== undefined && y !== undefined && x.start <= y.end && y.start <= x.end;
}

/**
 * The address blocks standing for `target`'s pods when a policy sees them as addresses (pods
 * of another cluster, or every pod under --ipblock-matches-pods): its cluster's pod CIDRs, which
 * outlive any pod. A reason when they are unknown or do not hold every pod of the target.
 */
function podBlocksOf(target: WorkloadEntry, x: ExclusionContext): readonly string[] | string {
  const cidrs = (x.podCidrs.get(target.cluster) ?? []).filter((c) => parseIpv4Cidr(c) !== undefined);
  if (cidrs.length === 0) {
    return `${target.key}'s pods are seen as addresses and only an ipBlock except could exclude them: no pod CIDR is known for cluster ${target.cluster} (its nodes show no podCIDRs), and pod IPs are not offered (pods are rescheduled and their addresses reused)`;
  }
  const outside = ipsOf(target).filter((ip) => !cidrs.some((c) => cidrContains(c, ip)));
  if (outside.length) {
    return `${target.key}'s pods are seen as addresses and ${outside.slice(0, 3).join(', ')} lie outside cluster ${target.cluster}'s pod CIDRs (host-network pods?): only pod or node IPs could exclude them, which are not offered`;
  }
  return cidrs;
}

/** Pods of `target`'s namespace and cluster but `target`, and every other namespace: selector peers. */
function everyPodBut(target: WorkloadEntry, notIn: LabelSelectorRequirement): NetworkPolicyPeer[] {
  return [
    { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [target.namespace] }] } },
    { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: target.namespace } }, podSelector: withNotIn({}, notIn) },
  ];
}

/**
 * A rule that no longer matches `target` (as seen from a policy in `cluster`), or the reason
 * the rule cannot be changed to exclude it. Selector peers get a `NotIn` on the target's label;
 * an ipBlock that holds the target's pods by address gets the target cluster's pod CIDRs as
 * `except` (and, for the policy's own cluster, selector peers giving back every other pod):
 * never a pod IP.
 */
function excludeFromRule(rule: NetworkPolicyRule, target: WorkloadEntry, cluster: string, x: ExclusionContext): NetworkPolicyRule | string {
  const sameCluster = target.cluster === cluster;
  const label = distinguishingLabel(target);
  const notIn: LabelSelectorRequirement | undefined = label ? { key: label[0], operator: 'NotIn', values: [label[1]] } : undefined;
  if (sameCluster && !notIn) return `${target.key}'s pods share no stable label a NotIn could name`;
  // Pods of another cluster are addresses to this policy; so are this cluster's pods when ipBlocks match pods.
  const addressed = !sameCluster || x.ipBlockMatchesPods;
  const ips = ipsOf(target);
  if (!rule.peers || rule.peers.length === 0) {
    const blocks = addressed ? podBlocksOf(target, x) : [];
    if (typeof blocks === 'string') return blocks;
    return { ...rule, peers: [...(sameCluster ? everyPodBut(target, notIn!) : [{ namespaceSelector: {} }]), { ipBlock: { cidr: '0.0.0.0/0', ...(blocks.length ? { except: [...blocks] } : {}) } }] };
  }
  const peers: NetworkPolicyPeer[] = [];
  let givesBack = false;
  for (const p of rule.peers) {
    if (p.ipBlock) {
      const b = p.ipBlock;
      const holds = addressed && ips.some((ip) => cidrContains(b.cidr, ip) && !(b.except ?? []).some((e) => cidrContains(e, ip)));
      if (!holds) {
        peers.push(p);
        continue;
      }
      const blocks = podBlocksOf(target, x);
      if (typeof blocks === 'string') return blocks;
      const overlapping = blocks.filter((c) => blocksOverlap(b.cidr, c));
      // A pod CIDR holding the whole block: the block lets in nothing but that cluster's pods, so it goes.
      if (overlapping.some((c) => blockWithin(c, b.cidr))) continue;
      const add = overlapping.filter((c) => !(b.except ?? []).some((e) => blockWithin(e, c)));
      peers.push({ ipBlock: { cidr: b.cidr, except: [...(b.except ?? []), ...add] } });
      // Only when the block held every pod of the cluster may selectors give them back without widening the rule.
      givesBack ||= sameCluster && blocks.every((c) => blockWithin(b.cidr, c)) && !(b.except ?? []).some((e) => blocks.some((c) => blocksOverlap(e, c)));
      continue;
    }
    peers.push(sameCluster ? { ...p, podSelector: withNotIn(p.podSelector, notIn!) } : p);
  }
  // The ipBlock matched every pod of this cluster by address; the pods other than the target come back by selector.
  if (givesBack) peers.push(...everyPodBut(target, notIn!));
  if (peers.length === 0) return `every peer of the rule is an address block inside cluster ${target.cluster}'s pod CIDRs: removing them all would open the rule to every peer`;
  return { ...rule, peers };
}

function ruleChanged(a: NetworkPolicyRule, b: NetworkPolicyRule): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}

/** The policy with every rule of `direction` changed to exclude `target`. */
/** A change being built: the changed policy, and for a modification the original and the direction changed. */
type Draft = PolicyChange & { readonly policyInfo: NetworkPolicyInfo; readonly original?: NetworkPolicyInfo; readonly direction?: 'ingress' | 'egress' };

function excludeFromPolicy(np: NetworkPolicyInfo, direction: 'ingress' | 'egress', target: WorkloadEntry, x: ExclusionContext): Draft | string | undefined {
  const rules = np[direction] ?? [];
  const changed: string[] = [];
  const next: NetworkPolicyRule[] = [];
  for (const [i, r] of rules.entries()) {
    const n = excludeFromRule(r, target, np.cluster, x);
    if (typeof n === 'string') return `${policyRef(np)} ${direction}[${i}]: ${n}`;
    if (ruleChanged(r, n)) changed.push(`${direction}[${i}]`);
    next.push(n);
  }
  if (changed.length === 0) return undefined;
  const policyInfo: NetworkPolicyInfo = { ...np, [direction]: next };
  return { policy: policyRef(np), action: 'modify', rules: changed, manifest: networkPolicyManifest(policyInfo), policyInfo, original: np, direction };
}

/** The draft with one changed rule put back as it was; undefined when no change is left. */
function revertRule(d: Draft & { original: NetworkPolicyInfo }, rule: string): Draft | undefined {
  if (!d.direction) return d;
  const i = Number(/\[(\d+)\]$/.exec(rule)![1]);
  const rules = [...(d.policyInfo[d.direction] ?? [])];
  rules[i] = d.original[d.direction]![i];
  const left = d.rules.filter((r) => r !== rule);
  if (left.length === 0) return undefined;
  const policyInfo: NetworkPolicyInfo = { ...d.policyInfo, [d.direction]: rules };
  return { ...d, rules: left, policyInfo, manifest: networkPolicyManifest(policyInfo) };
}

function selectorObject(sel: LabelSelector): Record<string, unknown> {
  return {
    ...(sel.matchLabels && Object.keys(sel.matchLabels).length ? { matchLabels: { ...sel.matchLabels } } : {}),
    ...(sel.matchExpressions?.length ? { matchExpressions: sel.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) })) } : {}),
  };
}

function peerObject(p: NetworkPolicyPeer): Record<string, unknown> {
  return {
    ...(p.podSelector ? { podSelector: selectorObject(p.podSelector) } : {}),
    ...(p.namespaceSelector ? { namespaceSelector: selectorObject(p.namespaceSelector) } : {}),
    ...(p.ipBlock ? { ipBlock: { cidr: p.ipBlock.cidr, ...(p.ipBlock.except?.length ? { except: [...p.ipBlock.except] } : {}) } } : {}),
  };
}

function portObject(p: NetworkPolicyPort): Record<string, unknown> {
  return { ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.port !== undefined ? { port: p.port } : {}), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) };
}

/** A NetworkPolicy as the Kubernetes object to apply. */
export function networkPolicyManifest(np: NetworkPolicyInfo): Record<string, unknown> {
  const rules = (rs: readonly NetworkPolicyRule[] | undefined, field: 'from' | 'to') => rs?.map((r) => ({
    ...(r.peers?.length ? { [field]: r.peers.map(peerObject) } : {}),
    ...(r.ports?.length ? { ports: r.ports.map(portObject) } : {}),
  }));
  const ingress = rules(np.ingress, 'from');
  const egress = rules(np.egress, 'to');
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: np.name, namespace: np.namespace, ...(np.labels && Object.keys(np.labels).length ? { labels: { ...np.labels } } : {}) },
    spec: {
      podSelector: selectorObject(np.podSelector),
      ...(np.policyTypes ? { policyTypes: [...np.policyTypes] } : {}),
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {}),
    },
  };
}

/** A new policy isolating `b`'s ingress, allowing exactly the flows observed into it. */
function isolateWithObserved(estate: Estate, b: WorkloadEntry, workloadOfPod: ReadonlyMap<string, string>, x: ExclusionContext): Draft | string {
  const labels = commonStableLabels(b.pods);
  if (Object.keys(labels).length === 0) return `${b.key}'s pods share no stable label to select them`;
  const mine = new Set(b.pods);
  const peers = new Map<string, { peer: NetworkPolicyPeer; ports: Map<string, NetworkPolicyPort> }>();
  for (const f of estate.observedFlows) {
    if (f.dst.kind !== 'pod' || !mine.has(f.dst.pod)) continue;
    let from: NetworkPolicyPeer[];
    if (f.src.kind === 'pod' && f.src.pod.cluster === b.cluster) {
      const w = estate.byKey.get(workloadOfPod.get(`${f.src.pod.cluster}/${f.src.pod.namespace}/${f.src.pod.name}`) ?? '');
      const l: Labels = w ? commonStableLabels(w.pods) : {};
      if (Object.keys(l).length === 0) return `the observed flow ${f.text} comes from pods with no stable label to select them`;
      from = [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: f.src.pod.namespace } }, podSelector: { matchLabels: l } }];
    } else if (f.src.kind === 'pod') {
      // A pod of another cluster: its cluster's pod range, never its own address.
      const w = estate.byKey.get(workloadOfPod.get(`${f.src.pod.cluster}/${f.src.pod.namespace}/${f.src.pod.name}`) ?? '');
      const blocks = w ? podBlocksOf(w, x) : `the observed flow ${f.text} comes from a pod of no known workload`;
      if (typeof blocks === 'string') return blocks;
      from = blocks.map((cidr) => ({ ipBlock: { cidr } }));
    } else {
      if (f.src.ip.includes(':')) return `the observed flow ${f.text} comes from an IPv6 address`;
      from = [{ ipBlock: { cidr: `${f.src.ip}/32` } }];
    }
    for (const peer of from) {
      const id = JSON.stringify(peer);
      const entry = peers.get(id) ?? { peer, ports: new Map() };
      entry.ports.set(`${f.protocol}/${f.port}`, { protocol: f.protocol, port: f.port });
      peers.set(id, entry);
    }
  }
  const ingress: NetworkPolicyRule[] = [...peers.values()].map((e) => ({ peers: [e.peer], ports: [...e.ports.values()] }));
  const np: NetworkPolicyInfo = {
    kind: 'NetworkPolicy', cluster: b.cluster, namespace: b.namespace, name: `netatlas-cut-${b.name}`.slice(0, 63).replace(/-+$/, ''),
    labels: { 'app.kubernetes.io/managed-by': 'netatlas' }, podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress,
  };
  return { policy: policyRef(np), action: 'add', rules: ingress.map((_, i) => `ingress[${i}]`), manifest: networkPolicyManifest(np), policyInfo: np };
}

export interface CutContext {
  readonly estate: Estate;
  readonly engine: PolicyEngine;
  readonly options: EngineOptions;
  readonly workloadOfPod: ReadonlyMap<string, string>;
  /** Observed flows allowed before any change (only those must stay allowed). */
  readonly allowedBefore: readonly number[];
  readonly exclusion: ExclusionContext;
}

export function cutContext(estate: Estate, engine: PolicyEngine, options: EngineOptions, workloadOfPod: ReadonlyMap<string, string>): CutContext {
  const allowedBefore: number[] = [];
  estate.observedFlows.forEach((f, i) => {
    if (allowedBetween(engine, f.src, f.dst).contains(f.protocol, f.port)) allowedBefore.push(i);
  });
  const exclusion = { ipBlockMatchesPods: options.ipBlockMatchesPods ?? false, podCidrs: synthesisContext(estate.inventory).podCidrs };
  return { estate, engine, options, workloadOfPod, allowedBefore, exclusion };
}

function withPolicies(inv: Inventory, changes: readonly (Draft)[]): NetworkPolicyInfo[] {
  const replaced = new Map(changes.map((c) => [c.policy, c.policyInfo]));
  const out = inv.networkPolicies.map((p) => replaced.get(policyRef(p)) ?? p);
  for (const c of changes) if (c.action === 'add') out.push(c.policyInfo);
  return out;
}

const podPeers = (w: WorkloadEntry): Peer[] => w.pods.slice(0, 20).map((pod) => ({ kind: 'pod', pod }));

/** Re-runs the engine on the changed policies: the hop denied, every allowed observed flow still allowed. */
export function proveCut(c: CutContext, a: WorkloadEntry, b: WorkloadEntry, changes: readonly (Draft)[]): CutProof {
  const inv = c.estate.inventory;
  const engine = createEngine({
    namespaces: inv.namespaces, pods: inv.pods, nodes: inv.nodes, adminNetworkPolicies: inv.adminNetworkPolicies,
    networkPolicies: withPolicies(inv, changes),
    ciliumNetworkPolicies: inv.ciliumNetworkPolicies, calicoPolicies: inv.calicoPolicies, calicoTiers: inv.calicoTiers, calicoNetworkSets: inv.calicoNetworkSets,
  }, c.options);
  let hopDenied = engine.validation.errors.length === c.engine.validation.errors.length;
  for (const s of podPeers(a)) for (const d of podPeers(b)) if (hopDenied && !allowedBetween(engine, s, d).isEmpty()) hopDenied = false;
  const broken: string[] = [];
  for (const i of c.allowedBefore) {
    const f = c.estate.observedFlows[i];
    if (!allowedBetween(engine, f.src, f.dst).contains(f.protocol as Protocol, f.port)) broken.push(f.text);
  }
  return {
    hopDenied, observedChecked: c.allowedBefore.length, observedBroken: broken, pathGone: hopDenied,
    observedUnchecked: c.estate.unevaluated.length, uncheckedExamples: c.estate.unevaluated.slice(0, 5),
  };
}

type Candidate = { hop: number; changes: (Draft)[]; proof: CutProof; size: number };

function candidatesFor(c: CutContext, a: WorkloadEntry, b: WorkloadEntry): { drafts: Draft[][]; reasons: string[] } {
  const { estate, engine } = c;
  const npByRef = new Map(estate.inventory.networkPolicies.map((p) => [policyRef(p), p]));
  const reasons: string[] = [];
  const side = (w: WorkloadEntry, dir: 'ingress' | 'egress', target: WorkloadEntry): Draft[] | undefined => {
    const selecting = w.pods.length ? engine.policiesSelecting(w.pods[0], dir).filter((s) => s.tier === 'NetworkPolicy' && s.isolates) : [];
    if (selecting.length === 0) return undefined;
    const out: Draft[] = [];
    for (const s of selecting) {
      const np = npByRef.get(s.policy);
      if (!np) return undefined;
      const ch = excludeFromPolicy(np, dir, target, c.exclusion);
      if (typeof ch === 'string') {
        reasons.push(`${dir} side not offered: ${ch}`);
        return undefined;
      }
      if (ch) out.push(ch);
    }
    return out.length ? out : undefined;
  };
  const drafts: Draft[][] = [];
  const ingress = side(b, 'ingress', a);
  const egress = side(a, 'egress', b);
  if (ingress) drafts.push(ingress);
  if (egress) drafts.push(egress);
  const bIsolated = b.pods.length > 0 && engine.policiesSelecting(b.pods[0], 'ingress').some((s) => s.tier === 'NetworkPolicy' && s.isolates);
  if (!bIsolated) {
    const add = isolateWithObserved(estate, b, c.workloadOfPod, c.exclusion);
    if (typeof add === 'string') reasons.push(`a new policy isolating ${b.key} is not offered: ${add}`);
    else drafts.push([add]);
  }
  return { drafts, reasons };
}

/** The cut of one path (hops as found by the path search). */
const passes = (p: CutProof): boolean => p.hopDenied && p.observedBroken.length === 0;

/**
 * Puts back, one at a time, every changed rule the proof does not need (a rule that never
 * matched the hop's source, say), so the change offered is as small as the engine allows.
 */
function minimize(c: CutContext, a: WorkloadEntry, b: WorkloadEntry, drafts: readonly Draft[], proof: CutProof): { changes: Draft[]; proof: CutProof } {
  let best = { changes: [...drafts], proof };
  for (let d = 0; d < best.changes.length; d++) {
    if (!best.changes[d].original) continue;
    for (const rule of [...best.changes[d].rules]) {
      const reverted = revertRule(best.changes[d] as Draft & { original: NetworkPolicyInfo }, rule);
      const next = reverted ? best.changes.map((x, j) => (j === d ? reverted : x)) : best.changes.filter((_, j) => j !== d);
      if (next.length === 0) continue;
      const p = proveCut(c, a, b, next);
      if (!passes(p)) continue;
      best = { changes: next, proof: p };
      if (!reverted) {
        d--;
        break;
      }
    }
  }
  return best;
}

export function cutPath(c: CutContext, hops: readonly PathHop[]): PathCut {
  const reasons: string[] = [];
  const found: Candidate[] = [];
  hops.forEach((h, i) => {
    if (h.observed) {
      reasons.push(`hop ${i + 1} ${h.from} -> ${h.to} is observed (${h.evidence.join('; ')}): cutting it would break that traffic`);
      return;
    }
    if (h.from === INTERNET) {
      reasons.push(`hop ${i + 1} ${h.from} -> ${h.to}: closing a Service to the internet is not offered as a policy cut`);
      return;
    }
    const a = c.estate.byKey.get(h.from)!;
    const b = c.estate.byKey.get(h.to)!;
    const cands = candidatesFor(c, a, b);
    for (const r of cands.reasons) reasons.push(`hop ${i + 1} ${h.from} -> ${h.to}: ${r}`);
    if (cands.drafts.length === 0 && cands.reasons.length === 0) reasons.push(`hop ${i + 1} ${h.from} -> ${h.to}: no NetworkPolicy change expresses it (no policy on either end names the other)`);
    for (const drafts of cands.drafts) {
      const proof = proveCut(c, a, b, drafts);
      if (proof.hopDenied && proof.observedBroken.length === 0) {
        const small = minimize(c, a, b, drafts, proof);
        found.push({ hop: i, ...small, size: small.changes.reduce((n, ch) => n + ch.rules.length + (ch.action === 'add' ? 1 : 0), 0) });
      } else {
        reasons.push(`hop ${i + 1} ${h.from} -> ${h.to}: a change to ${drafts.map((ch) => ch.policy).join(', ')} ${proof.hopDenied ? `would break ${proof.observedBroken.slice(0, 3).join('; ')}` : 'would not deny the hop'}`);
      }
    }
  });
  if (found.length === 0) return { status: 'impossible', changes: [], reasons };
  found.sort((x, y) => x.size - y.size || y.hop - x.hop);
  const best = found[0];
  return {
    status: 'cut', hop: best.hop, proof: best.proof, reasons: [],
    changes: best.changes.map(({ policyInfo: _p, original: _o, direction: _d, ...rest }) => rest),
  };
}

export type { AttackPath };
