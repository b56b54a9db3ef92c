/**
 * Camera moves on large maps without redrawing: while the user drags, wheels or the camera
 * animates, the last frame sigma drew (the hull canvas and the WebGL stage, copied into one
 * opaque canvas right after each draw) is moved and scaled with a CSS transform that follows the
 * camera exactly, and sigma draws the map again, sharp, as soon as the camera stops. This is
 * what tiled map libraries do between tile loads. One opaque layer, not two transparent ones:
 * in swiftshader the compositor's cost per frame is per layer (measured ~25 ms vs ~100 ms).
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
  internals?: { hoverResolver?: { pointerMoved?: (event: unknown) => void } };
}

export class BitmapMover {
  private corners: [Point, Point] | undefined;
  private snapshot: HTMLCanvasElement | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private moved = false;
  /** Frames shown by moving the bitmap, and by drawing (read by the benchmark). */
  readonly counts = { moved: 0, drawn: 0 };

  /**
   * `layers`: the canvases that make up a frame, bottom first (hulls, then sigma's stage).
   * `worthKeeping`: whether the frame just drawn is one to move later. The copy reads the frame
   * back from the GPU, so the main thread waits for the GPU to finish it (~0.25 s for 10,000 nodes
   * in swiftshader): frames that another follows at once (the shader warm-up, a large map's
   * nodes-only first frame) are not copied; a move before the next copy simply draws.
   */
  constructor(private readonly sigma: Sigma, private readonly container: HTMLElement, private readonly layers: () => HTMLCanvasElement[], private readonly worthKeeping: () => boolean = () => true) {
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
    // hover picking reads the picking buffer back on every pointer move (~25 ms per move of a
    // drag, measured): nothing can be hovered while the map is being dragged or zoomed
    const hover = internals.internals?.hoverResolver;
    const pointerMoved = hover?.pointerMoved?.bind(hover);
    if (hover && pointerMoved) {
      hover.pointerMoved = (event) => {
        const mouse = this.sigma.getMouseCaptor() as unknown as { isMouseDown?: boolean };
        // keep where the pointer is (the redraw after the gesture resolves the hover there), skip the read
        if (mouse.isMouseDown || this.gesture()) { Object.assign(hover, { lastEvent: event, active: true }); return; }
        pointerMoved(event);
      };
    }
  }

  /** The user is dragging, wheeling or the camera is animating. */
  private gesture(): boolean {
    const mouse = this.sigma.getMouseCaptor() as unknown as { isMoving: boolean; draggedEvents: number; currentWheelDirection: number };
    const touch = this.sigma.getTouchCaptor() as unknown as { isMoving: boolean };
    return this.sigma.getCamera().isAnimating() || mouse.isMoving || mouse.draggedEvents > 0 || mouse.currentWheelDirection !== 0 || touch.isMoving;
  }

  private capture(): void {
    const { width, height } = this.sigma.getDimensions();
    if (!width || !height || !this.worthKeeping()) { this.corners = undefined; return; }
    this.corners = [this.sigma.viewportToFramedGraph({ x: 0, y: 0 }), this.sigma.viewportToFramedGraph({ x: width, y: height })];
    this.copyFrame();
  }

  private follow(): void {
    const { width } = this.sigma.getDimensions();
    const t = bitmapTransform(this.corners!, width, (p) => this.sigma.framedGraphToViewport(p));
    if (!this.moved) this.showSnapshot();
    this.snapshot!.style.transform = cssTransform(t);
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

  /**
   * Copy the frame just drawn into the snapshot canvas (hidden until a move). It must happen in
   * the task that drew it: once composited, a WebGL canvas without preserveDrawingBuffer reads
   * back empty.
   */
  private copyFrame(): void {
    const layers = this.layers();
    const stage = layers[layers.length - 1];
    let snap = this.snapshot;
    if (!snap) {
      snap = document.createElement('canvas');
      snap.className = 'netatlas-move-snapshot';
      snap.style.position = 'absolute';
      snap.style.left = '0';
      snap.style.top = '0';
      snap.style.pointerEvents = 'none';
      snap.style.transformOrigin = '0 0';
      // below sigma's mouse layer, which keeps receiving the gesture
      snap.style.display = 'none';
      this.container.insertBefore(snap, stage.nextSibling);
      this.snapshot = snap;
    }
    if (snap.width !== stage.width || snap.height !== stage.height) { snap.width = stage.width; snap.height = stage.height; }
    const { width, height } = this.sigma.getDimensions();
    snap.style.width = `${width}px`;
    snap.style.height = `${height}px`;
    const ctx = snap.getContext('2d', { alpha: false });
    if (ctx) {
      ctx.fillStyle = getComputedStyle(this.container).backgroundColor || '#ffffff';
      ctx.fillRect(0, 0, snap.width, snap.height);
      for (const layer of layers) ctx.drawImage(layer, 0, 0, snap.width, snap.height);
    }
  }

  /** The last frame as one opaque canvas over the live ones, which are hidden during the move. */
  private showSnapshot(): void {
    if (!this.snapshot) this.copyFrame();
    this.snapshot!.style.display = '';
    for (const layer of this.layers()) layer.style.visibility = 'hidden';
  }

  private reset(): void {
    if (!this.moved) return;
    this.moved = false;
    for (const layer of this.layers()) layer.style.visibility = '';
    if (this.snapshot) { this.snapshot.style.display = 'none'; this.snapshot.style.transform = ''; }
  }

  /** The CSS transform of the moved frame ('' when sigma's own drawing is shown). */
  get transform(): string {
    return this.moved && this.snapshot ? this.snapshot.style.transform : '';
  }
}
