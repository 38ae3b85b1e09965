import {
  NotFoundError,
  toImageDetail,
  toImageSummary,
  fieldError,
  type ImageDetail,
  type ImageStatus,
  type ImageSummary,
  type ImageUrls,
  type ListImagesQuery,
  type ListImagesResponse,
} from '@sis/contracts';
import type { ImageRecord, ImageRepository } from '@sis/db';
import type { EmbedQueue } from '@sis/queue';
import { stagingKey, thumbnailKey, type ObjectStorage } from '@sis/storage';
import type { GatewayMetrics } from '../gateway-metrics.js';

/** Lifetime of the download URLs put into image records, in seconds. */
export const DOWNLOAD_URL_SECONDS = 900;

export interface ImageServiceOptions {
  images: ImageRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  metrics: GatewayMetrics;
}

/** Reading and deleting images. */
export class ImageService {
  readonly #options: Readonly<ImageServiceOptions>;

  constructor(options: ImageServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async get(id: string): Promise<ImageDetail> {
    return this.detail(await this.#find(id));
  }

  /** An image as the API shows it, with short-lived URLs for whatever there is to download. */
  async detail(image: ImageRecord): Promise<ImageDetail> {
    return toImageDetail(image, await this.#urls(image));
  }

  async summary(image: ImageRecord): Promise<ImageSummary> {
    return toImageSummary(image, (await this.#urls(image)).thumbnailUrl);
  }

  /** A short-lived URL of an image's preview; the worker makes it before marking the image ready. */
  thumbnailUrl(id: string): Promise<string> {
    return this.#sign(thumbnailKey(id));
  }

  /** The original once uploaded; the thumbnail once the worker has made it (it does so before marking ready). */
  async #urls(image: ImageRecord): Promise<ImageUrls> {
    return {
      url: image.status === 'pending_upload' ? null : await this.#sign(image.object_key),
      thumbnailUrl: image.status === 'ready' ? await this.thumbnailUrl(image.id) : null,
    };
  }

  #sign(key: string): Promise<string> {
    return this.#options.storage.presignGet(key, DOWNLOAD_URL_SECONDS);
  }

  async list(query: ListImagesQuery): Promise<ListImagesResponse> {
    const rows = await this.#options.images.list({ status: query.status, batchId: query.batchId, limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: await Promise.all(page.map((row) => this.summary(row))), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  /**
   * Removes an image everywhere: its queued job, its row and vector, then its object. The job goes
   * first so no worker starts on an image about to vanish; one already running finds the row gone
   * and skips.
   */
  async delete(id: string): Promise<ImageRecord> {
    await this.#find(id);
    await this.#options.queue.remove(id).catch(() => false);
    const deleted = await this.#options.images.delete(id);
    if (!deleted) throw new NotFoundError('image_not_found', `no image with id ${id}`);
    await this.#removeStored(deleted);
    return deleted;
  }

  /**
   * Removes an image only while it is in one of `states`, decided by the delete itself: a
   * request that changed its state meanwhile (a retry) keeps it. Here the row goes before the
   * job, so an image that stays keeps its job; a worker that starts on the job of one that went
   * finds the row gone and skips.
   * @returns the deleted image, or undefined when there was none in those states.
   */
  async deleteIf(id: string, states: readonly ImageStatus[]): Promise<ImageRecord | undefined> {
    const deleted = await this.#options.images.delete(id, states);
    if (!deleted) return undefined;
    await this.#options.queue.remove(id).catch(() => false);
    await this.#removeStored(deleted);
    return deleted;
  }

  async #removeStored(image: ImageRecord): Promise<void> {
    const { storage } = this.#options;
    await Promise.all([storage.delete(image.object_key), storage.delete(thumbnailKey(image.id)), storage.delete(stagingKey(image.id, image.content_type))]);
    this.#options.metrics.imagesDeleted.inc();
  }

  async #find(id: string): Promise<ImageRecord> {
    const image = await this.#options.images.findById(id);
    if (!image) throw new NotFoundError('image_not_found', `no image with id ${id}`);
    return image;
  }
}

/** Cursors are opaque to clients: the last row's (created_at, id), base64url-encoded. */
function encodeCursor(row: ImageRecord): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw fieldError('cursor', 'is not a cursor this API returned');
  }
}
