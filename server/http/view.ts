/**
 * The graph as the API shows it: edges re-aggregated at a level (cluster, namespace, workload,
 * pod) and filtered. Filters are pure `(edge, filters) => boolean` functions.
 */
import type { FlowEdge, GraphNode, Level, L4Protocol, Verdict } from '../../generator/model/index.ts';
import { clusterKey, flowEdgeKey, LEVELS, namespaceKey, parseKey, VERDICTS } from '../../generator/model/index.ts';
import type { ApiEdge, ApiNode, GraphResponse } from './api-types.ts';
import { badRequest } from './errors.ts';
import type { AppState } from './state.ts';
import { HOUR_MS, parseDuration } from '../store/flow-store.ts';

export interface GraphFilters {
  readonly level: Level;
  readonly clusters?: ReadonlySet<string>;
  readonly namespaces?: ReadonlySet<string>;
  readonly verdicts?: ReadonlySet<Verdict>;
  readonly protocols?: ReadonlySet<L4Protocol>;
  readonly port?: { readonly from: number; readonly to: number };
  readonly since?: number;
  readonly until?: number;
  readonly hideInfra: boolean;
}

const PROTOCOL_NAMES: readonly L4Protocol[] = ['TCP', 'UDP', 'SCTP', 'ICMPv4', 'ICMPv6', 'OTHER'];
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})?$/;

function list(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`parameter "${param}" must be given once, as a comma-separated string.`);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** ms since epoch, ISO date, or a duration back from now (`24h`). */
export function parseTime(value: unknown, param: string, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`parameter "${param}" must be given once.`);
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const d = parseDuration(value);
  if (d !== undefined) return now - d;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw badRequest(`parameter "${param}" is ${JSON.stringify(value.slice(0, 64))}: expected ms since epoch, an ISO date (2026-01-31T12:00:00Z) or a duration like 15m, 24h, 7d.`);
}

/** An absolute time window (ms since epoch); either end may be open. */
export interface TimeWindow {
  readonly since?: number;
  readonly until?: number;
}

/** The window parameters every analysis route takes: `from`/`to`, with `since`/`until` as aliases. */
export const WINDOW_PARAMS = ['from', 'to', 'since', 'until'] as const;

/**
 * `from`/`to` (or their aliases `since`/`until`) of a query: ms since epoch, RFC 3339, or a
 * duration back from now. Throws 400 naming the parameter on a bad value, on a parameter given
 * under both names, or on a start after the end.
 */
