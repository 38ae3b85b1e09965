import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { KnownValues } from './known-values.js';
import { operationsOf, type OpenApiDocument, type Operation } from './operations.js';
import { ResponseOracle, type Violation } from './oracle.js';
import { RequestArbitraries, type FuzzRequest } from './requests.js';
import { fileSamples } from './samples.js';
import { assertLoopback, send, type Exchange, type SentRequest, type Target } from './send.js';

/** Runs of one operation in one round; operations take turns, so ids made by one reach the others. */
const RUNS_PER_ROUND = 25;
/** Shrink steps per failure: each one is a request. */
const MAX_SHRINKS = 100;
/** fast-check runs per operation and round: a new one starts after each failure found. */
const MAX_CHECKS_PER_ROUND = 10;

/**
 * Served by the gateway but not in the OpenAPI document, so not fuzzed: each with the reason.
 * The document's own operations are all fuzzed; none is left out.
 */
const NOT_FUZZED: readonly { route: string; reason: string }[] = Object.freeze([
  { route: '/admin/queues', reason: "Bull Board: a third-party UI with its own API behind Basic auth, outside sis's contract" },
  { route: '/, /dashboard, static files', reason: 'the web pages, files served as they are' },
  { route: '/docs', reason: "Swagger UI's own assets" },
  { route: '/openapi.json', reason: 'the document itself, read once to drive the run' },
]);

export interface FuzzOptions {
  /** The gateway, on 127.0.0.0/8 (anything else is refused). */
  url: string;
  /** Sent with most requests, so they get past authentication. */
  adminToken: string;
  /** Keys sent now and then besides the admin token (keys with fewer scopes reach the 403s). @defaultValue none */
  keys?: readonly string[];
  /** Requests to generate, spread evenly over the operations; shrinking a failure adds up to {@link MAX_SHRINKS}. */
  requests: number;
  /** Seed of the run; the same seed generates the same requests. @defaultValue a random one, reported */
  seed?: number;
  /** Time after which no new request is generated, in ms. @defaultValue 30 minutes */
  timeLimitMs?: number;
  /** Operations fuzzed at once. @defaultValue 4 */
  concurrency?: number;
  /** Time a request may take before it counts as unanswered (a failure), in ms. @defaultValue 30,000 */
  requestTimeoutMs?: number;
  /** Stops generating requests when aborted (Ctrl-C); the report covers what was sent. */
  signal?: AbortSignal;
  /** The document to fuzz; fetched from the gateway's `/openapi.json` when not given. */
  document?: OpenApiDocument;
  /** Called after each round. */
  onProgress?: (progress: { sent: number; planned: number; failures: number }) => void;
}

/** What one operation received and how it answered. */
export interface OperationTally {
  operation: string;
  requests: number;
  /** Requests sent as generated (the rest were mutated). */
  valid: number;
  /** Answers by status; `none` for requests that got no answer. */
  statuses: Record<string, number>;
}

/** One way an operation broke its contract, with the smallest request found that does it. */
export interface Failure {
  operation: string;
  /** What went wrong, e.g. `500` or `undocumented 413`: failures of one kind count as one. */
  kind: string;
  detail: string;
  /** How the request was made: `valid`, or its mutation. */
  variant: string;
  request: SentRequest;
  /** Times generated requests ran into it. */
  occurrences: number;
  /** Shrink steps that led to `request` (none when it was met while shrinking another failure). */
  shrinks: number;
}

export interface FuzzReport {
  seed: number;
  /** Every request sent, shrinking included. */
  requests: number;
  /** Requests sent while shrinking failures. */
  shrinkRequests: number;
  durationMs: number;
  /** True when the time limit or the signal stopped the run before every planned request was sent. */
  interrupted: boolean;
  operations: OperationTally[];
  failures: Failure[];
  notFuzzed: typeof NOT_FUZZED;
}

/**
 * Fuzzes every operation of the gateway's OpenAPI document with fast-check: valid requests and
 * mutated ones, with the admin token, other keys, no key or a wrong one. Every answer must be
 * below 500, documented for the operation, and of the documented shape. Each kind of failure is
 * shrunk once to a minimal request; the run goes on, counting further occurrences.
 *
 * ### Examples
 * ```ts
 * const report = await fuzzApi({ url: 'http://127.0.0.1:8000', adminToken, requests: 2000, seed: 7 });
 * console.log(formatReport(report));
 * ```
 */
