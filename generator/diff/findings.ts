/**
 * riskFindings: what is exposed, unprotected or suspicious, per cluster, namespace, workload
 * and pod, with severity, evidence and the remediation (the generated policy, as YAML), and a
 * score per component (formula in docs/diff.md) so a view can color by risk.
 */
import type { SourceLocation } from '../model/errors.ts';
import type { Inventory, PodInfo, ServiceInfo } from '../model/inventory.ts';
import { clusterKey, namespaceKey, parseKey, podKey } from '../model/keys.ts';
import type { LabelSelector } from '../model/labels.ts';
import type { NetworkPolicyInfo, NetworkPolicyRule } from '../model/policy.ts';
import { isEmptySelector, matchesSelector } from '../selectors/index.ts';
import { ipv4ToInt, parseIpv4Cidr, intToIpv4 } from '../semantics/cidr.ts';
import type { PolicyEngine } from '../semantics/types.ts';
import { synthesisContext } from '../synthesis/synthesize.ts';
import type { WorkloadEntry } from '../synthesis/workloads.ts';
import { environmentOf, resolveEnvironments, type EnvironmentOf } from './environment.ts';
import { cmp, diffIntendedActual, engineFor } from './intended.ts';
import { componentScores, levelOf } from './scores.ts';
import {
  FINDING_KINDS, SEVERITIES, type Finding, type FindingKind, type ObservedRow,
  type RiskInput, type RiskResult, type Severity,
} from './types.ts';

const INFRA_NAMESPACE = /^(kube-system|kube-public|kube-node-lease|monitoring|prometheus|observability|logging|cert-manager|cilium|calico-system|tigera-operator|gatekeeper-system)$/;
const INGRESS_CONTROLLER = /ingress-nginx|ingress-controller|traefik|contour|haproxy-ingress|kong|ingressgateway|envoy-gateway/;
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '0.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10']
  .map((c) => parseIpv4Cidr(c)!);

function isPublicV4(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && !PRIVATE_V4.some((r) => n >= r.start && n <= r.end);
}

const isWorldKey = (k: string): boolean => k.startsWith('ext:') || /^reserved:[^/]+\/world$/.test(k);

function edgeText(r: ObservedRow): string {
  return `${r.source} -> ${r.destination} ${r.protocol}${r.port !== undefined ? `/${r.port}` : ''}`;
}

function permissive(rule: NetworkPolicyRule, dir: 'ingress' | 'egress'): string[] {
  const what = dir === 'ingress' ? 'from' : 'to';
  if (!rule.peers || rule.peers.length === 0) return [`${what} every peer (any pod, node or internet address)`];
  const out: string[] = [];
  for (const p of rule.peers) {
    if (p.ipBlock) {
      const r = parseIpv4Cidr(p.ipBlock.cidr);
      const prefix = Number(p.ipBlock.cidr.split('/')[1]);
      if (p.ipBlock.cidr.endsWith('/0')) out.push(`${what} every address (ipBlock ${p.ipBlock.cidr})`);
      else if (r && prefix <= 8) out.push(`${what} ipBlock ${p.ipBlock.cidr}, ${intToIpv4(r.start)}-${intToIpv4(r.end)} (it spans whole private ranges: every cluster's pods may be in it)`);
    } else if (p.namespaceSelector && isEmptySelector(p.namespaceSelector) && (!p.podSelector || isEmptySelector(p.podSelector))) {
      out.push(`${what} every pod of every namespace (namespaceSelector: {})`);
    }
  }
  return out;
}

function isolates(np: NetworkPolicyInfo, dir: 'Ingress' | 'Egress'): boolean {
  if (np.policyTypes) return np.policyTypes.includes(dir);
  return dir === 'Ingress' || (np.egress !== undefined && np.egress.length > 0);
}

function selectsAll(sel: LabelSelector): boolean {
  return isEmptySelector(sel);
}

