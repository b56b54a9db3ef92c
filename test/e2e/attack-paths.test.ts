/**
 * Attack paths on the map, in a real browser on the demo: the Findings panel lists them, a
 * click lights the first (internet -> prod frontend -> finance ledger) hop by hop, dims the rest,
 * draws the cut hop, and shows the cut's YAML. The screenshot goes to
 * test/.screenshots/attack-path.png (with NETATLAS_UPDATE_SCREENSHOTS=1, to docs/screenshots/).
 */
import { describe, expect, it } from 'vitest';
import { shot } from './harness.ts';
import { openSettled, useDemoSession } from './session.ts';
import { pixelAt } from './pixels.ts';

const PROD_FRONTEND = 'wl:prod/boutique/Deployment/frontend';
const LEDGER = 'wl:finance/payments/Deployment/ledger';

const session = useDemoSession();

describe('attack paths on the map', { timeout: 180_000 }, () => {
  it('clicking the first path lights its nodes, dims the rest, draws its cut hop and shows the cut as a NetworkPolicy', async () => {
    const { context } = session;
    const page = await openSettled(session);
    await page.click('#btn-findings');
    const first = page.locator('.findings ol.attack-paths > li').first();
    await first.waitFor({ timeout: 60_000 });
    const title = await first.locator('button.component .name').textContent();
    expect(title).toBe('internet → prod/boutique/frontend → finance/payments/ledger');

    await first.locator('button.component').click();
    const yaml = page.locator('[data-testid="attack-path-detail"] [data-testid="policy-yaml"]');
    await yaml.waitFor();
    expect(await yaml.textContent()).toContain('kind: NetworkPolicy');
    await expect.poll(() => page.locator('[data-testid="attack-path-detail"] li.cut').count()).toBe(1);
    expect(await first.locator('[data-hop="0"]').textContent()).toContain('the internet → prod/boutique/frontend');

    // the map's state: the path's two nodes lit, every other node dimmed, the cut hop a link of the path
    await page.waitForFunction(() => !window.netatlasMap!.sigma.getCamera().isAnimating());
    const map = await page.evaluate(() => {
      const m = window.netatlasMap!;
      const visible = m.graph.filterNodes((_k, a) => a.visibility === 'visible');
      const at = (k: string): { x: number; y: number } => m.sigma.graphToViewport(m.graph.getNodeAttributes(k));
      const cut = m.shownPath?.links.find((l) => l.cut);
      return {
        highlighted: m.graph.filterNodes((k) => m.sigma.getNodeState(k).isHighlighted).sort(),
        undimmed: visible.filter((k) => !m.sigma.getNodeState(k).dimmed).sort(),
        visible: visible.length,
        cut: cut ? { source: cut.source, target: cut.target, a: at(cut.source), b: at(cut.target) } : undefined,
      };
    });
    expect(map.highlighted).toEqual([LEDGER, PROD_FRONTEND].sort());
    expect(map.undimmed).toEqual(map.highlighted);
    expect(map.visible).toBeGreaterThan(10);
    expect(map.cut).toMatchObject({ source: PROD_FRONTEND, target: LEDGER });

    // on screen: the cut hop's dashed line, in the cut colour, a quarter of the way along it
    const box = (await page.locator('#map').boundingBox())!;
    const png = await page.screenshot({ path: shot('attack-path.png') });
    const { a, b } = map.cut!;
    const samples: [number, number, number][] = [];
    for (const t of [0.2, 0.25, 0.3, 0.35, 0.4, 0.6, 0.65, 0.7, 0.75, 0.8]) {
      samples.push(await pixelAt(context, png, box.x + a.x + (b.x - a.x) * t, box.y + a.y + (b.y - a.y) * t));
    }
    // CUT_COLOR is #d6247f: red high, green low, blue in between
    const pink = samples.filter(([r, g, bl]) => r > 160 && g < 110 && bl > 70 && bl < 180);
    expect(pink.length).toBeGreaterThan(0);
    await page.close();
  });
});
