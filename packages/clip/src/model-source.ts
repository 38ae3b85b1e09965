import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { env, type Tensor } from '@huggingface/transformers';

/** Where a model's files are: a local directory, or a hub id (then the cache, then the hub). */
export type ModelSource = { kind: 'directory'; path: string } | { kind: 'hub'; path: string };

export function resolveSource(model: string): ModelSource {
  const looksLikePath = isAbsolute(model) || model.startsWith('.') || model.startsWith('~');
  const path = resolve(model);
  if (looksLikePath || (existsSync(path) && statSync(path).isDirectory())) return { kind: 'directory', path };
  return { kind: 'hub', path: model };
}

export function lookedIn(source: ModelSource, allowRemote: boolean, cacheDir: string | undefined): string[] {
  if (source.kind === 'directory') return [`local directory ${source.path}`];
  const places = [`cache ${cacheDir ?? env.cacheDir ?? '(default)'}`];
  places.push(allowRemote ? 'the Hugging Face hub' : 'not the Hugging Face hub: remote loading is off (ALLOW_REMOTE_MODELS=false)');
  return places;
}

/**
 * One file of a model that transformers.js itself does not read (sentence-transformers' pooling
 * and dense layers): from the directory, else the cache, else (when allowed) the hub, whose copy
 * is then cached where the model's other files are.
 * @returns the bytes, or undefined when the model has no such file.
 */
export async function readModelFile(source: ModelSource, file: string, options: { cacheDir?: string; allowRemote: boolean }): Promise<Buffer | undefined> {
  const local = source.kind === 'directory' ? join(source.path, file) : join(options.cacheDir ?? env.cacheDir ?? '.cache', source.path, file);
  if (existsSync(local)) return readFile(local);
  if (source.kind === 'directory' || !options.allowRemote) return undefined;
  const base = env.remotePathTemplate.replaceAll('{model}', source.path).replaceAll('{revision}', 'main');
  const response = await fetch(new URL(`${base}${file}`, env.remoteHost));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`fetching ${file} of ${source.path} failed: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  await mkdir(dirname(local), { recursive: true });
  await writeFile(local, bytes);
  return bytes;
}

/** Splits [rows, dim] floats into unit-length rows. */
export function unitRows(tensor: Tensor | Float32Array, rows: number): Float32Array[] {
  const data = tensor instanceof Float32Array ? tensor : (tensor.data as Float32Array);
  const dim = data.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    const row = data.slice(r * dim, (r + 1) * dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += row[i]! * row[i]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) row[i] = row[i]! / norm;
    return row;
  });
}
