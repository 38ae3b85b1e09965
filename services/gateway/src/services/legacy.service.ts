import { readExif } from '@sis/image';
import { ConflictError, isStorableText, NotFoundError, UNSTORABLE_TEXT_MESSAGE, ValidationError, type LegacyImage } from '@sis/contracts';
import type { ImageRecord, ImageRepository } from '@sis/db';
import type { ReceivedFile } from '@sis/http';
import type { ObjectStorage } from '@sis/storage';
import { DOWNLOAD_URL_SECONDS, type ImageService } from './image.service.js';
import type { SearchClient } from './search.client.js';
import type { UploadService } from './upload.service.js';

/**
 * Where the original service's EXIF names (the EXIF specification's, as Pillow spells them)
 * differ from exifr's (ExifTool's). Everything else is named alike.
 */
const ORIGINAL_EXIF_NAMES: Readonly<Record<string, string>> = {
  ModifyDate: 'DateTime',
  CreateDate: 'DateTimeDigitized',
  ExposureCompensation: 'ExposureBiasValue',
  ISO: 'ISOSpeedRatings',
  FocalLengthIn35mmFormat: 'FocalLengthIn35mmFilm',
  FlashpixVersion: 'FlashPixVersion',
  OwnerName: 'CameraOwnerName',
  SerialNumber: 'BodySerialNumber',
  LensInfo: 'LensSpecification',
};

/** EXIF as the original service returned it: flat, its tag names, {} when there is none. */
export function toOriginalExif(exif: Record<string, unknown> | null): Record<string, unknown> {
  if (!exif) return {};
  return Object.fromEntries(Object.entries(exif).map(([name, value]) => [ORIGINAL_EXIF_NAMES[name] ?? name, value]));
}

const missingField = (field: string) => new ValidationError('unprocessable', `${field} is required`, [{ loc: ['body', field], msg: 'field required', type: 'value_error.missing' }]);

export interface LegacyServiceOptions {
  images: ImageRepository;
  storage: ObjectStorage;
  uploads: UploadService;
  imageService: ImageService;
  search: SearchClient;
  /** How long a create waits for the worker, in ms. */
  waitMs: number;
}

/** The original Python service's behaviour, on top of the /v1 machinery. */
export class LegacyService {
  readonly #options: Readonly<LegacyServiceOptions>;

  constructor(options: LegacyServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Newest ready images first, or with `q`, the closest matches first. */
  async list(query: { q?: string; limit: number; offset: number }, requestId: string): Promise<LegacyImage[]> {
    const { images, search } = this.#options;
    if (query.q) {
      const limit = Math.min(query.offset + query.limit, 200);
      const { results } = await search.search({ q: query.q, limit }, requestId);
      const rows = await images.findByIds(results.slice(query.offset).map((r) => r.image.id));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return Promise.all(results.slice(query.offset).flatMap((r) => (byId.has(r.image.id) ? [this.#present(byId.get(r.image.id)!)] : [])));
    }
    return Promise.all((await images.listByOffset({ status: 'ready', limit: query.limit, offset: query.offset })).map((row) => this.#present(row)));
  }

  async get(name: string): Promise<LegacyImage> {
    return this.#present(await this.#find(name));
  }

  /**
   * Stores and embeds an image under a unique name (the form's `image_name`), waiting for the
   * worker like the original's synchronous handler did. An image the worker refuses is removed
   * again, freeing the name. Missing fields are answered as FastAPI did: 422 with `loc` and `msg`.
   */
  async create(fields: { image_name?: unknown } | undefined, file: ReceivedFile | undefined, requestId: string): Promise<LegacyImage> {
    const { images, uploads, imageService, waitMs } = this.#options;
    const name = typeof fields?.image_name === 'string' ? fields.image_name.trim() : '';
    if (!name) throw missingField('image_name');
    if (!file) throw missingField('file');
    if (name.length > 255) throw new ValidationError('name_too_long', 'image_name must be at most 255 characters');
    if (!isStorableText(name)) throw new ValidationError('invalid_name', `image_name ${UNSTORABLE_TEXT_MESSAGE}`);
    if (await images.findByName(name)) throw new ValidationError('name_taken', 'File name already taken');
    let created;
    try {
      created = await uploads.uploadDirect({ bytes: file.bytes, filename: file.filename || name, name }, requestId);
    } catch (error) {
      // Two requests racing for one name: the database's unique index decides, and the original
      // answered that with a 400.
      if (error instanceof ConflictError && error.code === 'name_taken') throw new ValidationError('name_taken', 'File name already taken');
      throw error;
    }
    const settled = await this.#waitForWorker(created.id, waitMs);
    if (settled?.status === 'failed') {
      // Unless another request discarded or retried it first.
      await imageService.deleteIf(settled.id, ['failed']);
      throw new ValidationError('invalid_image', `Invalid image: ${settled.error}`);
    }
    const row = settled ?? (await images.findById(created.id));
    if (!row) throw new ConflictError('deleted_meanwhile', 'The image was deleted by another request while it was being embedded');
    // Until the worker has run, the EXIF is read here, from the same bytes, the same way.
    return this.#present(row, row.status === 'ready' ? undefined : await readExif(file.bytes));
  }

  async delete(name: string): Promise<void> {
    await this.#options.imageService.delete((await this.#find(name)).id);
  }

  async #find(name: string): Promise<ImageRecord> {
    const image = await this.#options.images.findByLegacyName(name);
    if (!image) throw new NotFoundError('file_not_found', 'File not found');
    return image;
  }

  /** The image once ready or failed; undefined when the time ran out or it is gone. */
  async #waitForWorker(id: string, waitMs: number): Promise<ImageRecord | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const image = await this.#options.images.findById(id);
      if (!image || image.status === 'ready' || image.status === 'failed') return image;
      if (Date.now() >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #present(row: ImageRecord, exif: Record<string, unknown> | null = row.exif): Promise<LegacyImage> {
    const filename = typeof row.metadata.filename === 'string' ? row.metadata.filename : row.id;
    return {
      id: row.id,
      name: row.name ?? filename,
      aws_image_src: await this.#options.storage.presignGet(row.object_key, DOWNLOAD_URL_SECONDS),
      exif_data: toOriginalExif(exif),
      uploaded_at: row.created_at.toISOString(),
    };
  }
}
