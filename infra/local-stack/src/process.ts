import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ServerProcessOptions {
  /** Names the process in messages. */
  name: string;
  command: string;
  args: readonly string[];
  /** Where its stdout and stderr go (appended). */
  logFile: string;
  /** Variables on top of this process's own environment. @defaultValue none */
  env?: Readonly<Record<string, string | undefined>>;
  /** The folder it runs in. @defaultValue this process's */
  cwd?: string;
}

/** A server process the stack started, with its output going to a log file. */
export class ServerProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  constructor(options: ServerProcessOptions) {
    this.name = options.name;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.#child = spawn(options.command, [...options.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, cwd: options.cwd });
    this.#child.stdout!.pipe(log);
    this.#child.stderr!.pipe(log);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', () => resolve(null));
      this.#child.once('exit', (code) => resolve(code));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves with the exit code once the process has ended. */
  exited(): Promise<number | null> {
    return this.#exited;
  }

  /**
   * Sends `signal` and waits; escalates to SIGKILL when the process outlives `timeoutMs`, so
   * stopping never hangs and never leaves the process behind.
   */
  async stop(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.#child.kill(signal);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Polls `check` until it resolves true, the process dies, or time runs out. */
export async function waitUntil(what: string, check: () => Promise<boolean>, process: ServerProcess | undefined, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process && !process.running) throw new Error(`${what} exited during start-up${logFile ? `; see ${logFile}` : ''}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${logFile ? `; see ${logFile}` : ''}`);
}
