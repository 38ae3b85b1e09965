import { Command, InvalidArgumentError } from 'commander';
import type { components } from '../generated/api.js';
import { unwrap, type ApiClient } from '../client.js';

type SearchResponse = components['schemas']['SearchResponse'];

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InvalidArgumentError('expected a whole number from 1 to 200');
  return n;
}

function print(response: SearchResponse, json: boolean): void {
  if (json) return console.log(JSON.stringify(response, null, 2));
  if (response.results.length === 0) return console.log('no results');
  for (const { image, score } of response.results) {
    console.log(`${score.toFixed(3)}  ${image.id}  ${image.filename ?? ''}${image.width ? `  ${image.width}×${image.height}` : ''}`);
  }
}

/** The weight `--not` gives a term: away from it, less strongly than toward what is asked for. */
const NOT_WEIGHT = -0.5;

const collect = (value: string, previous: string[]) => [...previous, value];

export function searchCommand(client: () => ApiClient): Command {
  return new Command('search')
    .summary('search images with words, refined with images like or words unlike')
    .argument('<text>', 'what to look for, e.g. "a dog asleep on a red sofa"')
    .option('--like <id>', 'also like this stored image (repeatable)', collect, [])
    .option('--not <text>', `away from these words (repeatable; weight ${NOT_WEIGHT})`, collect, [])
    .option('--limit <n>', 'results to show (1–200)', limit, 10)
    .option('--json', 'print the API response as JSON')
    .action(async (text: string, options: { like: string[]; not: string[]; limit: number; json?: boolean }) => {
      if (options.like.length === 0 && options.not.length === 0) {
        return print(await unwrap(client().GET('/v1/search', { params: { query: { q: text, limit: options.limit } } })), Boolean(options.json));
      }
      const query = [{ text, weight: 1 }, ...options.like.map((imageId) => ({ imageId, weight: 1 })), ...options.not.map((words) => ({ text: words, weight: NOT_WEIGHT }))];
      print(await unwrap(client().POST('/v1/search', { body: { query, limit: options.limit } })), Boolean(options.json));
    });
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
