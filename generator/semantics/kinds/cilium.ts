/**
 * CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2) at L3/L4, compiled into
 * the engine's form. From Cilium's documentation (Policy Enforcement Modes, Layer 3/4 policies,
 * Deny policies):
 * - a spec selects pods by `endpointSelector` (a CiliumNetworkPolicy only in its namespace);
 * - a pod enters default deny in a direction when a selecting spec has rules for it (allow or
 *   deny), unless `enableDefaultDeny` says otherwise; any one spec asking is enough;
 * - allow rules add up with NetworkPolicy's; deny rules win over every allow, whatever the kind;
 * - a rule's L3 part (endpoints, entities, CIDRs) and L4 part (toPorts) must both match; a rule
 *   with ports only matches every peer on them, a rule with neither matches nothing;
 * - CIDR peers match addresses outside the cluster's endpoints (not pods, not nodes);
 * - selector keys may carry the `k8s:`/`any:` source prefixes, and pods carry Cilium's identity
 *   labels (namespace, service account, cluster, namespace labels);
 * - the `host` entity is the subject's own node (its addresses, its hostNetwork pods),
 *   `remote-node` the cluster's other nodes.
 * What is not decidable from a snapshot (toServices, kube-apiserver, L7, toFQDNs without DNS
 * answers from flows) is reported by validation and matches no peer here (L7 rules allow their
 * L4 ports: the proxy decides further). toFQDNs with answers (cilium-fqdn.ts) match the
 * addresses seen.
 */
import type { PodInfo, Protocol } from '../../model/inventory.ts';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL, CILIUM_SERVICE_ACCOUNT_LABEL, type LabelSelector, type Labels } from '../../model/labels.ts';
import type { CiliumNetworkPolicyInfo, CiliumPolicySpec, CiliumPortRule, CiliumRule, IPBlock } from '../../model/policy.ts';
import { matchesSelector } from '../../selectors/index.ts';
import { blockMatches, compileBlock, selectable, type CompiledPeer, type CompiledRule, type Endpoint, type RuleCompiler } from '../compile.ts';
import { ConnectionSet } from '../ports.ts';
import type { Direction, PolicySnapshot } from '../types.ts';

export const CILIUM_NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

/** The labels Cilium gives a pod's identity: its own, plus namespace, service account, cluster, namespace labels. */
export function ciliumIdentityLabels(pod: PodInfo, nsLabels: Labels): Labels {
  const out: Record<string, string> = { ...pod.labels };
  for (const [k, v] of Object.entries(nsLabels)) out[`${CILIUM_NAMESPACE_LABELS_PREFIX}${k}`] = v;
  out[CILIUM_NAMESPACE_LABEL] = pod.namespace;
  out[CILIUM_SERVICE_ACCOUNT_LABEL] = pod.serviceAccount ?? 'default';
  out[CILIUM_CLUSTER_LABEL] = pod.cluster;
  return out;
}

/** `k8s:app` and `any:app` select the Kubernetes label `app`; other sources (reserved:, container:) match no pod label. */
export function stripSource(key: string): string {
  return key.startsWith('k8s:') ? key.slice(4) : key.startsWith('any:') ? key.slice(4) : key;
}

export function ciliumSelector(sel: LabelSelector): LabelSelector {
  return {
    ...(sel.matchLabels ? { matchLabels: Object.fromEntries(Object.entries(sel.matchLabels).map(([k, v]) => [stripSource(k), v])) } : {}),
    ...(sel.matchExpressions ? { matchExpressions: sel.matchExpressions.map((e) => ({ ...e, key: stripSource(e.key) })) } : {}),
  };
}

function mentionsNamespace(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).some((k) => stripSource(k) === CILIUM_NAMESPACE_LABEL) ||
    (sel.matchExpressions ?? []).some((e) => stripSource(e.key) === CILIUM_NAMESPACE_LABEL);
}

/**
 * Entities matched on what a snapshot knows; the rest (kube-apiserver, health, ...) match nothing.
 * `host` is the subject's own node (its addresses and hostNetwork pods), `remote-node` every
 * other node of the cluster: `subjectNode` is the node of the pods the rule is compiled for,
 * undefined when that is not known (a pod from a manifest), where both read as any node.
 */
