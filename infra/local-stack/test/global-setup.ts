import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import type { TestProject } from 'vitest/node';
import { freePort, LocalStack } from '../src/index.js';

/**
 * Starts one throwaway stack (PostgreSQL + pgvector, Redis, s3rver) on free ports in a temporary
 * folder for the whole test run, and hands its settings to the tests as `inject('stackEnv')`,
 * with the committed tiny-clip model and remote loading off: tests never download a model.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Tests run compiled entry points as processes (the services, the sis CLI, sis-migrate), so
  // build first: a stale dist/ can never pass. turbo replays unchanged packages in milliseconds.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  try {
    execFileSync(join(root, 'node_modules/.bin/turbo'), ['run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the build failed, so no test ran:\n${stdout}${stderr}`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'sis-test-'));
  // mkdtemp makes the folder private; under root, PostgreSQL runs as `postgres` and must enter it.
  await chmod(dataDir, 0o755);
  const stack = await LocalStack.start({
    dataDir,
    durable: false,
    ports: { postgres: await freePort(), redis: await freePort(), s3: await freePort() },
  });
  project.provide('stackEnv', { ...stack.env, CLIP_MODEL: TINY_CLIP_DIR, ALLOW_REMOTE_MODELS: 'false' });
  project.provide('stackDataDir', dataDir);
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
    stackDataDir: string;
  }
}
