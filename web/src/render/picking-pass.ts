/**
 * Frames drawn without sigma's picking pass. Sigma draws every node twice per frame: once on
 * screen and once into its picking buffer (what hover and click read). In software WebGL the
 * second pass is ~40 % of a nodes-only frame's GPU time (10,000 nodes, warm shaders, medians of
 * five: 416 ms with it, 240 ms without; its fill is not the cost: an 8x coarser picking buffer
 * gains nothing). A large map's first frame shows its nodes before the edges are even built and
 * cannot be hovered or clicked anyway (MapView ignores hover until the edges are in); the frame
 * with the edges comes right after it, with its picking pass.
 *
 * Sigma 4 has no setting for this: its render hands `this.pickingFrameBuffer` to every program,
 * and a program skips its picking pass when that is null. So the frame is drawn with the field
 * set to null and then restored (sigma 4.0.4 is pinned; the field is checked when wrapped).
 */
import type Sigma from 'sigma';

/** The parts of sigma this uses that its typings keep private (sigma 4.0.4, pinned). */
interface PickingInternals {
  render(): unknown;
  pickingFrameBuffer: WebGLFramebuffer | null;
}

/**
 * From now on, sigma draws without its picking pass while `skip()` is true. Returns false (and
 * changes nothing) if this sigma does not have the internals it relies on.
 */
export function skipPickingWhile(sigma: Sigma, skip: () => boolean): boolean {
  const internals = sigma as unknown as PickingInternals;
  if (!('pickingFrameBuffer' in internals) || typeof internals.render !== 'function') return false;
  const draw = internals.render.bind(sigma);
  internals.render = () => {
    if (!skip()) return draw();
    const buffer = internals.pickingFrameBuffer;
    internals.pickingFrameBuffer = null;
    try {
      return draw();
    } finally {
      internals.pickingFrameBuffer = buffer;
    }
  };
  return true;
}
