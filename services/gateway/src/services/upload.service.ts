import { randomUUID } from 'node:crypto';
import type { Config, Logger } from '@sis/config';
import {
  ConflictError,
  CreateUploadRequestSchema,
  fieldIssues,
  NotFoundError,
  toImageDetail,
  fieldError,
  type AppError,
  type BatchCompleteResponse,
  type BatchUploadResponse,
  type CreateUploadRequest,
  type CreateUploadResponse,
  type ImageDetail,
  type PresignedUpload,
} from '@sis/contracts';
import type { ImageRecord, ImageRepository, IngestBatchRepository } from '@sis/db';
import type { ReceivedFile } from '@sis/http';
import type { EmbedQueue } from '@sis/queue';
import { imageKey, stagingKey, type ObjectStorage } from '@sis/storage';
import { injectTrace } from '@sis/telemetry';
import pLimit from 'p-limit';
import type { GatewayMetrics } from '../gateway-metrics.js';
import type { ImageService } from './image.service.js';
import { checkAcceptable, directUploadType, parseMetadataField } from './upload-rules.js';

/** Storage calls a batch completion makes at once. */
const BATCH_COMPLETE_CONCURRENCY = 16;

export interface UploadServiceOptions {
  images: ImageRepository;
  batches: IngestBatchRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  /** Presents images as the API shows them. */
  imageService: ImageService;
  limits: Config['limits'];
  metrics: GatewayMetrics;
  logger: Logger;
}

/** A file that arrived through the gateway rather than a presigned PUT. */
export interface DirectUpload extends ReceivedFile {
  metadata?: Record<string, unknown>;
  /** Unique name, for the original service's routes. */
  name?: string;
}

/**
 * The upload rules: which files are accepted, how presigned uploads are issued and completed,
 * and how completion hands an image to the queue. Bytes normally go straight from the client to
 * S3; the gateway only signs for them and later checks what arrived.
 */
export class UploadService {
  readonly #options: Readonly<UploadServiceOptions>;

