import { formatReport, fuzzApi, FUZZ_STACK_SETTINGS, operationsOf, type FuzzReport, type OpenApiDocument } from '@sis/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

/** About 80 requests per operation: a bounded run; `pnpm fuzz` is the long one. */
const REQUESTS = 2400;

let gw: Gateway;
let document: OpenApiDocument;
let report: FuzzReport;

beforeAll(async () => {
  // The settings `pnpm fuzz` gives its own stack, so both fuzz the same gateway.
  gw = await startGateway({ ...FUZZ_STACK_SETTINGS });
  document = (await gw.api('GET', '/openapi.json', { key: null })).body;
  const keys = [await gw.key('read'), await gw.key('write')];
  report = await fuzzApi({ url: gw.base, adminToken: ADMIN_TOKEN, keys, requests: REQUESTS, seed: 22, timeLimitMs: 60_000 });
}, 120_000);
afterAll(() => gw?.stop());

describe('every operation, fuzzed', () => {
  it('answers below 500, only documented statuses, each with a body of its documented schema', () => {
    expect(report.failures.map((f) => `${f.operation}: ${f.kind}`), formatReport(report)).toEqual([]);
  });

  it('reached every operation of the document with its share of the requests', () => {
    const reached = report.operations.filter((o) => o.requests >= REQUESTS / report.operations.length).map((o) => o.operation);
    expect(reached.sort()).toEqual(operationsOf(document).map((o) => o.id).sort());
    expect(report.interrupted).toBe(false);
  });

  it('got past authentication, and into scopes and limits', () => {
    const answers = (status: string) => report.operations.reduce((n, o) => n + (o.statuses[status] ?? 0), 0);
    expect(answers('200') + answers('201') + answers('202')).toBeGreaterThan(REQUESTS / 4);
    for (const status of ['401', '403', '429']) expect(answers(status), status).toBeGreaterThan(0);
  });
});