function entityMatches(entity: string, ep: Endpoint, cluster: string, subjectNode: string | undefined): boolean {
  const nodeTraffic = (ep.kind === 'ip' && !!ep.nodeName) || (ep.kind === 'pod' && ep.hostNetwork);
  const world = ep.kind === 'ip' && !ep.nodeName;
  switch (entity) {
    case 'all':
      return true;
    case 'world':
      return world;
    case 'world-ipv4':
      return world && ep.v4.length > 0;
    case 'world-ipv6':
      return world && ep.v6.length > 0;
    case 'cluster':
      return (ep.kind === 'pod' || nodeTraffic) && ep.cluster === cluster;
    case 'host':
      return nodeTraffic && ep.cluster === cluster && (subjectNode === undefined || ep.nodeName === subjectNode);
    case 'remote-node':
      return nodeTraffic && ep.cluster === cluster && (subjectNode === undefined || ep.nodeName !== subjectNode);
    default:
      return false;
  }
}

/** Node traffic: a node's address, or a hostNetwork pod (read as node traffic). */
const isNodeEndpoint = (ep: Endpoint): boolean => (ep.kind === 'ip' && !!ep.nodeName) || (ep.kind === 'pod' && ep.hostNetwork);

/** Whether a host firewall spec of the cluster selects this node endpoint (it is then a policy subject). */
export function hostFirewallSelects(cluster: readonly CompiledCiliumSpec[] | undefined, ep: Endpoint): boolean {
  if (!cluster || !isNodeEndpoint(ep)) return false;
  for (const c of cluster) if (c.host && c.selects(ep)) return true;
  return false;
}

/** Whether a spec's rules name `host` or `remote-node`, whose meaning depends on the subject's node. */
function namesNodeEntities(spec: CiliumPolicySpec): boolean {
  return [spec.ingress, spec.egress, spec.ingressDeny, spec.egressDeny].some((rules) =>
    (rules ?? []).some((r) => (r.entities ?? []).some((e) => e === 'host' || e === 'remote-node')));
}

type NodeSource = Pick<PolicySnapshot, 'pods' | 'nodes'>;
const nodeLabelsCache = new WeakMap<NodeSource, (cluster: string, node: string | undefined) => Labels>();

/** A node's labels by cluster and name (none for a node without a Node object); once per snapshot. */
function nodeLabelsOf(snapshot: NodeSource): (cluster: string, node: string | undefined) => Labels {
  let known = nodeLabelsCache.get(snapshot);
  if (!known) {
    const byName = new Map((snapshot.nodes ?? []).map((n) => [`${n.cluster}/${n.name}`, n.labels]));
    nodeLabelsCache.set(snapshot, (known = (cluster, node) => (node === undefined ? {} : byName.get(`${cluster}/${node}`) ?? {})));
  }
  return known;
}
const nodeNamesCache = new WeakMap<NodeSource, (cluster: string) => readonly string[]>();

/** The node names of each cluster (from Node objects and pods' spec.nodeName), sorted; once per snapshot. */
export function clusterNodeNames(snapshot: NodeSource): (cluster: string) => readonly string[] {
  let known = nodeNamesCache.get(snapshot);
  if (!known) nodeNamesCache.set(snapshot, (known = collectNodeNames(snapshot)));
  return known;
}

function collectNodeNames(snapshot: NodeSource): (cluster: string) => readonly string[] {
  const byCluster = new Map<string, Set<string>>();
  const add = (cluster: string, name: string | undefined): void => {
    if (name === undefined) return;
    let s = byCluster.get(cluster);
    if (!s) byCluster.set(cluster, (s = new Set()));
    s.add(name);
  };
  for (const n of snapshot.nodes ?? []) add(n.cluster, n.name);
  for (const p of snapshot.pods) add(p.cluster, p.nodeName);
  const sorted = new Map([...byCluster].map(([c, s]) => [c, [...s].sort()]));
  return (cluster) => sorted.get(cluster) ?? [];
}

export interface CompiledCiliumSpec {
  readonly info: CiliumNetworkPolicyInfo;
  readonly ref: string;
  /** A host firewall spec (`nodeSelector`): its subjects are node addresses and hostNetwork pods. */
  readonly host?: boolean;
  readonly defaultDeny: Readonly<Record<Direction, boolean>>;
  readonly allow: Readonly<Record<Direction, readonly CompiledRule[]>>;
  readonly deny: Readonly<Record<Direction, readonly CompiledRule[]>>;
  selects(ep: Endpoint): boolean;
}

