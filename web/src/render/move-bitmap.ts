/**
 * Camera moves on large maps without redrawing: while the user drags, wheels or the camera
 * animates, the last frame sigma drew (the WebGL stage and the hull canvas) is moved and
 * scaled with a CSS transform that follows the camera exactly, and sigma draws the map again,
 * sharp, as soon as the camera stops. This is what tiled map libraries do between tile loads.
 *
 * Why: in software WebGL (swiftshader) one sigma frame of 10,000 nodes and 50,000 edges costs
 * about a second of GPU fill and fixed passes (edge frame pass, picking buffers), whatever is
 * hidden; a composited transform costs a few milliseconds. What the user sees during a move is
 * the map as it was when the move started, at its new place and scale (areas that come into
 * view are empty until the camera stops); nodes, edges, labels and hulls all move together.
 */
import type Sigma from 'sigma';

/** An affine map of the viewport: `p' = scale * p + (tx, ty)`. */
export interface ViewportTransform { readonly scale: number; readonly tx: number; readonly ty: number }

interface Point { x: number; y: number }

/**
 * Where the bitmap drawn with the camera at `drawn` must go so that it matches the camera now:
 * `drawnCorners` are the framed-graph coordinates of the viewport's top-left and bottom-right
 * corners at draw time, `toViewport` maps framed-graph coordinates with the current camera.
 */
export function bitmapTransform(drawnCorners: readonly [Point, Point], width: number, toViewport: (p: Point) => Point): ViewportTransform {
  const a = toViewport(drawnCorners[0]);
  const b = toViewport(drawnCorners[1]);
  const scale = width > 0 ? (b.x - a.x) / width : 1;
  return { scale: Number.isFinite(scale) && scale > 0 ? scale : 1, tx: a.x, ty: a.y };
}

export function cssTransform(t: ViewportTransform): string {
  return `translate(${t.tx.toFixed(2)}px, ${t.ty.toFixed(2)}px) scale(${t.scale.toFixed(5)})`;
}

/** The parts of sigma this uses that its typings keep private (sigma 4.0.4, pinned). */
interface SigmaInternals {
  render(): unknown;
  renderFrame: number | null;
}

export class BitmapMover {
  private corners: [Point, Point] | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private moved = false;
  /** Frames shown by moving the bitmap, and by drawing (read by the benchmark). */
  readonly counts = { moved: 0, drawn: 0 };

  constructor(private readonly sigma: Sigma, private readonly layers: () => HTMLElement[]) {
    const internals = sigma as unknown as SigmaInternals;
    const draw = internals.render.bind(sigma);
    // sigma's scheduled renders (camera updates, data changes) all go through `render`
    internals.render = () => {
      if (this.corners && this.gesture()) {
        // sigma's own render clears its pending frame: do the same, or it never schedules again
        if (internals.renderFrame !== null) { cancelAnimationFrame(internals.renderFrame); internals.renderFrame = null; }
        this.follow();
        return sigma;
      }
      this.reset();
      const out = draw();
      this.counts.drawn++;
      this.capture();
      return out;
    };
  }

  /** The user is dragging, wheeling or the camera is animating. */
  private gesture(): boolean {
    const mouse = this.sigma.getMouseCaptor() as unknown as { isMoving: boolean; draggedEvents: number; currentWheelDirection: number };
    const touch = this.sigma.getTouchCaptor() as unknown as { isMoving: boolean };
    return this.sigma.getCamera().isAnimating() || mouse.isMoving || mouse.draggedEvents > 0 || mouse.currentWheelDirection !== 0 || touch.isMoving;
  }

  private capture(): void {
    const { width, height } = this.sigma.getDimensions();
    if (!width || !height) { this.corners = undefined; return; }
    this.corners = [this.sigma.viewportToFramedGraph({ x: 0, y: 0 }), this.sigma.viewportToFramedGraph({ x: width, y: height })];
  }

  private follow(): void {
    const { width } = this.sigma.getDimensions();
    const t = bitmapTransform(this.corners!, width, (p) => this.sigma.framedGraphToViewport(p));
    const css = cssTransform(t);
    for (const el of this.layers()) {
      el.style.transformOrigin = '0 0';
      el.style.transform = css;
    }
    this.moved = true;
    this.counts.moved++;
    this.armSettle();
  }

  /** Draw for real once the gesture is over (sigma does not always schedule a frame then). */
  private armSettle(): void {
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      if (this.gesture()) this.armSettle();
      else this.sigma.scheduleRender();
    }, 60);
  }

  private reset(): void {
    if (!this.moved) return;
    this.moved = false;
    for (const el of this.layers()) el.style.transform = '';
  }
}
