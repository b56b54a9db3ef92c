/**
 * A structural check of a NetworkPolicy object against the Kubernetes OpenAPI shape
 * (networking.k8s.io/v1): known fields only, the right types, and the API server's own
 * validation rules for selectors, ports and ipBlocks. Returns problems as sentences.
 */
import { isValidCidr } from '../semantics/cidr.ts';

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fields(o: Obj, allowed: readonly string[], at: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${at}.${k}: unknown field`);
}

function labelMap(v: unknown, at: string, problems: string[]): void {
  if (v === undefined) return;
  if (!isObj(v)) return void problems.push(`${at}: must be a map of strings`);
  for (const [k, val] of Object.entries(v)) {
    const name = k.includes('/') ? k.slice(k.indexOf('/') + 1) : k;
    if (!name || name.length > 63 || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) problems.push(`${at}: invalid label key ${JSON.stringify(k)}`);
    if (typeof val !== 'string') problems.push(`${at}.${k}: must be a string`);
    else if (at.endsWith('matchLabels') && (val.length > 63 || !LABEL_VALUE.test(val))) problems.push(`${at}.${k}: invalid label value ${JSON.stringify(val)}`);
  }
}

function selector(v: unknown, at: string, problems: string[]): void {
  if (!isObj(v)) return void problems.push(`${at}: must be a label selector object`);
  fields(v, ['matchLabels', 'matchExpressions'], at, problems);
  labelMap(v.matchLabels, `${at}.matchLabels`, problems);
  if (v.matchExpressions !== undefined) {
    if (!Array.isArray(v.matchExpressions)) return void problems.push(`${at}.matchExpressions: must be a list`);
    v.matchExpressions.forEach((r: unknown, i) => {
      const a = `${at}.matchExpressions[${i}]`;
      if (!isObj(r)) return void problems.push(`${a}: must be an object`);
      fields(r, ['key', 'operator', 'values'], a, problems);
      if (typeof r.key !== 'string') problems.push(`${a}.key: required string`);
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator as string)) problems.push(`${a}.operator: must be In, NotIn, Exists or DoesNotExist`);
      const values = r.values as unknown;
      if (values !== undefined && (!Array.isArray(values) || values.some((x) => typeof x !== 'string'))) problems.push(`${a}.values: must be a list of strings`);
      const n = Array.isArray(values) ? values.length : 0;
      if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) problems.push(`${a}.values: required for ${r.operator}`);
      if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) problems.push(`${a}.values: must be empty for ${r.operator}`);
    });
  }
}

function peer(v: unknown, at: string, problems: string[]): void {
  if (!isObj(v)) return void problems.push(`${at}: must be an object`);
  fields(v, ['podSelector', 'namespaceSelector', 'ipBlock'], at, problems);
  if (v.ipBlock !== undefined) {
    if (v.podSelector !== undefined || v.namespaceSelector !== undefined) problems.push(`${at}: ipBlock cannot be combined with selectors`);
    const b = v.ipBlock;
    if (!isObj(b)) return void problems.push(`${at}.ipBlock: must be an object`);
    fields(b, ['cidr', 'except'], `${at}.ipBlock`, problems);
    if (typeof b.cidr !== 'string' || !isValidCidr(b.cidr)) problems.push(`${at}.ipBlock.cidr: invalid CIDR ${JSON.stringify(b.cidr)}`);
    if (b.except !== undefined && (!Array.isArray(b.except) || b.except.some((c) => typeof c !== 'string' || !isValidCidr(c)))) problems.push(`${at}.ipBlock.except: must be a list of CIDRs`);
  } else if (v.podSelector === undefined && v.namespaceSelector === undefined) problems.push(`${at}: needs podSelector, namespaceSelector or ipBlock`);
  if (v.podSelector !== undefined) selector(v.podSelector, `${at}.podSelector`, problems);
  if (v.namespaceSelector !== undefined) selector(v.namespaceSelector, `${at}.namespaceSelector`, problems);
}

function port(v: unknown, at: string, problems: string[]): void {
  if (!isObj(v)) return void problems.push(`${at}: must be an object`);
  fields(v, ['protocol', 'port', 'endPort'], at, problems);
  if (v.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(v.protocol as string)) problems.push(`${at}.protocol: must be TCP, UDP or SCTP`);
  if (typeof v.port === 'number') {
    if (!Number.isInteger(v.port) || v.port < 1 || v.port > 65535) problems.push(`${at}.port: must be 1-65535`);
  } else if (typeof v.port === 'string') {
    if (v.port.length > 15 || !IANA_SVC_NAME.test(v.port)) problems.push(`${at}.port: invalid port name ${JSON.stringify(v.port)}`);
  } else if (v.port !== undefined) problems.push(`${at}.port: must be a number or a name`);
  if (v.endPort !== undefined && (typeof v.endPort !== 'number' || typeof v.port !== 'number' || v.endPort < v.port)) problems.push(`${at}.endPort: needs a numeric port <= endPort`);
}

function rules(v: unknown, dir: 'from' | 'to', at: string, problems: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return void problems.push(`${at}: must be a list`);
  v.forEach((r: unknown, i) => {
    const a = `${at}[${i}]`;
    if (!isObj(r)) return void problems.push(`${a}: must be an object`);
    fields(r, [dir, 'ports'], a, problems);
    const peers = r[dir];
    if (peers !== undefined) {
      if (!Array.isArray(peers)) problems.push(`${a}.${dir}: must be a list`);
      else peers.forEach((p, j) => peer(p, `${a}.${dir}[${j}]`, problems));
    }
    if (r.ports !== undefined) {
      if (!Array.isArray(r.ports)) problems.push(`${a}.ports: must be a list`);
      else r.ports.forEach((p, j) => port(p, `${a}.ports[${j}]`, problems));
    }
  });
}

/** Problems with a networking.k8s.io/v1 NetworkPolicy object (empty when it is valid). */
export function validateNetworkPolicyObject(o: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(o)) return ['NetworkPolicy: must be an object'];
  fields(o, ['apiVersion', 'kind', 'metadata', 'spec'], 'NetworkPolicy', problems);
  if (o.apiVersion !== 'networking.k8s.io/v1') problems.push('apiVersion: must be networking.k8s.io/v1');
  if (o.kind !== 'NetworkPolicy') problems.push('kind: must be NetworkPolicy');
  const m = o.metadata;
  if (!isObj(m)) problems.push('metadata: required');
  else {
    if (typeof m.name !== 'string' || m.name.length > 253 || !DNS1123.test(m.name)) problems.push(`metadata.name: invalid name ${JSON.stringify(m.name)}`);
    if (typeof m.namespace !== 'string' || !DNS1123.test(m.namespace)) problems.push('metadata.namespace: required DNS label');
    labelMap(m.labels, 'metadata.labels', problems);
    if (m.annotations !== undefined && (!isObj(m.annotations) || Object.values(m.annotations).some((x) => typeof x !== 'string'))) problems.push('metadata.annotations: must be a map of strings');
  }
  const s = o.spec;
  if (!isObj(s)) return [...problems, 'spec: required'];
  fields(s, ['podSelector', 'policyTypes', 'ingress', 'egress'], 'spec', problems);
  selector(s.podSelector, 'spec.podSelector', problems);
  if (s.policyTypes !== undefined && (!Array.isArray(s.policyTypes) || s.policyTypes.some((t) => t !== 'Ingress' && t !== 'Egress'))) problems.push('spec.policyTypes: must list Ingress and/or Egress');
  rules(s.ingress, 'from', 'spec.ingress', problems);
  rules(s.egress, 'to', 'spec.egress', problems);
  return problems;
}
