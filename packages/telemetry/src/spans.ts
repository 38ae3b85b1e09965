import { context, SpanStatusCode, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';

/** The instrumentation scope of every span sis makes by hand. */
const TRACER_NAME = 'sis';

/**
 * The tracer of the provider registered now (the no-op one while tracing is off). Looked up per
 * span rather than kept, so a provider registered later, or again in tests, is the one used.
 */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface InSpanOptions extends SpanOptions {
  /** The span's parent. @defaultValue the active context */
  parent?: Context;
}

/**
 * Runs `work` inside a new span that is active for everything it does (so spans it makes, and
 * log lines it writes, belong to it), and ends the span when `work` settles. A thrown error is
 * recorded on the span, which is marked failed, and thrown on unchanged.
 *
 * ### Examples
 * ```ts
 * const rows = await inSpan('SELECT images', { kind: SpanKind.CLIENT }, () => runQuery());
 * ```
 */
export function inSpan<T>(name: string, options: InSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Records `error` on `span` and marks the span failed. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The fields a log line written now carries: the active span's ids, or none outside a span. */
export function traceFields(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}