export function parseWindow(q: Record<string, unknown>, now: number): TimeWindow {
  const pick = (name: string, alias: string): number | undefined => {
    if (q[name] !== undefined && q[alias] !== undefined) throw badRequest(`parameters "${name}" and "${alias}" are the same: give one.`);
    return q[name] !== undefined ? parseTime(q[name], name, now) : parseTime(q[alias], alias, now);
  };
  const since = pick('from', 'since');
  const until = pick('to', 'until');
  if (since !== undefined && until !== undefined && since > until) {
    throw badRequest(`parameter "${q.from !== undefined ? 'from' : 'since'}" is after "${q.to !== undefined ? 'to' : 'until'}": give a start at or before the end.`);
  }
  return { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}

/** Whether a window is given in relative terms (`24h`), so that it moves with the clock. */
export function isRelativeWindow(q: Record<string, unknown>): boolean {
  return WINDOW_PARAMS.some((k) => /[a-z]$/i.test(String(q[k] ?? '')));
}

export function hasWindow(w: TimeWindow): boolean {
  return w.since !== undefined || w.until !== undefined;
}

/** Validates a /graph or /events query; throws HttpError 400 naming the parameter. */
export function parseGraphQuery(q: Record<string, unknown>, now: number): GraphFilters {
  const known = new Set(['level', 'cluster', 'namespace', 'verdict', 'protocol', 'port', ...WINDOW_PARAMS, 'hideInfra', 'lastEventId']);
  for (const k of Object.keys(q)) {
    if (!known.has(k)) throw badRequest(`unknown parameter "${k}": expected one of ${[...known].join(', ')}.`);
  }
  const levelRaw = q.level ?? 'workload';
  if (typeof levelRaw !== 'string' || !(LEVELS as readonly string[]).includes(levelRaw)) {
    throw badRequest(`parameter "level" is ${JSON.stringify(String(levelRaw).slice(0, 32))}: expected one of ${LEVELS.join(', ')}.`);
  }
  const names = (param: string): Set<string> | undefined => {
    const l = list(q[param], param);
    if (!l) return undefined;
    for (const n of l) if (!NAME.test(n)) throw badRequest(`parameter "${param}" has an invalid name ${JSON.stringify(n.slice(0, 64))}: expected a Kubernetes name.`);
    return new Set(l);
  };
  const verdictList = list(q.verdict, 'verdict')?.map((v) => v.toUpperCase());
  for (const v of verdictList ?? []) {
    if (!(VERDICTS as readonly string[]).includes(v)) throw badRequest(`parameter "verdict" has ${JSON.stringify(v.slice(0, 32))}: expected any of ${VERDICTS.join(', ')}.`);
  }
  const protoList = list(q.protocol, 'protocol')?.map((p) => PROTOCOL_NAMES.find((n) => n.toLowerCase() === p.toLowerCase()) ?? p);
  for (const p of protoList ?? []) {
    if (!(PROTOCOL_NAMES as readonly string[]).includes(p)) throw badRequest(`parameter "protocol" has ${JSON.stringify(p.slice(0, 32))}: expected any of ${PROTOCOL_NAMES.join(', ')}.`);
  }
  let port: GraphFilters['port'];
  if (q.port !== undefined && q.port !== '') {
    const m = typeof q.port === 'string' ? /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(q.port) : null;
    const from = m ? Number(m[1]) : NaN;
    const to = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || from < 1 || to > 65535 || from > to) throw badRequest(`parameter "port" must be a port 1-65535 or a range like 8000-8100.`);
    port = { from, to };
  }
  const { since, until } = parseWindow(q, now);
  const hide = q.hideInfra;
  if (hide !== undefined && hide !== '' && hide !== '0' && hide !== '1' && hide !== 'true' && hide !== 'false') {
    throw badRequest('parameter "hideInfra" must be 1 or 0.');
  }
  return {
    level: levelRaw as Level,
    clusters: names('cluster'),
    namespaces: names('namespace'),
    verdicts: verdictList ? new Set(verdictList as Verdict[]) : undefined,
    protocols: protoList ? new Set(protoList as L4Protocol[]) : undefined,
    port, since, until,
    hideInfra: hide === '1' || hide === 'true',
  };
}

// ------------------------------------------------------------------ pure edge filters

export const byVerdict = (e: FlowEdge, f: GraphFilters): boolean =>
  !f.verdicts || Object.entries(e.verdicts).some(([v, n]) => (n ?? 0) > 0 && f.verdicts!.has(v as Verdict));
export const byProtocol = (e: FlowEdge, f: GraphFilters): boolean => !f.protocols || f.protocols.has(e.protocol);
export const byPort = (e: FlowEdge, f: GraphFilters): boolean =>
  !f.port || (e.port !== undefined && e.port >= f.port.from && e.port <= f.port.to);
export const byTime = (e: FlowEdge, f: GraphFilters): boolean =>
  (f.since === undefined || e.lastSeen >= f.since) && (f.until === undefined || e.firstSeen <= f.until);

const EDGE_FILTERS = [byVerdict, byProtocol, byPort, byTime];

function hasEdgeFilters(f: GraphFilters): boolean {
  return !!(f.verdicts || f.protocols || f.port || f.since !== undefined || f.until !== undefined);
}

// ------------------------------------------------------------------ node helpers

type G = AppState['graph'];

function nodeCluster(attrs: GraphNode | undefined): string | undefined {
  return attrs && 'cluster' in attrs ? attrs.cluster : undefined;
}
function nodeNamespace(attrs: GraphNode | undefined): string | undefined {
  return attrs && 'namespace' in attrs ? (attrs as { namespace: string }).namespace : undefined;
}

/** Infra flag of a node (a pod inherits its workload's). */
function infraOf(g: G, key: string): string | undefined {
  if (!g.hasNode(key)) return undefined;
  const a = g.getNodeAttributes(key);
  if (a.kind === 'workload') return a.infra;
  if (a.kind === 'pod' && g.hasNode(a.workload)) {
    const w = g.getNodeAttributes(a.workload);
    return w.kind === 'workload' ? w.infra : undefined;
  }
  return undefined;
}

