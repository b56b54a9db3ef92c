/**
 * NetworkPolicy (networking.k8s.io/v1), AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * (policy.networking.k8s.io/v1alpha1) and ClusterNetworkPolicy (v1alpha2). Absent and empty stay
 * distinct; semantic checks (endPort < port, named ports) are the engine's.
 */
import {
  type AdminAction,
  type AdminNetworkPolicyInfo,
  type AdminPeer,
  type AdminPodsSelector,
  type AdminPort,
  type AdminRule,
  type AdminSubject,
  type IPBlock,
  type NetworkPolicyInfo,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type NetworkPolicyRule,
  type PolicyType,
  type Protocol,
} from '../../../generator/model/index.ts';
import { type Ctx, Malformed, type Obj, base, intOrString, isObj, normalizeSelector, optArr, optInt, optObj, optStr, pick, protocol, rule, strList } from './fields.ts';

// ---------------------------------------------------------------------------------------------
// NetworkPolicy

function npPeer(p: unknown, w: string): NetworkPolicyPeer {
  if (!isObj(p)) throw new Malformed(`${w} must be an object`);
  const podSelector = normalizeSelector(p.podSelector, `${w}.podSelector`);
  const namespaceSelector = normalizeSelector(p.namespaceSelector, `${w}.namespaceSelector`);
  const ib = optObj(p.ipBlock, `${w}.ipBlock`);
  let ipBlock: IPBlock | undefined;
  if (ib) {
    const cidr = optStr(ib.cidr, `${w}.ipBlock.cidr`);
    if (cidr === undefined) throw new Malformed(`${w}.ipBlock.cidr is required`);
    const exc = pick(ib, 'except');
    ipBlock = exc === undefined || exc === null ? { cidr } : { cidr, except: strList(exc, `${w}.ipBlock.except`) };
  }
  return {
    ...(podSelector !== undefined ? { podSelector } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    ...(ipBlock !== undefined ? { ipBlock } : {}),
  };
}

function npPort(p: unknown, w: string): NetworkPolicyPort {
  if (!isObj(p)) throw new Malformed(`${w} must be an object`);
  const proto = protocol(p.protocol, `${w}.protocol`);
  const port = intOrString(p.port, `${w}.port`);
  const endPort = optInt(p.endPort, `${w}.endPort`);
  return {
    ...(proto !== undefined ? { protocol: proto } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(endPort !== undefined ? { endPort } : {}),
  };
}

function npRules(v: unknown, peerField: 'from' | 'to', w: string): NetworkPolicyRule[] | undefined {
  const rules = optArr(v, w);
  return rules?.map((r, i): NetworkPolicyRule => {
    const rw = `${w}[${i}]`;
    if (r === null) return {}; // `- ` in YAML: an empty rule
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const peers = optArr(pick(r, peerField), `${rw}.${peerField}`)?.map((p, j) => npPeer(p, `${rw}.${peerField}[${j}]`));
    const ports = optArr(r.ports, `${rw}.ports`)?.map((p, j) => npPort(p, `${rw}.ports[${j}]`));
    return { ...(peers !== undefined ? { peers } : {}), ...(ports !== undefined ? { ports } : {}) };
  });
}

export function normalizeNetworkPolicy(o: Obj, meta: Obj, ctx: Ctx): NetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const b = base(meta, ctx);
  const types = spec.policyTypes === undefined || spec.policyTypes === null ? undefined : strList(spec.policyTypes, 'spec.policyTypes');
  types?.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') throw new Malformed(`spec.policyTypes[${i}] must be Ingress or Egress (got ${JSON.stringify(t)})`);
  });
  const ingress = npRules(spec.ingress, 'from', 'spec.ingress');
  const egress = npRules(spec.egress, 'to', 'spec.egress');
  return {
    kind: 'NetworkPolicy',
    cluster: ctx.cluster,
    namespace: ctx.namespace!,
    name: ctx.name,
    labels: b.labels,
    ...(b.annotations !== undefined ? { annotations: b.annotations } : {}),
    // podSelector is required by the API; a missing one is treated as `{}` (all pods).
    podSelector: normalizeSelector(spec.podSelector, 'spec.podSelector') ?? {},
    ...(types !== undefined ? { policyTypes: types as PolicyType[] } : {}),
    ...(ingress !== undefined ? { ingress } : {}),
    ...(egress !== undefined ? { egress } : {}),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// AdminNetworkPolicy / BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)

function adminPods(v: unknown, w: string): AdminPodsSelector {
  const o = optObj(v, w)!;
  return {
    namespaceSelector: normalizeSelector(o.namespaceSelector, `${w}.namespaceSelector`) ?? {},
    podSelector: normalizeSelector(o.podSelector, `${w}.podSelector`) ?? {},
  };
}

function adminSubject(v: unknown): AdminSubject {
  const s = optObj(v, 'spec.subject');
  if (!s) throw new Malformed('spec.subject is required (namespaces or pods)');
  if (s.namespaces !== undefined && s.namespaces !== null) return { namespaces: normalizeSelector(s.namespaces, 'spec.subject.namespaces') ?? {} };
  if (s.pods !== undefined && s.pods !== null) return { pods: adminPods(s.pods, 'spec.subject.pods') };
  throw new Malformed('spec.subject must set namespaces or pods');
}

function adminPeers(v: unknown, w: string): AdminPeer[] {
  const out: AdminPeer[] = [];
  (optArr(v, w) ?? []).forEach((p, i) => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const before = out.length;
    if (p.namespaces !== undefined && p.namespaces !== null) out.push({ kind: 'namespaces', namespaces: normalizeSelector(p.namespaces, `${pw}.namespaces`) ?? {} });
    if (p.pods !== undefined && p.pods !== null) out.push({ kind: 'pods', pods: adminPods(p.pods, `${pw}.pods`) });
    if (p.networks !== undefined && p.networks !== null) out.push({ kind: 'networks', networks: strList(p.networks, `${pw}.networks`) });
    if (p.nodes !== undefined && p.nodes !== null) out.push({ kind: 'nodes', nodes: normalizeSelector(p.nodes, `${pw}.nodes`) ?? {} });
    if (out.length === before) throw new Malformed(`${pw} must set one of namespaces, pods, networks, nodes`);
  });
  return out;
}

