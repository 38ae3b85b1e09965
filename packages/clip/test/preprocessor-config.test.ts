import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel, ImagePreprocessor, preprocessorOptions, UnsupportedModelError } from '../src/index.js';
import { FIDELITY_VARIANTS, TINY_CLIP_DIR } from '../src/fixtures/index.js';

const MAX = 1_000_000;

describe("reading a model's preprocessor_config.json", () => {
  it('takes CLIP as shortest side, bicubic and centre crop', () => {
    expect(preprocessorOptions(FIDELITY_VARIANTS.clip, MAX)).toEqual({
      resize: { shortestEdge: 224 },
      crop: { width: 224, height: 224 },
      resample: 3,
      rescale: 1 / 255,
      mean: FIDELITY_VARIANTS.clip.image_mean,
      std: FIDELITY_VARIANTS.clip.image_std,
      maxPixels: MAX,
    });
  });

  it("takes SigLIP as a straight resize with no crop, and fills in each processor's own defaults", () => {
    expect(preprocessorOptions(FIDELITY_VARIANTS.siglip, MAX)).toMatchObject({ resize: { width: 224, height: 224 }, resample: 2, mean: [0.5, 0.5, 0.5] });
    expect(preprocessorOptions(FIDELITY_VARIANTS.siglip, MAX)).not.toHaveProperty('crop');
    expect(preprocessorOptions({ image_processor_type: 'SiglipImageProcessor', size: { height: 384, width: 384 } }, MAX)).toMatchObject({ resample: 2, std: [0.5, 0.5, 0.5] });
    expect(preprocessorOptions({ feature_extractor_type: 'CLIPFeatureExtractor', size: 256 }, MAX)).toMatchObject({ resample: 3, crop: { width: 256, height: 256 } });
  });

  it('reads a plain-number size as the shortest side, as Python does (transformers.js fits it inside a square)', () => {
    expect(preprocessorOptions({ size: 224, crop_size: 224 }, MAX)).toMatchObject({ resize: { shortestEdge: 224 }, crop: { width: 224, height: 224 } });
  });

  it('honours switched-off steps: no normalising, no rescaling, no crop', () => {
    expect(preprocessorOptions({ size: { height: 256, width: 256 }, do_normalize: false, do_rescale: false, do_center_crop: false }, MAX)).toEqual({
      resize: { width: 256, height: 256 },
      resample: 3,
      rescale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      maxPixels: MAX,
    });
  });

  it('names what it cannot reproduce', () => {
    expect(preprocessorOptions({ image_processor_type: 'ViTImageProcessor' }, MAX)).toEqual({ unsupported: 'image processor ViTImageProcessor; supported: CLIPImageProcessor, SiglipImageProcessor' });
    expect(preprocessorOptions({ do_resize: false }, MAX)).toEqual({ unsupported: expect.stringContaining('do_resize false') });
    expect(preprocessorOptions({ size: { longest_edge: 224 } as never }, MAX)).toEqual({ unsupported: 'size {"longest_edge":224}; expected shortest_edge or height and width' });
    expect(preprocessorOptions({ size: 224, crop_size: { height: 224 } }, MAX)).toEqual({ unsupported: 'crop_size {"height":224}' });
    expect(preprocessorOptions({ size: { shortest_edge: 256 }, do_center_crop: false }, MAX)).toEqual({ unsupported: expect.stringContaining('shortest_edge resize without a centre crop') });
  });
});

describe('the resize arithmetic', () => {
  const clip = (() => {
    const options = preprocessorOptions(FIDELITY_VARIANTS.clip, MAX);
    if ('unsupported' in options) throw new Error(options.unsupported);
    return new ImagePreprocessor(options);
  })();

  it("truncates the long side as Python's int() does, where rounding would give one pixel more", () => {
    expect(clip.resizedSize({ width: 900, height: 1200 })).toEqual({ width: 224, height: 298 });
    expect(clip.resizedSize({ width: 1200, height: 900 })).toEqual({ width: 298, height: 224 });
    expect(clip.resizedSize({ width: 50, height: 30 })).toEqual({ width: 373, height: 224 });
    expect(clip.inputSize).toEqual({ width: 224, height: 224 });
    expect(clip.pixelCount).toBe(3 * 224 * 224);
  });

  it('refuses options it cannot honour', () => {
    const options = { resize: { shortestEdge: 224 }, resample: 3, rescale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], maxPixels: MAX };
    expect(() => new ImagePreprocessor({ ...options, resample: 0 })).toThrow('resample 0 is not supported; use one of 1 (lanczos), 2 (bilinear), 3 (bicubic), 4 (box), 5 (hamming)');
    expect(() => new ImagePreprocessor({ ...options, mean: [0.5] })).toThrow('mean and std must have one value per RGB channel');
  });
});

describe('loading a model whose preprocessing sis does not reproduce', () => {
  it('stops at load with the reason and what is supported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-unsupported-'));
    try {
      await cp(TINY_CLIP_DIR, dir, { recursive: true });
      await writeFile(join(dir, 'preprocessor_config.json'), JSON.stringify({ image_processor_type: 'CLIPImageProcessor', do_resize: false }));
      const loading = ClipModel.load({ model: dir, allowRemoteModels: false });
      await expect(loading).rejects.toThrow(UnsupportedModelError);
      await expect(loading).rejects.toThrow(`model "${dir}" is not supported: its preprocessor_config.json asks for do_resize false`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
