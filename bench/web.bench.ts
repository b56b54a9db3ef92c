/**
 * The web map in headless Chromium with software WebGL (swiftshader), on generated estates:
 * 10,000 workloads / 50,000 edges / 5 clusters, against a 1,000 / 5,000 baseline measured in
 * the same run. Figures: page load to the first frame drawn by the GPU (and to the first frame
 * with every edge), layout time to settle, median frame time while panning and zooming (the
 * headline: frames of a mouse drag + wheel in which the view changed, the redraw after the
 * gesture included), and, not a gesture, the frame of a camera set by code each frame (a full
 * sigma draw). Targets (issue 7): first frame < 3 s, median frame < 50 ms. docs/web.md says what
 * each figure measures and what is drawn during a move.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { buildWeb, launchChromium, ROOT } from '../test/e2e/harness.ts';
import { syntheticEstate } from '../web/src/dev/synthetic-estate.ts';
import { startStaticApiServer } from '../test/e2e/static-api-server.ts';

interface Figures { firstFrames: number[]; marks: string; nodesFirst: boolean; dragMaxMs: number; dragRedraws: number; moved: number; presentedMs: number; fullPresentedMs: number; loadedMs: number; settledMs: number; load: string; profile: string; medianRenderMs: number; medianDragFrameMs: number; dragFrames: number; firstFrameMs: number; sigmaInitMs: number; layoutMs: number; layoutIterations: number; layoutReason: string; medianFrameMs: number; p95FrameMs: number; nodes: number; edges: number }

async function measure(workloads: number, edges: number): Promise<Figures> {
  const estate = syntheticEstate({ clusters: 5, workloads, edges, seed: 42 });
  // NETATLAS_BENCH_NO_COUNTS=1: the graph answer without its count headers (sigma built after the body, the fallback)
  const server = await startStaticApiServer(path.join(ROOT, 'web/dist'), JSON.stringify(estate), { countHeaders: !process.env.NETATLAS_BENCH_NO_COUNTS });
  const browser = await launchChromium();
  try {
    // The first frame moves by a second from one load to the next on this machine: before the
    // measured load, load the page WEB_BENCH_FIRST_FRAMES - 1 more times, each in a fresh browser
    // context (cold HTTP cache, as a first visit), and report the median of all the loads.
    const firstFrames: number[] = [];
    for (let i = 1; i < Math.max(1, Number(process.env.WEB_BENCH_FIRST_FRAMES ?? 3)); i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const extra = await context.newPage();
      await extra.addInitScript('window.netatlasBenchSync = true');
      await extra.goto(`${server.url}/`);
      await extra.waitForFunction(() => window.netatlasDebug?.firstFrameGpuDoneAt !== undefined, null, { timeout: 120_000 });
      firstFrames.push(await extra.evaluate(() => window.netatlasDebug!.firstFrameGpuDoneAt!));
      await context.close();
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const log = (m: string): void => { if (process.env.NETATLAS_BENCH_VERBOSE) console.error(`  [${workloads}] ${m}`); };
    page.on('console', (m) => log(`console ${m.type()}: ${m.text()}`));
    // the page waits for the GPU after its first frames (a 1-pixel readPixels) and records when
    await page.addInitScript('window.netatlasBenchSync = true');
    const t0 = Date.now();
    await page.goto(`${server.url}/`);
    log('navigated');
    await page.waitForFunction(() => window.netatlasDebug?.firstFrameAt !== undefined, null, { timeout: 120_000 });
    log(`first frame after ${Date.now() - t0} ms`);
    await page.waitForFunction(() => window.netatlasDebug?.layoutSettledAt !== undefined, null, { timeout: 180_000 });
    log(`layout settled after ${Date.now() - t0} ms`);
    const { frames, renders } = await page.evaluate(async () => {
      // pan and zoom the camera one step per animation frame; the gap between frames is the frame
      // time the user sees (it includes the compositor and the GPU process, i.e. machine load)
      const sigma = window.netatlasMap!.sigma;
      const camera = sigma.getCamera();
      const start = camera.getState();
      // (no named helper functions in here: tsx would wrap them in __name, unknown in the page)
      const moves = Array.from({ length: 40 }, (_, i) => {
        const t = i / 40;
        return { x: start.x + 0.2 * Math.sin(t * 2 * Math.PI), y: start.y + 0.15 * Math.cos(t * 2 * Math.PI), ratio: start.ratio * (0.35 + 0.65 * Math.abs(Math.cos(t * Math.PI))) };
      });
      const frames: number[] = [];
      let last = performance.now();
      const budget = last + 60_000; // a loaded machine can take seconds per frame: stop after a minute
      for (let i = 0; i < 40 && performance.now() < budget; i++) {
        camera.setState(moves[i]);
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      // the same moves, timing sigma's render of each until the GPU is done: Chromium's WebGL
      // finish() is only a flush, a 1-pixel readPixels waits for the drawing (swiftshader)
      const gl = sigma.getWebGLContext();
      const px = new Uint8Array(4);
      const renders: number[] = [];
      const renderBudget = performance.now() + 40_000;
      for (let i = 0; i < 12 && performance.now() < renderBudget; i++) {
        const t = performance.now();
        camera.setState(moves[i]);
        (sigma as unknown as { render(): void }).render();
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
        renders.push(performance.now() - t);
      }
      camera.setState(start);
      return { frames: frames.length > 6 ? frames.slice(3) : frames, renders: renders.length > 4 ? renders.slice(2) : renders };
    });
    // the way a user moves the map: drag with the mouse, then zoom with the wheel (sigma knows
    // the camera is moving, which setState alone does not tell it). Recorded in the page, one
    // entry per animation frame; a frame counts as seen by the user when the view changed in it
    // (the camera moved, or sigma drew): idle frames between input events are not counted.
    // Recording goes on until the map has been drawn again after the gesture, so the sharp redraw
    // at the end is among the frames. (A string: tsx would wrap a named function in __name.)
    await page.evaluate(`(() => {
      window.benchFrames = []; window.benchRecording = true;
      const sigma = window.netatlasMap.sigma, camera = sigma.getCamera();
      const drawn = () => (window.netatlasMap.mover ? window.netatlasMap.mover.counts.drawn : -1);
      let renders = 0; sigma.on('afterRender', () => { renders++; });
      let last = performance.now(), cam = JSON.stringify(camera.getState()), seenRenders = 0;
      const tick = () => {
        const now = performance.now(), c = JSON.stringify(camera.getState());
        const changed = c !== cam || renders !== seenRenders;
        window.benchFrames.push({ ms: now - last, changed, redraw: renders !== seenRenders });
        cam = c; seenRenders = renders; last = now;
        if (window.benchRecording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const box = (await page.locator('#map').boundingBox())!;
    const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const gestureBudget = Date.now() + 60_000;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 30 && Date.now() < gestureBudget; i++) await page.mouse.move(cx + 8 * i, cy + 5 * i);
    await page.mouse.up();
    await page.mouse.move(cx + 100, cy + 60);
    for (let i = 0; i < 10 && Date.now() < gestureBudget; i++) { await page.mouse.wheel(0, i < 5 ? -120 : 120); await page.waitForTimeout(30); }
    // wait for the redraw after the gesture (sigma draws once the camera has stopped)
    await page.waitForTimeout(400);
    // (then two animation frames, so that the recorder sees the frame with the redraw)
    await page.evaluate(`new Promise((resolve) => { const s = window.netatlasMap.sigma; const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve())); s.once('afterRender', done); setTimeout(resolve, 30000); })`).catch(() => undefined);
    const recorded = await page.evaluate(() => {
      const w = window as unknown as { benchFrames: { ms: number; changed: boolean; redraw: boolean }[]; benchRecording: boolean };
      w.benchRecording = false;
      return w.benchFrames.slice(1);
    });
    const mover = await page.evaluate(() => window.netatlasMap?.mover?.counts ?? null);
    const seen = recorded.filter((f) => f.changed);
    const drag = seen.map((f) => f.ms);
    const dragMax = drag.reduce((m, x) => Math.max(m, x), 0);
    drag.sort((a, b) => a - b);
    renders.sort((a, b) => a - b);
    frames.sort((a, b) => a - b);
    const d = await page.evaluate(() => window.netatlasDebug);
    // the page's netatlas:* marks (first occurrence of each), ms after navigation
    const marks = await page.evaluate(() => {
      const seen = new Map<string, number>();
      for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('netatlas:') && !seen.has(m.name)) seen.set(m.name, m.startTime);
      return [...seen].map(([n, t]) => `${n.slice(9)} ${t.toFixed(0)}`).join(', ');
    });
    return {
      marks, nodesFirst: d.nodesFirst === true,
      firstFrameMs: d.firstFrameAt!, sigmaInitMs: d.sigmaInitMs ?? NaN, layoutMs: d.layoutMillis ?? NaN, layoutIterations: d.layoutIterations ?? 0,
      layoutReason: d.layoutReason ?? '?', medianFrameMs: frames[Math.floor(frames.length / 2)], p95FrameMs: frames[Math.floor(frames.length * 0.95)],
      nodes: d.nodes, edges: d.edges, medianRenderMs: renders[Math.floor(renders.length / 2)],
      medianDragFrameMs: drag.length ? drag[Math.floor(drag.length / 2)] : NaN, dragFrames: drag.length, dragMaxMs: dragMax,
      dragRedraws: seen.filter((f) => f.redraw).length, moved: mover?.moved ?? 0,
      firstFrames: [...firstFrames, d.firstFrameGpuDoneAt ?? NaN], presentedMs: d.firstFrameGpuDoneAt ?? NaN, fullPresentedMs: d.fullFrameGpuDoneAt ?? NaN, loadedMs: d.loadedAt ?? NaN, settledMs: d.layoutSettledAt ?? NaN, load: loadavg().map((x) => x.toFixed(1)).join(' '), profile: d.renderProfile ?? '?',
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '?');
/** The median first frame (GPU done) over the bench's loads of the page (the lower middle one of an even count). */
const firstFrameMedian = (f: Figures): number => [...f.firstFrames].sort((a, b) => a - b)[(f.firstFrames.length - 1) >> 1];

