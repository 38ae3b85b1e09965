import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess, waitUntil } from './process.js';

const run = promisify(execFile);

/** Where Debian puts PostgreSQL 15's server binaries. */
export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
export const PG_USER = 'sis';
export const PG_DATABASE = 'sis';
/** Under root, where clusters go whose own folder the postgres user cannot enter. */
export const DEFAULT_PG_FALLBACK_ROOT = '/var/lib/sis/postgres';
/** Unix socket paths are limited to 107 bytes; beyond this the socket is left off. */
const MAX_SOCKET_DIR_LENGTH = 90;

export interface PostgresOptions {
  /** Folder for the cluster, its socket and its log. */
  dir: string;
  port: number;
  binDir?: string;
  /** false turns fsync and friends off: faster, for throwaway test clusters only. */
  durable: boolean;
  /** Under root: parent of the cluster when the postgres user cannot reach `dir`. */
  fallbackRoot?: string;
  /**
   * Port of a primary on 127.0.0.1 to follow: the cluster is then a hot-standby streaming replica,
   * cloned afresh with `pg_basebackup -R` on the first start (a replica is a copy, and a fresh
   * copy cannot have diverged from a primary that was reset). @defaultValue none, a primary
   */
  replicaOf?: number;
}

/**
 * A private PostgreSQL cluster: initdb on first start, then `postgres` on its own port and socket
 * folder, trust auth for the `sis` role on 127.0.0.1 only.
 *
 * PostgreSQL refuses to run as root, so under root (CI, containers) the cluster belongs to the
 * `postgres` system user that Debian's package creates, and its binaries run through setpriv.
 * When that user cannot enter `dir` (a clone in root's private home), the cluster is kept under
 * {@link DEFAULT_PG_FALLBACK_ROOT} instead, in a folder named after `dir`, so the same checkout
 * finds the same data again; a note in `dir` says where.
 */
export class PostgresServer {
  readonly #options: Readonly<PostgresOptions>;
  #process: ServerProcess | undefined;
  /** Where the cluster really is: `dir`, or its stand-in under the fallback root. */
  #dir: string;
  #cloned = false;

  constructor(options: PostgresOptions) {
    this.#options = Object.freeze({ binDir: DEFAULT_PG_BIN_DIR, fallbackRoot: DEFAULT_PG_FALLBACK_ROOT, ...options });
    this.#dir = options.dir;
  }

  /** The folder holding the cluster, its socket and its log (known for sure once started). */
  get dir(): string {
    return this.#dir;
  }

  get url(): string {
    return `postgres://${PG_USER}@127.0.0.1:${this.#options.port}/${PG_DATABASE}`;
  }

  get logFile(): string {
    return join(this.#dir, 'postgres.log');
  }

  async start(): Promise<void> {
    const { port, durable } = this.#options;
    const owner = await this.#owner();
    const dir = owner ? await this.#ownedDir(owner) : this.#options.dir;
    this.#dir = dir;
    const dataDir = join(dir, 'data');
    const socketDir = join(dir, 'run');
    await mkdir(socketDir, { recursive: true });
    if (owner) await chown(socketDir, owner.uid, owner.gid);
    if (this.#options.replicaOf !== undefined && !this.#cloned) {
      await rm(dataDir, { recursive: true, force: true });
      // A fast checkpoint: the default spreads it over minutes, and the clone waits for it.
      await this.#exec('pg_basebackup', ['-D', dataDir, '-R', '-X', 'stream', '--checkpoint=fast', '-h', '127.0.0.1', '-p', String(this.#options.replicaOf), '-U', PG_USER, ...(durable ? [] : ['--no-sync'])]);
      this.#cloned = true;
    } else if (!existsSync(join(dataDir, 'PG_VERSION'))) {
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

  /** `dir` given to the postgres user, or, when it cannot reach it, a folder it can. */
  async #ownedDir(owner: { uid: number; gid: number }): Promise<string> {
    const { dir, fallbackRoot } = this.#options;
    await mkdir(dir, { recursive: true });
    await chown(dir, owner.uid, owner.gid);
    if (await this.#reachable(dir)) return dir;
    const standIn = join(fallbackRoot!, createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16));
    await mkdir(standIn, { recursive: true });
    // Under a umask of 077 the new parent would shut the postgres user out again.
    await chmod(fallbackRoot!, 0o755);
    await chown(standIn, owner.uid, owner.gid);
    if (!(await this.#reachable(standIn))) {
      throw new Error(`the postgres user can write neither to ${dir} nor to ${standIn}: make the folders above one of them searchable by other users (chmod o+x)`);
    }
    await writeFile(join(dir, 'WHERE-IS-THE-DATA.txt'), `The postgres user cannot enter this folder, so PostgreSQL keeps this stack's data in\n${standIn}\n`);
    return standIn;
  }

  async #reachable(dir: string): Promise<boolean> {
    return run('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', 'test', '-w', dir]).then(
      () => true,
      () => false,
    );
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
