/**
 * The header's exports in a real browser on the demo: the policy YAML as a zip with one file per
 * cluster in the chosen format, and the map as SVG with the outlines, nodes, edges and labels drawn on screen.
 * Screenshots: test/.screenshots/export-*.png (the page, and the SVG file rendered on its own).
 */
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { allElements, parseXml } from '../web/xml.ts';
import { shot } from './harness.ts';
import { useDemoSession } from './session.ts';

const demo = useDemoSession();

async function open(): Promise<Page> {
  const page = await demo.context.newPage();
  await page.goto(`${demo.server.url}/`);
  await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 60_000 });
  return page;
}

/** Clicks the button and returns the downloaded file's name and bytes. */
async function download(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(button)]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

describe('exports', { timeout: 180_000 }, () => {
  it('the YAML export downloads a zip with one Cilium file per cluster shown', async () => {
    const page = await open();
    const clusters = await page.evaluate(() => {
      const g = window.netatlasMap!.graph;
      const out = new Set<string>();
      g.forEachNode((_k, a) => { if (a.visibility === 'visible' && a.cluster && (a.kind === 'workload' || a.kind === 'group')) out.add(a.cluster); });
      return [...out].sort();
    });
    expect(clusters.length).toBeGreaterThan(1);
    await page.selectOption('#export-format', 'cilium');
    const zip = await download(page, '#btn-yaml');
    expect(zip.name).toBe('netatlas-policies-cilium.zip');
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files).sort()).toEqual(clusters.map((c) => `${c}-cilium.yaml`).sort());
    for (const [name, bytes] of Object.entries(files)) {
      const yaml = strFromU8(bytes);
      expect(yaml, name).toContain('kind: CiliumNetworkPolicy');
      expect(yaml, name).not.toContain('kind: NetworkPolicy\n');
    }
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Exported \d+ cilium polic(y|ies) in \d+ file\(s\), one per cluster/);
    await page.screenshot({ path: shot('export-yaml.png') });
    await page.close();
  });

  it('the SVG export holds the nodes and edges drawn, with the labels on screen', async () => {
    const page = await open();
    await page.waitForTimeout(400);
    const drawn = await page.evaluate(() => {
      const m = window.netatlasMap!;
      const visible = new Set(m.graph.filterNodes((k, a) => a.visibility === 'visible' && !m.sigma.getNodeState(k).isHidden));
      const edges = m.graph.filterEdges((k, a, s, t) => a.visibility === 'visible' && !m.sigma.getEdgeState(k).isHidden && visible.has(s) && visible.has(t));
      return { nodes: [...visible].sort(), edges: edges.length, labels: m.drawnLabels.map((l) => l.text), outlines: m.outlines().map((o) => o.label) };
    });
    const svg = await download(page, '#btn-svg');
    expect(svg.name).toBe('netatlas-map.svg');
    const text = svg.bytes.toString('utf8');
    // well-formed for the browser's own XML parser, and for ours
    const parserError = await page.evaluate((doc) => new DOMParser().parseFromString(doc, 'image/svg+xml').getElementsByTagName('parsererror').length, text);
    expect(parserError).toBe(0);
    const root = parseXml(text);
    const group = (cls: string) => root.children.find((c) => c.name === 'g' && c.attributes.class === cls)!;
    expect(group('nodes').children.map((n) => n.attributes['data-key']).sort()).toEqual(drawn.nodes);
    expect(group('edges').children).toHaveLength(drawn.edges);
    expect(drawn.outlines).toEqual(expect.arrayContaining(['prod', 'dev', 'finance']));
    expect(group('outlines').children.map((o) => o.children[1].text)).toEqual(expect.arrayContaining(['cluster prod', 'cluster dev', 'cluster finance']));
    expect(group('outlines').children).toHaveLength(drawn.outlines.length);
    expect(drawn.labels.length).toBeGreaterThan(0);
    expect(group('labels').children.map((l) => l.text)).toEqual(drawn.labels);
    expect(allElements(root).length).toBeGreaterThan(drawn.nodes.length + drawn.edges);
    await page.screenshot({ path: shot('export-page.png') });
    const viewer = await demo.context.newPage();
    await viewer.setContent(text.replace(/^<\?xml[^>]*>\s*/, ''));
    await viewer.screenshot({ path: shot('export-svg.png') });
    await viewer.close();
    await page.close();
  });
});