const row = (name: string, f: Figures): void => {
  console.log(`${name}: ${f.nodes} nodes, ${f.edges} drawn edges, sigma program set "${f.profile}" (load average after: ${f.load})`);
  console.log(`  first frame          ${fmt(f.firstFrameMs)} ms sigma's render returned, ${fmt(f.presentedMs)} ms drawn by the GPU (readPixels-synced); ${f.nodesFirst ? 'nodes' : 'graph'} parsed at ${fmt(f.loadedMs)} ms, sigma built in ${fmt(f.sigmaInitMs)} ms with the first data (${f.nodesFirst ? 'its nodes, ahead of the edges: count headers' : 'the whole graph: no count headers'})`);
  console.log(`  first frame, loads   median ${fmt(firstFrameMedian(f))} ms drawn by the GPU over ${f.firstFrames.length} loads, in order ${f.firstFrames.map(fmt).join(', ')} ms (the first in a browser just started; the last is the load measured above and below)`);
  console.log(`  marks (ms)           ${f.marks}`);
  console.log(`  every edge drawn     ${fmt(f.fullPresentedMs)} ms by the GPU${f.profile === 'light' ? ' (large maps draw nodes, hulls and labels first, every edge in the next frame)' : ' (the first frame has them)'}`);
  console.log(`  layout               ${fmt(f.layoutMs)} ms in the worker (${f.layoutIterations} iterations, ${f.layoutReason}), settled ${fmt(f.settledMs)} ms after page load`);
  console.log(`  drag + wheel frames  median ${f.medianDragFrameMs.toFixed(1)} ms, max ${f.dragMaxMs.toFixed(0)} ms over ${f.dragFrames} frames in which the view changed (${f.moved} moved frames, ${f.dragRedraws} with a sigma draw)`);
  console.log(`  setState loop        median ${f.medianFrameMs.toFixed(1)} ms, p95 ${f.p95FrameMs.toFixed(1)} ms (code sets the camera each frame: sigma draws every frame, no gesture)`);
  console.log(`  render to GPU done   median ${f.medianRenderMs.toFixed(1)} ms (one full sigma draw, readPixels-synced)`);
};

