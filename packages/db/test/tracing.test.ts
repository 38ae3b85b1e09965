import { randomUUID } from 'node:crypto';
import { inSpan, SpanKind, startTelemetry } from '@sis/telemetry';
import { InMemorySpanExporter } from '@sis/telemetry/testing';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDatabase, ensureDatabaseExists, ImageRepository, migrateToLatest } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const telemetry = await startTelemetry({ service: 'probe', exporter });
const url = (() => {
  const base = new URL(inject('stackEnv').DATABASE_URL!);
  base.pathname = `/db_tracing_${randomUUID().slice(0, 8)}`;
  return base.toString();
})();
await ensureDatabaseExists(url);
// One connection: a connection the tracing wrapper failed to hand back would stall the next query.
const db = createDatabase({ url, poolSize: 1 });
await migrateToLatest(db);
const images = new ImageRepository({ db });

afterAll(async () => {
  await db.destroy();
  await telemetry.shutdown();
});
beforeEach(() => exporter.reset());

describe('query spans', () => {
  it('name each query by verb and table, inside the span that made it, without its values', async () => {
    const id = randomUUID();
    await inSpan('request', {}, async () => {
      await images.findById(id);
      await images.create({ object_key: `k/${id}`, content_type: 'image/png', declared_size: 10 });
    });
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === 'request')!;
    const [select, insert] = spans.filter((s) => s.name !== 'request');
    expect(select).toMatchObject({ name: 'SELECT images', kind: SpanKind.CLIENT });
    expect(select!.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'images' });
    expect(select!.attributes['db.query.text']).toMatch(/from "images" where "id" = \$1/);
    expect(JSON.stringify(select!.attributes)).not.toContain(id);
    expect(insert!.name).toBe('INSERT images');
    for (const query of [select!, insert!]) expect(query.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('mark a failed query failed and leave the error as it was', async () => {
    await expect(sql`select * from no_such_table`.execute(db)).rejects.toMatchObject({ code: '42P01' });
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'SELECT no_such_table', status: { code: 2 } });
  });

  it('cover transactions, whose connection goes back to the pool afterwards', async () => {
    await db.transaction().execute(async (tx) => sql`select 1`.execute(tx));
    await sql`select 2`.execute(db);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['BEGIN', 'SELECT', 'COMMIT', 'SELECT']);
  });
});
