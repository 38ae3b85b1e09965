import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIN_BACKGROUND, RelevanceBackgrounds } from '../src/relevance-backgrounds.js';

const vectors = (count: number) => Array.from({ length: count }, (_, i) => Float32Array.from([Math.cos(i), Math.sin(i)]));

describe('background samples', () => {
  afterEach(() => vi.useRealTimers());

  it('draws once, serves the sample while a fresh one is drawn after the refresh time, and retries a failed draw', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const draws: number[] = [];
    let fail = false;
    const backgrounds = new RelevanceBackgrounds({
      refreshMs: 60_000,
      sample: async (modelId, size) => {
        draws.push(modelId);
        if (fail) throw new Error('database away');
        return vectors(Math.min(size, 50 + draws.length));
      },
    });
    expect((await backgrounds.get(1))!.size).toBe(51);
    expect((await backgrounds.get(1))!.size).toBe(51);
    expect(draws).toEqual([1]);
    vi.setSystemTime(Date.now() + 61_000);
    // The old sample answers; the new one replaces it once drawn.
    expect((await backgrounds.get(1))!.size).toBe(51);
    await vi.waitFor(async () => expect((await backgrounds.get(1))!.size).toBe(52));
    // A draw that fails is not kept, for a model seen for the first time.
    fail = true;
    await expect(backgrounds.get(2)).rejects.toThrow('database away');
    fail = false;
    expect((await backgrounds.get(2))!.size).toBeGreaterThan(MIN_BACKGROUND);
  });

  it('judges nothing against a library too small, and looks again within seconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let size = 5;
    const backgrounds = new RelevanceBackgrounds({ sample: async () => vectors(size) });
    expect(await backgrounds.get(1)).toBeUndefined();
    size = 40;
    vi.setSystemTime(Date.now() + 6_000);
    await backgrounds.get(1);
    await vi.waitFor(async () => expect((await backgrounds.get(1))?.size).toBe(40));
  });
});
