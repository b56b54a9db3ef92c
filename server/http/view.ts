/**
 * The graph as the API shows it: the query parsed into the filters of generator/view, the one
 * projection (server/graph/project.ts) run over the graph's edges or a window's stored sums, and
 * the result mapped to API types.
 */
import type { FlowEdge, GraphNode, Level, Verdict } from '../../generator/model/index.ts';
import { clusterKey, LEVELS, namespaceKey, parseKey, VERDICTS } from '../../generator/model/index.ts';
import { FILTER_PROTOCOLS, matchesTimeWindow, parsePortRange, protocolNamed, type ProjectedEdges, type ViewFilters } from '../../generator/view/index.ts';
import { projectedNodeKeys, projectGraphEdges } from '../graph/project.ts';
import type { ApiEdge, ApiNode, GraphResponse } from './api-types.ts';
import { badRequest } from './errors.ts';
import type { AppState } from '../state/app-state.ts';
import { HOUR_MS, parseDuration } from '../store/flow-store.ts';

/** The filters of a /graph or /events query: generator/view's, at a level. */
export interface GraphFilters extends ViewFilters {
  readonly level: Level;
}

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
  const known = new Set(['level', 'cluster', 'namespace', 'verdict', 'protocol', 'port', ...WINDOW_PARAMS, 'hideInfra', 'interCluster', 'lastEventId']);
  for (const k of Object.keys(q)) {
    if (!known.has(k)) throw badRequest(`unknown parameter "${k}": expected one of ${[...known].join(', ')}.`);
  }
  const levelRaw = q.level ?? 'workload';
  if (typeof levelRaw !== 'string' || !(LEVELS as readonly string[]).includes(levelRaw)) {
    throw badRequest(`parameter "level" is ${JSON.stringify(String(levelRaw).slice(0, 32))}: expected one of ${LEVELS.join(', ')}.`);
  }
  // a namespace may be qualified by its cluster (`prod/shop`), as the web's filter names it
  const names = (param: string, qualified: boolean): string[] | undefined => {
    const l = list(q[param], param);
    if (!l) return undefined;
    for (const n of l) {
      const parts = qualified ? n.split('/') : [n];
      if (parts.length > 2 || !parts.every((p) => NAME.test(p))) {
        throw badRequest(`parameter "${param}" has an invalid name ${JSON.stringify(n.slice(0, 64))}: expected a Kubernetes name${qualified ? ' or cluster/name' : ''}.`);
      }
    }
    return l;
  };
  const flag = (param: string): boolean => {
    const v = q[param];
    if (v !== undefined && v !== '' && v !== '0' && v !== '1' && v !== 'true' && v !== 'false') throw badRequest(`parameter "${param}" must be 1 or 0.`);
    return v === '1' || v === 'true';
  };
  const verdictList = list(q.verdict, 'verdict')?.map((v) => v.toUpperCase());
  for (const v of verdictList ?? []) {
    if (!(VERDICTS as readonly string[]).includes(v)) throw badRequest(`parameter "verdict" has ${JSON.stringify(v.slice(0, 32))}: expected any of ${VERDICTS.join(', ')}.`);
  }
  const protoList = list(q.protocol, 'protocol')?.map((p) => {
    const named = protocolNamed(p);
    if (!named) throw badRequest(`parameter "protocol" has ${JSON.stringify(p.slice(0, 32))}: expected any of ${FILTER_PROTOCOLS.join(', ')}.`);
    return named;
  });
  let port: GraphFilters['port'];
  if (q.port !== undefined && q.port !== '') {
    port = typeof q.port === 'string' ? parsePortRange(q.port) : undefined;
    if (!port) throw badRequest(`parameter "port" must be a port 1-65535 or a range like 8000-8100.`);
  }
  const { since, until } = parseWindow(q, now);
  return {
    level: levelRaw as Level,
    clusters: names('cluster', false),
    namespaces: names('namespace', true),
    verdicts: verdictList as Verdict[] | undefined,
    protocols: protoList,
    port, since, until,
    hideInfra: flag('hideInfra'),
    interClusterOnly: flag('interCluster'),
  };
}

// ------------------------------------------------------------------ nodes

type G = AppState['graph'];

function nodeCluster(attrs: GraphNode | undefined): string | undefined {
  return attrs && 'cluster' in attrs ? attrs.cluster : undefined;
}
function nodeNamespace(attrs: GraphNode | undefined): string | undefined {
  return attrs && 'namespace' in attrs ? (attrs as { namespace: string }).namespace : undefined;
}

/** The workload's infra class of a pod (the web hides a pod of DNS as it hides DNS). */
function podInfra(g: G, a: GraphNode): string | undefined {
  if (a.kind !== 'pod' || !g.hasNode(a.workload)) return undefined;
  const w = g.getNodeAttributes(a.workload);
  return w.kind === 'workload' ? w.infra : undefined;
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
  const infra = podInfra(g, a);
  if (infra) base.infra = infra;
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

// ------------------------------------------------------------------ edges

/**
 * Every edge (both levels) of a window: its stored sums over the window's buckets when a store
 * is open (a shared store must be prefetched: AppState.prefetchWindow), else the graph's edges;
 * without a window, the graph's edges. Not yet filtered by time (matchesTimeWindow).
 */
function edgesOf(state: AppState, w: TimeWindow): Array<readonly [string, FlowEdge]> {
  const g = state.graph;
  const all: Array<readonly [string, FlowEdge]> = [];
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
  return edgesOf(state, w).filter(([, e]) => e.kind === 'flow' && matchesTimeWindow(e, w)).map(([, e]) => e);
}

export type ProjectedView = ProjectedEdges;

/** The filtered base edges (the graph's, or a window's stored sums) re-aggregated at the filter's level. */
export function projectEdges(state: AppState, f: GraphFilters): ProjectedView {
  return projectGraphEdges(state.graph, f.level, f, edgesOf(state, f));
}

/** GET /graph. */
export function graphView(state: AppState, f: GraphFilters): GraphResponse {
  const g = state.graph;
  const projected = projectEdges(state, f);
  const nodeKeys = projectedNodeKeys(g, projected, f.level, f);
  const pods = podCounts(g);
  const nodes = [...nodeKeys].sort().map((k) => toApiNode(g, k, pods));
  const apiEdges = ([...projected.edges.values()] as ApiEdge[]).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
