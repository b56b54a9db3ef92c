/**
 * What the API server would reject (errors: the object is left out of evaluation) and what
 * deserves a look (warnings): unresolvable named ports, duplicate ANP priorities, ...
 */
import { ValidationError, type Warning } from '../model/errors.ts';
import { adminTierOf, CILIUM_ENTITIES, type AdminNetworkPolicyInfo, type NetworkPolicyInfo, type NetworkPolicyPort } from '../model/policy.ts';
import { matchesSelector, validateSelector } from '../selectors/index.ts';
import { isValidCidr, parseIpv4Cidr, cidrContains } from './cidr.ts';
import { adminPolicyRef, networkPolicyRef } from './compile.ts';
import { calicoPolicyRef } from './kinds/calico.ts';
import { CalicoSelectorError, parseCalicoSelector } from './kinds/calico-selector.ts';
import { ciliumPolicyRef } from './kinds/cilium.ts';
import type { PolicySnapshot, ValidationResult } from './types.ts';

const PREFIX = 'netatlas/semantics:';
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
/** network-policy-api v1alpha2 DomainName: exact, or `*.` followed by one or more labels. */
const DOMAIN_NAME = /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

export interface DetailedValidation extends ValidationResult {
  /** Refs of objects with errors that make them unusable (left out of evaluation). */
  readonly invalidObjects: ReadonlySet<string>;
}

export function validatePolicies(snapshot: PolicySnapshot): ValidationResult {
  const { errors, warnings } = validateSnapshot(snapshot);
  return { errors, warnings };
}

