import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadDatabaseConfig } from '@sis/config';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from './kustomize.js';
import { allContainers, deployment, find, K8S_DIR, overlay, OVERLAYS, render, sisWorkloads, type Container } from './manifests.js';

/**
 * The manifests against the code: every container's environment, assembled as the kubelet would
 * (ConfigMap, then variables, with stand-ins for the Secrets), passes the settings validation the
 * services run at start-up, and agrees with the ports, Services and commands around it. The
 * install command in README.md provides every secret the manifests require.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Stand-ins for what the operator (sis-secrets) and CloudNativePG (sis-pg-app) put in Secrets. */
const SECRETS: Readonly<Record<string, string>> = {
  'sis-secrets/ADMIN_TOKEN': 'k8s-test-admin-token-0123456789abcdef0123',
  'sis-secrets/INTERNAL_TOKEN': 'k8s-test-internal-token-0123456789abcdef',
  'sis-secrets/REDIS_URL': 'redis://sis-redis:6379',
  'sis-secrets/DATABASE_URL': 'postgres://sis:secret@db.example.com:5432/sis',
  'sis-secrets/S3_ACCESS_KEY_ID': 'k8s-test-access-key',
  'sis-secrets/S3_SECRET_ACCESS_KEY': 'k8s-test-secret-key',
  'sis-pg-app/uri': 'postgresql://sis:secret@sis-pg-rw.sis:5432/sis',
  'sis-pg-app/password': 'secret',
};

/** The environment a container starts with; `$(NAME)` refers to a variable defined before it. */
function environment(objects: K8sObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { configMapRef } of container.envFrom ?? []) {
    const configMap = find(objects, 'ConfigMap', configMapRef!.name);
    expect(configMap, `ConfigMap ${configMapRef!.name}`).toBeDefined();
    Object.assign(env, configMap!.data);
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (value !== undefined) env[name] = value.replace(/\$\((\w+)\)/g, (whole, ref: string) => env[ref] ?? whole);
    const ref = valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = SECRETS[`${ref.name}/${ref.key}`];
    if (secret !== undefined) env[name] = secret;
    else expect(ref.optional, `${container.name}: ${name} from ${ref.name}/${ref.key}`).toBe(true);
  }
  return env;
}

/** Keys of sis-secrets the install command in README.md creates. */
function documentedSecretKeys(): string[] {
  const readme = readFileSync(`${K8S_DIR}README.md`, 'utf8');
  const command = /kubectl -n sis create secret generic sis-secrets((?:[^\n]*\\\n)*[^\n]*)/.exec(readme);
  expect(command, 'the install command in README.md').not.toBeNull();
  return [...command![1]!.matchAll(/--from-literal=(\w+)=/g)].map((m) => m[1]!);
}

function secretKeys(objects: K8sObject[], options: { optional: boolean }): Set<string> {
  return new Set(
    sisWorkloads(objects)
      .flatMap((w) => allContainers(w.pod))
      .flatMap((c) => c.env ?? [])
      .flatMap((e) => (e.valueFrom?.secretKeyRef?.name === 'sis-secrets' && Boolean(e.valueFrom.secretKeyRef.optional) === options.optional ? [e.valueFrom.secretKeyRef.key] : [])),
  );
}

