import { EmbeddingRepository, ImageRepository, SecretRepository, TextSearchRepository, type Database, type Kysely } from '@sis/db';
import { RelevanceBackgrounds } from './relevance-backgrounds.js';
import { SearchCursors } from './search-cursor.js';
import { SearchService, type SearchServiceOptions } from './services/search.service.js';

/** The search service over one database, as main.ts and the tests wire it. */
export function createSearchService(db: Kysely<Database>, options: Pick<SearchServiceOptions, 'models' | 'efSearch'> & { sessionEfSearch?: number }): SearchService {
  const embeddings = new EmbeddingRepository({ db, sessionEfSearch: options.sessionEfSearch });
  return new SearchService({
    images: new ImageRepository({ db }),
    embeddings,
    efSearch: options.efSearch,
    models: options.models,
    words: new TextSearchRepository({ db }),
    cursors: new SearchCursors(() => new SecretRepository({ db }).get('search_cursor')),
    backgrounds: new RelevanceBackgrounds({ sample: (modelId, size) => embeddings.sample(modelId, size) }),
  });
}