export function validateSnapshot(snapshot: PolicySnapshot): DetailedValidation {
  const errors: ValidationError[] = [];
  const warnings: Warning[] = [];
  const invalidObjects = new Set<string>();

  const fail = (ref: string, file: { file?: string; line?: number } | undefined, what: string, fix: string, excludes = true): void => {
    errors.push(new ValidationError(`${PREFIX} ${ref}: ${what}. ${fix}`, { file: file?.file, line: file?.line, object: ref }));
    if (excludes) invalidObjects.add(ref);
  };

  for (const np of snapshot.networkPolicies) {
    const ref = networkPolicyRef(np);
    const src = np.source;
    for (const p of validateSelector(np.podSelector)) fail(ref, src, `spec.podSelector: ${p}`, 'Fix the selector.');
    for (const t of np.policyTypes ?? []) {
      if (t !== 'Ingress' && t !== 'Egress') fail(ref, src, `spec.policyTypes has ${JSON.stringify(t)}`, 'Use Ingress and/or Egress.');
    }
    for (const direction of ['ingress', 'egress'] as const) {
      const field = direction === 'ingress' ? 'from' : 'to';
      (np[direction] ?? []).forEach((rule, ri) => {
        (rule.peers ?? []).forEach((peer, pi) => {
          const at = `spec.${direction}[${ri}].${field}[${pi}]`;
          if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) {
            fail(ref, src, `${at} mixes ipBlock with podSelector/namespaceSelector`, 'Put the ipBlock in a peer of its own.');
          }
          if (!peer.ipBlock && !peer.podSelector && !peer.namespaceSelector) {
            fail(ref, src, `${at} is empty`, 'Give it a podSelector, namespaceSelector or ipBlock (use {} selectors to mean all).');
          }
          for (const [name, sel] of [['podSelector', peer.podSelector], ['namespaceSelector', peer.namespaceSelector]] as const) {
            if (sel) for (const p of validateSelector(sel)) fail(ref, src, `${at}.${name}: ${p}`, 'Fix the selector.');
          }
          if (peer.ipBlock) {
            const b = peer.ipBlock;
            if (!isValidCidr(b.cidr)) fail(ref, src, `${at}.ipBlock.cidr ${JSON.stringify(b.cidr)} is not a CIDR`, 'Write it as a.b.c.d/n.');
            for (const e of b.except ?? []) {
              if (!isValidCidr(e)) fail(ref, src, `${at}.ipBlock.except ${JSON.stringify(e)} is not a CIDR`, 'Write it as a.b.c.d/n.');
              else if (isValidCidr(b.cidr) && !insideCidr(e, b.cidr)) {
                fail(ref, src, `${at}.ipBlock.except ${e} is not inside cidr ${b.cidr}`, 'Every except must be a subrange of cidr.');
              }
            }
          }
        });
        (rule.ports ?? []).forEach((port, pi) => validateNpPort(port, `spec.${direction}[${ri}].ports[${pi}]`, (what, fix) => fail(ref, src, what, fix)));
      });
    }
  }

  // Named ports: warn when the pods a rule would resolve them on do not declare them.
  const podsByNs = new Map<string, (typeof snapshot.pods)[number][]>();
  for (const p of snapshot.pods) {
    const k = `${p.cluster}/${p.namespace}`;
    const l = podsByNs.get(k) ?? [];
    l.push(p);
    podsByNs.set(k, l);
  }
  // `cluster/name/protocol` of every declared named port, built on first use.
  let declaredSet: Set<string> | undefined;
  const declared = {
    has(key: string): boolean {
      if (!declaredSet) {
        declaredSet = new Set<string>();
        for (const p of snapshot.pods) for (const c of p.ports) if (c.name) declaredSet.add(`${p.cluster}/${c.name}/${c.protocol}`);
      }
      return declaredSet.has(key);
    },
  };
  for (const np of snapshot.networkPolicies) {
    const ref = networkPolicyRef(np);
    if (invalidObjects.has(ref)) continue;
    const hasNamed = [...(np.ingress ?? []), ...(np.egress ?? [])].some((r) => (r.ports ?? []).some((p) => typeof p.port === 'string'));
    if (!hasNamed) continue;
    const selected = (podsByNs.get(`${np.cluster}/${np.namespace}`) ?? []).filter(
      (p) => !p.hostNetwork && matchesSelector(np.podSelector, p.labels),
    );
    for (const direction of ['ingress', 'egress'] as const) {
      (np[direction] ?? []).forEach((rule, ri) => {
        for (const port of rule.ports ?? []) {
          if (typeof port.port !== 'string' || /^\d+$/.test(port.port)) continue;
          const protocol = port.protocol ?? 'TCP';
          const declares = (p: (typeof snapshot.pods)[number]): boolean => p.ports.some((c) => c.name === port.port && c.protocol === protocol);
          const where = `spec.${direction}[${ri}] named port ${JSON.stringify(port.port)}/${protocol}`;
          if (direction === 'ingress') {
            const missing = selected.filter((p) => !declares(p));
            if (missing.length > 0) {
              warnings.push({
                code: 'unresolved-named-port',
                message: `${PREFIX} ${ref}: ${where} is not declared by ${missing.length} of ${selected.length} selected pod(s) (e.g. ${missing[0].namespace}/${missing[0].name}); the rule opens nothing on those pods for it.`,
                location: { file: np.source?.file, line: np.source?.line, object: ref },
              });
            }
          } else if (!declared.has(`${np.cluster}/${port.port}/${protocol}`)) {
            warnings.push({
              code: 'unresolved-named-port',
              message: `${PREFIX} ${ref}: ${where} is declared by no pod in cluster ${np.cluster}; the rule opens nothing for it.`,
              location: { file: np.source?.file, line: np.source?.line, object: ref },
            });
          }
        }
      });
    }
  }

  // AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy.
  const priorities = new Map<string, AdminNetworkPolicyInfo[]>();
  const banps = new Map<string, AdminNetworkPolicyInfo[]>();
  for (const a of snapshot.adminNetworkPolicies) {
    const ref = adminPolicyRef(a);
    const src = a.source;
    const cnp = a.kind === 'ClusterNetworkPolicy';
    if (cnp && a.tier !== 'Admin' && a.tier !== 'Baseline') fail(ref, src, `spec.tier ${JSON.stringify(a.tier)} is not Admin or Baseline`, 'Set spec.tier to Admin or Baseline.');
    if (a.kind === 'BaselineAdminNetworkPolicy') {
      if (a.name !== 'default') fail(ref, src, `BaselineAdminNetworkPolicy is named ${JSON.stringify(a.name)}`, 'There is one BANP per cluster and it must be named "default".');
      else {
        const l = banps.get(a.cluster) ?? [];
        l.push(a);
        banps.set(a.cluster, l);
      }
    } else if (a.priority === undefined || !Number.isInteger(a.priority) || a.priority < 0 || a.priority > 1000) {
      fail(ref, src, `spec.priority ${a.priority ?? '(missing)'} is not an integer in 0..1000`, 'Set spec.priority (lower numbers are evaluated first).');
    } else {
      const k = `${a.cluster}/${adminTierOf(a)}/${a.priority}`;
      const l = priorities.get(k) ?? [];
      l.push(a);
      priorities.set(k, l);
    }
    const subjSel = a.subject.namespaces ? [a.subject.namespaces] : a.subject.pods ? [a.subject.pods.namespaceSelector, a.subject.pods.podSelector] : [];
    if (subjSel.length === 0) fail(ref, src, 'spec.subject selects neither namespaces nor pods', 'Set spec.subject.namespaces or spec.subject.pods.');
    for (const s of subjSel) for (const p of validateSelector(s)) fail(ref, src, `spec.subject: ${p}`, 'Fix the selector.');
    for (const direction of ['ingress', 'egress'] as const) {
      a[direction].forEach((rule, ri) => {
        const at = `spec.${direction}[${ri}]${rule.name ? ` (${rule.name})` : ''}`;
        const actions = cnp ? ['Accept', 'Deny', 'Pass'] : ['Allow', 'Deny', 'Pass'];
        if (!actions.includes(rule.action)) fail(ref, src, `${at} has action ${JSON.stringify(rule.action)}`, `Use ${actions.join(', ')}.`);
        if (a.kind === 'BaselineAdminNetworkPolicy' && rule.action === 'Pass') fail(ref, src, `${at} uses action Pass`, 'A BaselineAdminNetworkPolicy rule is Allow or Deny.');
        if (rule.peers.length === 0) fail(ref, src, `${at} has no peers`, 'List at least one peer.');
        for (const peer of rule.peers) {
          if (peer.kind === 'networks') {
            for (const c of peer.networks) if (!isValidCidr(c)) fail(ref, src, `${at} network ${JSON.stringify(c)} is not a CIDR`, 'Write it as a.b.c.d/n.');
          }
          if (cnp && direction === 'ingress' && peer.kind !== 'namespaces' && peer.kind !== 'pods') {
            fail(ref, src, `${at} has a ${peer.kind} peer in from`, 'An ingress peer is namespaces or pods.');
          }
          if (peer.kind === 'domainNames') {
            if (!cnp || direction !== 'egress') fail(ref, src, `${at} has a domainNames peer`, 'domainNames is a ClusterNetworkPolicy egress peer only.');
            if (rule.action !== 'Accept') fail(ref, src, `${at} uses domainNames with action ${rule.action}`, 'domainNames is only supported for Accept rules.');
            for (const d of peer.domainNames) if (!DOMAIN_NAME.test(d)) fail(ref, src, `${at} domain name ${JSON.stringify(d)} is not valid`, 'Write it as example.com or *.example.com.');
            warnings.push({
              code: 'unknowable-peer',
              message: `${PREFIX} ${ref}: ${at} domainNames ${peer.domainNames.join(', ')} cannot be checked statically (the addresses a name resolves to are not in a snapshot); the rule matches no address in maps and verdicts.`,
              location: { file: src?.file, line: src?.line, object: ref },
            });
          }
        }
        if (cnp && rule.peers.some((p) => p.kind === 'networks' || p.kind === 'nodes' || p.kind === 'domainNames') && (rule.ports ?? []).some((p) => p.kind === 'namedPort')) {
          fail(ref, src, `${at} combines destinationNamedPort with a networks, nodes or domainNames peer`, 'Use port numbers: only pods have named ports.');
        }
        for (const port of rule.ports ?? []) {
          if (cnp && port.kind === 'portRange' && port.start >= port.end) {
            fail(ref, src, `${at} range ${port.start}-${port.end} does not have start < end`, 'Use a single number, or a range whose start is less than its end.');
          }
          if (port.kind === 'portRange' && !(port.start >= 1 && port.start <= port.end && port.end <= 65535)) {
            fail(ref, src, `${at} portRange ${port.start}-${port.end} is not 1 <= start <= end <= 65535`, 'Fix the range.');
          }
          if (port.kind === 'portNumber' && !(port.port >= 1 && port.port <= 65535)) fail(ref, src, `${at} port ${port.port} is out of range`, 'Use 1..65535.');
          if (port.kind === 'namedPort' && !['TCP', 'UDP', 'SCTP'].some((p) => declared.has(`${a.cluster}/${port.name}/${p}`))) {
            warnings.push({
              code: 'unresolved-named-port',
              message: `${PREFIX} ${ref}: ${at} named port ${JSON.stringify(port.name)} is declared by no pod in cluster ${a.cluster}; the rule matches no port for it.`,
              location: { file: src?.file, line: src?.line, object: ref },
            });
          }
        }
      });
    }
  }
  for (const list of priorities.values()) {
    if (list.length < 2) continue;
    const names = list.map((a) => a.name).sort();
    for (const a of list) {
      fail(adminPolicyRef(a), a.source, `spec.priority ${a.priority} is shared with ${names.filter((n) => n !== a.name).join(', ')}`,
        'Give each policy of a tier its own priority: with equal priorities the order is undefined (netatlas uses kind, then name order).', false);
    }
  }
  for (const [cluster, list] of banps) {
    if (list.length > 1) fail(`${cluster}/BaselineAdminNetworkPolicy/default`, list[1].source, 'is defined more than once', 'Keep one BaselineAdminNetworkPolicy named "default".', false);
  }
  validateCilium(snapshot, fail, (w) => warnings.push(w));
  validateCalico(snapshot, fail, (w) => warnings.push(w));
  return { errors, warnings, invalidObjects };
}

