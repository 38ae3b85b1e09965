import { sql, type Kysely } from 'kysely';

/**
 * A denser HNSW graph than pgvector's defaults (m 16, ef_construction 64). On 1M clustered
 * 512-d vectors the default graph tops out near 0.92 recall@10 however large ef_search gets;
 * the denser graph costs about twice the build time and a larger index for the recall the
 * product promises (docs/benchmarks.md has the figures).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index images_embedding_hnsw_idx`.execute(db);
  await sql`create index images_embedding_hnsw_idx on images using hnsw (embedding vector_cosine_ops) with (m = 24, ef_construction = 160)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index images_embedding_hnsw_idx`.execute(db);
  await sql`create index images_embedding_hnsw_idx on images using hnsw (embedding vector_cosine_ops)`.execute(db);
}
