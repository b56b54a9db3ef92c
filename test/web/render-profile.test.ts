import { describe, expect, it } from 'vitest';
import { LARGE_MAP_EDGES, renderProfileFor } from '../../web/src/state/render-profile.ts';
import { bitmapTransform, cssTransform } from '../../web/src/render/move-bitmap.ts';

describe('render profile', () => {
  it('keeps the full program set (curves, arrows, dashes, edge click) up to the large-map threshold', () => {
    expect(renderProfileFor(0)).toBe('full');
    expect(renderProfileFor(LARGE_MAP_EDGES)).toBe('full');
    expect(renderProfileFor(LARGE_MAP_EDGES + 1)).toBe('light');
    expect(renderProfileFor(50_000)).toBe('light');
  });
});

describe('moving the last frame with the camera', () => {
  // a camera that maps framed-graph coordinates to the viewport as sigma does without rotation:
  // viewport = centre + (p - camera) * zoom
  const view = (cx: number, cy: number, zoom: number) => (p: { x: number; y: number }) => ({ x: 500 + (p.x - cx) * zoom, y: 400 + (p.y - cy) * zoom });
  const inverse = (cx: number, cy: number, zoom: number) => (v: { x: number; y: number }) => ({ x: cx + (v.x - 500) / zoom, y: cy + (v.y - 400) / zoom });

  it('is the identity while the camera has not moved', () => {
    const inv = inverse(0.5, 0.5, 1000);
    const t = bitmapTransform([inv({ x: 0, y: 0 }), inv({ x: 1000, y: 800 })], 1000, view(0.5, 0.5, 1000));
    expect(t.scale).toBeCloseTo(1, 9);
    expect(t.tx).toBeCloseTo(0, 9);
    expect(t.ty).toBeCloseTo(0, 9);
  });

  it('puts every drawn point where the moved camera shows it (pan and zoom)', () => {
    const inv = inverse(0.5, 0.5, 1000);
    const corners = [inv({ x: 0, y: 0 }), inv({ x: 1000, y: 800 })] as const;
    const now = view(0.45, 0.52, 2500);
    const t = bitmapTransform(corners, 1000, now);
    expect(t.scale).toBeCloseTo(2.5, 9);
    // any pixel of the old frame, moved by the transform, lands where the camera now draws its point
    for (const px of [{ x: 0, y: 0 }, { x: 321, y: 654 }, { x: 1000, y: 800 }]) {
      const expected = now(inv(px));
      expect(t.scale * px.x + t.tx).toBeCloseTo(expected.x, 6);
      expect(t.scale * px.y + t.ty).toBeCloseTo(expected.y, 6);
    }
    expect(cssTransform(t)).toMatch(/^translate\(-?\d+\.\d\dpx, -?\d+\.\d\dpx\) scale\(2\.50000\)$/);
  });
});