buildWeb();
console.log('web map, headless Chromium (swiftshader), 5 clusters');
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (frame times include the machine's load)`);
const base = await measure(1_000, 5_000);
row('1k wl / 5k edges', base);
const big = await measure(10_000, 50_000);
row('10k wl / 50k edges', big);
console.log(`ratio 10k/1k: first frame x${(firstFrameMedian(big) / firstFrameMedian(base)).toFixed(2)}, layout x${(big.layoutMs / base.layoutMs).toFixed(2)}, drag/wheel frame x${(big.medianDragFrameMs / base.medianDragFrameMs).toFixed(2)}, setState frame x${(big.medianFrameMs / base.medianFrameMs).toFixed(2)}, render x${(big.medianRenderMs / base.medianRenderMs).toFixed(2)}`);
const coldLoad = big.firstFrames[0];
console.log(`targets (10k): first frame < 3000 ms: ${firstFrameMedian(big) < 3000 ? 'met' : 'MISSED'} by the median of ${big.firstFrames.length} loads (${fmt(firstFrameMedian(big))} ms, GPU done), ${coldLoad < 3000 ? 'met' : 'MISSED'} by the first load after the browser started (${fmt(coldLoad)} ms; every edge ${fmt(big.fullPresentedMs)} ms); median frame while panning and zooming < 50 ms: ${big.medianDragFrameMs < 50 ? 'met' : 'MISSED'} (mouse drag + wheel, ${big.medianDragFrameMs.toFixed(1)} ms); setState loop ${big.medianFrameMs < 50 ? 'under' : 'over'} 50 ms (${big.medianFrameMs.toFixed(0)} ms, not a gesture)`);
