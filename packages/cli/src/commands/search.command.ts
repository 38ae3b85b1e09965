import { stat, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { components, paths } from '../generated/api.js';
import { unwrap, type ApiClient } from '../client.js';
import { CliError, EXIT } from '../cli-error.js';

type SearchResponse = components['schemas']['SearchResponse'];
type QueryTerm = components['schemas']['QueryTerm'];
/** What a multipart search takes besides the photo. */
type PhotoSearch = NonNullable<NonNullable<paths['/v1/search']['post']['requestBody']>['content']['multipart/form-data']['search']>;

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InvalidArgumentError('expected a whole number from 1 to 200');
  return n;
}

function print(response: SearchResponse, json: boolean): void {
  if (json) return console.log(JSON.stringify(response, null, 2));
  if (response.results.length === 0) return console.log('no results');
  for (const { image, score, relevance } of response.results) {
    const relevant = relevance == null ? '' : `  relevance ${relevance.toFixed(2)}`;
    console.log(`${score.toFixed(3)}  ${image.id}  ${image.filename ?? ''}${image.width ? `  ${image.width}×${image.height}` : ''}${relevant}`);
  }
  // On stderr, so the results stay one per line for scripts.
  if (response.nextCursor) console.error(`more: add --cursor ${response.nextCursor}`);
}

/** The weight `--not` gives a term: away from it, less strongly than toward what is asked for. */
const NOT_WEIGHT = -0.5;

const collect = (value: string, previous: string[]) => [...previous, value];

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

interface SearchOptions {
  like: string[];
  not: string[];
  limit: number;
  minRelevance?: number;
  cursor?: string;
  json?: boolean;
}

function relevance(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

export function searchCommand(client: () => ApiClient): Command {
  return new Command('search')
    .summary('search images with words, refined with images like (stored, or a photo file) or words unlike')
    .argument('<text>', 'what to look for, e.g. "a dog asleep on a red sofa"')
    .option('--like <id|file>', 'also like this stored image, or this photo file, which is not stored (repeatable; one file at most)', collect, [])
    .option('--not <text>', `away from these words (repeatable; weight ${NOT_WEIGHT})`, collect, [])
    .option('--limit <n>', 'results to show (1–200)', limit, 10)
    .option('--min-relevance <r>', 'leave out results less relevant than this (0–1; the same cut for every query)', relevance)
    .option('--cursor <cursor>', 'the next page: what the previous page printed after "more:"')
    .option('--json', 'print the API response as JSON')
    .action(async (text: string, options: SearchOptions) => {
      const page = { limit: options.limit, ...(options.minRelevance === undefined ? {} : { minRelevance: options.minRelevance }), ...(options.cursor ? { cursor: options.cursor } : {}) };
      const files: string[] = [];
      const ids: string[] = [];
      for (const like of options.like) (await isFile(like) ? files : ids).push(like);
      if (files.length > 1) throw new CliError(`--like takes one photo file at most; got ${files.join(', ')}`, EXIT.usage);
      const terms: QueryTerm[] = [{ text, weight: 1 }, ...ids.map((imageId) => ({ imageId, weight: 1 })), ...options.not.map((words) => ({ text: words, weight: NOT_WEIGHT }))];
      if (files.length === 1) return print(await searchWithPhoto(client(), files[0]!, { query: terms, ...page }), Boolean(options.json));
      if (terms.length === 1) return print(await unwrap(client().GET('/v1/search', { params: { query: { q: text, ...page } } })), Boolean(options.json));
      print(await unwrap(client().POST('/v1/search', { body: { query: terms, ...page } })), Boolean(options.json));
    });
}

/** A multipart search: the photo's bytes, and the rest of the search as JSON. */
async function searchWithPhoto(client: ApiClient, file: string, search: PhotoSearch): Promise<SearchResponse> {
  const form = new FormData();
  form.append('image', new Blob([await readFile(file)]), basename(file));
  form.append('search', JSON.stringify(search));
  return unwrap(client.POST('/v1/search', { body: { image: file, search }, bodySerializer: () => form }));
}

export function similarCommand(client: () => ApiClient): Command {
  return new Command('similar')
    .summary('images like a given one')
    .argument('<id>', 'image id')
    .option('--limit <n>', 'results to show (1–200)', limit, 10)
    .option('--json', 'print the API response as JSON')
    .action(async (id: string, options: { limit: number; json?: boolean }) => {
      print(await unwrap(client().GET('/v1/images/{id}/similar', { params: { path: { id }, query: { limit: options.limit } } })), Boolean(options.json));
    });
}
