import { afterEach, describe, expect, it, vi } from 'vitest';
import { shared } from '../src/services/image-stats.js';

afterEach(() => vi.useRealTimers());

describe('whole-table counts', () => {
  it('run once for every caller within their age, in flight or done, then again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let runs = 0;
    let finish: (n: number) => void = () => undefined;
    const count = shared(2000, () => new Promise<number>((resolve) => ((runs += 1), (finish = resolve))));
    const waiting = Promise.all(Array.from({ length: 10 }, () => count()));
    finish(7);
    expect(await waiting).toEqual(Array(10).fill(7));
    vi.setSystemTime(Date.now() + 1999);
    expect(await count()).toBe(7);
    expect(runs).toBe(1);
    vi.setSystemTime(Date.now() + 1);
    const again = count();
    finish(8);
    expect(await again).toBe(8);
    expect(runs).toBe(2);
  });

  it('keep no failure: the next caller asks again', async () => {
    let runs = 0;
    const count = shared(60_000, async () => {
      runs += 1;
      if (runs === 1) throw new Error('database away');
      return 3;
    });
    await expect(count()).rejects.toThrow('database away');
    expect(await count()).toBe(3);
    expect(await count()).toBe(3);
    expect(runs).toBe(2);
  });
});
