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

/** Short-lived URLs signed for an image; null where there is nothing to fetch. */
export interface ImageUrls {
  url: string | null;
  thumbnailUrl: string | null;
}

export function toImageSummary(row: ImageRow, thumbnailUrl: string | null = null): ImageSummary {
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
    error: row.error,
    attempts: row.attempts,
    thumbnailUrl,
    createdAt: row.created_at.toISOString(),
    readyAt: row.ready_at?.toISOString() ?? null,
  };
}

export function toImageDetail(row: ImageRow, urls: ImageUrls = { url: null, thumbnailUrl: null }): ImageDetail {
  return {
    ...toImageSummary(row, urls.thumbnailUrl),
    name: row.name,
    exif: row.exif,
    metadata: row.metadata,
    sha256: row.sha256,
    duplicateOf: row.duplicate_of,
    model: row.model,
    updatedAt: row.updated_at.toISOString(),
    url: urls.url,
  };
}
