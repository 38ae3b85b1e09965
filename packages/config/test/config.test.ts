import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDatabaseConfig, renderSettingsTable, SETTING_ALIASES, settingsSchema, STORAGE_GATEWAY_PATH } from '../src/index.js';

const REQUIRED = { DATABASE_URL: 'postgres://sis@127.0.0.1:5432/sis', REDIS_URL: 'redis://127.0.0.1:6379' };

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig({ env, envFile: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies defaults when only the required settings are given', () => {
    const config = loadConfig({ env: REQUIRED, envFile: false });
    expect(config.http.gatewayPort).toBe(8000);
    expect(config.s3).toMatchObject({ bucket: 'sis-images', region: 'us-east-1', endpoint: undefined, forcePathStyle: false, credentials: undefined });
    expect(config.clip).toMatchObject({ model: 'Xenova/clip-vit-base-patch32', allowRemoteModels: true });
    expect(config.worker).toMatchObject({ embedBatch: 8, embedBatchWaitMs: 25, concurrency: 16, lockMs: 30_000 });
    expect(config.limits).toMatchObject({ maxUploadBytes: 50 * 1024 * 1024, maxPixels: 50_000_000, presignExpiresSeconds: 900 });
    expect(config.search).toEqual({ cacheSize: 1000, efSearch: 200, timeoutMs: 10_000 });
    expect(config.http.allowedOrigins).toEqual([]);
    // No collector named: tracing stays off.
    expect(config.telemetry).toEqual({ otlpEndpoint: undefined });
  });

  it('takes an http(s) OTLP collector address, and refuses anything else', () => {
    expect(loadConfig({ env: { ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.lan:4318' }, envFile: false }).telemetry).toEqual({ otlpEndpoint: 'http://collector.lan:4318' });
    expect(problemsOf({ ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }).OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/expected a http: or https: URL/);
  });

  it('names every missing variable, with its aliases, in one error', () => {
    const problems = problemsOf({});
    expect(Object.keys(problems).sort()).toEqual(['DATABASE_URL', 'REDIS_URL']);
    expect(problems.DATABASE_URL).toMatch(/^missing; PostgreSQL .* \(or SQLALCHEMY_DATABASE_URI\)$/);
    expect(problems.REDIS_URL).toMatch(/^missing; Redis connection URL/);
  });

  it('says what each invalid value should have been', () => {
    const problems = problemsOf({
      ...REQUIRED,
      REDIS_URL: 'http://nope',
      GATEWAY_PORT: 'eighty',
      EMBED_BATCH: '0',
      PRESIGN_EXPIRES_SECONDS: '3600',
      PUBLIC_READ: 'maybe',
      S3_BUCKET: 'Not_A_Bucket',
      LOG_LEVEL: 'loud',
    });
    expect(problems.REDIS_URL).toBe('expected a redis: or rediss: URL such as redis://127.0.0.1:6379 (got "http://nope")');
    expect(problems.GATEWAY_PORT).toBe('expected a whole number from 1 to 65535 (got "eighty")');
    expect(problems.EMBED_BATCH).toBe('must be at least 1 (got "0")');
    expect(problems.PRESIGN_EXPIRES_SECONDS).toBe('must be at most 900 (got "3600")');
    expect(problems.PUBLIC_READ).toBe('expected true or false (got "maybe")');
    expect(problems.S3_BUCKET).toMatch(/^expected an S3 bucket name/);
    expect(problems.LOG_LEVEL).toMatch(/\(got "loud"\)$/);
    expect(problems).not.toHaveProperty('DATABASE_URL');
  });

  it("accepts the original service's variable names", () => {
    const config = loadConfig({
      envFile: false,
      env: {
        REDIS_URL: REQUIRED.REDIS_URL,
        SQLALCHEMY_DATABASE_URI: 'postgresql+psycopg2://app:pw@db:5432/images',
        ADMIN_PW: 'correct horse battery staple, twice over',
        BUCKET_NAME: 'old-bucket',
        REGION: 'eu-west-2',
        AWS_ACCESS_KEY: 'AKIAOLD',
        AWS_SECRET_ACCESS_KEY: 'shh',
        ALLOWED_ORIGINS: '["http://localhost:3000", "https://photos.example"]',
      },
    });
    expect(config.database.url).toBe('postgresql://app:pw@db:5432/images');
    expect(config.auth.adminToken).toBe('correct horse battery staple, twice over');
    expect(config.s3).toMatchObject({ bucket: 'old-bucket', region: 'eu-west-2', credentials: { accessKeyId: 'AKIAOLD', secretAccessKey: 'shh' } });
    expect(config.http.allowedOrigins).toEqual(['http://localhost:3000', 'https://photos.example']);
  });

  it('prefers the canonical name when both it and an alias are set', () => {
    const config = loadConfig({ envFile: false, env: { ...REQUIRED, S3_BUCKET: 'new-bucket', BUCKET_NAME: 'old-bucket' } });
    expect(config.s3.bucket).toBe('new-bucket');
  });

  it('reads ALLOWED_ORIGINS as a comma list too, and rejects a broken JSON list', () => {
    expect(loadConfig({ envFile: false, env: { ...REQUIRED, ALLOWED_ORIGINS: 'https://a.example, https://b.example' } }).http.allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(problemsOf({ ...REQUIRED, ALLOWED_ORIGINS: '["https://a.example"' }).ALLOWED_ORIGINS).toMatch(/^expected a JSON list of strings or a comma-separated list/);
  });

  it('reads SEARCH_URL as one URL or a comma list of replicas with one path, and DATABASE_READ_URL as an optional replica', () => {
    const read = (env: Record<string, string>) => loadConfig({ envFile: false, env: { ...REQUIRED, ...env } });
    expect(read({}).http.searchUrls).toEqual(['http://127.0.0.1:8001']);
    expect(read({ SEARCH_URL: 'http://search-a:8001, http://search-b:8001' }).http.searchUrls).toEqual(['http://search-a:8001', 'http://search-b:8001']);
    expect(problemsOf({ ...REQUIRED, SEARCH_URL: 'http://search-a:8001,ftp://search-b' }).SEARCH_URL).toBe('expected a http: or https: URL such as http://127.0.0.1:8001; "ftp://search-b" is not (got "http://search-a:8001,ftp://search-b")');
    expect(problemsOf({ ...REQUIRED, SEARCH_URL: 'http://a:8001/x,http://b:8001/y' }).SEARCH_URL).toMatch(/^every URL in the list must have the same path/);
    expect(problemsOf({ ...REQUIRED, SEARCH_URL: ' , ' }).SEARCH_URL).toBe('expected at least one http or https URL (got " , ")');
    expect(read({}).database.readUrl).toBeUndefined();
    expect(read({ DATABASE_READ_URL: 'postgres://sis@replica.example.com/sis' }).database.readUrl).toBe('postgres://sis@replica.example.com/sis');
    expect(problemsOf({ ...REQUIRED, DATABASE_READ_URL: 'mysql://replica/sis' }).DATABASE_READ_URL).toMatch(/^expected a postgres: or postgresql: URL/);
  });

  it('needs both halves of a static S3 credential', () => {
    expect(problemsOf({ ...REQUIRED, S3_ACCESS_KEY_ID: 'AKIA' })).toEqual({
      S3_SECRET_ACCESS_KEY: 'missing; S3 credentials need both the access key and the secret key',
    });
  });

  it('uses path-style S3 URLs when an endpoint is set, unless told otherwise', () => {
    const local = loadConfig({ envFile: false, env: { ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:9000' } });
    expect(local.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    const virtualHosted = loadConfig({ envFile: false, env: { ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'false' } });
    expect(virtualHosted.s3.forcePathStyle).toBe(false);
  });

  it('reads a .env file, lets the environment win, and treats empty values as unset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-config-'));
    const envFile = join(dir, '.env');
    await writeFile(envFile, `DATABASE_URL=${REQUIRED.DATABASE_URL}\nREDIS_URL=redis://from-file:6379\nEMBED_BATCH=16\nS3_ENDPOINT=\n`);
    const config = loadConfig({ envFile, env: { REDIS_URL: 'redis://from-env:6379' } });
    expect(config.database.url).toBe(REQUIRED.DATABASE_URL);
    expect(config.redis.url).toBe('redis://from-env:6379');
    expect(config.worker.embedBatch).toBe(16);
    expect(config.s3.endpoint).toBeUndefined();
  });

  it('never gives received files less memory than the largest file takes', () => {
    expect(loadConfig({ envFile: false, env: REQUIRED }).limits.directUploadMemoryBytes).toBe(64 * 1024 ** 2);
    const small = loadConfig({ envFile: false, env: { ...REQUIRED, MAX_UPLOAD_BYTES: String(200 * 1024 ** 2), DIRECT_UPLOAD_MEMORY_BYTES: String(64 * 1024 ** 2) } });
    expect(small.limits.directUploadMemoryBytes).toBe(200 * 1024 ** 2);
  });

  it('rejects an admin token too short to be a secret', () => {
    expect(problemsOf({ ...REQUIRED, ADMIN_PW: 'short' }).ADMIN_TOKEN).toMatch(/^must be at least 32 characters, so it cannot be guessed \(make one with: openssl rand -base64 32\)/);
  });
});

describe('internal services', () => {
  it('listen on loopback by default, and need INTERNAL_TOKEN to listen anywhere else', () => {
    expect(loadConfig({ envFile: false, env: REQUIRED }).http).toMatchObject({ internalHost: '127.0.0.1', internalToken: undefined });
    expect(problemsOf({ ...REQUIRED, INTERNAL_HOST: '0.0.0.0' }).INTERNAL_TOKEN).toMatch(/^missing; the search service would listen beyond this machine \(INTERNAL_HOST=0\.0\.0\.0\)/);
    const token = 'a-shared-internal-secret-0123456789abcdef';
    expect(loadConfig({ envFile: false, env: { ...REQUIRED, INTERNAL_HOST: '0.0.0.0', INTERNAL_TOKEN: token } }).http.internalToken).toBe(token);
    expect(loadConfig({ envFile: false, env: { ...REQUIRED, INTERNAL_HOST: '127.0.0.5' } }).http.internalHost).toBe('127.0.0.5');
  });
});

describe('storage through the gateway', () => {
  const LOCAL_S3 = { ...REQUIRED, S3_ENDPOINT: 'http://127.0.0.1:59000' };

  it('points presigned URLs at PUBLIC_URL/s3 and keeps the services on S3_ENDPOINT', () => {
    const config = loadConfig({ envFile: false, env: { ...LOCAL_S3, PUBLIC_URL: 'http://photos.lan:8000/', S3_VIA_GATEWAY: 'true' } });
    expect(config.http.publicUrl).toBe('http://photos.lan:8000');
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:59000', publicEndpoint: 'http://photos.lan:8000/s3', gatewayPath: STORAGE_GATEWAY_PATH });
  });

  it('changes nothing about storage with PUBLIC_URL alone', () => {
    const config = loadConfig({ envFile: false, env: { ...LOCAL_S3, PUBLIC_URL: 'https://photos.example' } });
    expect(config.http.publicUrl).toBe('https://photos.example');
    expect(config.s3).toMatchObject({ publicEndpoint: undefined, gatewayPath: undefined });
  });

  it('takes only an origin as PUBLIC_URL', () => {
    for (const value of ['http://photos.lan:8000/sis', 'http://h:8000/?a=1', 'http://user:pw@h:8000', 'ftp://h', 'photos.lan:8000']) {
      expect(problemsOf({ ...REQUIRED, PUBLIC_URL: value }).PUBLIC_URL, value).toMatch(/^expected /);
    }
  });

  it('needs PUBLIC_URL and S3_ENDPOINT, and no S3_PUBLIC_ENDPOINT', () => {
    expect(problemsOf({ ...REQUIRED, S3_VIA_GATEWAY: 'true' })).toEqual({
      PUBLIC_URL: expect.stringMatching(/^missing; S3_VIA_GATEWAY points presigned URLs at the gateway/),
      S3_ENDPOINT: expect.stringMatching(/^missing; S3_VIA_GATEWAY forwards to an S3 server/),
    });
    expect(problemsOf({ ...LOCAL_S3, S3_VIA_GATEWAY: 'true', PUBLIC_URL: 'http://h:8000', S3_PUBLIC_ENDPOINT: 'http://s3.h:9000' })).toEqual({
      S3_PUBLIC_ENDPOINT: 'set together with S3_VIA_GATEWAY; presigned URLs can point at only one of them',
    });
  });
});

describe('loadDatabaseConfig', () => {
  it('needs only the database settings, read the same way as every other', () => {
    expect(loadDatabaseConfig({ envFile: false, env: { SQLALCHEMY_DATABASE_URI: 'postgresql+psycopg2://u@db:5432/sis', DATABASE_POOL_SIZE: '3' } })).toEqual({
      url: 'postgresql://u@db:5432/sis',
      poolSize: 3,
    });
    const error = (() => {
      try {
        loadDatabaseConfig({ envFile: false, env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
  });
});

describe('README configuration table', () => {
  it('matches the settings schema (pnpm docs:settings rewrites it)', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const table = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(table).toBe(renderSettingsTable());
  });

  it('describes every setting and names every alias', () => {
    const table = renderSettingsTable();
    for (const name of Object.keys(settingsSchema.shape)) expect(table).toMatch(new RegExp(`^\\| \`${name}\` \\|.*\\| \\S.* \\|$`, 'm'));
    for (const alias of Object.keys(SETTING_ALIASES)) expect(table).toContain(`\`${alias}\``);
  });
});