export function riskFindings(input: RiskInput): RiskResult {
  const { inventory } = input;
  const diff = input.diff ?? diffIntendedActual(input, { explainUnused: false });
  const engine: PolicyEngine = engineFor(inventory, input.intended, input.engine);
  const ctx = synthesisContext(inventory);
  const { index } = ctx;
  const env = resolveEnvironments(input.environments);
  const remediation = input.remediation ?? (() => undefined);
  const findings = new Map<string, Finding>();
  /** The subject whose generated policy remedies each finding, looked up once every finding is known. */
  const remedyOf = new Map<string, string>();
  /** Observed edges behind a finding (edge key -> why): no remediation may allow them. */
  const flagged = new Map<string, string>();
  const add = (f: Omit<Finding, 'id' | 'level' | 'related' | 'remediation'> & { detail?: string; related?: string[]; remediationOf?: string; flags?: string }): void => {
    const id = `${f.kind}:${f.subject}${f.detail ? `#${f.detail}` : ''}`;
    if (f.flags !== undefined && !flagged.has(f.flags)) flagged.set(f.flags, `${f.kind} finding: ${f.title}`);
    if (findings.has(id)) return;
    const { detail: _d, remediationOf: _r, flags: _f, ...rest } = f;
    remedyOf.set(id, f.remediationOf ?? f.subject);
    findings.set(id, { ...rest, id, level: levelOf(f.subject), related: [...new Set(f.related ?? [])].filter((k) => k !== f.subject).sort() });
  };

  const clusters = new Map(inventory.clusters.map((c) => [c.name, c]));
  const namespaces = new Map(inventory.namespaces.map((n) => [`${n.cluster}/${n.name}`, n]));
  const clusterEnv = (c: string): EnvironmentOf => environmentOf(env, { name: c, labels: input.clusterLabels?.[c] ?? clusters.get(c)?.labels });
  const envOfKey = (key: string): EnvironmentOf => {
    const p = parseKey(key);
    if (p.kind === 'external') return {};
    const ns = 'namespace' in p ? namespaces.get(`${p.cluster}/${p.namespace}`) : undefined;
    return environmentOf(env, { name: p.cluster, labels: input.clusterLabels?.[p.cluster] ?? clusters.get(p.cluster)?.labels },
      'namespace' in p ? { name: p.namespace, labels: ns?.labels } : undefined);
  };
  const wlOrOther = (a: string, b: string): string => (a.startsWith('wl:') ? a : b);

  // ---- observed edges ---------------------------------------------------------------
  for (const r of diff.observed) {
    const evidence = [
      `${r.connections} connection(s) observed: ${r.forwarded} forwarded, ${r.dropped} dropped${r.dropReasons ? ` (${Object.entries(r.dropReasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
      ...(r.service ? [`addressed to Service ${r.service}`] : []),
      ...r.explanation,
    ];
    const detail = `${r.destination}|${r.protocol}|${r.port ?? '-'}`;
    if (r.class === 'would-break') {
      const subject = r.deniedBy === 'egress' ? wlOrOther(r.source, r.destination) : wlOrOther(r.destination, r.source);
      add({ kind: 'would-break', severity: 'high', subject, detail: `${r.source}>${detail}`, related: [r.source, r.destination],
        title: `applying the intended policies breaks observed traffic ${edgeText(r)} (denied at ${r.deniedBy})`, evidence });
    } else if (r.class === 'unexplained-drop') {
      add({ kind: 'unexplained-drop', severity: 'high', subject: wlOrOther(r.destination, r.source), detail: `${r.source}>${detail}`, related: [r.source, r.destination], flags: r.edge,
        title: `${edgeText(r)} is dropped although the intended policies allow it: the live policies differ from the intended ones`, evidence });
    } else if (r.class === 'blocked') {
      add({ kind: 'observed-drop', severity: 'high', subject: wlOrOther(r.source, r.destination), detail, related: [r.source, r.destination], flags: r.edge,
        title: `observed drops: ${edgeText(r)} is denied by policy (${r.dropped} attempt(s)); a misconfigured client or a probe`, evidence });
    }
    if (r.forwarded > 0) {
      const se = envOfKey(r.source);
      const de = envOfKey(r.destination);
      if (se.tier === 'lower' && de.tier === 'sensitive') {
        add({ kind: 'cross-environment', severity: 'high', subject: wlOrOther(r.source, r.destination), detail, related: [r.source, r.destination], flags: r.edge,
          title: `cross-environment traffic: ${edgeText(r)} goes from a lower environment (${se.via}) into a sensitive one (${de.via})`, evidence });
      } else if (r.interCluster) {
        const dc = parseKey(r.destination);
        const ce = 'cluster' in dc ? clusterEnv(dc.cluster) : {};
        if (ce.tier === 'sensitive') {
          add({ kind: 'inter-cluster-sensitive', severity: 'medium', subject: wlOrOther(r.destination, r.source), detail: `${r.source}>${detail}`, related: [r.source, r.destination],
            title: `inter-cluster traffic into a sensitive cluster (${ce.via}): ${edgeText(r)}`, evidence });
        }
      }
    }
  }

  // ---- reachable from outside ---------------------------------------------------------
  const worldIn = new Map<string, ObservedRow[]>();
  for (const r of diff.observed) {
    if (r.forwarded > 0 && isWorldKey(r.source) && r.destination.startsWith('wl:')) {
      const l = worldIn.get(r.destination) ?? [];
      l.push(r);
      worldIn.set(r.destination, l);
    }
  }
  // Observed internet peers first, then fixed public addresses, then one address per range the policies cut.
  const probes = new Set<string>();
  for (const rows of [...worldIn.values()]) for (const r of rows) if (r.source.startsWith('ext:')) probes.add(r.source.slice(4));
  probes.add('8.8.8.8');
  probes.add('203.0.113.10');
  for (const a of engine.externalRanges()) if (isPublicV4(intToIpv4(a.start))) probes.add(intToIpv4(a.start));
  const publicProbes = [...probes].filter(isPublicV4);
  const exposingServices = (w: WorkloadEntry): ServiceInfo[] =>
    inventory.services.filter((s) => s.cluster === w.cluster && s.namespace === w.namespace && s.selector && Object.keys(s.selector).length > 0 &&
      (s.type === 'LoadBalancer' || s.type === 'NodePort' || s.externalIPs.length > 0) &&
      w.pods.some((p) => matchesSelector({ matchLabels: s.selector }, p.labels)));
  const exposedWorkloads = new Map<string, Severity>();
  const workloads = [...index.byKey.values()].sort((a, b) => cmp(a.key, b.key));
  for (const w of workloads) {
    if (w.pods.length === 0) continue;
    const svcs = exposingServices(w);
    const seen = worldIn.get(w.key) ?? [];
    if (svcs.length === 0 && seen.length === 0) continue;
    const pod = w.pods[0];
    const open: string[] = [];
    for (const s of svcs) {
      for (const sp of s.ports) {
        const target = typeof sp.targetPort === 'number' ? sp.targetPort : pod.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
        if (target === undefined) continue;
        const by = publicProbes.find((ip) => engine.allowedInDirection({ kind: 'ip', ip }, { kind: 'pod', pod }, 'ingress').contains(sp.protocol, target));
        if (by) open.push(`${s.namespace}/${s.name} (${s.type}${s.loadBalancerIPs.length ? ` ${s.loadBalancerIPs.join(',')}` : ''}) port ${sp.port} -> ${sp.protocol}/${target}: the intended policies let internet addresses in (checked with ${by})`);
      }
    }
    const svcText = svcs.map((s) => `Service ${s.namespace}/${s.name} type ${s.type}${s.loadBalancerIPs.length ? ` (${s.loadBalancerIPs.join(',')})` : ''}${s.externalIPs.length ? ` externalIPs ${s.externalIPs.join(',')}` : ''}`);
    const seenText = seen.map((r) => `observed from the internet: ${edgeText(r)}, ${r.forwarded} connection(s)`);
    let severity: Severity;
    let title: string;
    if (svcs.length > 0 && (open.length > 0 || seen.length > 0)) {
      severity = 'high';
      title = `reachable from outside the cluster through ${svcs.map((s) => `${s.type} ${s.name}`).join(', ')}${seen.length ? ', with observed internet traffic' : ''}`;
    } else if (seen.length > 0) {
      severity = 'medium';
      title = 'receives traffic from the internet without a LoadBalancer/NodePort Service (hostPort, ingress or a node port)';
    } else {
      severity = 'low';
      title = `exposed by ${svcs.map((s) => `${s.type} ${s.name}`).join(', ')}, but the intended policies keep internet addresses out`;
    }
    exposedWorkloads.set(w.key, severity);
    add({ kind: 'world-exposed', severity, subject: w.key, title, evidence: [...svcText, ...open, ...seenText] });
  }
  // Ingress controller paths: what an exposed controller forwards to is reachable from outside.
  for (const [key, sev] of exposedWorkloads) {
    const w = index.byKey.get(key)!;
    const labels = w.pods[0]?.labels ?? {};
    const controller = INGRESS_CONTROLLER.test(w.name) || Object.values(labels).some((v) => INGRESS_CONTROLLER.test(v));
    if (!controller || sev === 'low') continue;
    const via = new Map<string, string[]>();
    for (const r of diff.observed) {
      if (r.source !== key || r.forwarded === 0 || !r.destination.startsWith('wl:')) continue;
      via.set(r.destination, [...(via.get(r.destination) ?? []), `observed ${edgeText(r)}, ${r.forwarded} connection(s)`, ...r.explanation]);
    }
    // Backends the policies let the controller reach: workloads behind a Service of its cluster.
    const controllerPod = w.pods.find((p) => !p.hostNetwork) ?? w.pods[0];
    for (const b of workloads) {
      if (b.key === key || b.cluster !== w.cluster || b.hostNetwork || b.pods.length === 0 || via.has(b.key)) continue;
      const backed = inventory.services.some((s) => s.cluster === b.cluster && s.namespace === b.namespace && s.selector && Object.keys(s.selector).length > 0 &&
        b.pods.some((p) => matchesSelector({ matchLabels: s.selector }, p.labels)));
      if (!backed) continue;
      const conn = engine.allowedConnections({ kind: 'pod', pod: controllerPod }, { kind: 'pod', pod: b.pods[0] });
      if (!conn.isEmpty()) via.set(b.key, [`the intended policies let ${w.namespace}/${w.name} reach it on ${conn.toString()} (no flow observed)`]);
    }
    for (const [dst, evidence] of [...via].sort((a, b) => cmp(a[0], b[0]))) {
      add({ kind: 'world-exposed', severity: 'medium', subject: dst, detail: `via ${key}`, related: [key],
        title: `reachable from outside the cluster through ingress controller ${w.namespace}/${w.name}`, evidence });
    }
  }

  // ---- unprotected workloads and namespaces, default deny ------------------------------
  const intendedNps = (input.intended ?? inventory).networkPolicies;
  const intendedAdmin = (input.intended ?? inventory).adminNetworkPolicies ?? [];
  const protectedIn = (w: WorkloadEntry, dir: 'ingress' | 'egress'): boolean =>
    w.pods.every((p) => engine.policiesSelecting(p, dir).some((s) => s.isolates || s.tier !== 'NetworkPolicy'));
  const byNamespace = new Map<string, WorkloadEntry[]>();
  for (const w of workloads) {
    if (w.hostNetwork || w.pods.length === 0) continue;
    const k = `${w.cluster}/${w.namespace}`;
    byNamespace.set(k, [...(byNamespace.get(k) ?? []), w]);
  }
  for (const [nsId, list] of [...byNamespace].sort((a, b) => cmp(a[0], b[0]))) {
    const [cluster, namespace] = nsId.split('/');
    const nsK = namespaceKey(cluster, namespace);
    const state = list.map((w) => ({ w, ing: protectedIn(w, 'ingress'), eg: protectedIn(w, 'egress') }));
    const pods = list.reduce((n, w) => n + w.pods.length, 0);
    const infra = INFRA_NAMESPACE.test(namespace);
    if (state.every((s) => !s.ing && !s.eg)) {
      const inbound = diff.observed.filter((r) => r.forwarded > 0 && list.some((w) => w.key === r.destination) && !r.source.startsWith('host:'));
      add({ kind: 'unprotected', severity: infra ? 'medium' : 'high', subject: nsK,
        title: `unprotected namespace: no NetworkPolicy or admin policy selects any of its ${pods} pod(s) in ${list.length} workload(s)${infra ? ' (infrastructure namespace)' : ''}`,
        related: list.map((w) => w.key),
        evidence: [
          `workloads: ${list.map((w) => w.name).join(', ')}`,
          `no policy isolates them: every pod of every cluster may connect to them, and they to anything`,
          ...(inbound.length ? [`observed inbound edges (not from nodes): ${inbound.length}, e.g. ${inbound.slice(0, 3).map(edgeText).join('; ')}`] : []),
        ] });
      continue;
    }
    for (const s of state) {
      if (s.ing && s.eg) continue;
      const dirs = [!s.ing ? 'ingress' : '', !s.eg ? 'egress' : ''].filter(Boolean).join(' and ');
      add({ kind: 'unprotected', severity: !s.ing ? 'medium' : 'low', subject: s.w.key,
        title: `unprotected workload: no policy isolates its ${dirs}`,
        evidence: [`${s.w.pods.length} pod(s); other workloads of namespace ${namespace} are selected by policies, this one is not for ${dirs}`] });
    }
    const nps = intendedNps.filter((n) => n.cluster === cluster && n.namespace === namespace);
    const denyIn = nps.some((n) => selectsAll(n.podSelector) && isolates(n, 'Ingress'));
    const denyEg = nps.some((n) => selectsAll(n.podSelector) && isolates(n, 'Egress'));
    const adminCovers = intendedAdmin.some((a) => a.cluster === cluster && a.kind === 'BaselineAdminNetworkPolicy');
    if ((!denyIn || !denyEg) && !adminCovers) {
      const missing = [!denyIn ? 'ingress' : '', !denyEg ? 'egress' : ''].filter(Boolean);
      add({ kind: 'no-default-deny', severity: !denyIn ? 'medium' : 'low', subject: nsK,
        title: `namespace without a default deny for ${missing.join(' and ')}: new workloads start unprotected`,
        evidence: [`policies in the namespace: ${nps.map((n) => n.name).sort().join(', ') || 'none'}; none has podSelector {} with policyTypes ${missing.map((m) => (m === 'ingress' ? 'Ingress' : 'Egress')).join(', ')}`] });
    }
  }

  // ---- permissive and unused rules -------------------------------------------------------
  const invalid = new Set(engine.validation.errors.map((e) => e.location?.object).filter(Boolean) as string[]);
  const clustersWithFlows = new Set<string>();
  for (const r of diff.observed) {
    for (const k of [r.source, r.destination]) {
      const p = parseKey(k);
      if ('cluster' in p) clustersWithFlows.add(p.cluster);
    }
  }
  const used = new Set(diff.usedRules);
  const sortedNps = [...intendedNps].sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  for (const np of sortedNps) {
    const ref = `${np.cluster}/${np.namespace}/NetworkPolicy/${np.name}`;
    if (invalid.has(ref)) continue;
    const selected = workloads.filter((w) => w.cluster === np.cluster && w.namespace === np.namespace && w.pods.some((p) => matchesSelector(np.podSelector, p.labels))).map((w) => w.key);
    const nsK = namespaceKey(np.cluster, np.namespace);
    const location = { ...(np.source ?? {}), object: ref };
    const loose: { text: string; severity: Severity }[] = [];
    for (const dir of ['ingress', 'egress'] as const) {
      if (!isolates(np, dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
      (np[dir] ?? []).forEach((rule, i) => {
        for (const t of permissive(rule, dir)) {
          const anyPort = !rule.ports || rule.ports.length === 0;
          loose.push({ text: `${dir}[${i}] allows ${t}${anyPort ? ' on every port' : ''}`, severity: dir === 'ingress' ? 'medium' : 'low' });
        }
        const id = `${ref} ${dir}[${i}]`;
        if (clustersWithFlows.has(np.cluster) && !used.has(id) && selected.length > 0) {
          add({ kind: 'unused-rule', severity: 'low', subject: nsK, detail: id, related: selected, location,
            title: `allow rule ${np.name} ${dir}[${i}] was used by no observed flow`,
            evidence: [`NetworkPolicy ${np.namespace}/${np.name} ${dir}[${i}] selects ${selected.length} workload(s); no observed connection matched it in the window`] });
        }
      });
    }
    if (loose.length > 0) {
      add({ kind: 'allow-all', severity: loose.some((l) => l.severity === 'medium') ? 'medium' : 'low', subject: nsK, detail: ref, related: selected, location,
        title: `NetworkPolicy ${np.name} allows everything in ${loose.length} rule(s)`, evidence: loose.map((l) => l.text) });
    }
  }
  for (const a of intendedAdmin) {
    const ref = `${a.cluster}/${a.kind}/${a.name}`;
    const loose: string[] = [];
    for (const dir of ['ingress', 'egress'] as const) {
      a[dir].forEach((rule, i) => {
        if (rule.action !== 'Allow') return;
        for (const p of rule.peers) {
          if (p.kind === 'networks' && p.networks.some((n) => n.endsWith('/0'))) loose.push(`${dir}[${i}] "${rule.name}" allows every address (${p.networks.join(',')})`);
          if (p.kind === 'namespaces' && isEmptySelector(p.namespaces)) loose.push(`${dir}[${i}] "${rule.name}" allows every namespace`);
        }
      });
    }
    if (loose.length) {
      add({ kind: 'allow-all', severity: 'medium', subject: clusterKey(a.cluster), detail: ref, location: { ...(a.source ?? {}), object: ref },
        title: `${a.kind} ${a.name} allows everything in ${loose.length} rule(s)`, evidence: loose });
    }
  }

  // ---- pods that sidestep policy ---------------------------------------------------------
  const podOwner = new Map<string, string>();
  for (const w of workloads) for (const p of w.pods) podOwner.set(podKey(p.cluster, p.namespace, p.name), w.key);
  const sortedPods = [...inventory.pods].sort((a, b) => cmp(podKey(a.cluster, a.namespace, a.name), podKey(b.cluster, b.namespace, b.name)));
  for (const p of sortedPods as PodInfo[]) {
    const k = podKey(p.cluster, p.namespace, p.name);
    const owner = podOwner.get(k);
    if (p.hostNetwork) {
      add({ kind: 'host-network', severity: 'medium', subject: k, related: owner ? [owner] : [], remediationOf: owner,
        title: 'hostNetwork pod: it uses the node\'s network namespace, so NetworkPolicy does not apply to it and peers see it as the node',
        evidence: [`pod ${p.namespace}/${p.name} on node ${p.nodeName ?? '?'} (${p.ips.join(', ')})`] });
    }
    if (p.privileged) {
      add({ kind: 'privileged', severity: 'medium', subject: k, related: owner ? [owner] : [], remediationOf: owner,
        title: 'privileged pod (or NET_ADMIN/NET_RAW): it can change the node\'s network and sidestep policy',
        evidence: [`pod ${p.namespace}/${p.name} on node ${p.nodeName ?? '?'}`] });
    }
  }

  // ---- location: the subject's own object when the finding is not about a policy ----------
  const located = objectLocations(inventory);
  for (const [id, f] of findings) {
    if (f.location?.file) continue;
    const at = located(f.subject) ?? f.related.map(located).find((l) => l !== undefined);
    if (at) findings.set(id, { ...f, location: at });
  }

  // ---- remediation: the generated policy, never allowing a flow behind a finding ----------
  for (const [id, f] of findings) {
    const fix = remediation(remedyOf.get(id)!, flagged);
    if (fix) findings.set(id, { ...f, remediation: fix });
  }

  // ---- order, counts, scores -------------------------------------------------------------
  const sev = new Map(SEVERITIES.map((s, i) => [s, i]));
  const kind = new Map(FINDING_KINDS.map((k, i) => [k, i]));
  const list = [...findings.values()].sort((a, b) =>
    sev.get(a.severity)! - sev.get(b.severity)! || kind.get(a.kind)! - kind.get(b.kind)! || cmp(a.subject, b.subject) || cmp(a.id, b.id));
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of list) counts[f.severity]++;
  return { findings: list, scores: componentScores(inventory, list, podOwner), counts };
}

/**
 * Where the object behind a graph key was read (file, line, `cluster/namespace/Kind/name`): a
 * workload's own manifest (else its first pod's), a pod, a namespace (else the first object
 * read in it), a cluster (its first object). Undefined when it came from no file (live).
 */
function objectLocations(inv: Inventory): (key: string) => SourceLocation | undefined {
  const byObject = new Map<string, SourceLocation>();
  const firstIn = new Map<string, SourceLocation>();
  const note = (o: { source?: SourceLocation }, object: string, scopes: string[]): void => {
    if (!o.source?.file) return;
    const loc: SourceLocation = { ...o.source, object };
    if (!byObject.has(object)) byObject.set(object, loc);
    for (const sc of scopes) if (!firstIn.has(sc)) firstIn.set(sc, loc);
  };
  for (const n of inv.namespaces) note(n, `${n.cluster}/Namespace/${n.name}`, [`cluster:${n.cluster}`]);
  for (const w of inv.workloads) note(w, `${w.cluster}/${w.namespace}/${w.workloadKind}/${w.name}`, [`ns:${w.cluster}/${w.namespace}`, `cluster:${w.cluster}`]);
  for (const p of inv.pods) note(p, `${p.cluster}/${p.namespace}/Pod/${p.name}`, [`ns:${p.cluster}/${p.namespace}`, `cluster:${p.cluster}`]);
  for (const n of inv.nodes) note(n, `${n.cluster}/Node/${n.name}`, [`cluster:${n.cluster}`]);
  const podsOf = new Map<string, SourceLocation>();
  const ctx = synthesisContext(inv);
  for (const w of ctx.index.byKey.values()) {
    const pod = w.pods.find((p) => p.source?.file);
    if (pod) podsOf.set(w.key, { ...pod.source!, object: `${pod.cluster}/${pod.namespace}/Pod/${pod.name}` });
  }
  return (key) => {
    let p;
    try {
      p = parseKey(key);
    } catch {
      return undefined;
    }
    switch (p.kind) {
      case 'workload': return byObject.get(`${p.cluster}/${p.namespace}/${p.workloadKind}/${p.name}`) ?? podsOf.get(key);
      case 'pod': return byObject.get(`${p.cluster}/${p.namespace}/Pod/${p.name}`);
      case 'namespace': return byObject.get(`${p.cluster}/Namespace/${p.namespace}`) ?? firstIn.get(key);
      case 'cluster': return firstIn.get(key);
      default: return undefined;
    }
  };
}

export type { FindingKind };
