import { sql, type Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ModelRepository } from './repositories/model.repository.js';
import { EmbeddingRepository, toNeighbours, type NearestOptions, type Neighbour } from './repositories/embedding.repository.js';
import type { Database } from './schema.js';
import { vectorTable, vectorTableName } from './vector-tables.js';

/**
 * What the benchmarks need of the database beyond production's queries: bulk loading, an index
 * rebuild, and the exact (index-free) form of the production kNN query as ground truth. Kept here
 * because all of sis's SQL lives in this package.
 */

/** One synthetic ready image: only what search reads and filters on. */
export interface SyntheticImage {
  embedding: Float32Array;
  contentType: string;
  /** EXIF `Make`; none when absent. */
  make?: string;
  /** How long before {@link SYNTHETIC_CREATED_BEFORE} it was created; now when absent. */
  ageSeconds?: number;
}

/** Synthetic images are created `ageSeconds` before this instant. */
export const SYNTHETIC_CREATED_BEFORE = '2026-01-01T00:00:00Z';

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One row in PostgreSQL's binary COPY format: field count, then length-prefixed fields (-1: NULL). */
function encodeRow(id: string, image: SyntheticImage): Buffer {
  const field = (bytes: Buffer | null) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes ? bytes.length : -1, 0);
    return bytes ? [length, bytes] : [length];
  };
  const int8 = (value: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value), 0);
    return bytes;
  };
  // pgvector's binary form: dimension (int16), an unused int16, then big-endian float4s.
  const dim = image.embedding.length;
  const vector = Buffer.alloc(4 + 4 * dim);
  vector.writeInt16BE(dim, 0);
  vector.writeInt16BE(0, 2);
  for (let i = 0; i < dim; i++) vector.writeFloatBE(image.embedding[i]!, 4 + 4 * i);
  const count = Buffer.alloc(2);
  count.writeInt16BE(5, 0);
  return Buffer.concat([
    count,
    ...field(Buffer.from(id.replaceAll('-', ''), 'hex')),
    ...field(Buffer.from(image.contentType, 'utf8')),
    ...field(image.make === undefined ? null : Buffer.from(image.make, 'utf8')),
    ...field(image.ageSeconds === undefined ? null : int8(image.ageSeconds)),
    ...field(vector),
  ]);
}

/**
 * Loads ready images and their vectors in `modelId`'s table, streaming with binary COPY into a
 * session-local staging table (memory stays flat whatever the count), then two inserts from it.
 * @returns how many images were written.
 */
export async function copyImages(url: string, modelId: number, images: Iterable<SyntheticImage>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let count = 0;
  try {
    await client.query('create temporary table bench_load (id uuid not null, content_type text not null, make text, age_seconds int8, embedding vector not null)');
    const stream = client.query(copyFrom('COPY bench_load (id, content_type, make, age_seconds, embedding) FROM STDIN (FORMAT binary)'));
    const header = Buffer.alloc(COPY_SIGNATURE.length + 8);
    COPY_SIGNATURE.copy(header);
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1, 0);
    function* chunks(): Generator<Buffer> {
      yield header;
      for (const image of images) {
        count++;
        yield encodeRow(randomUUID(), image);
      }
      yield trailer;
    }
    // pipeline handles back-pressure and errors on both sides, and ends the COPY.
    await pipeline(Readable.from(chunks()), stream);
    await client.query(`insert into images (id, object_key, content_type, declared_size, status, exif, created_at)
      select id, 'bench/' || id, content_type, 1000, 'ready', case when make is null then null else jsonb_build_object('Make', make) end,
        case when age_seconds is null then now() else $1::timestamptz - make_interval(secs => age_seconds) end
      from bench_load`, [SYNTHETIC_CREATED_BEFORE]);
    await client.query(`insert into ${vectorTableName(modelId)} (image_id, embedding) select id, embedding from bench_load`);
    await client.query('drop table bench_load');
  } finally {
    await client.end();
  }
  return count;
}

