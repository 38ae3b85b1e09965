import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One process the supervisor keeps running. */
export interface SupervisedProcess {
  /** Names it in the prefix of its output lines and in messages. */
  name: string;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}

export interface SupervisorOptions {
  processes: readonly SupervisedProcess[];
  /** Where the processes' output and the supervisor's own lines go. @defaultValue stdout */
  write?: (line: string) => void;
  /** Wait before the first restart, in ms; it doubles with each crash in a row. @defaultValue 1000 */
  initialDelayMs?: number;
  /** Longest wait between restarts, in ms. @defaultValue 30,000 */
  maxDelayMs?: number;
  /** Crashes in a row (each before `healthyAfterMs` of running) after which it gives up. @defaultValue 5 */
  maxCrashes?: number;
  /** A process that ran this long, in ms, before it crashed starts its count of crashes afresh. @defaultValue 60,000 */
  healthyAfterMs?: number;
}

/** How the supervised processes ended. */
export type SupervisorOutcome = { stopped: true } | { stopped: false; gaveUp: string };

/**
 * Keeps a few processes running, as a process manager would on a server: output prefixed with
 * the process's name, a process that crashes (non-zero exit, or a signal it did not ask for) is
 * started again after a delay that doubles with each crash in a row, and one that keeps crashing
 * right after it starts is given up on, which stops the others. A process that exits 0 was asked
 * to stop (Ctrl-C reaches the whole process group) and is left stopped.
 */
export class Supervisor {
  readonly #options: Required<SupervisorOptions>;
  readonly #children = new Map<string, ChildProcess>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopping = false;
  /** The process given up on, if one was. */
  #gaveUp: string | undefined;
  #resolve: (outcome: SupervisorOutcome) => void = () => undefined;
  readonly #done: Promise<SupervisorOutcome>;

  constructor(options: SupervisorOptions) {
    this.#options = { write: (line) => process.stdout.write(`${line}\n`), initialDelayMs: 1000, maxDelayMs: 30_000, maxCrashes: 5, healthyAfterMs: 60_000, ...options };
    this.#done = new Promise((resolve) => (this.#resolve = resolve));
    const width = Math.max(...options.processes.map((p) => p.name.length)) + 2;
    for (const spec of options.processes) this.#run(spec, `[${spec.name}]`.padEnd(width + 1), 0);
  }

  /** Resolves once every process has ended: after `stop()`, or when one was given up on. */
  done(): Promise<SupervisorOutcome> {
    return this.#done;
  }

  /** The process id of a running process, by name; undefined while it is down. */
  pid(name: string): number | undefined {
    return this.#children.get(name)?.pid;
  }

  /** Sends SIGTERM to every process (SIGKILL after `timeoutMs`) and starts none again. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.#stopping) this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const running = [...this.#children.values()];
    for (const child of running) child.kill('SIGTERM');
    const killer = setTimeout(() => running.forEach((child) => child.kill('SIGKILL')), timeoutMs);
    await Promise.all(running.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
    clearTimeout(killer);
    this.#settle(this.#gaveUp ? { stopped: false, gaveUp: this.#gaveUp } : { stopped: true });
  }

  #run(spec: SupervisedProcess, prefix: string, crashesInARow: number): void {
    const { write } = this.#options;
    const started = Date.now();
    const child = spawn(spec.command, [...spec.args], { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => write(`${prefix}${line}`));
    child.once('exit', (code, signal) => {
      this.#children.delete(spec.name);
      if (this.#stopping) return this.#settleWhenEmpty();
      if (code === 0) {
        write(`${prefix}stopped (exit 0); the others keep running`);
        return this.#settleWhenEmpty();
      }
      const ranMs = Date.now() - started;
      const crashes = ranMs >= this.#options.healthyAfterMs ? 1 : crashesInARow + 1;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      if (crashes >= this.#options.maxCrashes) {
        write(`${prefix}${how} ${crashes} times in a row, each within ${this.#options.healthyAfterMs / 1000} s of starting; giving up and stopping everything`);
        this.#gaveUp = spec.name;
        void this.stop();
        return;
      }
      const delay = Math.min(this.#options.initialDelayMs * 2 ** (crashes - 1), this.#options.maxDelayMs);
      write(`${prefix}${how} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(delay / 1000).toFixed(1)} s (crash ${crashes} in a row)`);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.#stopping) this.#run(spec, prefix, crashes);
      }, delay);
      this.#timers.add(timer);
    });
  }

  #settleWhenEmpty(): void {
    if (this.#children.size === 0 && this.#timers.size === 0) this.#settle(this.#gaveUp ? { stopped: false, gaveUp: this.#gaveUp } : { stopped: true });
  }

  #settle(outcome: SupervisorOutcome): void {
    const resolve = this.#resolve;
    this.#resolve = () => undefined;
    resolve(outcome);
  }
}