/** The key a node is shown as at a level. */
export function projectKey(g: G, key: string, level: Level): string {
  if (level === 'pod' || !g.hasNode(key)) return key;
  const a = g.getNodeAttributes(key);
  switch (a.kind) {
    case 'pod':
      if (level === 'workload') return a.workload;
      return level === 'namespace' ? namespaceKey(a.cluster, a.namespace) : clusterKey(a.cluster);
    case 'workload':
    case 'service':
      if (level === 'workload') return key;
      return level === 'namespace' ? namespaceKey(a.cluster, a.namespace) : clusterKey(a.cluster);
    case 'namespace':
      return level === 'cluster' ? clusterKey(a.cluster) : key;
    case 'host':
    case 'unknown':
      return level === 'cluster' ? clusterKey(a.cluster) : key;
    case 'reserved':
      return level === 'cluster' && a.identity !== 'world' ? clusterKey(a.cluster) : key;
    default:
      return key;
  }
}

export function parentOf(a: GraphNode, key: string): string | undefined {
  switch (a.kind) {
    case 'pod': return a.workload;
    case 'workload':
    case 'service': return namespaceKey(a.cluster, a.namespace);
    case 'namespace':
    case 'host':
    case 'reserved':
    case 'unknown': return key.startsWith('cluster:') ? undefined : clusterKey(a.cluster);
    default: return undefined;
  }
}

export function toApiNode(g: G, key: string, pods?: Map<string, number>): ApiNode {
  if (!g.hasNode(key)) return syntheticNode(key);
  const a = g.getNodeAttributes(key);
  const base: Record<string, unknown> = { key, kind: a.kind, label: a.label ?? key };
  const cluster = nodeCluster(a);
  if (cluster) base.cluster = cluster;
  const ns = nodeNamespace(a);
  if (ns) base.namespace = ns;
  const parent = parentOf(a, key);
  if (parent) base.parent = parent;
  if (a.kind === 'workload') {
    base.workloadKind = a.workloadKind;
    if (a.infra) base.infra = a.infra;
  }
  if ('labels' in a && a.labels) base.labels = { ...a.labels };
  if (a.kind === 'pod') base.ips = [...a.ips];
  if (a.kind === 'service') base.ips = [...a.clusterIPs];
  if (a.kind === 'external') {
    base.ip = a.ip;
    base.fqdns = [...a.fqdns];
  }
  if (a.kind === 'unknown') base.ip = a.ip;
  if (a.kind === 'host') base.ips = [...a.addresses];
  if (pods?.has(key)) base.pods = pods.get(key);
  return base as unknown as ApiNode;
}

/** A node for a key the graph does not hold (a namespace or cluster only flows revealed). */
function syntheticNode(key: string): ApiNode {
  try {
    const p = parseKey(key);
    switch (p.kind) {
      case 'cluster': return { key, kind: 'cluster', label: p.cluster, cluster: p.cluster };
      case 'namespace': return { key, kind: 'namespace', label: p.namespace, cluster: p.cluster, namespace: p.namespace, parent: clusterKey(p.cluster) };
      case 'workload': return { key, kind: 'workload', label: p.name, cluster: p.cluster, namespace: p.namespace, workloadKind: p.workloadKind, parent: namespaceKey(p.cluster, p.namespace) };
      case 'external': return { key, kind: 'external', label: p.ip, ip: p.ip };
      default: return { key, kind: p.kind, label: key, cluster: (p as { cluster?: string }).cluster };
    }
  } catch {
    return { key, kind: 'unknown', label: key };
  }
}

/** Pods per workload, namespace and cluster key. */
export function podCounts(g: G): Map<string, number> {
  const out = new Map<string, number>();
  const inc = (k: string): void => { out.set(k, (out.get(k) ?? 0) + 1); };
  g.forEachNode((_key, a) => {
    if (a.kind !== 'pod') return;
    inc(a.workload);
    inc(namespaceKey(a.cluster, a.namespace));
    inc(clusterKey(a.cluster));
  });
  return out;
}

function nodeKindAtLevel(level: Level): GraphNode['kind'] {
  return level;
}

function nodePasses(g: G, key: string, f: GraphFilters): boolean {
  const a = g.hasNode(key) ? g.getNodeAttributes(key) : undefined;
  const cluster = a ? nodeCluster(a) : undefined;
  const ns = a ? nodeNamespace(a) : undefined;
  if (f.clusters && (!cluster || !f.clusters.has(cluster))) return false;
  if (f.namespaces && (!ns || !f.namespaces.has(ns))) return false;
  if (f.hideInfra && infraOf(g, key)) return false;
  if (f.hideInfra && a?.kind === 'namespace' && a.namespace === 'kube-system') return false;
  return true;
}

