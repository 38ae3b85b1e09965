import { ImagePreprocessor, pilResize, preprocessorOptions } from '@sis/clip';
import { FIDELITY_VARIANTS } from '@sis/clip/fixtures';
import { decodeRgb, encodeThumbnail } from '@sis/image';
import sharp from 'sharp';
import { processCpuMs } from './cpu.js';
import { round } from './stats.js';

const MAX_PIXELS = 50_000_000;

/** CPU ms per image for each way of turning one encoded photo into the model's input and its preview. */
export interface PreprocessRun {
  input: string;
  /** What the worker does: one decode (shrunk on load to 3× the model's size), the preview and the model's input both from it. */
  current: number;
  /** What it did before: decode shrunk to the 256 px preview, then resample that again to 224. */
  previewThenModel: number;
  /** Pillow's resize in JavaScript for the model's input, from the same full decode. */
  pillowInJs: number;
}

/**
 * Preprocessing cost measured side by side on the same bytes, one image at a time on this
 * process (libvips' threads count, as the worker pays for them).
 */
export async function benchPreprocessing(rounds = 3): Promise<PreprocessRun[]> {
  const options = preprocessorOptions(FIDELITY_VARIANTS.clip, MAX_PIXELS);
  if ('unsupported' in options) throw new Error(options.unsupported);
  const preprocessor = new ImagePreprocessor(options);
  const inputs = [
    { input: 'JPEG 1024×768', bytes: await photo(1024, 768), repeat: 20 },
    { input: 'JPEG 4000×3000', bytes: await photo(4000, 3000), repeat: 4 },
    { input: 'JPEG 100×72 (enlarged)', bytes: await photo(100, 72), repeat: 40 },
  ];
  const runs: PreprocessRun[] = [];
  for (const { input, bytes, repeat } of inputs) {
    const ways = {
      current: async () => {
        const decoded = await decodeRgb(bytes, { maxPixels: MAX_PIXELS, needs: preprocessor.decodeNeeds });
        await Promise.all([encodeThumbnail(decoded), preprocessor.fromRgb(decoded)]);
      },
      previewThenModel: async () => {
        const preview = sharp(bytes).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb').resize({ width: 256, height: 256, fit: 'outside', withoutEnlargement: true, kernel: 'cubic' });
        const { data, info } = await preview.raw().toBuffer({ resolveWithObject: true });
        const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
        await Promise.all([sharp(data, raw).webp({ quality: 80 }).toBuffer(), sharp(data, raw).resize({ width: 224, height: 224, fit: 'cover', kernel: 'cubic' }).raw().toBuffer()]);
      },
      pillowInJs: async () => {
        const decoded = await decodeRgb(bytes, { maxPixels: MAX_PIXELS });
        const size = preprocessor.resizedSize(decoded);
        await encodeThumbnail(decoded);
        pilResize(decoded.data, decoded.width, decoded.height, size.width, size.height, 3);
      },
    };
    const best: Record<string, number> = {};
    // The best of a few rounds, taken in turn, so that neither way gets the warm caches.
    for (let r = 0; r < rounds; r++) {
      for (const [name, work] of Object.entries(ways)) {
        const before = processCpuMs();
        for (let i = 0; i < repeat; i++) await work();
        const perImage = (processCpuMs() - before) / repeat;
        best[name] = Math.min(best[name] ?? Infinity, perImage);
      }
    }
    runs.push({ input, current: round(best.current!, 1), previewThenModel: round(best.previewThenModel!, 1), pillowInJs: round(best.pillowInJs!, 1) });
  }
  return runs;
}

/** A photo-like JPEG: a smooth random colour field at the size asked. */
async function photo(width: number, height: number): Promise<Buffer> {
  const seed = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 140, b: 60 }, noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png()
    .toBuffer();
  return sharp(seed).resize(width, height, { kernel: 'cubic' }).jpeg({ quality: 85 }).toBuffer();
}
