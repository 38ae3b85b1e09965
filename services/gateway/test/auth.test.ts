import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ ALLOWED_ORIGINS: '["https://photos.example"]' }, { worker: false });
});
afterAll(() => gw?.stop());

describe('authentication', () => {
  it('refuses /v1 without a key, naming the header to send', async () => {
    const response = await gw.api('GET', '/v1/images', { key: null });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: 'missing_api_key', message: 'send an API key as "Authorization: Bearer <key>"' });
  });

  it('refuses an unknown key and a malformed header', async () => {
    expect((await gw.api('GET', '/v1/images', { key: 'sis_not-a-real-key' })).body.error.code).toBe('invalid_api_key');
    expect((await gw.api('GET', '/v1/images', { key: 'wrong-admin-token' })).status).toBe(401);
    const basic = await gw.api('GET', '/v1/images', { key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(basic.body.error.code).toBe('invalid_authorization');
  });

  it('keeps scopes apart: read cannot write, write cannot administer, admin can do both', async () => {
    const reader = await gw.key('read');
    const writer = await gw.key('write');
    expect((await gw.api('GET', '/v1/images', { key: reader })).status).toBe(200);
    const refused = await gw.api('POST', '/v1/uploads', { key: reader, json: { filename: 'a.jpg', contentType: 'image/jpeg', size: 5 } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'insufficient_scope', message: 'this needs the write scope; the key has read' });
    expect((await gw.api('POST', '/v1/uploads', { key: writer, json: { filename: 'a.jpg', contentType: 'image/jpeg', size: 5 } })).status).toBe(201);
    expect((await gw.api('GET', '/v1/images', { key: writer })).status).toBe(403);
    expect((await gw.api('GET', '/v1/keys', { key: writer })).status).toBe(403);
    expect((await gw.api('POST', `/v1/jobs/${randomUUID()}/retry`, { key: writer })).status).toBe(403);
    expect((await gw.api('GET', '/v1/keys', { key: ADMIN_TOKEN })).status).toBe(200);
  });
});

