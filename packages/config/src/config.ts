import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, type ConfigProblem } from './config-error.js';
import type { z } from 'zod';
import { SETTING_ALIASES, settingsSchema, type CLIP_DTYPES, type SettingName, type Settings } from './settings.js';

/**
 * Where the gateway serves the bucket when clients reach storage through it (S3_VIA_GATEWAY):
 * `/s3/<bucket>/<key>`. Shorter than any bucket name can be (3 characters at least), so no
 * path-style request to an S3 server starts with it by chance.
 */
export const STORAGE_GATEWAY_PATH = '/s3';

/** The validated settings, grouped by what they configure. */
export interface Config {
  nodeEnv: Settings['NODE_ENV'];
  logLevel: Settings['LOG_LEVEL'];
  logFormat: Settings['LOG_FORMAT'];
  http: {
    /** Where the gateway listens. */
    host: string;
    /** Where the search service and the worker listen. */
    internalHost: string;
    /** What the gateway shows the search service, and the search service asks for; none on loopback. */
    internalToken: string | undefined;
    gatewayPort: number;
    searchPort: number;
    workerPort: number;
    /** The search service's replicas (one URL when a load balancer or Service fronts them). */
    searchUrls: string[];
    /** Where clients on other machines reach the gateway (an origin); undefined when not set. */
    publicUrl: string | undefined;
    allowedOrigins: string[];
    publicRead: boolean;
    /** Whether the original routes' reads need no key. */
    legacyPublicRead: boolean;
    /** express's `trust proxy` setting. */
    trustProxy: boolean | number | string;
  };
  /** `readUrl`: a replica for reads that tolerate lag (search); undefined when there is none. */
  database: { url: string; readUrl: string | undefined; poolSize: number };
  redis: { url: string; queuePrefix: string };
  s3: {
    endpoint: string | undefined;
    /** What presigned URLs point at: S3_PUBLIC_ENDPOINT, or the gateway's own path with S3_VIA_GATEWAY. */
    publicEndpoint: string | undefined;
    /** The path under which the gateway forwards the bucket's objects to `endpoint`; undefined when it does not. */
    gatewayPath: string | undefined;
    region: string;
    bucket: string;
    credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    forcePathStyle: boolean;
  };
  auth: { adminToken: string | undefined; failuresPerMinute: number };
  clip: { model: string; textModel: string | undefined; cacheDir: string; allowRemoteModels: boolean; threads: number | undefined; dtype: (typeof CLIP_DTYPES)[number] | undefined };
  worker: {
    embedBatch: number;
    embedBatchWaitMs: number;
    concurrency: number;
    lockMs: number;
    sweepIntervalMs: number;
    sweepGraceMs: number;
    uploadExpiryMarginSeconds: number;
  };
  search: { cacheSize: number; efSearch: number; timeoutMs: number };
  limits: { maxUploadBytes: number; directUploadMemoryBytes: number; maxPixels: number; presignExpiresSeconds: number; rateLimitPerMinute: number; legacyWaitMs: number };
  /** Where traces go (OTEL_EXPORTER_OTLP_ENDPOINT); undefined means tracing is off. */
  telemetry: { otlpEndpoint: string | undefined };
}

export interface LoadConfigOptions {
  /** The variables to read. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** A dotenv file read when present; the environment wins over it. `false` reads none. @defaultValue `.env` in the working directory */
  envFile?: string | false;
}

