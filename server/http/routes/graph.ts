/** GET /clusters, /graph, /nodes/:key, /edges/:key, /policies. */
import { Router } from 'express';
import type { Request } from 'express';
import { flowEdgeKey } from '../../../generator/model/index.ts';
import type { Level } from '../../../generator/model/index.ts';
import type {
  ApiEdge, ClusterStatus, ClustersResponse, EdgeDetailResponse, EdgeExplanation, NodeDetailResponse, PoliciesResponse, SourceState,
} from '../api-types.ts';
import { badRequest, notFound } from '../errors.ts';
import { allPolicies, policiesSelectingByLabels } from '../policies.ts';
import { withObservedPolicies } from '../policy-hits.ts';
import type { AnalysisProviders } from '../providers.ts';
import type { AppState } from '../state.ts';
import {
  graphView, hasWindow, isRelativeWindow, levelOfKey, parseGraphQuery, parseWindow, podCounts, projectEdges, toApiNode, WINDOW_PARAMS, windowedEdges,
} from '../view.ts';
import type { TimeWindow } from '../view.ts';

const STATE_RANK: Record<SourceState, number> = { connected: 0, done: 0, starting: 1, stale: 2, error: 3 };

function keyParam(req: Request, what: string): string {
  const raw = (req.params as Record<string, string | string[]>).key;
  const key = Array.isArray(raw) ? raw.join('/') : raw;
  if (!key || key.length > 2048) throw badRequest(`${what} key is missing or longer than 2048 characters.`);
  return key;
}

function noQuery(req: Request, allowed: readonly string[] = []): void {
  for (const k of Object.keys(req.query)) {
    if (!allowed.includes(k)) throw badRequest(`unknown parameter "${k}"${allowed.length ? `: expected ${allowed.join(', ')}` : ': this route takes none'}.`);
  }
}

export function clustersResponse(state: AppState): ClustersResponse {
  const sources = state.publicSourceStatuses();
  const names = new Set<string>([...state.inventories.keys()]);
  for (const s of sources) if (s.cluster) names.add(s.cluster);
  state.graph.forEachNode((_k, a) => { if (a.kind === 'cluster') names.add(a.cluster); });
  const clusters: ClusterStatus[] = [...names].sort().map((name) => {
    const inv = state.inventories.get(name);
    const own = sources.filter((s) => s.cluster === name);
    const worst = own.reduce<SourceState>((w, s) => (STATE_RANK[s.state] > STATE_RANK[w] ? s.state : w), 'connected');
    return {
      name,
      state: worst,
      counts: {
        namespaces: inv?.namespaces.length ?? 0,
        workloads: inv?.workloads.filter((w) => !w.owner).length ?? 0,
        pods: inv?.pods.length ?? 0,
        services: inv?.services.length ?? 0,
        networkPolicies: inv?.networkPolicies.length ?? 0,
      },
      sources: own,
    };
  });
  return { clusters, sources };
}

