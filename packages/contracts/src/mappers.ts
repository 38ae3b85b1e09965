import type { ImageDetail, ImageSummary } from './images.js';
import type { ImageStatus } from './common.js';

/** The columns of an image row the API shows; the db package's ImageRecord has this shape. */
export interface ImageRow {
  id: string;
  name: string | null;
  status: ImageStatus;
  content_type: string;
  declared_size: number;
  width: number | null;
  height: number | null;
  batch_id: string | null;
  metadata: Record<string, unknown>;
  error: string | null;
  exif: Record<string, unknown> | null;
  sha256: string | null;
  duplicate_of: string | null;
  model: string | null;
  attempts: number;
  created_at: Date;
  updated_at: Date;
  ready_at: Date | null;
}

export function toImageSummary(row: ImageRow): ImageSummary {
  const filename = row.metadata.filename;
  return {
    id: row.id,
    status: row.status,
    filename: typeof filename === 'string' ? filename : null,
    contentType: row.content_type,
    size: row.declared_size,
    width: row.width,
    height: row.height,
    batchId: row.batch_id,
    createdAt: row.created_at.toISOString(),
    readyAt: row.ready_at?.toISOString() ?? null,
  };
}

/** @param url a short-lived download URL, or null when there is nothing to download yet. */
export function toImageDetail(row: ImageRow, url: string | null): ImageDetail {
  return {
    ...toImageSummary(row),
    name: row.name,
    error: row.error,
    exif: row.exif,
    metadata: row.metadata,
    sha256: row.sha256,
    duplicateOf: row.duplicate_of,
    model: row.model,
    attempts: row.attempts,
    updatedAt: row.updated_at.toISOString(),
    url,
  };
}
