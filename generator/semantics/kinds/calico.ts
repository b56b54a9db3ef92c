/**
 * Calico NetworkPolicy and GlobalNetworkPolicy (projectcalico.org/v3) at L3/L4, compiled into
 * the engine's form. From Calico's documentation (NetworkPolicy, GlobalNetworkPolicy, Tier,
 * "Get started with policy tiers"):
 * - tiers are evaluated by their `order` (lowest first; no order: last; ties by name), the
 *   policies of a tier by `order` (no order: last; ties by name), rules in order;
 * - a tier applies to an endpoint when one of its policies selects it for the direction (the
 *   policy's `types`); the first matching rule decides: Allow and Deny end the evaluation, Pass
 *   skips to the next tier that applies, Log goes on to the next rule; an endpoint a tier
 *   applies to and no rule matched gets the tier's end-of-tier action (Deny; or Pass if the
 *   Tier's `defaultAction` says so);
 * - Kubernetes NetworkPolicies are Calico policies of the `default` tier at order 1000 (each an
 *   Allow rule list); an endpoint no tier applies to (or passed out of the last tier) goes on
 *   (to the Baseline tier, then Calico's profile, which allows);
 * - a rule's `source` and `destination` each match when every field given matches: `selector`
 *   (in a namespaced policy only endpoints of its namespace, unless `namespaceSelector` says
 *   which), `notSelector`, `namespaceSelector`, `serviceAccounts`, `nets`, `notNets`;
 *   destination `ports`/`notPorts` (numbers, ranges, names) with the rule's `protocol`;
 * - endpoints carry Calico's labels: the pod's own, `projectcalico.org/namespace`,
 *   `projectcalico.org/orchestrator`, `projectcalico.org/serviceaccount` and the namespace's
 *   labels prefixed `pcns.`; namespace selectors see the namespace's labels and
 *   `projectcalico.org/name`; service account selectors see `projectcalico.org/name` (a
 *   snapshot has no ServiceAccount labels).
 * - a `selector` also matches the addresses of the NetworkSets and GlobalNetworkSets it selects
 *   (Calico puts their CIDRs in the rule's IP set, so a pod address inside one matches too).
 * Addresses outside the cluster's pods (and node addresses) are not endpoints: only `nets`,
 * `notNets`, network sets and empty entities match them.
 */
import type { Labels } from '../../model/labels.ts';
import { namespaceLabels } from '../../selectors/index.ts';
import {
  CALICO_DEFAULT_TIER_ORDER,
  CALICO_K8S_POLICY_ORDER,
  calicoPolicyTypes,
  type CalicoEntityRule,
  type CalicoNetworkSetInfo,
  type CalicoPolicyInfo,
  type CalicoRule,
  type CalicoTierInfo,
} from '../../model/policy.ts';
import { blockMatches, compileBlock, selectable, type CompiledBlock, type CompiledNetworkPolicy, type CompiledPeer, type CompiledRule, type Endpoint, type RuleCompiler } from '../compile.ts';
import { parseIpv4Cidr, type Ipv4Range } from '../cidr.ts';
import { ConnectionSet } from '../ports.ts';
import type { Direction, PolicySnapshot } from '../types.ts';
import { matchesCalicoSelector, parseCalicoSelector, type CalicoSelector } from './calico-selector.ts';

export const CALICO_NAMESPACE_LABEL = 'projectcalico.org/namespace';
export const CALICO_ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const CALICO_SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
export const CALICO_NAME_LABEL = 'projectcalico.org/name';
export const CALICO_NAMESPACE_LABELS_PREFIX = 'pcns.';

const endpointLabelCache = new WeakMap<Endpoint, Labels>();
const namespaceLabelCache = new WeakMap<Endpoint, Labels>();

/** The labels Calico's selectors see on a pod endpoint. */
export function calicoEndpointLabels(ep: Endpoint): Labels {
  let out = endpointLabelCache.get(ep);
  if (!out) {
    const l: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.nsLabels)) l[`${CALICO_NAMESPACE_LABELS_PREFIX}${k}`] = v;
    Object.assign(l, ep.labels);
    l[CALICO_NAMESPACE_LABEL] = ep.namespace ?? '';
    l[CALICO_ORCHESTRATOR_LABEL] = 'k8s';
    l[CALICO_SERVICE_ACCOUNT_LABEL] = ep.serviceAccount ?? 'default';
    endpointLabelCache.set(ep, (out = l));
  }
  return out;
}

