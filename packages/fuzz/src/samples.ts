import { colourImage, pngClaimingSize, type ImageFormat } from '@sis/image/testing';

/** A file as a multipart form carries it. */
export interface FileSample {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

const FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'];

/**
 * Files for binary form fields: a small real image in every accepted format (so uploads can get
 * all the way through the worker), one with EXIF, a PNG whose header claims ten billion pixels,
 * and text dressed as an image. Mutations cut and relabel these.
 */
export async function fileSamples(): Promise<FileSample[]> {
  const images = await Promise.all(
    FORMATS.map(async (format, i) => ({
      filename: `sample-${i}.${format}`,
      contentType: `image/${format}`,
      bytes: await colourImage(i % 2 ? 'red' : 'blue', { format, width: 48, height: 32, ...(format === 'jpeg' ? { exif: { Make: 'FuzzCam', Model: 'F1' } } : {}) }),
    })),
  );
  return [
    ...images,
    { filename: 'bomb.png', contentType: 'image/png', bytes: pngClaimingSize(100_000, 100_000) },
    { filename: 'notes.jpg', contentType: 'image/jpeg', bytes: new TextEncoder().encode('not an image at all\n') },
  ];
}
