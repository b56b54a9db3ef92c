/// <reference lib="webworker" />
/**
 * ForceAtlas2 in a same-origin module worker. graphology-layout-forceatlas2/worker builds its
 * worker from a Blob URL, which a strict CSP (`worker-src 'self'`) refuses; this runs the
 * same `iterate` from graphology-layout-forceatlas2 on the same matrices, from a file Vite
 * emits next to the bundle, and stops by itself once the layout has settled.
 */
import iterate from 'graphology-layout-forceatlas2/iterate.js';
import type { LayoutRequest, LayoutMessage } from './render/layout-protocol.ts';

const PPN = 10;
const PPE = 3;

let generation = 0;

function run(req: LayoutRequest): void {
  const mine = ++generation;
  const n = req.positions.length / 2;
  const nodes = new Float32Array(n * PPN);
  for (let i = 0; i < n; i++) {
    const j = i * PPN;
    nodes[j] = req.positions[2 * i];
    nodes[j + 1] = req.positions[2 * i + 1];
    nodes[j + 6] = 1; // mass, incremented by degree below
    nodes[j + 7] = 1;
    nodes[j + 8] = req.sizes[i] || 1;
    nodes[j + 9] = req.fixed[i] ? 1 : 0;
  }
  const m = req.edges.length / 2;
  const edges = new Float32Array(m * PPE);
  for (let k = 0; k < m; k++) {
    const s = req.edges[2 * k];
    const t = req.edges[2 * k + 1];
    edges[k * PPE] = s * PPN;
    edges[k * PPE + 1] = t * PPN;
    edges[k * PPE + 2] = req.weights[k] || 1;
    nodes[s * PPN + 6] += 1;
    nodes[t * PPN + 6] += 1;
  }
  const started = performance.now();
  let iterations = 0;
  let calm = 0;
  const prev = new Float32Array(n * 2);
  let lastPost = -Infinity;
  const step = (): void => {
    if (mine !== generation) return;
    for (let i = 0; i < n; i++) { prev[2 * i] = nodes[i * PPN]; prev[2 * i + 1] = nodes[i * PPN + 1]; }
    for (let b = 0; b < req.batch; b++) iterate(req.settings, nodes, edges);
    iterations += req.batch;
    // movement per node relative to the layout's extent: scale-free, so one threshold fits all sizes
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, moved = 0, free = 0;
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const x = nodes[i * PPN];
      const y = nodes[i * PPN + 1];
      out[2 * i] = x; out[2 * i + 1] = y;
      if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
      if (!nodes[i * PPN + 9]) { moved += Math.hypot(x - prev[2 * i], y - prev[2 * i + 1]); free++; }
    }
    const extent = Math.max(1, Math.hypot(maxX - minX, maxY - minY));
    // per iteration, so the threshold means the same whatever the batch size
    const movement = free ? moved / free / extent / req.batch : 0;
    calm = movement < req.settleThreshold && iterations >= req.minIterations ? calm + 1 : 0;
    const reason = calm >= 3 ? 'converged' : iterations >= req.maxIterations ? 'iterations' : performance.now() - started > req.maxMillis ? 'time' : undefined;
    const settled = reason !== undefined;
    const now = performance.now();
    if (!settled && now - lastPost < (req.reportMillis ?? 0)) { setTimeout(step, 0); return; }
    lastPost = now;
    const msg: LayoutMessage = { type: 'positions', id: req.id, positions: out, iterations, movement, settled, ...(reason ? { reason } : {}), millis: performance.now() - started };
    (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg, [out.buffer]);
    if (!settled) setTimeout(step, 0);
  };
  step();
}

self.addEventListener('message', (event: MessageEvent) => {
  const data = event.data as LayoutRequest | { type: 'stop' };
  if (data.type === 'stop') { generation++; return; }
  if (data.type === 'start') run(data);
});
