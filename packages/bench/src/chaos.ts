import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiClient, ingest, linesView } from '@sis/cli';
import { DashboardResponseSchema, QueuesResponseSchema } from '@sis/contracts';
import { createDatabase } from '@sis/db';
import { countVectorWrites } from '@sis/db/benchmark';
import { freePort, startLocal, type LocalRun, type Replicas } from '@sis/local-stack';
import { makeSmallPhotos } from './soak.js';
import { percentile, round } from './stats.js';
import { BENCH_ADMIN_TOKEN } from './system.js';

/** One fault the run injects; each process fault takes the next replica in turn. */
export const CHAOS_FAULTS = ['kill worker', 'kill gateway', 'kill search', 'restart read replica'] as const;
export type ChaosFault = (typeof CHAOS_FAULTS)[number];

export interface ChaosOptions {
  images: number;
  /** CLIP model folder. */
  model: string;
  /** Times each fault is injected; the run stops injecting once the images are in, after at least one round. */
  rounds: number;
  replicas: Replicas;
  say: (line: string) => void;
}

export interface Recovery {
  fault: ChaosFault;
  target: string;
  /** From the fault to the target serving again, in ms. */
  ms: number;
}

export interface ChaosResult {
  /** Workers the dashboard listed online once everything was ready. */
  workersOnline: number;
  images: number;
  seconds: number;
  ready: number;
  failed: number;
  /** Images neither ready nor failed once everything settled. */
  lost: number;
  /** Vector writes PostgreSQL saw (a trigger counts each): one per ready image when none is repeated. */
  vectorWrites: number;
  /** Images whose vector was written more than once. */
  embeddedTwice: number;
  searches: number;
  /** Searches without a 200 after the client's one retry on a connection error (or haproxy's 502). */
  searchesFailed: number;
  searchRetries: number;
  /** 5xx answers the searches got, retried or not (the ingest retries its own: it counts in `seconds`). */
  http5xx: number;
  /** Those answers by status and error code (`503 search_unavailable`), to say what failed. */
  errors: Record<string, number>;
  searchMs: { calm: { p50: number; p99: number }; chaos: { p50: number; p99: number } };
  recoveries: Recovery[];
}

/**
 * Runs sis replicated on this machine and ingests `images` photos while, in turn, a worker, a
 * gateway and a search replica are killed with SIGKILL (the supervisor restarts them) and the
 * PostgreSQL read replica is restarted, with a search every 100 ms beside it all. Loopback only;
 * every loop ends with the run.
 */
export async function chaos(options: ChaosOptions): Promise<ChaosResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sis-chaos-'));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user under root
  const photos = await mkdtemp(join(tmpdir(), 'sis-chaos-photos-'));
  const counter = { http5xx: 0, errors: {} as Record<string, number> };
  let closeDb = async () => undefined as unknown;
  // Whatever happens, the search loop and the ingest end with the run (a fault that did not
  // recover must not leave them calling a stopped stack).
  const ending = new AbortController();
  const loops: Promise<unknown>[] = [];
  const run = await startLocal({
    dataDir,
    quiet: true,
    say: () => undefined,
    replicas: options.replicas,
    ports: { postgres: await freePort(), 'postgres-replica': await freePort(), redis: await freePort(), s3: await freePort() },
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLIP_MODEL: options.model,
      ALLOW_REMOTE_MODELS: 'false',
      GATEWAY_PORT: String(await freePort()),
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      // A killed worker's jobs run again once their lock lapses: 5 s instead of 30.
      WORKER_LOCK_MS: '5000',
    },
    // Each kill here is deliberate, seconds after the last: a process that served 5 s has started fine.
    restart: { initialDelayMs: 250, maxDelayMs: 2000, healthyAfterMs: 5000 },
  });
  try {
    if (!(await run.ready)) throw new Error('the replicated services did not all become ready');
    const db = createDatabase({ url: run.config.database.url, poolSize: 1 });
    closeDb = () => db.destroy();
    const vectorWrites = await countVectorWrites(db);
    const dashboard = await fetch(`${run.url}/v1/dashboard`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
    const workersOnline = DashboardResponseSchema.parse(await dashboard.json()).workers.length;
    await makeSmallPhotos(photos, options.images, options.images);
    const client = createApiClient({ url: run.url, key: BENCH_ADMIN_TOKEN });
    const started = performance.now();
    let ingesting = true;
    const faulting = { now: false };
    const searching = searchLoop(run.url, () => !ending.signal.aborted, faulting, counter);
    const ingestion = ingest({ source: join(photos, 'part-0'), client, progress: linesView(() => undefined), label: 'chaos', signal: ending.signal }).finally(() => (ingesting = false));
    loops.push(searching, ingestion);
    // Handled where it is awaited; until then a failure must not count as unhandled and end the process.
    ingestion.catch(() => undefined);
    const recoveries: Recovery[] = [];
    for (let round = 0; round < options.rounds && (round === 0 || ingesting); round++) {
      for (const fault of CHAOS_FAULTS) {
        await sleep(1500);
        faulting.now = true;
        recoveries.push(await inject(run, fault, round, options.replicas));
        faulting.now = false;
        options.say(`  ${recoveries.at(-1)!.fault} (${recoveries.at(-1)!.target}): back in ${recoveries.at(-1)!.ms} ms`);
      }
    }
    await ingestion;
    ending.abort();
    const seconds = (performance.now() - started) / 1000;
    const settled = await settle(run.url);
    const searches = await searching;
    const { ready = 0, failed = 0 } = settled.images;
    const written = await vectorWrites();
    return {
      workersOnline,
      images: options.images,
      seconds: round(seconds, 1),
      ready,
      failed,
      lost: options.images - ready - failed,
      vectorWrites: written.writes,
      embeddedTwice: written.imagesWrittenTwice,
      ...searches,
      http5xx: counter.http5xx,
      errors: counter.errors,
      recoveries,
    };
  } finally {
    ending.abort();
    await Promise.allSettled(loops);
    await closeDb();
    await run.stop();
    await Promise.all([rm(dataDir, { recursive: true, force: true }), rm(photos, { recursive: true, force: true })]);
  }
}

