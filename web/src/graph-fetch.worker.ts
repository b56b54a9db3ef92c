/**
 * Fetches and parses GET /api/v1/graph off the main thread, so that the body downloads and
 * parses while the main thread loads the app and builds sigma (a fetch body read by the main
 * thread waits while it is busy). Posts the count headers as soon as they are in, then the
 * answer's nodes, then the rest.
 *
 * Tried and dropped: scanning the arriving text for the end of the `nodes` member to post the
 * nodes while the edges still downloaded; on the 10,000-workload estate opened unfolded its
 * first picture was not measurably sooner (`npm run bench web`, last lines).
 */
import { countHeader, failureOf, type GraphFetchReply, type GraphFetchRequest } from './graph-fetch-protocol.ts';
import type { GraphResponse } from './types.ts';

const post = (m: GraphFetchReply): void => (self as unknown as Worker).postMessage(m);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the body: its nodes posted ahead of the rest (what a large map's first frame draws), then the rest. */
async function readBody(res: Response): Promise<void> {
  const body = (await res.json()) as GraphResponse;
  if (isObject(body) && Array.isArray(body.nodes)) {
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
