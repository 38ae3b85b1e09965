import { randomUUID } from 'node:crypto';
import type { ImageRecord, ImageRepository } from '@sis/db';
import { migrateDatabase } from './migrate.js';

/**
 * Creates and migrates a database of its own next to the one in `baseUrl`, so a test file sees
 * only its own rows, with the same migrate command production runs. Test runs are throwaway
 * clusters; nothing cleans these up.
 * @returns the new database's URL.
 */
export async function freshDatabase(baseUrl: string, label = 'test'): Promise<string> {
  const url = new URL(baseUrl);
  url.pathname = `/${label}_${randomUUID().slice(0, 8)}`;
  await migrateDatabase(url.toString(), { createDatabase: true });
  return url.toString();
}

/** Waits until an image is ready or failed, and returns it; throws after `timeoutMs`. */
export async function settledImage(images: ImageRepository, id: string, timeoutMs = 30_000): Promise<ImageRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const image = await images.findById(id);
    if (image && (image.status === 'ready' || image.status === 'failed')) return image;
    if (Date.now() > deadline) throw new Error(`image ${id} still ${image?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
