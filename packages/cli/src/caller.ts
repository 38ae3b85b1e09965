import { resolve } from 'node:path';

/**
 * The folder sis was called from. `pnpm sis` runs the command from the repository root and
 * names the folder it was called from in INIT_CWD; paths typed on the command line mean that one.
 */
export function callerDir(): string {
  return process.env.INIT_CWD || process.cwd();
}

/** A path typed on the command line, made absolute from the caller's folder. */
export function callerPath(path: string): string {
  return resolve(callerDir(), path);
}
