import { ACCEPTED_CONTENT_TYPES, type AcceptedContentType } from '@sis/contracts';
import { fileTypeFromBuffer } from 'file-type';
import { InvalidImageError } from './invalid-image.error.js';

/** Enough of a file's start for file-type to recognise every accepted image format. */
export const SNIFF_BYTES = 4100;

const ACCEPTED = new Set<string>(ACCEPTED_CONTENT_TYPES);

/**
 * The image type that a file's magic bytes name, never its name or a declared type. Only the
 * first {@link SNIFF_BYTES} are read, so a caller streaming a large file can pass its first chunk.
 * Kept free of the decoder so the CLI can sort files without loading libvips.
 * @throws InvalidImageError (`empty`, `not_an_image` or `unsupported_type`) in words fit for the uploader.
 */
export async function detectImageType(bytes: Uint8Array): Promise<AcceptedContentType> {
  if (bytes.length === 0) throw new InvalidImageError('empty', 'the file is empty');
  const type = await fileTypeFromBuffer(bytes.subarray(0, SNIFF_BYTES));
  if (!type) throw new InvalidImageError('not_an_image', 'the file is not an image (its first bytes match no known format)');
  if (!ACCEPTED.has(type.mime)) throw new InvalidImageError('unsupported_type', `${type.mime} is not an accepted image type (accepted: ${ACCEPTED_CONTENT_TYPES.join(', ')})`);
  return type.mime as AcceptedContentType;
}