  constructor(options: UploadServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async createUpload(request: CreateUploadRequest): Promise<CreateUploadResponse> {
    checkAcceptable(request, this.#options.limits);
    const [created] = await this.#createPending([request], null);
    this.#options.metrics.uploadsCreated.inc();
    return created!;
  }

  /**
   * Presigns many uploads under one batch; items that fail validation are reported, not fatal.
   * Items that give a sha256 already held by an image are not uploaded again: an image still
   * waiting for its upload (an interrupted run) moves into this batch with a fresh URL, any
   * other (ready, queued, or failed with its reason) comes back as `existing` with no URL. This
   * is what makes a re-run of an ingest resume without uploading anything twice.
   */
  async createBatch(label: string | undefined, items: unknown[]): Promise<BatchUploadResponse> {
    const { images, batches, imageService, metrics } = this.#options;
    const valid: { index: number; request: CreateUploadRequest }[] = [];
    const results: BatchUploadResponse['items'] = [];
    items.forEach((item, index) => {
      const parsed = CreateUploadRequestSchema.safeParse(item);
      if (!parsed.success) {
        const issues = fieldIssues(parsed.error, item);
        results.push({ index, ok: false, error: { code: 'validation_failed', message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), details: issues } });
        return;
      }
      try {
        checkAcceptable(parsed.data, this.#options.limits);
        valid.push({ index, request: parsed.data });
      } catch (error) {
        const e = error as AppError;
        results.push({ index, ok: false, error: { code: e.code, message: e.message } });
      }
    });
    const batch = await batches.create(label ?? null);
    const known = await images.findBySha256s(valid.flatMap((v) => (v.request.sha256 ? [v.request.sha256] : [])));

    const fresh: typeof valid = [];
    const sameAsFresh: { index: number; sha256: string }[] = [];
    const freshHashes = new Set<string>();
    for (const item of valid) {
      const sha256 = item.request.sha256;
      const existing = sha256 ? known.get(sha256) : undefined;
      if (existing?.status === 'pending_upload') {
        const moved = (await images.transition(existing.id, ['pending_upload'], 'pending_upload', { batch_id: batch.id })) ?? existing;
        results.push({ index: item.index, ok: true, existing: true, image: await imageService.detail(moved), upload: await this.#presign(moved) });
      } else if (existing) {
        results.push({ index: item.index, ok: true, existing: true, image: await imageService.detail(existing), upload: null });
      } else if (sha256 && freshHashes.has(sha256)) {
        sameAsFresh.push({ index: item.index, sha256 });
      } else {
        if (sha256) freshHashes.add(sha256);
        fresh.push(item);
      }
    }
    const created = await this.#createPending(fresh.map((v) => v.request), batch.id);
    created.forEach((upload, i) => results.push({ index: fresh[i]!.index, ok: true, existing: false, ...upload }));
    // The same bytes twice in one batch: upload once, the other items point at that image.
    for (const { index, sha256 } of sameAsFresh) {
      const first = created.find((c) => c.image.sha256 === sha256)!;
      results.push({ index, ok: true, existing: true, image: first.image, upload: null });
    }
    metrics.uploadsCreated.inc(created.length);
    return { batch: { id: batch.id }, items: results.sort((a, b) => a.index - b.index) };
  }

  /**
   * Confirms an upload: the object must exist with the declared size. It is copied out of reach
   * of its presigned URL, the image moves to queued and is enqueued. Idempotent: an image past
   * pending_upload is returned as it is.
   * @returns the image, and whether this call queued it.
   */
  async complete(id: string, requestId: string): Promise<{ image: ImageDetail; queuedNow: boolean }> {
    const image = await this.#options.images.findById(id);
    if (!image) throw new NotFoundError('image_not_found', `no image with id ${id}`);
    if (image.status !== 'pending_upload') return { image: await this.#detail(image), queuedNow: false };
    await this.#takeUpload(image);
    const queued = await this.#options.images.transition(id, ['pending_upload'], 'queued');
    // Someone completed it between our read and our write: theirs is the state to report.
    if (!queued) return { image: await this.#detail((await this.#options.images.findById(id)) ?? image), queuedNow: false };
    await this.#dropStaged([queued]);
    await this.#enqueue([queued], requestId);
    this.#options.metrics.uploadsCompleted.inc();
    return { image: await this.#detail(queued), queuedNow: true };
  }

  /** Completes every upload of a batch still pending; the ones not (correctly) uploaded are listed. */
  async completeBatch(batchId: string, requestId: string): Promise<BatchCompleteResponse> {
    const { images, batches } = this.#options;
    const batch = await batches.findById(batchId);
    if (!batch) throw new NotFoundError('batch_not_found', `no batch with id ${batchId}`);
    const pending = await images.listPendingInBatch(batchId);
    const limit = pLimit(BATCH_COMPLETE_CONCURRENCY);
    const missing: BatchCompleteResponse['missing'] = [];
    const queued: ImageRecord[] = [];
    await Promise.all(
      pending.map((image) =>
        limit(async () => {
          try {
            await this.#takeUpload(image);
          } catch (error) {
            // Only what is wrong with this upload is reported per item; storage being away fails
            // the whole call (503 storage_unavailable), so no upload is called missing wrongly.
            if (!(error instanceof ConflictError)) throw error;
            missing.push({ id: image.id, error: { code: error.code, message: error.message } });
            return;
          }
          const moved = await images.transition(image.id, ['pending_upload'], 'queued');
          if (moved) queued.push(moved);
        }),
      ),
    );
    await this.#dropStaged(queued);
    await this.#enqueue(queued, requestId);
    this.#options.metrics.uploadsCompleted.inc(queued.length);
    return { batch: { id: batchId }, queued: queued.length, alreadyCompleted: batch.total - pending.length, missing };
  }

  /**
   * `POST /v1/images`: a form with the `file` and, optionally, `metadata` as a JSON object.
   * @throws ValidationError naming the field when the file is missing or the metadata is not a JSON object.
   */
  async uploadForm(fields: { metadata?: unknown } | undefined, file: ReceivedFile | undefined, requestId: string): Promise<ImageDetail> {
    if (!file) throw fieldError('file', 'is required');
    const metadata = fields?.metadata === undefined ? undefined : parseMetadataField(fields.metadata);
    return this.uploadDirect({ bytes: file.bytes, filename: file.filename || 'upload', metadata }, requestId);
  }

  /**
   * Takes the bytes through the gateway (multipart), for clients that cannot PUT to S3: checks
   * the magic bytes, stores the object, then completes as a presigned upload would.
   */
  async uploadDirect(upload: DirectUpload, requestId: string): Promise<ImageDetail> {
    const contentType = await directUploadType(upload.bytes, this.#options.limits);
    checkAcceptable({ filename: upload.filename, contentType, size: upload.bytes.length, metadata: upload.metadata }, this.#options.limits);
    const id = randomUUID();
    const objectKey = imageKey(id, contentType);
    // The row first: if it cannot be written (a name taken, the database away) no object is left
    // behind; if the object cannot be, the row is still pending and the sweeper expires it.
    await this.#options.images.create({
      id,
      name: upload.name ?? null,
      // The trace this request is in: completing the upload hands it to the embed job.
      traceparent: injectTrace()?.traceparent ?? null,
      object_key: objectKey,
      content_type: contentType,
      declared_size: upload.bytes.length,
      metadata: { ...upload.metadata, filename: upload.filename },
    });
    await this.#options.storage.put(objectKey, upload.bytes, contentType, upload.bytes.length);
    this.#options.metrics.uploadsCreated.inc();
    return (await this.complete(id, requestId)).image;
  }

  async #createPending(requests: CreateUploadRequest[], batchId: string | null): Promise<CreateUploadResponse[]> {
    // The trace this request is in (null while tracing is off): completing hands it to the embed job.
    const traceparent = injectTrace()?.traceparent ?? null;
    const rows = await this.#options.images.createMany(
      requests.map((request) => {
        const id = randomUUID();
        return {
          id,
          object_key: imageKey(id, request.contentType),
          content_type: request.contentType,
          declared_size: request.size,
          sha256: request.sha256 ?? null,
          batch_id: batchId,
          traceparent,
          metadata: { ...request.metadata, filename: request.filename },
        };
      }),
    );
    return Promise.all(rows.map(async (row) => ({ image: toImageDetail(row), upload: await this.#presign(row) })));
  }

  async #presign(row: ImageRecord): Promise<PresignedUpload> {
    const upload = await this.#options.storage.presignPut(stagingKey(row.id, row.content_type), {
      contentType: row.content_type,
      contentLength: row.declared_size,
      expiresInSeconds: this.#options.limits.presignExpiresSeconds,
    });
    return { ...upload, expiresAt: upload.expiresAt.toISOString() };
  }

  /**
   * Checks what arrived at the image's staging key and copies it to the image's own key, which no
   * presigned URL can write: a URL still valid after completion can then change nothing that is
   * stored, served or embedded. An object already at the image's own key (a gateway upload, or one
   * presigned before staging keys existed) is taken as it is.
   */
  async #takeUpload(image: ImageRecord): Promise<void> {
    const { storage } = this.#options;
    const staged = stagingKey(image.id, image.content_type);
    const head = (await storage.head(staged)) ?? (await storage.head(image.object_key));
    if (!head) throw new ConflictError('upload_missing', 'nothing has been uploaded for this image yet; PUT the file to the upload URL first');
    if (head.size !== image.declared_size) {
      throw new ConflictError('size_mismatch', `the uploaded object is ${head.size} bytes, but ${image.declared_size} were declared`, { declared: image.declared_size, actual: head.size });
    }
    if (head.key === staged) await storage.copy(staged, image.object_key);
  }

  /** The staged copies of completed uploads are not needed any more; the sweeper takes any left. */
  async #dropStaged(images: readonly ImageRecord[]): Promise<void> {
    const limit = pLimit(BATCH_COMPLETE_CONCURRENCY);
    await Promise.all(images.map((image) => limit(() => this.#options.storage.delete(stagingKey(image.id, image.content_type)).catch(() => undefined))));
  }

  /**
   * Postgres already says queued, so a Redis failure here loses nothing: the worker's sweeper
   * enqueues what Postgres holds as queued. The client is told the upload is accepted either way.
   * Each job joins the trace its image was created in, so presign to vector reads as one trace.
   */
  async #enqueue(images: ImageRecord[], requestId: string): Promise<void> {
    if (images.length === 0) return;
    try {
      await this.#options.queue.enqueueMany(images.map((image) => ({ imageId: image.id, requestId, ...(image.traceparent ? { trace: { traceparent: image.traceparent } } : {}) })));
    } catch (error) {
      this.#options.logger.warn({ err: error, count: images.length, requestId }, 'enqueue failed; the sweeper will enqueue these images');
    }
  }

  #detail(image: ImageRecord): Promise<ImageDetail> {
    return this.#options.imageService.detail(image);
  }
}

