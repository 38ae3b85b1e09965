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

export function searchCommand(client: () => ApiClient): Command {
  return new Command('search')
    .summary('search images with words')
    .argument('<text>', 'what to look for, e.g. "a dog asleep on a red sofa"')
    .option('--limit <n>', 'results to show (1–200)', limit, 10)
    .option('--json', 'print the API response as JSON')
    .action(async (text: string, options: { limit: number; json?: boolean }) => {
      print(await unwrap(client().GET('/v1/search', { params: { query: { q: text, limit: options.limit } } })), Boolean(options.json));
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
