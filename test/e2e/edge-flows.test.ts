/**
 * The connections behind an edge in a real browser on the demo: the edge panel's table, fed by
 * GET /api/v1/flows from the server's store, newest first, filtered by verdict and by text.
 * Screenshot: edge-flows.png.
 */
import { describe, expect, it } from 'vitest';
import { shot } from './harness.ts';
import { useDemoSession } from './session.ts';
import type { FlowsResponse, GraphResponse } from '../../server/http/api-types.ts';

const demo = useDemoSession();

describe('the connections behind an edge', { timeout: 180_000 }, () => {
  it('the edge panel pages the edge\'s connections newest first, with their pods, verdicts and reports, and filters them by verdict and text', async () => {
    // the busiest workload edge with dropped connections among its flows (the panel must show both kinds)
    const graph = (await (await fetch(`${demo.server.url}/api/v1/graph?level=workload`)).json()) as GraphResponse;
    const edge = [...graph.edges].filter((e) => (e.verdicts.DROPPED ?? 0) > 0).sort((a, b) => b.count - a.count)[0]!;
    const api = (await (await fetch(`${demo.server.url}/api/v1/flows?edge=${encodeURIComponent(edge.key)}`)).json()) as FlowsResponse;
    expect(api.rows.length).toBeGreaterThan(0);

    const page = await demo.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.server.url}/?mode=table`);
    const row = page.locator(`#table-body tr[data-edge="${edge.key}"]`);
    await row.waitFor({ timeout: 60_000 });
    await row.click();

    const table = page.locator('[data-testid="flows-table"]').first();
    await table.waitFor({ timeout: 30_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(api.rows.length);
    const summary = page.locator('.flows-summary').first();
    expect(await summary.textContent()).toBe(`1-${api.rows.length} of ${api.kept.capped ? 'at least ' : ''}${api.total} connection${api.total === 1 ? '' : 's'}`);
    // newest first: the time column (ISO, so it sorts as text) descends
    const times = await table.locator('tbody td.time').allTextContents();
    expect(times).toEqual([...times].sort().reverse());
    // the first row as the API gave it: its source pod (or address) and port, its verdict and the reports folded
    const first = api.rows[0]!;
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells[1]).toContain(first.source.pod ?? first.source.ip ?? '?');
    expect(cells[2]).toContain(`:${first.destination.port}`);
    expect(cells[5]).toBe(first.verdict.toLowerCase());
    expect(cells[8]).toBe(first.reports.toLocaleString('en'));
    await page.screenshot({ path: shot('edge-flows.png') });

    // the verdict filter: dropped connections only, each with its drop reason when the source gave one
    await page.locator('.flows-tools select').first().selectOption('DROPPED');
    await expect.poll(async () => (await table.locator('tbody td.verdict').allTextContents()).every((v) => v === 'dropped')).toBe(true);
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);

    // the text filter: nothing matches a name no pod has
    await page.locator('.flows-tools select').first().selectOption('');
    await page.locator('.flows-tools input').first().fill('no-such-pod-anywhere');
    await expect.poll(() => summary.textContent()).toBe('no connections match');
    expect(await page.locator('[data-testid="flows-table"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
