import { resolve } from 'node:path';
import { loadConfig, type Config } from '@sis/config';
import { layoutCluster, type ClusterLayout, type Replicas } from './cluster.js';
import { ensureAdminToken, recordLocalGateway } from './local-gateway.js';
import { LocalStack, type LocalStackOptions, type StackComponent } from './local-stack.js';
import { migrateDatabase } from './migrate.js';
import { SERVICES, serviceProcess, type ServiceName } from './services.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';

export interface RunLocalOptions extends Pick<LocalStackOptions, 'dataDir' | 'ports'> {
  /** The caller's environment; settings given here replace the matching local server. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Writes a status line for the person at the terminal. @defaultValue console.log */
  say?: (line: string) => void;
  /** Stops everything when aborted, as Ctrl-C does. */
  signal?: AbortSignal;
  /** Keep the services' output out of this terminal (benchmarks print their own report). */
  quiet?: boolean;
  /** How crashed services are restarted. @defaultValue the supervisor's: 1 s doubling to 30 s, giving up after 5 crashes in a row */
  restart?: Pick<SupervisorOptions, 'initialDelayMs' | 'maxDelayMs' | 'maxCrashes' | 'healthyAfterMs'>;
  /** Where the services' output lines go instead of this terminal. @defaultValue stdout, unless `quiet` */
  write?: (line: string) => void;
  /** Run each service this many times, behind haproxy, with a read replica (`--replicas`). @defaultValue one of each, no haproxy */
  replicas?: Replicas;
}

/**
 * Which servers the stack must provide: those the environment does not already point elsewhere.
 * A database URL, a Redis URL, or any S3 endpoint or credentials (AWS included) count.
 */
export function componentsToStart(env: Readonly<Record<string, string | undefined>>): StackComponent[] {
  const set = (...names: string[]) => names.some((name) => env[name]?.trim());
  const components: StackComponent[] = [];
  if (!set('DATABASE_URL', 'SQLALCHEMY_DATABASE_URI')) components.push('postgres');
  if (!set('REDIS_URL')) components.push('redis');
  if (!set('S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID')) components.push('s3');
  return components;
}

/**
 * Whether clients must reach the local S3 through the gateway. It listens on this machine only, so
 * once a PUBLIC_URL says people use sis from other machines, presigned URLs must point at the
 * gateway instead, unless the operator chose otherwise (S3_VIA_GATEWAY or S3_PUBLIC_ENDPOINT).
 */
export function storageViaGateway(env: Readonly<Record<string, string | undefined>>, components: readonly StackComponent[]): boolean {
  const set = (name: string) => Boolean(env[name]?.trim());
  return components.includes('s3') && set('PUBLIC_URL') && !set('S3_PUBLIC_ENDPOINT') && !set('S3_VIA_GATEWAY');
}

/** All of sis running on this machine, as `startLocal` started it. */
export interface LocalRun {
  /** The settings every service was given. */
  readonly config: Config;
  /** The public address: the gateway, or haproxy in front of the gateways. */
  readonly url: string;
  /** The data folder, resolved. */
  readonly dataDir: string;
  /** Each service process's own URL, by process name (`gateway`, or `gateway-1`, `gateway-2`, …). */
  readonly urls: Readonly<Record<string, string>>;
  readonly stack: LocalStack;
  readonly supervisor: Supervisor;
  /** Resolves true once every service answers ready (false if the run stops first). */
  readonly ready: Promise<boolean>;
  /** Stops the services, then the local stack. */
  stop(): Promise<void>;
}

/**
 * Starts all of sis on this machine: the local stack for whatever the environment does not
 * provide, migrations, then the services under a supervisor that restarts any that crashes. With
 * `replicas`, each service runs that many times behind haproxy, and search reads from a streaming
 * replica of the local PostgreSQL, as a cluster would run them.
 */
