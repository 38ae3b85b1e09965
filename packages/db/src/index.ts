export { createDatabase, pingDatabase, serverRole, type DatabaseOptions } from './database.js';
export { createReadDatabase, type ReadDatabaseOptions } from './read-database.js';
export { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnreachable } from './unavailable.js';
export { describeServer, ensureDatabaseExists, migrateToLatest, MigrationError } from './migrate.js';
export * from './repositories/index.js';
export { IMAGE_STATUSES, MODEL_STATES, type Database, type ImageStatus, type ModelState } from './schema.js';
export { fromVectorBytes, toVectorLiteral } from './vector.js';
export { isRetiredModelTable, MAX_INDEXED_DIMENSION, vectorTable, vectorTableName } from './vector-tables.js';
export type { Kysely } from 'kysely';