/**
 * Reads, validates and groups every setting once.
 *
 * Empty values count as unset. Aliases from the original service (SQLALCHEMY_DATABASE_URI,
 * ADMIN_PW, BUCKET_NAME, REGION, AWS_ACCESS_KEY, AWS_SECRET_ACCESS_KEY) fill in canonical names
 * that are not set.
 *
 * @throws ConfigError listing every missing or invalid variable and what it expects.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const s = readSettings(settingsSchema, options);
  if (!isLoopback(s.INTERNAL_HOST) && !s.INTERNAL_TOKEN) {
    throw new ConfigError([{ variable: 'INTERNAL_TOKEN', message: `missing; the search service would listen beyond this machine (INTERNAL_HOST=${s.INTERNAL_HOST}) and answer anyone` }]);
  }
  if (Boolean(s.S3_ACCESS_KEY_ID) !== Boolean(s.S3_SECRET_ACCESS_KEY)) {
    const missing = s.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    throw new ConfigError([{ variable: missing, message: 'missing; S3 credentials need both the access key and the secret key' }]);
  }
  if (s.S3_VIA_GATEWAY) {
    const problems: ConfigProblem[] = [];
    if (!s.PUBLIC_URL) problems.push({ variable: 'PUBLIC_URL', message: 'missing; S3_VIA_GATEWAY points presigned URLs at the gateway, which needs its public address' });
    if (!s.S3_ENDPOINT) problems.push({ variable: 'S3_ENDPOINT', message: 'missing; S3_VIA_GATEWAY forwards to an S3 server at this address' });
    if (s.S3_PUBLIC_ENDPOINT) problems.push({ variable: 'S3_PUBLIC_ENDPOINT', message: 'set together with S3_VIA_GATEWAY; presigned URLs can point at only one of them' });
    if (problems.length) throw new ConfigError(problems);
  }
  const gatewayPath = s.S3_VIA_GATEWAY ? STORAGE_GATEWAY_PATH : undefined;

  return {
    nodeEnv: s.NODE_ENV,
    logLevel: s.LOG_LEVEL,
    logFormat: s.LOG_FORMAT,
    http: {
      host: s.HOST,
      internalHost: s.INTERNAL_HOST,
      internalToken: s.INTERNAL_TOKEN,
      gatewayPort: s.GATEWAY_PORT,
      searchPort: s.SEARCH_PORT,
      workerPort: s.WORKER_PORT,
      searchUrls: s.SEARCH_URL,
      publicUrl: s.PUBLIC_URL,
      allowedOrigins: s.ALLOWED_ORIGINS,
      publicRead: s.PUBLIC_READ,
      legacyPublicRead: s.LEGACY_PUBLIC_READ,
      trustProxy: s.TRUST_PROXY,
    },
    database: { url: s.DATABASE_URL, readUrl: s.DATABASE_READ_URL, poolSize: s.DATABASE_POOL_SIZE },
    redis: { url: s.REDIS_URL, queuePrefix: s.QUEUE_PREFIX },
    s3: {
      endpoint: s.S3_ENDPOINT,
      publicEndpoint: gatewayPath ? `${s.PUBLIC_URL}${gatewayPath}` : s.S3_PUBLIC_ENDPOINT,
      gatewayPath,
      region: s.S3_REGION,
      bucket: s.S3_BUCKET,
      credentials:
        s.S3_ACCESS_KEY_ID && s.S3_SECRET_ACCESS_KEY ? { accessKeyId: s.S3_ACCESS_KEY_ID, secretAccessKey: s.S3_SECRET_ACCESS_KEY } : undefined,
      forcePathStyle: s.S3_FORCE_PATH_STYLE ?? s.S3_ENDPOINT !== undefined,
    },
    auth: { adminToken: s.ADMIN_TOKEN, failuresPerMinute: s.AUTH_FAILURES_PER_MINUTE },
    clip: { model: s.CLIP_MODEL, textModel: s.CLIP_TEXT_MODEL, cacheDir: s.MODEL_CACHE_DIR, allowRemoteModels: s.ALLOW_REMOTE_MODELS, threads: s.CLIP_THREADS, dtype: s.CLIP_DTYPE },
    worker: {
      embedBatch: s.EMBED_BATCH,
      embedBatchWaitMs: s.EMBED_BATCH_WAIT_MS,
      // Twice the batch: one batch being embedded while the next is fetched and decoded.
      concurrency: s.WORKER_CONCURRENCY ?? 2 * s.EMBED_BATCH,
      lockMs: s.WORKER_LOCK_MS,
      sweepIntervalMs: s.SWEEP_INTERVAL_MS,
      sweepGraceMs: s.SWEEP_GRACE_MS,
      uploadExpiryMarginSeconds: s.UPLOAD_EXPIRY_MARGIN_SECONDS,
    },
    search: { cacheSize: s.SEARCH_CACHE_SIZE, efSearch: s.SEARCH_EF_SEARCH, timeoutMs: s.SEARCH_TIMEOUT_MS },
    limits: {
      maxUploadBytes: s.MAX_UPLOAD_BYTES,
      // A budget smaller than the largest file would refuse that file for ever.
      directUploadMemoryBytes: Math.max(s.DIRECT_UPLOAD_MEMORY_BYTES, s.MAX_UPLOAD_BYTES),
      maxPixels: s.MAX_PIXELS,
      presignExpiresSeconds: s.PRESIGN_EXPIRES_SECONDS,
      rateLimitPerMinute: s.RATE_LIMIT_PER_MINUTE,
      legacyWaitMs: s.LEGACY_WAIT_MS,
    },
    telemetry: { otlpEndpoint: s.OTEL_EXPORTER_OTLP_ENDPOINT },
  };
}

/**
 * Only the database settings, for commands that need nothing else (the migrate command): the
 * same reading, aliases and errors as {@link loadConfig}, without requiring Redis or S3.
 * @throws ConfigError listing every missing or invalid variable and what it expects.
 */
export function loadDatabaseConfig(options: LoadConfigOptions = {}): Config['database'] {
  const s = readSettings(settingsSchema.pick({ DATABASE_URL: true, DATABASE_READ_URL: true, DATABASE_POOL_SIZE: true }), options);
  return { url: s.DATABASE_URL, readUrl: s.DATABASE_READ_URL, poolSize: s.DATABASE_POOL_SIZE };
}

/** Reads the environment (and dotenv file), applies the aliases, and validates it against `schema`. */
function readSettings<S extends z.ZodObject>(schema: S, options: LoadConfigOptions): z.infer<S> {
  const envFile = options.envFile === undefined ? resolve('.env') : options.envFile;
  const fromFile = envFile && existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...fromFile, ...(options.env ?? process.env) })) {
    if (value !== undefined && value.trim() !== '') raw[key] = value;
  }
  for (const [alias, { name, transform }] of Object.entries(SETTING_ALIASES)) {
    const value = raw[alias];
    if (value !== undefined && raw[name] === undefined) raw[name] = transform ? transform(value) : value;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue): ConfigProblem => {
      const variable = String(issue.path[0] ?? '(config)');
      const missing = issue.code === 'invalid_type' && raw[variable] === undefined;
      const description = settingsSchema.shape[variable as SettingName]?.description;
      return {
        variable,
        message: missing ? `missing; ${description ?? 'required'}${aliasHint(variable)}` : `${issue.message} (got "${raw[variable]}")`,
      };
    }),
  );
}

/** Whether a listen address reaches this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function aliasHint(variable: string): string {
  const aliases = Object.entries(SETTING_ALIASES)
    .filter(([, target]) => target.name === variable)
    .map(([alias]) => alias);
  return aliases.length ? ` (or ${aliases.join(' / ')})` : '';
}
