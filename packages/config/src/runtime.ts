import { pino, type Logger } from 'pino';
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
