import type { AddressInfo } from 'node:net';
import { ModelPool } from '@sis/clip';
import { createLogger } from '@sis/config';
import { ModelRepository, pingDatabase, type Database, type Kysely } from '@sis/db';
import { createApp } from '../src/app.js';
import { createSearchService } from '../src/create-search-service.js';
import { SearchModels } from '../src/search-models.js';

/** What the tests' search service holds, to look into and to stop. */
export interface ServedSearch {
  base: string;
  /** Text towers, and image towers for photo searches, as main.ts holds them. */
  pool: ModelPool;
  photos: ModelPool;
  close(): Promise<void>;
}

/**
 * The search service over `db`, wired as main.ts wires it (minus the few seconds it trusts the
 * list of models), loading `model` from a local folder, on a free loopback port.
 */
export async function serveSearch(db: Kysely<Database>, model: string, limits: { maxPixels: number; maxPhotoBytes: number }): Promise<ServedSearch> {
  const pool = new ModelPool({ base: { model, allowRemoteModels: false, towers: ['text'] } });
  const photos = new ModelPool({ base: { model, allowRemoteModels: false, towers: ['vision'], maxPixels: limits.maxPixels } });
  const search = createSearchService(db, { models: new SearchModels({ models: new ModelRepository({ db }), pool, photos, cacheSize: 100, trustMs: 0 }), efSearch: 40 });
  const logger = createLogger({ logLevel: 'silent', logFormat: 'json' }, 'search');
  const server = createApp({ logger, search, readiness: { postgres: () => pingDatabase(db) }, maxPhotoBytes: limits.maxPhotoBytes }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pool,
    photos,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([pool.dispose(), photos.dispose()]);
    },
  };
}
