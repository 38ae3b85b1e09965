import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipModel } from '@sis/clip';
import { CLIP_LIKE_GAP, generateTinyClip, writeModelFiles } from '@sis/clip/fixtures';
import { encodePhotoSearch, PHOTO_SEARCH_TYPE } from '@sis/http';
import { SearchResponseSchema, type SearchResponse } from '@sis/contracts';
import { createDatabase, ImageRepository, ModelRepository, type Database, type Kysely } from '@sis/db';
import { colourImage } from '@sis/image/testing';
import { freshDatabase } from '@sis/local-stack/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIN_BACKGROUND } from '../src/relevance-backgrounds.js';
import { serveSearch, type ServedSearch } from './serve.js';

/**
 * Relevance on a model with CLIP's score geometry (tiny-clip with a modality gap): words score a
 * match at 0.3 to 0.6 depending on how the query is phrased, a photo at 0.9.
 */
const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple'] as const;
/** Pictures per colour, each with a band of another colour. */
const EACH = 4;

let dir: string;
let db: Kysely<Database>;
let clip: ClipModel;
let served: ServedSearch;
let base: string;
const colourOf = new Map<string, string>();

async function post(body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sis-gap-clip-'));
  await writeModelFiles(dir, generateTinyClip({ gap: CLIP_LIKE_GAP }));
  db = createDatabase({ url: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'relevance') });
  clip = await ClipModel.load({ model: dir, allowRemoteModels: false });
  const models = new ModelRepository({ db });
  const { id: modelId } = await models.ensure({ source: dir, dtype: null, dimension: clip.dimension, preprocessingHash: clip.preprocessor.fingerprint });
  const images = new ImageRepository({ db });
  for (const [i, colour] of COLOURS.entries()) {
    for (let j = 0; j < EACH; j++) {
      const bytes = await colourImage(colour, { band: COLOURS[(i + j + 1) % COLOURS.length], width: 120 + j, height: 90 });
      const image = await images.create({ object_key: `seed/${randomUUID()}`, content_type: 'image/jpeg', declared_size: bytes.length, status: 'processing', metadata: { filename: `${colour}-${j}.jpg` } });
      const [embedding] = await clip.embedImages([bytes]);
      await images.markReady(image.id, { model: clip.modelId, sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'), width: 120, height: 90, actualSize: bytes.length, exif: null, vectors: [{ modelId, embedding: embedding! }] });
      colourOf.set(image.id, colour);
    }
  }
  served = await serveSearch(db, dir, { maxPixels: 4_000_000, maxPhotoBytes: 2 * 1024 * 1024 });
  base = served.base;
});
afterAll(async () => {
  await served?.close();
  await db?.destroy();
  await clip?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('calibrated relevance', () => {
  it('gives every semantic result a relevance in [0, 1] that falls as its score does', async () => {
    expect(COLOURS.length * EACH).toBeGreaterThanOrEqual(MIN_BACKGROUND);
    const { status, body } = await post({ q: 'a photo of something blue', limit: 20 });
    expect(status).toBe(200);
    const { results } = SearchResponseSchema.parse(body);
    expect(results.map((r) => colourOf.get(r.image.id)).slice(0, EACH)).toEqual(Array(EACH).fill('blue'));
    for (const [i, r] of results.entries()) {
      expect(r.relevance).toBeGreaterThanOrEqual(0);
      expect(r.relevance).toBeLessThanOrEqual(1);
      if (i > 0) expect(r.relevance!).toBeLessThanOrEqual(results[i - 1]!.relevance!);
    }
    // Word matches carry none: they have no score against the background.
    const words = await post({ q: 'blue', mode: 'text' });
    expect(words.body.results.every((r: { relevance: unknown }) => r.relevance === null)).toBe(true);
  });

  it('cuts junk the same way for every phrasing and for a photo, where one raw score cannot', async () => {
    const queries = [{ q: 'red' }, { q: 'a photo of something red' }, { q: 'mostly red' }];
    const photo = await colourImage('red', { band: 'gray', width: 200, height: 150 });
    const searchPhoto = async (search: object) => {
      const response = await fetch(`${base}/search/photo`, { method: 'POST', headers: { 'content-type': PHOTO_SEARCH_TYPE }, body: encodePhotoSearch(search, photo) });
      return SearchResponseSchema.parse(await response.json()).results;
    };
    const all = [...(await Promise.all(queries.map(async (query) => SearchResponseSchema.parse((await post({ ...query, limit: 40 })).body).results))), await searchPhoto({ limit: 40 })];
    const reds = (results: SearchResponse['results']) => results.filter((r) => colourOf.get(r.image.id) === 'red');
    const others = (results: SearchResponse['results']) => results.filter((r) => colourOf.get(r.image.id) !== 'red');
    // Raw scores: one phrasing's junk scores above another's matches.
    const lowestMatch = Math.min(...all.flatMap((results) => reds(results).map((r) => r.score)));
    const highestJunk = Math.max(...all.flatMap((results) => others(results).map((r) => r.score)));
    expect(highestJunk).toBeGreaterThan(lowestMatch);
    // Relevance: one cut keeps every match of every phrasing, and nothing else.
    const lowestMatchRelevance = Math.min(...all.flatMap((results) => reds(results).map((r) => r.relevance!)));
    const highestJunkRelevance = Math.max(...all.flatMap((results) => others(results).map((r) => r.relevance!)));
    expect(lowestMatchRelevance).toBeGreaterThan(highestJunkRelevance);
    const cut = (lowestMatchRelevance + highestJunkRelevance) / 2;
    for (const query of queries) {
      const { body } = await post({ ...query, limit: 40, minRelevance: cut });
      expect(body.results.map((r: { image: { id: string } }) => colourOf.get(r.image.id)), query.q).toEqual(Array(EACH).fill('red'));
    }
    expect((await searchPhoto({ limit: 40, minRelevance: cut })).map((r) => colourOf.get(r.image.id))).toEqual(Array(EACH).fill('red'));
  });

  it('answers 400 naming minRelevance when it is out of range', async () => {
    for (const minRelevance of [-0.1, 1.5, 'high']) {
      const { status, body } = await post({ q: 'red', minRelevance });
      expect(status).toBe(400);
      expect(body.error.message).toMatch(/^minRelevance: must be/);
    }
  });
});