/** Whether an end of an edge passes the node filters; external peers pass cluster/namespace filters through the other end. */
function endMatches(g: G, key: string, f: GraphFilters): { cluster: boolean; namespace: boolean } {
  const a = g.hasNode(key) ? g.getNodeAttributes(key) : undefined;
  const cluster = a ? nodeCluster(a) : undefined;
  const ns = a ? nodeNamespace(a) : undefined;
  return {
    cluster: !f.clusters || (!!cluster && f.clusters.has(cluster)),
    namespace: !f.namespaces || (!!ns && f.namespaces.has(ns)),
  };
}

/**
 * Every edge (both levels) of a window: its stored sums over the window's buckets when a store
 * is open (a shared store must be prefetched: AppState.prefetchWindow), else the graph's edges;
 * without a window, the graph's edges. Not yet filtered by time (byTime).
 */
function edgesOf(state: AppState, w: TimeWindow): Array<[string, FlowEdge]> {
  const g = state.graph;
  const all: Array<[string, FlowEdge]> = [];
  if (hasWindow(w) && state.store?.isOpen) {
    for (const e of state.windowEdges({ since: w.since, until: w.until })) {
      if (g.hasEdge(e.key)) all.push([e.key, { ...g.getEdgeAttributes(e.key), ...e, level: g.getEdgeAttribute(e.key, 'level') }]);
      else all.push([e.key, e]);
    }
  } else g.forEachEdge((key, attrs) => { all.push([key, attrs]); });
  return all;
}

/**
 * The flow edges observed in a window (both levels), as /graph counts them: what /diff and
 * /findings analyse when given a window.
 */
export function windowedEdges(state: AppState, w: TimeWindow): FlowEdge[] {
  const f: GraphFilters = { level: 'pod', hideInfra: false, since: w.since, until: w.until };
  return edgesOf(state, w).filter(([, e]) => e.kind === 'flow' && byTime(e, f)).map(([, e]) => e);
}

/** The base edges (keys and attributes) a view at this level aggregates. */
export function baseEdges(state: AppState, f: GraphFilters): Array<[string, FlowEdge]> {
  const all = edgesOf(state, f);
  const hasPodEdges = all.some(([, a]) => a.level === 'pod');
  const wantPod = f.level === 'pod' && hasPodEdges;
  return all.filter(([, a]) => (a.level === 'pod') === wantPod);
}

function edgePasses(g: G, e: FlowEdge, f: GraphFilters, src: string, dst: string): boolean {
  for (const filter of EDGE_FILTERS) if (!filter(e, f)) return false;
  if (f.clusters || f.namespaces) {
    const a = endMatches(g, src, f);
    const b = endMatches(g, dst, f);
    if (!((a.cluster && a.namespace) || (b.cluster && b.namespace))) return false;
  }
  if (f.hideInfra && (infraOf(g, src) || infraOf(g, dst))) return false;
  return true;
}

export interface ProjectedView {
  readonly edges: Map<string, ApiEdge>;
  /** Projected edge key -> the base edge keys aggregated into it. */
  readonly parts: Map<string, string[]>;
  readonly nodeKeys: Set<string>;
}

/** One projected edge while it is being summed (a fixed shape: fast, no deletes). */
interface Agg {
  key: string; source: string; target: string; protocol: ApiEdge['protocol']; port: number | undefined;
  count: number; verdicts: Record<string, number>; dropReasons: Record<string, number> | undefined;
  firstSeen: number; lastSeen: number; interCluster: boolean;
  /** undefined: none seen yet; null: several differ. */
  service: string | null | undefined; servicePort: number | undefined;
}

function toApiEdge(a: Agg): ApiEdge {
  const e: Record<string, unknown> = { key: a.key, source: a.source, target: a.target, protocol: a.protocol };
  if (a.port !== undefined) e.port = a.port;
  e.count = a.count;
  e.verdicts = a.verdicts;
  if (a.dropReasons) e.dropReasons = a.dropReasons;
  e.firstSeen = a.firstSeen;
  e.lastSeen = a.lastSeen;
  e.interCluster = a.interCluster;
  if (a.service) {
    e.service = a.service;
    if (a.servicePort !== undefined) e.servicePort = a.servicePort;
  }
  return e as unknown as ApiEdge;
}