describe.each(OVERLAYS)('%s', (name) => {
  const objects = overlay(name);

  it.each(['gateway', 'search', 'worker'] as const)('starts %s with settings that pass validation and match its port', (service) => {
    const { pod, object } = deployment(objects, service);
    const main = pod.containers[0]!;
    const config = loadConfig({ env: environment(objects, main), envFile: false });
    const port = { gateway: config.http.gatewayPort, search: config.http.searchPort, worker: config.http.workerPort }[service];
    expect(main.ports!.find((p) => p.name === 'http')!.containerPort).toBe(port);
    const annotations = ((object.spec as any).template.metadata.annotations ?? {}) as Record<string, string>;
    if (annotations['prometheus.io/port']) expect(Number(annotations['prometheus.io/port'])).toBe(port);
    // In containers the internal services listen beyond loopback, which requires the shared secret.
    expect(config.http.internalHost).toBe('0.0.0.0');
    expect(config.http.internalToken).toBe(SECRETS['sis-secrets/INTERNAL_TOKEN']);
    expect(config.clip.cacheDir).toBe('/models');
    if (service === 'gateway') expect(config.auth.adminToken).toBe(SECRETS['sis-secrets/ADMIN_TOKEN']);
  });

  it('points the gateway at the search Service', () => {
    const config = loadConfig({ env: environment(objects, deployment(objects, 'gateway').pod.containers[0]!), envFile: false });
    expect(config.http.searchUrls).toHaveLength(1);
    const url = new URL(config.http.searchUrls[0]!);
    const service = find(objects, 'Service', url.hostname);
    expect(service, url.hostname).toBeDefined();
    expect((service!.spec as any).ports.map((p: any) => p.port)).toContain(Number(url.port));
    expect((service!.spec as any).selector['app.kubernetes.io/component']).toBe('search');
  });

  it('runs the entry points the image builds, the migrations with the database URL only', () => {
    for (const { object, pod } of sisWorkloads(objects)) {
      for (const c of allContainers(pod)) {
        expect(c.image, `${object.metadata.name}/${c.name}`).toBe('registry.example.com/sis:0.1.0');
        const entry = c.command!.find((part) => /\/dist\/.+\.js$/.test(part))!;
        expect(existsSync(`${root}${entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts')}`), entry).toBe(true);
        if (entry === 'packages/db/dist/bin/migrate.js') {
          // The example data services hand every migrating container CloudNativePG's URL.
          expect(loadDatabaseConfig({ env: environment(objects, c), envFile: false }).url).toBe(SECRETS['sis-pg-app/uri']);
        }
      }
    }
  });

  it('needs no secret the install command in README.md leaves out, and documents every one it reads', () => {
    const documented = documentedSecretKeys();
    expect([...secretKeys(objects, { optional: false })].filter((key) => !documented.includes(key))).toEqual([]);
    expect([...secretKeys(objects, { optional: true })].filter((key) => !documented.includes(key))).toEqual([]);
    // The install command's Redis URL is the example Redis Service.
    const redisUrl = new URL(/REDIS_URL=(\S+)/.exec(readFileSync(`${K8S_DIR}README.md`, 'utf8'))![1]!);
    const redis = find(objects, 'Service', redisUrl.hostname);
    expect((redis!.spec as any).ports.map((p: any) => p.port)).toContain(Number(redisUrl.port));
  });

  it('runs the example Redis with an append-only file and without eviction', () => {
    const redis = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'sis-redis')!;
    const command = ((redis.spec as any).template.spec.containers[0].command as string[]).join(' ');
    expect(command).toMatch(/--appendonly yes\b/);
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect((redis.spec as any).volumeClaimTemplates[0].metadata.name).toBe('data');
  });
});

describe('without the example data services', () => {
  it('takes the database URL from sis-secrets, the one key the README says to add then', () => {
    const objects = render('base');
    const documented = documentedSecretKeys();
    expect([...secretKeys(objects, { optional: false })].filter((key) => !documented.includes(key))).toEqual(['DATABASE_URL']);
    expect(readFileSync(`${K8S_DIR}README.md`, 'utf8')).toContain('--from-literal=DATABASE_URL=');
    for (const { pod } of sisWorkloads(objects)) {
      for (const c of allContainers(pod)) expect(c.env!.find((e) => e.name === 'DATABASE_URL')!.valueFrom!.secretKeyRef).toMatchObject({ name: 'sis-secrets', key: 'DATABASE_URL' });
    }
  });

  it('in the scaled overlay has search read from the replicas, with the password from the Secret', () => {
    const search = deployment(overlay('scaled'), 'search').pod.containers[0]!;
    const env = environment(overlay('scaled'), search);
    expect(new URL(env.DATABASE_READ_URL!).hostname).toBe('sis-pg-ro');
    // node-postgres falls back to PGPASSWORD when a URL carries no password.
    expect(new URL(env.DATABASE_READ_URL!).password).toBe('');
    expect(env.PGPASSWORD).toBe(SECRETS['sis-pg-app/password']);
    expect(environment(overlay('small'), deployment(overlay('small'), 'search').pod.containers[0]!).DATABASE_READ_URL).toBeUndefined();
  });
});
