/**
 * Runs the layout worker for the map: the whole graph once, then only the nodes that
 * appear (live deltas, expanded groups) with every other node held still, so unrelated
 * nodes never move.
 */
import type Graph from 'graphology';
import { layoutSettingsFor, type LayoutMessage, type LayoutRequest } from './layout-protocol.ts';

export interface LayoutProgress {
  readonly iterations: number;
  readonly settled: boolean;
  /** `kept`: nothing needed a layout (every node has its place from an earlier one). */
  readonly reason?: 'converged' | 'iterations' | 'time' | 'kept';
  readonly millis: number;
}

export class LayoutRunner {
  private worker: Worker | undefined;
  private nextId = 0;
  private order: string[] = [];
  private index = new Map<string, number>();
  private current = -1;

  private interrupted: ReadonlySet<string> | undefined | null = null;
  private movable: ReadonlySet<string> | undefined;

  constructor(private graph: Graph, private readonly onProgress: (p: LayoutProgress) => void) {}

  /** Follow a new graph instance (the map replaces its graph on each data change). */
  setGraph(graph: Graph): void {
    this.graph = graph;
  }

  /** A data change stopped an unfinished layout: start it again on the new graph. */
  resumeIfStopped(): boolean {
    if (this.interrupted === null) return false;
    const movable = this.interrupted;
    this.interrupted = null;
    this.start(movable);
    return true;
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('../layout.worker.ts', import.meta.url), { type: 'module', name: 'netatlas-layout' });
      this.worker.addEventListener('message', (e: MessageEvent<LayoutMessage>) => this.receive(e.data));
      this.worker.addEventListener('error', (e) => console.warn(`netatlas/layout: worker failed (${e.message}); the map keeps its seeded positions.`));
    }
    return this.worker;
  }

  /** Lay out the graph; `movable` limits which nodes may move (all when undefined). */
  start(movable?: ReadonlySet<string>): void {
    const g = this.graph;
    this.movable = movable;
    this.interrupted = null;
    this.order = g.nodes();
    if (this.order.length === 0) return;
    const index = new Map(this.order.map((k, i) => [k, i] as const));
    this.index = index;
    const n = this.order.length;
    const positions = new Float32Array(n * 2);
    const sizes = new Float32Array(n);
    const fixed = new Uint8Array(n);
    this.order.forEach((k, i) => {
      const a = g.getNodeAttributes(k);
      positions[2 * i] = a.x as number;
      positions[2 * i + 1] = a.y as number;
      sizes[i] = (a.size as number) ?? 1;
      fixed[i] = movable && !movable.has(k) ? 1 : 0;
    });
    const edges = new Uint32Array(g.size * 2);
    const weights = new Float32Array(g.size);
    let m = 0;
    g.forEachEdge((_e, attrs, s, t) => {
      edges[2 * m] = index.get(s)!;
      edges[2 * m + 1] = index.get(t)!;
      weights[m] = 1 + Math.log10(1 + ((attrs.count as number) ?? 0)) * 0.25;
      m++;
    });
    const id = ++this.nextId;
    this.current = id;
    const request: LayoutRequest = {
      type: 'start', id, positions, sizes, fixed, edges, weights,
      settings: layoutSettingsFor(n),
      batch: n > 5000 ? 1 : n > 1000 ? 3 : 10,
      maxIterations: movable ? 150 : 600,
      minIterations: movable ? 10 : 60,
      // bounded on large graphs: the seeded islands are already apart, FA2 refines them
      maxMillis: movable ? 3000 : n > 5000 ? 12_000 : 20_000,
      settleThreshold: 0.0001,
      // each post re-indexes every node in sigma and redraws (seconds of swiftshader fill on a
      // 10,000-node map, on the cores the worker needs): rarely on large graphs
      reportMillis: n > 5000 ? 3000 : n > 1000 ? 250 : 0,
    };
    this.ensureWorker().postMessage(request, [positions.buffer, sizes.buffer, fixed.buffer, edges.buffer, weights.buffer]);
  }

  stop(): void {
    if (this.current !== -1) this.interrupted = this.movable;
    this.current = -1;
    this.worker?.postMessage({ type: 'stop' });
  }

  private receive(msg: LayoutMessage): void {
    if (msg.id !== this.current) return;
    const g = this.graph;
    const p = msg.positions;
    // one batched graph event for all nodes, not one per node; nodes held still keep their exact
    // coordinates (the worker's copy is float32, which would nudge them)
    const movable = this.movable;
    g.updateEachNodeAttributes((k, a) => {
      const i = this.index.get(k);
      if (i !== undefined && (!movable || movable.has(k))) { a.x = p[2 * i]; a.y = p[2 * i + 1]; }
      return a;
    }, { attributes: ['x', 'y'] });
    if (msg.settled) this.current = -1;
    this.onProgress({ iterations: msg.iterations, settled: msg.settled, millis: msg.millis, ...(msg.reason ? { reason: msg.reason } : {}) });
  }

  kill(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}
