import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import fg from 'fast-glob';
import { CliError, EXIT } from '../cli-error.js';

/** One file a source names, before anything has been read from it. */
export interface SourceEntry {
  /** Where to read it. */
  path: string;
  /** What to call it on the server: the path relative to the source. */
  name: string;
  /** Fields given by a manifest line. */
  metadata?: Record<string, unknown>;
  /** Why the entry could not be used (a manifest line that is not JSON, say). */
  problem?: string;
}

const GLOB_CHARACTERS = /[*?[\]{}]/;

/**
 * Yields the files of a folder (recursively), a glob, a manifest (`.jsonl`, one
 * `{"path": …, …metadata}` per line) or a single file, one at a time: the whole list is never
 * held, so a million files cost no more memory than ten. A relative `source` is read from `cwd`.
 */
export async function* walkSource(source: string, cwd = process.cwd()): AsyncGenerator<SourceEntry> {
  const path = resolve(cwd, source);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return yield* walkDirectory(path);
  if (info?.isFile() && source.endsWith('.jsonl')) return yield* walkManifest(path);
  if (info?.isFile()) return yield { path, name: basename(path) };
  if (GLOB_CHARACTERS.test(source)) return yield* walkGlob(source, cwd);
  throw new CliError(`${source}: no such file or folder`, EXIT.usage);
}

async function* walkDirectory(root: string): AsyncGenerator<SourceEntry> {
  // Depth first with an explicit stack of folders still to open; only folders are remembered.
  const folders = [root];
  while (folders.length) {
    const folder = folders.pop()!;
    for await (const entry of await opendir(folder)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) yield { path, name: relative(root, path) };
    }
  }
}

async function* walkManifest(manifest: string): AsyncGenerator<SourceEntry> {
  const base = dirname(manifest);
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(manifest), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      yield { path: `${manifest}:${line}`, name: `${manifest}:${line}`, problem: `manifest line ${line} is not JSON` };
      continue;
    }
    const { path, ...metadata } = (record ?? {}) as { path?: unknown };
    if (typeof path !== 'string' || !path) {
      yield { path: `${manifest}:${line}`, name: `${manifest}:${line}`, problem: `manifest line ${line} has no "path"` };
      continue;
    }
    yield { path: isAbsolute(path) ? path : join(base, path), name: path, metadata };
  }
}

async function* walkGlob(pattern: string, cwd: string): AsyncGenerator<SourceEntry> {
  for await (const path of fg.stream(pattern, { cwd, onlyFiles: true, dot: false, absolute: false })) {
    yield { path: resolve(cwd, String(path)), name: String(path) };
  }
}
