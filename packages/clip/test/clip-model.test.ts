import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRgb, InvalidImageError } from '@sis/image';
import { ClipModel, ModelNotFoundError } from '../src/index.js';
import { generateTinyClip, generateVitB32Random, TINY_CLIP_COLOURS, TINY_CLIP_DIR, VIT_B_32, writeModelFiles } from '../src/fixtures/index.js';

const SIX = ['red', 'green', 'blue', 'yellow', 'black', 'white'] as const;
const rgb = (name: string) => {
  const [r, g, b] = TINY_CLIP_COLOURS[name]!;
  return { r, g, b };
};

/** A photo-sized image that is mostly `colour`, with a band of another colour across it. */
async function mostly(colour: string, format: 'jpeg' | 'png' | 'webp', band = 'gray'): Promise<Buffer> {
  const stripe = await sharp({ create: { width: 640, height: 120, channels: 3, background: rgb(band) } }).png().toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: rgb(colour) } })
    .composite([{ input: stripe, left: 0, top: 180 }])
    .toFormat(format)
    .toBuffer();
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

let clip: ClipModel;
beforeAll(async () => {
  clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, threads: 1 });
});
afterAll(async () => {
  await clip?.dispose();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('tiny-clip through ClipModel', () => {
  it('loads as a 512-d model', () => {
    expect(clip.dimension).toBe(512);
    expect(clip.modelId).toBe(TINY_CLIP_DIR);
    expect(clip.preprocessor.inputSize).toEqual({ width: 224, height: 224 });
  });

  it('ranks each colour query’s image first among the six colours', async () => {
    const formats = ['jpeg', 'png', 'webp'] as const;
    const images = await Promise.all(SIX.map((colour, i) => mostly(colour, formats[i % 3]!)));
    const imageEmbeddings = await clip.embedImages(images);
    for (const [i, colour] of SIX.entries()) {
      const query = await clip.embedText(`a ${colour} picture`);
      const scores = imageEmbeddings.map((image) => dot(query, image));
      const ranking = scores.map((score, j) => [score, SIX[j]] as const).sort((a, b) => b[0] - a[0]);
      expect(ranking[0]![1], `query "${colour}": ${ranking.map(([s, c]) => `${c}=${s.toFixed(3)}`).join(' ')}`).toBe(colour);
      expect(scores[i]! - ranking[1]![0]).toBeGreaterThan(0.3);
    }
  });

  it('returns unit-length embeddings, the same whether batched or one at a time', async () => {
    const [batchA, batchB] = await clip.embedTexts(['red', 'a dog asleep on a grey sofa']);
    const alone = await clip.embedText('a dog asleep on a grey sofa');
    expect(Math.hypot(...batchA!)).toBeCloseTo(1, 5);
    expect(Array.from(batchB!)).toEqual(Array.from(alone).map((v) => expect.closeTo(v, 6)));
    expect(await clip.embedTexts([])).toEqual([]);
    expect(await clip.embedPixels([])).toEqual([]);
  });

  it('embeds the same with onnxruntime threads that sleep instead of spinning (the worker’s setting)', async () => {
    const calm = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, threads: 2, towers: ['vision'], spin: false });
    const pixels = await clip.preprocessor.toPixels(await mostly('red', 'png'));
    const [spun] = await clip.embedPixels([pixels]);
    const [slept] = await calm.embedPixels([pixels]);
    expect(Array.from(slept!)).toEqual(Array.from(spun!).map((v) => expect.closeTo(v, 5)));
    await calm.dispose();
  });

  it('reads greyscale, transparent and EXIF-rotated images as RGB', async () => {
    const grey = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 250, g: 250, b: 250 } } }).greyscale().png().toBuffer();
    const transparent = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const rotated = await sharp(await mostly('blue', 'jpeg')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const [greyEmbedding, transparentEmbedding, rotatedEmbedding] = await clip.embedImages([grey, transparent, rotated]);
    const white = await clip.embedText('white');
    // Transparency is flattened onto white, so a fully transparent image reads as white.
    expect(dot(greyEmbedding!, white)).toBeGreaterThan(0.9);
    expect(dot(transparentEmbedding!, white)).toBeGreaterThan(0.9);
    expect(dot(rotatedEmbedding!, await clip.embedText('blue'))).toBeGreaterThan(0.7);
  });

  it('refuses bytes that are not an image, truncated images, and images over the pixel limit', async () => {
    await expect(clip.embedImages([Buffer.from('definitely not an image')])).rejects.toThrow(InvalidImageError);
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: rgb('red') } }).jpeg().toBuffer();
    await expect(clip.preprocessor.toPixels(jpeg.subarray(0, jpeg.length / 2))).rejects.toThrow(InvalidImageError);

    const small = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, towers: ['vision'], maxPixels: 1000 });
    await expect(small.embedImages([jpeg])).rejects.toThrow(/pixel limit/i);
    await expect(small.embedText('red')).rejects.toThrow(/without its text tower/);
    await small.dispose();
  });

  it('makes the same model input from pixels a caller already decoded as from the file', async () => {
    const photo = await mostly('green', 'jpeg');
    const decoded = await decodeRgb(photo, { maxPixels: 1_000_000 });
    expect(await clip.preprocessor.fromRgb(decoded)).toEqual(await clip.preprocessor.toPixels(photo));
  });

  it('checks the size of preprocessed input', async () => {
    await expect(clip.embedPixels([new Float32Array(10)])).rejects.toThrow(/expected 150528/);
  });
});

