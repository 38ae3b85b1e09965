import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-exif-index.js';
import * as m0003 from './0003-ready-at-index.js';
import * as m0004 from './0004-denser-hnsw-graph.js';
import * as m0005 from './0005-filename-index.js';
import * as m0006 from './0006-image-traceparent.js';
import * as m0007 from './0007-models.js';
import * as m0008 from './0008-vectors-per-model.js';
import * as m0009 from './0009-vector-created-at-index.js';
import * as m0010 from './0010-text-search.js';
import * as m0011 from './0011-metadata-words.js';
import * as m0012 from './0012-secrets.js';
import * as m0013 from './0013-filtered-search.js';

/**
 * Every migration, in order. Listed statically rather than read from a folder so they run the
 * same from TypeScript sources, compiled output and a bundled image. Names sort by their number.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': m0001,
  '0002-exif-index': m0002,
  '0003-ready-at-index': m0003,
  '0004-denser-hnsw-graph': m0004,
  '0005-filename-index': m0005,
  '0006-image-traceparent': m0006,
  '0007-models': m0007,
  '0008-vectors-per-model': m0008,
  '0009-vector-created-at-index': m0009,
  '0010-text-search': m0010,
  '0011-metadata-words': m0011,
  '0012-secrets': m0012,
  '0013-filtered-search': m0013,
};
