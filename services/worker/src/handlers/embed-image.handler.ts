import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { decodeRgb, encodeThumbnail, inspectImage, InvalidImageError, readExif } from '@sis/image';
import type { Logger } from '@sis/config';
import { ServiceUnavailableError } from '@sis/contracts';
import type { ImageRecord, ImageRepository } from '@sis/db';
import type { Size } from '@sis/clip';
import { JOB_NAMES, type EmbedJob, type JobHandler } from '@sis/queue';
import { thumbnailKey, type ObjectStorage } from '@sis/storage';
import { inSpan } from '@sis/telemetry';
import type { ReadyWriter } from '../ready-writer.js';
import type { HeldModel } from '../worker-models.js';
import { readObject } from './read-object.js';
import type { Stage, WorkerMetrics } from '../worker-metrics.js';

/** What became of one job. */
export type JobOutcome = 'success' | 'duplicate' | 'skipped';

export interface EmbedImageHandlerOptions {
  images: ImageRepository;
  /** Marks images ready, gathering the writes of jobs that finish together. */
  ready: ReadyWriter;
  storage: ObjectStorage;
  /** The models the worker holds, the active one first: each new image gets a vector from every one. */
  models: () => HeldModel[];
  /** The active model when the worker does not hold it: images wait rather than be missing from search. */
  activeMissing: () => { id: number; source: string } | undefined;
  /** Images with more pixels than this fail from their header, before decoding (MAX_PIXELS). */
  maxPixels: number;
  metrics: WorkerMetrics;
  logger: Logger;
}

/**
 * Handles `embed-image`: turns one uploaded object into a stored vector. Every object is treated
 * as hostile until proven otherwise: its size must be what was declared, its magic bytes an
 * accepted type matching the declared one, its header within the pixel limit, all before any
 * decoding. Idempotent: an image that is no longer queued or processing is skipped, and the
 * final write only lands on an image still processing.
 */
export class EmbedImageHandler implements JobHandler<JobOutcome> {
  readonly jobName = JOB_NAMES.embedImage;
  readonly #options: Readonly<EmbedImageHandlerOptions>;

  constructor(options: EmbedImageHandlerOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /**
   * @returns the outcome; throws UnrecoverableError for a bad image (stored as its reason), and
   * the original error for a transient failure, which BullMQ retries with backoff.
   */
  async handle(job: EmbedJob): Promise<JobOutcome> {
    const { images, logger } = this.#options;
    const { imageId, requestId } = job.data;
    const log = logger.child({ imageId, requestId, attempt: job.attemptsMade + 1 });

    const image = await images.startProcessing(imageId);
    if (!image) {
      log.info('skipped: image is gone or no longer waiting to be embedded');
      return 'skipped';
    }
    // The SHA-256 of the bytes that really arrived, once read: a failed image keeps only that, so
    // a hash someone merely claimed can never make the file it names look failed or held.
    let verifiedSha256: string | null = null;
    try {
      const bytes = await this.#stage('fetch', () => readObject(this.#options.storage, image.object_key, image.declared_size));
      verifiedSha256 = createHash('sha256').update(bytes).digest('hex');
      // A hash the client declared at upload (for resumable ingests) must be the hash of what arrived.
      if (image.sha256 && image.sha256 !== verifiedSha256) {
        throw new InvalidImageError('hash_mismatch', `the file's SHA-256 is ${verifiedSha256}, not the declared ${image.sha256}`);
      }
      const outcome = await this.#embed(image, bytes, verifiedSha256);
      log.info({ outcome }, 'embedded');
      return outcome;
    } catch (error) {
      // A dependency is away: the job processor postpones the job without spending an attempt,
      // and the row, still processing, is claimed again when the job comes back.
      if (error instanceof ServiceUnavailableError) throw error;
      if (error instanceof InvalidImageError) {
        await images.markFailed(imageId, error.message, verifiedSha256);
        log.warn({ reason: error.message }, 'rejected image');
        throw new UnrecoverableError(error.message);
      }
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await images.markFailed(imageId, `gave up after ${attempts} attempts: ${(error as Error).message}`, verifiedSha256);
      } else {
        // Back to queued while BullMQ waits out the backoff, so listings say what is happening.
        await images.transition(imageId, ['processing'], 'queued');
      }
      log.warn({ err: error }, 'embedding failed; BullMQ decides whether to retry');
      throw error;
    }
  }

  async #embed(image: ImageRecord, bytes: Buffer, sha256: string): Promise<JobOutcome> {
    const { images, storage, maxPixels } = this.#options;
    const models = this.#options.models();
    const missing = this.#options.activeMissing();
    // The job waits without spending an attempt, and the worker takes no new jobs for a while.
    if (missing) throw new ServiceUnavailableError('model_unavailable', `this worker has not loaded the active model ${missing.id} (${missing.source})`);
    if (models.length === 0) throw new ServiceUnavailableError('model_unavailable', 'no model is loaded yet');
    const inspection = await this.#stage('inspect', () => inspectImage(bytes, { maxPixels }));
    if (inspection.contentType !== image.content_type) {
      throw new InvalidImageError('type_mismatch', `the file is ${inspection.contentType} but was declared as ${image.content_type}`);
    }
    const facts = {
      sha256,
      width: inspection.width,
      height: inspection.height,
      actualSize: bytes.length,
      exif: await readExif(bytes),
    };
    // One decode serves all: each model's input is resampled once from it, as the model's own
    // preprocessing does from the original, and the preview from the same buffer.
    const [thumbnail, ...pixels] = await this.#stage('decode', async () => {
      const decoded = await decodeRgb(bytes, { maxPixels, needs: largestNeeds(models) });
      return Promise.all([encodeThumbnail(decoded), ...models.map(({ clip }) => clip.preprocessor.fromRgb(decoded))]);
    });
    await this.#stage('write', () => storage.put(thumbnailKey(image.id), thumbnail, 'image/webp', thumbnail.length));

    const original = await images.findReadyBySha256(facts.sha256, image.id, models.map(({ id }) => id));
    if (original) {
      const written = await this.#stage('write', () => images.markReadyAsDuplicate(image.id, { ...facts, duplicateOf: original.id }));
      return written ? 'duplicate' : 'skipped';
    }
    const embeddings = await this.#stage('infer', () => Promise.all(models.map(({ batcher }, i) => batcher.embed(pixels[i]!))));
    const vectors = models.map(({ id }, i) => ({ modelId: id, embedding: embeddings[i]! }));
    const written = await this.#stage('write', () => this.#options.ready.markReady({ id: image.id, ...facts, model: models[0]!.source, vectors }));
    return written ? 'success' : 'skipped';
  }

  /** Runs one stage of the job, timed into its histogram and in a span of its own. */
  #stage<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    return inSpan(`embed ${stage}`, {}, () => this.#options.metrics.time(stage, work));
  }
}

/** The decode size that serves every model: the largest each one needs. */
export function largestNeeds(models: readonly HeldModel[]): (upright: Size) => Size {
  return (upright) =>
    models.reduce<Size>((largest, { clip }) => {
      const needed = clip.preprocessor.decodeNeeds(upright);
      return { width: Math.max(largest.width, needed.width), height: Math.max(largest.height, needed.height) };
    }, { width: 0, height: 0 });
}
