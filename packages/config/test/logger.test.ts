import { inSpan, startTelemetry } from '@sis/telemetry';
import { InMemorySpanExporter } from '@sis/telemetry/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const telemetry = await startTelemetry({ service: 'probe', exporter });
afterAll(() => telemetry.shutdown());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, 'probe', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('log lines and traces', () => {
  it("carry the active span's trace and span ids", async () => {
    const { logger, lines } = capture();
    await inSpan('outer', {}, async () => {
      logger.info('in outer');
      await inSpan('inner', {}, async () => logger.child({ imageId: 'x' }).info('in inner'));
    });
    const [inner, outer] = exporter.getFinishedSpans().map((span) => span.spanContext());
    expect(lines).toMatchObject([
      { msg: 'in outer', trace_id: outer!.traceId, span_id: outer!.spanId },
      { msg: 'in inner', imageId: 'x', trace_id: inner!.traceId, span_id: inner!.spanId },
    ]);
    expect(inner!.traceId).toBe(outer!.traceId);
  });

  it('carry no trace fields outside a span', () => {
    const { logger, lines } = capture();
    logger.info('no span');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
