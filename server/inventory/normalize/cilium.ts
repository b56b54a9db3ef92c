/** CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2), read at L3/L4. */
import {
  ciliumLabelKeyProblem,
  type CiliumNetworkPolicyInfo,
  type CiliumPolicySpec,
  type CiliumPort,
  type CiliumPortRule,
  type CiliumRule,
  type IPBlock,
} from '../../../generator/model/index.ts';
import { type Ctx, Malformed, type Obj, intOrString, isObj, normalizeSelector, optArr, optBool, optInt, optObj, optStr, protocol, strList } from './fields.ts';


/** Rule fields netatlas reads but does not evaluate; validation names each one as a warning. */
const CILIUM_UNEVALUATED = ['toServices', 'fromRequires', 'toRequires', 'icmps', 'fromNodes', 'toNodes', 'fromGroups', 'toGroups', 'authentication'];

function ciliumPorts(v: unknown, w: string): CiliumPortRule[] | undefined {
  return optArr(v, w)?.map((pr, i): CiliumPortRule => {
    const pw = `${w}[${i}]`;
    if (!isObj(pr)) throw new Malformed(`${pw} must be an object`);
    const ports = optArr(pr.ports, `${pw}.ports`)?.map((p, j): CiliumPort => {
      const qw = `${pw}.ports[${j}]`;
      if (!isObj(p)) throw new Malformed(`${qw} must be an object`);
      const raw = intOrString(p.port, `${qw}.port`);
      const port = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      const endPort = optInt(p.endPort, `${qw}.endPort`);
      const proto = optStr(p.protocol, `${qw}.protocol`);
      if (proto !== undefined && !['TCP', 'UDP', 'SCTP', 'ANY'].includes(proto)) throw new Malformed(`${qw}.protocol must be TCP, UDP, SCTP or ANY (got ${JSON.stringify(proto)})`);
      return {
        ...(port !== undefined && port !== 0 ? { port } : {}),
        ...(endPort !== undefined && endPort !== 0 ? { endPort } : {}),
        ...(proto !== undefined ? { protocol: proto as CiliumPort['protocol'] } : {}),
      };
    });
    const rules = optObj(pr.rules, `${pw}.rules`);
    const l7 = rules ? Object.keys(rules).filter((k) => rules[k] !== null && rules[k] !== undefined) : [];
    return { ...(ports !== undefined ? { ports } : {}), ...(l7.length > 0 ? { l7 } : {}) };
  });
}

