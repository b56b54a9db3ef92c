/**
 * The demo estate end to end: every workload-level edge the ingest builds from samples/demo has
 * exactly the connection count and verdict of the generator's ground truth (samples/lib/truth.ts).
 * This is where verdict precedence (a DROPPED report wins over the FORWARDED SYN seen first) and
 * cross-file de-duplication (inter-cluster connections appear in both clusters' files) show.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ingest } from '../../../server/graph/ingest.ts';
import { buildEstate, DEFAULT_OPTIONS, expectedEdges } from '../../../samples/lib/index.ts';

const DEMO = fileURLToPath(new URL('../../../samples/demo/', import.meta.url));

let result: ReturnType<typeof ingest> | undefined;
const demo = () => (result ??= ingest({ inventoryPaths: [DEMO], flowPaths: [DEMO] }));

/** `source>destination|proto|port` -> `count {verdicts}` of every workload-level edge built. */
async function builtEdges(): Promise<Map<string, string>> {
  const { builder } = await demo();
  const out = new Map<string, string>();
  builder.graph.forEachEdge((_key, e) => {
    if (e.level !== 'workload') return;
    out.set(`${e.source}>${e.destination}|${e.protocol}|${e.port}`, `${e.count} ${JSON.stringify(e.verdicts)}`);
  });
  return out;
}

const truth = expectedEdges(buildEstate(DEFAULT_OPTIONS));

describe('the demo graph against its ground truth', () => {
  it('has every expected workload edge with its exact connection count and verdict, and no other edge', async () => {
    const want = new Map(truth.map((e) => [`${e.source}>${e.destination}|${e.protocol}|${e.port}`, `${e.connections} ${JSON.stringify({ [e.verdict]: e.connections })}`]));
    const got = await builtEdges();
    // Compared as sorted lists so a failure names every differing edge.
    expect([...got].sort()).toEqual([...want].sort());
    expect(got.size).toBe(161);
  });

  it('shows the three planted drops as DROPPED only', async () => {
    const got = await builtEdges();
    const drops = truth.filter((e) => e.planted === 'drop');
    expect(drops).toHaveLength(3);
    for (const e of drops) expect(got.get(`${e.source}>${e.destination}|${e.protocol}|${e.port}`)).toBe(`${e.connections} {"DROPPED":${e.connections}}`);
  });

  it('counts each inter-cluster connection once although both clusters report it', async () => {
    const got = await builtEdges();
    const inter = truth.filter((e) => e.interCluster).map((e) => [e.source.split('/').slice(-1)[0], got.get(`${e.source}>${e.destination}|${e.protocol}|${e.port}`)]);
    expect(inter).toEqual([['debug-shell', '3 {"FORWARDED":3}'], ['paymentservice', '2 {"FORWARDED":2}']]);
  });

  it('keeps pod-level edges consistent with the workload level: the same connections and verdicts in all', async () => {
    const { builder } = await demo();
    const totals = { workload: {} as Record<string, number>, pod: {} as Record<string, number> };
    builder.graph.forEachEdge((_k, e) => {
      const t = totals[e.level === 'pod' ? 'pod' : 'workload'];
      for (const [v, n] of Object.entries(e.verdicts)) t[v] = (t[v] ?? 0) + (n ?? 0);
    });
    expect(totals.pod).toEqual(totals.workload);
    expect(totals.workload).toEqual({ FORWARDED: 291, DROPPED: 5, REDIRECTED: 88 });
  });
});