function adminPorts(v: unknown, w: string): AdminPort[] | undefined {
  return optArr(v, w)?.map((p, i): AdminPort => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    if (p.portNumber !== undefined && p.portNumber !== null) {
      const n = optObj(p.portNumber, `${pw}.portNumber`)!;
      const port = optInt(n.port, `${pw}.portNumber.port`);
      if (port === undefined) throw new Malformed(`${pw}.portNumber.port is required`);
      return { kind: 'portNumber', protocol: protocol(n.protocol, `${pw}.portNumber.protocol`) ?? 'TCP', port };
    }
    if (p.namedPort !== undefined && p.namedPort !== null) {
      return { kind: 'namedPort', name: optStr(p.namedPort, `${pw}.namedPort`)! };
    }
    if (p.portRange !== undefined && p.portRange !== null) {
      const r = optObj(p.portRange, `${pw}.portRange`)!;
      const start = optInt(r.start, `${pw}.portRange.start`);
      const end = optInt(r.end, `${pw}.portRange.end`);
      if (start === undefined || end === undefined) throw new Malformed(`${pw}.portRange needs start and end`);
      return { kind: 'portRange', protocol: protocol(r.protocol, `${pw}.portRange.protocol`) ?? 'TCP', start, end };
    }
    throw new Malformed(`${pw} must set one of portNumber, namedPort, portRange`);
  });
}

const ADMIN_ACTIONS: readonly AdminAction[] = ['Allow', 'Deny', 'Pass'];

/** A rule's `action`, one of the kind's actions. */
function ruleAction(r: Obj, rw: string, actions: readonly AdminAction[]): AdminAction {
  const action = optStr(r.action, `${rw}.action`);
  if (action === undefined || !(actions as readonly string[]).includes(action)) {
    throw new Malformed(`${rw}.action must be ${actions.slice(0, -1).join(', ')} or ${actions[actions.length - 1]} (got ${JSON.stringify(action)})`);
  }
  return action as AdminAction;
}

