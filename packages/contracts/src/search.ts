import { z } from 'zod';
import { IdSchema, optionalQueryInt, queryInt, storableText, TimestampSchema } from './common.js';
import { ImageSummarySchema } from './images.js';
import { ACCEPTED_CONTENT_TYPES } from './uploads.js';

export const MAX_QUERY_LENGTH = 1000;
export const MAX_SEARCH_LIMIT = 200;

// Storable: text search hands the words to PostgreSQL, whose text cannot hold NUL.
const QueryTextSchema = storableText(
  z
    .string({ message: 'must be text' })
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(MAX_QUERY_LENGTH, { message: `must be at most ${MAX_QUERY_LENGTH} characters` }),
).meta({ example: 'a dog asleep on a red sofa' });

/** Similarity at and above which two images count as near-duplicates, unless a request says otherwise. */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.95;

const ThresholdSchema = z
  .number({ message: 'must be a number' })
  .min(0, { message: 'must be at least 0' })
  .max(1, { message: 'must be at most 1' })
  .meta({ description: 'Cosine similarity at and above which two images are near-duplicates: 1 is identical vectors; 0.95 catches resized, recompressed and lightly edited copies.' });

export const SEARCH_MODES = ['semantic', 'text', 'hybrid'] as const;
const ModeSchema = z
  .enum(SEARCH_MODES, { message: `must be one of ${SEARCH_MODES.join(', ')}` })
  .optional()
  .meta({
    description:
      '`semantic` (the default) matches what images show; `text` matches the words they carry (name, file name, metadata, camera make and model, description); `hybrid` fuses the two rankings (reciprocal rank fusion). `text` and `hybrid` take `q`.',
  });

/** Longest cursor accepted: the service's own are under 200 characters, unless they name many identical images. */
const MAX_CURSOR_LENGTH = 4000;
const CursorSchema = z
  .string({ message: 'must be text' })
  .min(1, { message: 'must not be empty' })
  .max(MAX_CURSOR_LENGTH, { message: `must be at most ${MAX_CURSOR_LENGTH} characters` })
  .optional()
  .meta({ description: "The previous page's `nextCursor`, for the page after it. Send it with the same search (query, mode, filters); `limit` may change. Opaque and signed: a changed cursor is refused." });

const MODEL_DESCRIPTION = 'Search with this model (an id from GET /v1/models) instead of the active one, to compare models on your own photos; it must have embedded every ready image.';
/** Model ids are PostgreSQL integers. */
const MAX_MODEL_ID = 2 ** 31 - 1;

export const SearchFiltersSchema = z
  .object({
    createdAfter: TimestampSchema.optional(),
    createdBefore: TimestampSchema.optional(),
    contentType: z.enum(ACCEPTED_CONTENT_TYPES).optional(),
    batchId: IdSchema.optional(),
    exif: z
      .record(storableText(z.string().max(100)), z.union([storableText(z.string().max(500)), z.number(), z.boolean()]))
      .refine((fields) => Object.keys(fields).length <= 20, { message: 'must name at most 20 fields' })
      .optional()
      .meta({ description: 'EXIF fields that must match exactly, e.g. {"Make": "NIKON CORPORATION"}.', example: { Make: 'NIKON CORPORATION' } }),
  })
  .strict()
  .meta({ id: 'SearchFilters' });
export type SearchFilters = z.infer<typeof SearchFiltersSchema>;

export const MAX_QUERY_TERMS = 8;
export const MAX_TERM_WEIGHT = 2;

const WeightSchema = z
  .number({ message: 'must be a number' })
  .min(-MAX_TERM_WEIGHT, { message: `must be at least -${MAX_TERM_WEIGHT}` })
  .max(MAX_TERM_WEIGHT, { message: `must be at most ${MAX_TERM_WEIGHT}` })
  .default(1)
  .meta({ description: 'How much this term counts; negative moves results away from it.' });

