import { homedir } from 'node:os';
import { join } from 'node:path';
import { MODEL_DTYPES } from '@sis/contracts';
import { z } from 'zod';

/**
 * Every environment variable sis reads, in one schema. Each field's description is the
 * sentence printed when the variable is missing or wrong and the text of the README's table.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), { message: 'expected true or false' })
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const url = (protocols: readonly string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `expected a ${protocols.join(' or ')} URL such as ${example}` },
    );

/** An http(s) origin, scheme, host and port only, returned without a trailing slash. */
const origin = (example: string) =>
  url(['http:', 'https:'], example)
    .refine(
      (v) => {
        // Not a URL at all is the check above's to say.
        if (!URL.canParse(v)) return true;
        const parsed = new URL(v);
        return parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username && !parsed.password;
      },
      { message: `expected only scheme, host and port, such as ${example}, with no path or query` },
    )
    .transform((v) => new URL(v).origin);

/** A JSON list as the original service wrote it (`["https://a.example"]`) or a comma list. */
const originList = z
  .string()
  .transform((value, ctx) => {
    const text = value.trim();
    if (text === '') return [];
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed) && parsed.every((o) => typeof o === 'string')) return parsed.map((o) => o.trim());
      } catch {
        // fall through to the error below
      }
      ctx.addIssue({ code: 'custom', message: 'expected a JSON list of strings or a comma-separated list' });
      return z.NEVER;
    }
    return text
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  });

/** One http(s) URL or a comma list of them, all with the same path (one service's replicas). */
const searchUrls = z.string().transform((value, ctx) => {
  const urls = value.split(',').map((u) => u.trim()).filter(Boolean);
  const single = url(['http:', 'https:'], 'http://127.0.0.1:8001');
  for (const candidate of urls) {
    const checked = single.safeParse(candidate);
    if (!checked.success) {
      ctx.addIssue({ code: 'custom', message: `${checked.error.issues[0]!.message}; "${candidate}" is not` });
      return z.NEVER;
    }
  }
  if (urls.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one http or https URL' });
    return z.NEVER;
  }
  if (new Set(urls.map((u) => new URL(u).pathname.replace(/\/$/, ''))).size > 1) {
    ctx.addIssue({ code: 'custom', message: 'every URL in the list must have the same path: they are replicas of one service' });
    return z.NEVER;
  }
  return urls;
});

