import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { colourImage } from '@sis/image/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient, unwrap } from '../src/client.js';
import { photoFolder, reportedCounts, sis, SIS_BIN, startSis, type RunningSis } from './harness.js';

/** The compiled CLI, as the child processes here run it. */
const SIS_DIST = dirname(SIS_BIN);

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple', 'pink', 'gray', 'brown'];
const UNIQUE = 240;
const COPIES = 12;
let running: RunningSis;
let tree: string;
let work: string;

/** A photo library as people have them: nested folders, copies, notes, one broken file. */
async function makeTree(root: string): Promise<void> {
  for (let i = 0; i < UNIQUE; i++) {
    const dir = join(root, `year-${2020 + (i % 3)}`, `album-${i % 5}`);
    await mkdir(dir, { recursive: true });
    const bytes = await colourImage(COLOURS[i % COLOURS.length]!, { width: 160 + i, height: 120, format: i % 10 === 0 ? 'png' : 'jpeg' });
    await writeFile(join(dir, `photo-${i}.${i % 10 === 0 ? 'png' : 'jpg'}`), bytes);
    if (i < COPIES) await writeFile(join(root, `copy-of-${i}.jpg.bak`), bytes);
  }
  await writeFile(join(root, 'year-2020', 'notes.txt'), 'not a picture');
  await writeFile(join(root, 'README.md'), '# my photos');
  await writeFile(join(root, 'year-2020', 'album-1', 'photo-21.jpg.json'), JSON.stringify({ album: 'summer', people: ['Ana'] }));
  const broken = await colourImage('red', { width: 1600, height: 1200 });
  await writeFile(join(root, 'year-2022', 'broken.jpg'), broken.subarray(0, 6000));
}

beforeAll(async () => {
  running = await startSis();
  tree = await mkdtemp(join(tmpdir(), 'sis-tree-'));
  work = await mkdtemp(join(tmpdir(), 'sis-work-'));
  await makeTree(tree);
}, 180_000);
afterAll(async () => {
  await running?.stop();
});

