/**
 * The API client: one function per route, typed by server/http/api-types.ts. Errors become
 * `ApiRequestError` carrying the server's message, so panels can show why (e.g. 501 while a
 * part is not built) instead of failing silently.
 */
import type {
  ApiError, ClustersResponse, DiffResponse, EdgeDetailResponse, FindingsResponse, GenerateRequest, GenerateResponse,
  GraphResponse, NodeDetailResponse,
} from './types.ts';
import type { Filters } from './state/filters.ts';
import type { Level } from './types.ts';

export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const BASE = '/api/v1';

/** A bearer token given as `#token=...` (kept out of the query so it is never logged); see docs/web.md. */
function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem('netatlas.token');
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function captureTokenFromHash(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('netatlas.token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(BASE + path, { ...init, headers: { Accept: 'application/json', ...authHeaders(), ...(init?.headers ?? {}) } });
  if (!res.ok) {
    let body: Partial<ApiError> = {};
    try { body = (await res.json()) as ApiError; } catch { /* not JSON: keep the status line */ }
    throw new ApiRequestError(res.status, body.code ?? 'http_error', body.error ?? `${res.status} ${res.statusText} for ${path}`);
  }
  return (await res.json()) as T;
}

export function graphQuery(level: Level, filters: Filters): string {
  const p = new URLSearchParams({ level });
  if (filters.hideInfra) p.set('hideInfra', '1');
  return p.toString();
}

export const api = {
  graph: (level: Level, filters: Filters) => request<GraphResponse>(`/graph?${graphQuery(level, filters)}`),
  clusters: () => request<ClustersResponse>('/clusters'),
  node: (key: string) => request<NodeDetailResponse>(`/nodes/${encodeURIComponent(key)}`),
  edge: (key: string) => request<EdgeDetailResponse>(`/edges/${encodeURIComponent(key)}`),
  diff: () => request<DiffResponse>('/diff'),
  findings: () => request<FindingsResponse>('/findings'),
  generate: (body: GenerateRequest) =>
    request<GenerateResponse>('/generate', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  eventsUrl: (level: Level, filters: Filters, lastSeq?: number) =>
    `${BASE}/events?${graphQuery(level, filters)}${lastSeq !== undefined ? `&lastEventId=${lastSeq}` : ''}`,
};
