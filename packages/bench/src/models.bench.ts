import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClipModel } from '@sis/clip';
import { buildClipTokenizer, clipPreprocessorConfig, generateRandomClip, generateSentenceText, VIT_B_32, writeModelFiles, type ClipArchitecture } from '@sis/clip/fixtures';
import { bareModelRun } from './ingest.bench.js';
import { typicalQueries } from './query.bench.js';
import { percentile, round, timed } from './stats.js';

/** Speed of one model shape on this machine: random weights, the real architecture's cost. */
export interface ModelShapeRun {
  shape: string;
  /** Image tower alone at batch 8, ready-made tensors. */
  imagesPerSec?: number;
  /** Text tower on distinct typical queries, uncached. */
  queryP50Ms: number;
  dimension: number;
}

const QUERY_WORDS = [...new Set(typicalQueries(200).flatMap((q) => q.split(' ')))].filter((word) => /^[a-z]+$/.test(word));
const VIT_B_16: ClipArchitecture = { ...VIT_B_32, patchSize: 16 };
// SigLIP base: ViT-B/16's image tower; a 12-layer text tower as wide as its 768-d embeddings, 64 tokens.
const SIGLIP_B_16: ClipArchitecture = { ...VIT_B_16, textWidth: 768, textHeads: 12, contextLength: 64, vocabSize: 32_000, projectionDim: 768 };

/**
 * Images/s and query ms for each model shape sis supports and can build here: ViT-B/32 and
 * ViT-B/16 (CLIP), SigLIP base/16, and the multilingual text encoder (DistilBERT, 6 × 768) beside
 * ViT-B/32. MobileCLIP's convolutional image towers cannot be built by the fixture generator.
 */
export async function benchModelShapes(cacheDir: string, threads: number, say: (line: string) => void): Promise<ModelShapeRun[]> {
  const runs: ModelShapeRun[] = [];
  const shapes = [
    { shape: 'CLIP ViT-B/32', arch: VIT_B_32, family: 'clip' as const },
    { shape: 'CLIP ViT-B/16', arch: VIT_B_16, family: 'clip' as const },
    { shape: 'SigLIP B/16-224', arch: SIGLIP_B_16, family: 'siglip' as const },
  ];
  const dirs = new Map<string, string>();
  for (const { shape, arch, family } of shapes) {
    say(`  ${shape}`);
    const dir = join(cacheDir, `shape-${shape.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
    dirs.set(shape, dir);
    if (!existsSync(join(dir, 'onnx/vision_model.onnx'))) {
      // The words of the typical queries, so that they tokenize to a realistic length.
      const tokenizer = buildClipTokenizer(QUERY_WORDS, arch.contextLength);
      await writeModelFiles(dir, generateRandomClip({ name: shape, description: 'bench shape', arch, tokenizer, preprocessorConfig: clipPreprocessorConfig(arch.imageSize), family }));
    }
    const model = await ClipModel.load({ model: dir, allowRemoteModels: false, threads });
    runs.push({ shape, imagesPerSec: (await bareModelRun(model, 8, 6)).imagesPerSec, queryP50Ms: await queryP50(model), dimension: model.dimension });
    await model.dispose();
  }
  say('  multilingual text encoder');
  const textDir = join(cacheDir, 'shape-multilingual-text');
  if (!existsSync(join(textDir, 'onnx/model.onnx'))) {
    await writeModelFiles(textDir, generateSentenceText({ words: QUERY_WORDS, width: 768, layers: 6, heads: 12, outDim: 512 }).files);
  }
  const multilingual = await ClipModel.load({ model: dirs.get('CLIP ViT-B/32')!, textModel: textDir, allowRemoteModels: false, threads, towers: ['text'] });
  runs.push({ shape: 'multilingual text (DistilBERT)', queryP50Ms: await queryP50(multilingual), dimension: multilingual.dimension });
  await multilingual.dispose();
  return runs;
}

async function queryP50(model: ClipModel): Promise<number> {
  const queries = typicalQueries(60);
  for (const q of queries.slice(0, 5)) await model.embedText(`warm up ${q}`);
  const times: number[] = [];
  for (const q of queries) times.push((await timed(() => model.embedText(q)))[1]);
  return round(percentile(times, 50));
}