describe('API keys', () => {
  it('shows a key once, lists it without its secret, and stops accepting it once revoked', async () => {
    const created = await gw.api('POST', '/v1/keys', { json: { name: 'ingest box', scopes: ['read', 'write', 'read'] } });
    expect(created.status).toBe(201);
    const { key, secret } = created.body;
    expect(secret).toMatch(/^sis_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: 'ingest box', scopes: ['read', 'write'], prefix: secret.slice(0, 12), revokedAt: null, lastUsedAt: null });

    expect((await gw.api('GET', '/v1/images', { key: secret })).status).toBe(200);
    const listed = await gw.api('GET', '/v1/keys');
    const entry = listed.body.items.find((k: { id: string }) => k.id === key.id);
    expect(entry.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const revoked = await gw.api('DELETE', `/v1/keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await gw.api('GET', '/v1/images', { key: secret })).status).toBe(401);
    expect((await gw.api('DELETE', `/v1/keys/${randomUUID()}`)).status).toBe(404);
  });

  it.each([
    [{ name: '', scopes: ['read'] }, 'name: must not be empty'],
    [{ name: 'x', scopes: [] }, 'scopes: must name at least one scope'],
    [{ name: 'x', scopes: ['root'] }, expect.stringMatching(/^scopes\.0: Invalid option/)],
    [{ scopes: ['read'] }, 'name: is required'],
    [{ name: 'a\u0000b', scopes: ['read'] }, 'name: must not contain control characters'],
    [{ name: 'a\udfffb', scopes: ['read'] }, 'name: must not contain NUL (\\u0000) or lone surrogates'],
  ])('refuses a key request %j', async (json, message) => {
    const response = await gw.api('POST', '/v1/keys', { json });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toEqual(message);
  });
});

describe('PUBLIC_READ', () => {
  it('lets reads through without a key when on, and never writes', async () => {
    const open = await startGateway({ PUBLIC_READ: 'true' }, { worker: false });
    try {
      expect((await open.api('GET', '/v1/images', { key: null })).status).toBe(200);
      expect((await open.api('GET', '/v1/queues', { key: null })).status).toBe(200);
      expect((await open.api('POST', '/v1/uploads', { key: null, json: {} })).status).toBe(401);
      expect((await open.api('GET', '/v1/keys', { key: null })).status).toBe(401);
      // A bad key is still refused: a typo must not silently become anonymous access.
      expect((await open.api('GET', '/v1/images', { key: 'sis_typo' })).status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a key spends its budget, counting keys apart', async () => {
    const limited = await startGateway({ RATE_LIMIT_PER_MINUTE: '3' }, { worker: false });
    try {
      // Creating the key spends one of the admin token's three requests.
      const other = await limited.key('read');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.api('GET', '/v1/queues')).status);
      expect(statuses).toEqual([200, 200, 429]);
      const refused = await limited.api('GET', '/v1/queues');
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.api('GET', '/v1/queues', { key: other })).status).toBe(200);
      expect((await limited.api('GET', '/healthz')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('client addresses', () => {
  const anonymous = (gateway: Gateway, forwardedFor: string) => fetch(`${gateway.base}/v1/queues`, { headers: { 'x-forwarded-for': forwardedFor } });

  it('ignore X-Forwarded-For from a peer that is not a configured proxy, so a made-up address is no fresh budget', async () => {
    const limited = await startGateway({ RATE_LIMIT_PER_MINUTE: '3' }, { worker: false });
    try {
      const statuses = [];
      for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) statuses.push((await anonymous(limited, address)).status);
      // 401 (no key) until this one address's budget is spent, whatever each request claimed.
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.stop();
    }
  });

  it('take X-Forwarded-For from a proxy named in TRUST_PROXY', async () => {
    const proxied = await startGateway({ RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' }, { worker: false });
    try {
      const statuses = [];
      for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) statuses.push((await anonymous(proxied, address)).status);
      expect(statuses).toEqual([401, 401, 401, 401]);
    } finally {
      await proxied.stop();
    }
  });
});

describe('failed authentications', () => {
  it('answer the 21st wrong key in a minute with 429, and Basic logins count too', async () => {
    const guarded = await startGateway({ AUTH_FAILURES_PER_MINUTE: '20' }, { worker: false });
    try {
      const wrong = (i: number) => guarded.api('GET', '/v1/images', { key: `sis_guess-${i}-${'x'.repeat(30)}` });
      const statuses = [];
      for (let i = 0; i < 15; i++) statuses.push((await wrong(i)).status);
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${guarded.base}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:guess-${i}`).toString('base64')}` } })).status);
      expect(statuses).toEqual(Array(20).fill(401));
      const refused = await wrong(21);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('too_many_failed_authentications');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Until the minute is over, the address is refused whatever it sends.
      expect((await guarded.api('GET', '/v1/images')).status).toBe(429);
    } finally {
      await guarded.stop();
    }
  });

  it('leave alone a key proven from the same address within the minute, and only there', async () => {
    const guarded = await startGateway({ AUTH_FAILURES_PER_MINUTE: '3' }, { worker: false });
    try {
      const secret = async (name: string) => (await guarded.api('POST', '/v1/keys', { json: { name, scopes: ['read'] } })).body.secret as string;
      const [proven, spare] = [await secret('office'), await secret('spare')];
      const read = (key: string, from = '127.0.0.1') => guarded.api('GET', '/v1/images?limit=1', { key, from }).then((r) => r.status);
      const guesses = async (from: string) => {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await guarded.api('GET', '/v1/images', { key: `sis_guess-${i}-${'x'.repeat(30)}`, from })).status);
        return statuses;
      };
      expect(await read(proven)).toBe(200);
      // Another address past its budget: a key proven elsewhere is no way through, or every
      // locked-out guesser could test its guesses against the keys others use.
      expect(await guesses('127.0.0.2')).toEqual([401, 401, 401, 429]);
      expect(await read(proven, '127.0.0.2')).toBe(429);
      // Its own address past its budget: the key already in use there goes on working; a valid
      // key not yet used there cannot be told from a guess.
      expect(await guesses('127.0.0.1')).toEqual([401, 401, 401, 429]);
      expect(await read(spare)).toBe(429);
      expect(await read(proven)).toBe(200);
    } finally {
      await guarded.stop();
    }
  });

  it('cost nothing when they succeed', async () => {
    const guarded = await startGateway({ AUTH_FAILURES_PER_MINUTE: '3' }, { worker: false });
    try {
      const statuses = [];
      for (let i = 0; i < 10; i++) statuses.push((await guarded.api('GET', '/v1/images?limit=1')).status);
      expect(statuses).toEqual(Array(10).fill(200));
    } finally {
      await guarded.stop();
    }
  });
});

describe('the search service, opened beyond loopback', () => {
  it('is reached by the gateway with the internal token', async () => {
    const opened = await startGateway({ INTERNAL_HOST: '0.0.0.0', INTERNAL_TOKEN: `internal-${randomUUID()}` }, { worker: false });
    try {
      const search = await opened.api('GET', '/v1/search?q=red');
      expect(search.status).toBe(200);
      expect(search.body.results).toEqual([]);
      // Straight to the search service without it: refused.
      const direct = await fetch(`${opened.config.http.searchUrls[0]}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":"red"}' });
      expect(direct.status).toBe(401);
    } finally {
      await opened.stop();
    }
  });
});

describe('Bull Board', () => {
  const basic = () => `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
  const addJob = (headers: Record<string, string>) =>
    fetch(`${gw.base}/admin/queues/api/queues/sis-embed/add`, {
      method: 'POST',
      // A form a page of another site can post without a preflight, the browser adding cached Basic credentials.
      headers: { authorization: basic(), 'content-type': 'text/plain', ...headers },
      body: JSON.stringify({ name: 'embed-image', data: { imageId: randomUUID() } }),
    });

  it('refuses a write another site makes the browser send, with its cached Basic credentials', async () => {
    const before = await gw.queue.counts();
    for (const headers of [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page' }, {}] as Record<string, string>[]) {
      const response = await addJob(headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(((await response.json()) as any).error.code).toBe('cross_origin_refused');
    }
    expect(await gw.queue.counts()).toEqual(before);
  });

  it('lets its own pages write, and anyone with the password read', async () => {
    const own = await fetch(`${gw.base}/admin/queues/api/queues/pause`, { method: 'PUT', headers: { authorization: basic(), origin: gw.base } });
    expect(own.status).toBe(200);
    await fetch(`${gw.base}/admin/queues/api/queues/resume`, { method: 'PUT', headers: { authorization: basic(), origin: gw.base } });
    expect((await fetch(`${gw.base}/admin/queues/api/queues`, { headers: { authorization: basic(), origin: 'https://elsewhere.example' } })).status).toBe(200);
  });
});

describe('CORS', () => {
  it('allows the configured origins only', async () => {
    const allowed = await fetch(`${gw.base}/v1/uploads`, { method: 'OPTIONS', headers: { origin: 'https://photos.example', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://photos.example');
    const other = await fetch(`${gw.base}/v1/uploads`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The health routes too: a browser-based status page may read them.
    const health = await fetch(`${gw.base}/healthz`, { headers: { origin: 'https://photos.example' } });
    expect(health.headers.get('access-control-allow-origin')).toBe('https://photos.example');
  });
});
