export { startTelemetry, SERVICE_NAMESPACE, type Telemetry, type TelemetryOptions } from './telemetry.js';
export { failSpan, inSpan, traceFields, tracer, type InSpanOptions } from './spans.js';
export { extractTrace, injectTrace, traceHeaders, type TraceCarrier } from './carrier.js';
export { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';
