import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AutoConfig, AutoImageProcessor, AutoTokenizer, env, Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { ModelNotFoundError, UnsupportedModelError } from './errors/index.js';
import { DEFAULT_MAX_PIXELS, ImagePreprocessor } from './image-preprocessor.js';
import { DTYPES, familyOf, MODEL_FAMILIES, type Dtype, type ModelConfig, type ModelFamily } from './model-family.js';
import { preprocessorOptions, type PreprocessorConfig } from './preprocessor-config.js';
import { textInputs } from './tokenize-text.js';

/** The model sis uses when none is configured. */
export const DEFAULT_CLIP_MODEL = 'Xenova/clip-vit-base-patch32';

export type ClipTower = 'text' | 'vision';

export interface ClipModelOptions {
  /** A Hugging Face model id such as `Xenova/clip-vit-base-patch32`, or a local model directory. */
  model: string;
  /** Where models downloaded from the hub are cached. @defaultValue the library's own cache */
  cacheDir?: string;
  /** Whether a model missing from the cache may be downloaded. @defaultValue true */
  allowRemoteModels?: boolean;
  /** Threads onnxruntime uses within one inference call. @defaultValue onnxruntime's choice (all cores) */
  threads?: number;
  /** Which towers to load; a search replica needs only `text`, a worker only `vision`. @defaultValue both */
  towers?: readonly ClipTower[];
  /** Images with more pixels than this are refused before decoding. @defaultValue 50,000,000 */
  maxPixels?: number;
  /** Refuse a model whose embeddings have another length (the database's vector column is fixed). */
  dimension?: number;
  /**
   * Which ONNX variant to run (fp32, fp16, q8, …, as transformers.js names them). @defaultValue
   * what the model's config.json asks for (`transformers.js_config.dtype`), else fp32
   */
  dtype?: Dtype;
}

/**
 * A CLIP model: both towers, its tokenizer and its image preprocessing, behind two calls that
 * return L2-normalised embeddings. This is the only place in sis that touches model code.
 *
 * ### Examples
 * ```ts
 * const clip = await ClipModel.load({ model: 'Xenova/clip-vit-base-patch32' });
 * const [photo] = await clip.embedImages([await readFile('dog.jpg')]);
 * const query = await clip.embedText('a dog asleep on a red sofa');
 * ```
 */
export class ClipModel {
  /** The model id or directory it was loaded from. */
  readonly modelId: string;
  /** Length of every embedding. */
  readonly dimension: number;
  readonly preprocessor: ImagePreprocessor;
  readonly #tokenizer: PreTrainedTokenizer;
  /** Most token ids one text gets (CLIP's 77): the tokenizer's `model_max_length`. */
  readonly #contextLength: number;
  readonly #text: PreTrainedModel | undefined;
  readonly #vision: PreTrainedModel | undefined;
  readonly #family: ModelFamily;
  /** Whether every text is padded to the full context (see {@link ModelFamily.padsToContext}). */
  readonly #padsToContext: boolean;

  private constructor(parts: {
    modelId: string;
    dimension: number;
    family: ModelFamily;
    preprocessor: ImagePreprocessor;
    tokenizer: PreTrainedTokenizer;
    text?: PreTrainedModel;
    vision?: PreTrainedModel;
  }) {
    this.modelId = parts.modelId;
    this.dimension = parts.dimension;
    this.preprocessor = parts.preprocessor;
    this.#family = parts.family;
    this.#tokenizer = parts.tokenizer;
    // Some exports leave model_max_length at a huge placeholder; CLIP's context is 77.
    const declared = parts.tokenizer.model_max_length;
    this.#contextLength = Number.isFinite(declared) && declared > 0 && declared <= 4096 ? declared : 77;
    // The end token is what the tokenizer appends to an empty text.
    const endId = parts.tokenizer.encode('').at(-1);
    const padId = parts.tokenizer.pad_token_id;
    this.#padsToContext = parts.family.padsToContext || (padId !== undefined && padId !== null && padId !== endId);
    this.#text = parts.text;
    this.#vision = parts.vision;
  }

  /**
   * Loads a model from a local directory, the cache, or (when allowed) the hub.
   * @throws ModelNotFoundError naming the model and every place it looked.
   */
  static async load(options: ClipModelOptions): Promise<ClipModel> {
    const towers = options.towers ?? ['text', 'vision'];
    const allowRemote = options.allowRemoteModels ?? true;
    const source = resolveSource(options.model);
    const loadOptions = {
      local_files_only: !allowRemote || source.kind === 'directory',
      ...(options.cacheDir ? { cache_dir: options.cacheDir } : {}),
    };
    const towerOptions = {
      ...loadOptions,
      ...(options.dtype ? { dtype: options.dtype } : {}),
      device: 'cpu' as const,
      session_options: options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {},
    };
    // config.json first: its absence is the one clear sign that the model is not there, where
    // the other loaders fail later and less legibly.
    let modelConfig: ModelConfig;
    try {
      modelConfig = (await AutoConfig.from_pretrained(source.path, loadOptions)) as ModelConfig;
    } catch (error) {
      throw new ModelNotFoundError(options.model, lookedIn(source, allowRemote, options.cacheDir), { cause: error, fromHub: source.kind === 'hub' });
    }
    const family = familyOf(modelConfig);
    if (!family) {
      const supported = Object.entries(MODEL_FAMILIES).map(([name, f]) => `${name} (${f.description})`);
      throw new UnsupportedModelError(options.model, `its config.json says model_type "${modelConfig.model_type}"; supported: ${supported.join('; ')}`);
    }
    if (source.kind === 'directory' && options.dtype) checkVariant(options.model, source.path, towers, options.dtype);
    const dimension = family.dimension(modelConfig);
    if (options.dimension !== undefined && dimension !== options.dimension) {
      throw new Error(`model ${options.model} makes ${dimension}-d vectors, but ${options.dimension}-d ones are needed`);
    }
    const [tokenizer, processor] = await Promise.all([AutoTokenizer.from_pretrained(source.path, loadOptions), AutoImageProcessor.from_pretrained(source.path, loadOptions)]);
    // Checked before the towers load, so an unsupported model stops at once.
    const preprocessing = preprocessorOptions((processor as unknown as { config: PreprocessorConfig }).config, options.maxPixels ?? DEFAULT_MAX_PIXELS);
    if ('unsupported' in preprocessing) throw new UnsupportedModelError(options.model, `its preprocessor_config.json asks for ${preprocessing.unsupported}`);
    const [text, vision] = await Promise.all([
      towers.includes('text') ? family.textTower.from_pretrained(source.path, towerOptions) : undefined,
      towers.includes('vision') ? family.visionTower.from_pretrained(source.path, towerOptions) : undefined,
    ]);
    return new ClipModel({ modelId: options.model, dimension, family, tokenizer, text, vision, preprocessor: new ImagePreprocessor(preprocessing) });
  }

