import type { Logger } from '@sis/config';
import type { LeaderLock } from '@sis/queue';

export interface LeaderLoopOptions {
  /** Only the holder runs the work, so several workers do not do it side by side. */
  lock: LeaderLock;
  /** How often, in ms, the work runs. */
  intervalMs: number;
  work: () => Promise<unknown>;
  logger: Logger;
  /** What the work is, for the log line of a failed run. */
  name: string;
}

/**
 * Periodic work for one worker of many: every `intervalMs`, whichever worker holds the lock runs
 * it, one run at a time. A failed run (a dependency away) is logged and tried again next time.
 */
export class LeaderLoop {
  readonly #options: Readonly<LeaderLoopOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: LeaderLoopOptions) {
    this.#options = Object.freeze({ ...options });
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.#tick().finally(() => (this.#running = undefined));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops, waits for a run in progress, and frees the lock for another worker. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.#options.lock.release().catch(() => undefined);
  }

  async #tick(): Promise<void> {
    try {
      if (await this.#options.lock.tryAcquire()) await this.#options.work();
    } catch (error) {
      this.#options.logger.warn({ err: error }, `${this.#options.name} failed; will try again`);
    }
  }
}
