/**
 * The edge budget in a real browser on the 10,000-workload estate (5 clusters, 50,000 edges,
 * as the benchmark serves it): the folded map draws at most EDGE_BUDGET edges, strongest and
 * dropped first, and says so in the status line; selecting a node draws every one of its edges.
 * Screenshots: estate-10k.png, estate-10k-selected.png.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, shot } from './harness.ts';
import { useDemoSession } from './session.ts';
import { startStaticApiServer } from './static-api-server.ts';
import { syntheticEstate } from '../../web/src/dev/synthetic-estate.ts';
import { EDGE_BUDGET } from '../../web/src/state/edge-budget.ts';

const demo = useDemoSession();

describe('edge budget on the 10,000-workload estate', { timeout: 300_000 }, () => {
  it('draws at most the budget, says so, and a selected node draws all of its edges', async () => {
    const estate = syntheticEstate({ clusters: 5, workloads: 10_000, edges: 50_000, seed: 42 });
    const large = await startStaticApiServer(path.join(ROOT, 'web/dist'), JSON.stringify(estate));
    const page = await demo.context.newPage();
    const errors: string[] = [];
    try {
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${large.url}/`);
      await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 240_000 });
      await page.waitForTimeout(500);
      const first = await page.evaluate(() => {
        const g = window.netatlasMap!.graph;
        const visible = g.filterEdges((_e, a) => a.visibility === 'visible');
        const droppedHidden = g.filterEdges((_e, a) => (a.verdict === 'dropped' || a.verdict === 'mixed') && a.visibility !== 'visible').length;
        const dropped = g.filterEdges((_e, a) => a.verdict === 'dropped' || a.verdict === 'mixed').length;
        return { drawn: window.netatlasDebug.edges, visible: visible.length, inGraph: g.size, nodes: window.netatlasDebug.nodes, dropped, droppedHidden, status: document.getElementById('status')!.textContent ?? '' };
      });
      expect(first.nodes).toBeLessThanOrEqual(300);
      expect(first.inGraph).toBeGreaterThan(EDGE_BUDGET);
      expect(first.drawn).toBe(first.visible);
      expect(first.drawn).toBe(EDGE_BUDGET);
      // every dropped edge is drawn, up to the budget
      expect(first.dropped - first.droppedHidden).toBe(Math.min(first.dropped, EDGE_BUDGET));
      expect(first.status).toContain(`showing ${EDGE_BUDGET} of ${first.inGraph.toLocaleString('en-US')} edges, strongest first; select a node for all of its edges`);
      await page.screenshot({ path: shot('estate-10k.png') });

      // click the node with the most edges the budget left out
      const target = await page.evaluate(() => {
        const m = window.netatlasMap!;
        const g = m.graph;
        const hiddenOf = (k: string): number => g.edges(k).filter((e) => g.getEdgeAttribute(e, 'visibility') !== 'visible').length;
        const key = g.nodes().sort((a, b) => hiddenOf(b) - hiddenOf(a))[0]!;
        return { key, hidden: hiddenOf(key), at: m.sigma.graphToViewport(g.getNodeAttributes(key)) };
      });
      expect(target.hidden).toBeGreaterThan(0);
      const box = (await page.locator('#map').boundingBox())!;
      await page.mouse.click(box.x + target.at.x, box.y + target.at.y);
      await page.waitForFunction(() => window.netatlasMap!.selection !== undefined, null, { timeout: 30_000 });
      const selected = await page.evaluate(() => {
        const m = window.netatlasMap!;
        const g = m.graph;
        const key = m.selection!;
        const mine = g.edges(key);
        return { key, mine: mine.length, missing: mine.filter((e) => g.getEdgeAttribute(e, 'visibility') !== 'visible').length, drawn: window.netatlasDebug.edges, visible: g.filterEdges((_e, a) => a.visibility === 'visible').length, status: document.getElementById('status')!.textContent ?? '', panel: document.getElementById('panel-body')?.textContent ?? '' };
      });
      expect(selected.missing).toBe(0);
      expect(selected.drawn).toBe(selected.visible);
      expect(selected.drawn).toBeGreaterThan(EDGE_BUDGET);
      expect(selected.drawn).toBeLessThanOrEqual(EDGE_BUDGET + selected.mine);
      expect(selected.status).toContain(`showing ${selected.drawn.toLocaleString('en-US')} of`);
      await page.screenshot({ path: shot('estate-10k-selected.png') });

      // clearing the selection goes back to the budget
      await page.keyboard.press('Escape');
      await page.waitForFunction((n) => window.netatlasDebug.edges === n, EDGE_BUDGET, { timeout: 30_000 });

      // the table still lists every edge the filters keep
      await page.click('#tab-table');
      const shown = await page.evaluate(() => window.netatlasDebug.edgesShown ?? 0);
      expect(shown).toBeGreaterThanOrEqual(first.inGraph);
      await expect.poll(() => page.locator('#table-count').textContent(), { timeout: 30_000 }).toContain(`of ${shown} edges`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await large.close();
    }
  });
});
