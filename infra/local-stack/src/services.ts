import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { ServerProcess, waitUntil } from './process.js';

/** The services of sis, in start order. */
export const SERVICES = ['gateway', 'search', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The variable each service reads its port from. */
const PORT_SETTINGS: Readonly<Record<ServiceName, string>> = { gateway: 'GATEWAY_PORT', search: 'SEARCH_PORT', worker: 'WORKER_PORT' };

/** The compiled entry point of a service; this package sits at infra/local-stack in the repository. */
export function serviceMain(service: ServiceName): string {
  return fileURLToPath(new URL(`../../../services/${service}/dist/main.js`, import.meta.url));
}

/**
 * How to run a service as a process of its own: its entry point under this Node, with `env`.
 * glibc gives threads malloc arenas of their own, which keep what they free; the worker's image
 * tower runs in a thread of its own, and with glibc's default arena count a worker holding two
 * models during a switch peaked at 1,871 MB, with two arenas at 1,441-1,806 MB in three runs.
 * The container image sets the same.
 */
export function serviceProcess(service: ServiceName, env: Readonly<Record<string, string>>): { command: string; args: string[]; env: Record<string, string> } {
  return { command: process.execPath, args: [serviceMain(service)], env: { MALLOC_ARENA_MAX: '2', ...env } };
}

export interface StartServiceOptions {
  /** The service's settings (packages/config names); its port and HOST are chosen here. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where its log goes. */
  logFile: string;
  /** Resolve only once `/readyz` answers 200, rather than as soon as the process runs. @defaultValue true */
  waitUntilReady?: boolean;
  /** How long, in ms, it may take to become ready. @defaultValue 60,000 */
  readyTimeoutMs?: number;
}

/** A service running as a process of its own, as it runs in production. */
export interface RunningService {
  /** Where its HTTP endpoints answer (the API, or the worker's health and metrics). */
  url: string;
  process: ServerProcess;
}

/**
 * Runs one service's compiled entry point as a child process on a free loopback port, for tests
 * and benchmarks that need the real process (its start-up, its signals, its crashes) rather than
 * its parts wired in-process.
 * @throws Error naming the log file when it exits or is not ready in time; it is stopped first.
 */
export async function startService(service: ServiceName, options: StartServiceOptions): Promise<RunningService> {
  const port = await freePort();
  await mkdir(dirname(options.logFile), { recursive: true });
  const settings = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = new ServerProcess({
    name: service,
    ...serviceProcess(service, { ...settings, HOST: '127.0.0.1', INTERNAL_HOST: options.env.INTERNAL_HOST ?? '127.0.0.1', [PORT_SETTINGS[service]]: String(port) }),
    logFile: options.logFile,
    // Away from the caller's folder, so no .env there configures it: only `env` does.
    cwd: dirname(options.logFile),
  });
  const url = `http://127.0.0.1:${port}`;
  if (options.waitUntilReady ?? true) {
    const ready = () => fetch(`${url}/readyz`).then((response) => response.ok);
    await waitUntil(`the ${service} service`, ready, child, options.readyTimeoutMs ?? 60_000, options.logFile).catch(async (error: unknown) => {
      await child.stop('SIGKILL');
      throw error;
    });
  }
  return { url, process: child };
}
