import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@sis/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * There is no Docker engine on the machines this runs on, so the compose file is checked by
 * reading it: shape, health checks, dependencies, and that every sis service's environment
 * passes the same validation the services run at start-up.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const hostEnv: Record<string, string> = { ADMIN_TOKEN: 'compose-test-token-0123456789abcdef0123', INTERNAL_TOKEN: 'compose-internal-token-0123456789abcdef' };

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against hostEnv. */
function interpolate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const set = hostEnv[name];
    if (set !== undefined) return set;
    if (op === '-') return arg ?? '';
    throw new Error(`compose needs ${name}: ${arg}`);
  });
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const SIS_SERVICES = ['gateway', 'search', 'worker', 'migrate'];
/** Packages run from a checkout (`pnpm bench`, `pnpm fuzz`), never in the runtime image. */
const DEVELOPER_TOOLS = ['packages/bench', 'packages/fuzz'];

describe('docker-compose.yml', () => {
  it('has Postgres with pgvector, Redis with AOF, MinIO with a bucket step, migrations and the three services', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'migrate', 'minio', 'minio-init', 'postgres', 'redis', 'search', 'worker']);
    expect(services.postgres!.image).toMatch(/^pgvector\/pgvector:/);
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services['minio-init']!.command!.join(' ')).toMatch(/mc mb --ignore-existing local\/sis-images/);
  });

  it('gives every service an image or a build', () => {
    for (const [name, service] of Object.entries(services)) expect(service.image ?? service.build, name).toBeTruthy();
  });

  it('health-checks every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no') continue;
      expect(service.healthcheck?.test?.length, `${name} has no healthcheck`).toBeGreaterThan(0);
    }
  });

  it('depends only on services that exist, waiting for health or completion', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
        const target = services[dependency]!;
        expect(condition).toBe(target.restart === 'no' ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('builds the sis services from a stage of the Dockerfile and runs entry points that exist', () => {
    const dockerfile = readFileSync(`${root}infra/docker/Dockerfile`, 'utf8');
    for (const name of SIS_SERVICES) {
      const { build, command } = services[name]!;
      expect(existsSync(`${root}${build!.dockerfile}`)).toBe(true);
      expect(dockerfile).toMatch(new RegExp(`^FROM .* AS ${build!.target}$`, 'm'));
      const entry = command!.find((part) => /\/dist\/.+\.js$/.test(part))!;
      expect(existsSync(`${root}${entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')}`), entry).toBe(true);
    }
  });

  it('copies the build of every package the services and their commands load into the runtime image', () => {
    const dockerfile = readFileSync(`${root}infra/docker/Dockerfile`, 'utf8');
    const built = ['packages', 'services', 'infra']
      .flatMap((folder) => readdirSync(`${root}${folder}`).map((name) => `${folder}/${name}`))
      .filter((dir) => existsSync(`${root}${dir}/tsconfig.build.json`) && !DEVELOPER_TOOLS.includes(dir));
    for (const dir of built) expect(dockerfile, dir).toContain(`COPY --from=build /app/${dir}/dist ${dir}/dist`);
  });

  it('gives every sis service an environment that passes config validation', () => {
    for (const name of SIS_SERVICES) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, String(interpolate(v))]));
      const config = loadConfig({ env, envFile: false });
      expect(config.database.url).toBe('postgres://sis:sis@postgres:5432/sis');
      expect(config.s3).toMatchObject({ endpoint: 'http://minio:9000', publicEndpoint: 'http://localhost:9000', forcePathStyle: true });
      expect(config.http.searchUrls).toEqual(['http://search:8001']);
      expect(config.auth.adminToken).toBe('compose-test-token-0123456789abcdef0123');
    }
  });

  it('refuses to start without an admin token', () => {
    delete hostEnv.ADMIN_TOKEN;
    expect(() => interpolate(services.gateway!.environment!.ADMIN_TOKEN)).toThrow(/compose needs ADMIN_TOKEN/);
    hostEnv.ADMIN_TOKEN = 'compose-test-token-0123456789abcdef0123';
  });
});
