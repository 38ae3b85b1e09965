import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/**
 * A trace context as it travels in a job's data: the W3C Trace Context fields, the same text as
 * the HTTP headers of those names.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/**
 * The headers that carry `ctx` to another service (`traceparent`, and `tracestate` or `baggage`
 * when there are any). Empty while tracing is off.
 */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}

/** `ctx` as a job's carrier; undefined while tracing is off or no span is active. */
export function injectTrace(ctx: Context = context.active()): TraceCarrier | undefined {
  const { traceparent, tracestate } = traceHeaders(ctx);
  if (!traceparent) return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The context that `carrier` (a job's carrier, or incoming HTTP headers) names, on top of `base`.
 * A missing or malformed carrier gives `base` back, so work without one starts a trace of its own.
 */
export function extractTrace(carrier: Readonly<Record<string, string | string[] | undefined>> | undefined, base: Context = ROOT_CONTEXT): Context {
  return carrier ? propagation.extract(base, carrier) : base;
}
