import { ACCEPTED_CONTENT_TYPES, type AcceptedContentType } from '@sis/contracts';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { InvalidImageError } from '../errors/index.js';

/** What the bytes turned out to be, read from their magic bytes and header without decoding. */
export interface ImageInspection {
  contentType: AcceptedContentType;
  width: number;
  height: number;
}

const ACCEPTED = new Set<string>(ACCEPTED_CONTENT_TYPES);

/**
 * Checks untrusted bytes before anything decodes them: the magic bytes must name an accepted
 * type, and the header's width × height must be within `maxPixels`. Reads headers only, so a
 * hostile file declaring a gigantic canvas costs nothing.
 * @throws InvalidImageError saying what is wrong, in words fit for the uploader.
 */
export async function inspectImage(bytes: Uint8Array, options: { maxPixels: number }): Promise<ImageInspection> {
  if (bytes.length === 0) throw new InvalidImageError('empty', 'the file is empty');
  const type = await fileTypeFromBuffer(bytes);
  if (!type) throw new InvalidImageError('not_an_image', 'the file is not an image (its first bytes match no known format)');
  if (!ACCEPTED.has(type.mime)) throw new InvalidImageError('unsupported_type', `${type.mime} is not an accepted image type (accepted: ${ACCEPTED_CONTENT_TYPES.join(', ')})`);

  let width: number | undefined;
  let height: number | undefined;
  try {
    // No pixel limit here: metadata() only reads the header, and the limit is checked below
    // with a message that gives the numbers.
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new InvalidImageError('unreadable', `the ${type.ext.toUpperCase()} header cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!width || !height) throw new InvalidImageError('unreadable', 'the image header gives no dimensions');
  if (width * height > options.maxPixels) {
    throw new InvalidImageError('too_many_pixels', `the image is ${width}×${height} = ${width * height} pixels, over the limit of ${options.maxPixels}`);
  }
  return { contentType: type.mime as AcceptedContentType, width, height };
}
