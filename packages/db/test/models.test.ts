import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, ensureDatabaseExists, ImageRepository, migrateToLatest, ModelRepository, toVectorLiteral, vectorTable, type Database, type Kysely } from '../src/index.js';
import { MIGRATIONS } from '../src/migrations/index.js';

// A database of its own, so that "the first model of an empty library" really is the first.
const url = (() => {
  const base = new URL(inject('stackEnv').DATABASE_URL!);
  base.pathname = `/models_test_${randomUUID().slice(0, 8)}`;
  return base.toString();
})();
let db: Kysely<Database>;
let models: ModelRepository;
const HASH = 'a'.repeat(64);

beforeAll(async () => {
  await ensureDatabaseExists(url);
  db = createDatabase({ url, poolSize: 4 });
  await migrateToLatest(db);
  models = new ModelRepository({ db });
});
afterAll(async () => {
  await db?.destroy();
});

async function readyImage(): Promise<string> {
  const { id } = await db
    .insertInto('images')
    .values({ object_key: `test/${randomUUID()}`, content_type: 'image/png', declared_size: 10, status: 'ready' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function storeVector(modelId: number, imageId: string, dimension: number): Promise<void> {
  const vector = Array.from({ length: dimension }, (_, i) => (i === 0 ? 1 : 0));
  await sql`insert into ${vectorTable(modelId)} (image_id, embedding) values (${imageId}, ${toVectorLiteral(vector)})`.execute(db);
}

const tableExists = async (modelId: number) => (await sql<{ t: string | null }>`select to_regclass(${`image_vectors_${modelId}`})::text as t`.execute(db)).rows[0]!.t !== null;

describe('models side by side', () => {
  it('makes the first model of an empty library active as soon as it is loaded, with its own table and index', async () => {
    const first = await models.register({ source: 'Xenova/clip-vit-base-patch32', dtype: null, activateWhenComplete: true });
    expect(first).toMatchObject({ state: 'building', dimension: null });
    // A second service registering the same model at once gets the same row.
    expect((await models.register({ source: 'Xenova/clip-vit-base-patch32', dtype: null, activateWhenComplete: true })).id).toBe(first.id);
    const loaded = await models.completeRegistration(first.id, { dimension: 512, preprocessingHash: HASH });
    expect(loaded).toMatchObject({ state: 'active', dimension: 512, preprocessing_hash: HASH });
    expect(loaded.activated_at).toBeInstanceOf(Date);
    const { rows } = await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = ${`image_vectors_${first.id}`} and indexname like '%hnsw%'`.execute(db);
    expect(rows[0]?.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\) WITH \(m='24', ef_construction='160'\)/);
    // And the one the fill-in rate is counted from.
    const { rows: byTime } = await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = ${`image_vectors_${first.id}`} and indexname like '%created_at%'`.execute(db);
    expect(byTime[0]?.indexdef).toMatch(/USING btree \(created_at\)/);
    // Loading it again changes nothing; loading it with another width is refused.
    expect(await models.completeRegistration(first.id, { dimension: 512, preprocessingHash: HASH })).toMatchObject({ state: 'active' });
    await expect(models.completeRegistration(first.id, { dimension: 256, preprocessingHash: HASH })).rejects.toMatchObject({ name: 'ConflictError', code: 'dimension_changed' });
    // Nor with other preprocessing: its stored vectors would not match new ones. Unknown (null) is no conflict.
    await expect(models.completeRegistration(first.id, { dimension: 512, preprocessingHash: 'b'.repeat(64) })).rejects.toMatchObject({ code: 'preprocessing_changed' });
    expect(await models.completeRegistration(first.id, { dimension: 512, preprocessingHash: null })).toMatchObject({ preprocessing_hash: HASH });
  });

  it('switches only to a model that covers every ready image, unless forced, in one step', async () => {
    const active = (await models.findActive())!;
    const images = [await readyImage(), await readyImage()];
    for (const image of images) await storeVector(active.id, image, 512);
    const next = await models.register({ source: '/models/siglip', dtype: 'fp16', activateWhenComplete: true });
    await expect(models.activate(next.id)).rejects.toMatchObject({ name: 'ConflictError', code: 'model_not_loaded' });
    // Ready images exist: a second model is not activated on load, it has to catch up.
    expect(await models.completeRegistration(next.id, { dimension: 256, preprocessingHash: HASH })).toMatchObject({ state: 'building', dimension: 256 });
    await storeVector(next.id, images[0]!, 256);
    expect(await models.coverage(next.id)).toEqual({ embedded: 1, ready: 2, lastMinute: 1 });
    expect(await models.coverage(active.id)).toMatchObject({ embedded: 2, ready: 2 });
    await expect(models.activate(next.id)).rejects.toMatchObject({ code: 'model_incomplete', details: { embedded: 1, ready: 2 } });
    expect((await models.findActive())!.id).toBe(active.id);

    await storeVector(next.id, images[1]!, 256);
    const switched = await models.activate(next.id);
    expect(switched).toMatchObject({ state: 'active', activate_when_complete: false });
    expect(await models.findById(active.id)).toMatchObject({ state: 'standby' });
    // Exactly one active model, whatever the code does.
    await expect(sql`update models set state = 'active' where id = ${active.id}`.execute(db)).rejects.toThrow(/models_one_active/);
    // And back, forced, though the old model misses an image added since.
    await readyImage();
    await expect(models.activate(active.id)).rejects.toMatchObject({ code: 'model_incomplete' });
    expect(await models.activate(active.id, { force: true })).toMatchObject({ state: 'active' });
    await expect(models.activate(9999)).rejects.toMatchObject({ name: 'NotFoundError', code: 'model_not_found' });
  });

  it('retires a model by dropping its vectors and index, never the active one', async () => {
    const active = (await models.findActive())!;
    const standby = (await models.list()).find((m) => m.state === 'standby')!;
    await expect(models.retire(active.id)).rejects.toMatchObject({ name: 'ConflictError', code: 'model_active' });
    expect(await tableExists(standby.id)).toBe(true);
    expect(await models.retire(standby.id)).toMatchObject({ state: 'retired' });
    expect(await tableExists(standby.id)).toBe(false);
    expect(await models.coverage(standby.id)).toMatchObject({ embedded: 0 });
    await expect(models.activate(standby.id)).rejects.toMatchObject({ code: 'model_not_found' });
    // Its source may be registered again, as a new model.
    const again = await models.register({ source: '/models/siglip', dtype: 'fp16', activateWhenComplete: false });
    expect(again.id).not.toBe(standby.id);
    expect((await models.list()).map((m) => m.state)).toEqual(['active', 'building', 'retired']);
  });

  it('leaves no vector behind in any model when an image is deleted', async () => {
    const active = (await models.findActive())!;
    const building = (await models.list()).find((m) => m.state === 'building')!;
    await models.completeRegistration(building.id, { dimension: 64, preprocessingHash: HASH });
    const image = await readyImage();
    await storeVector(active.id, image, 512);
    await storeVector(building.id, image, 64);
    await db.deleteFrom('images').where('id', '=', image).execute();
    for (const model of [active, building]) {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${vectorTable(model.id)} where image_id = ${image}`.execute(db);
      expect(Number(rows[0]!.n), `model ${model.id}`).toBe(0);
    }
  });

  it('lists what a new model still lacks, and adds vectors only to ready images of live models', async () => {
    const active = (await models.findActive())!;
    const building = (await models.list()).find((m) => m.state === 'building')!;
    const images = new ImageRepository({ db });
    const missing = await models.imagesWithoutVector(building.id, { limit: 10_000 });
    expect(missing.length).toBe((await models.coverage(building.id)).ready - (await models.coverage(building.id)).embedded);
    expect(missing).toEqual([...missing].sort());
    // Paged in id order: the next page starts after the last id of this one.
    const [first, second] = await Promise.all([models.imagesWithoutVector(building.id, { limit: 1 }), models.imagesWithoutVector(building.id, { after: missing[0]!, limit: 1 })]);
    expect([...first, ...second]).toEqual(missing.slice(0, 2));

    const vector = Array.from({ length: 64 }, (_, i) => (i === 3 ? 1 : 0));
    expect(await images.addVector(missing[0]!, { modelId: building.id, embedding: vector })).toBe(true);
    expect(await images.hasVector(missing[0]!, building.id)).toBe(true);
    expect(await models.imagesWithoutVector(building.id, { limit: 10_000 })).not.toContain(missing[0]);
    // An image deleted (or not ready) gets nothing, and nothing fails.
    const gone = await readyImage();
    await db.deleteFrom('images').where('id', '=', gone).execute();
    expect(await images.addVector(gone, { modelId: building.id, embedding: vector })).toBe(false);
    const queued = await db.insertInto('images').values({ object_key: `test/${randomUUID()}`, content_type: 'image/png', declared_size: 10, status: 'queued' }).returning('id').executeTakeFirstOrThrow();
    expect(await images.addVector(queued.id, { modelId: building.id, embedding: vector })).toBe(false);

    // A model retired while the worker embedded: its vector is dropped, the image's others land.
    const doomed = await models.register({ source: 'doomed', dtype: null, activateWhenComplete: false });
    await models.completeRegistration(doomed.id, { dimension: 8, preprocessingHash: null });
    await models.retire(doomed.id);
    expect(await images.addVector(missing[1]!, { modelId: doomed.id, embedding: vector.slice(0, 8) })).toBe(false);
    await db.updateTable('images').set({ status: 'processing' }).where('id', '=', queued.id).execute();
    const ready = await images.markReady(queued.id, {
      model: active.source, sha256: 'd'.repeat(64), width: 1, height: 1, actualSize: 10, exif: null,
      vectors: [{ modelId: active.id, embedding: Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0)) }, { modelId: building.id, embedding: vector }, { modelId: doomed.id, embedding: vector.slice(0, 8) }],
    });
    expect(ready?.status).toBe('ready');
    expect(await images.hasVector(queued.id, active.id)).toBe(true);
    expect(await images.hasVector(queued.id, building.id)).toBe(true);
  });

  it('registers the model a worker is set to once, and never brings back a retired one', async () => {
    const setting = { source: 'set-by-env', dtype: 'q8' };
    const registered = (await models.registerSetting(setting))!;
    expect(registered).toMatchObject({ state: 'building', activate_when_complete: true, dimension: null });
    expect((await models.registerSetting(setting))!.id).toBe(registered.id);
    expect((await models.listLive()).map((m) => m.id)).toContain(registered.id);
    expect((await models.listLoaded()).map((m) => m.id)).not.toContain(registered.id);
    await models.retire(registered.id);
    expect(await models.registerSetting(setting)).toBeUndefined();
    expect((await models.listLive()).map((m) => m.id)).not.toContain(registered.id);
  });

  it('refuses table names that are not model ids, and widths HNSW cannot index', async () => {
    expect(() => vectorTable(0)).toThrow('not a model id: 0');
    expect(() => vectorTable(1.5)).toThrow('not a model id');
    const model = await models.register({ source: 'too-wide', dtype: null, activateWhenComplete: false });
    await expect(models.completeRegistration(model.id, { dimension: 4096, preprocessingHash: HASH })).rejects.toThrow('1 to 2000 dimensions, not 4096');
    await models.recordError(model.id, 'fetch failed');
    await expect(models.activate(model.id)).rejects.toMatchObject({ code: 'model_not_loaded', message: expect.stringContaining('fetch failed') });
  });
});

describe('the move to per-model tables (0008)', () => {
  it("hands a library's vectors to its model, registered as the active one, and drops the old column", async () => {
    const oldUrl = url.replace(/models_test_/, 'models_move_');
    await ensureDatabaseExists(oldUrl);
    const old = createDatabase({ url: oldUrl, poolSize: 1 });
    try {
      const migrator = new Migrator({ db: old, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
      expect((await migrator.migrateTo('0007-models')).error).toBeUndefined();
      const vector = (axis: number) => toVectorLiteral(Array.from({ length: 512 }, (_, i) => (i === axis ? 1 : 0)));
      const insert = (model: string | null, embedding: string | null) =>
        sql`insert into images (object_key, content_type, declared_size, status, model, embedding)
            values (${`old/${randomUUID()}`}, 'image/jpeg', 10, ${embedding ? 'ready' : 'queued'}, ${model}, ${embedding}::vector) returning id`.execute(old);
      const kept = [(await insert('Xenova/clip-vit-base-patch32', vector(1))).rows[0] as { id: string }, (await insert('Xenova/clip-vit-base-patch32', vector(2))).rows[0] as { id: string }];
      await insert('an-older-model', vector(3));
      await insert(null, null);
      await migrateToLatest(old);
      const moved = new ModelRepository({ db: old });
      const active = (await moved.findActive())!;
      expect(active).toMatchObject({ source: 'Xenova/clip-vit-base-patch32', dimension: 512, state: 'active' });
      expect(await moved.coverage(active.id)).toMatchObject({ embedded: 3, ready: 3 });
      const { rows } = await sql<{ image_id: string }>`select image_id from ${vectorTable(active.id)} where embedding = ${vector(1)}::vector`.execute(old);
      expect(rows.map((r) => r.image_id)).toEqual([kept[0]!.id]);
      const { rows: columns } = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'images' and column_name = 'embedding'`.execute(old);
      expect(columns).toEqual([]);
    } finally {
      await old.destroy();
    }
  });
});