/** One term of a combined query: words, or a stored image, each with a weight. */
export const QueryTermSchema = z
  .union([z.object({ text: QueryTextSchema, weight: WeightSchema }).strict(), z.object({ imageId: IdSchema, weight: WeightSchema }).strict()], {
    message: 'must be {"text": …, "weight": …} or {"imageId": …, "weight": …}',
  })
  .meta({ id: 'QueryTerm' });
export type QueryTerm = z.infer<typeof QueryTermSchema>;

const QueryTermsSchema = z
  .array(QueryTermSchema, { message: 'must be a list of terms' })
  .min(1, { message: 'must have at least one term' })
  .max(MAX_QUERY_TERMS, { message: `must have at most ${MAX_QUERY_TERMS} terms` });

const MinRelevanceSchema = z.number({ message: 'must be a number' }).min(0, { message: 'must be at least 0' }).max(1, { message: 'must be at most 1' });
const MIN_RELEVANCE_DESCRIPTION =
  'Leave out results less relevant than this (see `relevance` in the results): the same cut means the same for every query, where a raw score threshold does not. 0.5 keeps what a typical image of the library scores with odds under one in a thousand. Applies to the semantic ranking, as minScore does; no effect while the library has fewer than 20 images.';

/** What every search takes besides its query: page size and place, filters, model, cut-offs, folding. */
const searchOptions = {
  limit: z.number({ message: 'must be a number' }).int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(MAX_SEARCH_LIMIT, { message: `must be at most ${MAX_SEARCH_LIMIT}` }).default(20),
  filters: SearchFiltersSchema.optional(),
  model: z
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(MAX_MODEL_ID, { message: `must be at most ${MAX_MODEL_ID}` })
    .optional()
    .meta({ description: MODEL_DESCRIPTION }),
  minScore: z
    .number({ message: 'must be a number' })
    .min(-1, { message: 'must be at least -1' })
    .max(1, { message: 'must be at most 1' })
    .optional()
    .meta({ description: 'Leave out results less similar than this (cosine similarity). Applies to the semantic ranking: no effect in text mode; in hybrid mode, images found by their words alone still come through.' }),
  minRelevance: MinRelevanceSchema.optional().meta({ description: MIN_RELEVANCE_DESCRIPTION }),
  collapseDuplicates: z.boolean({ message: 'must be true or false' }).optional().meta({ description: 'Fold near-duplicates of a better result into its `duplicates` list; the search looks three times as far, so the page usually still holds `limit` results. Off when left out.' }),
  duplicateThreshold: ThresholdSchema.optional().meta({ description: `With collapseDuplicates: the similarity at and above which results fold together; ${DEFAULT_DUPLICATE_THRESHOLD} when left out.` }),
  cursor: CursorSchema,
};

export const SearchRequestSchema = z
  .object({
    q: QueryTextSchema.optional(),
    imageId: IdSchema.optional().meta({ description: 'Find images like this one instead of matching text.' }),
    query: QueryTermsSchema.refine((terms) => terms.length === 0 || terms.some((term) => term.weight > 0), { message: 'needs at least one term with a positive weight' })
      .optional()
      .meta({
        description:
          'A combined query: the weighted sum of each term\'s normalised embedding, normalised again. "beach" plus an image of yours at 0.5, minus "people" at 0.5: `[{"text": "beach"}, {"imageId": "…", "weight": 0.5}, {"text": "people", "weight": -0.5}]`. The images it names are left out of the results.',
      }),
    mode: ModeSchema,
    ...searchOptions,
  })
  .strict()
  .refine((r) => [r.q, r.imageId, r.query].filter((given) => given !== undefined).length === 1, { message: 'give exactly one of q, imageId and query', path: ['q'] })
  .refine((r) => r.mode === undefined || r.mode === 'semantic' || r.q !== undefined, { message: 'text and hybrid search take q', path: ['mode'] })
  .meta({ id: 'SearchRequest' });
