/** Messages between the map and the layout worker. */
export interface LayoutSettings {
  readonly barnesHutOptimize: boolean;
  readonly barnesHutTheta: number;
  readonly strongGravityMode: boolean;
  readonly gravity: number;
  readonly scalingRatio: number;
  readonly slowDown: number;
  readonly linLogMode: boolean;
  readonly outboundAttractionDistribution: boolean;
  readonly adjustSizes: boolean;
  readonly edgeWeightInfluence: number;
}

export interface LayoutRequest {
  readonly type: 'start';
  readonly id: number;
  /** x0, y0, x1, y1, ... */
  readonly positions: Float32Array;
  readonly sizes: Float32Array;
  /** 1 = keep still (live deltas lay out only the new nodes). */
  readonly fixed: Uint8Array;
  /** source index, target index, ... */
  readonly edges: Uint32Array;
  readonly weights: Float32Array;
  readonly settings: LayoutSettings;
  /** Iterations per message. */
  readonly batch: number;
  readonly maxIterations: number;
  /** Never call it settled before this many iterations. */
  readonly minIterations: number;
  readonly maxMillis: number;
  /** Mean movement per iteration, relative to the layout's extent, under which it is settled (3 batches in a row). */
  readonly settleThreshold: number;
  /**
   * Post intermediate positions at most this often (ms; 0 = every batch). Each post makes the
   * map re-index every node and redraw, which on large graphs costs far more than an
   * iteration: the final (settled) positions are always posted.
   */
  readonly reportMillis?: number;
}

export interface LayoutMessage {
  readonly type: 'positions';
  readonly id: number;
  readonly positions: Float32Array;
  readonly iterations: number;
  readonly movement: number;
  readonly settled: boolean;
  /** Why it stopped: movement fell under the threshold, or a cap was reached. */
  readonly reason?: 'converged' | 'iterations' | 'time';
  readonly millis: number;
}

export function layoutSettingsFor(order: number): LayoutSettings {
  return {
    barnesHutOptimize: order > 1500,
    // past 5,000 nodes a coarser Barnes-Hut (faster iterations) for a bounded run
    barnesHutTheta: order > 5000 ? 1 : 0.6,
    // strong but weak gravity keeps isolated nodes from drifting off; clusters seeded apart
    // stay apart because repulsion between islands outweighs the few inter-cluster edges
    strongGravityMode: true,
    gravity: 0.05,
    scalingRatio: 10,
    slowDown: 1 + Math.log(Math.max(1, order)),
    linLogMode: false,
    outboundAttractionDistribution: false,
    adjustSizes: false,
    edgeWeightInfluence: 0.5,
  };
}
