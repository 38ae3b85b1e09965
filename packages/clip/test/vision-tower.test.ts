import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CLIP_DIR } from '../src/fixtures/index.js';
import { ClipModel } from '../src/index.js';
import { loadVisionTower, type VisionTowerSpec } from '../src/vision-tower.js';

const SPEC: VisionTowerSpec = { family: 'clip', path: TINY_CLIP_DIR, options: { local_files_only: true, device: 'cpu', session_options: { intraOpNumThreads: 1 } } };
const SIZE = 3 * 224 * 224;

/** `count` different preprocessed images. */
const images = (count: number) => Array.from({ length: count }, (_, n) => Float32Array.from({ length: SIZE }, (_, i) => Math.sin(i * (n + 1) * 1e-3)));

let local: ClipModel;
let threaded: ClipModel;
beforeAll(async () => {
  [local, threaded] = await Promise.all([
    ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, threads: 1, towers: ['vision'] }),
    ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, threads: 1, towers: ['vision'], visionThread: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([local?.dispose(), threaded?.dispose()]);
});

describe('the image tower in a thread of its own (visionThread)', () => {
  it('embeds exactly as in this thread', async () => {
    const batch = images(3);
    const [here, there] = [await local.embedPixels(batch), await threaded.embedPixels(batch)];
    // The thread took a copy over; the caller's images are still whole.
    expect(batch.map((pixels) => pixels.length)).toEqual([SIZE, SIZE, SIZE]);
    expect(there).toHaveLength(3);
    for (const [i, row] of there.entries()) expect(Array.from(row)).toEqual(Array.from(here[i]!));
  });

  it('leaves the event loop turning while a batch runs, where in this thread the batch stops it', async () => {
    const turnsDuring = async (model: ClipModel) => {
      let done = false;
      let turns = 0;
      const embedding = model.embedPixels(images(32)).finally(() => (done = true));
      while (!done) {
        await nextTurn();
        turns++;
      }
      await embedding;
      return turns;
    };
    const [here, there] = [await turnsDuring(local), await turnsDuring(threaded)];
    expect(here).toBeLessThan(10);
    expect(there).toBeGreaterThan(10 * here);
  });

  it('fails a call with what onnxruntime said, and answers the next one', async () => {
    const tower = await loadVisionTower(SPEC, { thread: true });
    try {
      await expect(tower.embed(new Float32Array(10), [1, 3, 224, 224])).rejects.toThrow(/does not match data length\(10\)/);
      const [row] = await tower.embed(images(1)[0]!, [1, 3, 224, 224]);
      expect(row).toHaveLength(512);
      expect(Math.hypot(...row!)).toBeCloseTo(1, 5);
    } finally {
      await tower.dispose();
    }
  });

  it('finishes the calls in hand when disposed, then refuses calls, naming why; disposing twice is one dispose', async () => {
    const tower = await loadVisionTower(SPEC, { thread: true });
    const inHand = tower.embed(images(1)[0]!, [1, 3, 224, 224]);
    await Promise.all([tower.dispose(), tower.dispose()]);
    expect(await inHand).toHaveLength(1);
    await expect(tower.embed(images(1)[0]!, [1, 3, 224, 224])).rejects.toThrow('the image tower was disposed');
  });

  it('reports a tower that cannot load as the error loading gave, not a hang', async () => {
    await expect(loadVisionTower({ ...SPEC, path: '/nonexistent/model' }, { thread: true })).rejects.toThrow(/nonexistent/);
    await expect(loadVisionTower({ ...SPEC, family: 'no-such-family' }, { thread: true })).rejects.toThrow(/unknown model family no-such-family/);
  });
});
