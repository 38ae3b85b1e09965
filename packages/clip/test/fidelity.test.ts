import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel, ImagePreprocessor, preprocessorOptions } from '../src/index.js';
import { ensureFidelityClip, FIDELITY_DIR, FIDELITY_VARIANTS, type FidelityVariant } from '../src/fixtures/index.js';

// sis against reference embeddings that Pillow and PyTorch computed for the same weights
// (script/reference-embeddings; docs/models.md, "Fidelity").
interface Reference {
  model: { vision: string; text: string };
  images: { file: string; kind: string; embedding: string }[];
  texts: { text: string; embedding: string }[];
}

const TARGET = 0.999;

const vector = (base64: string) => {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

let cache: string;
const models = new Map<FidelityVariant, ClipModel>();
const references = new Map<FidelityVariant, Reference>();

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'sis-fidelity-'));
  for (const variant of Object.keys(FIDELITY_VARIANTS) as FidelityVariant[]) {
    const dir = await ensureFidelityClip(cache, variant);
    const reference = JSON.parse(await readFile(join(FIDELITY_DIR, `reference-${variant}.json`), 'utf8')) as Reference;
    // A regenerated model that no longer matches its reference would make every comparison meaningless.
    expect(await sha256(join(dir, 'onnx/vision_model.onnx')), 'rerun script/reference-embeddings').toBe(reference.model.vision);
    expect(await sha256(join(dir, 'onnx/text_model.onnx')), 'rerun script/reference-embeddings').toBe(reference.model.text);
    references.set(variant, reference);
    models.set(variant, await ClipModel.load({ model: dir, allowRemoteModels: false, towers: variant === 'clip' ? ['text', 'vision'] : ['vision'] }));
  }
}, 180_000);
afterAll(async () => {
  await Promise.all([...models.values()].map((model) => model.dispose()));
  await rm(cache, { recursive: true, force: true });
});

async function scores(variant: FidelityVariant, preprocessor?: ImagePreprocessor): Promise<Map<string, number>> {
  const clip = models.get(variant)!;
  const out = new Map<string, number>();
  for (const { file, embedding } of references.get(variant)!.images) {
    const bytes = await readFile(join(FIDELITY_DIR, 'images', file));
    const [mine] = await clip.embedPixels([await (preprocessor ?? clip.preprocessor).toPixels(bytes)]);
    out.set(file, dot(mine!, vector(embedding)));
  }
  return out;
}

describe.each(Object.keys(FIDELITY_VARIANTS) as FidelityVariant[])('%s preprocessing against Pillow and PyTorch', (variant) => {
  it(`embeds every class of image at cos ≥ ${TARGET} to the reference`, async () => {
    const reference = references.get(variant)!;
    expect(reference.images.length).toBeGreaterThanOrEqual(15);
    for (const [file, cos] of await scores(variant)) {
      const kind = reference.images.find((image) => image.file === file)!.kind;
      expect(cos, `${file} (${kind})`).toBeGreaterThanOrEqual(TARGET);
    }
  });
});

describe('the fidelity model', () => {
  it('is sensitive enough to catch a preprocessing slip', async () => {
    // Unrelated photos must embed far apart, or near-misses would pass unnoticed.
    const images = references.get('clip')!.images.map(({ embedding }) => vector(embedding));
    const unrelated = images.flatMap((a, i) => images.slice(i + 1).map((b) => dot(a, b)));
    expect(Math.min(...unrelated)).toBeLessThan(0.5);
    // Bilinear where the model wants bicubic: close, and still caught.
    const options = preprocessorOptions(FIDELITY_VARIANTS.clip, 50_000_000);
    if ('unsupported' in options) throw new Error(options.unsupported);
    const slipped = await scores('clip', new ImagePreprocessor({ ...options, resample: 2 }));
    expect(Math.min(...slipped.values())).toBeLessThan(TARGET);
  });
});

describe('text tower against PyTorch on OpenAI token ids', () => {
  it(`embeds every reference query at cos ≥ ${TARGET}, the one over 77 tokens included`, async () => {
    const { texts } = references.get('clip')!;
    const mine = await models.get('clip')!.embedTexts(texts.map(({ text }) => text));
    texts.forEach(({ text, embedding }, i) => expect(dot(mine[i]!, vector(embedding)), text).toBeGreaterThanOrEqual(TARGET));
  });
});
