/**
 * The API client: one function per route, typed by server/http/api-types.ts. Errors become
 * `ApiRequestError` carrying the server's message, so panels can show why (e.g. 501 while a
 * part is not built) instead of failing silently.
 */
import type {
  ApiNode, ClustersResponse, DiffResponse, EdgeDetailResponse, FindingsResponse, GenerateRequest, GenerateResponse,
  GraphResponse, NodeDetailResponse,
} from './types.ts';
import type { FlowsResponse, HistogramResponse } from '../../server/http/api-types.ts';
import type { Filters } from './state/filters.ts';
import type { RiskResult } from '../../generator/risk/types.ts';
import { countHeader, failureOf, type GraphFetchReply, type GraphFetchRequest } from './graph-fetch-protocol.ts';
import type { Level } from './types.ts';

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const BASE = '/api/v1';

/** The response once its headers are in (the body may still be downloading); errors thrown. */
async function open(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(BASE + path, { ...init, headers: { Accept: 'application/json', ...(init?.headers ?? {}) } });
  if (!res.ok) {
    const failure = await failureOf(res, path);
    throw new ApiRequestError(failure.status, failure.code, failure.message);
  }
  return res;
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await open(path, init)).json()) as T;
}

/**
 * GET /graph as soon as its headers are in: the map's size from `X-Netatlas-Nodes` /
 * `X-Netatlas-Edges` (undefined when the server does not send them), and the body, still
 * downloading and parsing.
 */
export interface GraphAnswer {
  readonly counts: { readonly nodes: number; readonly edges: number } | undefined;
  /** The whole answer. */
  readonly body: Promise<GraphResponse>;
  /**
   * The answer's nodes, resolved before `body` when the transport delivers them first (the
   * worker); undefined otherwise. Settles (or fails) with `body` at the latest.
   */
  readonly nodesFirst?: Promise<readonly ApiNode[]>;
}

/**
 * The first graph of a page: fetched and parsed in a worker (graph-fetch.worker.ts), so that the
 * body downloads and parses while the main thread loads the app, builds sigma and draws the
 * nodes. Falls back to the main thread when workers are unavailable.
 */
function graphAnswerInWorker(path: string): Promise<GraphAnswer> {
  if (typeof Worker === 'undefined') return graphAnswer(path);
  const worker = new Worker(new URL('./graph-fetch.worker.ts', import.meta.url), { type: 'module', name: 'netatlas-graph-fetch' });
  let resolveBody!: (g: GraphResponse) => void, rejectBody!: (e: Error) => void;
  let resolveNodes!: (n: readonly ApiNode[]) => void, rejectNodes!: (e: Error) => void;
  const body = new Promise<GraphResponse>((res, rej) => { resolveBody = res; rejectBody = rej; });
  const nodesFirst = new Promise<readonly ApiNode[]>((res, rej) => { resolveNodes = res; rejectNodes = rej; });
  body.catch(() => undefined); // the caller awaits them later
  nodesFirst.catch(() => undefined);
  let nodes: readonly ApiNode[] | undefined;
  return new Promise<GraphAnswer>((resolve, reject) => {
    const fail = (e: Error): void => { reject(e); rejectNodes(e); rejectBody(e); worker.terminate(); };
    worker.addEventListener('error', (e) => fail(new Error(`graph fetch worker failed: ${e.message}`)));
    worker.addEventListener('message', (e: MessageEvent<GraphFetchReply>) => {
      const m = e.data;
      if (m.type === 'head') resolve({ counts: m.nodes !== undefined && m.edges !== undefined ? { nodes: m.nodes, edges: m.edges } : undefined, body, nodesFirst });
      else if (m.type === 'nodes') {
        nodes = m.nodes;
        resolveNodes(nodes);
      }
      else if (m.type === 'body') {
        const whole = (m.body.nodes === undefined && nodes ? { ...m.body, nodes } : m.body) as GraphResponse;
        resolveNodes(whole.nodes);
        resolveBody(whole);
        worker.terminate();
      } else fail(new ApiRequestError(m.status, m.code, m.message));
    });
    const req: GraphFetchRequest = { url: new URL(BASE + path, location.href).href, headers: { Accept: 'application/json' } };
    worker.postMessage(req);
  });
}

async function graphAnswer(path: string): Promise<GraphAnswer> {
  const res = await open(path);
  const nodes = countHeader(res, 'X-Netatlas-Nodes');
  const edges = countHeader(res, 'X-Netatlas-Edges');
  const body = res.json() as Promise<GraphResponse>;
  body.catch(() => undefined); // the caller awaits it later
  return { counts: nodes !== undefined && edges !== undefined ? { nodes, edges } : undefined, body };
}

/** The query of GET /graph and /events for a level and filters (docs/api.md). */
export function graphQuery(level: Level, filters: Filters): string {
  const p = new URLSearchParams({ level });
  if (filters.clusters.length) p.set('cluster', filters.clusters.join(','));
  if (filters.namespaces.length) p.set('namespace', filters.namespaces.join(','));
  if (filters.verdicts.length) p.set('verdict', filters.verdicts.join(','));
  if (filters.protocol) p.set('protocol', filters.protocol);
  if (filters.port !== undefined) p.set('port', String(filters.port));
  if (filters.since !== undefined) p.set('from', String(filters.since));
  if (filters.until !== undefined) p.set('to', String(filters.until));
  if (filters.hideInfra) p.set('hideInfra', '1');
  if (filters.interClusterOnly) p.set('interCluster', '1');
  return p.toString();
}

export const api = {
  graph: (level: Level, filters: Filters) => request<GraphResponse>(`/graph?${graphQuery(level, filters)}`),
  /** GET /graph, resolved at its headers (see GraphAnswer). */
  graphAnswer: (level: Level, filters: Filters) => graphAnswer(`/graph?${graphQuery(level, filters)}`),
  /** The same, fetched and parsed in a worker (the page's first graph, while the app loads). */
  graphAnswerInWorker: (level: Level, filters: Filters) => graphAnswerInWorker(`/graph?${graphQuery(level, filters)}`),
  clusters: () => request<ClustersResponse>('/clusters'),
  node: (key: string) => request<NodeDetailResponse>(`/nodes/${encodeURIComponent(key)}`),
  edge: (key: string) => request<EdgeDetailResponse>(`/edges/${encodeURIComponent(key)}`),
  diff: () => request<DiffResponse>('/diff'),
  findings: () => request<FindingsResponse>('/findings'),
  /** The connections behind an edge, one page (`query` from state/flow-table.ts flowsQuery). */
  flows: (query: string) => request<FlowsResponse>(`/flows?${query}`),
  /** Connections per time bucket (`query` from state/time-brush.ts histogramQuery). */
  histogram: (query: string) => request<HistogramResponse>(`/histogram?${query}`),
  /** Workloads by risk, attack paths and their cuts (docs/risk.md). */
  risk: () => request<RiskResult>('/risk'),
  generate: (body: GenerateRequest) =>
    request<GenerateResponse>('/generate', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  eventsUrl: (level: Level, filters: Filters, lastSeq?: number) =>
    `${BASE}/events?${graphQuery(level, filters)}${lastSeq !== undefined ? `&lastEventId=${lastSeq}` : ''}`,
};
