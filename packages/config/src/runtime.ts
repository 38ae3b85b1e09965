import { traceFields } from '@sis/telemetry';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/** Headers that carry credentials, wherever a request or response is logged. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'set-cookie'];
const REDACT_PATHS = SECRET_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `res.headers["${name}"]`, `headers["${name}"]`]);
/**
 * The last line of defence, applied to every line written: presigned URL signatures and
 * credentials, and anything shaped like an API key, whatever field they ended up in.
 */
const SECRET_PATTERNS = [/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&"\s]+/gi, /\bsis_[A-Za-z0-9_-]{20,}/g];
const REDACTED = '[redacted]';

/**
 * A pino logger for one service, at the configured level, every line tagged with the service.
 * A line written inside a span carries its `trace_id` and `span_id`, so logs and traces join up.
 * Secrets never reach it: credential headers are redacted, and the admin token, the S3 secret,
 * API keys and presigned-URL signatures are scrubbed from every line.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'> & Partial<Pick<Config, 'auth' | 's3'>>, service: string, destination?: DestinationStream): Logger {
  const pretty = config.logFormat === 'pretty' && !destination;
  const secrets = [config.auth?.adminToken, config.s3?.credentials?.secretAccessKey].filter((s): s is string => Boolean(s));
  const scrub = (line: string) => {
    let text = line;
    for (const secret of secrets) text = text.split(secret).join(REDACTED);
    for (const pattern of SECRET_PATTERNS) text = text.replace(pattern, (_match, prefix: string | number) => (typeof prefix === 'string' ? `${prefix}${REDACTED}` : REDACTED));
    return text;
  };
  const options = {
    level: config.logLevel,
    base: pretty ? {} : { service },
    mixin: traceFields,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: scrub },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * How long, in ms, a service may take to stop after SIGTERM before it exits anyway: the worker's
 * drain. Kubernetes' termination grace periods (infra/k8s) are sized from it.
 */
export const STOP_TIMEOUT_MS = 20_000;

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits: 0 when it finished, 1 when it failed or
 * outlived `timeoutMs`. A second signal while stopping exits at once.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, timeoutMs = STOP_TIMEOUT_MS): void {
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