export async function fuzzApi(options: FuzzOptions): Promise<FuzzReport> {
  assertLoopback(options.url);
  const started = Date.now();
  const deadline = started + (options.timeLimitMs ?? 30 * 60_000);
  const stopped = () => Date.now() >= deadline || options.signal?.aborted === true;
  const seed = options.seed ?? randomInt(2 ** 31);
  const document = options.document ?? (await fetchDocument(options.url));
  const operations = operationsOf(document);
  const oracle = new ResponseOracle(document);
  const keys = options.keys ?? [];
  const arbitraries = new RequestArbitraries({ document, files: await fileSamples(), keys: keys.length });
  const target: Target = {
    url: options.url.replace(/\/+$/, ''),
    adminToken: options.adminToken,
    keys,
    known: new KnownValues(),
    timeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const tallies = new Map(operations.map((op) => [op.id, { operation: op.id, requests: 0, valid: 0, statuses: {} } as OperationTally]));
  const failures = new Map<string, Failure>();
  let shrinkRequests = 0;

  /** One operation's share of a round: fast-check runs until `runs` requests were generated. */
  const fuzzOperation = async (operation: Operation, runs: number, roundSeed: number) => {
    const arbitrary = fc.limitShrink(arbitraries.for(operation), MAX_SHRINKS);
    for (let check = 0, remaining = runs; remaining > 0 && check < MAX_CHECKS_PER_ROUND && !stopped(); check++) {
      /** The failure this check is shrinking, once it found one. */
      let shrinking: string | undefined;
      let generated = 0;
      const property = fc.asyncProperty(arbitrary, async (request) => {
        // Stopping: the remaining runs pass without a request.
        if (options.signal?.aborted) return true;
        if (shrinking === undefined) generated++;
        else shrinkRequests++;
        const exchange = await send(operation, request, target);
        // Stopped while it was on its way (Ctrl-C stops the services too): not the gateway's doing.
        if (options.signal?.aborted) return true;
        record(operation, request, exchange);
        const violation = judge(operation, exchange);
        if (!violation) return true;
        const signature = `${operation.id}: ${violation.kind}`;
        const failure = failures.get(signature);
        if (shrinking === undefined) {
          if (failure) {
            failure.occurrences++;
            return true;
          }
          shrinking = signature;
          failures.set(signature, { operation: operation.id, kind: violation.kind, detail: violation.detail, variant: request.variant, request: exchange.sent, occurrences: 1, shrinks: 0 });
          return false;
        }
        if (signature !== shrinking) {
          // Another failure met on the way: kept as met, unshrunk, and not followed.
          if (!failure) failures.set(signature, { operation: operation.id, kind: violation.kind, detail: violation.detail, variant: request.variant, request: exchange.sent, occurrences: 1, shrinks: 0 });
          return true;
        }
        Object.assign(failure!, { detail: violation.detail, variant: request.variant, request: exchange.sent });
        return false;
      });
      const details = await fc.check(property, { seed: roundSeed + check, numRuns: remaining, plugins: [fc.interruptAfterTimeLimit(Math.max(1, deadline - Date.now()))] });
      remaining -= generated;
      if (!details.failed) break;
      // A property that throws is the fuzzer's own bug, not the gateway's.
      if (shrinking === undefined) throw new Error(`fuzzing ${operation.id} failed: ${String(details.errorInstance)}`, { cause: details.errorInstance });
      failures.get(shrinking)!.shrinks = details.numShrinks;
    }
  };

  const record = (operation: Operation, request: FuzzRequest, exchange: Exchange) => {
    const tally = tallies.get(operation.id)!;
    tally.requests++;
    if (request.variant === 'valid') tally.valid++;
    const status = exchange.response ? String(exchange.response.status) : 'none';
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
    const response = exchange.response;
    if (response && response.status < 300 && response.contentType?.includes('json')) {
      try {
        target.known.collect(JSON.parse(response.text));
      } catch {
        // The oracle reports a body that is not JSON.
      }
    }
  };

  const judge = (operation: Operation, exchange: Exchange): Violation | undefined =>
    exchange.response ? oracle.check(operation, exchange.response) : { kind: 'no response', detail: exchange.error ?? 'no response' };

  const perOperation = Math.ceil(options.requests / operations.length);
  const rounds = Math.ceil(perOperation / RUNS_PER_ROUND);
  for (let round = 0; round < rounds && !stopped(); round++) {
    const runs = Math.min(RUNS_PER_ROUND, perOperation - round * RUNS_PER_ROUND);
    await eachLimited(operations, options.concurrency ?? 4, (operation, index) => fuzzOperation(operation, runs, (seed + round * 1_000_003 + index * 7_919) | 0));
    options.onProgress?.({ sent: sum([...tallies.values()].map((t) => t.requests)), planned: perOperation * operations.length, failures: failures.size });
  }
  return {
    seed,
    requests: sum([...tallies.values()].map((t) => t.requests)),
    shrinkRequests,
    durationMs: Date.now() - started,
    interrupted: stopped(),
    operations: [...tallies.values()],
    failures: [...failures.values()],
    notFuzzed: NOT_FUZZED,
  };
}

async function fetchDocument(url: string): Promise<OpenApiDocument> {
  const response = await fetch(new URL('/openapi.json', url), { redirect: 'manual', signal: AbortSignal.timeout(30_000) }).catch((error: Error & { cause?: Error }) => {
    throw new Error(`cannot read ${new URL('/openapi.json', url)}: ${error.cause?.message ?? error.message}`, { cause: error });
  });
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}; the fuzzer needs the document`);
  return (await response.json()) as OpenApiDocument;
}

/** Calls `work` for every item, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
