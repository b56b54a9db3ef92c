/**
 * Time, zoom and inter-cluster pairs in a real browser on the demo: brushing the flow-volume
 * histogram sets the window (URL, inputs, map); zooming onto a folded namespace opens it and
 * zooming back out folds it; a cluster-to-cluster edge lists its workload pairs, one click away
 * from the pair's own edge. Screenshots: time-brush.png, zoom-opened.png, cluster-pairs.png.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { shot } from './harness.ts';
import { useDemoSession } from './session.ts';
import { pixelAt } from './pixels.ts';
import type { GraphResponse } from '../../server/http/api-types.ts';

const demo = useDemoSession();
const errors: string[] = [];

async function open(query = ''): Promise<Page> {
  const page = await demo.context.newPage();
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${demo.server.url}/${query}`);
  await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 60_000 });
  return page;
}

describe('time brush, zoom to open, inter-cluster pairs', { timeout: 180_000 }, () => {
  it('dragging across the flow-volume histogram sets an absolute window that the URL, the From/To inputs and the map follow', async () => {
    const page = await open();
    const brush = page.locator('[data-testid="time-brush"]');
    await expect.poll(() => page.locator('.brush-note').textContent(), { timeout: 30_000 }).toMatch(/connections, .* per bar/);
    const box = (await brush.boundingBox())!;
    // the bars are drawn: accent-blue pixels along the bottom of the brush
    const before = await page.screenshot();
    const bottom: [number, number, number][] = [];
    for (let x = 4; x < box.width; x += 6) bottom.push(await pixelAt(demo.context, before, box.x + x, box.y + box.height - 4));
    expect(bottom.filter(([r, g, b]) => b > 120 && b > r + 40 && g < 160).length).toBeGreaterThan(0);

    const drawn = (): Promise<number> => page.evaluate(() => window.netatlasDebug.edgesShown!);
    const all = await drawn();
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL(location.href).searchParams.has('since') && new URL(location.href).searchParams.has('until'));
    const url = new URL(page.url());
    const since = Number(url.searchParams.get('since'));
    const until = Number(url.searchParams.get('until'));
    expect(until).toBeGreaterThan(since);
    expect(await page.inputValue('#f-from')).not.toBe('');
    expect(await page.inputValue('#f-to')).not.toBe('');

    // the map draws exactly the workload edges whose [firstSeen, lastSeen] overlaps the window
    const graph = (await (await fetch(`${demo.server.url}/api/v1/graph?level=workload`)).json()) as GraphResponse;
    const overlapping = graph.edges.filter((e) => e.lastSeen >= since && e.firstSeen <= until).length;
    expect(await drawn()).toBe(overlapping);
    expect(overlapping).toBeLessThanOrEqual(all);

    // the brush shows the window: bars full inside it, dimmed outside it
    const after = await page.screenshot({ path: shot('time-brush.png') });
    const inside = await pixelAt(demo.context, after, box.x + box.width * 0.35, box.y + box.height - 6);
    const outside = await pixelAt(demo.context, after, box.x + box.width * 0.8, box.y + box.height - 6);
    expect(inside[0]).toBeLessThan(outside[0] - 40);
    await brush.screenshot({ path: shot('time-brush-detail.png') });
    await page.click('.brush-row button:has-text("All time")');
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('since'));
    expect(await drawn()).toBe(all);
    await page.close();
  });

  it('zooming onto a folded namespace opens it in place, zooming back out folds it again (netatlasDebug.nodes follows)', async () => {
    const group = 'ns:prod/boutique';
    const page = await open(`?collapsed=${encodeURIComponent(group)}`);
    const folded = await page.evaluate(() => window.netatlasDebug.nodes);
    expect(await page.evaluate((k) => window.netatlasMap!.graph.hasNode(k), group)).toBe(true);
    const box = (await page.locator('#map').boundingBox())!;
    const at = (): Promise<{ x: number; y: number }> => page.evaluate((k) => window.netatlasMap!.sigma.graphToViewport(window.netatlasMap!.graph.getNodeAttributes(k)), group);
    for (let i = 0; i < 14 && (await page.evaluate((k) => window.netatlasMap!.graph.hasNode(k), group)); i++) {
      const p = await at();
      await page.mouse.move(box.x + p.x, box.y + p.y);
      await page.mouse.wheel(0, -240);
      await page.waitForTimeout(700);
    }
    await page.waitForFunction((k) => !window.netatlasMap!.graph.hasNode(k), group, { timeout: 10_000 });
    const opened = await page.evaluate(() => ({ nodes: window.netatlasDebug.nodes, collapsed: new URL(location.href).searchParams.get('collapsed') ?? '' }));
    expect(opened.nodes).toBeGreaterThan(folded);
    expect(opened.collapsed.split(',')).not.toContain(group);
    // on screen: the namespace's workloads are labelled where the group was
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot('zoom-opened.png') });
    const labels = await page.evaluate(() => window.netatlasMap!.drawnLabels.map((l) => l.key));
    expect(labels.some((k) => k.startsWith('wl:prod/boutique/'))).toBe(true);

    for (let i = 0; i < 14 && !(await page.evaluate((k) => window.netatlasMap!.graph.hasNode(k), group)); i++) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, 240);
      await page.waitForTimeout(700);
    }
    await page.waitForFunction((k) => window.netatlasMap!.graph.hasNode(k), group, { timeout: 10_000 });
    expect(await page.evaluate(() => window.netatlasDebug.nodes)).toBe(folded);
    await page.close();
  });

  it('a cluster-to-cluster edge lists its workload pairs with counts and verdicts; a pair selects its own edge on the map', async () => {
    const page = await open(`?mode=table&collapsed=${encodeURIComponent('cluster:dev,cluster:finance')}`);
    const row = page.locator('#table-body tr[data-edge="cluster:dev->cluster:finance|TCP|8443"]');
    await row.click();
    const pairs = page.locator('[data-testid="edge-pairs"] tbody tr');
    await pairs.first().waitFor({ timeout: 30_000 });
    expect(await page.locator('#panel-body h2').textContent()).toBe('cluster dev → cluster finance');
    const first = await pairs.first().locator('td').allTextContents();
    expect(first[0]).toBe('dev/boutique/debug-shell → finance/payments/ledger');
    expect(first[1]).toBe('TCP/8443');
    expect(Number(first[2])).toBeGreaterThan(0);
    expect(first[3]).toMatch(/forwarded \d+/);
    await page.screenshot({ path: shot('cluster-pairs.png') });

    await pairs.first().locator('button').click();
    const pairKey = 'wl:dev/boutique/Pod/debug-shell=>wl:finance/payments/Deployment/ledger';
    await page.waitForFunction((k) => window.netatlasMap!.selection === k, pairKey, { timeout: 30_000 });
    expect(new URL(page.url()).searchParams.get('sel')).toBe(pairKey);
    await expect.poll(() => page.locator('#panel-body h2').textContent()).toBe('dev/boutique/debug-shell → finance/payments/ledger');
    await page.close();
  });

  it('logged no page errors', () => {
    expect(errors).toEqual([]);
  });
});
