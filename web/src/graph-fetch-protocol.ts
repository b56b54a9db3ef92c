/** Messages between the page and web/src/graph-fetch.worker.ts, and the response reading both sides share. */
import type { ApiNode, GraphResponse } from './types.ts';

export interface GraphFetchRequest { url: string; headers: Record<string, string> }
export type GraphFetchReply =
  | { type: 'head'; nodes: number | undefined; edges: number | undefined }
  /** The answer's nodes, posted ahead of the rest: what a large map's first frame draws. */
  | { type: 'nodes'; nodes: readonly ApiNode[] }
  /** The answer; without `nodes` when a `nodes` message came before it. */
  | { type: 'body'; body: Omit<GraphResponse, 'nodes'> & { nodes?: GraphResponse['nodes'] } }
  | { type: 'error'; status: number; code: string; message: string };

/** A count header (`X-Netatlas-Nodes`, `-Edges`): a non-negative integer, else undefined. */
export function countHeader(res: Response, name: string): number | undefined {
  const v = res.headers.get(name);
  const n = v === null || v.trim() === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** What a failed API answer says: its JSON `{error, code}` when it has one, else its status line. */
export async function failureOf(res: Response, path: string): Promise<{ status: number; code: string; message: string }> {
  let body: { error?: string; code?: string } = {};
  try { body = (await res.json()) as typeof body; } catch { /* not JSON: keep the status line */ }
  return { status: res.status, code: body.code ?? 'http_error', message: body.error ?? `${res.status} ${res.statusText} for ${path}` };
}
