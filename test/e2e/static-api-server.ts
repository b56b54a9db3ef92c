/**
 * A minimal static server for the browser benchmark and the large-map e2e test: web/dist plus a fixed GET
 * /api/v1/graph answer (a generated estate) with the real route's count headers
 * (X-Netatlas-Nodes / -Edges), and the same strict CSP as the real server, so the numbers
 * measure the UI and not the API. GET /api/v1/histogram (the map's time brush) is answered from
 * the estate's edges, each edge's count in the bucket of its first seen (a generated estate has
 * no store buckets; the shape is the real route's).
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self'; connect-src 'self'; object-src 'none'";

export async function startStaticApiServer(webRoot: string, graphJson: string, opts: { countHeaders?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const parsed = JSON.parse(graphJson) as { nodes: unknown[]; edges: { firstSeen: number; count: number }[] };
  const counts = { nodes: parsed.nodes.length, edges: parsed.edges.length };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('Content-Security-Policy', CSP);
    if (url.pathname === '/api/v1/graph') {
      // as the real route: the counts first, as headers (the page builds sigma while the body downloads)
      // (countHeaders false: an older server without them, the page's fallback order)
      res.writeHead(200, { 'Content-Type': 'application/json', ...(opts.countHeaders === false ? {} : { 'X-Netatlas-Nodes': String(counts.nodes), 'X-Netatlas-Edges': String(counts.edges) }) });
      res.end(graphJson);
      return;
    }
    if (url.pathname === '/api/v1/histogram') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(histogramOf(parsed.edges, url.searchParams)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      res.writeHead(501, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'bench server: only /api/v1/graph', code: 'not_implemented' }));
      return;
    }
    const file = path.join(webRoot, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname).replace(/^([/\\])+/, ''));
    if (!file.startsWith(webRoot)) { res.writeHead(400); res.end(); return; }
    readFile(file).then(
      (body) => { res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }); res.end(body); },
      () => { res.writeHead(404); res.end(); },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** The estate's edge counts in at most `buckets` whole minutes over [from, to), as HistogramResponse. */
function histogramOf(edges: readonly { firstSeen: number; count: number }[], q: URLSearchParams): object {
  const MINUTE = 60_000;
  const from = Math.floor(Number(q.get('from') ?? 0) / MINUTE) * MINUTE;
  const to = Math.ceil(Number(q.get('to') ?? Date.now()) / MINUTE) * MINUTE;
  const slots = Math.max(1, (to - from) / MINUTE);
  const bucketMs = Math.ceil(slots / Math.max(1, Number(q.get('buckets') ?? 60))) * MINUTE;
  const buckets = Array.from({ length: Math.ceil((to - from) / bucketMs) }, (_x, i) => ({ start: from + i * bucketMs, count: 0 }));
  for (const e of edges) {
    const i = Math.floor((e.firstSeen - from) / bucketMs);
    if (i >= 0 && i < buckets.length) buckets[i]!.count += e.count;
  }
  return { from, to: from + buckets.length * bucketMs, resolutionMs: MINUTE, bucketMs, buckets, total: buckets.reduce((n, b) => n + b.count, 0) };
}
