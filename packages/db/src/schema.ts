import type { ImageStatus } from '@sis/contracts';
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export { IMAGE_STATUSES, type ImageStatus } from '@sis/contracts';

/** Dimension of the `embedding` column; a model with another output size needs a migration. */
export const EMBEDDING_DIMENSION = 512;

/** pgvector's `vector`: written as a `[1,2,3]` literal, selected as the same text. */
export type VectorColumn = ColumnType<string, string, string>;

/** A timestamp the database fills in on insert and code may change later. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** Set by the database on insert, never written by code. */
type CreatedAt = ColumnType<Date, never, never>;

export interface ImagesTable {
  id: Generated<string>;
  /** Unique name used by the original service's routes (`/images/{name}`); null for /v1 uploads. */
  name: string | null;
  status: Generated<ImageStatus>;
  object_key: string;
  content_type: string;
  /** Size the client declared when asking for an upload URL, in bytes. */
  declared_size: number;
  /** Size of the object found in storage, in bytes. */
  actual_size: number | null;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string | null;
  width: number | null;
  height: number | null;
  exif: JSONColumnType<Record<string, unknown>> | null;
  /** Client-supplied metadata (filename, sidecar fields). */
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  error: string | null;
  attempts: Generated<number>;
  /** The earlier image with the same bytes, when this one is a duplicate. */
  duplicate_of: string | null;
  /** Model that produced the embedding. */
  model: string | null;
  embedding: VectorColumn | null;
  batch_id: string | null;
  /** The W3C traceparent of the request that created the image; its embed job joins that trace. */
  traceparent: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  ready_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  /** The first characters of the key, shown in listings so people can tell keys apart. */
  prefix: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  secret_hash: string;
  scopes: string[];
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface IngestBatchesTable {
  id: Generated<string>;
  /** Free-form label, e.g. the folder an ingest came from. */
  label: string | null;
  total: Generated<number>;
  pending_upload: Generated<number>;
  queued: Generated<number>;
  processing: Generated<number>;
  ready: Generated<number>;
  failed: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface Database {
  images: ImagesTable;
  api_keys: ApiKeysTable;
  ingest_batches: IngestBatchesTable;
}
