/**
 * Fetches and parses GET /api/v1/graph off the main thread, so that the 20 MB body downloads
 * and parses while the main thread builds sigma (a fetch body read by the main thread waits
 * while it is busy). Posts the count headers as soon as they are in, then the parsed answer.
 */
import type { GraphFetchReply, GraphFetchRequest } from './graph-fetch-protocol.ts';

const post = (m: GraphFetchReply): void => (self as unknown as Worker).postMessage(m);

self.addEventListener('message', (e: MessageEvent<GraphFetchRequest>) => {
  void (async () => {
    const { url, headers } = e.data;
    try {
      const res = await fetch(url, { headers });
      const count = (name: string): number | undefined => {
        const v = res.headers.get(name);
        const n = v === null || v.trim() === '' ? NaN : Number(v);
        return Number.isInteger(n) && n >= 0 ? n : undefined;
      };
      if (!res.ok) {
        let body: { error?: string; code?: string } = {};
        try { body = (await res.json()) as typeof body; } catch { /* not JSON: keep the status line */ }
        post({ type: 'error', status: res.status, code: body.code ?? 'http_error', message: body.error ?? `${res.status} ${res.statusText} for ${url}` });
        return;
      }
      post({ type: 'head', nodes: count('X-Netatlas-Nodes'), edges: count('X-Netatlas-Edges') });
      post({ type: 'body', body: await res.json() });
    } catch (err) {
      post({ type: 'error', status: 0, code: 'network', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