const env = () => ({ SIS_URL: running.url, SIS_API_KEY: running.adminToken });
// Like the CLI itself, its tests see the server only through the API.
const api = () => createApiClient({ url: running.url, key: running.adminToken });
/** How many images the server holds in each status. */
const statusCounts = async () => (await unwrap(api().GET('/v1/queues'))).images;
/** How many images the server holds at all, whatever their status. */
const stored = async () => Object.values(await statusCounts()).reduce((sum, n) => sum + n, 0);
/** Every image, newest first, page by page. */
async function allImages() {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(api().GET('/v1/images', { params: { query: { limit: 200, cursor } } }));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

describe('sis ingest', () => {
  it('checks a tree without uploading in a dry run', async () => {
    const run = await sis(['ingest', tree, '--dry-run'], { env: env(), cwd: work });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`dry run: ${UNIQUE + COPIES + 1} images, 3 other files skipped, 0 unreadable`);
    expect(await stored()).toBe(0);
  });

  it('ingests a tree: images found by their bytes, copies once, the broken file reported, exit 1', async () => {
    const run = await sis(['ingest', tree, '--batch-size', '40', '--report', 'report.json'], { env: env(), cwd: work });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`: ${UNIQUE} ingested, ${COPIES} already there, 3 skipped \\(not images\\), 1 failed`));
    const report = JSON.parse(await readFile(join(work, 'report.json'), 'utf8'));
    expect(report.failures).toEqual([expect.objectContaining({ path: 'year-2022/broken.jpg', stage: 'embed', reason: expect.stringMatching(/cannot decode image/) })]);
    // Every distinct file once: the copies were recognised by their hash and not stored again.
    const all = await allImages();
    expect(all).toHaveLength(UNIQUE + 1);
    expect(new Set(all.map((image) => image.filename)).size).toBe(all.length);
    const withSidecar = all.find((image) => image.filename === 'year-2020/album-1/photo-21.jpg')!;
    const detail = await unwrap(api().GET('/v1/images/{id}', { params: { path: { id: withSidecar.id } } }));
    expect(detail.metadata).toMatchObject({ album: 'summer', people: ['Ana'] });
  });

  it('uploads nothing the second time, and reports the broken file again', async () => {
    const run = await sis(['ingest', tree, '--report', 'again.json'], { env: env(), cwd: work });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`: 0 ingested, ${UNIQUE + COPIES} already there, 3 skipped \\(not images\\), 1 failed`));
    expect(run.stdout).toContain('uploaded 0 ');
    expect(await stored()).toBe(UNIQUE + 1);
  });

  it('searches, finds similar images and shows jobs from the command line', async () => {
    const search = await sis(['search', 'a purple picture', '--limit', '3'], { env: env() });
    expect(search.code).toBe(0);
    expect(search.stdout.trim().split('\n')).toHaveLength(3);
    expect(search.stdout).toMatch(/photo-\d+\.(jpg|png)/);
    const id = search.stdout.split(/\s+/)[1]!;
    const similar = await sis(['similar', id, '--json'], { env: env() });
    expect(JSON.parse(similar.stdout).results.length).toBe(10);
    // Refined: like that image, away from green; the image named is left out.
    const refined = JSON.parse((await sis(['search', 'a purple picture', '--like', id, '--not', 'green', '--limit', '5', '--json'], { env: env() })).stdout);
    expect(refined.results).toHaveLength(5);
    expect(refined.results.map((r: { image: { id: string } }) => r.image.id)).not.toContain(id);
    // Like a photo file, which is not stored: a purple photo finds purple images first.
    const photo = join(work, 'query.png');
    await writeFile(photo, await colourImage('purple', { width: 300, height: 200, format: 'png' }));
    const byPhoto = JSON.parse((await sis(['search', 'a picture', '--like', photo, '--limit', '3', '--json'], { env: env() })).stdout);
    expect(byPhoto.results).toHaveLength(3);
    // photo-<i>.jpg, or copy-of-<i>.jpg.bak when the copy came first: colour i of the list.
    const colourOf = (filename: string) => COLOURS[Number(/-(\d+)\.(jpg|png)/.exec(filename)?.[1]) % COLOURS.length] ?? filename;
    expect(byPhoto.results.map((r: { image: { filename: string } }) => colourOf(r.image.filename))).toEqual(['purple', 'purple', 'purple']);
    // Pages: the cursor printed after "more:" gives the next page, without repeats.
    const first = await sis(['search', 'a purple picture', '--limit', '3'], { env: env() });
    const cursor = /^more: add --cursor (\S+)$/m.exec(first.stderr)![1]!;
    const second = await sis(['search', 'a purple picture', '--limit', '3', '--cursor', cursor], { env: env() });
    expect(second.code).toBe(0);
    const idsOf = (out: string) => out.trim().split('\n').map((line) => line.split(/\s+/)[1]);
    expect(idsOf(second.stdout)).toHaveLength(3);
    expect(idsOf(second.stdout).filter((x) => idsOf(first.stdout).includes(x))).toEqual([]);
    expect((await sis(['search', 'red', '--like', photo, '--like', photo], { env: env() })).code).toBe(2);
    // One relevance cut: only what stands out of the library for this query.
    const cut = JSON.parse((await sis(['search', 'a purple picture', '--min-relevance', '0.3', '--limit', '200', '--json'], { env: env() })).stdout);
    expect(cut.results.length).toBeGreaterThan(0);
    expect(cut.results.length).toBeLessThan(UNIQUE / 2);
    expect(cut.results.every((r: { relevance: number; image: { filename: string } }) => r.relevance >= 0.3 && colourOf(r.image.filename) === 'purple')).toBe(true);
    expect((await sis(['search', 'red', '--min-relevance', '2'], { env: env() })).code).toBe(2);
    const badLike = await sis(['search', 'red', '--like', 'not-an-id'], { env: env() });
    expect(badLike.code).toBe(1);
    expect(badLike.stderr).toMatch(/query\.1\.imageId: /);
    const jobs = await sis(['jobs'], { env: env() });
    expect(jobs.stdout).toMatch(new RegExp(`images: pending_upload 0, queued 0, processing 0, ready ${UNIQUE}, failed 1`));
    expect(jobs.stdout).toMatch(/recent failures:\n {2}\S+ {2}year-2022\/broken\.jpg: cannot decode image/);
    // The worker's model, registered at its start: active, 512-d, every ready image embedded.
    const models = await sis(['models'], { env: env() });
    expect(models.stdout).toMatch(new RegExp(`^\\* 1 +active +\\S+ +512-d +${UNIQUE}/${UNIQUE} \\(100\\.0 %\\)$`, 'm'));
    expect(JSON.parse((await sis(['models', '--json'], { env: env() })).stdout).items).toMatchObject([{ id: 1, state: 'active', active: true, dimension: 512 }]);
    // Adding, switching and retiring, with the API's reasons passed on.
    const added = await sis(['models', 'add', '/nonexistent/other-model', '--dtype', 'q8', '--no-activate'], { env: env() });
    expect(added.stdout).toMatch(new RegExp(`^ {2}2 +building +/nonexistent/other-model \\(q8\\) +\\?-d +0/${UNIQUE} \\(0\\.0 %\\)`, 'm'));
    const refused = await sis(['models', 'activate', '2'], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/model 2 has not been loaded by a worker yet/);
    expect((await sis(['models', 'retire', '2'], { env: env() })).stdout).toMatch(/^ {2}2 +retired +\/nonexistent\/other-model/m);
    const notAnId = await sis(['models', 'retire', 'two'], { env: env() });
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toMatch(/a model id is a whole number/);
    expect((await sis(['models', 'add', 'm', '--dtype', 'fp64'], { env: env() })).stderr).toMatch(/Allowed choices are fp32, fp16/);
  });

  it('exits 2 with a clear message for usage and configuration mistakes', async () => {
    expect((await sis(['ingest', join(tree, 'no-such-folder')], { env: env() })).stderr).toMatch(/no such file or folder/);
    const noKey = await sis(['search', 'red'], { env: { SIS_URL: running.url, SIS_API_KEY: '' }, cwd: work });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/send an API key .* \(give a key with --key or SIS_API_KEY\)/);
    expect((await sis(['search', 'red', '--limit', '0'], { env: env() })).code).toBe(2);
    const unreachable = await sis(['jobs'], { env: { SIS_URL: 'http://127.0.0.1:9', SIS_API_KEY: 'x' } });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach the sis server/);
    expect((await sis(['--help'])).code).toBe(0);
  });

  it('manages keys', async () => {
    const created = await sis(['keys', 'create', 'uploader', '--scopes', 'read,write'], { env: env() });
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^sis_/);
    expect((await sis(['search', 'red'], { env: { SIS_URL: running.url, SIS_API_KEY: secret } })).code).toBe(0);
    const listed = await sis(['keys', 'list'], { env: env() });
    const id = listed.stdout.split('\n').find((line) => line.includes('uploader'))!.split(/\s+/)[0]!;
    expect((await sis(['keys', 'revoke', id], { env: env() })).stdout).toContain(`revoked ${id}`);
    expect((await sis(['search', 'red'], { env: { SIS_URL: running.url, SIS_API_KEY: secret } })).code).toBe(2);
  });
});

