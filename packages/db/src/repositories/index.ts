export * from './api-key.repository.js';
export * from './image.repository.js';
export * from './ingest-batch.repository.js';