export async function startLocal(options: RunLocalOptions = {}): Promise<LocalRun> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((line: string) => console.log(line));
  const replicated = options.replicas !== undefined;
  const components = componentsToStart(env);
  // Search replicas read from a streaming replica of the stack's own PostgreSQL.
  if (replicated && components.includes('postgres') && !env.DATABASE_READ_URL?.trim()) components.push('postgres-replica');
  const dataDir = resolve(options.dataDir ?? '.data');
  const stack = await LocalStack.start({ dataDir, ports: options.ports, components });
  try {
    const serviceEnv: Record<string, string> = {
      ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
      ...stack.env,
      LOG_FORMAT: env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
      // The pinned AWS SDK supports Node 20; its notice about later releases, printed by every
      // service, would bury the logs that matter at a developer's terminal.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
    };
    if (storageViaGateway(env, components)) serviceEnv.S3_VIA_GATEWAY = 'true';
    if (!env.ADMIN_TOKEN?.trim() && !env.ADMIN_PW?.trim()) {
      const { token, file } = ensureAdminToken(dataDir);
      serviceEnv.ADMIN_TOKEN = token;
      // Where, not what: a terminal's scrollback and CI logs are no place for a secret.
      say(`admin token (ADMIN_TOKEN was not set): kept in ${file} (cat it to use it; sis reads it from there)`);
    }
    // Validate every setting before starting anything, so a mistake is one clear message.
    const config = loadConfig({ env: serviceEnv });
    // The local stack migrated its own PostgreSQL; a database configured elsewhere is migrated
    // here (but not created: that is its owner's to do).
    say(stack.migrations ?? (await migrateDatabase(config.database.url)));
    if (components.length) {
      const elsewhere = stack.postgresDir && !stack.postgresDir.startsWith(dataDir) ? ` (PostgreSQL's in ${stack.postgresDir}, which its user can reach)` : '';
      say(`local stack (${components.join(', ')}) running with data in ${options.dataDir ?? '.data'}${elsewhere}`);
    }
    const layout = replicated ? await layoutCluster({ env: serviceEnv, config, replicas: options.replicas!, dataDir }) : singleLayout(serviceEnv, config);
    const supervisor = new Supervisor({
      processes: layout.processes,
      write: options.write ?? (options.quiet ? () => undefined : (line) => process.stdout.write(`${line}\n`)),
      ...options.restart,
    });
    const watching = new AbortController();
    // Ready means every service is, not just listening: the worker loads its model after it
    // starts listening, and the gateway is ready only once it reaches the search service.
    const ready = Promise.all(layout.readyUrls.map((url) => waitForReady(url, watching.signal))).then((up) => up.every(Boolean));
    void supervisor.done().then(() => watching.abort());
    return {
      config,
      url: `http://127.0.0.1:${config.http.gatewayPort}`,
      dataDir,
      urls: layout.urls,
      stack,
      supervisor,
      ready,
      async stop() {
        watching.abort();
        await supervisor.stop();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** One process of each service, the gateway on the public port. */
function singleLayout(serviceEnv: Record<string, string>, config: Config): ClusterLayout {
  // The gateway talks to the search service started here, on whatever port it was given.
  const env = serviceEnv.SEARCH_URL?.trim() ? serviceEnv : { ...serviceEnv, SEARCH_URL: `http://127.0.0.1:${config.http.searchPort}` };
  const ports: Record<ServiceName, number> = { gateway: config.http.gatewayPort, search: config.http.searchPort, worker: config.http.workerPort };
  const urls = Object.fromEntries(SERVICES.map((name) => [name, `http://127.0.0.1:${ports[name]}`]));
  return {
    processes: SERVICES.map((name) => ({ name, ...serviceProcess(name, env) })),
    urls,
    readyUrls: Object.values(urls).map((url) => `${url}/readyz`),
  };
}

/**
 * Runs all of sis on this machine (`startLocal`) with its logs interleaved and prefixed in this
 * terminal, until Ctrl-C (or SIGTERM, or the signal) stops it, and returns once everything it
 * started has stopped.
 * @returns the exit code for the process: 0 after a requested stop, 1 when a service kept crashing as it started.
 */
export async function runLocal(options: RunLocalOptions = {}): Promise<number> {
  const say = options.say ?? ((line: string) => console.log(line));
  const run = await startLocal(options);
  // Where the sis command on this machine finds the gateway, whatever port it was given here.
  const forgetGateway = recordLocalGateway(run.dataDir, run.url);
  try {
    // Ctrl-C reaches the services too (they share this terminal's process group); stopping them
    // here as well covers SIGTERM and an abort from a caller.
    const requestStop = () => void run.supervisor.stop();
    process.once('SIGINT', requestStop);
    process.once('SIGTERM', requestStop);
    options.signal?.addEventListener('abort', requestStop);
    const { gatewayPort } = run.config.http;
    void run.ready.then((up) => up && say(`sis is up: http://localhost:${gatewayPort}  (Ctrl-C stops everything)`));
    const outcome = await run.supervisor.done();
    process.off('SIGINT', requestStop);
    process.off('SIGTERM', requestStop);
    if (!outcome.stopped) say(`the ${outcome.gaveUp} service kept crashing as it started (see its log above), so everything was stopped`);
    return outcome.stopped ? 0 : 1;
  } finally {
    forgetGateway();
    await run.stop();
  }
}

async function waitForReady(url: string, signal: AbortSignal, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
