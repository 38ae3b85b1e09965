import { createHash } from 'node:crypto';
import { decodeRgb, type RgbImage } from '@sis/image';
import sharp, { type KernelEnum } from 'sharp';
import { PIL_FILTERS, pilResize } from './pil-resample.js';

/** Width and height in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** How a checkpoint wants its pixels, as its `preprocessor_config.json` says. */
export interface ImagePreprocessorOptions {
  /** CLIP: shortest side to `shortestEdge`, aspect kept. SigLIP: straight to `width` × `height`. */
  resize: { shortestEdge: number } | Size;
  /** Centre crop after the resize; none when the resize already gives the input size. */
  crop?: Size;
  /** Pillow's filter number (`resample`): 2 bilinear, 3 bicubic, … */
  resample: number;
  /** Multiplies 8-bit values before normalising (`rescale_factor`, 1/255). */
  rescale: number;
  /** Per-channel mean subtracted after rescaling (RGB). */
  mean: readonly number[];
  /** Per-channel standard deviation divided by after subtracting the mean (RGB). */
  std: readonly number[];
  /** Images with more pixels than this are refused from their header, before decoding. */
  maxPixels: number;
}

/** The pixel limit when none is given: 50 megapixels. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** libvips' kernel for each Pillow filter it computes the same way when shrinking. */
const SHRINK_KERNELS: Readonly<Record<number, keyof KernelEnum>> = { 1: 'lanczos3', 2: 'linear', 3: 'cubic' };

/**
 * Turns decoded images into the model's input tensor exactly as the checkpoint's Python
 * preprocessing (`CLIPImageProcessor`, `SiglipImageProcessor`) does with Pillow: the same output
 * size (the long side truncated, not rounded), the same filter, the crop offset floored, then
 * rescale, normalise and lay out channel-first. One resample from the full decode: enlarging runs
 * Pillow's own arithmetic (see {@link pilResize}); shrinking runs libvips' antialiased kernel of
 * the same family, which agrees to within rounding at a fraction of the cost.
 */
export class ImagePreprocessor {
  readonly #options: Readonly<ImagePreprocessorOptions>;
  readonly #input: Readonly<Size>;
  readonly #scale: Float32Array;
  readonly #offset: Float32Array;

  constructor(options: ImagePreprocessorOptions) {
    if (options.mean.length !== 3 || options.std.length !== 3) throw new Error('mean and std must have one value per RGB channel');
    if (!PIL_FILTERS[options.resample]) throw new Error(`resample ${options.resample} is not supported; use one of ${describeFilters()}`);
    this.#options = Object.freeze({ ...options });
    const resized = 'shortestEdge' in options.resize ? { width: options.resize.shortestEdge, height: options.resize.shortestEdge } : options.resize;
    this.#input = Object.freeze({ ...(options.crop ?? resized) });
    // (v · rescale − mean) / std, folded into one multiply-add per value.
    this.#scale = Float32Array.from(options.std, (s) => options.rescale / s);
    this.#offset = Float32Array.from(options.mean, (m, c) => -m / options.std[c]!);
  }

  /** Hex SHA-256 of what decides the pixels (everything but the pixel limit): equal for models that see images alike. */
  get fingerprint(): string {
    const { resize, crop, resample, rescale, mean, std } = this.#options;
    return createHash('sha256').update(JSON.stringify({ resize, crop, resample, rescale, mean, std })).digest('hex');
  }

  /** Width and height of the model's input. */
  get inputSize(): Readonly<Size> {
    return this.#input;
  }

  /** Number of floats in one preprocessed image. */
  get pixelCount(): number {
    return 3 * this.#input.width * this.#input.height;
  }

  /**
   * Decodes encoded bytes and preprocesses them.
   * @returns the image as `3 × height × width` floats, channel-first.
   * @throws InvalidImageError when the bytes are not a decodable image within the pixel limit.
   */
  async toPixels(bytes: Uint8Array): Promise<Float32Array> {
    return this.fromRgb(await decodeRgb(bytes, { maxPixels: this.#options.maxPixels, needs: this.decodeNeeds }));
  }

  /**
   * How small a decode may shrink an image and still give the model's input to within rounding:
   * three times the resized size. Measured on the fidelity model, a large photo decoded at 3×
   * embeds at cos ≥ 0.99998 to the reference (2× gives 0.99994, 1.5× as low as 0.9969), at a
   * fifth of the CPU of a full decode for 12 megapixels. Also more than a 256 px preview needs.
   */
  readonly decodeNeeds = (upright: Size): Size => {
    const resized = this.resizedSize(upright);
    return { width: 3 * resized.width, height: 3 * resized.height };
  };

  /**
   * The model's input from an image decoded in full or to {@link decodeNeeds} (which a caller may
   * also use for a preview, so that the original is decoded once).
   * @returns the image as `3 × height × width` floats, channel-first.
   */
  async fromRgb(image: RgbImage): Promise<Float32Array> {
    const target = this.resizedSize(image);
    const resized = await resample(image, target, this.#options.resample);
    return this.#normalise(cropCentre(resized, target, this.#options.crop ?? target));
  }

  /** The size after the resize step, with Python's arithmetic: `int(edge * long / short)`. */
  resizedSize(image: Size): Size {
    const { resize } = this.#options;
    if (!('shortestEdge' in resize)) return { width: resize.width, height: resize.height };
    const edge = resize.shortestEdge;
    const long = Math.trunc((edge * Math.max(image.width, image.height)) / Math.min(image.width, image.height));
    return image.width <= image.height ? { width: edge, height: long } : { width: long, height: edge };
  }

  /** (v · rescale − mean) / std, channel-first. */
  #normalise(data: Uint8Array): Float32Array {
    const plane = this.#input.width * this.#input.height;
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const scale = this.#scale[c]!;
      const offset = this.#offset[c]!;
      for (let i = 0; i < plane; i++) out[c * plane + i] = data[i * 3 + c]! * scale + offset;
    }
    return out;
  }
}

async function resample(image: RgbImage, target: Size, filter: number): Promise<Uint8Array> {
  if (target.width === image.width && target.height === image.height) return image.data;
  const kernel = SHRINK_KERNELS[filter];
  if (!kernel || target.width > image.width || target.height > image.height) {
    return pilResize(image.data, image.width, image.height, target.width, target.height, filter);
  }
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ ...target, fit: 'fill', kernel })
    .raw()
    .toBuffer();
}

/** Cuts `crop` out of the middle of `data` (`size`), offsets floored as `(size − crop) // 2`. */
function cropCentre(data: Uint8Array, size: Size, crop: Size): Uint8Array {
  if (crop.width === size.width && crop.height === size.height) return data;
  if (crop.width > size.width || crop.height > size.height) throw new Error(`cannot crop ${crop.width}×${crop.height} out of ${size.width}×${size.height}`);
  const top = Math.floor((size.height - crop.height) / 2);
  const left = Math.floor((size.width - crop.width) / 2);
  const out = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++) {
    const from = ((top + y) * size.width + left) * 3;
    out.set(data.subarray(from, from + crop.width * 3), y * crop.width * 3);
  }
  return out;
}

function describeFilters(): string {
  return Object.entries(PIL_FILTERS)
    .map(([code, { name }]) => `${code} (${name})`)
    .join(', ');
}
