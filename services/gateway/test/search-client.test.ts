import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
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
      const client = new SearchClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/search-svc/`, timeoutMs: 2000 });
      await client.ping();
      expect(await client.search({ q: 'a dog', limit: 5 }, 'req-1')).toEqual({ results: [], model: 'm', tookMs: 1 });
      expect(paths).toEqual(['GET /internal/search-svc/healthz', 'POST /internal/search-svc/search']);
    } finally {
      server.close();
    }
  });
});
