/** Calico NetworkPolicy, GlobalNetworkPolicy, Tier and the staged kinds (projectcalico.org/v3). */
import {
  portProblem,
  type CalicoEntityRule,
  type CalicoPolicyInfo,
  type CalicoPort,
  type CalicoRule,
  type CalicoNetworkSetInfo,
  type CalicoTierInfo,
  type StagedPolicyInfo,
  type PolicyType,
  type Protocol,
} from '../../../generator/model/index.ts';
import { CalicoSelectorError, parseCalicoSelector } from '../../../generator/semantics/kinds/calico-selector.ts';
import { isValidCidr } from '../../../generator/semantics/cidr.ts';
import { type Ctx, Malformed, type Obj, base, isObj, optArr, optBool, optObj, optStr, protocol, rule, strList } from './fields.ts';
import { normalizeNetworkPolicy } from './network-policy.ts';


/** Calico kinds read as policy, by their model kind; other projectcalico.org kinds are skipped with a warning. */
export const CALICO_KINDS: Readonly<Record<string, CalicoKind>> = {
  NetworkPolicy: 'CalicoNetworkPolicy', GlobalNetworkPolicy: 'CalicoGlobalNetworkPolicy', Tier: 'CalicoTier',
  NetworkSet: 'CalicoNetworkSet', GlobalNetworkSet: 'CalicoGlobalNetworkSet',
  StagedNetworkPolicy: 'StagedNetworkPolicy', StagedGlobalNetworkPolicy: 'StagedGlobalNetworkPolicy', StagedKubernetesNetworkPolicy: 'StagedKubernetesNetworkPolicy',
};
type CalicoKind = 'CalicoNetworkPolicy' | 'CalicoGlobalNetworkPolicy' | 'CalicoTier' | CalicoNetworkSetInfo['kind'] | StagedPolicyInfo['kind'];
export const CALICO_NAMESPACED = new Set<string>(['CalicoNetworkPolicy', 'CalicoNetworkSet', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy']);
/** Rule fields read but not evaluated: the rule then matches nothing, and validation names the field. */
const CALICO_RULE_UNEVALUATED = ['notProtocol', 'icmp', 'notICMP', 'http', 'ipVersion', 'metadata'];
const PROTOCOL_NUMBERS: Readonly<Record<string, Protocol>> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };

function calicoSelector(v: unknown, what: string): string | undefined {
  const sel = optStr(v, what);
  if (sel === undefined) return undefined;
  try {
    parseCalicoSelector(sel);
  } catch (error) {
    if (error instanceof CalicoSelectorError) throw new Malformed(`${what}: ${error.message}; write it in Calico's selector syntax (e.g. app == 'web' && has(tier))`);
    throw error;
  }
  return sel;
}

function calicoPorts(v: unknown, what: string): CalicoPort[] | undefined {
  return optArr(v, what)?.map((p, i): CalicoPort => {
    const w = `${what}[${i}]`;
    if (typeof p === 'number') {
      rule(portProblem(p), w);
      return { start: p, end: p };
    }
    if (typeof p !== 'string') throw new Malformed(`${w} must be a port number, a "from:to" range or a port name`);
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) {
      const start = Number(range[1]);
      const end = Number(range[2]);
      rule(portProblem(start), w);
      rule(portProblem(end), w);
      if (end < start) throw new Malformed(`${w} range ${p} ends before it starts: write it low:high`);
      return { start, end };
    }
    if (/^\d+$/.test(p)) {
      rule(portProblem(Number(p)), w);
      return { start: Number(p), end: Number(p) };
    }
    return { name: p };
  });
}

function calicoEntity(v: unknown, what: string, unsupported: string[]): CalicoEntityRule | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  for (const k of ['services']) if (o[k] !== undefined && o[k] !== null) unsupported.push(`${what}.${k}`);
  const sa = optObj(o.serviceAccounts, `${what}.serviceAccounts`);
  const saNames = sa ? strList(sa.names, `${what}.serviceAccounts.names`) : [];
  const saSelector = sa ? calicoSelector(sa.selector, `${what}.serviceAccounts.selector`) : undefined;
  const fields: CalicoEntityRule = {
    selector: calicoSelector(o.selector, `${what}.selector`),
    notSelector: calicoSelector(o.notSelector, `${what}.notSelector`),
    namespaceSelector: calicoSelector(o.namespaceSelector, `${what}.namespaceSelector`),
    serviceAccounts: sa ? { ...(sa.names !== undefined && sa.names !== null ? { names: saNames } : {}), ...(saSelector !== undefined ? { selector: saSelector } : {}) } : undefined,
    nets: o.nets === undefined || o.nets === null ? undefined : strList(o.nets, `${what}.nets`),
    notNets: o.notNets === undefined || o.notNets === null ? undefined : strList(o.notNets, `${what}.notNets`),
    ports: calicoPorts(o.ports, `${what}.ports`),
    notPorts: calicoPorts(o.notPorts, `${what}.notPorts`),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, x]) => x !== undefined)) as CalicoEntityRule;
}