/** express's `trust proxy`: false, true, a hop count, or a comma list of addresses and subnets. */
const trustProxy = z.string().transform((value, ctx): boolean | number | string => {
  const text = value.trim().toLowerCase();
  if (['', 'false', 'no', 'off', '0'].includes(text)) return false;
  if (['true', 'yes', 'on'].includes(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  if (/^[\w.:/,\s-]+$/.test(text)) return text;
  ctx.addIssue({ code: 'custom', message: 'expected false, true, a number of hops, or a comma list of addresses and subnets' });
  return z.NEVER;
});

/** The ONNX variants transformers.js loads by name (`dtype`); @sis/clip maps each to its files. */
export const CLIP_DTYPES = MODEL_DTYPES;

export const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('Runtime mode.'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info').describe('pino log level.'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json').describe('`json` lines for machines, or `pretty` for people at a terminal (script/server picks pretty on a TTY).'),
  HOST: z.string().min(1).default('0.0.0.0').describe("Interface the gateway (the public API) listens on."),
  PUBLIC_URL: origin('http://photos.lan:8000')
    .optional()
    .describe('The address browsers and clients on other machines reach the gateway at (`http://photos.lan:8000`): scheme, host and port only. With S3_VIA_GATEWAY, presigned URLs point there.'),
  INTERNAL_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface the search service and the worker listen on: this machine only, unless set (to `0.0.0.0` in containers), which then needs INTERNAL_TOKEN.'),
  INTERNAL_TOKEN: z
    .string()
    .min(32, { message: 'must be at least 32 characters (make one with: openssl rand -base64 32)' })
    .optional()
    .describe('Shared secret the gateway shows the search service; required when INTERNAL_HOST is not loopback.'),
  GATEWAY_PORT: int(1, 65535).default(8000).describe('Port of the public gateway (REST API, docs, web pages).'),
  SEARCH_PORT: int(1, 65535).default(8001).describe('Port of the search service (internal).'),
  WORKER_PORT: int(1, 65535).default(8002).describe("Port of the worker's health and metrics endpoint."),
  SEARCH_URL: searchUrls
    .default(['http://127.0.0.1:8001'])
    .describe('Where the gateway reaches the search service: one URL (a Kubernetes Service, a load balancer), or a comma list of replicas, which the gateway spreads searches over, trying another when one cannot be reached. `sis up` points it at the ones it starts.'),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://sis:secret@127.0.0.1:5432/sis').describe('PostgreSQL (with pgvector) connection URL.'),
  DATABASE_READ_URL: url(['postgres:', 'postgresql:'], 'postgres://sis:secret@replica.example.com:5432/sis')
    .optional()
    .describe("A streaming replica of DATABASE_URL for the search service's reads (it writes nothing). While the replica cannot be reached, search reads from DATABASE_URL. For as long as the replica lags, an image just made ready may be missing from results (and from \"more like this\", which then answers 404 or 409 for it), and one just deleted may still be listed."),
  DATABASE_POOL_SIZE: int(1, 500).default(10).describe('Connections per service process.'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').describe('Redis connection URL (the BullMQ queues).'),
  QUEUE_PREFIX: z.string().trim().regex(/^[a-zA-Z0-9_-]{1,50}$/, { message: 'expected 1–50 letters, digits, _ or -' }).default('sis').describe('Prefix of every Redis key sis writes, so several installations can share one Redis.'),
  S3_ENDPOINT: url(['http:', 'https:'], 'http://127.0.0.1:9000').optional().describe('S3 endpoint for MinIO or a local server; unset means AWS.'),
  S3_PUBLIC_ENDPOINT: url(['http:', 'https:'], 'https://s3.example.com').optional().describe('Endpoint put into presigned URLs when clients reach S3 by another address than the services do.'),
  S3_VIA_GATEWAY: bool()
    .default(false)
    .describe("Clients reach storage through the gateway: presigned URLs point at PUBLIC_URL/s3, and the gateway forwards GET, HEAD and PUT of the bucket's objects there to S3_ENDPOINT. Only the local stack's S3 accepts requests so forwarded; `sis up` turns this on when it runs S3 itself and PUBLIC_URL is set."),
  S3_REGION: z.string().trim().min(1).default('us-east-1').describe('S3 region.'),
  S3_BUCKET: z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)' }).default('sis-images').describe('Bucket holding the uploaded images.'),
  S3_ACCESS_KEY_ID: z.string().trim().min(1).optional().describe('S3 access key; unset uses the AWS default credential chain.'),
  S3_SECRET_ACCESS_KEY: z.string().trim().min(1).optional().describe('S3 secret key, set together with S3_ACCESS_KEY_ID.'),
  S3_FORCE_PATH_STYLE: bool().optional().describe('Path-style bucket URLs (needed by MinIO and local servers). Defaults to true when S3_ENDPOINT is set.'),
  ADMIN_TOKEN: z
    .string()
    .min(32, { message: 'must be at least 32 characters, so it cannot be guessed (make one with: openssl rand -base64 32)' })
    .optional()
    .describe('Bootstrap admin API key (Bearer token), at least 32 characters. Unset disables admin access until a key exists; `sis up` makes one.'),
  TRUST_PROXY: trustProxy
    .default(false)
    .describe('Which peers may set X-Forwarded-For (the client address rate limits count by): `false` none, `true` any, a number of hops, or addresses and subnets (`loopback`, `10.0.0.0/8`, …). Set it only behind a proxy you run.'),
  AUTH_FAILURES_PER_MINUTE: int(0, 100_000).default(20).describe('Failed authentications (wrong API keys, wrong Basic passwords) per minute per client address before it gets 429; 0 turns the limit off.'),
  LEGACY_PUBLIC_READ: bool()
    .default(true)
    .describe("Let the original service's reads (`GET /images/`, `GET /images/{name}`) through without a key, as the original did. `false` asks for a key with the read scope (or ADMIN_PW)."),
  PUBLIC_READ: bool().default(false).describe('Let /v1 reads (search, image records) through without a key. The original routes stay open either way.'),
  ALLOWED_ORIGINS: originList.default([]).describe('Origins allowed by CORS: a JSON list (`["https://app.example"]`) or a comma list; `*` allows any. Empty allows none.'),
  CLIP_MODEL: z.string().trim().min(1).default('Xenova/clip-vit-base-patch32').describe('CLIP model: a Hugging Face id or a local model directory. Workers register it at start; a new value is filled in beside the active model and switched to once complete (docs/models.md).'),
  MODEL_CACHE_DIR: z.string().trim().min(1).default(join(homedir(), '.cache', 'sis', 'models')).describe('Where downloaded models are cached.'),
  ALLOW_REMOTE_MODELS: bool().default(true).describe('Allow downloading the model from the Hugging Face hub when it is not cached.'),
  CLIP_TEXT_MODEL: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe("A text encoder trained into CLIP_MODEL's vector space, for queries in place of its own text tower: `sentence-transformers/clip-ViT-B-32-multilingual-v1` with the default model takes queries in 50+ languages. See docs/models.md."),
  CLIP_DTYPE: z
    .enum(CLIP_DTYPES)
    .optional()
    .describe("Which ONNX variant of the model to run (transformers.js's names). Unset runs what the model's config.json asks for, else fp32. See docs/models.md."),
  CLIP_THREADS: int(1, 256).optional().describe('onnxruntime threads per inference call. Unset uses every core.'),
  EMBED_BATCH: int(1, 256).default(8).describe('Images per model call in the worker.'),
  EMBED_BATCH_WAIT_MS: int(0, 10_000).default(25).describe('Longest wait, in ms, for a micro-batch to fill before running it part-full.'),
  WORKER_CONCURRENCY: int(1, 1024).optional().describe('Jobs a worker holds at once (fetching, decoding, waiting for the model). Unset means 2 × EMBED_BATCH.'),
  WORKER_LOCK_MS: int(1000, 600_000).default(30_000).describe("How long, in ms, a job stays locked to a worker that stopped renewing it; after a crash its jobs run again once this passes."),
  SWEEP_INTERVAL_MS: int(100, 3_600_000).default(60_000).describe('How often, in ms, the sweeper re-enqueues images Redis lost and expires abandoned uploads.'),
  SWEEP_GRACE_MS: int(0, 3_600_000).default(60_000).describe('How long, in ms, an image may sit queued before the sweeper checks that Redis still holds its job.'),
  UPLOAD_EXPIRY_MARGIN_SECONDS: int(0, 86_400).default(300).describe('Extra time, after its URL expires, before an upload that was never completed is deleted.'),
  SEARCH_CACHE_SIZE: int(0, 1_000_000).default(1000).describe('Query texts whose vectors the search service keeps in memory; 0 turns the cache off.'),
  SEARCH_EF_SEARCH: int(1, 1000).default(200).describe('HNSW candidate list size (hnsw.ef_search); each query uses at least twice its limit. 200 keeps recall@10 near 0.97 at a million images (docs/benchmarks.md).'),
  SEARCH_TIMEOUT_MS: int(100, 120_000).default(10_000).describe('How long, in ms, the gateway waits for the search service.'),
  LEGACY_WAIT_MS: int(0, 600_000).default(30_000).describe("How long, in ms, the original service's POST /images/ waits for the worker before answering."),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(1200).describe('Requests per minute per API key (or per address without one); 0 turns limiting off.'),
  MAX_UPLOAD_BYTES: int(1, 5 * 1024 ** 3).default(50 * 1024 * 1024).describe('Largest accepted image, in bytes.'),
  DIRECT_UPLOAD_MEMORY_BYTES: int(1024 * 1024, 64 * 1024 ** 3).default(64 * 1024 * 1024).describe('Bytes of files the gateway holds in memory at once while receiving multipart uploads (POST /v1/images, POST /images/); beyond it they get 503 upload_capacity with Retry-After. Never less than MAX_UPLOAD_BYTES.'),
  MAX_PIXELS: int(1, 1_000_000_000).default(50_000_000).describe('Largest accepted image, in pixels (width × height), checked before decoding.'),
  PRESIGN_EXPIRES_SECONDS: int(1, 900).default(900).describe('Lifetime of presigned upload URLs, in seconds (at most 15 minutes).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:'], 'http://127.0.0.1:4318')
    .optional()
    .describe('OpenTelemetry collector (OTLP over HTTP) that traces are sent to, at `<endpoint>/v1/traces`. Unset turns tracing off: no SDK is loaded and nothing is sent.'),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingName = keyof Settings;

/**
 * Variable names of the original Python service, mapped to the names above. The canonical name
 * wins when both are set. `transform` adapts values that do not map one to one.
 */
export const SETTING_ALIASES: Readonly<Record<string, { name: SettingName; transform?: (value: string) => string }>> = {
  // SQLAlchemy URLs name a driver (postgresql+psycopg2://); node-postgres wants the bare scheme.
  SQLALCHEMY_DATABASE_URI: { name: 'DATABASE_URL', transform: (v) => v.replace(/^postgres(ql)?\+[a-z0-9_]+:/i, 'postgresql:') },
  ADMIN_PW: { name: 'ADMIN_TOKEN' },
  BUCKET_NAME: { name: 'S3_BUCKET' },
  REGION: { name: 'S3_REGION' },
  AWS_REGION: { name: 'S3_REGION' },
  AWS_ACCESS_KEY: { name: 'S3_ACCESS_KEY_ID' },
  AWS_ACCESS_KEY_ID: { name: 'S3_ACCESS_KEY_ID' },
  AWS_SECRET_ACCESS_KEY: { name: 'S3_SECRET_ACCESS_KEY' },
};