export function graphRoutes(state: AppState, providers: AnalysisProviders): Router {
  const r = Router();

  r.get('/clusters', (req, res) => {
    noQuery(req);
    res.json(clustersResponse(state));
  });

  r.get('/graph', async (req, res) => {
    const filters = parseGraphQuery(req.query as Record<string, unknown>, state.now());
    if (req.query.lastEventId !== undefined) throw badRequest('unknown parameter "lastEventId" (only /events takes it).');
    await state.prefetchWindow({ since: filters.since, until: filters.until });
    // Relative times (from=24h) move with the clock: only absolute queries are cached.
    const relative = isRelativeWindow(req.query as Record<string, unknown>);
    // The counts go first, as headers (X-Netatlas-Nodes / -Edges): the web map picks and compiles
    // its renderer for the map's size while the body downloads. Cached as "nodes edges\n" + body.
    const render = (): string => { const v = graphView(state, filters); return `${v.nodes.length} ${v.edges.length}\n${JSON.stringify(v)}`; };
    const answer = relative ? render() : state.cached(`graph?${new URLSearchParams(req.query as Record<string, string>).toString()}`, render);
    const cut = answer.indexOf('\n');
    const [nodes, edges] = answer.slice(0, cut).split(' ');
    res.set({ 'X-Netatlas-Nodes': nodes, 'X-Netatlas-Edges': edges }).type('application/json').send(answer.slice(cut + 1));
  });

  r.get('/nodes/*key', (req, res) => {
    noQuery(req);
    const key = keyParam(req, 'node');
    const g = state.graph;
    if (!g.hasNode(key)) throw notFound(`no node ${JSON.stringify(key)}: take keys from /api/v1/graph.`);
    const level = levelOfKey(g, key);
    const { edges } = projectEdges(state, { level, hideInfra: false });
    const pods = podCounts(g);
    const inEdges = [...edges.values()].filter((e) => e.target === key);
    const outEdges = [...edges.values()].filter((e) => e.source === key);
    const a = g.getNodeAttributes(key);
    const podNodes: string[] = [];
    g.forEachNode((k, p) => {
      if (p.kind !== 'pod') return;
      if (p.workload === key || (a.kind === 'namespace' && p.cluster === a.cluster && p.namespace === a.namespace)) podNodes.push(k);
    });
    const body: NodeDetailResponse = {
      node: toApiNode(g, key, pods),
      ...annotationsAndOwner(state, key),
      pods: podNodes.sort().slice(0, 500).map((k) => toApiNode(g, k)),
      inEdges,
      outEdges,
      policies: providers.policiesSelecting ? providers.policiesSelecting(state, key) : policiesSelectingByLabels(state, key),
      findings: providers.findings ? providers.findings(state).filter((f) => f.subjects.includes(key)) : [],
    };
    res.json(body);
  });

  r.get('/edges/*key', async (req, res) => {
    noQuery(req, WINDOW_PARAMS);
    const window = parseWindow(req.query as Record<string, unknown>, state.now());
    const key = keyParam(req, 'edge');
    const found = await findEdge(state, key, window);
    const edge = found?.edge;
    const parts = found?.parts ?? [];
    const foundLevel = found?.level;
    const windowed = hasWindow(window);
    const g = state.graph;
    if (!edge) throw notFound(`no edge ${JSON.stringify(key.slice(0, 256))}: take keys from /api/v1/graph.`);
    // In a window, the parts carry their counts over that window, as the edge does.
    if (windowed) await state.prefetchWindow(window);
    const inWindow = windowed ? new Map(windowedEdges(state, window).map((e) => [flowEdgeKey(e.source, e.destination, e.protocol, e.port), e])) : undefined;
    const partEdges = parts.filter((k) => g.hasEdge(k) && (!inWindow || inWindow.has(k))).map((k) => {
      const a = inWindow?.get(k) ?? g.getEdgeAttributes(k);
      return {
        key: k, source: a.source, target: a.destination, protocol: a.protocol, ...(a.port !== undefined ? { port: a.port } : {}),
        count: a.count, verdicts: { ...a.verdicts }, firstSeen: a.firstSeen, lastSeen: a.lastSeen, interCluster: a.interCluster,
        ...(a.service ? { service: a.service } : {}), ...(a.servicePort !== undefined ? { servicePort: a.servicePort } : {}),
      };
    });
    let samples = parts.flatMap((k) => state.samplesFor(k));
    if (samples.length === 0) samples = heuristicSamples(state, edge.protocol, edge.port, parts);
    if (windowed) samples = samples.filter((x) => (window.since === undefined || x.time >= window.since) && (window.until === undefined || x.time <= window.until));
    samples.sort((x, y) => y.time - x.time);
    const body: EdgeDetailResponse = {
      edge,
      sourceNode: toApiNode(g, edge.source),
      targetNode: toApiNode(g, edge.target),
      parts: foundLevel === 'pod' ? [] : partEdges,
      samples: samples.slice(0, 20),
      explanation: await explanationOf(state, providers, edge, parts.length ? parts : [key], window),
    };
    res.json(body);
  });

  r.get('/policies', (req, res) => {
    noQuery(req, ['cluster', 'namespace']);
    const cluster = typeof req.query.cluster === 'string' ? req.query.cluster : undefined;
    const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : undefined;
    if ((req.query.cluster !== undefined && !cluster) || (req.query.namespace !== undefined && !namespace)) {
      throw badRequest('parameters "cluster" and "namespace" must be given once.');
    }
    const body: PoliciesResponse = {
      policies: allPolicies(state).filter((p) => (!cluster || p.cluster === cluster) && (!namespace || p.namespace === namespace)),
    };
    res.json(body);
  });

  return r;
}

/** The engine's explanation of an edge, with the policy hits the flow sources stored for its connections beside it. */
async function explanationOf(state: AppState, providers: AnalysisProviders, edge: ApiEdge, parts: string[], window: TimeWindow): Promise<EdgeExplanation | null> {
  const explanation = providers.explainEdge ? providers.explainEdge(state, edge) : null;
  if (!explanation || !state.store?.isOpen || !state.store.policyHits) return explanation;
  return withObservedPolicies(explanation, await state.store.policyHits({ edges: parts, ...window }));
}