function calicoRules(v: unknown, what: string): CalicoRule[] {
  return (optArr(v, what) ?? []).map((r, i): CalicoRule => {
    const w = `${what}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${w} must be an object`);
    const action = optStr(r.action, `${w}.action`);
    if (action !== 'Allow' && action !== 'Deny' && action !== 'Pass' && action !== 'Log') {
      throw new Malformed(`${w}.action must be Allow, Deny, Pass or Log (got ${JSON.stringify(action ?? null)})`);
    }
    const unsupported = CALICO_RULE_UNEVALUATED.filter((k) => r[k] !== undefined && r[k] !== null).map((k) => `${w}.${k}`);
    if (r.protocol !== undefined && r.protocol !== null && typeof r.protocol !== 'string' && typeof r.protocol !== 'number') {
      throw new Malformed(`${w}.protocol must be a protocol name or number (got ${JSON.stringify(r.protocol) ?? typeof r.protocol})`);
    }
    const rawProto = r.protocol === undefined || r.protocol === null ? undefined : String(r.protocol);
    const proto = rawProto === undefined ? undefined : PROTOCOL_NUMBERS[rawProto] ?? (['TCP', 'UDP', 'SCTP'].includes(rawProto.toUpperCase()) ? (rawProto.toUpperCase() as Protocol) : undefined);
    const source = calicoEntity(r.source, `${w}.source`, unsupported);
    const destination = calicoEntity(r.destination, `${w}.destination`, unsupported);
    for (const [name, e] of [['source', source], ['destination', destination]] as const) {
      if ((e?.ports || e?.notPorts) && proto === undefined) {
        throw new Malformed(`${w}.${name}.ports needs ${w}.protocol TCP, UDP or SCTP (Calico rejects ports without one)`);
      }
    }
    if (source?.ports || source?.notPorts) unsupported.push(`${w}.source.ports`);
    return {
      action,
      ...(proto !== undefined ? { protocol: proto } : {}),
      ...(rawProto !== undefined && proto === undefined ? { otherProtocol: rawProto } : {}),
      ...(source ? { source } : {}),
      ...(destination ? { destination } : {}),
      ...(unsupported.length > 0 ? { unsupported } : {}),
    };
  });
}

export function normalizeCalico(kind: CalicoKind, o: Obj, meta: Obj, ctx: Ctx): CalicoPolicyInfo | CalicoTierInfo | CalicoNetworkSetInfo | StagedPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  if (kind === 'CalicoNetworkSet' || kind === 'CalicoGlobalNetworkSet') {
    const nets = strList(spec.nets, 'spec.nets');
    nets.forEach((n, i) => {
      if (!isValidCidr(n.includes('/') ? n : `${n}/${n.includes(':') ? 128 : 32}`)) throw new Malformed(`spec.nets[${i}] ${JSON.stringify(n)} is not a CIDR or an address (write it as a.b.c.d/n)`);
    });
    const { labels } = base(meta, ctx);
    return { kind, cluster: ctx.cluster, ...(kind === 'CalicoNetworkSet' ? { namespace: ctx.namespace! } : {}), name: ctx.name, labels, nets, source: ctx.source };
  }
  if (kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy' || kind === 'StagedKubernetesNetworkPolicy') {
    const stagedAction = optStr(spec.stagedAction, 'spec.stagedAction') ?? 'Set';
    if (stagedAction !== 'Set' && stagedAction !== 'Delete') throw new Malformed(`spec.stagedAction must be Set or Delete (got ${JSON.stringify(stagedAction)})`);
    const policy = kind === 'StagedKubernetesNetworkPolicy'
      ? normalizeNetworkPolicy(o, meta, ctx)
      : (normalizeCalico(kind === 'StagedNetworkPolicy' ? 'CalicoNetworkPolicy' : 'CalicoGlobalNetworkPolicy', o, meta, ctx) as CalicoPolicyInfo);
    return { kind, cluster: ctx.cluster, ...(ctx.namespace !== undefined ? { namespace: ctx.namespace } : {}), name: ctx.name, stagedAction, policy, source: ctx.source };
  }
  const order = (v: unknown, what: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Malformed(`${what} must be a number`);
    return v;
  };
  if (kind === 'CalicoTier') {
    const defaultAction = optStr(spec.defaultAction, 'spec.defaultAction');
    if (defaultAction !== undefined && defaultAction !== 'Deny' && defaultAction !== 'Pass') throw new Malformed(`spec.defaultAction must be Deny or Pass (got ${JSON.stringify(defaultAction)})`);
    const tierOrder = order(spec.order, 'spec.order');
    return { kind, cluster: ctx.cluster, name: ctx.name, ...(tierOrder !== undefined ? { order: tierOrder } : {}), ...(defaultAction !== undefined ? { defaultAction } : {}), source: ctx.source };
  }
  const types = spec.types === undefined || spec.types === null ? undefined : strList(spec.types, 'spec.types');
  for (const t of types ?? []) if (t !== 'Ingress' && t !== 'Egress') throw new Malformed(`spec.types has ${JSON.stringify(t)}: use Ingress and/or Egress`);
  const policyOrder = order(spec.order, 'spec.order');
  const namespaceSelector = kind === 'CalicoGlobalNetworkPolicy' ? calicoSelector(spec.namespaceSelector, 'spec.namespaceSelector') : undefined;
  const serviceAccountSelector = calicoSelector(spec.serviceAccountSelector, 'spec.serviceAccountSelector');
  const hostEndpointsOnly = optBool(spec.doNotTrack, 'spec.doNotTrack') === true || optBool(spec.preDNAT, 'spec.preDNAT') === true;
  return {
    kind,
    cluster: ctx.cluster,
    ...(kind === 'CalicoNetworkPolicy' ? { namespace: ctx.namespace! } : {}),
    name: ctx.name,
    tier: optStr(spec.tier, 'spec.tier') || 'default',
    ...(policyOrder !== undefined ? { order: policyOrder } : {}),
    selector: calicoSelector(spec.selector, 'spec.selector') || 'all()',
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(serviceAccountSelector ? { serviceAccountSelector } : {}),
    ...(types !== undefined ? { types: types as PolicyType[] } : {}),
    ingress: calicoRules(spec.ingress, 'spec.ingress'),
    egress: calicoRules(spec.egress, 'spec.egress'),
    ...(hostEndpointsOnly ? { hostEndpointsOnly } : {}),
    source: ctx.source,
  };
}
