import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceUnavailableError } from '@sis/contracts';
import { freePort } from '@sis/local-stack';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SearchClient } from '../src/services/search.client.js';

describe('SearchClient', () => {
  it('keeps the path of SEARCH_URL, for a search service behind a proxy prefix', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.endsWith('/search') ? JSON.stringify({ results: [], model: 'm', tookMs: 1 }) : '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new SearchClient({ urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/search-svc/`], timeoutMs: 2000 });
      await client.ping();
      expect(await client.search({ q: 'a dog', limit: 5 }, 'req-1')).toEqual({ results: [], model: 'm', tookMs: 1 });
      expect(paths).toEqual(['GET /internal/search-svc/healthz', 'POST /internal/search-svc/search']);
    } finally {
      server.close();
    }
  });

  /** A search replica on 127.0.0.1: answers with `answer`, or breaks the connection when it returns undefined. */
  async function replica(answer: () => { status: number; body: unknown } | undefined) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      const reply = answer();
      if (!reply) return void req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }
  const found = { status: 200, body: { results: [], model: 'm', tookMs: 1 } };

  it('spreads searches over the replicas and sends one that cannot reach its replica to another', async () => {
    const [a, b] = [await replica(() => found), await replica(() => found)];
    const gone = `http://127.0.0.1:${await freePort()}`;
    const client = new SearchClient({ urls: [a.url, gone, b.url], timeoutMs: 2000 });
    for (let i = 0; i < 30; i++) expect(await client.search({ q: `query ${i}`, limit: 5 }, `req-${i}`)).toEqual(found.body);
    expect(a.seen.length + b.seen.length).toBe(30);
    expect(Math.min(a.seen.length, b.seen.length)).toBeGreaterThan(0);
  });

  it('sends a search again when its replica closes the connection without answering', async () => {
    const breaking = await replica(() => undefined);
    const healthy = await replica(() => found);
    const client = new SearchClient({ urls: [breaking.url, healthy.url], timeoutMs: 2000 });
    for (let i = 0; i < 10; i++) expect(await client.search({ q: 'red', limit: 5 }, `req-${i}`)).toEqual(found.body);
    expect(healthy.seen).toHaveLength(10);
  });

  it('asks the next replica when an answer breaks off after its headers', async () => {
    const cut = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"results":[');
      setImmediate(() => req.socket.destroy());
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void cut.close());
    const healthy = await replica(() => found);
    const client = new SearchClient({ urls: [`http://127.0.0.1:${(cut.address() as AddressInfo).port}`, healthy.url], timeoutMs: 2000 });
    for (let i = 0; i < 4; i++) expect(await client.search({ q: 'red', limit: 5 }, `req-${i}`)).toEqual(found.body);
    expect(healthy.seen).toHaveLength(4);
  });

  it('tries a single address twice, on a fresh connection, so a call cut off by a dying replica behind it is answered', async () => {
    let calls = 0;
    const behindOneAddress = await replica(() => (++calls === 1 ? undefined : found));
    const client = new SearchClient({ urls: [behindOneAddress.url], timeoutMs: 2000 });
    expect(await client.search({ q: 'red', limit: 5 }, 'req-1')).toEqual(found.body);
    expect(behindOneAddress.seen).toHaveLength(2);
  });

  it('passes on an answer the search service gave, a 503 included, without asking another replica', async () => {
    const unavailable = { status: 503, body: { error: { code: 'database_unavailable', message: 'the database is not answering', details: { retryAfterSeconds: 5 } } } };
    const only = await replica(() => unavailable);
    const client = new SearchClient({ urls: [only.url], timeoutMs: 2000 });
    await expect(client.search({ q: 'red', limit: 5 }, 'req-1')).rejects.toMatchObject(new ServiceUnavailableError('database_unavailable', 'the database is not answering', { retryAfterSeconds: 5 }));
    expect(only.seen).toHaveLength(1);
  });

  it('answers 503 search_unavailable when no replica can be reached', async () => {
    const client = new SearchClient({ urls: [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`], timeoutMs: 2000 });
    await expect(client.search({ q: 'red', limit: 5 }, 'req-1')).rejects.toSatisfy((error) => error instanceof ServiceUnavailableError && error.code === 'search_unavailable');
  });
});
