/**
 * synthesizePolicies: least-privilege policies from observed edges. One plan per subject
 * workload (ingress from what reached it, egress to what it reached, exact ports), rendered as
 * NetworkPolicy or CiliumNetworkPolicy, plus the NetworkPolicy form the proof evaluates.
 * Pure and deterministic: same input, same output. The inventory's indexes are in context.ts,
 * how one edge becomes a rule in edge-rules.ts.
 *
 * Over 450 lines: synthesizePolicies is one pass whose phases (edges, coverage, baseline rules,
 * names, rendering) all read and write the same table of subjects; split, each phase would take
 * that table and a dozen of the run's options as arguments.
 */
import type { FlowEdge } from '../model/graph.ts';
import { parseKey, type ParsedKey } from '../model/keys.ts';
import type { NetworkPolicyInfo } from '../model/policy.ts';
import { parseIpv4Cidr } from '../semantics/cidr.ts';
import { renderCilium, renderNetworkPolicy, renderNetworkPolicyInfo, renderDefaultDeny, defaultDenyInfo, staged, type DnsTarget } from './render.ts';
import { SYSTEM_NAMESPACES } from './types.ts';
import type { BaselineEntry, BaselineRule, ClusterCoverage, Evidence, GeneratedPolicy, LeftOut, PlannedPeer, PlannedRule, PortSpec, SkippedSubject, SubjectPlan, SynthesisInput, SynthesisOptions, SynthesisResult } from './types.ts';
import { environmentOf, resolveEnvironments, type EnvironmentOf } from '../diff/environment.ts';
import { suggestedLabel, type WorkloadEntry } from './workloads.ts';
import { cmp, isClusterDns, synthesisContext, WORLD } from './context.ts';
import { aggregateCidr, allowedCount, CONVENTIONAL_DNS_SELECTOR, DNS_PORTS, edgeId, EXPRESSIBLE, hostCidr, inScope, isLinkLocal, isWorkloadLevel, numeric, portId, portSpecsOf } from './edge-rules.ts';
export { allowedCount, edgeId } from './edge-rules.ts';
export { isClusterDns, synthesisContext, type DataPlane, type Exposure, type SynthesisContext, type WebhookBackend } from './context.ts';

interface Allowance {
  peer: PlannedPeer;
  ports: Map<string, PortSpec>;
}

interface SubjectWork {
  entry: WorkloadEntry;
  ingress: Map<string, Allowance>;
  egress: Map<string, Allowance>;
  evidence: { flows: number; edges: number; firstSeen?: number; lastSeen?: number };
  fqdns: Map<string, Set<string>>;
}


