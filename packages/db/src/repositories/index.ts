export * from './api-key.repository.js';
export * from './embedding.repository.js';
export { MAX_PAGE_SIZE, type ImageRecord } from './image-record.js';
export * from './image-stats.repository.js';
export * from './image.repository.js';
export * from './ingest-batch.repository.js';
