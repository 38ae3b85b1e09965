import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipModel } from '@sis/clip';
import { settingsSchema } from '@sis/config';
import { createDatabase, EmbeddingRepository, ImageStatsRepository, ModelRepository, toFilterOptions, vectorTableName, type NearestStrategy, type SearchFilterOptions } from '@sis/db';
import { copyImages, exactNearest, sampleImageIds, tableSizeBytes, withIndexRebuilt } from '@sis/db/benchmark';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile, recallAtK, round, timed } from './stats.js';
import { makePhotos } from './ingest.bench.js';
import { FILTER_KINDS, GaussianMixture, selectiveFilter, SELECTIVITIES, type FilterKind, type Selectivity } from './synthetic.js';
import { BENCH_ADMIN_TOKEN, metric, scrape, type BenchSystem } from './system.js';

const LIMIT = 10;
/** What the search service uses for limit 10 when SEARCH_EF_SEARCH is left at its default. */
export const SERVICE_EF_SEARCH = Math.max(settingsSchema.shape.SEARCH_EF_SEARCH.parse(undefined), 2 * LIMIT);
const QUERIES = 200;
/** Queries for each filter at each selectivity (their exact answers scan the table each). */
const FILTERED_QUERIES = 50;

/** A filtered search end to end, and how the search service answered it. */
export interface FilteredRun {
  e2eP50Ms: number;
  e2eP99Ms: number;
  /** Against the exact answer with the same filter. */
  recallAt10: number;
  strategy: NearestStrategy;
  /** Images the filter matched, counted up to one past the exact-ranking limit. */
  matching?: number;
}

/** One selectivity: the kind of filter with the slowest p50, and every kind. */
export interface FilteredSelectivity extends FilteredRun {
  kind: FilterKind;
  kinds: Record<FilterKind, FilteredRun>;
}

export interface SearchSizeResult {
  size: number;
  loadSeconds: number;
  indexBuildSeconds: number;
  indexSizeMb: number;
  tableSizeMb: number;
  exactP50Ms: number;
  /** The production SQL for the same image queries the end-to-end run sends. */
  sqlP50Ms: number;
  sqlP99Ms: number;
  /** The production SQL for the held-out vectors recall is measured on. */
  vectorSqlP50Ms: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
  /** p99 of the first pass over the same queries, right after the services start: cold caches. */
  e2eColdP99Ms: number;
  recallAt10: number;
  requestsPerSec: number;
  filteredP50Ms: number;
  filteredExactP50Ms: number;
  filteredRecallAt10: number;
  /** Filtered searches through the gateway at 0.1 %, 1 %, 10 % and 50 % of the library, by three kinds of filter. */
  filtered: Record<Selectivity, FilteredSelectivity>;
  /**
   * The production kNN SQL (by image) from a pool of 8 at concurrency 8, in this process: what
   * `requestsPerSec` is to be compared with. Measured right before and right after it, with the
   * services up, and the mean kept: this machine's speed drifts within minutes.
   */
  sqlRequestsPerSec: number;
  searchPeakRssMb: number;
  /**
   * End to end through the gateway, by kind of query, on the same collection: words (`semantic`,
   * the plain text query), a combined query (words, an image at 0.5, words at -0.5), `hybrid` and
   * `text` (word search). Query texts repeat, so their encoding is cached in every kind alike:
   * this is the search path, not the text tower. `photo` sends a new photo each time;
   * `photoRemembered` the same photos again, whose vectors the search service remembers: the
   * path around the image tower. `page5` is a word query's fifth page, `hybridPage2` a hybrid
   * query's second (the first to fuse both rankings 1,000 deep).
   */
  modes: Record<'semantic' | 'combined' | 'hybrid' | 'text' | 'photo' | 'page5' | 'hybridPage2' | 'photoRemembered', { p50Ms: number; p99Ms: number }>;
  /**
   * The image tower alone on the photos `modes.photo` sends (1024×768 JPEGs: decode, preprocess,
   * embed), in this process: what a photo search adds to a plain one.
   */
  photoTowerP50Ms: number;
}

/** A different photo for every photo query, warm-up included: the search service remembers a photo's vector, and only new photos cost a model call. */
const PHOTOS = QUERIES + 5;

/** Queries in the words vit-b-32-random's tokenizer knows. */
const PHRASES = ['a photo of a dog', 'a red sofa', 'a cat at sunset', 'a dog at the beach', 'a photo of a red cat', 'sunset at the beach', 'a dog on a sofa', 'a photo of a beach'];

export const SIZE_LABELS: Readonly<Record<string, number>> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

