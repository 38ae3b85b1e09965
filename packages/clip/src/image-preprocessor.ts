import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { InvalidImageError } from './errors/index.js';

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
  /** Shortest side of the WebP preview {@link ImagePreprocessor.prepare} makes, in pixels. @defaultValue 256 */
  thumbnailSize?: number;
}

/** An image ready for the model, and its preview. */
export interface PreparedImage {
  /** `3 × size × size` floats, channel-first. */
  pixels: Float32Array;
  /** A WebP whose shortest side is the thumbnail size (smaller images keep their size). */
  thumbnail: Buffer;
}

/** The pixel limit when none is given: 50 megapixels. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Turns encoded image bytes into CLIP's input tensor layout with sharp (libvips): auto-orient by
 * EXIF, flatten transparency onto white, resize the shortest side to `size` with a bicubic
 * kernel and centre-crop, then scale, normalise and lay out channel-first.
 */
export class ImagePreprocessor {
  readonly #options: Readonly<ImagePreprocessorOptions>;
  readonly #scale: Float32Array;
  readonly #offset: Float32Array;

  constructor(options: ImagePreprocessorOptions) {
    if (options.mean.length !== 3 || options.std.length !== 3) throw new Error('mean and std must have one value per RGB channel');
    this.#options = Object.freeze({ ...options });
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
   * @returns the image as `3 × size × size` floats, channel-first.
   * @throws InvalidImageError when the bytes are not a decodable image within the pixel limit.
   */
  async toPixels(bytes: Uint8Array): Promise<Float32Array> {
    const { size } = this.#options;
    const { data } = await this.#decode(bytes, (image) => image.resize(size, size, { fit: 'cover', position: 'centre', kernel: 'cubic' }));
    return this.#normalise(data);
  }

  /**
   * Decodes once, to the thumbnail's size, and makes both the preview and the model input from
   * that: the original is never decoded twice (JPEG decoding even shrinks while it reads).
   * @throws InvalidImageError when the bytes are not a decodable image within the pixel limit.
   */
  async prepare(bytes: Uint8Array): Promise<PreparedImage> {
    const { size, thumbnailSize = 256 } = this.#options;
    const { data, info } = await this.#decode(bytes, (image) => image.resize(thumbnailSize, thumbnailSize, { fit: 'outside', withoutEnlargement: true, kernel: 'cubic' }));
    const small = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
    const [thumbnail, pixels] = await Promise.all([
      small.clone().webp({ quality: 80 }).toBuffer(),
      small.clone().resize(size, size, { fit: 'cover', position: 'centre', kernel: 'cubic' }).raw().toBuffer(),
    ]);
    return { pixels: this.#normalise(pixels), thumbnail };
  }

  /** Auto-orients, flattens transparency onto white, converts to sRGB, applies `shape`, returns 3-channel raw pixels. */
  async #decode(bytes: Uint8Array, shape: (image: Sharp) => Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
    try {
      const base = sharp(bytes, { limitInputPixels: this.#options.maxPixels, failOn: 'error' }).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
      return await shape(base).raw().toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new InvalidImageError('unreadable', `cannot decode image: ${(error as Error).message}`, { cause: error });
    }
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
