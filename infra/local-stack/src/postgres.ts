import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess, waitUntil } from './process.js';

const run = promisify(execFile);

/** Where Debian puts PostgreSQL 15's server binaries. */
export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
export const PG_USER = 'sis';
export const PG_DATABASE = 'sis';
/** Unix socket paths are limited to 107 bytes; beyond this the socket is left off. */
const MAX_SOCKET_DIR_LENGTH = 90;

export interface PostgresOptions {
  /** Folder for the cluster, its socket and its log. */
  dir: string;
  port: number;
  binDir?: string;
  /** false turns fsync and friends off: faster, for throwaway test clusters only. */
  durable: boolean;
}

/**
 * A private PostgreSQL cluster: initdb on first start, then `postgres` on its own port and socket
 * folder, trust auth for the `sis` role on 127.0.0.1 only.
 *
 * PostgreSQL refuses to run as root, so under root (CI, containers) the cluster belongs to the
 * `postgres` system user that Debian's package creates, and its binaries run through setpriv.
 */
export class PostgresServer {
  readonly #options: Readonly<PostgresOptions>;
  #process: ServerProcess | undefined;

  constructor(options: PostgresOptions) {
    this.#options = Object.freeze({ binDir: DEFAULT_PG_BIN_DIR, ...options });
  }

  get url(): string {
    return `postgres://${PG_USER}@127.0.0.1:${this.#options.port}/${PG_DATABASE}`;
  }

  get logFile(): string {
    return join(this.#options.dir, 'postgres.log');
  }

  async start(): Promise<void> {
    const { dir, port, durable } = this.#options;
    const dataDir = join(dir, 'data');
    const socketDir = join(dir, 'run');
    await mkdir(socketDir, { recursive: true });
    const owner = await this.#owner();
    if (owner) {
      await chown(dir, owner.uid, owner.gid);
      await chown(socketDir, owner.uid, owner.gid);
      await this.#assertReachable(dir);
    }
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await this.#exec('initdb', ['-D', dataDir, '-U', PG_USER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions', ...(durable ? [] : ['--no-sync'])]);
    }
    const settings = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: socketDir.length <= MAX_SOCKET_DIR_LENGTH ? socketDir : '',
      max_connections: '200',
      shared_buffers: '256MB',
      ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    };
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
    const [command, commandArgs] = this.#command('postgres', args, owner);
    this.#process = new ServerProcess({ name: 'postgres', command, args: commandArgs, logFile: this.logFile });
    await waitUntil('PostgreSQL', () => this.#accepts(), this.#process, 60_000, this.logFile);
  }

  /** Fast shutdown: ends sessions, checkpoints, exits. */
  async stop(): Promise<void> {
    await this.#process?.stop('SIGINT');
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  async #accepts(): Promise<boolean> {
    const { binDir, port } = this.#options;
    // pg_isready, unlike a TCP probe, says no while the server is still starting up or recovering.
    return run(join(binDir!, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', 'postgres']).then(
      () => true,
      () => false,
    );
  }

  async #owner(): Promise<{ uid: number; gid: number } | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).catch(() => {
      throw new Error('running as root needs the "postgres" system user (Debian\'s postgresql package creates it); script/bootstrap installs it');
    });
    return { uid: Number(uid), gid: Number(gid) };
  }

  async #assertReachable(dir: string): Promise<void> {
    try {
      await run('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', 'test', '-w', dir]);
    } catch {
      throw new Error(`the postgres user cannot write to ${dir}: every folder above it must be searchable by other users (chmod o+x), or choose another data folder`);
    }
  }

  #command(binary: string, args: string[], owner: { uid: number } | undefined): [string, string[]] {
    const path = join(this.#options.binDir!, binary);
    return owner ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', path, ...args]] : [path, args];
  }

  async #exec(binary: string, args: string[]): Promise<void> {
    const [command, commandArgs] = this.#command(binary, args, await this.#owner());
    try {
      await run(command, commandArgs);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`${binary} failed: ${stderr || (error as Error).message}`, { cause: error });
    }
  }
}
