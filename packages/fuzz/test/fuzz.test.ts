import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, fuzzApi, operationsOf, ResponseOracle, type FuzzReport, type OpenApiDocument } from '../src/index.js';
import { KnownRef, KnownValues } from '../src/known-values.js';
import { SchemaValues } from '../src/values.js';

const json = (schema: Record<string, unknown>) => ({ description: '', content: { 'application/json': { schema } } });
const error = json({ $ref: '#/components/schemas/Error' });
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } } as const;

/** A small API: things are created, read and poked. */
const DOCUMENT: OpenApiDocument = {
  paths: {
    '/things': {
      post: {
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewThing' } } } },
        responses: { 201: json({ $ref: '#/components/schemas/Thing' }), 400: error, 401: error, 413: error, 415: error },
      },
    },
    '/things/{id}': {
      get: {
        parameters: [id, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10 } }],
        responses: { 200: json({ $ref: '#/components/schemas/Thing' }), 400: error, 404: error },
      },
    },
    '/things/{id}/poke': { post: { parameters: [id], responses: { 204: { description: 'Poked.' }, 404: error } } },
  },
  components: {
    schemas: {
      Thing: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } }, required: ['id', 'name'] },
      NewThing: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 20, example: 'lamp' },
          size: { type: 'integer', minimum: 1 },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, maxItems: 3 },
          note: { type: ['string', 'null'] },
          hash: { type: 'string', pattern: '^[0-9a-f]{8}$' },
          when: { type: 'string', format: 'date-time' },
          ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          weights: { type: 'object', additionalProperties: { type: 'number' } },
          either: { anyOf: [{ type: 'boolean' }, { type: 'integer', minimum: 5 }] },
          both: { allOf: [{ type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] }, { properties: { y: { type: 'string' } }, required: ['y'] }] },
          owner: { type: 'string', format: 'uuid' },
          details: {},
        },
        required: ['name', 'size'],
        additionalProperties: false,
      },
      Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
    },
  },
};

const ADMIN = 'admin-token-for-the-fake-api';

