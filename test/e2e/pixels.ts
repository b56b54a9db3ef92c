/** Reading screenshots back: pixels that differ from the stage, and one pixel's colour (decoded by the browser itself). */
import type { BrowserContext } from 'playwright-core';

/**
 * Runs `read` in a fresh page on the RGBA pixels of `png` (decoded by the browser) and returns
 * its answer; `read` is serialized into the page, so it uses only its arguments.
 */
async function withPixels<A, R>(context: BrowserContext, png: Buffer, arg: A, read: (d: Uint8ClampedArray, width: number, height: number, arg: A) => R): Promise<R> {
  const page = await context.newPage();
  try {
    return await page.evaluate(async ({ b64, arg, source }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const fn = new Function(`return (${source})`)() as (d: Uint8ClampedArray, w: number, h: number, a: unknown) => unknown;
      return fn(ctx.getImageData(0, 0, c.width, c.height).data, c.width, c.height, arg);
    }, { b64: png.toString('base64'), arg, source: read.toString() }) as R;
  } finally {
    await page.close();
  }
}

/** Pixels of the map that differ from the background, and how many distinct colours they use. */
export function inkOf(context: BrowserContext, png: Buffer): Promise<{ ink: number; colours: number; total: number }> {
  return withPixels(context, png, null, (d, width, height) => {
    let ink = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      const diff = Math.abs(d[i]! - 0xf7) + Math.abs(d[i + 1]! - 0xf8) + Math.abs(d[i + 2]! - 0xfa);
      if (diff > 60) { ink++; colours.add(((d[i]! >> 4) << 8) | ((d[i + 1]! >> 4) << 4) | (d[i + 2]! >> 4)); }
    }
    return { ink, colours: colours.size, total: width * height };
  });
}

/** The [r, g, b] of one CSS pixel of a page screenshot (deviceScaleFactor 1). */
export function pixelAt(context: BrowserContext, png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  return withPixels(context, png, { x: Math.round(x), y: Math.round(y) }, (d, width, _height, p) => {
    const i = (p.y * width + p.x) * 4;
    return [d[i]!, d[i + 1]!, d[i + 2]!] as [number, number, number];
  });
}

/** How many pixels within `radius` (a square) of (x, y) are within `tolerance` (per channel) of `rgb`. */
export function pixelsNear(context: BrowserContext, png: Buffer, at: { x: number; y: number; radius: number }, rgb: readonly [number, number, number], tolerance = 40): Promise<number> {
  return withPixels(context, png, { ...at, rgb, tolerance }, (d, width, height, q) => {
    let n = 0;
    for (let y = Math.max(0, Math.round(q.y - q.radius)); y <= Math.min(height - 1, Math.round(q.y + q.radius)); y++) {
      for (let x = Math.max(0, Math.round(q.x - q.radius)); x <= Math.min(width - 1, Math.round(q.x + q.radius)); x++) {
        const i = (y * width + x) * 4;
        if (Math.abs(d[i]! - q.rgb[0]) <= q.tolerance && Math.abs(d[i + 1]! - q.rgb[1]) <= q.tolerance && Math.abs(d[i + 2]! - q.rgb[2]) <= q.tolerance) n++;
      }
    }
    return n;
  });
}
