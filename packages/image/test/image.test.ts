import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeRgb, detectFileImageType, detectImageType, encodeThumbnail, inspectImage, InvalidImageError, readExif } from '../src/index.js';
import { colourImage, pngClaimingSize, TEST_COLOURS } from '../src/testing/index.js';

const reasonOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: unknown) => (error instanceof InvalidImageError ? error.reason : `other: ${String(error)}`));

describe('detectImageType', () => {
  it('names every accepted type by its magic bytes, whatever the file is called', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const { contentType } = await detectImageType(await colourImage('red', { format, width: 8, height: 8 }));
      expect(contentType).toBe(`image/${format}`);
    }
  });

  it('recognises a TIFF whose directory lies past its first kilobytes', async () => {
    const tiff = await colourImage('blue', { format: 'tiff', width: 640, height: 480 });
    expect(tiff.readUInt32LE(4), 'sharp writes the TIFF directory after the pixels').toBeGreaterThan(4100);
    expect(await detectImageType(tiff)).toEqual({ contentType: 'image/tiff', extension: 'tif' });
    expect(await inspectImage(tiff, { maxPixels: 1e6 })).toEqual({ contentType: 'image/tiff', width: 640, height: 480 });
    const dir = await mkdtemp(join(tmpdir(), 'sis-image-'));
    await writeFile(join(dir, 'scan.tif'), tiff);
    expect(await detectFileImageType(join(dir, 'scan.tif'))).toEqual({ contentType: 'image/tiff', extension: 'tif' });
  });

  it('refuses empty files, unknown bytes and known types that are not accepted images, each with its reason', async () => {
    expect(await reasonOf(detectImageType(new Uint8Array(0)))).toBe('empty');
    expect(await reasonOf(detectImageType(Buffer.from('plain words, no magic')))).toBe('not_an_image');
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
    const error = await detectImageType(pdf).catch((e: unknown) => e as InvalidImageError);
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error).toMatchObject({ reason: 'unsupported_type', message: expect.stringMatching(/^application\/pdf is not an accepted image type/) });
    const dir = await mkdtemp(join(tmpdir(), 'sis-image-'));
    await writeFile(join(dir, 'empty.jpg'), '');
    await writeFile(join(dir, 'doc.pdf'), pdf);
    expect(await reasonOf(detectFileImageType(join(dir, 'empty.jpg')))).toBe('empty');
    expect(await reasonOf(detectFileImageType(join(dir, 'doc.pdf')))).toBe('unsupported_type');
    await expect(detectFileImageType(join(dir, 'missing.jpg'))).rejects.toThrow(/ENOENT/);
  });
});

describe('inspectImage', () => {
  it('gives the type and size from the header', async () => {
    expect(await inspectImage(await colourImage('green', { format: 'png', width: 33, height: 22 }), { maxPixels: 10_000 })).toEqual({ contentType: 'image/png', width: 33, height: 22 });
  });

  it('refuses a decompression bomb from its header, and a header that cannot be read', async () => {
    await expect(inspectImage(pngClaimingSize(100_000, 100_000), { maxPixels: 20_000_000 })).rejects.toThrow('the image is 100000×100000 = 10000000000 pixels, over the limit of 20000000');
    const jpeg = await colourImage('red', { width: 64, height: 64 });
    expect(await reasonOf(inspectImage(jpeg.subarray(0, 20), { maxPixels: 1e6 }))).toBe('unreadable');
  });
});

describe('readExif', () => {
  it('reads camera tags under their usual names, and null when there are none', async () => {
    const tagged = await colourImage('red', { exif: { Make: 'TestCam', Model: 'T1000' } });
    expect(await readExif(tagged)).toMatchObject({ Make: 'TestCam', Model: 'T1000' });
    expect(await readExif(await colourImage('red', { format: 'png' }))).toBeNull();
    expect(await readExif(Buffer.from('not an image'))).toBeNull();
  });
});

describe('decodeRgb and thumbnails', () => {
  it('decodes to upright sRGB with transparency on white', async () => {
    const transparent = await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const white = await decodeRgb(transparent, { maxPixels: 1000 });
    expect(white).toMatchObject({ width: 10, height: 10 });
    expect(white.data.length).toBe(300);
    expect(Math.min(...white.data)).toBe(255);
    const sideways = await sharp(await colourImage('blue', { width: 40, height: 20 })).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect(await decodeRgb(sideways, { maxPixels: 1000 })).toMatchObject({ width: 20, height: 40 });
  });

  it('refuses what it cannot decode, and more pixels than allowed', async () => {
    expect(await reasonOf(decodeRgb(Buffer.from('nope'), { maxPixels: 1000 }))).toBe('unreadable');
    await expect(decodeRgb(await colourImage('red', { width: 100, height: 100 }), { maxPixels: 9999 })).rejects.toThrow(/pixel limit/i);
  });

  it('shrinks while decoding to what the caller needs, and only an image at least twice that', async () => {
    const needs = ({ width, height }: { width: number; height: number }) => ({ width: Math.round(width / 8), height: Math.round(height / 8) });
    const big = await decodeRgb(await colourImage('green', { width: 1600, height: 1200 }), { maxPixels: 1e7, needs });
    expect(big).toMatchObject({ width: 200, height: 150 });
    // Upright sizes: a portrait stored sideways is asked for with its height as the long side.
    const sideways = await sharp(await colourImage('green', { width: 1600, height: 1200 })).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const seen: { width: number; height: number }[] = [];
    const upright = await decodeRgb(sideways, { maxPixels: 1e7, needs: (size) => (seen.push(size), { width: 600, height: 800 }) });
    expect(seen).toEqual([{ width: 1200, height: 1600 }]);
    expect(upright).toMatchObject({ width: 600, height: 800 });
    const small = await decodeRgb(await colourImage('green', { width: 300, height: 200 }), { maxPixels: 1e7, needs: () => ({ width: 200, height: 150 }) });
    expect(small).toMatchObject({ width: 300, height: 200 });
  });

  it('makes a 256-pixel WebP preview, never enlarging a smaller image', async () => {
    const photo = await decodeRgb(await colourImage('green', { width: 640, height: 480 }), { maxPixels: 1e6 });
    expect(await sharp(await encodeThumbnail(photo)).metadata()).toMatchObject({ format: 'webp', width: 341, height: 256 });
    const tiny = await decodeRgb(await colourImage('red', { format: 'png', width: 40, height: 30 }), { maxPixels: 1e6 });
    expect(await sharp(await encodeThumbnail(tiny)).metadata()).toMatchObject({ width: 40, height: 30 });
  });
});

describe('test images', () => {
  it('are painted in the named colour, with a band of another', async () => {
    const { data, width, height } = await decodeRgb(await colourImage('red', { format: 'png', width: 8, height: 8, band: 'white' }), { maxPixels: 1000 });
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    expect(pixel(0, 0)).toEqual([...TEST_COLOURS.red!]);
    expect(pixel(0, height / 2)).toEqual([...TEST_COLOURS.white!]);
    await expect(colourImage('chartreuse')).rejects.toThrow('unknown colour chartreuse');
  });
});