function ciliumRules(v: unknown, w: string, direction: 'ingress' | 'egress'): CiliumRule[] | undefined {
  const p = direction === 'ingress' ? 'from' : 'to';
  return optArr(v, w)?.map((r, i): CiliumRule => {
    const rw = `${w}[${i}]`;
    if (r === null) return {};
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const endpoints = optArr(r[`${p}Endpoints`], `${rw}.${p}Endpoints`)?.map((s, j) => normalizeSelector(s, `${rw}.${p}Endpoints[${j}]`, ciliumLabelKeyProblem) ?? {});
    const entities = r[`${p}Entities`] === undefined || r[`${p}Entities`] === null ? undefined : strList(r[`${p}Entities`], `${rw}.${p}Entities`);
    const cidrs: IPBlock[] = strList(r[`${p}CIDR`], `${rw}.${p}CIDR`).map((cidr) => ({ cidr }));
    const unsupported = CILIUM_UNEVALUATED.filter((k) => r[k] !== undefined && r[k] !== null);
    (optArr(r[`${p}CIDRSet`], `${rw}.${p}CIDRSet`) ?? []).forEach((c, j) => {
      const cw = `${rw}.${p}CIDRSet[${j}]`;
      if (!isObj(c)) throw new Malformed(`${cw} must be an object`);
      const cidr = optStr(c.cidr, `${cw}.cidr`);
      if (cidr === undefined) {
        if (!unsupported.includes(`${p}CIDRSet.cidrGroupRef`)) unsupported.push(`${p}CIDRSet.cidrGroupRef`);
        return;
      }
      const except = c.except === undefined || c.except === null ? undefined : strList(c.except, `${cw}.except`);
      cidrs.push(except ? { cidr, except } : { cidr });
    });
    const fqdns = (optArr(r.toFQDNs, `${rw}.toFQDNs`) ?? []).map((f, j) => {
      const fw = `${rw}.toFQDNs[${j}]`;
      if (!isObj(f)) throw new Malformed(`${fw} must be an object`);
      const name = optStr(f.matchName, `${fw}.matchName`) ?? optStr(f.matchPattern, `${fw}.matchPattern`);
      if (name === undefined) throw new Malformed(`${fw} needs matchName or matchPattern`);
      return name;
    });
    const toPorts = ciliumPorts(r.toPorts, `${rw}.toPorts`);
    const hasCidr = r[`${p}CIDR`] !== undefined || r[`${p}CIDRSet`] !== undefined;
    return {
      ...(endpoints !== undefined ? { endpoints } : {}),
      ...(entities !== undefined ? { entities } : {}),
      ...(hasCidr ? { cidrs } : {}),
      ...(toPorts !== undefined ? { toPorts } : {}),
      ...(fqdns.length > 0 ? { fqdns } : {}),
      ...(unsupported.length > 0 ? { unsupported } : {}),
    };
  });
}

function ciliumSpec(v: unknown, w: string): CiliumPolicySpec {
  if (!isObj(v)) throw new Malformed(`${w} must be an object`);
  const endpointSelector = normalizeSelector(v.endpointSelector, `${w}.endpointSelector`, ciliumLabelKeyProblem);
  const nodeSelector = normalizeSelector(v.nodeSelector, `${w}.nodeSelector`, ciliumLabelKeyProblem);
  const dd = optObj(v.enableDefaultDeny, `${w}.enableDefaultDeny`);
  const ddIngress = optBool(dd?.ingress, `${w}.enableDefaultDeny.ingress`);
  const ddEgress = optBool(dd?.egress, `${w}.enableDefaultDeny.egress`);
  const rules = {
    ingress: ciliumRules(v.ingress, `${w}.ingress`, 'ingress'),
    egress: ciliumRules(v.egress, `${w}.egress`, 'egress'),
    ingressDeny: ciliumRules(v.ingressDeny, `${w}.ingressDeny`, 'ingress'),
    egressDeny: ciliumRules(v.egressDeny, `${w}.egressDeny`, 'egress'),
  };
  return {
    ...(endpointSelector !== undefined ? { endpointSelector } : {}),
    ...(nodeSelector !== undefined ? { nodeSelector } : {}),
    ...Object.fromEntries(Object.entries(rules).filter(([, r]) => r !== undefined)),
    ...(dd ? { enableDefaultDeny: { ...(ddIngress !== undefined ? { ingress: ddIngress } : {}), ...(ddEgress !== undefined ? { egress: ddEgress } : {}) } } : {}),
  };
}

export function normalizeCiliumPolicy(kind: CiliumNetworkPolicyInfo['kind'], o: Obj, ctx: Ctx): CiliumNetworkPolicyInfo {
  const specs: CiliumPolicySpec[] = [];
  if (o.spec !== undefined && o.spec !== null) specs.push(ciliumSpec(o.spec, 'spec'));
  (optArr(o.specs, 'specs') ?? []).forEach((sp, i) => specs.push(ciliumSpec(sp, `specs[${i}]`)));
  if (specs.length === 0) throw new Malformed('has neither spec nor specs');
  return {
    kind,
    cluster: ctx.cluster,
    ...(kind === 'CiliumNetworkPolicy' ? { namespace: ctx.namespace! } : {}),
    name: ctx.name,
    specs,
    source: ctx.source,
  };
}