type Fail = (ref: string, file: { file?: string; line?: number } | undefined, what: string, fix: string, excludes?: boolean) => void;

/** Entities a snapshot cannot place (no addresses for them): reported, matched by nothing. */
const UNKNOWABLE_ENTITIES = new Set(['kube-apiserver', 'health', 'init', 'ingress', 'unmanaged']);

function validateCilium(snapshot: PolicySnapshot, fail: Fail, warn: (w: Warning) => void): void {
  for (const p of snapshot.ciliumNetworkPolicies ?? []) {
    const ref = ciliumPolicyRef(p);
    const src = p.source;
    const note = (code: string, what: string): void =>
      warn({ code, message: `${PREFIX} ${ref}: ${what}`, location: { file: src?.file, line: src?.line, object: ref } });
    p.specs.forEach((spec, si) => {
      const at = p.specs.length > 1 || si > 0 ? `specs[${si}]` : 'spec';
      if (!spec.endpointSelector === !spec.nodeSelector) fail(ref, src, `${at} sets ${spec.endpointSelector ? 'both endpointSelector and nodeSelector' : 'neither endpointSelector nor nodeSelector'}`, 'Set exactly one of them.');
      if (spec.nodeSelector && p.kind === 'CiliumNetworkPolicy') fail(ref, src, `${at}.nodeSelector is set on a namespaced policy`, 'Host policies are CiliumClusterwideNetworkPolicy.');
      for (const sel of [spec.endpointSelector, spec.nodeSelector]) if (sel) for (const problem of validateSelector(sel)) fail(ref, src, `${at}: ${problem}`, 'Fix the selector.');
      for (const field of ['ingress', 'egress', 'ingressDeny', 'egressDeny'] as const) {
        (spec[field] ?? []).forEach((rule, ri) => {
          const rw = `${at}.${field}[${ri}]`;
          for (const e of rule.entities ?? []) {
            if (!(CILIUM_ENTITIES as readonly string[]).includes(e)) fail(ref, src, `${rw} entity ${JSON.stringify(e)} is unknown`, `Use one of ${CILIUM_ENTITIES.join(', ')}.`);
            else if (UNKNOWABLE_ENTITIES.has(e)) note('unknowable-peer', `${rw} entity ${e} cannot be placed from a snapshot; it matches no peer in maps and verdicts.`);
          }
          for (const sel of rule.endpoints ?? []) for (const problem of validateSelector(sel)) fail(ref, src, `${rw}: ${problem}`, 'Fix the selector.');
          for (const b of rule.cidrs ?? []) {
            if (!isValidCidr(b.cidr)) fail(ref, src, `${rw} CIDR ${JSON.stringify(b.cidr)} is not a CIDR`, 'Write it as a.b.c.d/n.');
            for (const e of b.except ?? []) {
              if (!isValidCidr(e)) fail(ref, src, `${rw} except ${JSON.stringify(e)} is not a CIDR`, 'Write it as a.b.c.d/n.');
              else if (isValidCidr(b.cidr) && !insideCidr(e, b.cidr)) fail(ref, src, `${rw} except ${e} is not inside ${b.cidr}`, 'Each except must be inside its cidr.');
            }
          }
          if (rule.fqdns && rule.fqdnAddresses === undefined) note('unknowable-peer', `${rw} toFQDNs ${rule.fqdns.join(', ')} cannot be checked statically (the addresses a name resolves to are not in a snapshot); it matches no address in maps and verdicts. Give flows with DNS answers (diff, serve) to match the names seen.`);
          else if (rule.fqdns && rule.fqdnAddresses!.length === 0) note('unknowable-peer', `${rw} toFQDNs ${rule.fqdns.join(', ')}: no DNS answer in the flows matches; it matches no address in maps and verdicts.`);
          else if (rule.fqdns) note('fqdn-from-flows', `${rw} toFQDNs ${rule.fqdns.join(', ')} is matched against the DNS answers seen in flows: ${rule.fqdnAddresses!.length} address(es) (${rule.fqdnAddresses!.slice(0, 3).join(', ')}${rule.fqdnAddresses!.length > 3 ? ', ...' : ''}); addresses it resolves to that no flow showed are not known.`);
          for (const f of rule.unsupported ?? []) note('unsupported-field', `${rw}.${f} is not evaluated; the rule matches no peer through it.`);
          (rule.toPorts ?? []).forEach((pr, pi) => {
            if (pr.l7) note('l7-rule', `${rw}.toPorts[${pi}].rules (${pr.l7.join(', ')}) is enforced by Cilium's proxy: netatlas allows the rule's L4 ports and cannot check the L7 part.`);
            for (const port of pr.ports ?? []) {
              const pw = `${rw}.toPorts[${pi}] port ${JSON.stringify(port.port)}`;
              if (typeof port.port === 'number' && (port.port < 1 || port.port > 65535)) fail(ref, src, `${pw} is out of range`, 'Use 1..65535.');
              if (typeof port.port === 'string' && !PORT_NAME.test(port.port)) fail(ref, src, `${pw} is neither a number nor a valid port name`, 'Use 1..65535 or a container port name.');
              if (port.endPort !== undefined && (typeof port.port !== 'number' || port.endPort < port.port || port.endPort > 65535)) {
                fail(ref, src, `${pw} endPort ${port.endPort} does not follow a numeric port within 65535`, 'Set port to the first port of the range, endPort to the last.');
              }
            }
          });
        });
      }
    });
  }
}

