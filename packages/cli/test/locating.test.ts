import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { photoFolder, reportedCounts, sis, startSis, type RunningSis } from './harness.js';

// How `sis` finds the gateway and its files: from a recorded `sis up`, a port, or pnpm's INIT_CWD.
let running: RunningSis;
beforeAll(async () => {
  running = await startSis();
}, 180_000);
afterAll(async () => {
  await running?.stop();
});

const env = () => ({ SIS_URL: running.url, SIS_API_KEY: running.adminToken });

/**
 * A server that is not the local stack's gateway: it notes the Authorization header of every
 * request and refuses each one as the gateway would without a key.
 */
async function otherServer() {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'send an API key', requestId: 'x' } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => void server.close());
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('finding the gateway', () => {
  it('goes to the gateway a running `sis up` recorded, with the admin token it keeps, when neither URL nor key is given', async () => {
    expect(JSON.parse(await readFile(join(running.dataDir, 'gateway.json'), 'utf8'))).toMatchObject({ url: running.url, pid: process.pid });
    const run = await sis(['jobs'], { env: { SIS_DATA_DIR: running.dataDir } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^sis-embed:/);
    // Found as `.data` in the folder sis runs in, as pnpm runs it at the repository root.
    const root = await mkdtemp(join(tmpdir(), 'sis-root-'));
    await mkdir(join(root, '.data'));
    for (const file of ['gateway.json', 'admin-token']) await copyFile(join(running.dataDir, file), join(root, '.data', file));
    expect((await sis(['jobs'], { cwd: root })).code).toBe(0);
  });

  it('goes to the port GATEWAY_PORT names on this machine, and says what is wrong with one that is not a port', async () => {
    const port = new URL(running.url).port;
    const run = await sis(['jobs', '--json'], { env: { GATEWAY_PORT: port, SIS_API_KEY: running.adminToken } });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).queues).toBeDefined();
    // The local stack's own gateway, under the name localhost: its admin token may go there.
    expect((await sis(['jobs'], { env: { GATEWAY_PORT: port, SIS_DATA_DIR: running.dataDir } })).code).toBe(0);
    const wrong = await sis(['jobs'], { env: { GATEWAY_PORT: 'eighty', SIS_API_KEY: running.adminToken } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('GATEWAY_PORT: expected a whole number from 1 to 65535 (got "eighty")');
  });

  it('never sends the local admin token to a gateway other than the running local stack\'s', async () => {
    const other = await otherServer();
    const elsewhere: Record<string, string>[] = [
      { SIS_DATA_DIR: running.dataDir, SIS_URL: `http://127.0.0.1:${other.port}` },
      { SIS_DATA_DIR: running.dataDir, GATEWAY_PORT: String(other.port) },
    ];
    // A record left by a `sis up` that is no longer running, naming the other server's port.
    const stale = await mkdtemp(join(tmpdir(), 'sis-stale-'));
    const ended = spawn(process.execPath, ['-e', '']);
    await once(ended, 'exit');
    await writeFile(join(stale, 'gateway.json'), JSON.stringify({ url: `http://127.0.0.1:${other.port}`, pid: ended.pid }));
    await copyFile(join(running.dataDir, 'admin-token'), join(stale, 'admin-token'));
    elsewhere.push({ SIS_DATA_DIR: stale, GATEWAY_PORT: String(other.port) });
    for (const settings of elsewhere) {
      const run = await sis(['jobs'], { env: settings });
      expect(run.code, JSON.stringify(settings)).toBe(2);
      expect(run.stderr).toContain('(give a key with --key or SIS_API_KEY)');
    }
    expect(other.seen.length).toBeGreaterThanOrEqual(elsewhere.length);
    expect(other.seen.map((headers) => headers.authorization)).toEqual(other.seen.map(() => undefined));
  });
});

describe('called from a subfolder through pnpm', () => {
  it('reads the source and writes the report where it was called from (INIT_CWD), not where it runs', async () => {
    // pnpm runs the command in the repository's root, and names the folder it was called from.
    const root = await mkdtemp(join(tmpdir(), 'sis-root-'));
    const caller = await mkdtemp(join(tmpdir(), 'sis-caller-'));
    await photoFolder(join(caller, 'photos'), 3);
    const calledFrom = { ...env(), INIT_CWD: caller };
    const checked = await sis(['ingest', 'photos/*.jpg', '--dry-run', '--report', 'checked.json'], { env: calledFrom, cwd: root });
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('dry run: 3 images');
    expect(existsSync(join(caller, 'checked.json'))).toBe(true);

    const run = await sis(['ingest', './photos', '--no-wait'], { env: calledFrom, cwd: root });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(': 3 queued for embedding');
    expect((await reportedCounts(join(caller, 'sis-ingest-report.json'))).counts).toMatchObject({ found: 4, images: 3, uploaded: 3 });
    expect(existsSync(join(root, 'sis-ingest-report.json'))).toBe(false);
  });
});