function adminRules(v: unknown, peerField: 'from' | 'to', w: string): AdminRule[] {
  return (optArr(v, w) ?? []).map((r, i): AdminRule => {
    const rw = `${w}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const action = ruleAction(r, rw, ADMIN_ACTIONS);
    const ports = adminPorts(r.ports, `${rw}.ports`);
    return {
      name: optStr(r.name, `${rw}.name`) ?? '',
      action,
      peers: adminPeers(pick(r, peerField), `${rw}.${peerField}`),
      ...(ports !== undefined ? { ports } : {}),
    };
  });
}

export function normalizeAdminPolicy(kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy', o: Obj, ctx: Ctx): AdminNetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const priority = optInt(spec.priority, 'spec.priority');
  return {
    kind,
    cluster: ctx.cluster,
    name: ctx.name,
    ...(priority !== undefined ? { priority } : {}),
    subject: adminSubject(spec.subject),
    ingress: adminRules(spec.ingress, 'from', 'spec.ingress'),
    egress: adminRules(spec.egress, 'to', 'spec.egress'),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------
// ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, network-policy-api v0.2.0)

/** `protocols`: one of tcp/udp/sctp with a destinationPort (number or range), or destinationNamedPort. */
function cnpProtocols(v: unknown, w: string): AdminPort[] | undefined {
  return optArr(v, w)?.map((p, i): AdminPort => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const set = ['tcp', 'udp', 'sctp', 'destinationNamedPort'].filter((k) => p[k] !== undefined && p[k] !== null);
    if (set.length !== 1) throw new Malformed(`${pw} must set exactly one of tcp, udp, sctp, destinationNamedPort (got ${set.length ? set.join(', ') : 'none'})`);
    if (set[0] === 'destinationNamedPort') return { kind: 'namedPort', name: optStr(p.destinationNamedPort, `${pw}.destinationNamedPort`)! };
    const proto = set[0].toUpperCase() as Protocol;
    const pp = optObj(p[set[0]], `${pw}.${set[0]}`)!;
    const dp = optObj(pp.destinationPort, `${pw}.${set[0]}.destinationPort`);
    if (!dp) throw new Malformed(`${pw}.${set[0]}.destinationPort is required (number or range)`);
    const dw = `${pw}.${set[0]}.destinationPort`;
    const number = optInt(dp.number, `${dw}.number`);
    const range = optObj(dp.range, `${dw}.range`);
    if ((number === undefined) === (range === undefined)) throw new Malformed(`${dw} must set exactly one of number, range`);
    if (number !== undefined) return { kind: 'portNumber', protocol: proto, port: number };
    const start = optInt(range!.start, `${dw}.range.start`);
    const end = optInt(range!.end, `${dw}.range.end`);
    if (start === undefined || end === undefined) throw new Malformed(`${dw}.range needs start and end`);
    return { kind: 'portRange', protocol: proto, start, end };
  });
}

function cnpPeers(v: unknown, w: string, direction: 'ingress' | 'egress'): AdminPeer[] {
  const allowed = direction === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'];
  return (optArr(v, w) ?? []).map((p, i): AdminPeer => {
    const pw = `${w}[${i}]`;
    if (!isObj(p)) throw new Malformed(`${pw} must be an object`);
    const set = Object.keys(p).filter((k) => p[k] !== undefined && p[k] !== null);
    // One field per peer (the API's MaxProperties=1); an unknown one means a newer API version.
    if (set.length !== 1 || !allowed.includes(set[0])) {
      throw new Malformed(`${pw} must set exactly one of ${allowed.join(', ')} (got ${set.length ? set.join(', ') : 'none'})`);
    }
    switch (set[0]) {
      case 'namespaces':
        return { kind: 'namespaces', namespaces: normalizeSelector(p.namespaces, `${pw}.namespaces`) ?? {} };
      case 'pods':
        return { kind: 'pods', pods: adminPods(p.pods, `${pw}.pods`) };
      case 'nodes':
        return { kind: 'nodes', nodes: normalizeSelector(p.nodes, `${pw}.nodes`) ?? {} };
      case 'networks':
        return { kind: 'networks', networks: strList(p.networks, `${pw}.networks`) };
      default:
        return { kind: 'domainNames', domainNames: strList(p.domainNames, `${pw}.domainNames`) };
    }
  });
}

const CNP_ACTIONS: readonly AdminAction[] = ['Accept', 'Deny', 'Pass'];

function cnpRules(v: unknown, direction: 'ingress' | 'egress'): AdminRule[] {
  const w = `spec.${direction}`;
  const peerField = direction === 'ingress' ? 'from' : 'to';
  return (optArr(v, w) ?? []).map((r, i): AdminRule => {
    const rw = `${w}[${i}]`;
    if (!isObj(r)) throw new Malformed(`${rw} must be an object`);
    const action = ruleAction(r, rw, CNP_ACTIONS);
    const ports = cnpProtocols(r.protocols, `${rw}.protocols`);
    return {
      name: optStr(r.name, `${rw}.name`) ?? '',
      action,
      peers: cnpPeers(pick(r, peerField), `${rw}.${peerField}`, direction),
      ...(ports !== undefined ? { ports } : {}),
    };
  });
}

export function normalizeClusterNetworkPolicy(o: Obj, ctx: Ctx): AdminNetworkPolicyInfo {
  const spec = optObj(o.spec, 'spec') ?? {};
  const tier = optStr(spec.tier, 'spec.tier');
  if (tier !== 'Admin' && tier !== 'Baseline') throw new Malformed(`spec.tier must be Admin or Baseline (got ${JSON.stringify(tier)})`);
  const priority = optInt(spec.priority, 'spec.priority');
  return {
    kind: 'ClusterNetworkPolicy',
    cluster: ctx.cluster,
    name: ctx.name,
    tier,
    ...(priority !== undefined ? { priority } : {}),
    subject: adminSubject(spec.subject),
    ingress: cnpRules(spec.ingress, 'ingress'),
    egress: cnpRules(spec.egress, 'egress'),
    source: ctx.source,
  };
}
