import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClipModel } from '@sis/clip';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { colourImage } from '@sis/image/testing';
import { embedCommand } from '../src/commands/embed.command.js';
import { sis } from './harness.js';

// tiny-clip tells colours apart, so its embeddings show whether the right input went in.
const LOCAL = { CLIP_MODEL: TINY_CLIP_DIR, ALLOW_REMOTE_MODELS: 'false' };
let dir: string;
let clip: ClipModel;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, v, i) => sum + v * b[i]!, 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sis-embed-'));
  await writeFile(join(dir, 'red.jpg'), await colourImage('red', { width: 640, height: 480 }));
  await writeFile(join(dir, 'blue.png'), await colourImage('blue', { format: 'png', width: 50, height: 30 }));
  await writeFile(join(dir, 'notes.txt'), 'not a picture');
  clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false });
});
afterAll(() => clip.dispose());

describe('sis embed', () => {
  it('prints one JSON line per input, the same vectors the worker and search service compute', async () => {
    const run = await sis(['embed', join(dir, 'red.jpg'), join(dir, 'blue.png'), '--text', 'red', '--text', 'a blue picture', '--json'], { env: LOCAL });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map(({ input, kind, model, dim }) => ({ input, kind, model, dim }))).toEqual([
      { input: join(dir, 'red.jpg'), kind: 'image', model: TINY_CLIP_DIR, dim: 512 },
      { input: join(dir, 'blue.png'), kind: 'image', model: TINY_CLIP_DIR, dim: 512 },
      { input: 'red', kind: 'text', model: TINY_CLIP_DIR, dim: 512 },
      { input: 'a blue picture', kind: 'text', model: TINY_CLIP_DIR, dim: 512 },
    ]);
    const [red, blue] = await clip.embedImages([await colourImage('red', { width: 640, height: 480 }), await colourImage('blue', { format: 'png', width: 50, height: 30 })]);
    expect(dot(lines[0].embedding, red!)).toBeCloseTo(1, 5);
    expect(dot(lines[1].embedding, blue!)).toBeCloseTo(1, 5);
    expect(dot(lines[3].embedding, await clip.embedText('a blue picture'))).toBeCloseTo(1, 5);
    // And they mean what they should: the red photo is nearer "red" than the blue one is.
    expect(dot(lines[0].embedding, lines[2].embedding)).toBeGreaterThan(dot(lines[1].embedding, lines[2].embedding) + 0.3);
  });

  it('takes --model over CLIP_MODEL, and prints a short line per input without --json', async () => {
    const run = await sis(['embed', '--text', 'red', '--model', TINY_CLIP_DIR], { env: { CLIP_MODEL: '/nowhere/at/all', ALLOW_REMOTE_MODELS: 'false' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^text {2}red {2}512-d {2}\[-?\d\.\d{4}, /);
  });

  it('reports each file it cannot embed, embeds the rest, and exits 1', async () => {
    const run = await sis(['embed', join(dir, 'notes.txt'), join(dir, 'missing.jpg'), join(dir, 'red.jpg'), '--json'], { env: LOCAL });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`sis: ${join(dir, 'notes.txt')}: cannot decode image`);
    expect(run.stderr).toContain(`sis: ${join(dir, 'missing.jpg')}: ENOENT`);
    expect(run.stderr).toContain('sis: 2 of 3 files could not be embedded');
    expect(run.stdout.trim().split('\n').map((line) => JSON.parse(line).input)).toEqual([join(dir, 'red.jpg')]);
  });

  it('refuses to run with nothing to embed, with a wrong setting, or a model it cannot find', async () => {
    expect(await sis(['embed'], { env: LOCAL })).toMatchObject({ code: 2, stderr: expect.stringContaining('nothing to embed') });
    expect(await sis(['embed', '--text', 'x'], { env: { ...LOCAL, MAX_PIXELS: 'lots' } })).toMatchObject({ code: 2, stderr: expect.stringContaining('MAX_PIXELS') });
    const dtype = await sis(['embed', '--text', 'x', '--dtype', 'fp64'], { env: LOCAL });
    expect(dtype).toMatchObject({ code: 2, stderr: expect.stringContaining('CLIP_DTYPE') });
    expect(dtype.stderr).toContain('(got "fp64")');
    // tiny-clip ships fp32 only: asking for fp16 names what there is.
    expect(await sis(['embed', '--text', 'x', '--dtype', 'fp16'], { env: LOCAL })).toMatchObject({ code: 1, stderr: expect.stringContaining('it has: fp32') });
    const missing = await sis(['embed', '--text', 'x', '--model', join(dir, 'no-model')], { env: LOCAL });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`CLIP model "${join(dir, 'no-model')}" was not found`);
  });

  it('keeps the order of its inputs across model batches, with an unreadable file in between', async () => {
    // Nine images and a note: more than one batch of eight, the note in the first.
    const colours = ['red', 'green', 'blue', 'yellow', 'black', 'white', 'red', 'green', 'blue'] as const;
    const files = await Promise.all(
      colours.map(async (colour, i) => {
        const file = join(dir, `batch-${i}-${colour}.png`);
        await writeFile(file, await colourImage(colour, { format: 'png', width: 60 + i, height: 40 }));
        return file;
      }),
    );
    const inputs = [...files.slice(0, 3), join(dir, 'notes.txt'), ...files.slice(3)];
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(embedCommand(LOCAL).parseAsync([...inputs, '--json'], { from: 'user' })).rejects.toThrow('1 of 10 files could not be embedded');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    const lines = printed.map((line) => JSON.parse(line) as { input: string; embedding: number[] });
    expect(lines.map(({ input }) => input)).toEqual(files);
    const colourOf = async (colour: string) => clip.embedText(`a ${colour} picture`);
    for (const [i, colour] of colours.entries()) {
      const scores = await Promise.all(['red', 'green', 'blue', 'yellow', 'black', 'white'].map(async (c) => [c, dot(lines[i]!.embedding, await colourOf(c))] as const));
      expect(scores.sort((a, b) => b[1] - a[1])[0]![0], files[i]).toBe(colour);
    }
  });
});
