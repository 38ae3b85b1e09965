import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbedBatcher, type BatchEmbedder } from '../src/embed-batcher.js';

// The clock is fake, so "waits" are exact and no test sleeps.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const input = (value: number) => Float32Array.of(value);
/** A model that doubles each input, recording the size of every call. */
function doubling(calls: number[]): BatchEmbedder {
  return async (batch) => {
    calls.push(batch.length);
    return batch.map((pixels) => pixels.map((v) => v * 2));
  };
}
/** Lets promise callbacks run without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('EmbedBatcher', () => {
  it('runs a batch the moment it is full, without waiting for the clock', async () => {
    const calls: number[] = [];
    const batcher = new EmbedBatcher({ embed: doubling(calls), maxBatch: 3, maxWaitMs: 60_000 });
    const results = [1, 2, 3].map((v) => batcher.embed(input(v)));
    await settle();
    expect(calls).toEqual([3]);
    expect((await Promise.all(results)).map((r) => r[0])).toEqual([2, 4, 6]);
  });

  it('runs a part-full batch once its first image has waited maxWaitMs, not before', async () => {
    const calls: number[] = [];
    const batcher = new EmbedBatcher({ embed: doubling(calls), maxBatch: 8, maxWaitMs: 25 });
    const first = batcher.embed(input(1));
    await vi.advanceTimersByTimeAsync(10);
    const second = batcher.embed(input(2));
    await vi.advanceTimersByTimeAsync(14);
    expect(calls).toEqual([]);
    expect(batcher.waiting).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([2]);
    expect([(await first)[0], (await second)[0]]).toEqual([2, 4]);
    expect(batcher.waiting).toBe(0);
  });

  it('fills the next batch while one runs, and never runs two at once', async () => {
    const calls: number[] = [];
    let release: () => void = () => undefined;
    let running = 0;
    const batcher = new EmbedBatcher({
      embed: async (batch) => {
        running++;
        expect(running).toBe(1);
        calls.push(batch.length);
        if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
        return batch;
      },
      maxBatch: 4,
      maxWaitMs: 0,
    });
    const first = batcher.embed(input(1));
    await settle();
    const next = [2, 3, 4, 5, 6].map((v) => batcher.embed(input(v)));
    await settle();
    expect(calls).toEqual([1]);
    release();
    await Promise.all([first, ...next]);
    expect(calls).toEqual([1, 4, 1]);
  });

  it('splits a failed batch so the error reaches only the image it belongs to', async () => {
    const calls: number[] = [];
    const batcher = new EmbedBatcher({
      embed: async (batch) => {
        calls.push(batch.length);
        if (batch.some((pixels) => Number.isNaN(pixels[0]))) throw new Error('input holds NaN');
        return batch;
      },
      maxBatch: 3,
      maxWaitMs: 60_000,
    });
    const results = await Promise.allSettled([input(1), input(Number.NaN), input(3)].map((pixels) => batcher.embed(pixels)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('input holds NaN'));
    expect(calls).toEqual([3, 1, 1, 1]);
  });

  it('fails every image of a batch when the model itself fails, and carries on after', async () => {
    let broken = true;
    const batcher = new EmbedBatcher({
      embed: async (batch) => {
        if (broken) throw new Error('onnxruntime: out of memory');
        return batch;
      },
      maxBatch: 2,
      maxWaitMs: 60_000,
    });
    const results = await Promise.allSettled([batcher.embed(input(1)), batcher.embed(input(2))]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['onnxruntime: out of memory', 'onnxruntime: out of memory']);
    broken = false;
    const [three, four] = await Promise.all([batcher.embed(input(3)), batcher.embed(input(4))]);
    expect([three![0], four![0]]).toEqual([3, 4]);
  });

  it('refuses a model answer with the wrong number of embeddings, and a batch size below one', async () => {
    const batcher = new EmbedBatcher({ embed: async () => [], maxBatch: 1, maxWaitMs: 0 });
    await expect(batcher.embed(input(1))).rejects.toThrow('the model returned 0 embeddings for 1 images');
    expect(() => new EmbedBatcher({ embed: async (b) => b, maxBatch: 0, maxWaitMs: 0 })).toThrow('maxBatch must be at least 1');
  });

  it('reports the size and time of each model call', async () => {
    const observed: [number, number][] = [];
    const batcher = new EmbedBatcher({
      embed: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return batch;
      },
      maxBatch: 2,
      maxWaitMs: 60_000,
      onBatch: (size, seconds) => observed.push([size, seconds]),
    });
    const both = Promise.all([batcher.embed(input(1)), batcher.embed(input(2))]);
    await vi.advanceTimersByTimeAsync(40);
    await both;
    expect(observed).toEqual([[2, 0.04]]);
  });
});
