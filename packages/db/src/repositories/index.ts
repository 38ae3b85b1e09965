export * from './api-key.repository.js';
export { DEFAULT_EF_SEARCH, EmbeddingRepository, MAX_SCAN_TUPLES, type EmbeddingRepositoryOptions, type NearestOptions, type Neighbour } from './embedding.repository.js';
export type { SearchFilterOptions } from './search-filters.js';
export { MAX_PAGE_SIZE, type ImageRecord } from './image-record.js';
export * from './image-stats.repository.js';
export * from './image.repository.js';
export * from './ingest-batch.repository.js';
export * from './model.repository.js';
export { TextSearchRepository, type WordMatch } from './text-search.repository.js';
