import type { Config } from '@sis/config';
import {
  ACCEPTED_CONTENT_TYPES,
  MetadataSchema,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  validationError,
  fieldError,
  ValidationError,
  type CreateUploadRequest,
} from '@sis/contracts';
import { inspectImage, InvalidImageError } from '@sis/image';

/**
 * What an upload must be before anything is stored for it, whichever way it arrives.
 * @throws UnsupportedMediaTypeError for a type sis does not take; PayloadTooLargeError over the size limit.
 */
export function checkAcceptable(request: CreateUploadRequest, limits: Config['limits']): void {
  if (!(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(request.contentType)) {
    throw new UnsupportedMediaTypeError('unsupported_content_type', `contentType: ${request.contentType} is not accepted; use one of ${ACCEPTED_CONTENT_TYPES.join(', ')}`);
  }
  if (request.size > limits.maxUploadBytes) {
    throw new PayloadTooLargeError('file_too_large', `size: ${request.size} bytes is over the limit of ${limits.maxUploadBytes}`);
  }
}

/**
 * The content type of bytes sent through the gateway, read from their magic bytes and header
 * (never from the client's word), with the pixel limit applied. Errors name `field`, the form's.
 * @throws UnsupportedMediaTypeError when they are not an image sis reads; ValidationError when the image is broken or too large.
 */
export async function directUploadType(bytes: Buffer, limits: Config['limits'], field = 'file'): Promise<string> {
  try {
    return (await inspectImage(bytes, { maxPixels: limits.maxPixels })).contentType;
  } catch (error) {
    if (!(error instanceof InvalidImageError)) throw error;
    if (['empty', 'not_an_image', 'unsupported_type'].includes(error.reason)) throw new UnsupportedMediaTypeError('unsupported_image', `${field}: ${error.message}`);
    throw new ValidationError('invalid_image', `${field}: ${error.message}`);
  }
}

/** A form field holding a JSON object, checked against the metadata contract. */
export function parseMetadataField(value: unknown): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw fieldError('metadata', 'must be a JSON object');
  }
  const result = MetadataSchema.safeParse(parsed);
  if (!result.success) throw validationError(result.error, parsed, 'metadata');
  return result.data;
}
