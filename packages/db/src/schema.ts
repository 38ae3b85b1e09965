import type { ImageStatus } from '@sis/contracts';
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export { IMAGE_STATUSES, type ImageStatus } from '@sis/contracts';

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
  /** The model (CLIP_MODEL) that embedded it when it became ready; its vectors are in image_vectors_<model id>. */
  model: string | null;
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

/** Where a model is in its life: filling in, answering searches, kept up to date after a switch, or dropped. */
export const MODEL_STATES = ['building', 'active', 'standby', 'retired'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

export interface ModelsTable {
  id: Generated<number>;
  /** A Hugging Face id or a model folder, as CLIP_MODEL names it. */
  source: string;
  /** The ONNX variant (CLIP_DTYPE); null for the model's own default. */
  dtype: string | null;
  /** Length of its vectors; null until a service has loaded the model. */
  dimension: number | null;
  /** Hex SHA-256 of the preprocessing it was loaded with. */
  preprocessing_hash: string | null;
  state: Generated<ModelState>;
  /** Make it the active model as soon as it covers every ready image. */
  activate_when_complete: Generated<boolean>;
  /** Why it could not be loaded, if it could not. */
  error: string | null;
  created_at: CreatedAt;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
}

/** One model's vectors: `image_vectors_<model id>`, created with the model's own dimension. */
export interface ImageVectorsTable {
  image_id: string;
  embedding: VectorColumn;
  created_at: CreatedAt;
}

/** Keys shared by every replica (migration 0012). */
export interface SecretsTable {
  name: string;
  value: Buffer;
  created_at: Generated<Date>;
}

export interface Database {
  images: ImagesTable;
  secrets: SecretsTable;
  models: ModelsTable;
  api_keys: ApiKeysTable;
  ingest_batches: IngestBatchesTable;
}
