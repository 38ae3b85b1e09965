export { createProgram } from './program.js';
export { createApiClient, type ApiClient } from './client.js';
export { ingest, type IngestOptions, type IngestResult } from './ingest/ingest.js';
export { linesView, type IngestCounts, type ProgressView } from './ingest/progress.js';
export { replicasOption } from './commands/stack.command.js';