describe('model loading', () => {
  it('names the directory it looked in when a local model is missing', async () => {
    const missing = join(tmpdir(), 'no-such-model');
    const error = await ClipModel.load({ model: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(`CLIP model "${missing}" was not found; looked in: local directory ${missing} (`);
  });

  it('does not go to the hub when remote loading is off, and says so', async () => {
    nock.disableNetConnect();
    const cacheDir = await mkdtemp(join(tmpdir(), 'sis-model-cache-'));
    const error = await ClipModel.load({ model: 'Xenova/clip-vit-base-patch32', cacheDir, allowRemoteModels: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(
      `CLIP model "Xenova/clip-vit-base-patch32" was not found; looked in: cache ${cacheDir}; not the Hugging Face hub: remote loading is off (ALLOW_REMOTE_MODELS=false) (`,
    );
  });

  it('reports a hub that does not have the model', async () => {
    nock.disableNetConnect();
    const asked: string[] = [];
    nock('https://huggingface.co')
      .persist()
      .get(/.*/)
      .reply((uri) => {
        asked.push(uri);
        return [404, 'Repository not found'];
      });
    const cacheDir = await mkdtemp(join(tmpdir(), 'sis-model-cache-'));
    const error = await ClipModel.load({ model: 'nobody/no-such-clip', cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(`CLIP model "nobody/no-such-clip" was not found; looked in: cache ${cacheDir}; the Hugging Face hub (`);
    expect((error as Error).message).toMatch(/set CLIP_MODEL to a local model directory \(for a trial run, packages\/clip\/fixtures\/tiny-clip\) and ALLOW_REMOTE_MODELS=false$/);
    expect(asked).toContain('/nobody/no-such-clip/resolve/main/config.json');
    nock.cleanAll();
  });
});

describe('fixture generators', () => {
  it('regenerate tiny-clip byte for byte as committed', async () => {
    for (const [path, bytes] of generateTinyClip()) {
      expect(Buffer.compare(Buffer.from(bytes), await readFile(join(TINY_CLIP_DIR, path))), path).toBe(0);
    }
  });

  it('keep tiny-clip under 2 MB', () => {
    const total = [...generateTinyClip().values()].reduce((sum, bytes) => sum + bytes.length, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('wire the ViT-B/32 graphs so onnxruntime runs them (checked on a shrunken copy)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-vit-'));
    const arch = { ...VIT_B_32, visionWidth: 64, visionLayers: 2, visionHeads: 4, textWidth: 32, textLayers: 2, textHeads: 4, vocabSize: 1000, projectionDim: 16 };
    await writeModelFiles(dir, generateVitB32Random(arch));
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false });
    expect(model.dimension).toBe(16);
    const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: rgb('green') } }).jpeg().toBuffer();
    const [a, b] = await model.embedImages([image, image]);
    expect(a).toHaveLength(16);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    const texts = await model.embedTexts(['a photo of a dog', 'a cat']);
    expect(texts.map((t) => t.length)).toEqual([16, 16]);
    expect(Math.hypot(...texts[0]!)).toBeCloseTo(1, 5);
    await model.dispose();
  });

  it('give the full-size architecture ViT-B/32’s published shapes', () => {
    expect(VIT_B_32).toMatchObject({ visionLayers: 12, visionWidth: 768, patchSize: 32, imageSize: 224, textLayers: 12, textWidth: 512, contextLength: 77, vocabSize: 49_408, projectionDim: 512 });
  });
});
