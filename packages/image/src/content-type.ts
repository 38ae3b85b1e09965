import { stat } from 'node:fs/promises';
import { ACCEPTED_CONTENT_TYPES, type AcceptedContentType } from '@sis/contracts';
import { fileTypeFromBuffer, fileTypeFromFile, type FileTypeResult } from 'file-type';
import { InvalidImageError } from './invalid-image.error.js';

/** What a file's magic bytes say it is. */
export interface DetectedImageType {
  contentType: AcceptedContentType;
  /** The format's usual file extension, e.g. `jpg`. */
  extension: string;
}

const ACCEPTED = new Set<string>(ACCEPTED_CONTENT_TYPES);

/**
 * The image type that bytes' magic numbers name, never a file name or a declared type. Give it
 * the whole file: some formats (TIFF) keep what identifies them at the end.
 * @throws InvalidImageError (`empty`, `not_an_image` or `unsupported_type`) in words fit for the uploader.
 */
export async function detectImageType(bytes: Uint8Array): Promise<DetectedImageType> {
  if (bytes.length === 0) throw new InvalidImageError('empty', 'the file is empty');
  return accepted(await fileTypeFromBuffer(bytes));
}

/**
 * The same for a file on disk, reading only the bytes the format needs (the header, and for a
 * TIFF its directory wherever it lies). Kept free of the decoder, so the CLI can sort files
 * without loading libvips.
 * @throws InvalidImageError as {@link detectImageType}; the file system's own error when it cannot be read.
 */
export async function detectFileImageType(path: string): Promise<DetectedImageType> {
  if ((await stat(path)).size === 0) throw new InvalidImageError('empty', 'the file is empty');
  return accepted(await fileTypeFromFile(path));
}

// The error this module throws, for callers that import only this entry (the CLI).
export { InvalidImageError };

function accepted(type: FileTypeResult | undefined): DetectedImageType {
  if (!type) throw new InvalidImageError('not_an_image', 'the file is not an image (its first bytes match no known format)');
  if (!ACCEPTED.has(type.mime)) throw new InvalidImageError('unsupported_type', `${type.mime} is not an accepted image type (accepted: ${ACCEPTED_CONTENT_TYPES.join(', ')})`);
  return { contentType: type.mime as AcceptedContentType, extension: type.ext };
}