/** Re-aggregates the filtered base edges at the filter's level. */
export function projectEdges(state: AppState, f: GraphFilters): ProjectedView {
  const g = state.graph;
  const aggs = new Map<string, Agg>();
  const parts = new Map<string, string[]>();
  const nodeKeys = new Set<string>();
  const projected = new Map<string, string>();
  const project = (k: string): string => {
    let p = projected.get(k);
    if (p === undefined) {
      p = projectKey(g, k, f.level);
      projected.set(k, p);
    }
    return p;
  };
  for (const [key, e] of baseEdges(state, f)) {
    const src0 = e.source ?? (g.hasEdge(key) ? g.source(key) : undefined);
    const dst0 = e.destination ?? (g.hasEdge(key) ? g.target(key) : undefined);
    if (!src0 || !dst0) continue;
    if (!edgePasses(g, e, f, src0, dst0)) continue;
    const source = project(src0);
    const target = project(dst0);
    const pkey = flowEdgeKey(source, target, e.protocol, e.port);
    nodeKeys.add(source);
    nodeKeys.add(target);
    let p = aggs.get(pkey);
    if (!p) {
      p = {
        key: pkey, source, target, protocol: e.protocol, port: e.port, count: 0, verdicts: {}, dropReasons: undefined,
        firstSeen: e.firstSeen, lastSeen: e.lastSeen, interCluster: false, service: undefined, servicePort: undefined,
      };
      aggs.set(pkey, p);
      parts.set(pkey, []);
    }
    p.count += e.count;
    for (const v in e.verdicts) p.verdicts[v] = (p.verdicts[v] ?? 0) + ((e.verdicts as Record<string, number>)[v] ?? 0);
    if (e.dropReasons) {
      p.dropReasons ??= {};
      for (const r in e.dropReasons) p.dropReasons[r] = (p.dropReasons[r] ?? 0) + e.dropReasons[r];
    }
    if (e.firstSeen < p.firstSeen) p.firstSeen = e.firstSeen;
    if (e.lastSeen > p.lastSeen) p.lastSeen = e.lastSeen;
    if (e.interCluster) p.interCluster = true;
    if (p.service === undefined) {
      p.service = e.service ?? null;
      p.servicePort = e.servicePort;
    } else if (p.service !== (e.service ?? null)) p.service = null;
    parts.get(pkey)!.push(key);
  }
  const edges = new Map<string, ApiEdge>();
  for (const [k, a] of aggs) edges.set(k, toApiEdge(a));
  return { edges, parts, nodeKeys };
}

/** GET /graph. */
export function graphView(state: AppState, f: GraphFilters): GraphResponse {
  const g = state.graph;
  const { edges, nodeKeys } = projectEdges(state, f);
  if (!hasEdgeFilters(f)) {
    const kind = nodeKindAtLevel(f.level);
    g.forEachNode((key, a) => {
      if (a.kind === kind && nodePasses(g, key, f)) nodeKeys.add(key);
    });
  }
  const pods = podCounts(g);
  const nodes = [...nodeKeys].sort().map((k) => toApiNode(g, k, pods));
  const apiEdges = [...edges.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const clusters = new Set(nodes.map((n) => n.cluster).filter(Boolean));
  return {
    level: f.level,
    nodes,
    edges: apiEdges,
    stats: {
      nodes: nodes.length,
      edges: apiEdges.length,
      flows: apiEdges.reduce((s, e) => s + e.count, 0),
      droppedEdges: apiEdges.filter((e) => (e.verdicts.DROPPED ?? 0) > 0).length,
      interClusterEdges: apiEdges.filter((e) => e.interCluster).length,
      clusters: clusters.size,
      seq: state.seq,
      generatedAt: state.now(),
    },
  };
}

/** The level a node key is shown at. */
export function levelOfKey(g: G, key: string): Level {
  const kind = g.hasNode(key) ? g.getNodeAttributes(key).kind : (() => { try { return parseKey(key).kind; } catch { return 'unknown'; } })();
  if (kind === 'cluster' || kind === 'namespace' || kind === 'pod') return kind;
  return 'workload';
}

export const HOUR = HOUR_MS;