function validateCalico(snapshot: PolicySnapshot, fail: Fail, warn: (w: Warning) => void): void {
  const ciliumClusters = new Set((snapshot.ciliumNetworkPolicies ?? []).map((p) => p.cluster));
  for (const cluster of new Set((snapshot.calicoPolicies ?? []).map((p) => p.cluster))) {
    if (!ciliumClusters.has(cluster)) continue;
    warn({
      code: 'mixed-cni',
      message: `${PREFIX} cluster ${cluster} holds both Cilium and Calico policies: it is read as Calico's (tiers; NetworkPolicies in the default tier), Cilium's deny rules first and its allow rules left out. Load each cluster's own policies.`,
      location: { object: cluster },
    });
  }
  const tiers = new Set((snapshot.calicoTiers ?? []).map((t) => `${t.cluster}/${t.name}`));
  for (const p of snapshot.calicoPolicies ?? []) {
    const ref = calicoPolicyRef(p);
    const src = p.source;
    const note = (code: string, what: string): void =>
      warn({ code, message: `${PREFIX} ${ref}: ${what}`, location: { file: src?.file, line: src?.line, object: ref } });
    const selector = (at: string, sel: string | undefined): void => {
      if (sel === undefined) return;
      try {
        parseCalicoSelector(sel);
      } catch (error) {
        if (!(error instanceof CalicoSelectorError)) throw error;
        fail(ref, src, `${at}: ${error.message}`, "Write it in Calico's selector syntax (e.g. app == 'web' && has(tier)).");
      }
    };
    if (p.tier !== 'default' && !tiers.has(`${p.cluster}/${p.tier}`)) {
      note('unknown-tier', `spec.tier ${p.tier} has no Tier object in the input; the tier is evaluated after every tier with an order. Add the Tier (kubectl get tiers.projectcalico.org -o yaml) to place it.`);
    }
    if (p.hostEndpointsOnly) note('unsupported-field', 'spec.doNotTrack/preDNAT make the policy apply to host endpoints only, which are not modelled: it applies to no pod here.');
    selector('spec.selector', p.selector);
    selector('spec.namespaceSelector', p.namespaceSelector);
    selector('spec.serviceAccountSelector', p.serviceAccountSelector);
    for (const direction of ['ingress', 'egress'] as const) {
      p[direction].forEach((rule, ri) => {
        const rw = `spec.${direction}[${ri}]`;
        for (const f of rule.unsupported ?? []) note('unsupported-field', `${f} is not evaluated; the rule matches no connection.`);
        if (rule.otherProtocol !== undefined) note('unsupported-field', `${rw}.protocol ${rule.otherProtocol} is outside TCP, UDP and SCTP; the rule matches no connection the engine models.`);
        for (const side of ['source', 'destination'] as const) {
          const e = rule[side];
          if (!e) continue;
          const at = `${rw}.${side}`;
          selector(`${at}.selector`, e.selector);
          selector(`${at}.notSelector`, e.notSelector);
          selector(`${at}.namespaceSelector`, e.namespaceSelector);
          selector(`${at}.serviceAccounts.selector`, e.serviceAccounts?.selector);
          for (const [field, list] of [['nets', e.nets], ['notNets', e.notNets]] as const) {
            for (const cidr of list ?? []) if (!isValidCidr(cidr)) fail(ref, src, `${at}.${field} ${JSON.stringify(cidr)} is not a CIDR`, 'Write it as a.b.c.d/n.');
          }
          for (const port of [...(e.ports ?? []), ...(e.notPorts ?? [])]) {
            if ('name' in port && !PORT_NAME.test(port.name)) fail(ref, src, `${at}.ports ${JSON.stringify(port.name)} is neither a number, a range nor a valid port name`, 'Use 1..65535, low:high or a container port name.');
          }
          if (e.notPorts?.some((port) => 'name' in port)) note('unsupported-field', `${at}.notPorts names a port: named notPorts are not evaluated (numeric ones are); the rule's other ports stand.`);
        }
      });
    }
  }
}

