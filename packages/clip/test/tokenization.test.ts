import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipTokenizerFromMerges } from '../src/fixtures/index.js';
import { textInputs, tokenIds } from '../src/tokenize-text.js';

// CLIP's real vocabulary and the ids OpenAI's clip.tokenize gives (fixtures/clip-tokenizer/README.md).
const FIXTURES = fileURLToPath(new URL('../fixtures/clip-tokenizer/', import.meta.url));
const END = 49407;
let dir: string;
let tokenizer: PreTrainedTokenizer;
let reference: { text: string; ids: number[] }[];

beforeAll(async () => {
  const merges = gunzipSync(await readFile(join(FIXTURES, 'bpe_simple_vocab_16e6.txt.gz'))).toString('utf8');
  const built = clipTokenizerFromMerges(merges);
  expect({ vocabSize: built.vocabSize, startId: built.startId, endId: built.endId }).toEqual({ vocabSize: 49408, startId: 49406, endId: END });
  dir = await mkdtemp(join(tmpdir(), 'sis-clip-tokenizer-'));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(built.tokenizerJson));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(built.tokenizerConfigJson));
  env.allowRemoteModels = false;
  tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  reference = JSON.parse(await readFile(join(FIXTURES, 'reference-ids.json'), 'utf8'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CLIP tokenization', () => {
  it("gives OpenAI's ids, id for id, for every reference query", () => {
    expect(reference.length).toBeGreaterThanOrEqual(10);
    for (const { text, ids } of reference) expect(tokenIds(tokenizer, text, 77), text).toEqual(ids);
  });

  it('keeps the end token last when a query is over 77 tokens, where the library cuts it off', () => {
    const long = reference.find(({ ids }) => ids.length === 77)!;
    expect(tokenizer.encode(long.text).length).toBeGreaterThan(77);
    // What transformers.js's own truncation gives: 77 ids, the end token gone.
    const truncated = (tokenizer([long.text], { truncation: true }) as { input_ids: { data: BigInt64Array } }).input_ids.data;
    expect(Number(truncated.at(-1))).not.toBe(END);
    expect(tokenIds(tokenizer, long.text, 77).at(-1)).toBe(END);
  });

  it('pads a batch with the end token and masks the padding', () => {
    const { input_ids: ids, attention_mask: mask } = textInputs(tokenizer, ['a photo of a dog', 'dog'], 77);
    expect(ids.dims).toEqual([2, 7]);
    expect([...(ids.data as BigInt64Array)].map(Number)).toEqual([...reference[0]!.ids, 49406, 1929, END, END, END, END, END]);
    expect([...(mask.data as BigInt64Array)].map(Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
});