/** Injects one fault and waits until its target serves again. */
async function inject(run: LocalRun, fault: ChaosFault, round: number, replicas: Replicas): Promise<Recovery> {
  const started = performance.now();
  if (fault === 'restart read replica') {
    await run.stack.stopComponent('postgres-replica');
    await run.stack.startComponent('postgres-replica');
    return { fault, target: 'postgres-replica', ms: Math.round(performance.now() - started) };
  }
  const service = fault.slice('kill '.length) as keyof Replicas;
  const target = `${service}-${(round % replicas[service]) + 1}`;
  const pid = run.supervisor.pid(target);
  if (pid === undefined) throw new Error(`${target} is not running`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const restarted = run.supervisor.pid(target);
    if (restarted !== undefined && restarted !== pid && (await fetch(`${run.urls[target]}/readyz`).then((r) => r.ok, () => false))) break;
    if (Date.now() > deadline) throw new Error(`${target} was not ready again within 60 s of being killed`);
    await sleep(50);
  }
  return { fault, target, ms: Math.round(performance.now() - started) };
}

/** Searches every 100 ms while `active()`, retrying once on a connection error or haproxy's 502. */
async function searchLoop(url: string, active: () => boolean, faulting: { now: boolean }, counter: { http5xx: number; errors: Record<string, number> }) {
  const queries = ['a red picture', 'noise', 'blue sky', 'something green'];
  const ms = { calm: [] as number[], chaos: [] as number[] };
  let searches = 0;
  let failed = 0;
  let retries = 0;
  const once = async (q: string) => {
    const response = await fetch(`${url}/v1/search?q=${encodeURIComponent(q)}&limit=10`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } }).catch(() => undefined);
    const body = await response?.text().catch(() => '');
    if (response && response.status >= 500) {
      counter.http5xx++;
      const code = (/"code":"([a-z_]+)"/.exec(body ?? '') ?? [])[1] ?? 'no code';
      counter.errors[`${response.status} ${code}`] = (counter.errors[`${response.status} ${code}`] ?? 0) + 1;
    }
    return response?.status;
  };
  while (active()) {
    const during = faulting.now;
    const started = performance.now();
    let status = await once(queries[searches % queries.length]!);
    if (status === undefined || status === 502) {
      retries++;
      status = await once(queries[searches % queries.length]!);
    }
    searches++;
    if (status === 200) (during || faulting.now ? ms.chaos : ms.calm).push(performance.now() - started);
    else failed++;
    await sleep(100);
  }
  const summary = (values: number[]) => ({ p50: round(percentile(values, 50), 1), p99: round(percentile(values, 99), 1) });
  return { searches, searchesFailed: failed, searchRetries: retries, searchMs: { calm: summary(ms.calm), chaos: summary(ms.chaos) } };
}

/** Waits until no image is queued or processing (a killed worker's jobs come back once their lock lapses). */
async function settle(url: string) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const response = await fetch(`${url}/v1/queues`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
    const queues = QueuesResponseSchema.parse(await response.json());
    if ((queues.images.queued ?? 0) + (queues.images.processing ?? 0) === 0 || Date.now() > deadline) return queues;
    await sleep(250);
  }
}
