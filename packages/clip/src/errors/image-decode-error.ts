/**
 * Thrown when bytes cannot be turned into an image: not an image, truncated, corrupt, or larger
 * than the pixel limit. Retrying cannot help, so callers treat it as a permanent failure.
 */
export class ImageDecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}
