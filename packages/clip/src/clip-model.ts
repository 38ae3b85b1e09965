import { existsSync } from 'node:fs';
import { AutoConfig, AutoImageProcessor, AutoTokenizer } from '@huggingface/transformers';
import { ModelNotFoundError, UnsupportedModelError } from './errors/index.js';
import { DEFAULT_MAX_PIXELS, ImagePreprocessor } from './image-preprocessor.js';
import { DTYPES, familyOf, MODEL_FAMILIES, type Dtype, type ModelConfig, type ModelFamily } from './model-family.js';
import { lookedIn, resolveSource, type ModelSource } from './model-source.js';
import { preprocessorOptions, type PreprocessorConfig } from './preprocessor-config.js';
import { FamilyTextTower, SentenceTextTower, type TextTower } from './text-tower.js';
import { loadVisionTower, type VisionTower } from './vision-tower.js';

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
  /**
   * Whether onnxruntime's threads spin while they wait for their share of a call. Spinning
   * answers one call a little sooner when nothing else needs the cores; beside other work (the
   * worker decodes while the model runs) it burns the CPU that work needs. @defaultValue true
   */
  spin?: boolean;
  /**
   * Run the image tower in a worker thread of its own, so that the event loop keeps turning while
   * a batch runs (see {@link loadVisionTower}). @defaultValue false
   */
  visionThread?: boolean;
  /** Which towers to load; a search replica needs only `text`, a worker only `vision`. @defaultValue both */
  towers?: readonly ClipTower[];
  /** Images with more pixels than this are refused before decoding. @defaultValue 50,000,000 */
  maxPixels?: number;
  /**
   * Take the text tower from this model (an id or directory) instead: a text encoder trained into
   * the image model's vector space, such as a multilingual sentence-transformers one.
   */
  textModel?: string;
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
  /** The model the text tower came from: `textModel` when given, else `modelId`. */
  readonly textModelId: string;
  /** Length of every embedding. */
  readonly dimension: number;
  readonly preprocessor: ImagePreprocessor;
  readonly #text: TextTower | undefined;
  readonly #vision: VisionTower | undefined;

  private constructor(parts: { modelId: string; textModelId: string; dimension: number; preprocessor: ImagePreprocessor; text?: TextTower; vision?: VisionTower }) {
    this.modelId = parts.modelId;
    this.textModelId = parts.textModelId;
    this.dimension = parts.dimension;
    this.preprocessor = parts.preprocessor;
    this.#text = parts.text;
    this.#vision = parts.vision;
  }

  /**
   * Loads a model from a local directory, the cache, or (when allowed) the hub.
   * @throws ModelNotFoundError naming the model and every place it looked.
   * @throws UnsupportedModelError when its family, preprocessing or ONNX variant is one sis does not run.
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
      session_options: {
        ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
        ...(options.spin === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
      },
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
    const ownText = towers.includes('text') && !options.textModel;
    const ownTowers = towers.filter((tower) => tower === 'vision' || ownText);
    if (source.kind === 'directory' && options.dtype) checkVariant(options.model, source.path, ownTowers, options.dtype);
    const dimension = family.dimension(modelConfig);
    const processor = await AutoImageProcessor.from_pretrained(source.path, loadOptions);
    // Checked before the towers load, so an unsupported model stops at once.
    const preprocessing = preprocessorOptions((processor as unknown as { config: PreprocessorConfig }).config, options.maxPixels ?? DEFAULT_MAX_PIXELS);
    if ('unsupported' in preprocessing) throw new UnsupportedModelError(options.model, `its preprocessor_config.json asks for ${preprocessing.unsupported}`);
    const files = { allowRemote, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) };
    const [text, vision] = await Promise.all([
      towers.includes('text') ? loadTextTower(options, { source, family, dimension, towerOptions, files }) : undefined,
      towers.includes('vision') ? loadVisionTower({ family: familyName(family), path: source.path, options: towerOptions }, { thread: options.visionThread ?? false }) : undefined,
    ]);
    if (text && text.dimension !== dimension) {
      await Promise.all([text.dispose(), vision?.dispose()]);
      throw new UnsupportedModelError(options.textModel!, `its text embeddings are ${text.dimension}-d, but ${options.model}'s images are ${dimension}-d: they are not one vector space`);
    }
    return new ClipModel({ modelId: options.model, textModelId: options.textModel ?? options.model, dimension, preprocessor: new ImagePreprocessor(preprocessing), ...(text ? { text } : {}), ...(vision ? { vision } : {}) });
  }

  /** Embeds texts in one batched call; each result has unit length. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (!this.#text) throw new Error('this ClipModel was loaded without its text tower');
    if (texts.length === 0) return [];
    return this.#text.embed(texts);
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
    // A copy of the caller's images, always: the tower takes the batch over (a threaded one
    // transfers it), and callers such as the batcher send the same images again after a failure.
    const batch = new Float32Array(images.length * pixelCount);
    images.forEach((pixels, i) => {
      if (pixels.length !== pixelCount) throw new Error(`image ${i} has ${pixels.length} values, expected ${pixelCount}`);
      batch.set(pixels, i * pixelCount);
    });
    return this.#vision.embed(batch, [images.length, 3, inputSize.height, inputSize.width]);
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

/** The family's key in MODEL_FAMILIES, which a thread can be told where the family itself cannot be posted. */
function familyName(family: ModelFamily): string {
  return Object.keys(MODEL_FAMILIES).find((name) => MODEL_FAMILIES[name] === family)!;
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

/** The text tower: the model's own, or that of `textModel` (a family checkpoint or a sentence-transformers encoder). */
async function loadTextTower(
  options: ClipModelOptions,
  own: { source: ModelSource; family: ModelFamily; dimension: number; towerOptions: Record<string, unknown>; files: { cacheDir?: string; allowRemote: boolean } },
): Promise<TextTower> {
  const { towerOptions, files } = own;
  if (!options.textModel) {
    const [tokenizer, model] = await Promise.all([AutoTokenizer.from_pretrained(own.source.path, towerOptions), own.family.textTower.from_pretrained(own.source.path, towerOptions)]);
    return new FamilyTextTower(own.dimension, own.family, tokenizer, model);
  }
  const source = resolveSource(options.textModel);
  const loadOptions = { ...towerOptions, local_files_only: !files.allowRemote || source.kind === 'directory' };
  let config: ModelConfig;
  try {
    config = (await AutoConfig.from_pretrained(source.path, loadOptions)) as ModelConfig;
  } catch (error) {
    throw new ModelNotFoundError(options.textModel, lookedIn(source, files.allowRemote, files.cacheDir), { cause: error, fromHub: source.kind === 'hub' });
  }
  if (await SentenceTextTower.detect(source, files)) return SentenceTextTower.load(options.textModel, source, loadOptions, files);
  const family = familyOf(config);
  if (!family) throw new UnsupportedModelError(options.textModel, `as a text model it must be a sentence-transformers encoder or one of: ${Object.keys(MODEL_FAMILIES).join(', ')}`);
  const [tokenizer, model] = await Promise.all([AutoTokenizer.from_pretrained(source.path, loadOptions), family.textTower.from_pretrained(source.path, loadOptions)]);
  return new FamilyTextTower(family.dimension(config), family, tokenizer, model);
}
