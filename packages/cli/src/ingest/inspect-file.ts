import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { detectFileImageType, InvalidImageError } from '@sis/image/content-type';
import type { SourceEntry } from './walk.js';

/** A file known to be an accepted image, with what the server needs to presign it. */
export interface ImageFile {
  path: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  metadata?: Record<string, unknown>;
}

export type Inspection = { image: ImageFile } | { skipped: string } | { problem: string };

/**
 * Reads a file once for its hash, after its type: the bytes say whether it is an image (by
 * content, never by name), and every byte goes through SHA-256, which lets the server skip files
 * it already holds.
 */
export async function inspectFile(entry: SourceEntry): Promise<Inspection> {
  if (entry.problem) return { problem: entry.problem };
  let contentType: string;
  try {
    ({ contentType } = await detectFileImageType(entry.path));
  } catch (error) {
    if (error instanceof InvalidImageError) return { skipped: error.message };
    return { problem: `cannot read: ${(error as Error).message}` };
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(entry.path, { highWaterMark: 256 * 1024 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    return { problem: `cannot read: ${(error as Error).message}` };
  }
  const metadata = { ...(await readSidecar(entry.path)), ...entry.metadata };
  return {
    image: {
      path: entry.path,
      name: entry.name,
      size,
      contentType,
      sha256: hash.digest('hex'),
      ...(Object.keys(metadata).length ? { metadata } : {}),
    },
  };
}

/** Metadata from `photo.jpg.json` or `photo.json` next to the image, when there is one. */
async function readSidecar(path: string): Promise<Record<string, unknown>> {
  for (const candidate of [`${path}.json`, path.replace(/\.[^./]+$/, '.json')]) {
    if (candidate === path) continue;
    const text = await readFile(candidate, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // A sidecar that is not JSON is ignored; the image still goes in.
    }
  }
  return {};
}
