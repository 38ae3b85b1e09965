import { ClipModel } from '@sis/clip';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { createLogger } from '@sis/config';
import { createDatabase, ModelRepository, type ModelRecord } from '@sis/db';
import { freePort } from '@sis/local-stack';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerModel } from '../src/register-model.js';

const logger = createLogger({ logLevel: 'silent', logFormat: 'json' }, 'worker');
let clip: ClipModel;
beforeAll(async () => {
  clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false, towers: ['vision'] });
});
afterAll(() => clip.dispose());

describe('registering the model at start', () => {
  it('waits out a database that is not there yet, then registers what was loaded', async () => {
    // The very error a worker gets from a PostgreSQL that is not listening.
    const nowhere = createDatabase({ url: `postgres://sis:sis@127.0.0.1:${await freePort()}/sis`, poolSize: 1 });
    const unreachable = await new ModelRepository({ db: nowhere }).ensure({ source: 'x', dtype: null, dimension: 4, preprocessingHash: '0'.repeat(64) }).catch((error: unknown) => error);
    await nowhere.destroy();
    const record = { id: 7, source: TINY_CLIP_DIR, state: 'active' } as ModelRecord;
    const ensure = vi.fn().mockRejectedValueOnce(unreachable).mockRejectedValueOnce(unreachable).mockResolvedValueOnce(record);
    const waits: number[] = [];
    const registered = await registerModel({ ensure } as unknown as ModelRepository, clip, { source: TINY_CLIP_DIR, dtype: null }, logger, (attempt) => (waits.push(attempt), 1));
    expect(registered).toBe(record);
    expect(waits).toEqual([0, 1]);
    expect(ensure).toHaveBeenLastCalledWith({ source: TINY_CLIP_DIR, dtype: null, dimension: clip.dimension, preprocessingHash: clip.preprocessor.fingerprint });
  });

  it('stops at once on anything else, and refuses to embed with a model search does not read', async () => {
    const refused = Object.assign(new Error('model 3 was registered with 256-d vectors'), { code: 'dimension_changed' });
    await expect(registerModel({ ensure: vi.fn().mockRejectedValue(refused) } as unknown as ModelRepository, clip, { source: 'm', dtype: null }, logger, () => 1)).rejects.toBe(refused);
    const models = { ensure: vi.fn().mockResolvedValue({ id: 9, state: 'building' }), findActive: vi.fn().mockResolvedValue({ id: 1, source: 'Xenova/clip-vit-base-patch32', dtype: null }) };
    await expect(registerModel(models as unknown as ModelRepository, clip, { source: 'new-model', dtype: 'fp16' }, logger)).rejects.toThrow(
      "model 9 (new-model, fp16) is registered but not active; the active model is 1 (Xenova/clip-vit-base-patch32). Re-embedding a library with another model is not built yet: run the worker with the active model's CLIP_MODEL and CLIP_DTYPE.",
    );
  });
});
