import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// nock first: it must patch fetch before transformers.js takes hold of it.
import nock from 'nock';
import { AutoModel, AutoTokenizer, type Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel, UnsupportedModelError } from '../src/index.js';
import { generateRandomClip, generateSentenceText, writeModelFiles } from '../src/fixtures/index.js';
import { buildClipTokenizer } from '../src/fixtures/clip-tokenizer.js';

// A CLIP image model paired with a sentence-transformers text encoder trained into its space, as
// Xenova/clip-vit-base-patch32 pairs with clip-ViT-B-32-multilingual-v1: both fixtures 32-d.
const WORDS = ['un', 'chien', 'endormi', 'sur', 'canapé', 'rouge', 'perro', 'Hund', 'dog'];
const DIM = 32;
let root: string;
let imageDir: string;
let textDir: string;
let denseWeight: Float32Array;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, v, i) => sum + v * b[i]!, 0);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sis-multilingual-'));
  imageDir = join(root, 'image');
  textDir = join(root, 'text');
  const tokenizer = buildClipTokenizer(['dog']);
  const arch = { imageSize: 64, patchSize: 32, visionWidth: 64, visionLayers: 1, visionHeads: 2, textWidth: 64, textLayers: 1, textHeads: 2, contextLength: 77, vocabSize: tokenizer.vocabSize, projectionDim: DIM };
  await writeModelFiles(imageDir, generateRandomClip({ name: 'image', description: 'test', arch, tokenizer, preprocessorConfig: { size: { shortest_edge: 64 }, crop_size: { height: 64, width: 64 } } }));
  const text = generateSentenceText({ words: WORDS, width: 48, layers: 2, heads: 4, outDim: DIM });
  denseWeight = text.denseWeight;
  await writeModelFiles(textDir, text.files);
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await rm(root, { recursive: true, force: true });
});

describe('a multilingual text encoder paired with its image model', () => {
  it("embeds queries into the image model's space: the mean of the real tokens, through the dense layer", async () => {
    const clip = await ClipModel.load({ model: imageDir, textModel: textDir, allowRemoteModels: false, towers: ['text'] });
    try {
      expect({ modelId: clip.modelId, textModelId: clip.textModelId, dimension: clip.dimension }).toEqual({ modelId: imageDir, textModelId: textDir, dimension: DIM });
      const mine = await clip.embedText('un chien endormi');
      // The same arithmetic spelled out: transformer, mean over tokens, W · mean, unit length.
      const tokenizer = await AutoTokenizer.from_pretrained(textDir, { local_files_only: true });
      const model = await AutoModel.from_pretrained(textDir, { local_files_only: true, dtype: 'fp32' });
      const { last_hidden_state: hidden } = (await model(tokenizer('un chien endormi'))) as { last_hidden_state: Tensor };
      const [, tokens, width] = hidden.dims as number[];
      const states = hidden.data as Float32Array;
      const mean = Array.from({ length: width! }, (_, d) => Array.from({ length: tokens! }, (_, t) => states[t * width! + d]!).reduce((a, b) => a + b) / tokens!);
      const projected = Array.from({ length: DIM }, (_, o) => dot(denseWeight.subarray(o * width!, (o + 1) * width!), mean));
      const norm = Math.hypot(...projected);
      expect(dot(mine, projected.map((v) => v / norm))).toBeCloseTo(1, 5);
      await model.dispose();
    } finally {
      await clip.dispose();
    }
  });

  it('leaves padding out: a query embeds the same alone as beside a longer one', async () => {
    const clip = await ClipModel.load({ model: imageDir, textModel: textDir, allowRemoteModels: false, towers: ['text'] });
    try {
      const [beside] = await clip.embedTexts(['perro', 'un chien endormi sur un canapé rouge']);
      expect(dot(beside!, await clip.embedText('perro'))).toBeCloseTo(1, 5);
    } finally {
      await clip.dispose();
    }
  });

  it('refuses a text encoder of another width: it cannot share the space', async () => {
    const other = join(root, 'text-64');
    await writeModelFiles(other, generateSentenceText({ words: WORDS, width: 48, layers: 1, heads: 4, outDim: 64 }).files);
    await expect(ClipModel.load({ model: imageDir, textModel: other, allowRemoteModels: false, towers: ['text'] })).rejects.toThrow(
      new UnsupportedModelError(other, `its text embeddings are 64-d, but ${imageDir}'s images are 32-d: they are not one vector space`),
    );
  });

  it('fetches the pooling and dense files from the hub with the rest, and runs from the cache after', async () => {
    const cacheDir = join(root, 'cache');
    const served: string[] = [];
    nock.disableNetConnect();
    nock('https://huggingface.co')
      .persist()
      .get(/^\/sis-test\/multilingual\/resolve\/main\/.+/)
      .reply((uri) => {
        const file = decodeURIComponent(uri.replace('/sis-test/multilingual/resolve/main/', ''));
        if (!existsSync(join(textDir, file))) return [404, 'not found'];
        served.push(file);
        return [200, readFileSync(join(textDir, file))];
      });
    const online = await ClipModel.load({ model: imageDir, textModel: 'sis-test/multilingual', cacheDir, towers: ['text'] });
    const expected = await online.embedText('Hund');
    await online.dispose();
    expect(served).toEqual(expect.arrayContaining(['modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors', 'onnx/model.onnx']));
    nock.cleanAll();
    const offline = await ClipModel.load({ model: imageDir, textModel: 'sis-test/multilingual', cacheDir, allowRemoteModels: false, towers: ['text'] });
    expect(dot(await offline.embedText('Hund'), expected)).toBeCloseTo(1, 6);
    await offline.dispose();
  });
});
