/**
 * Fetches and parses GET /api/v1/graph off the main thread, so that the 20 MB body downloads
 * and parses while the main thread loads the app, builds sigma and draws the nodes (a fetch body
 * read by the main thread waits while it is busy). Posts the count headers as soon as they are in, then the answer's nodes as
 * soon as they have arrived and parsed (the server writes them before the edges: a large map's
 * first frame draws them while the edges still download and parse), then the rest.
 *
 * The nodes are found in the arriving text by TopLevelMemberEnd; when that does not give two
 * parts that parse (another member order, an unexpected shape), the whole body is parsed at
 * the end as before, and its nodes are still posted ahead of its edges.
 */
import { countHeader, failureOf, type GraphFetchReply, type GraphFetchRequest } from './graph-fetch-protocol.ts';
import { TopLevelMemberEnd } from './state/json-member.ts';
import type { GraphResponse } from './types.ts';

const post = (m: GraphFetchReply): void => (self as unknown as Worker).postMessage(m);

function tryParse(text: string): unknown {
  try { return JSON.parse(text); } catch { return undefined; }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the body: posts its nodes as soon as they are in, then the rest (or the whole answer). */
async function readBody(res: Response): Promise<void> {
  if (!res.body) { post({ type: 'body', body: (await res.json()) as GraphResponse }); return; }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const scanner = new TopLevelMemberEnd('nodes');
  const parts: string[] = [];
  let split = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const piece = decoder.decode(value, { stream: true });
    parts.push(piece);
    if (split === -1) {
      const end = scanner.push(piece);
      if (end >= 0) {
        const json = parts.join('').slice(0, end) + '}';
        const head = tryParse(json);
        if (isObject(head) && Array.isArray(head.nodes)) {
          split = end;
          post({ type: 'nodes-text', json });
        } else {
          split = -2; // not what it looked like: parse the whole body at the end
        }
      }
    }
  }
  parts.push(decoder.decode());
  const text = parts.join('');
  if (split >= 0) {
    const rest = tryParse('{' + text.slice(split + 1));
    if (isObject(rest)) { post({ type: 'body', body: rest as Omit<GraphResponse, 'nodes'> }); return; }
  }
  // the whole body (a JSON error here is the answer's own)
  const body = JSON.parse(text) as GraphResponse;
  if (split < 0 && isObject(body) && Array.isArray(body.nodes)) {
    const { nodes, ...rest } = body;
    post({ type: 'nodes', nodes });
    post({ type: 'body', body: rest });
  } else {
    post({ type: 'body', body });
  }
}

self.addEventListener('message', (e: MessageEvent<GraphFetchRequest>) => {
  void (async () => {
    const { url, headers } = e.data;
    try {
      const res = await fetch(url, { headers });
      if (!res.ok) {
        post({ type: 'error', ...(await failureOf(res, url)) });
        return;
      }
      post({ type: 'head', nodes: countHeader(res, 'X-Netatlas-Nodes'), edges: countHeader(res, 'X-Netatlas-Edges') });
      await readBody(res);
    } catch (err) {
      post({ type: 'error', status: 0, code: 'network', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
