import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database, ImageVectorsTable } from '../schema.js';
import { vectorTable, vectorTableName } from '../vector-tables.js';
import { fromVectorBytes, toVectorLiteral } from '../vector.js';
import { assertLimit, RECORD_COLUMNS, type ImageRecord } from './image-record.js';
import { filterConditions, type SearchFilterOptions } from './search-filters.js';

/** ef_search used when the caller gives none: pgvector's default. */
export const DEFAULT_EF_SEARCH = 40;
/** Rows an iterative (filtered) HNSW scan may visit before giving up, at least; pgvector's default. */
export const MAX_SCAN_TUPLES = 20_000;
/**
 * A filtered search whose filters match at most this many images reads them all and ranks them
 * exactly (through the filters' own indexes); one matching more walks the HNSW graph until
 * enough pass. Measured at 100k (SQL p50, recall@10): 1,925 matches took 16.8 ms exactly and
 * 18.0 ms by the graph at recall 0.94; 2,925 took 19.2 ms exactly and 12.1 ms by the graph at
 * 0.98. See docs/benchmarks.md, "Filtered search".
 */
export const EXACT_SCAN_MAX_ROWS = 2_000;

/** The most rows a filtered graph walk may read, however deep the page: past it, fewer results. */
export const MAX_GRAPH_SCAN_TUPLES = 200_000;

/** How a search finds its neighbours: the HNSW graph, or an exact ranking of the matching rows. */
export type NearestStrategy = 'graph' | 'exact';


export interface NearestOptions {
  /** Whose vectors to search: the model's id (its table is image_vectors_<id>). */
  modelId: number;
  /** The query: a vector (unit length, as CLIP embeddings are), or the image's stored vector in that model. */
  query: { embedding: ArrayLike<number> } | { imageId: string };
  /** Neighbours to return, 1 to 1000. */
  limit: number;
  /** HNSW candidate list size; larger finds more true neighbours, slower. @defaultValue max(limit, 40) */
  efSearch?: number;
  filters?: SearchFilterOptions;
  /** Images to leave out of the results (those a combined query names). */
  exclude?: readonly string[];
  /**
   * Where the previous page ended: only images farther than `distance`, or at it and not named
   * in `served` (the index orders by distance alone, so ties cannot be split by id); `depth` is
   * how many results the pages before held.
   */
  after?: { distance: number; served: readonly string[]; depth: number };
}

export interface Neighbour {
  image: ImageRecord;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
}

export interface EmbeddingRepositoryOptions {
  db: Kysely<Database>;
  /** The hnsw.ef_search the pool's connections start with (DatabaseOptions.efSearch), if set. @defaultValue none */
  sessionEfSearch?: number;
}

/** The vector queries: nearest neighbours by cosine distance through the HNSW index. */
export class EmbeddingRepository {
  readonly #options: Readonly<EmbeddingRepositoryOptions>;