/** The labels Calico's namespace selectors see for a pod endpoint's namespace. */
export function calicoNamespaceLabels(ep: Endpoint): Labels {
  let out = namespaceLabelCache.get(ep);
  if (!out) namespaceLabelCache.set(ep, (out = { ...ep.nsLabels, [CALICO_NAME_LABEL]: ep.namespace ?? '' }));
  return out;
}

export function calicoPolicyRef(p: CalicoPolicyInfo): string {
  return p.kind === 'CalicoNetworkPolicy' ? `${p.cluster}/${p.namespace}/${p.kind}/${p.name}` : `${p.cluster}/${p.kind}/${p.name}`;
}

/** A compiled rule and the condition its subject-side entity puts on the subject endpoint. */
export interface CalicoTierRule {
  readonly rule: CompiledRule;
  readonly subject: (ep: Endpoint) => boolean;
}

/** A Calico policy, or a Kubernetes NetworkPolicy read as one of the default tier. */
export interface CompiledCalicoPolicy {
  readonly ref: string;
  readonly kind: CalicoPolicyInfo['kind'] | 'NetworkPolicy';
  readonly name: string;
  readonly namespace?: string;
  readonly tier: string;
  /** Infinity when the policy has none. */
  readonly order: number;
  /** The name Calico sorts by on equal orders (`knp.default.<name>` for Kubernetes policies). */
  readonly sortName: string;
  readonly applies: Readonly<Record<Direction, boolean>>;
  readonly rules: Readonly<Record<Direction, readonly CalicoTierRule[]>>;
  selects(ep: Endpoint): boolean;
}

export interface CompiledCalicoTier {
  readonly name: string;
  readonly order: number;
  readonly endOfTier: 'Deny' | 'Pass';
}

/** Tiers of the snapshot by name (the `default` tier always), for one cluster. */
export function calicoTiers(tiers: readonly CalicoTierInfo[], cluster: string): Map<string, CompiledCalicoTier> {
  const out = new Map<string, CompiledCalicoTier>([['default', { name: 'default', order: CALICO_DEFAULT_TIER_ORDER, endOfTier: 'Deny' }]]);
  for (const t of tiers) {
    if (t.cluster !== cluster) continue;
    out.set(t.name, { name: t.name, order: t.order ?? Infinity, endOfTier: t.defaultAction ?? 'Deny' });
  }
  return out;
}

/** Policies in Calico's order within a tier. */
export function compareCalicoPolicies(a: Pick<CompiledCalicoPolicy, 'order' | 'sortName'>, b: Pick<CompiledCalicoPolicy, 'order' | 'sortName'>): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0;
}

const ALL_PROTOCOLS = ConnectionSet.ALL;
const NO_SETS: readonly CalicoNetworkSetInfo[] = [];
const EVERYTHING = parseCalicoSelector('all()');

/**
 * The IPv4 ranges a network set's entry cuts the map's external ranges at (none for IPv6); a
 * set's addresses match pod addresses too, so the map then tracks pod addresses (`onNets`).
 */
export function calicoNetCuts(net: string, onNets: () => void): Ipv4Range[] {
  onNets();
  const r = parseIpv4Cidr(net.includes('/') ? net : `${net}/32`);
  return r ? [r] : [];
}

/** A network set as rules match it: its labels, where it lives, its address blocks. */
interface CompiledNetworkSet {
  readonly namespace?: string;
  readonly labels: Labels;
  readonly blocks: readonly CompiledBlock[];
}

const networkSetCache = new WeakMap<readonly CalicoNetworkSetInfo[], Map<string, CompiledNetworkSet[]>>();

/** The network sets of each cluster, compiled once per snapshot. */
function networkSetsOf(sets: readonly CalicoNetworkSetInfo[], cluster: string): readonly CompiledNetworkSet[] {
  let byCluster = networkSetCache.get(sets);
  if (!byCluster) {
    byCluster = new Map();
    for (const s of sets) {
      let l = byCluster.get(s.cluster);
      if (!l) byCluster.set(s.cluster, (l = []));
      const blocks = s.nets.map((n) => compileBlock({ cidr: n.includes('/') ? n : `${n}/${n.includes(':') ? 128 : 32}` }));
      l.push({ ...(s.namespace !== undefined ? { namespace: s.namespace } : {}), labels: s.labels, blocks });
    }
    networkSetCache.set(sets, byCluster);
  }
  return byCluster.get(cluster) ?? [];
}

