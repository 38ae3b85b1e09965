import { UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES, type JobName } from './names.js';
import { JOB_PAYLOADS } from './payloads.js';

/** One kind of job and the code that does it. */
export interface JobHandler<Result = unknown> {
  /** The job name this handler serves; exactly one handler per name. */
  readonly jobName: JobName;
  /** Does the job; its payload has already passed the name's schema. */
  handle(job: Job): Promise<Result>;
}

/** A BullMQ processor: what a Worker calls for every job it takes. */
export type JobProcessor<Result = unknown> = (job: Job) => Promise<Result>;

/**
 * The processor a worker runs: each job goes to the handler of its name, once its payload has
 * passed that name's schema. Built at start-up, so a job name with no handler (or two) stops the
 * worker before it takes a single job, rather than failing jobs one by one later.
 * @throws Error naming every job name without exactly one handler, and every handler for a name that is not a job.
 */
export function jobProcessor<Result>(handlers: readonly JobHandler<Result>[]): JobProcessor<Result> {
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
  return async (job) => {
    const handler = byName.get(job.name);
    // Another release's job, or a hand-written one: retrying cannot make it runnable.
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    const payload = JOB_PAYLOADS[handler.jobName].safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`job "${job.name}" has an invalid payload: ${payload.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`);
    return handler.handle(job);
  };
}
