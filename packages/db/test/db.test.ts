import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ApiKeyRepository,
  EmbeddingRepository,
  EXACT_SCAN_MAX_ROWS,
  createDatabase,
  describeServer,
  ensureDatabaseExists,
  fromVectorBytes,
  isDatabaseUnreachable,
  pingDatabase,
  ImageRepository,
  ImageStatsRepository,
  IngestBatchRepository,
  migrateToLatest,
  ModelRepository,
  SecretRepository,
  TextSearchRepository,
  toVectorLiteral,
  type Database,
  type Kysely,
} from '../src/index.js';
import { copyImages, exactNearest } from '../src/benchmark.js';

/** A database of its own for this file, so migrations really start from empty. */
const url = (() => {
  const base = new URL(inject('stackEnv').DATABASE_URL!);
  base.pathname = `/db_test_${randomUUID().slice(0, 8)}`;
  return base.toString();
})();
let db: Kysely<Database>;

beforeAll(async () => {
  await ensureDatabaseExists(url);
  db = createDatabase({ url, poolSize: 4 });
});
afterAll(async () => {
  await db?.destroy();
});

/** A unit vector pointing mostly along axis `axis`, with a little of `other`. */
function unit(axis: number, other = (axis + 1) % 512, mix = 0): number[] {
  const v = new Array<number>(512).fill(0);
  v[axis] = Math.sqrt(1 - mix * mix);
  v[other] = mix;
  return v;
}

