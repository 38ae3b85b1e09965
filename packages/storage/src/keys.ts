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

/** The uploaded original. */
export function imageKey(imageId: string, contentType: string): string {
  return `images/${imageId}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

/** The worker's 256-pixel WebP preview of an image. */
export function thumbnailKey(imageId: string): string {
  return `thumbnails/${imageId}.webp`;
}
