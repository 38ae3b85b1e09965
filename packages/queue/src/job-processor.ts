import { ServiceUnavailableError } from '@sis/contracts';
import { extractTrace, inSpan, SpanKind } from '@sis/telemetry';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES, type JobName } from './names.js';
import { JOB_PAYLOADS, traceCarrierSchema } from './payloads.js';

/** One kind of job and the code that does it. */
export interface JobHandler<Result = unknown> {
  /** The job name this handler serves; exactly one handler per name. */
  readonly jobName: JobName;
  /** Does the job; its payload has already passed the name's schema. */
  handle(job: Job): Promise<Result>;
}

/** A BullMQ processor: what a Worker calls for every job it takes, with the lock token it holds. */
export type JobProcessor<Result = unknown> = (job: Job, token?: string) => Promise<Result>;

export interface JobProcessorOptions<Result> {
  handlers: readonly JobHandler<Result>[];
  /**
   * How long, in ms, a job waits when a dependency it needs is away (a handler threw
   * ServiceUnavailableError): it goes back to the queue without spending one of its attempts.
   * @defaultValue 5000
   */
  outageDelayMs?: number;
  /** Told of every job postponed that way, e.g. to pause fetching for a while. @defaultValue none */
  onOutage?: (error: ServiceUnavailableError) => void;
}

/** How long, in ms, a job waits out a dependency's outage before it runs again. */
export const OUTAGE_DELAY_MS = 5000;

/**
 * The processor a worker runs: each job goes to the handler of its name, once its payload has
 * passed that name's schema. Built at start-up, so a job name with no handler (or two) stops the
 * worker before it takes a single job, rather than failing jobs one by one later.
 *
 * A job whose handler finds a dependency away (PostgreSQL, storage: ServiceUnavailableError) is
 * postponed, not failed: an outage longer than the retry backoff must not use up the attempts
 * meant for errors of the job itself.
 *
 * Each attempt runs in a consumer span that continues the trace the job carries (its `trace`
 * field), so the worker's spans and log lines join the trace of the upload that queued it.
 * @throws Error naming every job name without exactly one handler, and every handler for a name that is not a job.
 */
export function jobProcessor<Result>(options: JobProcessorOptions<Result>): JobProcessor<Result> {
  const { handlers, outageDelayMs = OUTAGE_DELAY_MS } = options;
  const names: readonly string[] = Object.values(JOB_NAMES);
  const problems = [
    ...names.flatMap((name) => {
      const count = handlers.filter((handler) => handler.jobName === name).length;
      return count === 1 ? [] : [`"${name}" has ${count} handlers`];
    }),
    ...handlers.filter((handler) => !names.includes(handler.jobName)).map((handler) => `"${handler.jobName}" is not a job name`),
  ];
  if (problems.length) throw new Error(`every job name needs exactly one handler: ${problems.join('; ')}`);
  const byName = new Map(handlers.map((handler) => [handler.jobName as string, handler]));
  const run: JobProcessor<Result> = async (job, token) => {
    const handler = byName.get(job.name);
    // Another release's job, or a hand-written one: retrying cannot make it runnable.
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    const payload = JOB_PAYLOADS[handler.jobName].safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`job "${job.name}" has an invalid payload: ${payload.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`);
    try {
      return await handler.handle(job);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError) || !token) throw error;
      options.onOutage?.(error);
      await job.moveToDelayed(Date.now() + outageDelayMs, token);
      // BullMQ's signal that the job was moved, not failed: no attempt is counted.
      throw new DelayedError();
    }
  };
  return (job, token) => {
    // Read before the payload is checked, so a job refused for its payload has its span too.
    const carrier = traceCarrierSchema.safeParse((job.data as { trace?: unknown } | undefined)?.trace);
    return inSpan(
      `process ${job.queueName}`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractTrace(carrier.success ? carrier.data : undefined),
        attributes: {
          'messaging.system': 'bullmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': job.queueName,
          'messaging.message.id': job.id ?? '',
          'sis.job.name': job.name,
          'sis.job.attempt': job.attemptsMade + 1,
        },
      },
      () => run(job, token),
    );
  };
}
