import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIDELITY_DIR } from '../src/fixtures/index.js';
import { PIL_FILTERS, pilResize } from '../src/pil-resample.js';

// Pillow's own output, written by script/reference-embeddings.
interface Cases {
  source: { width: number; height: number; pixels: string };
  cases: { width: number; height: number; resample: number; pixels: string }[];
}

describe("Pillow's resize, reproduced", () => {
  it('gives the very bytes Pillow gives, enlarging and shrinking, with every filter', async () => {
    const { source, cases } = JSON.parse(await readFile(join(FIDELITY_DIR, 'pil-resize.json'), 'utf8')) as Cases;
    const pixels = Buffer.from(source.pixels, 'base64');
    expect(new Set(cases.map((c) => c.resample))).toEqual(new Set(Object.keys(PIL_FILTERS).map(Number)));
    for (const { width, height, resample, pixels: expected } of cases) {
      const mine = pilResize(pixels, source.width, source.height, width, height, resample);
      expect(mine.equals(Buffer.from(expected, 'base64')), `${PIL_FILTERS[resample]!.name} to ${width}×${height}`).toBe(true);
    }
  });

  it('returns the pixels unchanged at the same size, and refuses a filter Pillow does not convolve', () => {
    const pixels = Buffer.from([1, 2, 3, 4, 5, 6]);
    expect(pilResize(pixels, 2, 1, 2, 1, 3).equals(pixels)).toBe(true);
    expect(() => pilResize(pixels, 2, 1, 4, 2, 0)).toThrow(/resample 0 is not one of Pillow's convolution filters/);
  });
});
