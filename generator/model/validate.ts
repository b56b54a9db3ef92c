/**
 * The edge's value rules: what a name, label, address, port, count and time must look like before
 * a record or object enters the model. Readers (flows, inventory, store load) call these once, where
 * input arrives; past that line nothing re-checks. Each check returns `undefined` when the value is
 * good, else a reason that completes "<field> ..." in a message (`is not a DNS-1123 label: ...`).
 *
 * Names follow Kubernetes' own rules (apimachinery validation): namespaces and Service names are
 * DNS-1123 labels, pod, workload and node names DNS-1123 subdomains, label keys an optional
 * DNS-1123 subdomain prefix and a 63-character name, label values up to 63 characters. Keys
 * (keys.ts) use '/' as their separator, so no name that reaches them may hold one.
 */
import ipaddr from 'ipaddr.js';
import type { FlowEndpoint, FlowRecord } from './flow.ts';
import { isValidClusterName, parseKey, RESERVED_IDENTITIES, WORKLOAD_KINDS } from './keys.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const PLAIN_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** C0 controls, DEL and C1 controls (ESC starts terminal escape sequences; U+009B is a one-character CSI). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
/** A DNS name as flow sources report it: letters, digits, '-', '_', '.', a leading '*.' wildcard. */
const DNS_NAME = /^(\*\.)?[A-Za-z0-9_]([-A-Za-z0-9_.]{0,251}[A-Za-z0-9_])?$/;
const WORKLOAD_KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;

export const MAX_SUBDOMAIN_LENGTH = 253;
/** The largest `count` one record may carry (2^31 - 1): a whole number the store keeps exactly. */
export const MAX_FLOW_COUNT = 2_147_483_647;
/** How far ahead of the receiving clock a flow's time may be (a node whose clock runs ahead). */
export const MAX_CLOCK_AHEAD_MS = 24 * 3600_000;
/** Free text (L7 summaries, drop reasons, raw labels of non-Kubernetes sources) is cut off here. */
export const MAX_TEXT_LENGTH = 4096;

/** Shows a string in a message: quoted, control characters escaped, long values cut. */
export function quoted(value: string): string {
  return printable(JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value));
}

export function dns1123LabelProblem(value: string): string | undefined {
  if (DNS1123_LABEL.test(value)) return undefined;
  return `${quoted(value)} is not a DNS-1123 label: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit`;
}

export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length <= MAX_SUBDOMAIN_LENGTH && DNS1123_SUBDOMAIN.test(value)) return undefined;
  return `${quoted(value)} is not a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit`;
}

/** A host name as Ingress rules and Gateway API listeners and routes name it: a DNS-1123 subdomain, optionally `*.` first. */
export function hostnameProblem(value: string): string | undefined {
  const bare = value.startsWith('*.') ? value.slice(2) : value;
  if (bare.length <= MAX_SUBDOMAIN_LENGTH && DNS1123_SUBDOMAIN.test(bare)) return undefined;
  return `${quoted(value)} is not a host name: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.'), optionally starting with '*.'`;
}

export function clusterNameProblem(value: string): string | undefined {
  if (isValidClusterName(value)) return undefined;
  return `${quoted(value)} is not a cluster name: letters, digits, '.', '_' or '-', starting and ending with a letter or digit`;
}

/** A label key: `name` or `prefix/name`, prefix a DNS-1123 subdomain, name at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0 && (key.length - slash - 1 < 1 || dns1123SubdomainProblem(key.slice(0, slash)) !== undefined)) {
    return `label key ${quoted(key)} has an invalid prefix: expected a DNS-1123 subdomain before '/'`;
  }
  if (!LABEL_NAME.test(name)) {
    return `label key ${quoted(key)} is invalid: its name must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (LABEL_VALUE.test(value)) return undefined;
  return `label value ${quoted(value)} is invalid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}

/** Both halves of a label. */
export function labelProblem(key: string, value: string): string | undefined {
  return labelKeyProblem(key) ?? labelValueProblem(value);
}

/**
 * A key of a Cilium label selector: a Kubernetes label key, optionally behind Cilium's label source
 * (`k8s:app`, `any:app`, `reserved:host`, `cidr:...`). A Kubernetes key never holds a colon, so the
 * first one separates the source.
 */
export function ciliumLabelKeyProblem(key: string): string | undefined {
  const source = /^[a-z][a-z0-9-]*:/.exec(key);
  if (!source) return labelKeyProblem(key);
  return key.startsWith('cidr:') || key.startsWith('fqdn:') ? textProblem(key) : labelKeyProblem(key.slice(source[0].length));
}

