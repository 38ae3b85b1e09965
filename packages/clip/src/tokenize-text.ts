import { Tensor, type PreTrainedTokenizer } from '@huggingface/transformers';

/** The text tower's inputs for a batch of texts. */
export interface TextInputs {
  input_ids: Tensor;
  attention_mask: Tensor;
}

/**
 * Token ids for CLIP's text tower, as OpenAI's `clip.tokenize` makes them: start token, text,
 * end token, cut to the context length so that the end token always stays last. CLIP's text tower
 * pools at the end token; transformers.js's own truncation cuts after adding it and so drops it,
 * which gave every query over 77 tokens a wrong embedding.
 */
export function tokenIds(tokenizer: PreTrainedTokenizer, text: string, contextLength: number): number[] {
  const ids = tokenizer.encode(text);
  if (ids.length <= contextLength) return ids;
  return [...ids.slice(0, contextLength - 1), ids.at(-1)!];
}

/**
 * A padded batch (pad = the tokenizer's pad token, mask 0) of {@link tokenIds}: to the longest
 * text, or to the full context when the model was trained that way.
 */
export function textInputs(tokenizer: PreTrainedTokenizer, texts: readonly string[], contextLength: number, padToContext = false): TextInputs {
  const rows = texts.map((text) => tokenIds(tokenizer, text, contextLength));
  const width = padToContext ? contextLength : Math.max(...rows.map((row) => row.length));
  const pad = BigInt(tokenizer.pad_token_id ?? rows[0]!.at(-1)!);
  const ids = new BigInt64Array(rows.length * width).fill(pad);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) =>
    row.forEach((id, c) => {
      ids[r * width + c] = BigInt(id);
      mask[r * width + c] = 1n;
    }),
  );
  return { input_ids: new Tensor('int64', ids, [rows.length, width]), attention_mask: new Tensor('int64', mask, [rows.length, width]) };
}