export function synthesizePolicies(input: SynthesisInput, options: SynthesisOptions = {}): SynthesisResult {
  const o = options;
  const ctx = synthesisContext(input.inventory);
  const { index } = ctx;
  const minCount = o.minCount ?? 1;
  const leftOut: LeftOut[] = [];
  const notes = new Set<string>();
  const skipped: SkippedSubject[] = [];
  /** The peer for external address `ip` (its CIDR after --aggregate-prefix, the FQDNs DNS gave it) in `owner`'s policy. */
  const externalPeer = (ip: string, owner: string): Extract<PlannedPeer, { kind: 'cidr' }> => {
    const cidr = aggregateCidr(ip, o.aggregatePrefix);
    if (cidr !== hostCidr(ip)) notes.add(`${owner}: ${ip} aggregated to ${cidr} (--aggregate-prefix)`);
    return { kind: 'cidr', id: `cidr:${cidr}`, what: 'external', cidrs: [cidr], fqdns: [...(input.fqdns?.[ip] ?? [])].sort() };
  };

  const direction = o.direction ?? 'both';
  const policyTypes: ('Ingress' | 'Egress')[] = direction === 'both' ? ['Ingress', 'Egress'] : direction === 'ingress' ? ['Ingress'] : ['Egress'];
  const isolatesIngress = direction !== 'egress';
  const isolatesEgress = direction !== 'ingress';
  const baselineOn = (r: BaselineRule): boolean => !(o.withoutBaseline ?? []).includes(r);
  const includeSystem = !!o.includeSystem || (o.namespace !== undefined && SYSTEM_NAMESPACES.includes(o.namespace));
  const leftAlone = (namespace: string): boolean => !includeSystem && SYSTEM_NAMESPACES.includes(namespace);
  /** Workloads asked for by key: covered even when quiet or in a system namespace (an explicit ask). */
  const named = new Set((o.workloads ?? []).filter((k) => k.startsWith('wl:')));
  const shortSeenMs = o.shortSeenMs ?? 3_600_000;
  const baseline: BaselineEntry[] = [];

  // Subjects in scope.
  const work = new Map<string, SubjectWork>();
  const scope: string[] = [];
  let systemLeftAlone = 0;
  for (const e of [...index.byKey.values()].sort((a, b) => cmp(a.key, b.key))) {
    if (!inScope(e, o)) continue;
    if (leftAlone(e.namespace) && !named.has(e.key)) {
      systemLeftAlone++;
      continue;
    }
    if (e.hostNetwork) {
      skipped.push({ key: e.key, reason: 'host-network', detail: `${e.key}: its pods use the host network, which NetworkPolicy does not apply to` });
      continue;
    }
    if (!e.selector) {
      skipped.push({
        key: e.key, reason: 'no-stable-selector', suggestedLabel: suggestedLabel(e),
        detail: `${e.key}: no selector isolates it (${e.selectorProblem}); add a label such as ${Object.entries(suggestedLabel(e)).map(([k, v]) => `${k}=${v}`).join(',')} to its pod template`,
      });
      continue;
    }
    scope.push(e.key);
    work.set(e.key, { entry: e, ingress: new Map(), egress: new Map(), evidence: { flows: 0, edges: 0 }, fqdns: new Map() });
  }

  const allow = (subject: SubjectWork, dir: 'ingress' | 'egress', peer: PlannedPeer, ports: readonly PortSpec[]): void => {
    const m = subject[dir];
    let a = m.get(peer.id);
    if (!a) m.set(peer.id, (a = { peer, ports: new Map() }));
    for (const p of ports) a.ports.set(portId(p), p);
  };
  /** Evidence: every observed allowed edge of the subject, with or without a rule. */
  const witness = (subject: SubjectWork | undefined, edge: FlowEdge, n: number): void => {
    if (!subject) return;
    const ev = subject.evidence;
    ev.flows += n;
    ev.edges++;
    ev.firstSeen = ev.firstSeen === undefined ? edge.firstSeen : Math.min(ev.firstSeen, edge.firstSeen);
    ev.lastSeen = ev.lastSeen === undefined ? edge.lastSeen : Math.max(ev.lastSeen, edge.lastSeen);
  };

  /** How a workload looks as a peer of a subject in `cluster` (one object per workload and cluster). */
  const peerMemo = new Map<WorkloadEntry, Map<string, PlannedPeer | string>>();
  const workloadPeer = (w: WorkloadEntry, subjectCluster: string): PlannedPeer | string => {
    let m = peerMemo.get(w);
    if (!m) peerMemo.set(w, (m = new Map()));
    let peer = m.get(subjectCluster);
    if (peer === undefined) m.set(subjectCluster, (peer = makeWorkloadPeer(w, subjectCluster)));
    return peer;
  };
  const makeWorkloadPeer = (w: WorkloadEntry, subjectCluster: string): PlannedPeer | string => {
    if (w.cluster !== subjectCluster) {
      // Pod IPs change on every reschedule: a remote peer is its cluster's pod range, named in an annotation.
      const given = o.clusterCidrs?.[w.cluster];
      const cidrs = given ? [given] : ctx.podCidrs.get(w.cluster);
      if (!cidrs || cidrs.length === 0) return `no pod CIDR known for cluster ${w.cluster} (its nodes show no podCIDRs): give --cluster-cidr ${w.cluster}=CIDR`;
      return {
        kind: 'remote-workload', id: `remote:${w.key}`, key: w.key, cluster: w.cluster, namespace: w.namespace, selector: w.selector,
        cidrs, viaClusterCidr: true,
      };
    }
    if (w.hostNetwork) {
      const ips = [...new Set(w.pods.flatMap((p) => [...p.ips, ...p.hostIPs]))].sort();
      return { kind: 'cidr', id: `cidr:${ips.join(',')}`, what: 'node', cidrs: ips.map(hostCidr), fqdns: [], entity: 'host' };
    }
    if (!w.selector) return `no selector isolates ${w.key} (${w.selectorProblem}); add a label such as app.kubernetes.io/name=${w.name}`;
    return { kind: 'workload', id: `wl:${w.key}`, key: w.key, cluster: w.cluster, namespace: w.namespace, selector: w.selector };
  };

  if (systemLeftAlone > 0) notes.add(`${systemLeftAlone} workload(s) of system namespaces (${SYSTEM_NAMESPACES.join(', ')}) left alone (--include-system to cover them)`);
  // Namespaces a default-deny isolates: every workload of them, subject or not, is checked by the proof.
  const denyNamespaces = new Set<string>();
  if (o.defaultDeny) for (const e of index.byKey.values()) if (inScope(e, o) && !leftAlone(e.namespace)) denyNamespaces.add(`${e.cluster}/${e.namespace}`);
  const deniedByDefault = (k: ParsedKey): boolean => (k.kind === 'workload' || k.kind === 'pod') && denyNamespaces.has(`${k.cluster}/${k.namespace}`);

  // Cross-environment flows (dev into prod or finance) are a finding, not a need: never allowed silently.
  const env = resolveEnvironments(o.environments);
  const clusterLabels = new Map(input.inventory.clusters.map((c) => [c.name, c.labels]));
  const nsLabels = new Map(input.inventory.namespaces.map((n) => [`${n.cluster}/${n.name}`, n.labels]));
  const envMemo = new Map<string, EnvironmentOf>();
  const envOf = (key: string): EnvironmentOf => {
    let e = envMemo.get(key);
    if (!e) {
      let p: ParsedKey;
      try {
        p = parseKey(key);
      } catch {
        p = { kind: 'external', ip: key };
      }
      e = p.kind === 'external' || !('cluster' in p)
        ? {}
        : environmentOf(env, { name: p.cluster, labels: clusterLabels.get(p.cluster) }, 'namespace' in p ? { name: p.namespace, labels: nsLabels.get(`${p.cluster}/${p.namespace}`) } : undefined);
      envMemo.set(key, e);
    }
    return e;
  };
  const crossEnvironment = (s: string, d: string): string | undefined => {
    const se = envOf(s);
    if (se.tier !== 'lower') return undefined;
    const de = envOf(d);
    return de.tier === 'sensitive' ? `cross-environment: from a lower environment (${se.via}) into a sensitive one (${de.via}); --allow-cross-environment allows it` : undefined;
  };

  const allowedEdges: FlowEdge[] = [];
  const keyed = input.edges.filter(isWorkloadLevel).map((e) => ({ e, id: edgeId(e) }));
  keyed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  /** A workload key as parseKey reads it, from its index entry (no parsing per edge). */
  const parsedMemo = new Map<WorkloadEntry, ParsedKey>();
  const keyOf = (key: string, entry: WorkloadEntry | undefined): ParsedKey => {
    if (!entry) return parseKey(key);
    let p = parsedMemo.get(entry);
    if (!p) parsedMemo.set(entry, (p = parseKey(key)));
    return p;
  };
  for (const { e: edge, id } of keyed) {
    const src = index.byKey.get(edge.source);
    const dst = index.byKey.get(edge.destination);
    const sw = work.get(edge.source);
    const dw = work.get(edge.destination);
    if (!sw && !dw) {
      if (denyNamespaces.size > 0 && allowedCount(edge, o.includeDropped) >= minCount && EXPRESSIBLE.has(edge.protocol) && edge.port !== undefined
        && (deniedByDefault(keyOf(edge.source, src)) || deniedByDefault(keyOf(edge.destination, dst)))) {
        allowedEdges.push(edge);
      }
      continue;
    }
    const n = allowedCount(edge, o.includeDropped);
    const dropped = edge.verdicts.DROPPED ?? 0;
    if (n === 0) {
      leftOut.push({ edge: id, reason: dropped > 0 ? 'dropped' : 'min-count', detail: dropped > 0 ? `${dropped} DROPPED connection(s), none allowed: not allowed (use --include-dropped)` : 'no allowed connection' });
      continue;
    }
    if (dropped > 0 && !o.includeDropped) notes.add(`${id}: ${dropped} DROPPED connection(s) besides ${n} allowed ones`);
    if (n < minCount) {
      leftOut.push({ edge: id, reason: 'min-count', detail: `${n} connection(s) < --min-count ${minCount}` });
      continue;
    }
    if (o.since !== undefined && edge.lastSeen < o.since) {
      leftOut.push({ edge: id, reason: 'since', detail: `last seen ${new Date(edge.lastSeen).toISOString()}, before --since` });
      continue;
    }
    if (!EXPRESSIBLE.has(edge.protocol) || edge.port === undefined) {
      leftOut.push({ edge: id, reason: 'not-expressible', detail: `${edge.protocol}${edge.port === undefined ? ' without a port' : ''} cannot be written in a NetworkPolicy` });
      continue;
    }
    const flagged = o.exclude?.[id] ?? (o.allowCrossEnvironment ? undefined : crossEnvironment(edge.source, edge.destination));
    if (flagged !== undefined) {
      leftOut.push({ edge: id, reason: 'flagged', detail: `not allowed: ${flagged}` });
      continue;
    }
    const srcKey = keyOf(edge.source, src);
    const dstKey = keyOf(edge.destination, dst);
    const dns = isClusterDns(dst) || edge.service?.endsWith('/kube-system/kube-dns') === true;
    const ports = portSpecsOf(edge, dst, ctx, dns);
    // Observed allowed traffic the proof must find allowed, whether or not a rule could be written.
    allowedEdges.push(edge);
    witness(sw, edge, n);
    if (dw !== sw) witness(dw, edge, n);

    // Egress of the source.
    if (sw) {
      let peer: PlannedPeer | string | undefined;
      switch (dstKey.kind) {
        case 'workload':
          peer = dst ? workloadPeer(dst, sw.entry.cluster) : `${edge.destination} has no pods in the inventory`;
          break;
        case 'external': {
          const ip = dstKey.ip;
          if (isLinkLocal(ip) && edge.port === 53) {
            peer = { kind: 'cidr', id: `cidr:${hostCidr(ip)}`, what: 'nodelocal-dns', cidrs: [hostCidr(ip)], fqdns: [] };
          } else {
            const external = externalPeer(ip, sw.entry.key);
            peer = external;
            const cidr = external.cidrs[0];
            if (external.fqdns.length) {
              let s = sw.fqdns.get(cidr);
              if (!s) sw.fqdns.set(cidr, (s = new Set()));
              for (const f of external.fqdns) s.add(f);
            }
          }
          break;
        }
        case 'reserved':
          if (dstKey.identity === 'kube-apiserver') {
            const api = ctx.apiServer.get(dstKey.cluster);
            if (api && api.addresses.length) {
              const cidrs = api.addresses.map(hostCidr).sort();
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' };
            } else if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:kube-apiserver', entity: 'kube-apiserver' };
            else peer = `no endpoint of ${dstKey.cluster}/default/kubernetes in the inventory`;
          } else if (o.format === 'cilium' && (dstKey.identity === 'world' || dstKey.identity === 'remote-node' || dstKey.identity === 'host')) {
            peer = { kind: 'entity', id: `entity:${dstKey.identity}`, entity: dstKey.identity };
            if (dstKey.identity === 'world') notes.add(`${sw.entry.key}: egress to entity world (no address known for ${edge.destination})`);
          } else peer = `${edge.destination} is a reserved identity with no address`;
          break;
        case 'host': {
          const node = ctx.nodes.get(`${dstKey.cluster}/${dstKey.name}`);
          if (node && node.addresses.length) {
            const cidrs = [...node.addresses].sort().map(hostCidr);
            peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'node', cidrs, fqdns: [], entity: 'remote-node' };
            notes.add(`${sw.entry.key}: egress to node ${dstKey.name} as an ipBlock of its addresses`);
          } else peer = `node ${dstKey.cluster}/${dstKey.name} has no address in the inventory`;
          break;
        }
        default:
          peer = `${edge.destination} is an address no inventory object explains`;
      }
      if (typeof peer === 'string') {
        leftOut.push({ edge: id, reason: peer.includes('selector') ? 'no-stable-selector' : dstKey.kind === 'workload' ? 'unknown-peer' : 'unresolved', detail: `egress of ${sw.entry.key}: ${peer}` });
      } else {
        allow(sw, 'egress', peer, peer.kind === 'workload' ? ports : numeric(ports, edge));
      }
    }

    // Ingress of the destination.
    if (dw) {
      let peer: PlannedPeer | string | undefined;
      switch (srcKey.kind) {
        case 'workload':
          peer = src ? workloadPeer(src, dw.entry.cluster) : `${edge.source} has no pods in the inventory`;
          break;
        case 'external': {
          const exposure = baselineOn('exposed') ? ctx.exposed.get(dw.entry.key) : undefined;
          if (exposure && exposure.numbers.has(`${edge.protocol}/${edge.port}`)) {
            // An internet-facing Service: its clients are anyone, not the ones this window saw.
            leftOut.push({ edge: id, reason: 'exposed', detail: `${srcKey.ip} is a client of ${exposure.services.join(', ')}: covered by the exposed rule (${exposure.sources.join(', ')})` });
            peer = undefined;
          } else peer = externalPeer(srcKey.ip, dw.entry.key);
          break;
        }
        case 'host': {
          // A pod's own node is always allowed in: no rule. Another node needs its address.
          const ownNode = dw.entry.pods.some((p) => p.nodeName === srcKey.name && p.cluster === srcKey.cluster);
          if (ownNode) {
            if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:host', entity: 'host' };
            else {
              leftOut.push({ edge: id, reason: 'host-traffic', detail: `from ${srcKey.name}, the node of ${dw.entry.key}'s pod: always allowed, no rule written` });
              peer = undefined;
            }
          } else {
            const node = ctx.nodes.get(`${srcKey.cluster}/${srcKey.name}`);
            if (node && node.addresses.length) {
              const cidrs = [...node.addresses].sort().map(hostCidr);
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'node', cidrs, fqdns: [], entity: 'remote-node' };
              notes.add(`${dw.entry.key}: ingress from node ${srcKey.name} (not the pod's own) as an ipBlock of its addresses`);
            } else peer = `node ${srcKey.cluster}/${srcKey.name} has no address in the inventory`;
          }
          break;
        }
        case 'reserved':
          if (srcKey.identity === 'host') {
            if (o.format === 'cilium') peer = { kind: 'entity', id: 'entity:host', entity: 'host' };
            else {
              leftOut.push({ edge: id, reason: 'host-traffic', detail: `from the local node of ${dw.entry.key}: always allowed, no rule written` });
              peer = undefined;
            }
          } else if (srcKey.identity === 'kube-apiserver' && o.format !== 'cilium') {
            const api = ctx.apiServer.get(srcKey.cluster);
            if (api && api.addresses.length) {
              const cidrs = api.addresses.map(hostCidr).sort();
              peer = { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' };
            } else peer = `no endpoint of ${srcKey.cluster}/default/kubernetes in the inventory`;
          } else if (o.format === 'cilium' && (srcKey.identity === 'world' || srcKey.identity === 'remote-node' || srcKey.identity === 'kube-apiserver')) {
            peer = { kind: 'entity', id: `entity:${srcKey.identity}`, entity: srcKey.identity };
          } else peer = `${edge.source} is a reserved identity with no address`;
          break;
        default:
          peer = `${edge.source} is an address no inventory object explains`;
      }
      if (typeof peer === 'string') {
        leftOut.push({ edge: id, reason: peer.includes('selector') ? 'no-stable-selector' : srcKey.kind === 'workload' ? 'unknown-peer' : 'unresolved', detail: `ingress of ${dw.entry.key}: ${peer}` });
      } else if (peer) {
        allow(dw, 'ingress', peer, ports);
      }
    }
  }

  // Plans: peers grouped by identical port sets, so no peer gets a port it was not seen on.
  const toRules = (m: Map<string, Allowance>): PlannedRule[] => {
    const groups = new Map<string, { ports: PortSpec[]; peers: PlannedPeer[] }>();
    for (const a of [...m.values()].sort((x, y) => cmp(x.peer.id, y.peer.id))) {
      let ports: PortSpec[];
      let k: string;
      if (a.ports.size === 1) {
        const [[id, p]] = a.ports;
        ports = [p];
        k = id;
      } else {
        ports = [...a.ports.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, p]) => p);
        k = [...a.ports.keys()].sort().join(',');
      }
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { ports, peers: [] }));
      g.peers.push(a.peer);
    }
    // "Every pod of the cluster" subsumes the cluster's workloads on the same ports.
    for (const g of groups.values()) if (g.peers.some((p) => p.kind === 'any-pod')) g.peers = g.peers.filter((p) => p.kind !== 'workload');
    return [...groups.entries()].sort((x, y) => cmp(x[0], y[0])).map(([, g]) => ({ peers: g.peers, ports: g.ports }));
  };
  // Coverage: by default only workloads observed in the window get a policy; the rest are listed.
  const coverage = new Map<string, { firstSeen?: number; lastSeen?: number; neverSeen: string[]; shortSeen: { key: string; seenMs: number }[] }>();
  const coverageOf = (cluster: string) => {
    let c = coverage.get(cluster);
    if (!c) coverage.set(cluster, (c = { neverSeen: [], shortSeen: [] }));
    return c;
  };
  const observedScope: string[] = [];
  for (const key of scope) {
    const w = work.get(key)!;
    const c = coverageOf(w.entry.cluster);
    const ev = w.evidence;
    if (ev.edges === 0) {
      c.neverSeen.push(key);
      // A webhook backend in a default-deny namespace needs its own policy to stay reachable from the API server.
      const webhookInDeny = baselineOn('webhook') && isolatesIngress && ctx.webhooks.has(key) && denyNamespaces.has(`${w.entry.cluster}/${w.entry.namespace}`);
      if (webhookInDeny) notes.add(`${key}: no traffic observed, but it serves a webhook and its namespace gets a default deny: a policy admits the API server`);
      else if (!o.unobserved && !named.has(key)) continue;
    } else {
      c.firstSeen = c.firstSeen === undefined ? ev.firstSeen : Math.min(c.firstSeen, ev.firstSeen!);
      c.lastSeen = c.lastSeen === undefined ? ev.lastSeen : Math.max(c.lastSeen, ev.lastSeen!);
      const seenMs = ev.lastSeen! - ev.firstSeen!;
      if (seenMs < shortSeenMs) c.shortSeen.push({ key, seenMs });
    }
    observedScope.push(key);
  }
  scope.length = 0;
  scope.push(...observedScope);

  // Baseline rules: what a cluster needs whether or not this window showed it.
  const dnsTargetOf = (cluster: string): { peer: PlannedPeer; target: DnsTarget } => {
    const dnsW = ctx.clusterDns.get(cluster);
    if (dnsW?.selector) {
      return { peer: { kind: 'workload', id: `wl:${dnsW.key}`, key: dnsW.key, cluster, namespace: dnsW.namespace, selector: dnsW.selector }, target: { selector: dnsW.selector } };
    }
    notes.add(`${cluster}: no cluster DNS workload in the inventory; the DNS rule selects kube-system pods labelled k8s-app=kube-dns`);
    return {
      peer: { kind: 'workload', id: `wl:${cluster}/kube-system/dns`, key: `${cluster}/kube-system/k8s-app=kube-dns`, cluster, namespace: 'kube-system', selector: CONVENTIONAL_DNS_SELECTOR },
      target: { selector: CONVENTIONAL_DNS_SELECTOR },
    };
  };
  /**
   * The API server as the caller of a webhook: its endpoint addresses (Cilium: the
   * kube-apiserver entity); without them, any address, since a webhook the API server cannot
   * reach fails every request it reviews.
   */
  const apiServerCaller = (cluster: string): { peer: PlannedPeer; where: string } => {
    const api = ctx.apiServer.get(cluster);
    if (api && api.addresses.length) {
      const cidrs = api.addresses.map(hostCidr).sort();
      return { peer: { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' }, where: cidrs.join(',') };
    }
    return {
      peer: { kind: 'cidr', id: 'cidr:kube-apiserver-unknown', what: 'kube-apiserver', cidrs: WORLD, fqdns: [], entity: 'kube-apiserver' },
      where: `address unknown: no endpoint of ${cluster}/default/kubernetes in the inventory, so ${WORLD.join(', ')}${o.format === 'cilium' ? '; Cilium: the kube-apiserver entity' : ''}`,
    };
  };
  const add = (w: SubjectWork, dir: 'ingress' | 'egress', rule: BaselineRule, peer: PlannedPeer, ports: readonly PortSpec[], what: string, reason: string): void => {
    allow(w, dir, peer, ports);
    baseline.push({ rule, subject: w.entry.key, direction: dir, what, reason });
  };
  for (const key of scope) {
    const w = work.get(key)!;
    const e = w.entry;
    const isDns = ctx.clusterDns.get(e.cluster) === e;
    if (baselineOn('dns')) {
      if (isDns) {
        if (isolatesIngress) add(w, 'ingress', 'dns', { kind: 'any-pod', id: `any-pod:${e.cluster}`, cluster: e.cluster }, DNS_PORTS, 'every pod of the cluster on UDP/TCP 53', 'every pod resolves names through the cluster DNS, whether or not this window saw it');
        if (isolatesEgress) {
          add(w, 'egress', 'dns', { kind: 'cidr', id: 'cidr:world', what: 'dns-upstream', cidrs: WORLD, fqdns: [] }, DNS_PORTS, 'upstream resolvers (0.0.0.0/0, ::/0) on UDP/TCP 53', "its upstreams come from the nodes' resolv.conf, which the inventory does not show");
        }
      } else if (isolatesEgress) {
        const { peer } = dnsTargetOf(e.cluster);
        add(w, 'egress', 'dns', peer, DNS_PORTS, 'the cluster DNS on UDP/TCP 53', 'every pod resolves names through the cluster DNS, whether or not this window saw it');
      }
    }
    if (baselineOn('api-server') && isDns && isolatesEgress) {
      const api = ctx.apiServer.get(e.cluster);
      if (api && api.addresses.length) {
        const cidrs = api.addresses.map(hostCidr).sort();
        const ports = api.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
        if (ports.length) add(w, 'egress', 'api-server', { kind: 'cidr', id: `cidr:${cidrs.join(',')}`, what: 'kube-apiserver', cidrs, fqdns: [], entity: 'kube-apiserver' }, ports, `the API server ${cidrs.join(',')}`, 'the cluster DNS watches Services and EndpointSlices');
      }
    }
    if (baselineOn('api-server')) {
      for (const dir of ['egress', 'ingress'] as const) {
        for (const a of w[dir].values()) {
          if (a.peer.kind === 'cidr' && a.peer.what === 'kube-apiserver' && !baseline.some((b) => b.subject === key && b.rule === 'api-server' && b.direction === dir)) {
            baseline.push({
              rule: 'api-server', subject: key, direction: dir, what: `the API server ${a.peer.cidrs.join(',')} at its endpoint addresses`,
              reason: dir === 'egress' ? 'it called the API server (through the kubernetes Service)' : 'the API server called it (an admission or conversion webhook)',
            });
          }
        }
      }
    }
    const exposure = baselineOn('exposed') && isolatesIngress ? ctx.exposed.get(key) : undefined;
    if (exposure && exposure.ports.length) {
      add(w, 'ingress', 'exposed', { kind: 'cidr', id: `cidr:${exposure.sources.join(',')}`, what: 'world', cidrs: exposure.sources, fqdns: [] }, exposure.ports,
        `${exposure.sources.join(', ')} on ${exposure.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
        `exposed by ${exposure.services.join(', ')}: its clients are not the ones a window happened to see`);
    }
    for (const dp of exposure?.dataPlanes ?? []) {
      const peer = workloadPeer(index.byKey.get(dp.workload)!, e.cluster);
      if (typeof peer === 'string') notes.add(`${key}: the data plane ${dp.workload} of ${dp.via}: ${peer}; no rule written for it`);
      else {
        add(w, 'ingress', 'exposed', peer, dp.ports, `the Gateway's pods ${dp.workload} on ${dp.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
          `${dp.via} sends to it: the Gateway's own pods carry the traffic in, whether or not this window saw it`);
      }
    }
    if (baselineOn('webhook') && isolatesIngress) {
      for (const hook of ctx.webhooks.get(key) ?? []) {
        const { peer, where } = apiServerCaller(e.cluster);
        add(w, 'ingress', 'webhook', peer, hook.ports, `the API server (${where}) on ${hook.ports.map((p) => `${p.protocol} ${p.port}`).join(', ')}`,
          `${hook.webhook} calls it through ${hook.service}: admission or conversion fails (or is skipped) when the API server cannot reach it`);
      }
    }
  }
  if (baselineOn('webhook')) for (const p of ctx.webhookProblems) if (!o.cluster || p.cluster === o.cluster) notes.add(p.detail);
  if (baselineOn('exposed')) for (const p of ctx.exposedProblems) if (!o.cluster || p.cluster === o.cluster) notes.add(p.detail);

  const subjects: SubjectPlan[] = [];
  for (const key of scope) {
    const w = work.get(key)!;
    const e = w.entry;
    const ev: Evidence = { ...w.evidence };
    const fqdns: Record<string, string[]> = {};
    for (const k of [...w.fqdns.keys()].sort()) fqdns[k] = [...w.fqdns.get(k)!].sort();
    const ingress = isolatesIngress ? toRules(w.ingress) : [];
    const egress = isolatesEgress ? toRules(w.egress) : [];
    const remote = new Map<string, Set<string>>();
    for (const r of [...ingress, ...egress]) {
      for (const p of r.peers) {
        if (p.kind !== 'remote-workload') continue;
        for (const c of p.cidrs) {
          let set = remote.get(c);
          if (!set) remote.set(c, (set = new Set()));
          set.add(p.key);
        }
      }
    }
    const remotePeers: Record<string, string[]> = {};
    for (const c of [...remote.keys()].sort()) remotePeers[c] = [...remote.get(c)!].sort();
    subjects.push({
      key, cluster: e.cluster, namespace: e.namespace, workloadKind: e.kind, name: e.name, selector: e.selector!, selectorSource: e.selectorSource!,
      pods: e.pods.length, ingress, egress, evidence: ev, fqdns, remotePeers, policyTypes,
    });
  }

  // Names: `<workload>-netatlas`, made unique per namespace when two kinds share a name.
  const nameOf = new Map<string, string>();
  const taken = new Set<string>();
  for (const s of subjects) {
    let name = `${s.name}-netatlas`;
    if (taken.has(`${s.cluster}/${s.namespace}/${name}`)) name = `${s.name}-${s.workloadKind.toLowerCase()}-netatlas`;
    taken.add(`${s.cluster}/${s.namespace}/${name}`);
    nameOf.set(s.key, name);
  }

  const format = o.format ?? 'networkpolicy';
  const policies: GeneratedPolicy[] = [];
  const networkPolicies: NetworkPolicyInfo[] = [];
  const defaultDenyNamespaces: string[] = [];
  for (const ns of [...denyNamespaces].sort()) {
    const [cluster, namespace] = ns.split('/');
    defaultDenyNamespaces.push(ns);
    const dns = baselineOn('dns') ? dnsTargetOf(cluster).target : undefined;
    if (dns) baseline.push({ rule: 'dns', subject: `ns:${ns}`, direction: 'egress', what: 'the cluster DNS on UDP/TCP 53', reason: 'the default deny must not cut name resolution' });
    policies.push({ cluster, namespace, name: 'default-deny-netatlas', object: renderDefaultDeny(cluster, namespace, format, dns) });
    networkPolicies.push(defaultDenyInfo(cluster, namespace, dns));
  }
  for (const s of subjects) {
    const name = nameOf.get(s.key)!;
    const info = renderNetworkPolicyInfo(s, name);
    const object = format === 'cilium' ? renderCilium(s, name, o) : format === 'calico-staged' ? staged(renderNetworkPolicy(s, name, info)) : renderNetworkPolicy(s, name, info);
    policies.push({ cluster: s.cluster, namespace: s.namespace, name, subject: s.key, object });
    networkPolicies.push(info);
  }
  policies.sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  for (const s of subjects) {
    if (s.ingress.length === 0 && s.egress.length === 0) {
      notes.add(`${s.key}: ${s.evidence.edges === 0 ? 'no traffic observed' : 'no rule could be written'}: its policy denies all ingress and egress`);
    }
  }

  return {
    policies,
    networkPolicies,
    report: {
      subjects, skipped, leftOut, notes: [...notes].sort(), defaultDenyNamespaces, baseline, shortSeenMs, direction,
      coverage: [...coverage.entries()].sort((a, b) => cmp(a[0], b[0])).map(([cluster, c]): ClusterCoverage => ({ cluster, ...c })),
    },
    allowedEdges,
    podEdges: input.edges.filter((e) => e.level === 'pod' && allowedCount(e, o.includeDropped) > 0),
    scope,
  };
}

/** For tests: a CIDR string is well-formed IPv4. */
export const isIpv4Cidr = (c: string): boolean => parseIpv4Cidr(c) !== undefined;
