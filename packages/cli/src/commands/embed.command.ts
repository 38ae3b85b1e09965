import { readFile } from 'node:fs/promises';
import { ConfigError, settingsSchema } from '@sis/config';
import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/** One line of `sis embed --json`. */
export interface EmbedLine {
  input: string;
  kind: 'image' | 'text';
  model: string;
  dim: number;
  embedding: number[];
}

interface EmbedOptions {
  text: string[];
  model?: string;
  dtype?: string;
  json?: boolean;
}

/** Images per model call: the worker's default micro-batch. */
const BATCH = settingsSchema.shape.EMBED_BATCH.parse(undefined);

/**
 * `sis embed`: embeddings of local files and texts, computed on this machine by the very code the
 * worker (decode, preprocessing, image tower) and the search service (tokenizer, text tower) run,
 * with the model settings they read (CLIP_MODEL, CLIP_TEXT_MODEL, CLIP_DTYPE, MODEL_CACHE_DIR, ALLOW_REMOTE_MODELS,
 * CLIP_THREADS, MAX_PIXELS). For comparing models on one's own photos, and for fidelity checks.
 */
export function embedCommand(env: NodeJS.ProcessEnv = process.env): Command {
  return new Command('embed')
    .summary('embed image files and texts with the model, locally')
    .argument('[files...]', 'image files')
    .option('--text <text>', 'a text to embed (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--model <dir|id>', 'a model directory or Hugging Face id (default: env CLIP_MODEL, else the default model)')
    .option('--dtype <variant>', 'which ONNX variant to run: fp32, fp16, q8, … (default: env CLIP_DTYPE, else what the model asks for)')
    .option('--json', 'print one JSON line per input: {input, kind, model, dim, embedding}')
    .action(async (files: string[], options: EmbedOptions) => {
      if (files.length === 0 && options.text.length === 0) throw new CliError('nothing to embed: give image files, --text "…", or both', EXIT.usage);
      const settings = modelSettings(env, options);
      // Loaded here, not at the top: the other commands never pay for the model runtime.
      const { ClipModel, InvalidImageError } = await loadClip();
      const clip = await ClipModel.load({ ...settings, towers: [...(files.length ? (['vision'] as const) : []), ...(options.text.length ? (['text'] as const) : [])] });
      const print = (line: EmbedLine) => console.log(options.json ? JSON.stringify(line) : `${line.kind}  ${line.input}  ${line.dim}-d  [${line.embedding.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}, …]`);
      const line = (input: string, kind: EmbedLine['kind'], embedding: Float32Array): EmbedLine => ({ input, kind, model: kind === 'text' ? clip.textModelId : clip.modelId, dim: embedding.length, embedding: Array.from(embedding) });
      let failed = 0;
      try {
        for (let start = 0; start < files.length; start += BATCH) {
          // Each file on its own first, so that one unreadable file fails alone; then one model call.
          const batch = files.slice(start, start + BATCH);
          const pixels = await Promise.all(
            batch.map(async (file) => {
              try {
                return await clip.preprocessor.toPixels(await readFile(file));
              } catch (error) {
                if (!(error instanceof InvalidImageError) && (error as NodeJS.ErrnoException).code === undefined) throw error;
                console.error(`sis: ${file}: ${(error as Error).message}`);
                failed++;
                return undefined;
              }
            }),
          );
          const readable = batch.flatMap((file, i) => (pixels[i] ? [{ file, pixels: pixels[i] }] : []));
          const embeddings = await clip.embedPixels(readable.map(({ pixels }) => pixels));
          readable.forEach(({ file }, i) => print(line(file, 'image', embeddings[i]!)));
        }
        if (options.text.length) {
          const texts = await clip.embedTexts(options.text);
          options.text.forEach((text, i) => print(line(text, 'text', texts[i]!)));
        }
      } finally {
        await clip.dispose();
      }
      if (failed) throw new CliError(`${failed} of ${files.length} files could not be embedded`, EXIT.failed);
    });
}

const MODEL_SETTINGS = settingsSchema.pick({ CLIP_MODEL: true, CLIP_TEXT_MODEL: true, CLIP_DTYPE: true, MODEL_CACHE_DIR: true, ALLOW_REMOTE_MODELS: true, CLIP_THREADS: true, MAX_PIXELS: true });

/**
 * The model settings the worker and search service read, from the same validated schema.
 * @throws ConfigError naming each setting that is wrong.
 */
function modelSettings(env: NodeJS.ProcessEnv, given: { model?: string; dtype?: string }) {
  const names = Object.keys(MODEL_SETTINGS.shape) as (keyof typeof MODEL_SETTINGS.shape)[];
  // The command line's --dtype goes through the same check as CLIP_DTYPE.
  const values: NodeJS.ProcessEnv = { ...env, ...(given.dtype ? { CLIP_DTYPE: given.dtype } : {}) };
  const parsed = MODEL_SETTINGS.safeParse(Object.fromEntries(names.map((name) => [name, values[name] || undefined])));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: `${issue.message} (got "${values[String(issue.path[0])]}")` })));
  }
  const s = parsed.data;
  return { model: given.model ?? s.CLIP_MODEL, textModel: s.CLIP_TEXT_MODEL, dtype: s.CLIP_DTYPE, cacheDir: s.MODEL_CACHE_DIR, allowRemoteModels: s.ALLOW_REMOTE_MODELS, threads: s.CLIP_THREADS, maxPixels: s.MAX_PIXELS };
}

async function loadClip() {
  const [{ ClipModel }, { InvalidImageError }] = await Promise.all([import('@sis/clip'), import('@sis/image')]);
  return { ClipModel, InvalidImageError };
}
