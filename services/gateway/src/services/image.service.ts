import { NotFoundError, toImageDetail, toImageSummary, ValidationError, type ImageDetail, type ListImagesQuery, type ListImagesResponse } from '@sis/contracts';
import type { ImageRecord, ImageRepository } from '@sis/db';
import type { EmbedQueue } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
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

  /** An image as the API shows it, with a short-lived download URL once there is something to download. */
  async detail(image: ImageRecord): Promise<ImageDetail> {
    const url = image.status === 'pending_upload' ? null : await this.#props.storage.presignGet(image.object_key, DOWNLOAD_URL_SECONDS);
    return toImageDetail(image, url);
  }

  async list(query: ListImagesQuery): Promise<ListImagesResponse> {
    const rows = await this.#props.images.list({ status: query.status, batchId: query.batchId, limit: query.limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toImageSummary), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
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
    await this.#props.storage.delete(image.object_key);
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