describe('SchemaValues', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  ajv.addSchema(DOCUMENT as object, 'doc');
  const accepts = ajv.compile({ $ref: 'doc#/components/schemas/NewThing' });
  const values = new SchemaValues({ document: DOCUMENT });
  const nothingSeen = new KnownValues();

  it('generates only values the schema accepts, whatever it uses: refs, bounds, patterns, formats, unions, nulls', () => {
    fc.assert(
      fc.property(values.valid({ $ref: '#/components/schemas/NewThing' }), (value) => {
        const settled = nothingSeen.settle(value);
        expect(accepts(settled), `${JSON.stringify(settled)}: ${ajv.errorsText(accepts.errors)}`).toBe(true);
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('generates mostly values the schema refuses as mutants', () => {
    const mutants = fc.sample(values.mutant({ $ref: '#/components/schemas/NewThing' }), { seed: 2, numRuns: 300 });
    expect(mutants.filter((m) => !accepts(nothingSeen.settle(m))).length).toBeGreaterThan(250);
  });

  it('stands in values seen in responses for strings, by property name, and any UUID seen for a UUID', () => {
    const seen = new KnownValues();
    const thing = randomUUID();
    seen.collect({ items: [{ id: thing, name: 'lamp', scopes: ['read'] }] });
    expect(seen.settle(new KnownRef('name', 7, 'fallback'))).toBe('lamp');
    expect(seen.settle({ a: [new KnownRef('(uuid)', 0, 'x')] })).toEqual({ a: [thing] });
    expect(seen.settle(new KnownRef('0', 0, 'fallback'))).toBe('fallback');
    const refs = fc.sample(values.valid({ $ref: '#/components/schemas/NewThing' }), { seed: 3, numRuns: 200 }).map((v) => (v as { owner?: unknown }).owner);
    expect(refs.some((owner) => owner instanceof KnownRef && owner.name === '(uuid)')).toBe(true);
  });
});

describe('ResponseOracle', () => {
  const oracle = new ResponseOracle(DOCUMENT);
  const [create, get, poke] = operationsOf(DOCUMENT);
  const answer = (status: number, text: string, contentType: string | null = 'application/json; charset=utf-8') => ({ status, contentType, text });

  it('passes answers of a documented status and schema', () => {
    expect(oracle.check(create!, answer(201, JSON.stringify({ id: randomUUID(), name: 'x' })))).toBeUndefined();
    expect(oracle.check(get!, answer(404, '{"error":"none"}'))).toBeUndefined();
    expect(oracle.check(poke!, answer(204, '', null))).toBeUndefined();
  });

  it('names each way an answer breaks the contract', () => {
    expect(oracle.check(create!, answer(500, '{}'))?.kind).toBe('500');
    expect(oracle.check(create!, answer(503, '{}'))?.kind).toBe('503');
    expect(oracle.check(get!, answer(409, '{"error":"x"}'))?.kind).toBe('undocumented 409');
    expect(oracle.check(create!, answer(201, JSON.stringify({ id: 'not-a-uuid', name: 'x' })))).toMatchObject({ kind: '201 body breaks schema (format at /id)', detail: expect.stringContaining('must match format "uuid"') });
    expect(oracle.check(create!, answer(400, '{"detail":"x"}'))?.kind).toBe('400 body breaks schema (required at /)');
    expect(oracle.check(create!, answer(400, 'oops', 'text/html'))?.kind).toBe('400 wrong content type');
    expect(oracle.check(create!, answer(400, '{oops'))?.kind).toBe('400 body not JSON');
    expect(oracle.check(poke!, answer(204, 'surprise', 'text/plain'))?.kind).toBe('204 body not empty');
  });
});

/**
 * The small API, served with two planted bugs: a 500 for things larger than 1000, and an
 * undocumented 418 for limit=7.
 */
function fakeApi(seen: string[], deepBodies: string[]) {
  const things = new Map<string, string>();
  const send = (res: ServerResponse, status: number, body?: object) => {
    res.writeHead(status, body ? { 'content-type': 'application/json' } : {}).end(body ? JSON.stringify(body) : undefined);
  };
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, 'http://x');
    seen.push(`${req.method} ${url.pathname}`);
    const path = url.pathname.replace(/(.)\/$/, '$1').split('/').map(decodeURIComponent);
    if (req.method === 'POST' && path.length === 2 && path[1] === 'things') {
      if (req.headers.authorization !== `Bearer ${ADMIN}`) return send(res, 401, { error: 'who are you' });
      let body: { name?: unknown; size?: unknown };
      const text = Buffer.concat(chunks).toString();
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, { error: 'not JSON' });
      }
      if (/(\[|\{"a":){1000}/.test(text)) deepBodies.push(text);
      if (typeof body?.name !== 'string' || !Number.isInteger(body.size) || (body.size as number) < 1) return send(res, 400, { error: 'bad thing' });
      if ((body.size as number) > 1000) return send(res, 500, { error: 'planted' });
      const thing = randomUUID();
      things.set(thing, body.name);
      return send(res, 201, { id: thing, name: body.name });
    }
    const name = things.get(path[2] ?? '');
    if (req.method === 'GET' && path.length === 3) {
      if (url.searchParams.get('limit') === '7') return send(res, 418, { error: 'planted' });
      return name === undefined ? send(res, 404, { error: 'no such thing' }) : send(res, 200, { id: path[2]!, name });
    }
    if (req.method === 'POST' && path.length === 4 && path[3] === 'poke') return name === undefined ? send(res, 404, { error: 'no such thing' }) : send(res, 204);
    send(res, 404, { error: 'no route' });
  };
}

describe('fuzzApi', () => {
  const seen: string[] = [];
  const deepBodies: string[] = [];
  const handler = fakeApi(seen, deepBodies);
  const server = createServer((req, res) => void handler(req, res));
  let report: FuzzReport;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    report = await fuzzApi({ url, adminToken: ADMIN, requests: 600, seed: 9, document: DOCUMENT });
  }, 60_000);
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds each planted bug once, shrunk to a small request, and counts the rest of its occurrences', () => {
    expect(report.failures.map((f) => `${f.operation}: ${f.kind}`).sort(), formatReport(report)).toEqual(['GET /things/{id}: undocumented 418', 'POST /things: 500']);
    const planted500 = report.failures.find((f) => f.kind === '500')!;
    expect(planted500.shrinks).toBeGreaterThan(0);
    expect(planted500.request.body).toMatch(/"size":1001\b/);
    expect(planted500.occurrences).toBeGreaterThan(1);
    expect(report.failures.find((f) => f.kind === 'undocumented 418')!.request.url).toMatch(/^\/things\/[^/?]+\?(.*&)?limit=7(&|$)/);
    expect(formatReport(report)).toContain('2 failures:');
  });

  it('writes out JSON nested thousands of levels deep inside bodies, as valid JSON', () => {
    expect(deepBodies.length).toBeGreaterThan(0);
    expect(deepBodies.some((text) => !/^(\[|\{"a":)/.test(text))).toBe(true);
  });

  it('sends every operation its share, with the admin token, without it and with a wrong one', () => {
    expect(report.requests).toBeGreaterThanOrEqual(600);
    expect(report.interrupted).toBe(false);
    for (const o of report.operations) expect(o.requests, o.operation).toBeGreaterThanOrEqual(200);
    const create = report.operations.find((o) => o.operation === 'POST /things')!;
    expect(create.statuses['201']).toBeGreaterThan(20);
    expect(create.statuses['401']).toBeGreaterThan(5);
  });

  it('reaches things that exist through ids seen in responses, and keeps every request on a documented path', () => {
    expect(report.operations.find((o) => o.operation === 'GET /things/{id}')!.statuses['200']).toBeGreaterThan(20);
    expect(report.operations.find((o) => o.operation === 'POST /things/{id}/poke')!.statuses['204']).toBeGreaterThan(20);
    const documented = /^(POST \/things\/?|GET \/things\/[^/]+\/?|POST \/things\/[^/]+\/poke\/?)$/;
    expect(seen.filter((request) => !documented.test(request))).toEqual([]);
  });

  it('sends nothing beyond 127.0.0.0/8', async () => {
    for (const url of ['http://localhost:8000', 'http://10.0.0.1:8000', 'http://[::1]:8000', 'http://example.test']) {
      await expect(fuzzApi({ url, adminToken: ADMIN, requests: 1, document: DOCUMENT })).rejects.toThrow(/only sends requests to 127\.0\.0\.0\/8/);
    }
  });
});
