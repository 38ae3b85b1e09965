/**
 * Where things live in the bucket. Keys are built only from image ids and fixed extensions, never
 * from anything a client wrote, so a hostile filename cannot become a path.
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/tiff': 'tiff',
};

/** The original, as stored for good: written only by the services, never by a presigned URL. */
export function imageKey(imageId: string, contentType: string): string {
  return `images/${imageId}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

/** Where uploads through presigned URLs land; every object under it is transient. */
export const STAGING_PREFIX = 'uploads/';

/**
 * Where a client PUTs an image through its presigned URL. Completion copies it to
 * {@link imageKey}, so a URL still valid after completion (or after a delete) can change
 * nothing that is stored, served or embedded.
 */
export function stagingKey(imageId: string, contentType: string): string {
  return `${STAGING_PREFIX}${imageId}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

/** The worker's 256-pixel WebP preview of an image. */
export function thumbnailKey(imageId: string): string {
  return `thumbnails/${imageId}.webp`;
}
