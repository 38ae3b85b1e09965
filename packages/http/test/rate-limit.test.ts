import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { errorHandler, limitAuthFailures, rateLimitPerMinute, type RedisCommander } from '../src/index.js';

const redis = new Redis(inject('stackEnv').REDIS_URL!);
afterAll(() => redis.disconnect());

/** Real Redis that can be made to refuse every command, or to never answer, as when it is away. */
function switchableRedis(): RedisCommander & { mode: 'up' | 'down' | 'hung'; calls: number } {
  const commander = {
    mode: 'up' as 'up' | 'down' | 'hung',
    /** Commands sent, whatever became of them. */
    calls: 0,
    call(command: string, ...args: string[]): Promise<unknown> {
      commander.calls++;
      if (commander.mode === 'down') return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
      if (commander.mode === 'hung') return new Promise(() => undefined);
      return redis.call(command, ...args);
    },
  };
  return commander;
}

/** The app on a free loopback port. */
async function listen(app: express.Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function limitedApp(commander: RedisCommander, lines: string[], prefix = `test-${randomUUID().slice(0, 8)}`) {
  const logger = { warn: (_: object, message: string) => lines.push(`warn ${message}`), info: (_: object, message: string) => lines.push(`info ${message}`) };
  const app = express();
  app.use(rateLimitPerMinute({ perMinute: 3, redis: commander, prefix, principalId: () => undefined, logger }));
  app.get('/', (_req, res) => res.json({ ok: true }));
  app.use(errorHandler(logger as never));
  const { server, base } = await listen(app);
  const hit = async () => {
    const started = performance.now();
    const response = await fetch(base);
    return { status: response.status, ms: performance.now() - started };
  };
  return { hit, close: () => server.close() };
}

describe('the rate limiter', () => {
  it('counts in Redis, falls back to counting in-process while Redis is away, and goes back', async () => {
    const commander = switchableRedis();
    const lines: string[] = [];
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const app = await limitedApp(commander, lines, prefix);
    const redisCount = async () => Number(await redis.get((await redis.keys(`${prefix}:ratelimit:*`))[0]!));
    try {
      expect((await Promise.all([app.hit(), app.hit(), app.hit()])).map((r) => r.status)).toEqual([200, 200, 200]);
      expect((await app.hit()).status).toBe(429);
      expect(await redisCount()).toBe(4);

      commander.mode = 'down';
      // The in-process budget starts afresh, and is enforced just the same.
      const during = [];
      for (let i = 0; i < 4; i++) during.push((await app.hit()).status);
      expect(during).toEqual([200, 200, 200, 429]);
      expect(lines.filter((line) => line.startsWith('warn'))).toEqual(['warn rate limiter: Redis is not answering; counting in this process until it is back']);

      commander.mode = 'up';
      // After a second of counting alone it asks Redis again, and says so.
      await expect
        .poll(async () => {
          await app.hit();
          return lines.includes('info rate limiter: Redis answers again; counting there');
        }, { timeout: 5000, interval: 200 })
        .toBe(true);
      // Counting in Redis again: its count moves with each request, and is over the budget.
      const before = await redisCount();
      expect((await app.hit()).status).toBe(429);
      expect(await redisCount()).toBe(before + 1);
    } finally {
      app.close();
    }
  });

  it('never lets a request wait on a Redis that does not answer', async () => {
    const commander = switchableRedis();
    commander.mode = 'hung';
    const app = await limitedApp(commander, []);
    try {
      const first = await app.hit();
      expect(first.status).toBe(200);
      expect(first.ms).toBeLessThan(1500);
      // Meanwhile it does not ask Redis at all.
      const second = await app.hit();
      expect(second.ms).toBeLessThan(200);
    } finally {
      app.close();
    }
  });
});

/**
 * An app behind limitAuthFailures: `/` answers 401 to a request with `x-wrong`, `/slow` answers
 * after a second; a request with `x-proven` carries proven credentials.
 */
async function guardedApp(commander: RedisCommander, prefix: string, perMinute = 3) {
  const logger = { warn: () => undefined, info: () => undefined };
  const app = express();
  app.use(limitAuthFailures({ perMinute, redis: commander, prefix, logger, proven: (req) => req.get('x-proven') !== undefined }));
  app.get('/', (req, res) => void res.status(req.get('x-wrong') ? 401 : 200).json({}));
  app.get('/slow', (_req, res) => void setTimeout(() => res.status(401).json({}), 1000));
  app.use(errorHandler(logger as never));
  const { server, base } = await listen(app);
  const hit = async (wrong = false, proven = false) => {
    const response = await fetch(base, { headers: { ...(wrong ? { 'x-wrong': '1' } : {}), ...(proven ? { 'x-proven': '1' } : {}) } });
    return { status: response.status, body: (await response.json()) as { error?: { code: string } }, retryAfter: response.headers.get('retry-after') };
  };
  return { base, hit, close: () => server.close() };
}

/** The failed authentications Redis holds for 127.0.0.1 under `prefix`. */
const failuresCounted = async (prefix: string) => Number((await redis.get(`${prefix}:authfail:ip:127.0.0.1`)) ?? 0);

describe('the failed-authentication limit', () => {
  it('counts each request before its key is checked, takes back the ones not answered 401, and refuses past the budget', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const app = await guardedApp(switchableRedis(), prefix);
    const count = () => failuresCounted(prefix);
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.hit()).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      await expect.poll(count).toBe(0);
      // Guesses sent at once cannot overtake the count: only the budget's worth is answered.
      const burst = await Promise.all(Array.from({ length: 8 }, () => app.hit(true)));
      expect(burst.map((r) => r.status).sort()).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
      const refused = await app.hit();
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe('too_many_failed_authentications');
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      await expect.poll(count).toBe(3);
    } finally {
      app.close();
    }
  });

  it('takes back a request its client gave up on', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const app = await guardedApp(switchableRedis(), prefix, 2);
    const count = () => failuresCounted(prefix);
    try {
      // Abandoned before their answer: as a search box cancels the search the user typed past.
      for (let i = 0; i < 4; i++) {
        await expect(fetch(`${app.base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
        await expect.poll(count).toBe(0);
      }
      expect((await app.hit()).status).toBe(200);
    } finally {
      app.close();
    }
  });

  it('passes proven credentials uncounted, without a word to Redis, even from an address locked out', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const commander = switchableRedis();
    const app = await guardedApp(commander, prefix);
    try {
      // Even answered 401 (a key revoked since it was proven), they are not counted.
      const proven = [];
      for (let i = 0; i < 5; i++) proven.push((await app.hit(i % 2 === 1, true)).status);
      expect(proven).toEqual([200, 401, 200, 401, 200]);
      expect(commander.calls).toBe(0);
      const guesses = [];
      for (let i = 0; i < 4; i++) guesses.push((await app.hit(true)).status);
      expect([...guesses, (await app.hit(false, true)).status]).toEqual([401, 401, 401, 429, 200]);
      await expect.poll(() => failuresCounted(prefix)).toBe(3);
    } finally {
      app.close();
    }
  });

  it('is shared by replicas', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const [first, second] = [await guardedApp(switchableRedis(), prefix), await guardedApp(switchableRedis(), prefix)];
    try {
      const statuses = [(await first.hit(true)).status, (await second.hit(true)).status, (await first.hit(true)).status];
      expect([...statuses, (await second.hit()).status, (await first.hit()).status]).toEqual([401, 401, 401, 429, 429]);
    } finally {
      first.close();
      second.close();
    }
  });

  it('counts in this process while Redis is away', async () => {
    const commander = switchableRedis();
    commander.mode = 'down';
    const app = await guardedApp(commander, `test-${randomUUID().slice(0, 8)}`);
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.hit(true)).status);
      expect([...statuses, (await app.hit()).status]).toEqual([401, 401, 401, 429]);
    } finally {
      app.close();
    }
  });
});