/**
 * Drops an index, runs `load`, then builds the index again from its own definition (as
 * pg_get_indexdef gives it): bulk loads into an HNSW index row by row are far slower than one
 * build at the end.
 * @returns the seconds the build took.
 */
export async function withIndexRebuilt(
  db: Kysely<Database>,
  index: string,
  load: () => Promise<unknown>,
  build: { maintenanceWorkMem: string; parallelWorkers: number },
): Promise<number> {
  const { rows } = await sql<{ def: string }>`select pg_get_indexdef(${index}::regclass) as def`.execute(db);
  const definition = rows[0]!.def;
  await sql`drop index ${sql.id(index)}`.execute(db);
  await load();
  return db.connection().execute(async (connection) => {
    await sql`set maintenance_work_mem = ${sql.lit(build.maintenanceWorkMem)}`.execute(connection);
    await sql`set max_parallel_maintenance_workers = ${sql.lit(build.parallelWorkers)}`.execute(connection);
    const started = performance.now();
    await sql.raw(definition).execute(connection);
    const seconds = (performance.now() - started) / 1000;
    await sql`analyze`.execute(connection);
    return seconds;
  });
}

/**
 * The production kNN query with index scans switched off: the sequential scan the original
 * service ran, and the exact answer recall is measured against.
 */
export async function exactNearest(db: Kysely<Database>, options: Omit<NearestOptions, 'efSearch'>): Promise<Neighbour[]> {
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_indexscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    return toNeighbours(await new EmbeddingRepository({ db: trx }).nearestQuery(options).execute());
  });
}

/** Ids of `count` ready images picked at random, for image-to-image queries. */
export async function sampleImageIds(db: Kysely<Database>, count: number): Promise<string[]> {
  const rows = await db.selectFrom('images').select('id').where('status', '=', 'ready').orderBy(sql`random()`).limit(count).execute();
  return rows.map((row) => row.id);
}

/** Size of the images table and the model's vector table (heaps, without indexes), for reports. */
export async function tableSizeBytes(db: Kysely<Database>, modelId: number): Promise<number> {
  const { rows } = await sql<{ bytes: string }>`select pg_table_size('images') + pg_table_size(${vectorTableName(modelId)}::regclass) as bytes`.execute(db);
  return Number(rows[0]!.bytes);
}

/**
 * Counts every write of a vector in this database from now on, in a table of its own filled by a
 * trigger: the chaos run's proof that no image was embedded twice, whatever the workers managed
 * to log before they were killed. For throwaway databases only.
 * @returns a reader of the counts: writes in all, and images written more than once.
 */
export async function countVectorWrites(db: Kysely<Database>): Promise<() => Promise<{ writes: number; imagesWrittenTwice: number }>> {
  await sql`create table if not exists bench_vector_writes (image_id uuid not null, at timestamptz not null default now())`.execute(db);
  await sql`create or replace function bench_count_vector_write() returns trigger language plpgsql as $$
    begin
      insert into bench_vector_writes (image_id) values (new.image_id);
      return new;
    end $$`.execute(db);
  // Every loaded model's table: a second write of one image's vector is an insert or an update.
  const models = await new ModelRepository({ db }).listLoaded();
  for (const { id } of models) {
    await sql`drop trigger if exists bench_vector_write on ${vectorTable(id)}`.execute(db);
    await sql`create trigger bench_vector_write after insert or update on ${vectorTable(id)} for each row execute function bench_count_vector_write()`.execute(db);
  }
  return async () => {
    const { rows } = await sql<{ writes: number; twice: number }>`
      select count(*)::int as writes,
             (select count(*)::int from (select image_id from bench_vector_writes group by image_id having count(*) > 1) t) as twice
      from bench_vector_writes`.execute(db);
    return { writes: rows[0]!.writes, imagesWrittenTwice: rows[0]!.twice };
  };
}
