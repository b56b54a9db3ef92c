/**
 * The five questions a platform engineer brings to the map, asked of the demo in a real
 * browser, each answered by what is on screen (selection, labels, colours sampled from a
 * screenshot, panel content). Screenshots go to test/.screenshots/workflow-*.png (with
 * NETATLAS_UPDATE_SCREENSHOTS=1, to docs/screenshots/) for a person to look at.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { shot } from './harness.ts';
import { useDemoSession } from './session.ts';
import { pixelAt } from './pixels.ts';

const PROD_FRONTEND = 'wl:prod/boutique/Deployment/frontend';
const PROD_CART = 'wl:prod/boutique/Deployment/cartservice';
const PROD_RECO = 'wl:prod/boutique/Deployment/recommendationservice';

const demo = useDemoSession();

async function open(query = ''): Promise<Page> {
  const page = await demo.context.newPage();
  await page.goto(`${demo.server.url}/${query}`);
  await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 60_000 });
  return page;
}

/** What the map shows now: drawn nodes and edges, the labels drawn, the selection's neighbourhood. */
function onScreen(page: Page): Promise<{ nodes: string[]; edges: { key: string; interCluster: boolean; diff?: string }[]; labels: string[]; highlighted: string[] }> {
  return page.evaluate(() => {
    const m = window.netatlasMap!;
    return {
      nodes: m.graph.filterNodes((_k, a) => a.visibility === 'visible'),
      edges: m.graph.filterEdges((_k, a) => a.visibility === 'visible').map((k) => ({ key: k, interCluster: m.graph.getEdgeAttribute(k, 'interCluster'), diff: m.graph.getEdgeAttribute(k, 'diff') })),
      labels: m.drawnLabels.map((l) => l.key),
      highlighted: m.graph.filterNodes((k) => m.sigma.getNodeState(k).isHighlighted),
    };
  });
}

