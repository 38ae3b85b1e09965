import {
  NotFoundError,
  toImageDetail,
  toImageSummary,
  ValidationError,
  type ImageDetail,
  type ImageSummary,
  type ImageUrls,
  type ListImagesQuery,
  type ListImagesResponse,
  type SearchResponse,
} from '@sis/contracts';
import type { ImageRecord, ImageRepository } from '@sis/db';
import type { EmbedQueue } from '@sis/queue';
import { thumbnailKey, type ObjectStorage } from '@sis/storage';
import type { GatewayMetrics } from '../gateway-metrics.js';

/** Lifetime of the download URLs put into image records, in seconds. */
export const DOWNLOAD_URL_SECONDS = 900;

export interface ImageServiceProps {
  images: ImageRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  metrics: GatewayMetrics;
}

/** Reading and deleting images. */
export class ImageService {
  readonly #props: Readonly<ImageServiceProps>;

  constructor(props: ImageServiceProps) {
    this.#props = Object.freeze({ ...props });
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

  /** Adds thumbnail URLs to search results (the search service does not sign storage URLs). */
  async withThumbnails(response: SearchResponse): Promise<SearchResponse> {
    const results = await Promise.all(
      response.results.map(async (result) => ({ ...result, image: { ...result.image, thumbnailUrl: await this.#sign(thumbnailKey(result.image.id)) } })),
    );
    return { ...response, results };
  }

  /** The original once uploaded; the thumbnail once the worker has made it (it does so before marking ready). */
  async #urls(image: ImageRecord): Promise<ImageUrls> {
    return {
      url: image.status === 'pending_upload' ? null : await this.#sign(image.object_key),
      thumbnailUrl: image.status === 'ready' ? await this.#sign(thumbnailKey(image.id)) : null,
    };
  }

  #sign(key: string): Promise<string> {
    return this.#props.storage.presignGet(key, DOWNLOAD_URL_SECONDS);
  }

  async list(query: ListImagesQuery): Promise<ListImagesResponse> {
    const rows = await this.#props.images.list({ status: query.status, batchId: query.batchId, limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
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
    const image = await this.#find(id);
    await this.#props.queue.remove(id).catch(() => false);
    const deleted = await this.#props.images.delete(id);
    if (!deleted) throw new NotFoundError('image_not_found', `no image with id ${id}`);
    await Promise.all([this.#props.storage.delete(image.object_key), this.#props.storage.delete(thumbnailKey(image.id))]);
    this.#props.metrics.imagesDeleted.inc();
    return deleted;
  }

  async #find(id: string): Promise<ImageRecord> {
    const image = await this.#props.images.findById(id);
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
    throw new ValidationError('validation_failed', 'cursor: is not a cursor this API returned', [{ field: 'cursor', message: 'is not a cursor this API returned' }]);
  }
}