  constructor(options: EmbeddingRepositoryOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /**
   * The kNN query through the HNSW index, exposed so tests can EXPLAIN exactly what production
   * runs. With `withQueryVector`, a query by image also returns that image's vector (vector_send)
   * on the first row.
   */
  nearestQuery(options: Omit<NearestOptions, 'efSearch'>, withQueryVector = false) {
    assertLimit(options.limit);
    const { db } = this.#options;
    const { query, filters = {} } = options;
    const vectors = vectorTable(options.modelId);
    const target = queryTarget(query, vectors);
    const distance = sql<number>`v.embedding <=> ${target}`;
    // The HNSW scan runs on the model's table; each row it yields is joined to its image by key,
    // where the filters apply.
    const knn = db
      .selectFrom(sql<ImageVectorsTable>`${vectors}`.as('v'))
      .innerJoin('images as i', 'i.id', 'v.image_id')
      .select([...RECORD_COLUMNS.map((column) => `i.${column}` as const), distance.as('distance')])
      .where((eb) => eb.and([...pageConditions(options, distance, target), ...filterConditions(filters)]))
      .orderBy(distance)
      .limit(options.limit);
    // The index can only produce rows ordered by distance alone, so the id tie-break that keeps
    // equal distances in a stable order is applied outside, to the few rows the index returned.
    return db
      .selectFrom(knn.as('knn'))
      .selectAll()
      // Only the first row carries it: the subquery runs once, and its 2 kB are sent once.
      .$if(withQueryVector && 'imageId' in query, (rows) => rows.select(sql<Buffer | null>`case when row_number() over (order by knn.distance, knn.id) = 1 then vector_send(${target}) end`.as('query_vector')))
      .orderBy('knn.distance')
      .orderBy('knn.id');
  }

  /**
   * The exact ranking, in one statement with the count that chooses it: the ready images the
   * filters match, counted through the filters' own indexes up to one over
   * {@link EXACT_SCAN_MAX_ROWS}; when that many or fewer, read again (from buffers the count has
   * just warmed) and ranked, each one's vector looked up by key. Its one row at least carries
   * `matching` and the vector table's estimated size; a query by image's vector rides on the first
   * row (null when the image has none, which also leaves nothing ranked). Exposed for EXPLAIN.
   */
  exactQuery(options: Omit<NearestOptions, 'efSearch'>) {
    assertLimit(options.limit);
    const { query, filters = {} } = options;
    const vectors = vectorTable(options.modelId);
    const target = queryTarget(query, vectors);
    const conditions = [sql<SqlBool>`counted.matching <= ${EXACT_SCAN_MAX_ROWS}`, ...pageConditions(options, sql`v.distance`, target)];
    // Counted apart, not kept from one read: keeping every column of 2,001 rows cost the many
    // matches more than the second read costs the few. When many match, the ranking never runs;
    // when it runs, the count has shown that its cap reads every match. The cap also keeps the
    // planner's estimate near the truth: estimated over every match of a 50 % filter, the
    // statement cost enough for PostgreSQL to JIT-compile it, 300 ms a search. The lateral lookup,
    // kept apart by `offset 0`, makes the ranking a loop over the matches by key whatever the
    // statistics say (pulled up, it became a hash join over every vector); it never touches the
    // HNSW index.
    return sql<ImageRecord & { distance: number | null; matching: number; total: number; query_vector: Buffer | null }>`
      with counted as (${countMatching(filters)})
      select counted.matching,
        (select reltuples::float8 from pg_class where oid = ${vectorTableName(options.modelId)}::regclass) as total,
        ${'imageId' in query ? sql`case when row_number() over (order by ranked.distance, ranked.id) = 1 then vector_send(${target}) end` : sql`null`} as query_vector,
        ranked.*
      from counted left join lateral (
        select i.*, v.distance from (${matchingImages(filters, sql.join(RECORD_COLUMNS.map((column) => sql.ref(`i.${column}`))), EXACT_SCAN_MAX_ROWS)}) i
          cross join lateral (select v.embedding <=> ${target} as distance from ${vectors} v where v.image_id = i.id offset 0) v
        where ${sql.join(conditions, sql` and `)}
        order by v.distance, i.id limit ${options.limit}
      ) ranked on true
      order by ranked.distance, ranked.id`;
  }

  /** The stored vectors of ready images in one model, by image id; an id without one is left out. */
  async vectorsOf(modelId: number, imageIds: readonly string[]): Promise<Map<string, Float32Array>> {
    if (imageIds.length === 0) return new Map();
    const { rows } = await sql<{ image_id: string; embedding: Buffer }>`
      select v.image_id, vector_send(v.embedding) as embedding from ${vectorTable(modelId)} v join images i on i.id = v.image_id
      where i.status = 'ready' and v.image_id = any(${[...imageIds]}::uuid[])`.execute(this.#options.db);
    return new Map(rows.map((row) => [row.image_id, fromVectorBytes(row.embedding)]));
  }

  /**
   * About `size` ready images' vectors in one model, picked by page sampling (`SYSTEM`) with a
   * fixed seed: the same rows while they exist, new ones joining as the library grows. Search
   * judges relevance against them. Pages, not rows, where vectors live inline (three or so to a
   * page): Bernoulli sampling would read every page of a table that is 2.6 GB at 1M.
   */
  async sample(modelId: number, size: number): Promise<Float32Array[]> {
    const { db } = this.#options;
    const vectors = vectorTable(modelId);
    // The planner's estimate of the rows, counted exactly only when it is small (or none yet):
    // a count reads the whole index, the estimate nothing.
    const estimate = await this.#estimate(modelId);
    let rows = estimate.rows;
    // Rows written before vectors were stored inline still sit a hundred to a page (their vectors
    // in TOAST): there, pages would be too coarse a sample, and reading every page is cheap.
    const method = estimate.heapBytes / Math.max(rows, 1) > 1024 ? sql`system` : sql`bernoulli`;
    if (rows < 10 * size) rows = Number((await sql<{ count: string }>`select count(*) as count from ${vectors}`.execute(db)).rows[0]!.count);
    // Half again as many as wanted, so the ones not ready yet and chance leave enough.
    const percent = Math.min(100, (150 * size) / Math.max(rows, 1));
    const { rows: sampled } = await sql<{ embedding: Buffer }>`
      select vector_send(v.embedding) as embedding from ${vectors} v tablesample ${method} (${sql.lit(percent)}) repeatable (1)
      join images i on i.id = v.image_id where i.status = 'ready' limit ${size}`.execute(db);
    return sampled.map((row) => fromVectorBytes(row.embedding));
  }

  /**
   * How a search with these filters is best answered: how many ready images they match, counted
   * up to one over {@link EXACT_SCAN_MAX_ROWS} through the filters' indexes, so the count costs
   * little whatever the filter keeps. No filter walks the graph.
   */
  async chooseStrategy(filters: SearchFilterOptions = {}): Promise<{ strategy: NearestStrategy; matching?: number }> {
    if (filterConditions(filters).length === 0) return { strategy: 'graph' };
    const { rows } = await countMatching(filters).execute(this.#options.db);
    const matching = rows[0]!.matching;
    return { strategy: matching <= EXACT_SCAN_MAX_ROWS ? 'exact' : 'graph', matching };
  }

  /**
   * Nearest ready images by cosine distance. Unfiltered, through the HNSW index. Filtered, as
   * {@link chooseStrategy} would choose, in the statement that counts ({@link exactQuery}): few
   * matches are ranked exactly there; many are found by pgvector's iterative scan, which keeps
   * reading the graph until `limit` rows pass the filters (within a budget, see scanBudget), so a
   * selective filter still fills the page.
   */
  async nearest(options: NearestOptions): Promise<Neighbour[]> {
    return (await this.#nearest(options, false)).neighbours;
  }

  /**
   * {@link nearest}, and the query's vector: for a query by image, the image's (undefined when it
   * has none or is not ready). It comes in the statement that ranks or counts, so a search that
   * judges its results against the query (relevance) makes no round trip for it.
   */
  nearestWithQueryVector(options: NearestOptions): Promise<{ neighbours: Neighbour[]; queryVector: ArrayLike<number> | undefined }> {
    return this.#nearest(options, true);
  }

  async #nearest(options: NearestOptions, withQueryVector: boolean): Promise<{ neighbours: Neighbour[]; queryVector: ArrayLike<number> | undefined }> {
    const given = 'embedding' in options.query ? options.query.embedding : undefined;
    const efSearch = Math.min(Math.max(Math.trunc(options.efSearch ?? Math.max(options.limit, DEFAULT_EF_SEARCH)), 1), 1000);
    const hasFilters = filterConditions(options.filters ?? {}).length > 0;
    // The common case runs as one statement on the session's settings.
    if (!hasFilters && options.after === undefined && efSearch === this.#options.sessionEfSearch) {
      const rows = await this.nearestQuery(options, withQueryVector).execute();
      const queryVector = rows[0]?.query_vector;
      return { neighbours: toNeighbours(rows.map(({ query_vector: _, ...row }) => row)), queryVector: queryVector ? fromVectorBytes(queryVector) : given };
    }
    let stored: Float32Array | undefined;
    let scan: { matching: number; total: number } | undefined;
    if (hasFilters) {
      // Few matches are ranked exactly by the statement that counts them; many walk the graph.
      const [first, ...rest] = (await this.exactQuery(options).execute(this.#options.db)).rows;
      const { matching, total, query_vector } = first!;
      stored = query_vector ? fromVectorBytes(query_vector) : undefined;
      if (matching <= EXACT_SCAN_MAX_ROWS) {
        const ranked = [first!, ...rest].filter((row) => row.distance !== null).map(({ matching: _m, total: _t, query_vector: _q, ...row }) => row);
        return { neighbours: toNeighbours(ranked as (ImageRecord & { distance: number })[]), queryVector: stored ?? given };
      }
      scan = { matching, total };
    } else if ('imageId' in options.query) {
      stored = (await this.vectorsOf(options.modelId, [options.query.imageId])).get(options.query.imageId);
    }
    // An image without a vector (missing, not ready) finds nothing.
    if ('imageId' in options.query && !stored) return { neighbours: [], queryVector: undefined };
    const walk = stored && 'imageId' in options.query ? { ...options, query: { embedding: stored }, exclude: [...(options.exclude ?? []), options.query.imageId] } : options;
    // Past here the query is a vector: ordered by a vector its own SQL read, the filtered graph
    // walk took 160-200 ms at 100k where the same vector as a constant took 8-11.
    const settings: Record<string, string> = { 'hnsw.ef_search': String(efSearch) };
    if (hasFilters || options.after) {
      // A later page must come in exact distance order: with relaxed order, an image nearer
      // than the page's last but read later would fall behind the LIMIT here and behind the
      // cursor on the next page, never shown. Each page walks past the pages before it, so the
      // walk may go that much further.
      settings['hnsw.iterative_scan'] = options.after ? 'strict_order' : 'relaxed_order';
      settings['hnsw.max_scan_tuples'] = String(scanBudget(options.limit, scan) + 2 * (options.after?.depth ?? 0));
      // The planner prices pgvector's iterative scan poorly and would rather read every match
      // and sort them; the count has just shown that there are too many for that.
      if (hasFilters) settings.enable_sort = 'off';
    }
    // A transaction, so SET LOCAL scopes the settings to it and pooled connections stay clean.
    const neighbours = await this.#options.db.transaction().execute(async (trx) => {
      // Every setting in one round trip.
      await sql`select ${sql.join(Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`))}`.execute(trx);
      return toNeighbours(await new EmbeddingRepository({ db: trx }).nearestQuery(walk).execute());
    });
    return { neighbours, queryVector: stored ?? given };
  }

  /** The planner's estimate of a model's vectors (-1 before the table was first analysed) and its heap's size: reads no table. */
  async #estimate(modelId: number): Promise<{ rows: number; heapBytes: number }> {
    const { rows } = await sql<{ rows: number; heap: string }>`
      select reltuples::float8 as rows, pg_relation_size(oid) as heap from pg_class where oid = ${vectorTableName(modelId)}::regclass`.execute(this.#options.db);
    return { rows: Number(rows[0]?.rows ?? -1), heapBytes: Number(rows[0]?.heap ?? 0) };
  }
}

/** kNN rows as images and their distance (pg returns the distance as text). */
export function toNeighbours(rows: readonly (ImageRecord & { distance: number | string })[]): Neighbour[] {
  return rows.map(({ distance, ...image }) => ({ image: image as ImageRecord, distance: Number(distance) }));
}

/**
 * Rows a filtered graph walk may read: enough for the sparsest filter that takes the graph (one
 * matching just over {@link EXACT_SCAN_MAX_ROWS}, the count's cap) to yield `limit` three times
 * over, never under pgvector's default and never over {@link MAX_GRAPH_SCAN_TUPLES}. Without a
 * count (a later page of an unfiltered search), pgvector's default.
 */
function scanBudget(limit: number, scan: { matching: number; total: number } | undefined): number {
  if (!scan) return MAX_SCAN_TUPLES;
  const total = Math.max(scan.total, scan.matching);
  return Math.min(Math.max(MAX_SCAN_TUPLES, Math.ceil((3 * limit * total) / scan.matching)), MAX_GRAPH_SCAN_TUPLES);
}

/** How many ready images the filters match, counted up to one over {@link EXACT_SCAN_MAX_ROWS}: cheap whatever they keep. */
function countMatching(filters: SearchFilterOptions) {
  return sql<{ matching: number }>`select count(*)::int as matching from (${matchingImages(filters, sql`1`, EXACT_SCAN_MAX_ROWS + 1)}) m`;
}

/** Up to `cap` of the ready images the filters match. */
function matchingImages(filters: SearchFilterOptions, columns: RawBuilder<unknown>, cap: number) {
  return sql`select ${columns} from images i where ${sql.join([sql`i.status = 'ready'`, ...filterConditions(filters)], sql` and `)} limit ${cap}`;
}

/** The query as SQL: its vector, or the stored vector of the image it names while that image is ready (else NULL). */
function queryTarget(query: NearestOptions['query'], vectors: ReturnType<typeof vectorTable>) {
  return 'embedding' in query
    ? sql`${toVectorLiteral(query.embedding)}::vector`
    : sql`(select q.embedding from ${vectors} q join images qi on qi.id = q.image_id where qi.status = 'ready' and q.image_id = ${query.imageId})`;
}

/**
 * What every kNN statement asks of a row beyond the filters: not the query image itself (whose
 * missing vector finds nothing, not everything at NULL distance), none of `exclude`, and past
 * the previous page.
 */
function pageConditions(options: Omit<NearestOptions, 'efSearch'>, distance: RawBuilder<number>, target: RawBuilder<unknown>): RawBuilder<SqlBool>[] {
  const conditions: RawBuilder<SqlBool>[] = [];
  if ('imageId' in options.query) conditions.push(sql<SqlBool>`i.id <> ${options.query.imageId}`, sql<SqlBool>`${target} is not null`);
  if (options.exclude?.length) conditions.push(sql<SqlBool>`i.id <> all(${[...options.exclude]}::uuid[])`);
  if (options.after) {
    const { distance: last, served } = options.after;
    conditions.push(sql<SqlBool>`(${distance} > ${last}::float8 or (${distance} = ${last}::float8 and i.id <> all(${[...served]}::uuid[])))`);
  }
  return conditions;
}