/** An IPv4 address in dotted-quad form or an IPv6 address (no zone, no CIDR, no octal or hex IPv4). */
export function ipProblem(value: string): string | undefined {
  if (PLAIN_IPV4.test(value) || goodIpv6.has(value)) return undefined;
  if (value.includes(':') && !value.includes('%') && !value.includes('/') && ipaddr.IPv6.isValid(value)) {
    // ipaddr's IPv6 check costs ~3 µs; a flow log repeats the same few thousand addresses.
    if (goodIpv6.size >= MAX_IPV6_SEEN) goodIpv6.clear();
    goodIpv6.add(value);
    return undefined;
  }
  return `${quoted(value)} is not an IP address: expected dotted-quad IPv4 (10.0.0.1) or IPv6 (fd00::1)`;
}

const goodIpv6 = new Set<string>();
const MAX_IPV6_SEEN = 10_000;

export function portProblem(value: number): string | undefined {
  if (Number.isInteger(value) && value >= 0 && value <= 65535) return undefined;
  return `${value} is not a port: expected a whole number from 0 to 65535`;
}

export function countProblem(value: number): string | undefined {
  if (Number.isInteger(value) && value >= 0 && value <= MAX_FLOW_COUNT) return undefined;
  return `${value} is not a connection count: expected a whole number from 0 to ${MAX_FLOW_COUNT}`;
}

/** A time in ms since the epoch, not before 1970 and at most MAX_CLOCK_AHEAD_MS after `now`. */
export function timeProblem(value: number, now: number): string | undefined {
  if (Number.isFinite(value) && value >= 0 && value <= now + MAX_CLOCK_AHEAD_MS) return undefined;
  const shown = Number.isFinite(value) && Math.abs(value) < 8.64e15 ? new Date(value).toISOString() : String(value);
  return `${shown} is outside the accepted window: from 1970 to 24 h after the time it was received (${new Date(now).toISOString()})`;
}

/** Free text: no control characters (they would reach a terminal or a log), at most MAX_TEXT_LENGTH. */
export function textProblem(value: string): string | undefined {
  if (value.length > MAX_TEXT_LENGTH) return `is longer than ${MAX_TEXT_LENGTH} characters`;
  if (CONTROL.test(value)) return `${quoted(value)} holds control characters`;
  return undefined;
}

/**
 * A string for a terminal or a log: control characters shown as \uXXXX escapes (with
 * `keepNewlines`, line breaks stay, for messages of several lines).
 */
