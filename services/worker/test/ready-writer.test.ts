import { randomUUID } from 'node:crypto';
import { createDatabase, ImageRepository, ModelRepository, type ReadyImageWrite } from '@sis/db';
import { freshDatabase } from '@sis/local-stack/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ReadyWriter } from '../src/ready-writer.js';

const db = createDatabase({ url: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'ready_writer') });
const images = new ImageRepository({ db });
let modelId: number;

beforeAll(async () => {
  const models = new ModelRepository({ db });
  const model = await models.register({ source: 'ready-writer-model', dtype: null, activateWhenComplete: true });
  await models.completeRegistration(model.id, { dimension: 3, preprocessingHash: null });
  modelId = model.id;
});
afterAll(() => db.destroy());

/** An image the worker has claimed, and what it would write for it. */
async function embedded(embedding: number[]): Promise<ReadyImageWrite> {
  const id = randomUUID();
  await images.create({ id, name: null, object_key: `staging/${id}`, content_type: 'image/png', declared_size: 10, status: 'processing' });
  return { id, model: 'ready-writer-model', sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'), width: 2, height: 2, actualSize: 10, exif: null, vectors: [{ modelId, embedding }] };
}

describe('ReadyWriter', () => {
  it('writes the images of one model batch in a single call', async () => {
    const batch = await Promise.all([[1, 0, 0], [0, 1, 0], [0, 0, 1]].map(embedded));
    const many = vi.spyOn(images, 'markReadyMany');
    const writer = new ReadyWriter(images, 8);
    const written = await Promise.all(batch.map((image) => writer.markReady(image)));
    expect(written.map((row) => row?.status)).toEqual(['ready', 'ready', 'ready']);
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]![0]).toHaveLength(3);
    // A second write of the same images (a stale redelivery) finds them no longer processing.
    expect(await writer.markReady(batch[0]!)).toBeUndefined();
    many.mockRestore();
  });

  it('splits a batch at its size limit', async () => {
    const batch = await Promise.all([[1, 1, 0], [0, 1, 1], [1, 0, 1]].map(embedded));
    const many = vi.spyOn(images, 'markReadyMany');
    const writer = new ReadyWriter(images, 2);
    await Promise.all(batch.map((image) => writer.markReady(image)));
    expect(many.mock.calls.map(([items]) => items.length)).toEqual([2, 1]);
    many.mockRestore();
  });

  it('fails only the image a failed batch failed on, and writes the others', async () => {
    // pgvector refuses NaN, so the transaction of the whole batch fails on this one image.
    const [good, bad, alsoGood] = await Promise.all([[1, 0, 0], [Number.NaN, 0, 0], [0, 0, 1]].map(embedded));
    const writer = new ReadyWriter(images, 8);
    const results = await Promise.allSettled([good!, bad!, alsoGood!].map((image) => writer.markReady(image)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/NaN/);
    expect((await images.findById(good!.id))?.status).toBe('ready');
    expect((await images.findById(bad!.id))?.status).toBe('processing');
  });
});
