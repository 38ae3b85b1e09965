import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ServerProcess, waitUntil } from './process.js';

export interface RedisOptions {
  /** Folder for the append-only file and the log. */
  dir: string;
  port: number;
}

/** A private redis-server on 127.0.0.1 with the append-only file on, as BullMQ wants. */
export class RedisServer {
  readonly #options: Readonly<RedisOptions>;
  #process: ServerProcess | undefined;

  constructor(options: RedisOptions) {
    this.#options = Object.freeze({ ...options });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#options.port}`;
  }

  get logFile(): string {
    return join(this.#options.dir, 'redis.log');
  }

  async start(): Promise<void> {
    const { dir, port } = this.#options;
    await mkdir(dir, { recursive: true });
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      // BullMQ must never have its keys evicted.
      '--maxmemory-policy', 'noeviction',
    ];
    this.#process = new ServerProcess({ name: 'redis', command: 'redis-server', args, logFile: this.logFile });
    await waitUntil('Redis', () => ping(port), this.#process, 30_000, this.logFile);
  }

  /** SIGTERM makes Redis flush the append-only file and exit. */
  async stop(): Promise<void> {
    await this.#process?.stop('SIGTERM');
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }
}

/** Sends PING over RESP and waits for +PONG; a loading Redis answers -LOADING instead. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