describe('what a user asks of the map', { timeout: 180_000 }, () => {
  it('what does prod/frontend talk to: search, pick, and its peers stay lit and labelled with the ports in the panel', async () => {
    const page = await open();
    await page.press('body', '/');
    await page.keyboard.type('frontend');
    const prodHit = page.locator('#search-list li[data-key="wl:prod/boutique/Deployment/frontend"]');
    await expect.poll(() => prodHit.count()).toBe(1);
    await prodHit.dispatchEvent('mousedown');
    await expect.poll(() => page.locator('#panel-body h2').textContent()).toBe('frontend');
    await page.click('#tab-traffic');
    const outgoing = page.locator('#tabpanel-traffic table.edges').nth(1);
    await expect.poll(async () => (await outgoing.textContent()) ?? '').toContain('prod/boutique/cartservice');
    expect(await outgoing.textContent()).toContain('TCP/7070');
    await page.waitForTimeout(600);
    const screen = await onScreen(page);
    expect(screen.highlighted).toContain(PROD_FRONTEND);
    expect(screen.highlighted).toContain(PROD_CART);
    expect(screen.labels).toEqual(expect.arrayContaining([PROD_FRONTEND, PROD_CART]));
    await page.screenshot({ path: shot('workflow-frontend-peers.png') });
    await page.close();
  });

  it("generate a namespace's policy and copy it: the folded namespace's panel has its YAML and Copy puts it on the clipboard", async () => {
    const ns = 'ns:prod/boutique';
    const page = await open(`?collapsed=${encodeURIComponent(ns)}&sel=${encodeURIComponent(ns)}`);
    await expect.poll(() => page.locator('#panel-body h2').textContent()).toBe('prod/boutique');
    const yaml = page.locator('#panel-body [data-testid="policy-yaml"]');
    await expect.poll(async () => (await yaml.textContent()) ?? '', { timeout: 20_000 }).toContain('kind: NetworkPolicy');
    expect(await yaml.textContent()).toContain('namespace: boutique');
    await page.click('#panel-body .yaml-box button:has-text("Copy")');
    await expect.poll(() => page.locator('#panel-body .yaml-box button:has-text("Copied")').count()).toBe(1);
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    expect(clipboard).toBe(await yaml.textContent());
    await page.screenshot({ path: shot('workflow-namespace-policy.png') });
    await page.close();
  });

  it('what would break if the intended policies applied: the would-break chip leaves the red edge and its two labelled ends', async () => {
    const page = await open('?mode=diff');
    const chip = page.locator('[data-diff="would-break"]');
    await expect.poll(async () => Number(await chip.locator('b').textContent())).toBeGreaterThanOrEqual(1);
    // the counts are the API's own, not the length of its capped list
    const summary = await page.evaluate(async () => (await (await fetch('/api/v1/diff')).json()).summary);
    expect(Number((await page.locator('[data-diff="unobserved"] b').textContent())?.replaceAll(',', ''))).toBe(summary.unusedPairs);
    await chip.click();
    await page.locator('.would-break li button').first().click();
    await page.waitForTimeout(800);
    const screen = await onScreen(page);
    const edge = `${PROD_RECO}=>${PROD_CART}`;
    expect(screen.edges.map((e) => e.key)).toEqual([edge]);
    expect(screen.edges[0]!.diff).toBe('would-break');
    expect(screen.labels).toEqual(expect.arrayContaining([PROD_RECO, PROD_CART]));
    await expect.poll(() => page.locator('#panel-body h2').textContent()).toContain('recommendationservice');
    // the edge on screen is red: sample its middle
    const mid = await page.evaluate(([a, b]) => {
      const m = window.netatlasMap!;
      const p = m.sigma.graphToViewport(m.graph.getNodeAttributes(a!));
      const q = m.sigma.graphToViewport(m.graph.getNodeAttributes(b!));
      return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    }, [PROD_RECO, PROD_CART]);
    const box = (await page.locator('#map').boundingBox())!;
    const png = await page.screenshot({ path: shot('workflow-would-break.png') });
    const [r, g, b] = await pixelAt(demo.context, png, box.x + mid.x, box.y + mid.y);
    expect(r, `rgb(${r},${g},${b})`).toBeGreaterThan(g + 60);
    expect(r).toBeGreaterThan(b + 40);
    await page.close();
  });

  it('only traffic between clusters: every drawn edge crosses clusters and every drawn node is labelled', async () => {
    const page = await open();
    await page.check('#f-inter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('inter') === '1');
    await page.waitForTimeout(600);
    const screen = await onScreen(page);
    expect(screen.edges.length).toBeGreaterThan(0);
    expect(screen.edges.every((e) => e.interCluster)).toBe(true);
    const clusters = new Set(screen.nodes.map((k) => /^wl:([^/]+)\//.exec(k)?.[1]).filter(Boolean));
    expect(clusters.size).toBeGreaterThanOrEqual(2);
    expect([...screen.labels].sort()).toEqual([...screen.nodes].sort());
    expect(await page.evaluate(() => window.netatlasDebug.nodes)).toBe(screen.nodes.length);
    await page.screenshot({ path: shot('workflow-inter-cluster.png') });
    await page.close();
  });

  it('the riskiest component and how to fix it: ranked first with its score breakdown, selected on the map, its policy generated inline', async () => {
    const page = await open();
    await page.click('#btn-findings');
    const first = page.locator('.findings ol.ranked li').first();
    await expect.poll(() => first.count()).toBe(1);
    const score = Number(await first.locator('.score').textContent());
    const scores = (await page.locator('.findings ol.ranked .score').allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(score).toBe(scores[0]);
    expect(await first.locator('.breakdown .badge').count()).toBeGreaterThan(0);
    // ranked by the risk model: the first is GET /risk's top workload, its parts shown with their points
    const risk = await page.evaluate(async () => (await (await fetch('/api/v1/risk')).json()) as { workloads: Array<{ workload: string; score: number; parts: Record<string, { points: number; max: number }> }> });
    const top = risk.workloads[0]!;
    expect(await first.getAttribute('data-component')).toBe(top.workload);
    expect(score).toBe(top.score);
    const parts = Object.entries(top.parts).filter(([, p]) => p.points > 0);
    expect(parts.length).toBeGreaterThan(0);
    for (const [name, p] of parts) expect(await first.locator(`.badge.part[data-part="${name}"]`).textContent()).toBe(`${name} ${p.points}/${p.max}`);
    // the first one that has a policy of its own to generate
    const fixable = page.locator('.findings ol.ranked li:has([data-fix])').first();
    const key = (await fixable.getAttribute('data-component'))!;
    await fixable.locator('button.component').click();
    await expect.poll(() => page.evaluate(() => new URL(location.href).searchParams.get('sel'))).toBe(key);
    await fixable.locator('[data-fix]').click();
    await expect.poll(async () => (await fixable.locator('[data-testid="policy-yaml"]').textContent()) ?? '', { timeout: 20_000 }).toContain('kind: NetworkPolicy');
    await page.screenshot({ path: shot('workflow-riskiest.png') });
    await page.close();
  });
});