/**
 * The blocks of the network sets an entity's selector (or notSelector) reaches: in a namespaced
 * policy without namespaceSelector the NetworkSets of its namespace; with one, the NetworkSets
 * of the namespaces it selects (`global()`: the GlobalNetworkSets); in a GlobalNetworkPolicy
 * without one, every set. Undefined when no set is reached.
 */
function networkSetBlocks(
  sel: CalicoSelector, nsSel: CalicoSelector | undefined, policyNamespace: string | undefined,
  sets: readonly CompiledNetworkSet[], nsLabels: (namespace: string) => Labels,
): CompiledBlock[] | undefined {
  const out: CompiledBlock[] = [];
  for (const s of sets) {
    const global = s.namespace === undefined;
    const inScope = nsSel
      ? matchesCalicoSelector(nsSel, global ? {} : { ...nsLabels(s.namespace!), [CALICO_NAME_LABEL]: s.namespace! }, global)
      : policyNamespace === undefined || s.namespace === policyNamespace;
    if (inScope && matchesCalicoSelector(sel, s.labels, global)) out.push(...s.blocks);
  }
  return out.length > 0 ? out : undefined;
}

/** What an entity sees of the snapshot besides endpoints: its network sets and namespace labels. */
export interface CalicoContext {
  readonly networkSets: readonly CompiledNetworkSet[];
  readonly nsLabels: (namespace: string) => Labels;
}

/** Every non-port field of an entity, as a match on an endpoint (undefined: no condition). */
function entityMatcher(e: CalicoEntityRule | undefined, policyNamespace: string | undefined, cluster: string, context: CalicoContext): ((ep: Endpoint) => boolean) | undefined {
  if (!e) return undefined;
  const parse = (s: string | undefined): CalicoSelector | undefined => (s === undefined ? undefined : parseCalicoSelector(s));
  const sel = parse(e.selector);
  const notSel = parse(e.notSelector);
  const nsSel = parse(e.namespaceSelector);
  const saSel = parse(e.serviceAccounts?.selector);
  const saNames = e.serviceAccounts?.names;
  const nets = e.nets?.map((cidr) => compileBlock({ cidr }));
  const notNets = e.notNets?.map((cidr) => compileBlock({ cidr }));
  const needsEndpoint = sel !== undefined || nsSel !== undefined || e.serviceAccounts !== undefined;
  if (!needsEndpoint && !notSel && !nets && !notNets) return undefined;
  const inScope = (ep: Endpoint): boolean =>
    selectable(ep, cluster) && (nsSel ? matchesCalicoSelector(nsSel, calicoNamespaceLabels(ep)) : policyNamespace === undefined || ep.namespace === policyNamespace);
  // A selector also matches the addresses of the network sets it selects (never with serviceAccounts: sets have none).
  // `namespaceSelector` alone (e.g. `global()`) reaches every set of the namespaces it selects.
  const setSel = sel ?? (nsSel ? EVERYTHING : undefined);
  const setBlocks = setSel && !e.serviceAccounts ? networkSetBlocks(setSel, nsSel, policyNamespace, context.networkSets, context.nsLabels) : undefined;
  const notSetBlocks = notSel ? networkSetBlocks(notSel, nsSel, policyNamespace, context.networkSets, context.nsLabels) : undefined;
  return (ep) => {
    if (needsEndpoint) {
      const asEndpoint = (): boolean => {
        if (!inScope(ep)) return false;
        if (sel && !matchesCalicoSelector(sel, calicoEndpointLabels(ep))) return false;
        const sa = ep.serviceAccount ?? 'default';
        if (saNames && saNames.length > 0 && !saNames.includes(sa)) return false;
        if (saSel && !matchesCalicoSelector(saSel, { [CALICO_NAME_LABEL]: sa })) return false;
        return true;
      };
      if (!asEndpoint() && !(setBlocks && setBlocks.some((b) => blockMatches(b, ep)))) return false;
    }
    if (notSel && inScope(ep) && matchesCalicoSelector(notSel, calicoEndpointLabels(ep))) return false;
    if (notSetBlocks && notSetBlocks.some((b) => blockMatches(b, ep))) return false;
    if (nets && !nets.some((b) => blockMatches(b, ep))) return false;
    if (notNets && notNets.some((b) => blockMatches(b, ep))) return false;
    return true;
  };
}

