import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTinyClip, writeModelFiles } from '@sis/clip/fixtures';
import { createDatabase, ImageRepository, ModelRepository, type Database, type Kysely } from '@sis/db';
import { colourImage, TEST_COLOURS } from '@sis/image/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msUntil, startFaultStack, type FaultStack } from './fault-stack.js';

/** Enough images that re-embedding them one by one takes seconds: time to stop the worker halfway. */
const IMAGES = 240;
/** Searches a second through the gateway, all through the switch. */
const SEARCH_INTERVAL_MS = 200;

let sis: FaultStack;
let db: Kysely<Database>;
let newModelDir: string;
const ids: string[] = [];

interface Search {
  at: number;
  status: number;
  modelId: number | null;
  results: number;
  topColour: string | undefined;
}

/** Searches for red every SEARCH_INTERVAL_MS until stopped (or 5 minutes, or 1,500 searches, whichever comes first). */
function searchContinuously(): { stop(): Promise<Search[]> } {
  const searches: Search[] = [];
  let stopped = false;
  const loop = (async () => {
    const started = Date.now();
    while (!stopped && Date.now() - started < 300_000 && searches.length < 1_500) {
      const at = Date.now();
      const reply = await sis.api('GET', '/v1/search?q=a%20red%20picture&limit=5', { timeoutMs: 10_000 }).catch((error: Error) => ({ status: 0, body: { error: error.message } }));
      searches.push({ at, status: reply.status, modelId: reply.body.modelId ?? null, results: reply.body.results?.length ?? 0, topColour: reply.body.results?.[0]?.image.filename?.split('-')[0] });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SEARCH_INTERVAL_MS - (Date.now() - at))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return searches;
    },
  };
}


beforeAll(async () => {
  // One job at a time and one image per model call: re-embedding takes long enough to interrupt.
  // A short lock, so the job the crash interrupts runs again within seconds.
  sis = await startFaultStack({ WORKER_CONCURRENCY: '1', EMBED_BATCH: '1', WORKER_LOCK_MS: '3000' });
  db = createDatabase({ url: sis.env.DATABASE_URL!, poolSize: 2 });
  newModelDir = await mkdtemp(join(tmpdir(), 'sis-tiny-clip-256-'));
  await writeModelFiles(newModelDir, generateTinyClip({ dimension: 256 }));
  const colours = Object.keys(TEST_COLOURS);
  for (let i = 0; i < IMAGES; i += 12) {
    ids.push(...(await Promise.all(Array.from({ length: 12 }, async (_, j) => {
      const n = i + j;
      const colour = colours[n % colours.length]!;
      return sis.upload(await colourImage(colour, { width: 40 + (n % 17), height: 30 + Math.floor(n / 17) }), 'image/jpeg', `${colour}-${n}.jpg`);
    }))));
  }
  await msUntil(async () => (await new ModelRepository({ db }).coverage(1)).embedded === IMAGES, 120_000);
}, 300_000);

afterAll(async () => {
  await db?.destroy();
  await sis?.stop();
  if (newModelDir) await rm(newModelDir, { recursive: true, force: true });
});

describe('switching models while searching', () => {
  it('never fails a search, answers from the old model until the new one is complete, resumes after a crash, and leaves no vector of a deleted image', async () => {
    const searching = searchContinuously();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const added = await sis.api('POST', '/v1/models', { json: { source: newModelDir } });
    expect(added.status).toBe(202);
    expect(added.body).toMatchObject({ state: 'building', dimension: null });
    const next = added.body.id as number;

    // Halfway, the worker dies (kill -9): the switch must carry on from where it was. Watched in
    // Postgres itself: the API's listing may be a few seconds old.
    const models = new ModelRepository({ db });
    await msUntil(async () => (await models.coverage(next)).embedded >= 3, 60_000);
    await sis.services.worker.process.stop('SIGKILL');
    const halfway = await models.coverage(next);
    expect((await models.findById(next))?.state).toBe('building');
    expect(halfway.embedded).toBeLessThan(halfway.ready);

    // Images deleted mid-switch, some with the new model's vector already and some without.
    const images = new ImageRepository({ db });
    const embeddedAlready: string[] = [];
    for (const id of ids) if (embeddedAlready.length < 2 && (await images.hasVector(id, next))) embeddedAlready.push(id);
    const notYet = ids.filter((id) => !embeddedAlready.includes(id)).slice(-2);
    const deleted = [...embeddedAlready, ...notYet];
    expect(deleted).toHaveLength(4);
    for (const id of deleted.slice(0, 2)) expect((await sis.api('DELETE', `/v1/images/${id}`)).status).toBe(200);

    await sis.restart('worker');
    // While it fills in: two more deletes, racing the worker, and new uploads, which get both vectors.
    for (const id of deleted.slice(2)) expect((await sis.api('DELETE', `/v1/images/${id}`)).status).toBe(200);
    const uploaded = await Promise.all(['red', 'blue'].map(async (colour, i) => sis.upload(await colourImage(colour, { width: 61 + i, height: 99 }), 'image/jpeg', `${colour}-new-${i}.jpg`)));
    await msUntil(async () => (await models.findById(next))?.state === 'active', 120_000);
    const switched = (await models.findById(next))!;
    const total = IMAGES - deleted.length + uploaded.length;
    expect(await models.coverage(next)).toMatchObject({ embedded: total, ready: total });
    expect(await models.findById(1)).toMatchObject({ state: 'standby' });
    for (const id of uploaded) expect([await images.hasVector(id, 1), await images.hasVector(id, next)], id).toEqual([true, true]);
    for (const id of deleted) {
      expect(await images.hasVector(id, 1), `${id} in the old model`).toBe(false);
      expect(await images.hasVector(id, next), `${id} in the new model`).toBe(false);
    }


    // Retired at once, while searches run: a replica still trusting its list (for up to 5 s) finds
    // the old table gone, reads the list again and answers from the new model.
    const retired = await sis.api('POST', '/v1/models/1/retire');
    expect(retired.body).toMatchObject({ state: 'retired' });
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const searches = await searching.stop();

    expect(searches.length).toBeGreaterThan(30);
    expect(searches.filter((s) => s.status !== 200)).toEqual([]);
    expect(searches.filter((s) => s.results !== 5)).toEqual([]);
    // Both models put a red image first.
    expect(new Set(searches.map((s) => s.topColour))).toEqual(new Set(['red']));
    // The old model until the switch, the new one after it, never back.
    const activatedAt = switched.activated_at!.getTime();
    const firstNew = searches.findIndex((s) => s.modelId === next);
    expect(firstNew).toBeGreaterThan(0);
    expect(searches.slice(0, firstNew).every((s) => s.modelId === 1)).toBe(true);
    expect(searches.slice(firstNew).every((s) => s.modelId === next)).toBe(true);
    expect(searches[firstNew]!.at).toBeGreaterThanOrEqual(activatedAt - SEARCH_INTERVAL_MS);
    expect(searches.filter((s) => s.at < activatedAt).every((s) => s.modelId === 1)).toBe(true);

    // Retiring the old model dropped its vectors; search goes on from the new one.
    await expect(images.hasVector(ids[0]!, 1)).rejects.toThrow(/image_vectors_1" does not exist/);
    const after = await sis.api('GET', '/v1/search?q=a%20red%20picture&limit=5');
    expect(after.body).toMatchObject({ modelId: next, model: newModelDir });
    expect(after.body.results[0].image.filename).toMatch(/^red-/);
  }, 300_000);
});
