import type { AcceptedContentType } from '@sis/contracts';
import sharp from 'sharp';
import { detectImageType } from './content-type.js';
import { InvalidImageError } from './invalid-image.error.js';

/** What the bytes turned out to be, read from their magic bytes and header without decoding. */
export interface ImageInspection {
  contentType: AcceptedContentType;
  width: number;
  height: number;
}

/**
 * Checks untrusted bytes before anything decodes them: the magic bytes must name an accepted
 * type, and the header's width × height must be within `maxPixels`. Reads headers only, so a
 * hostile file declaring a gigantic canvas costs nothing.
 * @throws InvalidImageError saying what is wrong, in words fit for the uploader.
 */
export async function inspectImage(bytes: Uint8Array, options: { maxPixels: number }): Promise<ImageInspection> {
  const { contentType, extension } = await detectImageType(bytes);
  let width: number | undefined;
  let height: number | undefined;
  try {
    // No pixel limit here: metadata() only reads the header, and the limit is checked below
    // with a message that gives the numbers.
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new InvalidImageError('unreadable', `the ${extension.toUpperCase()} header cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!width || !height) throw new InvalidImageError('unreadable', 'the image header gives no dimensions');
  if (width * height > options.maxPixels) {
    throw new InvalidImageError('too_many_pixels', `the image is ${width}×${height} = ${width * height} pixels, over the limit of ${options.maxPixels}`);
  }
  return { contentType, width, height };
}
