import sharp, { type ResizeOptions } from 'sharp';
import { InvalidImageError } from './invalid-image.error.js';

/** Decoded pixels: 8-bit sRGB, three interleaved channels, no alpha, row by row. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface DecodeOptions {
  /** Images with more pixels than this are refused from their header, before decoding. */
  maxPixels: number;
  /** Resize while decoding; JPEG then shrinks as it reads, which is far cheaper than decoding in full. */
  resize?: ResizeOptions;
}

/**
 * Decodes any accepted image the same way: turned upright by its EXIF orientation, transparency
 * flattened onto white (a transparent PNG reads as white, not black), converted to sRGB.
 * @throws InvalidImageError when the bytes are not a decodable image within the pixel limit.
 */
export async function decodeRgb(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  try {
    let image = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'error' }).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
    if (options.resize) image = image.resize(options.resize);
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new InvalidImageError('unreadable', `cannot decode image: ${(error as Error).message}`, { cause: error });
  }
}

/** Shortest side of an image's preview, in pixels. */
export const THUMBNAIL_SIZE = 256;

/** Decoding at this size serves the preview and, downscaled again, the model's input. */
export const THUMBNAIL_RESIZE: Readonly<ResizeOptions> = Object.freeze({
  width: THUMBNAIL_SIZE,
  height: THUMBNAIL_SIZE,
  fit: 'outside',
  withoutEnlargement: true,
  kernel: 'cubic',
});

/** The preview shown in listings and search results: a WebP of already decoded pixels. */
export async function encodeThumbnail(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).webp({ quality: 80 }).toBuffer();
}