export function ciliumPolicyRef(p: CiliumNetworkPolicyInfo): string {
  return p.kind === 'CiliumNetworkPolicy' ? `${p.cluster}/${p.namespace}/${p.kind}/${p.name}` : `${p.cluster}/${p.kind}/${p.name}`;
}

const ANY: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

function compilePorts(toPorts: readonly CiliumPortRule[] | undefined): Pick<CompiledRule, 'fixedPorts' | 'namedPorts'> {
  if (!toPorts || toPorts.length === 0) return { fixedPorts: ConnectionSet.ALL, namedPorts: [] };
  let fixed = ConnectionSet.NONE;
  const named: { name: string; protocol?: Protocol }[] = [];
  for (const pr of toPorts) {
    if (!pr.ports || pr.ports.length === 0) return { fixedPorts: ConnectionSet.ALL, namedPorts: [] };
    for (const p of pr.ports) {
      const protocols = p.protocol === undefined || p.protocol === 'ANY' ? ANY : [p.protocol];
      if (typeof p.port === 'string') {
        if (protocols.length === 1) named.push({ name: p.port, protocol: protocols[0] });
        else named.push({ name: p.port });
        continue;
      }
      for (const proto of protocols) {
        fixed = fixed.union(p.port === undefined ? ConnectionSet.of(proto) : ConnectionSet.of(proto, p.port, p.endPort ?? p.port));
      }
    }
  }
  return { fixedPorts: fixed, namedPorts: named };
}

/**
 * The namespaces a selector can only match in, from its namespace identity labels (matchLabels
 * on io.kubernetes.pod.namespace or io.cilium.k8s.namespace.labels.*), as a namespace selector:
 * a lookup hint for the map, so a rule naming namespaces is not tested against every pod.
 */
function namespaceScope(sel: LabelSelector): LabelSelector | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (k === CILIUM_NAMESPACE_LABEL) out['kubernetes.io/metadata.name'] = v;
    else if (k.startsWith(CILIUM_NAMESPACE_LABELS_PREFIX)) out[k.slice(CILIUM_NAMESPACE_LABELS_PREFIX.length)] = v;
  }
  return Object.keys(out).length > 0 ? { matchLabels: out } : undefined;
}

function compilePeers(rule: CiliumRule, p: CiliumNetworkPolicyInfo, subjectNode: string | undefined): CompiledRule['peers'] {
  const cluster = p.cluster;
  const peers: CompiledPeer[] = [];
  for (const raw of rule.endpoints ?? []) {
    const sel = ciliumSelector(raw);
    const ns = p.kind === 'CiliumNetworkPolicy' && !mentionsNamespace(raw) ? p.namespace : undefined;
    const nsScope = namespaceScope(sel);
    peers.push(ns !== undefined
      ? { scope: { kind: 'namespace', cluster, namespace: ns }, match: (ep) => selectable(ep, cluster) && ep.namespace === ns && matchesSelector(sel, ep.labels) }
      : { scope: nsScope ? { kind: 'namespaces', cluster, selector: nsScope } : { kind: 'all' }, match: (ep) => selectable(ep, cluster) && matchesSelector(sel, ep.labels) });
  }
  for (const entity of rule.entities ?? []) {
    const scope = entity === 'host' || entity === 'remote-node' ? { kind: 'nodes' as const } : entity === 'world' || entity.startsWith('world-') ? { kind: 'addresses' as const } : { kind: 'all' as const };
    peers.push({ scope, match: (ep) => entityMatches(entity, ep, cluster, subjectNode) });
  }
  for (const block of ciliumRuleBlocks(rule)) {
    const b = compileBlock(block);
    peers.push({ scope: { kind: 'addresses' }, match: (ep) => ep.kind === 'ip' && !ep.nodeName && blockMatches(b, ep) });
  }
  const l3 = (rule.endpoints?.length ?? 0) + (rule.entities?.length ?? 0) + (rule.cidrs?.length ?? 0) + (rule.fqdns?.length ?? 0) + (rule.unsupported?.length ?? 0);
  if (l3 > 0) return peers; // unresolved FQDN and unevaluated peers add nothing: they match no endpoint here
  return rule.toPorts && rule.toPorts.length > 0 ? 'all' : []; // ports only: every peer; nothing at all: no peer
}

/**
 * The address blocks a rule's L3 part matches: its CIDRs, and the addresses its toFQDNs names
 * were seen to resolve to (as Cilium allows them: outside addresses, like a CIDR). The map cuts
 * its external ranges at these.
 */
