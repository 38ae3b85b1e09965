import { AutoModel, AutoTokenizer, type PretrainedModelOptions, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { UnsupportedModelError } from './errors/index.js';
import type { ModelFamily } from './model-family.js';
import { readModelFile, unitRows, type ModelSource } from './model-source.js';
import { textInputs } from './tokenize-text.js';

/** What turns texts into unit-length embeddings. */
export interface TextTower {
  /** Length of every embedding. */
  readonly dimension: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Most token ids a text gets: the tokenizer's `model_max_length`, within reason. */
function contextLength(tokenizer: PreTrainedTokenizer, fallback: number): number {
  // Some exports leave model_max_length at a huge placeholder.
  const declared = tokenizer.model_max_length;
  return Number.isFinite(declared) && declared > 0 && declared <= 4096 ? declared : fallback;
}

/** The text tower of a CLIP-family checkpoint (CLIP, SigLIP, MobileCLIP …). */
export class FamilyTextTower implements TextTower {
  readonly #context: number;
  /** Whether every text is padded to the full context (see {@link ModelFamily.padsToContext}). */
  readonly #padsToContext: boolean;

  constructor(
    readonly dimension: number,
    readonly family: ModelFamily,
    readonly tokenizer: PreTrainedTokenizer,
    readonly model: PreTrainedModel,
  ) {
    this.#context = contextLength(tokenizer, 77);
    // The end token is what the tokenizer appends to an empty text.
    const endId = tokenizer.encode('').at(-1);
    const padId = tokenizer.pad_token_id;
    this.#padsToContext = family.padsToContext || (padId !== undefined && padId !== null && padId !== endId);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const outputs = (await this.model(textInputs(this.tokenizer, texts, this.#context, this.#padsToContext))) as Record<string, Tensor>;
    return unitRows(outputs[this.family.textOutput]!, texts.length);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

interface DenseConfig {
  in_features: number;
  out_features: number;
  bias: boolean;
  activation_function: string;
}

/**
 * A sentence-transformers text encoder trained into a CLIP model's vector space, such as the
 * multilingual `sentence-transformers/clip-ViT-B-32-multilingual-v1` for ViT-B/32 images: its
 * transformer (ONNX), then what its ONNX export leaves out, mean pooling over the real tokens and
 * the dense projection (`2_Dense`), read from the model's own files.
 */
export class SentenceTextTower implements TextTower {
  readonly dimension: number;
  readonly #context: number;

  private constructor(
    readonly tokenizer: PreTrainedTokenizer,
    readonly model: PreTrainedModel,
    readonly dense: { weight: Float32Array; bias?: Float32Array; config: DenseConfig },
    maxSeqLength: number,
  ) {
    this.dimension = dense.config.out_features;
    this.#context = Math.min(contextLength(tokenizer, maxSeqLength), maxSeqLength);
  }

  /** Whether `source` is laid out as a sentence-transformers model (it has `modules.json`). */
  static async detect(source: ModelSource, files: { cacheDir?: string; allowRemote: boolean }): Promise<boolean> {
    return (await readModelFile(source, 'modules.json', files)) !== undefined;
  }

  /** @throws UnsupportedModelError when its pooling or dense layer is one sis does not reproduce. */
  static async load(name: string, source: ModelSource, loadOptions: PretrainedModelOptions, files: { cacheDir?: string; allowRemote: boolean }): Promise<SentenceTextTower> {
    const json = async <T>(file: string): Promise<T | undefined> => {
      const bytes = await readModelFile(source, file, files);
      return bytes && (JSON.parse(bytes.toString('utf8')) as T);
    };
    const modules = (await json<{ path: string; type: string }[]>('modules.json'))!;
    const pooling = modules.find((m) => m.type.endsWith('.Pooling'));
    const dense = modules.find((m) => m.type.endsWith('.Dense'));
    if (!pooling || !dense) throw new UnsupportedModelError(name, 'a sentence-transformers model needs a Pooling and a Dense module to reach a CLIP space');
    const poolingConfig = await json<{ pooling_mode_mean_tokens?: boolean }>(`${pooling.path}/config.json`);
    if (!poolingConfig?.pooling_mode_mean_tokens) throw new UnsupportedModelError(name, 'only mean pooling is supported');
    const denseConfig = (await json<DenseConfig>(`${dense.path}/config.json`))!;
    if (!/Identity$/.test(denseConfig.activation_function)) throw new UnsupportedModelError(name, `its dense layer's activation ${denseConfig.activation_function} is not supported (only Identity)`);
    const weights = await readModelFile(source, `${dense.path}/model.safetensors`, files);
    if (!weights) throw new UnsupportedModelError(name, `${dense.path}/model.safetensors is missing`);
    const tensors = readSafetensors(weights);
    const weight = tensors.get('linear.weight');
    if (weight?.length !== denseConfig.in_features * denseConfig.out_features) throw new UnsupportedModelError(name, `${dense.path}/model.safetensors has no ${denseConfig.out_features}×${denseConfig.in_features} linear.weight`);
    const bias = denseConfig.bias ? tensors.get('linear.bias') : undefined;
    const maxSeqLength = (await json<{ max_seq_length?: number }>('sentence_bert_config.json'))?.max_seq_length ?? 128;
    const [tokenizer, model] = await Promise.all([AutoTokenizer.from_pretrained(source.path, loadOptions), AutoModel.from_pretrained(source.path, loadOptions)]);
    return new SentenceTextTower(tokenizer, model, { weight, ...(bias ? { bias } : {}), config: denseConfig }, maxSeqLength);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const inputs = textInputs(this.tokenizer, texts, this.#context);
    const { last_hidden_state: hidden } = (await this.model(inputs)) as { last_hidden_state: Tensor };
    const [rows, length, width] = hidden.dims as [number, number, number];
    const states = hidden.data as Float32Array;
    const mask = inputs.attention_mask.data as BigInt64Array;
    const { weight, bias, config } = this.dense;
    const out = new Float32Array(rows * config.out_features);
    const mean = new Float32Array(width);
    for (let r = 0; r < rows; r++) {
      // The mean over the text's own tokens: padding is neither attended to nor averaged in.
      mean.fill(0);
      let count = 0;
      for (let t = 0; t < length; t++) {
        if (mask[r * length + t] === 0n) continue;
        count++;
        for (let d = 0; d < width; d++) mean[d]! += states[(r * length + t) * width + d]!;
      }
      for (let d = 0; d < width; d++) mean[d]! /= Math.max(count, 1);
      for (let o = 0; o < config.out_features; o++) {
        let sum = bias?.[o] ?? 0;
        for (let d = 0; d < width; d++) sum += weight[o * width + d]! * mean[d]!;
        out[r * config.out_features + o] = sum;
      }
    }
    return unitRows(out, rows);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The float32 tensors of a `.safetensors` file: an 8-byte header length, a JSON header, the data. */
function readSafetensors(bytes: Buffer): Map<string, Float32Array> {
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const tensors = new Map<string, Float32Array>();
  for (const [name, { dtype, data_offsets: [start, end] }] of Object.entries(header)) {
    if (name === '__metadata__' || dtype !== 'F32') continue;
    const data = bytes.subarray(8 + headerLength + start, 8 + headerLength + end);
    tensors.set(name, new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  return tensors;
}
