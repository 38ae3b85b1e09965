/** Why bytes were refused: the code clients see, next to a sentence for people. */
export type InvalidImageReason = 'empty' | 'not_an_image' | 'unsupported_type' | 'type_mismatch' | 'too_many_pixels' | 'unreadable' | 'size_mismatch' | 'hash_mismatch' | 'missing';

/**
 * Thrown when bytes are not an image sis accepts: not an image at all, a type outside the
 * accepted list, truncated or corrupt, or more pixels than allowed. Retrying cannot help, so
 * callers treat it as a permanent failure and show `message` to the person who uploaded it.
 */
export class InvalidImageError extends Error {
  constructor(
    readonly reason: InvalidImageReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidImageError';
  }
}