export function printable(value: string, keepNewlines = false): string {
  if (!CONTROL.test(value)) return value;
  return value.replace(CONTROL_ALL, (c) => (keepNewlines && c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * A raw flow label (`k8s:app=web`, `reserved:world`, `cidr:10.0.0.0/8`): Kubernetes labels (`k8s:`)
 * must be valid label keys and values; labels of other sources are free text.
 */
export function flowLabelProblem(raw: string): string | undefined {
  if (raw.startsWith('k8s:')) {
    const eq = raw.indexOf('=');
    return eq < 0 ? labelKeyProblem(raw.slice(4)) : labelProblem(raw.slice(4, eq), raw.slice(eq + 1));
  }
  const text = textProblem(raw);
  return text === undefined ? undefined : `label ${text}`;
}

/** Hubble's `node_name`: a node name, or `cluster/node` from Relay. */
export function observerProblem(value: string): string | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return dns1123SubdomainProblem(value);
  return clusterNameProblem(value.slice(0, slash)) ?? dns1123SubdomainProblem(value.slice(slash + 1));
}

// Label arrays are shared between the records of one endpoint (the readers cache decoded
// endpoints), so each array is checked once.
const goodLabelArrays = new WeakSet<readonly string[]>();

function labelsProblem(labels: readonly string[]): string | undefined {
  if (goodLabelArrays.has(labels)) return undefined;
  for (const raw of labels) {
    if (typeof raw !== 'string') return 'label is not a string';
    const problem = flowLabelProblem(raw);
    if (problem !== undefined) return problem;
  }
  goodLabelArrays.add(labels);
  return undefined;
}

/** What is wrong with one end of a flow, or undefined. */
export function flowEndpointProblem(e: FlowEndpoint): string | undefined {
  if (e.cluster !== undefined) {
    const p = clusterNameProblem(e.cluster);
    if (p) return `cluster ${p}`;
  }
  if (e.namespace !== undefined) {
    const p = dns1123LabelProblem(e.namespace);
    if (p) return `namespace ${p}`;
  }
  if (e.podName !== undefined) {
    const p = dns1123SubdomainProblem(e.podName);
    if (p) return `pod name ${p}`;
  }
  if (e.ip !== undefined) {
    const p = ipProblem(e.ip);
    if (p) return `IP ${p}`;
  }
  if (e.port !== undefined) {
    const p = portProblem(e.port);
    if (p) return `port ${p}`;
  }
  if (e.labels !== undefined) {
    const p = labelsProblem(e.labels);
    if (p) return p;
  }
  if (e.workloads !== undefined) {
    for (const w of e.workloads) {
      if (!WORKLOAD_KIND.test(w.kind)) return `workload kind ${quoted(String(w.kind))} is not a Kubernetes kind`;
      const p = dns1123SubdomainProblem(w.name);
      if (p) return `workload name ${p}`;
    }
  }
  if (e.identity !== undefined && !(Number.isInteger(e.identity) && e.identity >= 0 && e.identity <= 0xffffffff)) {
    return `identity ${e.identity} is not a whole number from 0 to 2^32 - 1`;
  }
  if (e.names !== undefined) {
    for (const name of e.names) if (!DNS_NAME.test(name)) return `DNS name ${quoted(name)} is not a host name`;
  }
  if (e.service !== undefined) {
    if (e.service.namespace !== undefined) {
      const p = dns1123LabelProblem(e.service.namespace);
      if (p) return `service namespace ${p}`;
    }
    const p = dns1123LabelProblem(e.service.name);
    if (p) return `service name ${p}`;
  }
  if (e.nodeName !== undefined) {
    const p = dns1123SubdomainProblem(e.nodeName);
    if (p) return `node name ${p}`;
  }
  return undefined;
}

/** Consecutive records mostly come from one node. */
let lastGoodObserver: string | undefined;

/**
 * What is wrong with a flow record, or undefined when every value in it is good. `now` is the
 * receiving clock (times may run at most MAX_CLOCK_AHEAD_MS ahead of it).
 */
export function flowRecordProblem(r: FlowRecord, now: number): string | undefined {
  const time = timeProblem(r.time, now);
  if (time) return `time ${time}`;
  const source = flowEndpointProblem(r.source);
  if (source) return `source ${source}`;
  const destination = flowEndpointProblem(r.destination);
  if (destination) return `destination ${destination}`;
  if (r.port !== undefined) {
    const p = portProblem(r.port);
    if (p) return `port ${p}`;
  }
  const count = countProblem(r.count);
  if (count) return `count ${count}`;
  if (r.observer !== undefined && r.observer !== lastGoodObserver) {
    const p = observerProblem(r.observer);
    if (p) return `observer (node_name) ${p}`;
    lastGoodObserver = r.observer;
  }
  if (r.dropReason !== undefined) {
    const p = textProblem(r.dropReason);
    if (p) return `drop reason ${p}`;
  }
  if (r.l7 !== undefined) {
    const p = textProblem(r.l7);
    if (p) return `L7 summary ${p}`;
  }
  if (r.dns !== undefined) {
    const p = textProblem(r.dns.query);
    if (p) return `DNS query ${p}`;
    for (const ip of r.dns.ips) {
      const p = ipProblem(ip);
      if (p) return `DNS answer ${p}`;
    }
  }
  return undefined;
}

const UNKNOWN_WHAT = /^(identity-\d{1,10}|unidentified)$/;

/**
 * What is wrong with a graph node key (keys.ts) whose parts come from outside (a stored row), or
 * undefined: it must parse, and each part must follow the rule of what it names.
 */
export function keyProblem(key: string): string | undefined {
  let k;
  try {
    k = parseKey(key);
  } catch {
    return `key ${quoted(key)} is not one netatlas builds`;
  }
  const named = (what: string, problem: string | undefined): string | undefined => (problem === undefined ? undefined : `key ${quoted(key)}: ${what} ${problem}`);
  if (k.kind === 'external') return named('IP', ipProblem(k.ip));
  const cluster = named('cluster', clusterNameProblem(k.cluster));
  if (cluster) return cluster;
  switch (k.kind) {
    case 'cluster':
      return undefined;
    case 'namespace':
      return named('namespace', dns1123LabelProblem(k.namespace));
    case 'workload':
      if (!WORKLOAD_KINDS.includes(k.workloadKind)) return `key ${quoted(key)}: ${quoted(k.workloadKind)} is not a workload kind`;
      return named('namespace', dns1123LabelProblem(k.namespace)) ?? named('name', dns1123SubdomainProblem(k.name));
    case 'pod':
      return named('namespace', dns1123LabelProblem(k.namespace)) ?? named('name', dns1123SubdomainProblem(k.name));
    case 'service':
      return named('namespace', dns1123LabelProblem(k.namespace)) ?? named('name', dns1123LabelProblem(k.name));
    case 'host':
      return named('node name', dns1123SubdomainProblem(k.name));
    case 'reserved':
      return RESERVED_IDENTITIES.includes(k.identity) ? undefined : `key ${quoted(key)}: ${quoted(k.identity)} is not a reserved identity`;
    case 'unknown':
      return UNKNOWN_WHAT.test(k.ip) ? undefined : named('address', ipProblem(k.ip));
  }
}
