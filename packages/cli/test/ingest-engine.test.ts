import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colourImage } from '@sis/image/testing';
import { describe, expect, it } from 'vitest';
import { inspectFile } from '../src/ingest/inspect-file.js';
import { linesView, type IngestCounts } from '../src/ingest/progress.js';
import { walkSource } from '../src/ingest/walk.js';
import { sis } from './harness.js';

describe('walkSource', () => {
  it('walks folders depth first, skipping hidden ones, and reads globs and single files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sis-walk-'));
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await mkdir(join(root, '.cache'), { recursive: true });
    for (const path of ['one.jpg', 'a/two.jpg', 'a/b/three.png', '.cache/hidden.jpg', '.dotfile']) await writeFile(join(root, path), 'x');
    const names = [];
    for await (const entry of walkSource(root)) names.push(entry.name);
    expect(names.sort()).toEqual(['a/b/three.png', 'a/two.jpg', 'one.jpg']);
    const globbed = [];
    for await (const entry of walkSource(`${root}/**/*.jpg`)) globbed.push(entry.path);
    expect(globbed.sort()).toEqual([join(root, 'a', 'two.jpg'), join(root, 'one.jpg')]);
    const single = [];
    for await (const entry of walkSource(join(root, 'one.jpg'))) single.push(entry.name);
    expect(single).toEqual(['one.jpg']);
  });

  it('reports manifest lines that are not JSON or have no path, and keeps going', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-manifest-'));
    await writeFile(join(dir, 'list.jsonl'), '{"path": "a.jpg", "tag": 1}\nnot json\n\n{"tag": 2}\n{"path": "/abs/b.jpg"}\n');
    const entries = [];
    for await (const entry of walkSource(join(dir, 'list.jsonl'))) entries.push(entry);
    expect(entries.map((e) => e.problem ?? e.path)).toEqual([join(dir, 'a.jpg'), 'manifest line 2 is not JSON', 'manifest line 4 has no "path"', '/abs/b.jpg']);
    expect(entries[0]!.metadata).toEqual({ tag: 1 });
  });
});

describe('inspectFile', () => {
  it('recognises images by their bytes, hashes them, and reads sidecars', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-inspect-'));
    const png = await colourImage('blue', { format: 'png', width: 20, height: 20 });
    await writeFile(join(dir, 'looks-like.txt'), png);
    await writeFile(join(dir, 'looks-like.json'), JSON.stringify({ note: 'sidecar by basename' }));
    await writeFile(join(dir, 'photo.jpg'), 'not really');
    await writeFile(join(dir, 'empty.jpg'), '');
    const image = await inspectFile({ path: join(dir, 'looks-like.txt'), name: 'looks-like.txt' });
    expect(image).toEqual({
      image: { path: join(dir, 'looks-like.txt'), name: 'looks-like.txt', size: png.length, contentType: 'image/png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), metadata: { note: 'sidecar by basename' } },
    });
    expect(await inspectFile({ path: join(dir, 'photo.jpg'), name: 'photo.jpg' })).toEqual({ skipped: expect.stringMatching(/not an image/) });
    expect(await inspectFile({ path: join(dir, 'empty.jpg'), name: 'empty.jpg' })).toEqual({ skipped: 'the file is empty' });
    expect(await inspectFile({ path: join(dir, 'missing.jpg'), name: 'missing.jpg' })).toEqual({ problem: expect.stringMatching(/^cannot read: ENOENT/) });
  });
});

describe('linesView', () => {
  it('prints progress lines for logs, at most every interval, and always at the end', () => {
    const lines: string[] = [];
    const view = linesView((line) => lines.push(line), 60_000);
    const counts: IngestCounts = { found: 10, walked: false, images: 8, skipped: 2, uploaded: 3, duplicates: 1, queued: 3, ready: 2, failed: 0 };
    view.update(counts);
    view.update({ ...counts, uploaded: 4 });
    view.stop({ ...counts, walked: true, uploaded: 7, ready: 7, queued: 7 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^found 10\+ · uploaded 3\/7 \(\d+\.\d\/s\) · embedded 2\/3/);
    expect(lines[1]).toMatch(/^found 10 · uploaded 7\/7/);
  });

  it('says at once when the run starts waiting for the server, then keeps saying so at its pace', () => {
    const lines: string[] = [];
    const view = linesView((line) => lines.push(line), 60_000);
    const counts: IngestCounts = { found: 10, walked: true, images: 10, skipped: 0, uploaded: 4, duplicates: 0, queued: 0, ready: 0, failed: 0 };
    view.update(counts);
    view.update(counts, 'waiting for the server: storage_unavailable, retrying in 5 s');
    view.update(counts, 'waiting for the server: storage_unavailable, retrying in 5 s');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^found 10 · uploaded 4\/10 .* · waiting for the server: storage_unavailable, retrying in 5 s$/);
  });
});

describe('sis --help', () => {
  it('says where the key comes from, and never shows the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-help-'));
    await mkdir(join(dir, '.data'));
    await writeFile(join(dir, '.data', 'admin-token'), 'local-admin-token-0123456789abcdef\n');
    for (const args of [['--help'], ['ingest', '--help'], ['search', '--help']]) {
      const run = await sis(args, { cwd: dir, env: { SIS_API_KEY: 'sis_the-key-from-the-environment-000000' } });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('the-key-from-the-environment');
      expect(run.stdout).not.toContain('local-admin-token');
    }
    const help = (await sis(['--help'], { cwd: dir })).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--url <url> the sis server (default: env SIS_URL; else on this machine, the gateway at GATEWAY_PORT or the one sis up runs; else http://localhost:8000)');
    expect(help).toContain('--key <key> API key (default: env SIS_API_KEY; for the gateway sis up runs here, the admin token in .data/admin-token)');
  });
});
