import { QueryEncoder, type ClipModel } from '@sis/clip';
import { percentile, round, timed } from './stats.js';

export interface QueryEncodeResult {
  queries: number;
  p50Ms: number;
  p99Ms: number;
  cachedP50Ms: number;
}

const WORDS = 'a the dog cat red blue green sofa beach sunset mountain city night street car bicycle child woman man old young house garden flower tree river snow rain window kitchen table coffee book laptop phone bridge boat sea sky cloud bird horse field road light dark small large happy running sleeping sitting standing'.split(' ');

/** Typical queries: 3 to 12 words, all different, the same on every run. */
export function typicalQueries(count: number): string[] {
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, (_, i) => {
    const length = 3 + Math.floor(next() * 10);
    return [...Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]!), `#${i}`].join(' ');
  });
}

/**
 * The text tower's latency on distinct queries (no cache), and a repeated query through the same
 * cached encoder the search service uses.
 */
export async function benchQueryEncoding(model: ClipModel, count = 200): Promise<QueryEncodeResult> {
  const queries = typicalQueries(count);
  for (const q of queries.slice(0, 10)) await model.embedText(`warm up ${q}`);
  const uncached: number[] = [];
  for (const q of queries) uncached.push((await timed(() => model.embedText(q)))[1]);

  const encoder = new QueryEncoder({ model, cacheSize: 1000 });
  await encoder.encode(queries[0]!);
  const cached: number[] = [];
  for (let i = 0; i < 1000; i++) cached.push((await timed(() => encoder.encode(queries[0]!)))[1]);
  return { queries: count, p50Ms: round(percentile(uncached, 50)), p99Ms: round(percentile(uncached, 99)), cachedP50Ms: round(percentile(cached, 50), 4) };
}