function rulePortsOf(rule: CalicoRule): Pick<CompiledRule, 'fixedPorts' | 'namedPorts'> {
  if (rule.otherProtocol !== undefined) return { fixedPorts: ConnectionSet.NONE, namedPorts: [] };
  const proto = rule.protocol;
  const base = proto ? ConnectionSet.of(proto) : ALL_PROTOCOLS;
  const d = rule.destination;
  let fixed = base;
  const named: { name: string; protocol?: typeof proto }[] = [];
  if (proto && d?.ports) {
    fixed = ConnectionSet.NONE;
    for (const p of d.ports) {
      if ('name' in p) named.push({ name: p.name, protocol: proto });
      else fixed = fixed.union(ConnectionSet.of(proto, p.start, p.end));
    }
  }
  if (proto && d?.notPorts) {
    for (const p of d.notPorts) if (!('name' in p)) fixed = fixed.subtract(ConnectionSet.of(proto, p.start, p.end));
  }
  return { fixedPorts: fixed, namedPorts: named };
}

export function compileCalicoPolicy(p: CalicoPolicyInfo, compiler: RuleCompiler, snapshot: Pick<PolicySnapshot, 'calicoNetworkSets' | 'namespaces'> = { namespaces: [] }): CompiledCalicoPolicy {
  const ref = calicoPolicyRef(p);
  const cluster = p.cluster;
  const context: CalicoContext = {
    networkSets: networkSetsOf(snapshot.calicoNetworkSets ?? NO_SETS, cluster),
    nsLabels: (namespace) => namespaceLabels(namespace, snapshot.namespaces.find((n) => n.cluster === cluster && n.name === namespace)?.labels),
  };
  const build = (direction: Direction): CalicoTierRule[] =>
    p[direction].map((r, ruleIndex) => {
      const far = direction === 'ingress' ? r.source : r.destination;
      const near = direction === 'ingress' ? r.destination : r.source;
      const farMatch = entityMatcher(far, p.namespace, cluster, context);
      const nearMatch = entityMatcher(near, p.namespace, cluster, context);
      const peers: CompiledRule['peers'] = r.unsupported ? [] : farMatch ? [{ scope: { kind: 'all' }, match: farMatch } satisfies CompiledPeer] : 'all';
      const rule = compiler.add(
        {
          policy: ref, tier: 'NetworkPolicy', kind: p.kind, name: p.name, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
          calicoTier: p.tier, ...(p.order !== undefined ? { order: p.order } : {}), direction, ruleIndex, action: r.action,
        },
        peers,
        rulePortsOf(r),
      );
      return { rule, subject: nearMatch ?? (() => true) };
    });
  const sel = parseCalicoSelector(p.selector);
  const nsSel = p.namespaceSelector !== undefined ? parseCalicoSelector(p.namespaceSelector) : undefined;
  const saSel = p.serviceAccountSelector !== undefined ? parseCalicoSelector(p.serviceAccountSelector) : undefined;
  return {
    ref,
    kind: p.kind,
    name: p.name,
    ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
    tier: p.tier,
    order: p.order ?? Infinity,
    sortName: p.name,
    applies: calicoPolicyTypes(p),
    rules: { ingress: build('ingress'), egress: build('egress') },
    selects: (ep) =>
      !p.hostEndpointsOnly &&
      selectable(ep, cluster) &&
      (p.namespace === undefined || ep.namespace === p.namespace) &&
      (!nsSel || matchesCalicoSelector(nsSel, calicoNamespaceLabels(ep))) &&
      (!saSel || matchesCalicoSelector(saSel, { [CALICO_NAME_LABEL]: ep.serviceAccount ?? 'default' })) &&
      matchesCalicoSelector(sel, calicoEndpointLabels(ep)),
  };
}

/** A Kubernetes NetworkPolicy as Calico runs it: a policy of the default tier at order 1000. */
export function kubernetesPolicyInCalico(n: CompiledNetworkPolicy): CompiledCalicoPolicy {
  const all = (): boolean => true;
  return {
    ref: n.ref,
    kind: 'NetworkPolicy',
    name: n.info.name,
    namespace: n.info.namespace,
    tier: 'default',
    order: CALICO_K8S_POLICY_ORDER,
    sortName: `knp.default.${n.info.name}`,
    applies: n.isolates,
    rules: { ingress: n.rules.ingress.map((rule) => ({ rule, subject: all })), egress: n.rules.egress.map((rule) => ({ rule, subject: all })) },
    selects: n.selects,
  };
}