function validateNpPort(port: NetworkPolicyPort, at: string, fail: (what: string, fix: string) => void): void {
  if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) {
    fail(`${at}.protocol ${JSON.stringify(port.protocol)} is unknown`, 'Use TCP, UDP or SCTP.');
  }
  const numeric = typeof port.port === 'number' ? port.port : typeof port.port === 'string' && /^\d+$/.test(port.port) ? Number(port.port) : undefined;
  if (typeof port.port === 'string' && numeric === undefined && !PORT_NAME.test(port.port)) {
    fail(`${at}.port ${JSON.stringify(port.port)} is neither a number nor a valid port name`, 'Use 1..65535 or a container port name (lowercase, at most 15 characters).');
  }
  if (numeric !== undefined && (numeric < 1 || numeric > 65535)) fail(`${at}.port ${numeric} is out of range`, 'Use 1..65535.');
  if (port.endPort !== undefined) {
    if (numeric === undefined) fail(`${at}.endPort ${port.endPort} needs a numeric port`, 'Set port to the first port of the range (not a name).');
    else if (port.endPort < numeric) fail(`${at}.endPort ${port.endPort} is less than port ${numeric}`, 'Swap them or drop endPort.');
    else if (port.endPort > 65535) fail(`${at}.endPort ${port.endPort} is out of range`, 'Use at most 65535.');
  }
}

function insideCidr(inner: string, outer: string): boolean {
  const i = parseIpv4Cidr(inner);
  const o = parseIpv4Cidr(outer);
  if (i && o) return i.start >= o.start && i.end <= o.end;
  const base = inner.split('/')[0];
  return cidrContains(outer, base);
}