  /** Embeds texts in one batched call; each result has unit length. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (!this.#text) throw new Error('this ClipModel was loaded without its text tower');
    if (texts.length === 0) return [];
    const inputs = textInputs(this.#tokenizer, texts, this.#contextLength, this.#padsToContext);
    const outputs = (await this.#text(inputs)) as Record<string, Tensor>;
    return splitRows(outputs[this.#family.textOutput]!, texts.length);
  }

  async embedText(text: string): Promise<Float32Array> {
    const [embedding] = await this.embedTexts([text]);
    return embedding!;
  }

  /**
   * Runs the image tower once over already preprocessed images (see {@link ImagePreprocessor}).
   * Keeping this apart from decoding lets a caller decode the next batch while this one runs.
   */
  async embedPixels(images: readonly Float32Array[]): Promise<Float32Array[]> {
    if (!this.#vision) throw new Error('this ClipModel was loaded without its vision tower');
    if (images.length === 0) return [];
    const { inputSize, pixelCount } = this.preprocessor;
    const batch = new Float32Array(images.length * pixelCount);
    images.forEach((pixels, i) => {
      if (pixels.length !== pixelCount) throw new Error(`image ${i} has ${pixels.length} values, expected ${pixelCount}`);
      batch.set(pixels, i * pixelCount);
    });
    const input = new Tensor('float32', batch, [images.length, 3, inputSize.height, inputSize.width]);
    const outputs = (await this.#vision({ pixel_values: input })) as Record<string, Tensor>;
    return splitRows(outputs[this.#family.imageOutput]!, images.length);
  }

  /**
   * Decodes, preprocesses and embeds encoded images (JPEG, PNG, WebP, …) in one batched call.
   * @throws InvalidImageError if any image cannot be decoded; embed one by one to isolate it.
   */
  async embedImages(images: readonly Uint8Array[]): Promise<Float32Array[]> {
    const pixels = await Promise.all(images.map((bytes) => this.preprocessor.toPixels(bytes)));
    return this.embedPixels(pixels);
  }

  /** Releases the onnxruntime sessions. */
  async dispose(): Promise<void> {
    await Promise.all([this.#text?.dispose(), this.#vision?.dispose()]);
  }
}

type ModelSource = { kind: 'directory'; path: string } | { kind: 'hub'; path: string };

function resolveSource(model: string): ModelSource {
  const looksLikePath = isAbsolute(model) || model.startsWith('.') || model.startsWith('~');
  const path = resolve(model);
  if (looksLikePath || (existsSync(path) && statSync(path).isDirectory())) return { kind: 'directory', path };
  return { kind: 'hub', path: model };
}

function lookedIn(source: ModelSource, allowRemote: boolean, cacheDir: string | undefined): string[] {
  if (source.kind === 'directory') return [`local directory ${source.path}`];
  const places = [`cache ${cacheDir ?? env.cacheDir ?? '(default)'}`];
  places.push(allowRemote ? 'the Hugging Face hub' : 'not the Hugging Face hub: remote loading is off (ALLOW_REMOTE_MODELS=false)');
  return places;
}

/**
 * Refuses, before loading, a dtype whose files a local model does not have, naming those it has.
 * @throws UnsupportedModelError
 */
function checkVariant(model: string, dir: string, towers: readonly ClipTower[], dtype: Dtype): void {
  const file = (tower: ClipTower, variant: Dtype) => `onnx/${tower}_model${DTYPES[variant]}.onnx`;
  const missing = towers.map((tower) => file(tower, dtype)).filter((path) => !existsSync(`${dir}/${path}`));
  if (missing.length === 0) return;
  const present = (Object.keys(DTYPES) as Dtype[]).filter((variant) => towers.every((tower) => existsSync(`${dir}/${file(tower, variant)}`)));
  throw new UnsupportedModelError(model, `it has no ${dtype} variant (${missing.join(', ')} missing); it has: ${present.join(', ') || 'none'}`);
}

/** Splits a [rows, dim] tensor into unit-length rows. */
function splitRows(tensor: Tensor, rows: number): Float32Array[] {
  const data = tensor.data as Float32Array;
  const dim = data.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    const row = data.slice(r * dim, (r + 1) * dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += row[i]! * row[i]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) row[i] = row[i]! / norm;
    return row;
  });
}