describe('interrupted and resumed', () => {
  it('ends with every image exactly once after Ctrl-C halfway and a second run', async () => {
    const second = await mkdtemp(join(tmpdir(), 'sis-resume-'));
    const count = 120;
    for (let i = 0; i < count; i++) {
      await mkdir(join(second, `set-${i % 4}`), { recursive: true });
      await writeFile(join(second, `set-${i % 4}`, `shot-${i}.jpg`), await colourImage(COLOURS[(i * 3) % COLOURS.length]!, { width: 500 + i, height: 333 }));
    }
    const before = await stored();
    const interrupted = await sis(['ingest', second, '--batch-size', '10', '--concurrency', '2', '--report', 'resume.json'], {
      env: env(),
      cwd: work,
      onStart: (child) => {
        // Ctrl-C once some, but not all, of the images have reached the server. Only once: polls
        // overlap, and a second Ctrl-C quits at once without the summary.
        let sent = false;
        const timer = setInterval(async () => {
          const now = (await stored()) - before;
          if (now >= 30 && !sent) {
            sent = true;
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 50);
        child.on('exit', () => clearInterval(timer));
      },
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toMatch(/^interrupted in/);
    const partial = (await stored()) - before;
    expect(partial).toBeLessThan(count);

    const resumed = await sis(['ingest', second, '--report', 'resume.json'], { env: env(), cwd: work });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Exactly once each: nothing uploaded before the interruption was stored twice.
    expect((await stored()) - before).toBe(count);
    const all = await allImages();
    expect(new Set(all.map((image) => image.filename)).size, 'no file stored twice').toBe(all.length);
    expect(await statusCounts()).toEqual({ pending_upload: 0, queued: 0, processing: 0, ready: UNIQUE + count, failed: 1 });
  });
});

describe('walking a large manifest', () => {
  it('walks 100,000 entries in constant memory', async () => {
    const manifest = join(work, 'big.jsonl');
    const lines = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ path: `photos/${i % 100}/img-${i}.jpg`, camera: 'test', index: i }));
    await writeFile(manifest, `${lines.join('\n')}\n`);
    // In a process of its own that collects its garbage before each look: the live heap is then
    // what the walk holds, not whatever garbage the test runner (and coverage) left around.
    const script = join(work, 'walk-memory.mjs');
    await writeFile(
      script,
      `import { walkSource } from ${JSON.stringify(pathToFileURL(join(SIS_DIST, 'ingest/walk.js')).href)};
       gc(); const baseline = process.memoryUsage().heapUsed; let peak = 0, seen = 0, first;
       for await (const entry of walkSource(process.argv[2])) {
         first ??= entry; seen++;
         if (seen % 5000 === 0) { gc(); peak = Math.max(peak, process.memoryUsage().heapUsed - baseline); }
       }
       console.log(JSON.stringify({ seen, peak, first }));`,
    );
    const run = spawnSync(process.execPath, ['--expose-gc', script, manifest], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const { seen, peak, first } = JSON.parse(run.stdout);
    expect(seen).toBe(100_000);
    expect(first).toMatchObject({ name: 'photos/0/img-0.jpg', metadata: { camera: 'test', index: 0 } });
    // The entries alone would hold over 20 MB live; a stream holds a few lines at a time.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('summaries', () => {
  it('says how many were queued with --no-wait, not how many happen to be embedded yet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-no-wait-'));
    await photoFolder(dir, 40);
    const run = await sis(['ingest', dir, '--no-wait', '--batch-size', '15', '--report', 'no-wait.json'], { env: env(), cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^done in [\d.]+ s: 40 queued for embedding, 0 already there, 1 skipped \(not images\), 0 failed\nuploaded 40 /);
    expect(run.stdout).not.toContain('ingested');
    const { counts, failures } = await reportedCounts(join(work, 'no-wait.json'));
    expect(counts).toMatchObject({ found: 41, images: 40, uploaded: 40, queued: 40 });
    expect(failures).toEqual([]);
  });
});

describe('in this process', () => {
  it('runs the ingest engine: counts, progress lines, no-wait', async () => {
    const { ingest } = await import('../src/ingest/ingest.js');
    const { linesView } = await import('../src/ingest/progress.js');
    const { createApiClient } = await import('../src/client.js');
    const dir = await mkdtemp(join(tmpdir(), 'sis-engine-'));
    for (let i = 0; i < 6; i++) await writeFile(join(dir, `e-${i}.jpg`), await colourImage(COLOURS[i]!, { width: 321 + i, height: 123 }));
    await writeFile(join(dir, 'notes.txt'), 'hello');
    const lines: string[] = [];
    const client = createApiClient({ url: running.url, key: running.adminToken });
    const result = await ingest({ source: dir, client, batchSize: 4, concurrency: 3, progress: linesView((l) => lines.push(l), 0) });
    expect(result.counts).toMatchObject({ found: 7, images: 6, skipped: 1, uploaded: 6, queued: 6, ready: 6, failed: 0, duplicates: 0, walked: true });
    expect(result.failures).toEqual([]);
    expect(lines.at(-1)).toMatch(/^found 7 · uploaded 6\/6 .* embedded 6\/6/);

    const again = await ingest({ source: dir, client, wait: false, progress: linesView(() => undefined) });
    expect(again.counts).toMatchObject({ uploaded: 0, duplicates: 6 });
    const dry = await ingest({ source: dir, client, dryRun: true, progress: linesView(() => undefined) });
    expect(dry.counts).toMatchObject({ images: 6, uploaded: 0, queued: 0 });
  });

  it('runs the commands', async () => {
    const { createProgram } = await import('../src/program.js');
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const run = (...args: string[]) => createProgram().parseAsync(['node', 'sis', '--url', running.url, '--key', running.adminToken, ...args]);
    try {
      await run('search', 'a green picture', '--limit', '2');
      expect(printed).toHaveLength(2);
      const id = printed[0]!.split(/\s+/)[1]!;
      printed.length = 0;
      await run('similar', id, '--limit', '3');
      expect(printed).toHaveLength(3);
      printed.length = 0;
      await run('jobs', '--json');
      expect(JSON.parse(printed[0]!).images.failed).toBe(1);
      printed.length = 0;
      await run('retry', '--all-failed');
      expect(printed[0]).toBe('queued 1 failed images again');
      printed.length = 0;
      await run('keys', 'create', 'in-process', '--scopes', 'read');
      expect(printed[0]).toMatch(/^sis_/);
      await run('keys', 'list');
      expect(printed.some((line) => line.includes('in-process'))).toBe(true);
      await expect(run('retry')).rejects.toThrow('give an image id, or --all-failed');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
