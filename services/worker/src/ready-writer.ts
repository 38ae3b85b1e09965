import DataLoader from 'dataloader';
import type { ImageRecord, ImageRepository, ReadyImageWrite } from '@sis/db';

/**
 * Marks embedded images ready in batches. The jobs of one model batch get their vectors in the
 * same tick, so their writes are gathered (DataLoader, flushed on the next turn of the event
 * loop) into one transaction of a fixed handful of statements instead of six round trips each.
 * A batch that fails is written again image by image, so an error reaches only its own image.
 */
export class ReadyWriter {
  readonly #loader: DataLoader<ReadyImageWrite, ImageRecord | undefined>;

  constructor(images: ImageRepository, maxBatch: number) {
    this.#loader = new DataLoader(
      async (items) => {
        try {
          return await images.markReadyMany(items);
        } catch (error) {
          if (items.length === 1) throw error;
          return Promise.all(items.map((item) => images.markReady(item.id, item).catch((itemError: unknown) => asError(itemError))));
        }
      },
      { cache: false, maxBatchSize: maxBatch, batchScheduleFn: (write) => setImmediate(write) },
    );
  }

  /** @returns the image's row, or undefined when it was no longer processing. */
  markReady(image: ReadyImageWrite): Promise<ImageRecord | undefined> {
    return this.#loader.load(image);
  }
}

/** DataLoader fails a single load only for an Error instance in the batch's results. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