export type SearchRequest = z.infer<typeof SearchRequestSchema>;
/** A search request as a client may write it, defaults left out: what the gateway forwards. */
export type SearchRequestInput = z.input<typeof SearchRequestSchema>;

/**
 * A search with a photo that is not stored (multipart `POST /v1/search`): everything but the
 * photo, as JSON in the form's `search` field. The photo is one more term of the query, alone or
 * with words and stored images.
 */
export const PhotoSearchSchema = z
  .object({
    q: QueryTextSchema.optional().meta({ description: 'Words to search for together with the photo.' }),
    query: QueryTermsSchema.optional().meta({ description: 'Terms to combine with the photo, as in a JSON search; weights may all be negative, the photo being positive.' }),
    imageWeight: z
      .number({ message: 'must be a number' })
      .gt(0, { message: 'must be more than 0' })
      .max(MAX_TERM_WEIGHT, { message: `must be at most ${MAX_TERM_WEIGHT}` })
      .default(1)
      .meta({ description: "How much the photo counts against the other terms' weights." }),
    ...searchOptions,
  })
  .strict()
  .refine((r) => r.q === undefined || r.query === undefined, { message: 'give q or query, not both', path: ['q'] })
  .meta({ id: 'PhotoSearch' });
export type PhotoSearch = z.infer<typeof PhotoSearchSchema>;
export type PhotoSearchInput = z.input<typeof PhotoSearchSchema>;

export const SearchQuerySchema = z.object({
  q: QueryTextSchema,
  limit: queryInt(1, MAX_SEARCH_LIMIT, 20),
  mode: ModeSchema,
  model: optionalQueryInt(1, MAX_MODEL_ID).meta({ description: MODEL_DESCRIPTION }),
  minRelevance: z.coerce.number({ message: 'must be a number' }).pipe(MinRelevanceSchema).optional().meta({ description: MIN_RELEVANCE_DESCRIPTION }),
  cursor: CursorSchema,
});
export const SimilarQuerySchema = z.object({ limit: queryInt(1, MAX_SEARCH_LIMIT, 20) });
export const DuplicatesQuerySchema = z.object({
  threshold: z.coerce.number({ message: 'must be a number' }).pipe(ThresholdSchema).default(DEFAULT_DUPLICATE_THRESHOLD),
  limit: queryInt(1, MAX_SEARCH_LIMIT, 50),
});

const RelevanceSchema = z
  .number()
  .nullable()
  .meta({
    description:
      "How far this result stands out of what the query scores on the library at large, from 0 to 1, comparable between queries: k/6 when a typical image scores this high with odds of one in 10^k. Null for results found by their words alone, and while the library has fewer than 20 images.",
  });

export const SearchResultSchema = z
  .object({
    image: ImageSummarySchema,
    score: z.number().meta({ description: 'Higher is closer. Semantic: cosine similarity, 1 for the same direction. Text: PostgreSQL\'s ts_rank_cd. Hybrid: the reciprocal-rank-fusion score.' }),
    relevance: RelevanceSchema,
    duplicates: z
      .array(z.object({ image: ImageSummarySchema, score: z.number(), relevance: RelevanceSchema }))
      .optional()
      .meta({ description: 'With collapseDuplicates: the near-duplicates of this result folded into it, each with its own score for the query.' }),
  })
  .meta({ id: 'SearchResult' });

export const SearchResponseSchema = z
  .object({
    results: z.array(SearchResultSchema),
    model: z.string().nullable().meta({ description: "The model whose vectors answered (its source), which encoded the query; null before any model is active." }),
    modelId: z.number().int().nullable().meta({ description: 'Its id, as GET /v1/models lists it.' }),
    nextCursor: z.string().nullable().meta({ description: 'Send it as `cursor`, with the same search, for the next page; null on the last page.' }),
    tookMs: z.number(),
  })
  .meta({ id: 'SearchResponse' });
export type SearchResponse = z.infer<typeof SearchResponseSchema>;
