import { pino, type Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from './config.js';

/** A pino logger for one service, at the configured level, every line tagged with the service. */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, service: string): Logger {
  const pretty = config.logFormat === 'pretty';
  return pino({
    level: config.logLevel,
    base: pretty ? {} : { service },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits: 0 when it finished, 1 when it failed or
 * outlived `timeoutMs`. A second signal while stopping exits at once.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, timeoutMs = 20_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'did not stop in time');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The outcome of named dependency checks, as /readyz reports it. */
export interface Readiness {
  status: 'ready' | 'unavailable';
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

/** Runs named checks in parallel, timing each and giving up on one after `timeoutMs`; ready only when all pass. */
export async function checkReadiness(checks: Record<string, () => Promise<unknown>>, timeoutMs = 2000): Promise<Readiness> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
        return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error).message, ms: Math.round(performance.now() - started) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { status: results.every(([, r]) => r.ok) ? 'ready' : 'unavailable', checks: Object.fromEntries(results) };
}

/**
 * `<prefix>process_max_rss_bytes`: the most memory this process has held since it started, the
 * figure memory budgets are about (prom-client's own metric is the current size only).
 */
export function registerPeakMemory(registry: Registry, prefix: string): void {
  new Gauge({
    name: `${prefix}process_max_rss_bytes`,
    help: 'Peak resident set size since the process started, in bytes.',
    registers: [registry],
    collect() {
      this.set(process.resourceUsage().maxRSS * 1024);
    },
  });
}
