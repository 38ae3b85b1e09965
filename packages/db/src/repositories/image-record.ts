import type { Selectable } from 'kysely';
import type { ImagesTable } from '../schema.js';

/** An image row. Its vectors live in each model's table. */
export type ImageRecord = Selectable<ImagesTable>;

/** Largest page a listing or a kNN query returns. */
export const MAX_PAGE_SIZE = 1000;

/** The columns of an {@link ImageRecord}, which every query on images selects. */
export const RECORD_COLUMNS = [
  'id', 'name', 'status', 'object_key', 'content_type', 'declared_size', 'actual_size', 'sha256', 'width', 'height',
  'exif', 'metadata', 'error', 'attempts', 'duplicate_of', 'model', 'batch_id', 'traceparent', 'created_at', 'updated_at', 'ready_at',
] as const satisfies readonly (keyof ImageRecord)[];

/** Repositories check their own bounds before building SQL: a page is 1 to {@link MAX_PAGE_SIZE} rows. */
export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
}
