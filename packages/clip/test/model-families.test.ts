import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel, UnsupportedModelError } from '../src/index.js';
import { generateRandomClip, writeModelFiles, type ClipArchitecture } from '../src/fixtures/index.js';
import { buildClipTokenizer } from '../src/fixtures/clip-tokenizer.js';

// Small random models shaped as each family's exports are: the same files, names, outputs,
// pooling and text lengths as the real checkpoints, at a size that loads in a blink.
const WORDS = ['a', 'photo', 'of', 'red', 'sofa', 'at', 'sunset', 'dog'];
const tokenizerFor = (contextLength: number) => buildClipTokenizer(WORDS, contextLength);
const arch = (contextLength: number, imageSize: number, projectionDim: number): ClipArchitecture => ({
  imageSize,
  patchSize: 32,
  visionWidth: 64,
  visionLayers: 2,
  visionHeads: 2,
  textWidth: 64,
  textLayers: 2,
  textHeads: 2,
  contextLength,
  vocabSize: tokenizerFor(contextLength).vocabSize,
  projectionDim,
});
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const LONG = 'a photo of a red sofa at sunset';

let root: string;
const photo = () => sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 40, b: 30 }, noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg().toBuffer();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sis-families-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('SigLIP-shaped models', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'siglip');
    const preprocessorConfig = { image_processor_type: 'SiglipImageProcessor', size: { height: 64, width: 64 }, resample: 3, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };
    await writeModelFiles(dir, generateRandomClip({ name: 'siglip-like', description: 'test', arch: arch(64, 64, 48), tokenizer: tokenizerFor(64), preprocessorConfig, family: 'siglip' }));
  });

  it("load as their own family, as wide as the text tower's hidden size, squashed to the input size", async () => {
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false });
    try {
      expect(model.dimension).toBe(48);
      expect(model.preprocessor.inputSize).toEqual({ width: 64, height: 64 });
      expect(model.preprocessor.resizedSize({ width: 640, height: 480 })).toEqual({ width: 64, height: 64 });
      const [image] = await model.embedImages([await photo()]);
      expect(image).toHaveLength(48);
      expect(Math.hypot(...image!)).toBeCloseTo(1, 5);
    } finally {
      await model.dispose();
    }
  });

  it('pad every text to the full 64 tokens: a query embeds the same alone as beside a longer one', async () => {
    // SigLIP pools the last position; padded only to the batch's longest, "a photo" would be pooled
    // at its end token alone and at a pad token beside the long query.
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false, towers: ['text'] });
    try {
      const [beside] = await model.embedTexts(['a photo', LONG]);
      expect(dot(beside!, await model.embedText('a photo'))).toBeCloseTo(1, 6);
    } finally {
      await model.dispose();
    }
  });
});

describe('MobileCLIP-shaped models (OpenCLIP exports)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'mobileclip');
    const tokenizer = tokenizerFor(77);
    // OpenCLIP pads with its own token ("!", id 0), not the end token, and fixes the text at 77.
    const preprocessorConfig = { image_processor_type: 'CLIPImageProcessor', size: { shortest_edge: 64 }, crop_size: { height: 64, width: 64 }, resample: 2, do_normalize: false, do_rescale: true, rescale_factor: 1 / 255 };
    const files = generateRandomClip({ name: 'mobileclip-like', description: 'test', arch: arch(77, 64, 512), tokenizer: { ...tokenizer, tokenizerConfigJson: { ...tokenizer.tokenizerConfigJson, pad_token: '!' } }, preprocessorConfig, fixedContext: true });
    await writeModelFiles(dir, files);
    // Their config.json is one line: no projection_dim, so CLIP's default of 512 applies.
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'clip' }));
  });

  it('pad to the fixed context with their pad token, take pixels unnormalised, and default to 512-d', async () => {
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false });
    try {
      expect(model.dimension).toBe(512);
      // The text tower accepts exactly 77 tokens: a batch of two lengths runs only if both are padded to it.
      const [short, long] = await model.embedTexts(['dog', LONG]);
      expect(dot(short!, await model.embedText('dog'))).toBeCloseTo(1, 6);
      expect(long).toHaveLength(512);
      const pixels = await model.preprocessor.toPixels(await photo());
      expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
      expect(Math.max(...pixels)).toBeGreaterThan(0.5);
    } finally {
      await model.dispose();
    }
  });
});

describe('ONNX variants (CLIP_DTYPE)', () => {
  let dir: string;
  let fp32: { image: Float32Array; text: Float32Array };
  beforeAll(async () => {
    dir = join(root, 'with-fp16');
    const preprocessorConfig = { image_processor_type: 'CLIPImageProcessor', size: { shortest_edge: 64 }, crop_size: { height: 64, width: 64 } };
    await writeModelFiles(dir, generateRandomClip({ name: 'with-fp16', description: 'test', arch: arch(77, 64, 32), tokenizer: tokenizerFor(77), preprocessorConfig, withFp16: true }));
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false, dtype: 'fp32' });
    fp32 = { image: (await model.embedImages([await photo()]))[0]!, text: await model.embedText(LONG) };
    await model.dispose();
  });

  it('runs the variant asked for, from its own files, to within fp16 rounding of fp32', async () => {
    // Without the fp32 files, only the fp16 ones can be what runs.
    const fp16Only = join(root, 'fp16-only');
    await writeModelFiles(fp16Only, new Map(await Promise.all(['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model_fp16.onnx', 'onnx/vision_model_fp16.onnx'].map(async (file) => [file, await readFile(join(dir, file))] as const))));
    const model = await ClipModel.load({ model: fp16Only, allowRemoteModels: false, dtype: 'fp16' });
    try {
      const [image] = await model.embedImages([await photo()]);
      expect(dot(image!, fp32.image)).toBeGreaterThan(0.999);
      expect(dot(await model.embedText(LONG), fp32.text)).toBeGreaterThan(0.999);
    } finally {
      await model.dispose();
    }
  });

  it('names the variants a model has when asked for one it lacks', async () => {
    await expect(ClipModel.load({ model: dir, allowRemoteModels: false, dtype: 'q4' })).rejects.toThrow(
      `model "${dir}" is not supported: it has no q4 variant (onnx/text_model_q4.onnx, onnx/vision_model_q4.onnx missing); it has: fp32, fp16`,
    );
    await unlink(join(dir, 'onnx/text_model_fp16.onnx'));
    await expect(ClipModel.load({ model: dir, allowRemoteModels: false, towers: ['vision'], dtype: 'q8' })).rejects.toThrow('it has: fp32, fp16');
    await expect(ClipModel.load({ model: dir, allowRemoteModels: false, dtype: 'fp16' })).rejects.toThrow('it has no fp16 variant (onnx/text_model_fp16.onnx missing); it has: fp32');
  });
});

describe('a model of a family sis does not run', () => {
  it('stops at load, listing the families it runs', async () => {
    const dir = join(root, 'blip');
    const preprocessorConfig = { size: { shortest_edge: 64 } };
    await writeModelFiles(dir, generateRandomClip({ name: 'blip-like', description: 'test', arch: arch(77, 64, 32), tokenizer: tokenizerFor(77), preprocessorConfig }));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'blip' }));
    const loading = ClipModel.load({ model: dir, allowRemoteModels: false });
    await expect(loading).rejects.toThrow(UnsupportedModelError);
    await expect(loading).rejects.toThrow('its config.json says model_type "blip"; supported: clip (CLIP: OpenAI ViT-B/32 and ViT-B/16, MobileCLIP and other OpenCLIP exports); siglip (SigLIP)');
  });
});