describe('migrations', () => {
  it('run from an empty database, then find nothing left to do', async () => {
    const first = await migrateToLatest(db);
    expect(first.map((r) => [r.migrationName, r.status])).toEqual([['0001-initial', 'Success'], ['0002-exif-index', 'Success'], ['0003-ready-at-index', 'Success'], ['0004-denser-hnsw-graph', 'Success'], ['0005-filename-index', 'Success'], ['0006-image-traceparent', 'Success'], ['0007-models', 'Success'], ['0008-vectors-per-model', 'Success'], ['0009-vector-created-at-index', 'Success'], ['0010-text-search', 'Success'], ['0011-metadata-words', 'Success'], ['0012-secrets', 'Success'], ['0013-filtered-search', 'Success']]);
    expect(await migrateToLatest(db)).toEqual([]);
    // The cursor key every search replica shares: 32 random bytes, made once.
    const secrets = new SecretRepository({ db });
    const key = await secrets.get('search_cursor');
    expect(key).toHaveLength(32);
    expect(new Set(key).size).toBeGreaterThan(16);
    await expect(secrets.get('no_such_key')).rejects.toThrow(/no secret "no_such_key" in the database; run the migrations/);
    const server = await describeServer(db);
    expect(server.pgvector).toMatch(/^0\.8\./);
    expect(server.postgres).toMatch(/^15\./);
  });

  it('create the HNSW cosine index and the listing indexes', async () => {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where tablename = 'images'`.execute(db);
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    // Vectors live in each model's own table (models.test.ts); the old column and its index are gone.
    expect(defs).not.toHaveProperty('images_embedding_hnsw_idx');
    expect(defs.images_created_at_idx).toMatch(/\(created_at DESC, id DESC\)/);
    expect(defs.images_status_created_at_idx).toMatch(/\(status, created_at\)/);
  });
});

/** The model every vector in this file belongs to. */
let modelId: number;

describe('ImageRepository', () => {
  beforeAll(async () => {
    ({ id: modelId } = await new ModelRepository({ db }).ensure({ source: 'test-model', dtype: null, dimension: 512, preprocessingHash: '0'.repeat(64) }));
  });
  const images = () => new ImageRepository({ db });
  const embeddings = () => new EmbeddingRepository({ db });
  const newImage = (n: number, extra: object = {}) => ({
    object_key: `test/${randomUUID()}`,
    content_type: 'image/jpeg',
    declared_size: 1000 + n,
    ...extra,
  });

  it('creates pending images and moves them through guarded transitions', async () => {
    const created = await images().create(newImage(1, { metadata: { filename: 'a.jpg' } }));
    expect(created).toMatchObject({ status: 'pending_upload', attempts: 0, declared_size: 1001, metadata: { filename: 'a.jpg' } });
    expect(created).not.toHaveProperty('embedding');

    const queued = await images().transition(created.id, ['pending_upload'], 'queued');
    expect(queued?.status).toBe('queued');
    // A second caller racing the same transition loses instead of applying it twice.
    expect(await images().transition(created.id, ['pending_upload'], 'queued')).toBeUndefined();
    expect(await images().transition(randomUUID(), ['pending_upload'], 'queued')).toBeUndefined();
  });

  it('rejects a non-positive declared size and duplicate names', async () => {
    await expect(images().create(newImage(0, { declared_size: 0 }))).rejects.toThrow(/declared_size/);
    await images().create(newImage(2, { name: 'unique-name' }));
    await expect(images().create(newImage(3, { name: 'unique-name' }))).rejects.toMatchObject({ name: 'ConflictError', code: 'name_taken' });
    expect((await images().findByName('unique-name'))?.declared_size).toBe(1002);
  });

  it('pages newest first without skipping or repeating rows', async () => {
    const batch = await new IngestBatchRepository({ db }).create('paging');
    // One transaction gives every row the same created_at, so only the id tie-break orders them.
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 7; i++) await new ImageRepository({ db: trx }).create(newImage(i, { batch_id: batch.id }));
    });
    const seen: string[] = [];
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const page = await images().list({ batchId: batch.id, limit: 3, after });
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
      const last = page[page.length - 1]!;
      after = { createdAt: last.created_at, id: last.id };
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    await expect(images().list({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it('keeps batch counts in step with image statuses', async () => {
    const batches = new IngestBatchRepository({ db });
    const batch = await batches.create('counts');
    const a = await images().create(newImage(1, { batch_id: batch.id }));
    const b = await images().create(newImage(2, { batch_id: batch.id }));
    await images().create(newImage(3, { batch_id: batch.id }));
    await images().transition(a.id, ['pending_upload'], 'queued');
    await images().transition(b.id, ['pending_upload'], 'failed', { error: 'bad bytes' });
    await images().delete(a.id);
    expect(await batches.findById(batch.id)).toMatchObject({ total: 2, pending_upload: 1, queued: 0, failed: 1, ready: 0 });
    expect((await batches.listRecent(5)).map((r) => r.id)).toContain(batch.id);
  });

  it('stores an embedding and finds nearest neighbours by cosine distance, ties broken by id', async () => {
    const ids: string[] = [];
    for (const [axis, mix] of [[10, 0], [10, 0.3], [10, 0.6], [20, 0]] as const) {
      const image = await images().create(newImage(axis, { status: 'queued' }));
      expect((await images().startProcessing(image.id))?.attempts).toBe(1);
      const ready = await images().markReady(image.id, {
        model: 'test-model', sha256: String(axis * 10 + mix * 10).padStart(64, 'a'), width: 4, height: 3, actualSize: 1000,
        exif: { Make: axis === 10 ? 'TestCam' : 'OtherCam' }, vectors: [{ modelId, embedding: unit(axis, 11, mix) }],
      });
      expect(ready?.status).toBe('ready');
      ids.push(image.id);
    }
    const ready = await images().findById(ids[0]!);
    expect(ready).toMatchObject({ status: 'ready', model: 'test-model', exif: { Make: 'TestCam' }, width: 4, error: null });
    expect(ready?.ready_at).toBeInstanceOf(Date);
    // Written once: a second write (a stale redelivery) finds the image no longer processing.
    expect(await images().markReady(ids[0]!, { model: 'x', sha256: 'b'.repeat(64), width: 1, height: 1, actualSize: 1, exif: null, vectors: [{ modelId, embedding: unit(5) }] })).toBeUndefined();

    const hits = await embeddings().nearest({ modelId, query: { embedding: unit(10) }, limit: 3 });
    expect(hits.map((h) => h.image.id)).toEqual(ids.slice(0, 3));
    expect(hits[0]!.distance).toBeCloseTo(0, 5);
    expect(hits[1]!.distance).toBeCloseTo(1 - Math.sqrt(1 - 0.09), 5);
    expect(hits[0]!.image).not.toHaveProperty('embedding');

    const similar = await embeddings().nearest({ modelId, query: { imageId: ids[0]! }, limit: 2 });
    expect(similar.map((h) => h.image.id)).toEqual(ids.slice(1, 3));

    const filtered = await embeddings().nearest({ modelId, query: { embedding: unit(10) }, limit: 3, filters: { exif: { Make: 'OtherCam' } } });
    expect(filtered.map((h) => h.image.id)).toEqual([ids[3]]);
    const none = await embeddings().nearest({ modelId, query: { embedding: unit(10) }, limit: 3, filters: { createdAfter: new Date(Date.now() + 60_000) } });
    expect(none).toEqual([]);
    expect((await new ImageStatsRepository({ db }).countByStatus()).ready).toBeGreaterThanOrEqual(4);
  });

  it('writes a batch of ready images at once, skipping those no longer processing and their vectors', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => images().create(newImage(n, { status: n === 2 ? 'failed' : 'processing' }))));
    const facts = (id: string, axis: number, exif: Record<string, unknown> | null) => ({
      id, model: 'batch-model', sha256: String(axis).padStart(64, 'e'), width: axis, height: axis + 1, actualSize: 100 * axis, exif, vectors: [{ modelId, embedding: unit(axis) }],
    });
    const written = await images().markReadyMany([facts(a!.id, 101, { Make: 'BatchCam', ISO: 200 }), facts(b!.id, 102, null), facts(c!.id, 103, null)]);
    expect(written.map((row) => row?.id)).toEqual([a!.id, undefined, c!.id]);
    expect(written[0]).toMatchObject({ status: 'ready', model: 'batch-model', width: 101, height: 102, actual_size: 10100, exif: { Make: 'BatchCam', ISO: 200 }, duplicate_of: null });
    expect(written[2]).toMatchObject({ status: 'ready', exif: null, sha256: '103'.padStart(64, 'e') });
    expect(await images().findById(b!.id)).toMatchObject({ status: 'failed', width: null });
    const vectors = await sql<{ image_id: string }>`select image_id from ${sql.table(`image_vectors_${modelId}`)} where image_id in (${sql.join([a!.id, b!.id, c!.id])})`.execute(db);
    expect(vectors.rows.map((row) => row.image_id).sort()).toEqual([a!.id, c!.id].sort());
    expect(await images().markReadyMany([])).toEqual([]);
  });

  it('reuses the vector of an earlier image with the same bytes', async () => {
    const original = await images().create(newImage(1, { status: 'processing' }));
    await images().markReady(original.id, { model: 'm1', sha256: 'c'.repeat(64), width: 2, height: 2, actualSize: 5, exif: null, vectors: [{ modelId, embedding: unit(42) }] });
    const copy = await images().create(newImage(2, { status: 'processing' }));
    expect(await images().findReadyBySha256('c'.repeat(64), copy.id, [modelId])).toEqual({ id: original.id });
    expect(await images().findReadyBySha256('c'.repeat(64), original.id, [modelId])).toBeUndefined();
    // Only an original with a vector from that model can lend it.
    const other = await new ModelRepository({ db }).register({ source: 'other-model', dtype: null, activateWhenComplete: false });
    await new ModelRepository({ db }).completeRegistration(other.id, { dimension: 8, preprocessingHash: null });
    expect(await images().findReadyBySha256('c'.repeat(64), copy.id, [modelId, other.id])).toBeUndefined();
    const ready = await images().markReadyAsDuplicate(copy.id, { sha256: 'c'.repeat(64), width: 2, height: 2, actualSize: 5, exif: null, duplicateOf: original.id });
    expect(ready).toMatchObject({ status: 'ready', model: 'm1', duplicate_of: original.id });
    const [nearest] = await embeddings().nearest({ modelId, query: { embedding: unit(42) }, limit: 2 });
    expect(nearest!.distance).toBeCloseTo(0, 5);
  });

  it('samples the same ready vectors each time, as many as asked at most', async () => {
    const ready = Number((await sql<{ count: string }>`select count(*) as count from images i join ${sql.table(`image_vectors_${modelId}`)} v on v.image_id = i.id where i.status = 'ready'`.execute(db)).rows[0]!.count);
    expect(ready).toBeGreaterThan(3);
    const all = await embeddings().sample(modelId, 1_000);
    expect(all).toHaveLength(ready);
    expect(all.every((vector) => vector.length === 512)).toBe(true);
    const some = await embeddings().sample(modelId, 3);
    expect(some).toHaveLength(3);
    expect(await embeddings().sample(modelId, 3)).toEqual(some);
  });

  it('records failures once and lists stale work for the sweeper', async () => {
    const image = await images().create(newImage(1, { status: 'queued' }));
    expect((await images().markFailed(image.id, 'not an image'))?.error).toBe('not an image');
    expect(await images().markFailed(image.id, 'again')).toBeUndefined();
    const stale = await images().create(newImage(2, { status: 'queued' }));
    const later = new Date(Date.now() + 60_000);
    const found = await images().listStale({ statuses: ['queued'], before: later, limit: 1000 });
    expect(found.map((r) => r.id)).toContain(stale.id);
    expect(found.map((r) => r.id)).not.toContain(image.id);
    expect(await images().listStale({ statuses: ['queued'], before: new Date(0), limit: 10 })).toEqual([]);
  });

  it('answers kNN through the HNSW index', async () => {
    // With a few rows the planner prefers a scan; make it cost the index as production would.
    await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const plan = await new EmbeddingRepository({ db: trx }).nearestQuery({ modelId, query: { embedding: unit(3) }, limit: 10 }).explain();
      const text = plan.map((row) => Object.values(row).join(' ')).join('\n');
      expect(text).toMatch(new RegExp(`Index Scan using image_vectors_${modelId}_hnsw_idx`));
    });
  });

  it('ranks the few images a filter matches exactly, and walks the graph for the many', async () => {
    const models = new ModelRepository({ db });
    const model = await models.register({ source: 'strategy-model', dtype: null, activateWhenComplete: false });
    await models.completeRegistration(model.id, { dimension: 8, preprocessingHash: null });
    const table = `image_vectors_${model.id}`;
    // Vectors inline in their rows, not in TOAST, so an exact ranking reads each in place.
    const storage = await sql<{ attstorage: string }>`select attstorage from pg_attribute where attrelid = ${table}::regclass and attname = 'embedding'`.execute(db);
    expect(storage.rows[0]!.attstorage).toBe('p');
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vector = () => Float32Array.from({ length: 8 }, random);
    const many = EXACT_SCAN_MAX_ROWS + 100;
    await copyImages(url, model.id, Array.from({ length: many }, (_, i) => ({ embedding: vector(), contentType: i < 40 ? 'image/x-strategy-few' : 'image/x-strategy-many' })));
    await sql`analyze images`.execute(db);
    const repository = new EmbeddingRepository({ db });
    expect(await repository.chooseStrategy({ contentType: 'image/x-strategy-few' })).toEqual({ strategy: 'exact', matching: 40 });
    expect(await repository.chooseStrategy({ contentType: 'image/x-strategy-many' })).toEqual({ strategy: 'graph', matching: EXACT_SCAN_MAX_ROWS + 1 });
    expect(await repository.chooseStrategy({})).toEqual({ strategy: 'graph' });

    // The exact ranking cannot use the graph; the graph walk does, even where the planner would sort.
    const query = { modelId: model.id, query: { embedding: vector() }, limit: 10 };
    const plan = async (rows: Promise<Record<string, unknown>[]>) => (await rows).map((row) => Object.values(row).join(' ')).join('\n');
    const exact = repository.exactQuery({ ...query, filters: { contentType: 'image/x-strategy-few' } });
    expect(await plan(sql<Record<string, unknown>>`explain ${exact}`.execute(db).then((result) => result.rows))).not.toMatch(/hnsw_idx/);
    // Planned for a filter that matches nearly every row, the ranking (which runs only when few
    // match) still looks each vector up by key: joined wholesale, it read every vector.
    const wide = await plan(sql<Record<string, unknown>>`explain ${repository.exactQuery({ ...query, filters: { contentType: 'image/x-strategy-many' } })}`.execute(db).then((result) => result.rows));
    expect(wide).toMatch(new RegExp(`Index Scan using ${table}_pkey on ${table} v `));
    expect(wide).not.toMatch(new RegExp(`Seq Scan on ${table} v `));
    // Counted by their results, as below: few matches are counted and ranked by one statement;
    // many take that statement, the walk's settings and the walk.
    const statements: unknown[] = [];
    const counted = new EmbeddingRepository({ db: db.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => (statements.push(args.queryId), args.result) }) });
    for (const [contentType, count] of [['image/x-strategy-few', 1], ['image/x-strategy-many', 3]] as const) {
      for (const byImage of [false, true]) {
        const imageId = (await sql<{ id: string }>`select id from images where content_type = ${contentType} limit 1`.execute(db)).rows[0]!.id;
        const asked = byImage ? { ...query, query: { imageId } } : { ...query, filters: { contentType } };
        statements.length = 0;
        const found = await counted.nearest({ ...asked, filters: { contentType } });
        expect(statements, `${contentType}${byImage ? ' by image' : ''}`).toHaveLength(count);
        const truth = await exactNearest(db, { ...asked, filters: { contentType } });
        expect(found).toHaveLength(10);
        expect(found.every(({ image }) => image.content_type === contentType && !(byImage && image.id === imageId))).toBe(true);
        // The graph may miss a neighbour; the exact ranking never does, ties in id order included.
        if (contentType === 'image/x-strategy-few') expect(found).toEqual(truth);
        else expect(found.filter(({ image }) => truth.some((t) => t.image.id === image.id)).length, contentType).toBeGreaterThanOrEqual(8);
      }
    }
    // By image: the image's own vector, the image itself left out, the filter held.
    const [{ image_id: imageId }] = (await sql<{ image_id: string }>`select image_id from ${sql.table(table)} limit 1`.execute(db)).rows as [{ image_id: string }];
    const similar = await repository.nearest({ modelId: model.id, query: { imageId }, limit: 10, filters: { contentType: 'image/x-strategy-many' } });
    expect(similar).toHaveLength(10);
    expect(similar.some(({ image }) => image.id === imageId)).toBe(false);
    expect(similar.every(({ image }) => image.content_type === 'image/x-strategy-many')).toBe(true);
    expect(await repository.nearest({ modelId: model.id, query: { imageId: randomUUID() }, limit: 10, filters: { contentType: 'image/x-strategy-many' } })).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await sql`set local enable_sort = off`.execute(trx);
      expect(await plan(new EmbeddingRepository({ db: trx }).nearestQuery({ ...query, filters: { contentType: 'image/x-strategy-many' } }).explain())).toMatch(new RegExp(`Index Scan using ${table}_hnsw_idx`));
    });
  });

  it('answers word searches through the GIN index, with the words the index holds', async () => {
    const words = new TextSearchRepository({ db });
    const image = await images().create({ ...newImage(7, { status: 'ready' }), metadata: { filename: 'invoice-2024.png', note: 'Quarterly receipts', source: { site: 'acme.com', scan: 'scan-01.tiff' } } });
    expect((await words.matching({ words: 'invoice', limit: 10 })).map((m) => m.image.id)).toEqual([image.id]);
    expect((await words.matching({ words: 'receipts 2024', limit: 10 })).map((m) => m.image.id)).toEqual([image.id]);
    expect(await words.matching({ words: '   ...  ', limit: 10 })).toEqual([]);
    // Metadata values split on punctuation as every field does, nested ones too; keys are not words.
    for (const found of ['acme', 'acme.com', 'scan 01']) expect((await words.matching({ words: found, limit: 10 })).map((m) => m.image.id), found).toEqual([image.id]);
    expect(await words.matching({ words: 'site', limit: 10 })).toEqual([]);
    // The index serves the expression the search writes (the planner inlines the function in both).
    // With this few rows it prefers the status index for the whole query, so the words alone are asked.
    await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<Record<string, string>>`explain select id from images i where sis_image_words(i.name, i.metadata, i.exif) @@ plainto_tsquery('simple', 'invoice')`.execute(trx);
      expect(rows.map((row) => Object.values(row).join(' ')).join('\n')).toMatch(/Bitmap Index Scan on images_words_idx/);
    });
  });
});

describe('ApiKeyRepository', () => {
  it('finds keys by hash until they are revoked, and never returns the hash', async () => {
    const keys = new ApiKeyRepository({ db });
    const hash = 'f'.repeat(64);
    const created = await keys.create({ name: 'ci', prefix: 'sis_abcd', secretHash: hash, scopes: ['read', 'write'] });
    expect(created).not.toHaveProperty('secret_hash');
    const used = await keys.useByHash(hash);
    expect(used).toMatchObject({ id: created.id, scopes: ['read', 'write'] });
    expect(used?.last_used_at).toBeInstanceOf(Date);
    // Used again within the minute: a read, and the recorded time stays.
    const { rows: before } = await sql<{ xmin: string }>`select xmin from api_keys where id = ${created.id}`.execute(db);
    expect((await keys.useByHash(hash))?.last_used_at).toEqual(used?.last_used_at);
    const { rows: after } = await sql<{ xmin: string }>`select xmin from api_keys where id = ${created.id}`.execute(db);
    expect(after[0]!.xmin, 'no new row version written').toBe(before[0]!.xmin);
    const revoked = await keys.revoke(created.id);
    expect(revoked?.revoked_at).toBeInstanceOf(Date);
    expect(await keys.useByHash(hash)).toBeUndefined();
    expect((await keys.revoke(created.id))?.revoked_at).toEqual(revoked?.revoked_at);
    expect((await keys.list()).map((k) => k.id)).toContain(created.id);
  });
});

describe('vectors', () => {
  it('go to PostgreSQL as literals and come back in its binary form, every float32 intact', async () => {
    const v = Float32Array.from([0.25, -1, 1e-7, 3.4028234663852886e38, -1.401298464324817e-45, 0.1]);
    const { rows } = await sql<{ bytes: Buffer }>`select vector_send(${toVectorLiteral(v)}::vector) as bytes`.execute(db);
    expect(fromVectorBytes(rows[0]!.bytes)).toEqual(v);
    expect(() => fromVectorBytes(rows[0]!.bytes.subarray(0, 10))).toThrow(/6-d vector takes 28 bytes, not 10/);
  });
});

describe('session ef_search', () => {
  it('runs a plain kNN query as one statement when the pool already has the ef_search wanted', async () => {
    const tuned = createDatabase({ url, poolSize: 1, efSearch: 64 });
    try {
      const { rows } = await sql<{ ef: string }>`select current_setting('hnsw.ef_search') as ef`.execute(tuned);
      expect(rows[0]!.ef).toBe('64');
      const repository = new EmbeddingRepository({ db: tuned, sessionEfSearch: 64 });
      const queries: string[] = [];
      const logged = tuned.withPlugin({ transformQuery: (args) => (queries.push(args.node.kind), args.node), transformResult: async (args) => args.result });
      const loggedRepository = new EmbeddingRepository({ db: logged, sessionEfSearch: 64 });
      const hits = await loggedRepository.nearest({ modelId, query: { embedding: unit(10) }, limit: 3, efSearch: 64 });
      expect(hits.length).toBeGreaterThan(0);
      // No SET LOCAL (a raw statement), so no transaction either.
      expect(queries).not.toContain('RawNode');
      queries.length = 0;
      expect(await loggedRepository.nearest({ modelId, query: { embedding: unit(10) }, limit: 3, efSearch: 100 })).toEqual(hits);
      expect(queries).toContain('RawNode');
      expect(await repository.nearest({ modelId, query: { imageId: randomUUID() }, limit: 3, efSearch: 64 })).toEqual([]);
    } finally {
      await tuned.destroy();
    }
  });
});

describe('a search by image that needs the image\'s vector too', () => {
  it('reads it in the same statement as the neighbours, and hands it back on every path', async () => {
    const tuned = createDatabase({ url, poolSize: 1, efSearch: 64 });
    try {
      // Counted by their results: a subquery's builder passes through transformQuery too.
      const statements: unknown[] = [];
      const logged = tuned.withPlugin({ transformQuery: (args) => args.node, transformResult: async (args) => (statements.push(args.queryId), args.result) });
      const repository = new EmbeddingRepository({ db: logged, sessionEfSearch: 64 });
      const imageId = (await repository.nearest({ modelId, query: { embedding: unit(10) }, limit: 1, efSearch: 64 }))[0]!.image.id;
      const stored = Array.from((await repository.vectorsOf(modelId, [imageId])).get(imageId)!);
      statements.length = 0;
      const { neighbours, queryVector } = await repository.nearestWithQueryVector({ modelId, query: { imageId }, limit: 3, efSearch: 64 });
      expect(statements).toHaveLength(1);
      expect(Array.from(queryVector!)).toEqual(stored);
      expect(neighbours.length).toBeGreaterThan(0);
      expect(neighbours[0]!.image).not.toHaveProperty('query_vector');
      expect(neighbours).toEqual(await repository.nearest({ modelId, query: { imageId }, limit: 3, efSearch: 64 }));
      // Filtered, and on another ef_search, the vector is read first: it is handed back all the same.
      for (const options of [{ filters: { exif: { Make: 'OtherCam' } } }, { efSearch: 100 }]) {
        const other = await repository.nearestWithQueryVector({ modelId, query: { imageId }, limit: 3, efSearch: 64, ...options });
        expect(Array.from(other.queryVector!)).toEqual(stored);
      }
      expect(await repository.nearestWithQueryVector({ modelId, query: { imageId: randomUUID() }, limit: 3, efSearch: 64 })).toEqual({ neighbours: [], queryVector: undefined });
      // An image not ready (embedded again, say) is no query on any path, though its vector is stored.
      await sql`update images set status = 'queued' where id = ${imageId}`.execute(tuned);
      try {
        for (const options of [{}, { filters: { exif: { Make: 'OtherCam' } } }, { efSearch: 100 }]) {
          expect(await repository.nearestWithQueryVector({ modelId, query: { imageId }, limit: 3, efSearch: 64, ...options }), JSON.stringify(options)).toEqual({ neighbours: [], queryVector: undefined });
        }
      } finally {
        await sql`update images set status = 'ready' where id = ${imageId}`.execute(tuned);
      }
      // A query by vector gives its own back.
      expect((await repository.nearestWithQueryVector({ modelId, query: { embedding: unit(10) }, limit: 1, efSearch: 64 })).queryVector).toEqual(unit(10));
    } finally {
      await tuned.destroy();
    }
  });
});

describe('an unreachable database', () => {
  it('is one domain error, database_unavailable with a Retry-After, raised at once', async () => {
    // Nothing listens on port 1: the connection is refused, as when PostgreSQL is stopped.
    const away = createDatabase({ url: 'postgres://sis@127.0.0.1:1/sis', poolSize: 1 });
    try {
      const started = performance.now();
      const error = await pingDatabase(away).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({ name: 'ServiceUnavailableError', code: 'database_unavailable', details: { retryAfterSeconds: 5 } });
      // Transactions too: the error comes from acquiring the connection, wherever that happens.
      const inTransaction = await away.transaction().execute(async (trx) => sql`select 1`.execute(trx)).catch((e: unknown) => e);
      expect(inTransaction).toMatchObject({ code: 'database_unavailable' });
    } finally {
      await away.destroy();
    }
  });

  it('reports a connection the server ended as one short error, and carries on', async () => {
    const lost: Error[] = [];
    const own = createDatabase({ url, poolSize: 1, onConnectionError: (error) => lost.push(error) });
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(own);
    await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(db);
    // Heard by the pool and by the client alike: each is the same short error.
    await expect.poll(() => lost.length).toBeGreaterThanOrEqual(1);
    for (const error of lost) {
      expect(error).toMatchObject({ message: 'terminating connection due to administrator command', code: '57P01' });
      expect(Object.keys(error)).toEqual(['code']);
    }
    await expect(pingDatabase(own)).resolves.toBeUndefined();
    await own.destroy();
  });

  it('tells connection failures apart from failing queries', async () => {
    expect(isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnreachable(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(false);
    // A failing query on a live database stays what it is.
    const error = await sql`select * from no_such_table`.execute(db).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '42P01' });
  });
});
