import { decodeRgb, type RgbImage } from '@sis/image';
import sharp, { type ResizeOptions } from 'sharp';

/** How a CLIP checkpoint wants its pixels: the fields of its `preprocessor_config.json`. */
export interface ImagePreprocessorOptions {
  /** Side of the square input, in pixels. */
  size: number;
  /** Per-channel mean subtracted after scaling to [0, 1] (RGB). */
  mean: readonly number[];
  /** Per-channel standard deviation divided by after subtracting the mean (RGB). */
  std: readonly number[];
  /** Images with more pixels than this are refused from their header, before decoding. */
  maxPixels: number;
}

/** The pixel limit when none is given: 50 megapixels. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Turns images into CLIP's input tensor layout: resize the shortest side to `size` with a bicubic
 * kernel and centre-crop (decoding itself is @sis/image's, the same for every consumer), then
 * scale, normalise and lay out channel-first.
 */
export class ImagePreprocessor {
  readonly #options: Readonly<ImagePreprocessorOptions>;
  readonly #resize: Readonly<ResizeOptions>;
  readonly #scale: Float32Array;
  readonly #offset: Float32Array;

  constructor(options: ImagePreprocessorOptions) {
    if (options.mean.length !== 3 || options.std.length !== 3) throw new Error('mean and std must have one value per RGB channel');
    this.#options = Object.freeze({ ...options });
    this.#resize = Object.freeze({ width: options.size, height: options.size, fit: 'cover', position: 'centre', kernel: 'cubic' });
    // (v / 255 - mean) / std, folded into one multiply-add per value.
    this.#scale = Float32Array.from(options.std, (s) => 1 / (255 * s));
    this.#offset = Float32Array.from(options.mean, (m, c) => -m / options.std[c]!);
  }

  get size(): number {
    return this.#options.size;
  }

  /** Number of floats in one preprocessed image. */
  get pixelCount(): number {
    return 3 * this.#options.size * this.#options.size;
  }

  /**
   * Decodes encoded bytes straight to the model's input size.
   * @returns the image as `3 × size × size` floats, channel-first.
   * @throws InvalidImageError when the bytes are not a decodable image within the pixel limit.
   */
  async toPixels(bytes: Uint8Array): Promise<Float32Array> {
    const { data } = await decodeRgb(bytes, { maxPixels: this.#options.maxPixels, resize: this.#resize });
    return this.#normalise(data);
  }

  /**
   * The model's input from pixels already decoded (for a preview, say), so that the original is
   * never decoded twice.
   * @returns the image as `3 × size × size` floats, channel-first.
   */
  async fromRgb(image: RgbImage): Promise<Float32Array> {
    const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(this.#resize).raw().toBuffer();
    return this.#normalise(data);
  }

  /** (v / 255 − mean) / std, channel-first. */
  #normalise(data: Buffer): Float32Array {
    const { size } = this.#options;
    const plane = size * size;
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const scale = this.#scale[c]!;
      const offset = this.#offset[c]!;
      for (let i = 0; i < plane; i++) out[c * plane + i] = data[i * 3 + c]! * scale + offset;
    }
    return out;
  }
}
