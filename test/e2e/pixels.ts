/** Reading screenshots back: pixels that differ from the stage, and one pixel's colour (decoded by the browser itself). */
import type { BrowserContext } from 'playwright-core';

/** Pixels of the map that differ from the background, and how many distinct colours they use. */
export async function inkOf(context: BrowserContext, png: Buffer): Promise<{ ink: number; colours: number; total: number }> {
  const page = await context.newPage();
  try {
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 4) {
        const diff = Math.abs(d[i] - 0xf7) + Math.abs(d[i + 1] - 0xf8) + Math.abs(d[i + 2] - 0xfa);
        if (diff > 60) { ink++; colours.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4)); }
      }
      return { ink, colours: colours.size, total: c.width * c.height };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

/** The [r, g, b] of one CSS pixel of a page screenshot (deviceScaleFactor 1). */
export async function pixelAt(context: BrowserContext, png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const page = await context.newPage();
  try {
    return await page.evaluate(async ({ b64, x, y }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
      return [d[0], d[1], d[2]] as [number, number, number];
    }, { b64: png.toString('base64'), x, y });
  } finally {
    await page.close();
  }
}