/**
 * The edge `key` names at whichever level it lives (its source's level first, then workload, pod,
 * namespace, cluster), with the base edge keys aggregated into it; undefined when there is none.
 * Throws 400 on a key that is not an edge key.
 */
export async function findEdge(state: AppState, key: string, window: TimeWindow): Promise<{ edge: ApiEdge; parts: string[]; level: Level } | undefined> {
  const m = /^(.+)->(.+)\|([A-Za-z0-9]+)\|(\d+|-)$/.exec(key);
  if (!m) throw badRequest(`edge key ${JSON.stringify(key.slice(0, 128))} is malformed: expected "source->target|PROTOCOL|port" as in /api/v1/graph.`);
  const g = state.graph;
  const level: Level = g.hasNode(m[1]) ? levelOfKey(g, m[1]) : 'workload';
  for (const lv of [level, 'workload', 'pod', 'namespace', 'cluster'] as Level[]) {
    // A shared store's window is read ahead, once per projection (windowEdges takes it).
    if (hasWindow(window)) await state.prefetchWindow(window);
    const view = projectEdges(state, { level: lv, hideInfra: false, ...window });
    const edge = view.edges.get(key);
    if (edge) return { edge, parts: view.parts.get(key) ?? [], level: lv };
  }
  return undefined;
}

function annotationsAndOwner(state: AppState, key: string): Pick<NodeDetailResponse, 'annotations' | 'owner'> {
  const g = state.graph;
  const a = g.getNodeAttributes(key);
  if (a.kind !== 'pod' && a.kind !== 'workload') return {};
  const inv = state.inventories.get(a.cluster);
  if (!inv) return {};
  const obj = a.kind === 'pod'
    ? inv.pods.find((p) => p.namespace === a.namespace && p.name === a.name)
    : inv.workloads.find((w) => w.namespace === a.namespace && w.name === a.name && w.workloadKind === a.workloadKind);
  if (!obj) return {};
  return {
    ...(obj.annotations ? { annotations: { ...obj.annotations } } : {}),
    ...(obj.owner ? { owner: { kind: obj.owner.kind, name: obj.owner.name } } : {}),
  };
}

/** Samples from the recent-record ring that match an edge's protocol/port and its pods or IPs. */
function heuristicSamples(state: AppState, protocol: string, port: number | undefined, parts: readonly string[]) {
  const g = state.graph;
  const ends = new Set<string>();
  const ips = new Set<string>();
  for (const k of parts) {
    if (!g.hasEdge(k)) continue;
    for (const n of [g.source(k), g.target(k)]) {
      const a = g.getNodeAttributes(n);
      if (a.kind === 'pod') { ends.add(`${a.namespace}/${a.name}`); a.ips.forEach((ip) => ips.add(ip)); }
      if (a.kind === 'workload') ends.add(`${a.namespace}/${a.name}`);
      if (a.kind === 'external' || a.kind === 'unknown') ips.add(a.ip);
    }
  }
  const matchesEnd = (e: { namespace?: string; podName?: string; ip?: string; workloads?: readonly { name: string }[] }): boolean =>
    (!!e.ip && ips.has(e.ip)) || (!!e.podName && ends.has(`${e.namespace}/${e.podName}`)) ||
    (e.workloads ?? []).some((w) => ends.has(`${e.namespace}/${w.name}`)) ||
    (!!e.podName && [...ends].some((x) => x.startsWith(`${e.namespace}/`) && e.podName!.startsWith(x.slice(x.indexOf('/') + 1) + '-')));
  return state.recent()
    .filter((r) => r.protocol === protocol && r.port === port && matchesEnd(r.source) && matchesEnd(r.destination))
    .slice(-20)
    .map((r) => ({
      time: r.time, verdict: r.verdict, protocol: r.protocol,
      ...(r.source.ip ? { sourceIp: r.source.ip } : {}), ...(r.source.port !== undefined ? { sourcePort: r.source.port } : {}),
      ...(r.destination.ip ? { destinationIp: r.destination.ip } : {}), ...(r.port !== undefined ? { port: r.port } : {}),
      ...(r.source.podName ? { sourcePod: `${r.source.namespace ?? ''}/${r.source.podName}` } : {}),
      ...(r.destination.podName ? { destinationPod: `${r.destination.namespace ?? ''}/${r.destination.podName}` } : {}),
      ...(r.dropReason ? { dropReason: r.dropReason } : {}), ...(r.l7 ? { l7: r.l7 } : {}),
    }));
}