/** Photo-like JPEGs to search with, each different. */
async function photoQueries(): Promise<Buffer[]> {
  const dir = await makePhotos(PHOTOS);
  try {
    return await Promise.all(Array.from({ length: PHOTOS }, (_, i) => readFile(join(dir, `photo-${i}.jpg`))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image tower's p50 on these photos, decode and preprocessing included, loaded as the search service loads it. */
async function towerTime(model: string, photos: readonly Buffer[]): Promise<number> {
  const clip = await ClipModel.load({ model, allowRemoteModels: false, towers: ['vision'] });
  try {
    for (const photo of photos.slice(0, 5)) await clip.embedImages([photo]);
    const ms: number[] = [];
    for (const photo of photos.slice(5, 45)) ms.push((await timed(() => clip.embedImages([photo])))[1]);
    return round(percentile(ms, 50));
  } finally {
    await clip.dispose();
  }
}

async function latencies(queries: Float32Array[], run: (q: Float32Array) => Promise<string[]>): Promise<{ ids: string[][]; ms: number[] }> {
  const ids: string[][] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const [found, elapsed] = await timed(() => run(q));
    ids.push(found);
    ms.push(elapsed);
  }
  return { ids, ms };
}

/**
 * One size: load synthetic vectors with binary COPY, build the HNSW index, then answer 200
 * held-out queries three ways (exact scan, production SQL, the HTTP API), plus a filtered variant
 * and a throughput run at concurrency 8.
 */
export async function benchSearchSize(system: BenchSystem, label: string, settings: { model: string }): Promise<SearchSizeResult> {
  const size = SIZE_LABELS[label];
  if (!size) throw new Error(`unknown size ${label}; use ${Object.keys(SIZE_LABELS).join(', ')}`);
  const url = await system.database(`search_${label}_${Date.now()}`);
  // Configured as the search service configures its pool, so "SQL" is exactly what it runs.
  const db = createDatabase({ url, poolSize: 4, efSearch: SERVICE_EF_SEARCH });
  const embeddings = new EmbeddingRepository({ db, sessionEfSearch: SERVICE_EF_SEARCH });
  try {
    const mixture = new GaussianMixture({ dimension: 512, centres: 300, spread: 0.03, seed: 42 });
    // The model the services will load, registered first (the search service looks its vectors up by it).
    const { id: modelId } = await new ModelRepository({ db }).ensure({ source: settings.model, dtype: null, dimension: 512, preprocessingHash: null });
    let loadSeconds = 0;
    const indexBuildSeconds = await withIndexRebuilt(
      db,
      `${vectorTableName(modelId)}_hnsw_idx`,
      async () => {
        const [, ms] = await timed(() => copyImages(url, modelId, mixture.images(size)));
        loadSeconds = ms / 1000;
      },
      { maintenanceWorkMem: '8GB', parallelWorkers: 1 },
    );
    const queries = Array.from({ length: QUERIES }, () => mixture.next());
    const ids = (rows: { image: { id: string } }[]) => rows.map((r) => r.image.id);

    const exact = await latencies(queries, async (q) => ids(await exactNearest(db, { modelId, query: { embedding: q }, limit: LIMIT })));
    await latencies(queries.slice(0, 20), async (q) => ids(await embeddings.nearest({ modelId, query: { embedding: q }, limit: LIMIT, efSearch: SERVICE_EF_SEARCH })));
    const approximate = await latencies(queries, async (q) => ids(await embeddings.nearest({ modelId, query: { embedding: q }, limit: LIMIT, efSearch: SERVICE_EF_SEARCH })));

    const filters: SearchFilterOptions = { contentType: 'image/png' };
    const filteredExact = await latencies(queries, async (q) => ids(await exactNearest(db, { modelId, query: { embedding: q }, limit: LIMIT, filters })));
    const filtered10 = await latencies(queries, async (q) => ids(await embeddings.nearest({ modelId, query: { embedding: q }, limit: LIMIT, efSearch: SERVICE_EF_SEARCH, filters })));

    // Like for like with the end-to-end run: the same image queries, straight through pg.
    const sample = await sampleImageIds(db, QUERIES);
    const byImage = async (imageId: string) => ids(await embeddings.nearest({ modelId, query: { imageId }, limit: LIMIT, efSearch: SERVICE_EF_SEARCH }));
    for (const id of sample.slice(0, 20)) await byImage(id);
    const imageSql: number[] = [];
    for (const id of sample) imageSql.push((await timed(() => byImage(id)))[1]);

    // The exact answers for every filter, before the services start: each reads the whole table.
    const filterCases = (Object.keys(SELECTIVITIES) as Selectivity[]).flatMap((selectivity) => FILTER_KINDS.map((kind) => ({ selectivity, kind, filter: selectiveFilter(kind, selectivity) })));
    const filteredSample = sample.slice(0, FILTERED_QUERIES);
    const truths = new Map<string, { ids: string[][]; choice: Awaited<ReturnType<EmbeddingRepository['chooseStrategy']>> }>();
    for (const { selectivity, kind, filter } of filterCases) {
      const filters = toFilterOptions(filter);
      const truth: string[][] = [];
      for (const imageId of filteredSample) truth.push(ids(await exactNearest(db, { modelId, query: { imageId }, limit: LIMIT, filters })));
      truths.set(`${selectivity} ${kind}`, { ids: truth, choice: await embeddings.chooseStrategy(filters) });
    }

    const photos = await photoQueries();
    const photoTowerP50Ms = await towerTime(settings.model, photos);
    const services = await system.services(url, { CLIP_MODEL: settings.model, ALLOW_REMOTE_MODELS: 'false' });
    let e2e: number[];
    let e2eColdP99Ms: number;
    let requestsPerSec: number;
    let sqlRequestsPerSec: number;
    let searchPeakRssMb: number;
    let modes: SearchSizeResult['modes'];
    const filtered = {} as SearchSizeResult['filtered'];
    try {
      // A lean keep-alive client, as the gateway itself uses for search: the figure is the
      // server's path, not the cost of the global fetch (1 to 1.5 ms a call here).
      const client = new Pool(services.url, { connections: 8 });
      const post = async (request: object) => {
        const { statusCode, body } = await client.request({
          path: '/v1/search',
          method: 'POST',
          headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
        if (statusCode !== 200) throw new Error(`search answered ${statusCode}: ${await body.text()}`);
        return body.json();
      };
      const phrase = (i: number) => PHRASES[i % PHRASES.length]!;
      const search = (imageId: string) => post({ imageId, limit: LIMIT });
      const postPhoto = async (photo: Buffer) => {
        const form = new FormData();
        form.append('image', new Blob([photo]), 'query.jpg');
        form.append('search', JSON.stringify({ limit: LIMIT }));
        const { statusCode, body } = await client.request({ path: '/v1/search', method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, body: form });
        if (statusCode !== 200) throw new Error(`photo search answered ${statusCode}: ${await body.text()}`);
        return body.json();
      };
      /** Page `n` of a query: the pages before it are fetched first, untimed, for their cursors. */
      const page = async (request: object, n: number) => {
        let cursor: string | undefined;
        for (let k = 1; k < n; k++) cursor = ((await post({ ...request, ...(cursor ? { cursor } : {}) })) as { nextCursor: string }).nextCursor;
        return timed(() => post({ ...request, cursor }));
      };
      // The first pass over the queries meets cold caches: PostgreSQL's buffers for the result
      // rows, and every result's thumbnail URL signed for the first time. Measured at 100k, it
      // had a p99 of 43 ms where the next two passes had 15-17 ms at a p50 of 10. It is reported
      // apart (e2eColdP99Ms); the steady state is the second pass.
      const cold: number[] = [];
      for (const id of sample) cold.push((await timed(() => search(id)))[1]);
      e2eColdP99Ms = round(percentile(cold, 99));
      e2e = [];
      for (const id of sample) e2e.push((await timed(() => search(id)))[1]);
      const kinds: Record<'semantic' | 'combined' | 'hybrid' | 'text', (i: number) => object> = {
        semantic: (i) => ({ q: phrase(i), limit: LIMIT }),
        combined: (i) => ({ query: [{ text: phrase(i) }, { imageId: sample[i]!, weight: 0.5 }, { text: 'red', weight: -0.5 }], limit: LIMIT }),
        hybrid: (i) => ({ q: phrase(i), mode: 'hybrid', limit: LIMIT }),
        text: (i) => ({ q: phrase(i), mode: 'text', limit: LIMIT }),
      };
      modes = {} as SearchSizeResult['modes'];
      for (const [kind, request] of Object.entries(kinds) as [keyof typeof kinds, (i: number) => object][]) {
        for (let i = 0; i < 20; i++) await post(request(i));
        const ms: number[] = [];
        for (let i = 0; i < sample.length; i++) ms.push((await timed(() => post(request(i))))[1]);
        modes[kind] = { p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)) };
      }
      // The first photo search loads the image tower: warmed up, as the others are.
      for (const photo of photos.slice(0, 5)) await postPhoto(photo);
      const photoMs: number[] = [];
      for (const photo of photos.slice(5)) photoMs.push((await timed(() => postPhoto(photo)))[1]);
      modes.photo = { p50Ms: round(percentile(photoMs, 50)), p99Ms: round(percentile(photoMs, 99)) };
      // The same photos again: their vectors are remembered, so this is the path around the tower.
      const rememberedMs: number[] = [];
      for (const photo of photos.slice(5)) rememberedMs.push((await timed(() => postPhoto(photo)))[1]);
      modes.photoRemembered = { p50Ms: round(percentile(rememberedMs, 50)), p99Ms: round(percentile(rememberedMs, 99)) };
      // Page 5 of words; page 2 of hybrid, the first to fuse both rankings 1,000 deep.
      for (const [kind, request, n] of [['page5', (i: number) => ({ q: phrase(i), limit: LIMIT }), 5], ['hybridPage2', (i: number) => ({ q: phrase(i), mode: 'hybrid', limit: LIMIT }), 2]] as const) {
        for (let i = 0; i < 5; i++) await page(request(i), n);
        const pageMs: number[] = [];
        for (let i = 0; i < sample.length; i++) pageMs.push((await page(request(i), n))[1]);
        modes[kind] = { p50Ms: round(percentile(pageMs, 50)), p99Ms: round(percentile(pageMs, 99)) };
      }
      for (const { selectivity, kind, filter } of filterCases) {
        const request = (imageId: string) => post({ imageId, limit: LIMIT, filters: filter }) as Promise<{ results: { image: { id: string } }[] }>;
        for (const imageId of filteredSample.slice(0, 5)) await request(imageId);
        const ms: number[] = [];
        const found: string[][] = [];
        for (const imageId of filteredSample) {
          const [answer, elapsed] = await timed(() => request(imageId));
          ms.push(elapsed);
          found.push(answer.results.map((result) => result.image.id));
        }
        const { ids: truth, choice } = truths.get(`${selectivity} ${kind}`)!;
        const run: FilteredRun = { e2eP50Ms: round(percentile(ms, 50)), e2eP99Ms: round(percentile(ms, 99)), recallAt10: round(recallAtK(truth, found, LIMIT), 4), ...choice };
        const worst = filtered[selectivity];
        const kinds = { ...worst?.kinds, [kind]: run } as Record<FilterKind, FilteredRun>;
        filtered[selectivity] = !worst || run.e2eP50Ms > worst.e2eP50Ms ? { ...run, kind, kinds } : { ...worst, kinds };
      }
      await client.close();
      const sqlBefore = await sqlThroughput(url, sample, modelId);
      let next = 0;
      const result = await autocannon({
        url: `${services.url}/v1/search`,
        connections: 8,
        duration: 10,
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ imageId: sample[next++ % sample.length], limit: LIMIT }) }) }],
      });
      if (result.non2xx > 0) throw new Error(`${result.non2xx} searches failed under load`);
      requestsPerSec = round(result.requests.average);
      sqlRequestsPerSec = round((sqlBefore + (await sqlThroughput(url, sample, modelId))) / 2);
      searchPeakRssMb = round(metric(await scrape(services.searchUrl), 'sis_search_process_max_rss_bytes') / 2 ** 20, 0);
    } finally {
      await services.stop();
    }

    const stats = await new ImageStatsRepository({ db }).vectorIndexStats();
    return {
      size,
      loadSeconds: round(loadSeconds, 1),
      indexBuildSeconds: round(indexBuildSeconds, 1),
      indexSizeMb: round(stats.indexBytes / 2 ** 20, 1),
      tableSizeMb: round((await tableSizeBytes(db, modelId)) / 2 ** 20, 1),
      exactP50Ms: round(percentile(exact.ms, 50)),
      sqlP50Ms: round(percentile(imageSql, 50)),
      sqlP99Ms: round(percentile(imageSql, 99)),
      vectorSqlP50Ms: round(percentile(approximate.ms, 50)),
      e2eP50Ms: round(percentile(e2e, 50)),
      e2eP99Ms: round(percentile(e2e, 99)),
      e2eColdP99Ms,
      recallAt10: round(recallAtK(exact.ids, approximate.ids, LIMIT), 4),
      requestsPerSec,
      filteredP50Ms: round(percentile(filtered10.ms, 50)),
      filteredExactP50Ms: round(percentile(filteredExact.ms, 50)),
      filteredRecallAt10: round(recallAtK(filteredExact.ids, filtered10.ids, LIMIT), 4),
      filtered,
      sqlRequestsPerSec,
      searchPeakRssMb,
      modes,
      photoTowerP50Ms,
    };
  } finally {
    await db.destroy();
  }
}

/**
 * The production kNN SQL by image, from 8 loops sharing a pool of 8 connections for 10 s, with
 * the search service's ef_search: the throughput PostgreSQL gives without the two HTTP hops.
 */
async function sqlThroughput(url: string, sample: readonly string[], modelId: number, seconds = 10): Promise<number> {
  const pool = createDatabase({ url, poolSize: 8, efSearch: SERVICE_EF_SEARCH });
  const embeddings = new EmbeddingRepository({ db: pool, sessionEfSearch: SERVICE_EF_SEARCH });
  try {
    let next = 0;
    let done = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await embeddings.nearest({ modelId, query: { imageId: sample[next++ % sample.length]! }, limit: LIMIT, efSearch: SERVICE_EF_SEARCH });
          done++;
        }
      }),
    );
    return round(done / seconds);
  } finally {
    await pool.destroy();
  }
}