export function ciliumRuleBlocks(rule: CiliumRule): IPBlock[] {
  const out: IPBlock[] = [...(rule.cidrs ?? [])];
  for (const a of rule.fqdnAddresses ?? []) out.push({ cidr: a.includes(':') ? `${a}/128` : `${a}/32` });
  return out;
}

function hasRules(spec: CiliumPolicySpec, direction: Direction): boolean {
  const allow = direction === 'ingress' ? spec.ingress : spec.egress;
  const deny = direction === 'ingress' ? spec.ingressDeny : spec.egressDeny;
  return (allow?.length ?? 0) + (deny?.length ?? 0) > 0;
}

/**
 * One compiled unit per `spec`/`specs[i]`: an endpointSelector spec selects pods; a
 * nodeSelector spec of a CiliumClusterwideNetworkPolicy (host firewall) selects the node
 * addresses and hostNetwork pods of the nodes it matches. A spec naming `host` or `remote-node` compiles once per node of the cluster
 * (from the snapshot's nodes and pods), each unit selecting the pods of that node, plus one for
 * pods whose node is not known; so one rule reads as the subject's own node or the others, as
 * Cilium enforces it on each node.
 */
export function compileCiliumPolicy(p: CiliumNetworkPolicyInfo, compiler: RuleCompiler, snapshot: NodeSource = { pods: [] }): CompiledCiliumSpec[] {
  const ref = ciliumPolicyRef(p);
  const out: CompiledCiliumSpec[] = [];
  p.specs.forEach((spec, si) => {
    const host = !spec.endpointSelector && !!spec.nodeSelector && p.kind === 'CiliumClusterwideNetworkPolicy';
    if (!spec.endpointSelector && !host) return;
    const where = p.specs.length > 1 || si > 0 ? `specs[${si}]` : 'spec';
    const namespace = p.kind === 'CiliumNetworkPolicy' ? p.namespace : undefined;
    let selects: (ep: Endpoint) => boolean;
    if (host) {
      // Host firewall: the nodes whose labels the nodeSelector matches (node labels as written, no source prefix needed).
      const nodeSel = ciliumSelector(spec.nodeSelector!);
      const labelsOf = nodeLabelsOf(snapshot);
      selects = (ep) => isNodeEndpoint(ep) && ep.cluster === p.cluster && matchesSelector(nodeSel, labelsOf(p.cluster, ep.nodeName));
    } else {
      const sel = ciliumSelector(spec.endpointSelector!);
      selects = (ep) => selectable(ep, p.cluster) && (namespace === undefined || ep.namespace === namespace) && matchesSelector(sel, ep.labels);
    }
    const unit = (subjectNode: string | undefined, onNode: (ep: Endpoint) => boolean): CompiledCiliumSpec => {
      const build = (direction: Direction, deny: boolean): CompiledRule[] => {
        const field = `${direction}${deny ? 'Deny' : ''}` as const;
        return (spec[field as keyof CiliumPolicySpec] as readonly CiliumRule[] | undefined ?? []).map((rule, ruleIndex) =>
          compiler.add(
            {
              policy: ref, tier: 'NetworkPolicy', kind: p.kind, name: p.name, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
              direction, ruleIndex, ruleName: `${where}.${field}[${ruleIndex}]`, action: deny ? 'Deny' : 'Allow',
            },
            compilePeers(rule, p, subjectNode),
            compilePorts(rule.toPorts),
          ),
        );
      };
      return {
        info: p,
        ref,
        defaultDeny: {
          ingress: spec.enableDefaultDeny?.ingress ?? hasRules(spec, 'ingress'),
          egress: spec.enableDefaultDeny?.egress ?? hasRules(spec, 'egress'),
        },
        allow: { ingress: build('ingress', false), egress: build('egress', false) },
        deny: { ingress: build('ingress', true), egress: build('egress', true) },
        selects: (ep) => onNode(ep) && selects(ep),
        ...(host ? { host } : {}),
      };
    };
    if (!namesNodeEntities(spec)) {
      out.push(unit(undefined, () => true));
      return;
    }
    const nodes = clusterNodeNames(snapshot)(p.cluster);
    const known = new Set(nodes);
    for (const n of nodes) out.push(unit(n, (ep) => ep.nodeName === n));
    out.push(unit(undefined, (ep) => ep.nodeName === undefined || !known.has(ep.nodeName)));
  });
  return out;
}
