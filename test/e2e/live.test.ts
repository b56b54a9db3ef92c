/**
 * Live mode in a real browser on the demo: with Live on, a flow appended to the server (what a
 * live source does) reaches the page as an SSE delta; the status line shows the flow rate and
 * the new edge is marked on the map (a cyan ring at its middle), sampled from the screenshot
 * (test/.screenshots/live-new-edge.png).
 */
import { describe, expect, it } from 'vitest';
import { shot } from './harness.ts';
import { openSettled, useDemoSession } from './session.ts';
import { pixelsNear } from './pixels.ts';
import { NEW_EDGE_COLOR } from '../../web/src/state/style.ts';
import type { NodeDetailResponse } from '../../server/http/api-types.ts';

/** A port no demo flow uses: the flow makes an edge the session has not seen. */
const NEW_PORT = 6553;

const session = useDemoSession();

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** A pod of a demo workload, as a flow endpoint. */
async function podOf(url: string, key: string): Promise<{ cluster: string; namespace: string; podName: string; ip: string }> {
  const res = await fetch(`${url}/api/v1/nodes/${encodeURIComponent(key)}`);
  const detail = (await res.json()) as NodeDetailResponse;
  const pod = detail.pods.find((p) => p.ips?.length);
  if (!pod?.cluster || !pod.namespace || !pod.ips?.[0]) throw new Error(`netatlas e2e: the demo's ${key} has no pod with an IP`);
  return { cluster: pod.cluster, namespace: pod.namespace, podName: pod.label, ip: pod.ips[0] };
}

describe('live mode', { timeout: 180_000 }, () => {
  it('a flow that makes a new edge shows as a rate in the status line and a cyan ring on the new edge', async () => {
    const { context, server } = session;
    const page = await openSettled(session);
    // two prod workloads with no edge between them, far enough apart on screen for a ring between them
    const [SOURCE, TARGET] = await page.evaluate(() => {
      const m = window.netatlasMap!;
      const at = (k: string) => m.sigma.graphToViewport(m.graph.getNodeAttributes(k));
      const wl = m.graph.filterNodes((k, a) => a.kind === 'workload' && a.cluster === 'prod' && a.namespace === 'boutique' && k.startsWith('wl:'));
      for (const a of wl) for (const b of wl) {
        if (a === b || m.graph.hasEdge(`${a}=>${b}`) || m.graph.hasEdge(`${b}=>${a}`)) continue;
        if (Math.hypot(at(a).x - at(b).x, at(a).y - at(b).y) > 150) return [a, b];
      }
      return [];
    });
    expect(SOURCE && TARGET, 'two unconnected prod/boutique workloads').toBeTruthy();
    const edgeKey = `${SOURCE}->${TARGET}|TCP|${NEW_PORT}`;

    const middleOf = (): Promise<{ x: number; y: number }> => page.evaluate(([a, b]) => {
      const s = window.netatlasMap!.sigma;
      const g = window.netatlasMap!.graph;
      const p = s.graphToViewport(g.getNodeAttributes(a!));
      const q = s.graphToViewport(g.getNodeAttributes(b!));
      return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    }, [SOURCE!, TARGET!]);
    const before = await middleOf();
    const cyanBefore = await pixelsNear(context, await page.locator('#map').screenshot(), { ...before, radius: 12 }, rgb(NEW_EDGE_COLOR));
    expect(cyanBefore, 'no cyan where the new edge will be marked').toBeLessThan(5);

    await page.click('#btn-live');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Live · 0\.0 connections\/s/);

    const [source, destination] = await Promise.all([podOf(server.url, SOURCE!), podOf(server.url, TARGET!)]);
    server.state.ingestFlows('flows-file:e2e-live', [{ time: Date.now(), source, destination, protocol: 'TCP', port: NEW_PORT, verdict: 'FORWARDED', count: 30 }], { cluster: 'prod' });
    server.state.flush();

    await page.waitForFunction(() => window.netatlasMap!.markedEdges.length > 0, null, { timeout: 30_000 });
    expect(await page.evaluate(() => window.netatlasMap!.markedEdges)).toEqual([`${SOURCE}=>${TARGET}`]);
    expect(await page.evaluate(([a, b]) => window.netatlasMap!.edgeMembersOf(`${a}=>${b}`), [SOURCE!, TARGET!])).toEqual([edgeKey]);
    const status = await page.locator('#status').textContent();
    expect(status).toMatch(/^Live · [\d.]+ connections\/s · 1 new edge\(s\) in the last update, 1 marked new · /);
    expect(Number(/Live · ([\d.]+) connections/.exec(status!)![1])).toBeGreaterThan(0);

    // the ring is where the edge's middle is drawn, in its own colour
    await page.waitForFunction(() => !window.netatlasMap!.sigma.getCamera().isAnimating());
    await page.waitForTimeout(300);
    const middle = await middleOf();
    // Live never moves known nodes or the camera
    expect(Math.hypot(middle.x - before.x, middle.y - before.y)).toBeLessThan(1);
    const png = await page.locator('#map').screenshot();
    await page.screenshot({ path: shot('live-new-edge.png') });
    const cyanAtMiddle = await pixelsNear(context, png, { ...middle, radius: 12 }, rgb(NEW_EDGE_COLOR));
    // a 9 px ring of 3 px: some 150 pixels; elsewhere the map has no cyan
    expect(cyanAtMiddle).toBeGreaterThan(40);
    const cyanAway = await pixelsNear(context, png, { x: middle.x + 200, y: middle.y + 200, radius: 12 }, rgb(NEW_EDGE_COLOR));
    expect(cyanAway).toBeLessThan(5);
    await page.close();
  });
});
