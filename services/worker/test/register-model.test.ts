import { createLogger } from '@sis/config';
import { createDatabase, ModelRepository, type ModelRecord } from '@sis/db';
import { freePort } from '@sis/local-stack';
import { describe, expect, it, vi } from 'vitest';
import { registerModelSetting } from '../src/register-model.js';

const logger = createLogger({ logLevel: 'silent', logFormat: 'json' }, 'worker');

describe('registering the model the settings name, at start', () => {
  it('waits out a database that is not there yet, then registers it', async () => {
    // The very error a worker gets from a PostgreSQL that is not listening.
    const nowhere = createDatabase({ url: `postgres://sis:sis@127.0.0.1:${await freePort()}/sis`, poolSize: 1 });
    const unreachable = await new ModelRepository({ db: nowhere }).registerSetting({ source: 'x', dtype: null }).catch((error: unknown) => error);
    await nowhere.destroy();
    const record = { id: 7, source: 'm', state: 'building' } as ModelRecord;
    const registerSetting = vi.fn().mockRejectedValueOnce(unreachable).mockRejectedValueOnce(unreachable).mockResolvedValueOnce(record);
    const waits: number[] = [];
    const registered = await registerModelSetting({ registerSetting } as unknown as ModelRepository, { source: 'm', dtype: 'fp16' }, logger, (attempt) => (waits.push(attempt), 1));
    expect(registered).toBe(record);
    expect(waits).toEqual([0, 1]);
    expect(registerSetting).toHaveBeenLastCalledWith({ source: 'm', dtype: 'fp16' });
  });

  it('stops at once on anything else', async () => {
    const refused = new Error('permission denied for table models');
    await expect(registerModelSetting({ registerSetting: vi.fn().mockRejectedValue(refused) } as unknown as ModelRepository, { source: 'm', dtype: null }, logger, () => 1)).rejects.toBe(refused);
  });
});
