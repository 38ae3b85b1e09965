import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from '@sis/config';
import type { ImageRepository } from '@sis/db';
import { decodeRgb, InvalidImageError } from '@sis/image';
import { JOB_NAMES, type JobHandler, type ReembedJob } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import type { HeldModel } from '../worker-models.js';
import type { JobOutcome } from './embed-image.handler.js';
import { readObject } from './read-object.js';

export interface ReembedImageHandlerOptions {
  images: ImageRepository;
  storage: ObjectStorage;
  /** The model by id, loaded if need be; undefined when it is no longer live. */
  model: (id: number) => Promise<HeldModel | undefined>;
  maxPixels: number;
  logger: Logger;
}

/**
 * Handles `reembed-image`: gives an image that is ready already a vector from one more model,
 * while a new model fills in. The image's checks were passed at upload, but the bytes are read
 * again from storage, so they must still be the bytes that were checked (their SHA-256). An image
 * deleted meanwhile, no longer ready, or holding this model's vector already is skipped, as is a
 * model retired meanwhile; the write itself lands only on an image still ready.
 */
export class ReembedImageHandler implements JobHandler<JobOutcome> {
  readonly jobName = JOB_NAMES.reembedImage;
  readonly #options: Readonly<ReembedImageHandlerOptions>;

  constructor(options: ReembedImageHandlerOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async handle(job: ReembedJob): Promise<JobOutcome> {
    const { images, storage, maxPixels } = this.#options;
    const { imageId, modelId } = job.data;
    const model = await this.#options.model(modelId);
    const image = model && (await images.findById(imageId));
    if (!model || image?.status !== 'ready' || (await images.hasVector(imageId, modelId))) return 'skipped';
    try {
      const bytes = await readObject(storage, image.object_key, image.actual_size ?? image.declared_size);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== image.sha256) throw new InvalidImageError('hash_mismatch', `the stored file's SHA-256 is ${sha256}, not the ${image.sha256} it had when it was embedded`);
      const decoded = await decodeRgb(bytes, { maxPixels, needs: model.clip.preprocessor.decodeNeeds });
      const embedding = await model.batcher.embed(await model.clip.preprocessor.fromRgb(decoded));
      return (await images.addVector(imageId, { modelId, embedding })) ? 'success' : 'skipped';
    } catch (error) {
      // The image stays ready with its other models' vectors; only this model's coverage shows the gap.
      if (error instanceof InvalidImageError) {
        this.#options.logger.warn({ imageId, modelId, reason: error.message }, 'cannot re-embed image');
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
