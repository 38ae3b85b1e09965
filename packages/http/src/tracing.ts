import { context, extractTrace, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, tracer } from '@sis/telemetry';
import type { RequestHandler } from 'express';

export interface TraceRequestsOptions {
  /** Paths that get no span (probes, scrapes). */
  skip: (path: string) => boolean;
  /** Continue the trace a caller's `traceparent` names; false starts every request's own. */
  continueCallerTraces: boolean;
}

/**
 * A server span for every request but `skip`'s, continuing the caller's trace when it sent a W3C
 * `traceparent` (the gateway does, to the search service) and the service trusts its callers. The span is active while the request
 * is handled, so its queries and log lines belong to it. Named by route pattern once routing has
 * matched (`POST /v1/uploads/:id/complete`), so ids do not make a name each; 5xx answers mark it
 * failed. Does nothing while tracing is off.
 */
export function traceRequests(options: TraceRequestsOptions): RequestHandler {
  return (req, res, next) => {
    if (options.skip(req.path)) return next();
    const parent = options.continueCallerTraces ? extractTrace(req.headers) : ROOT_CONTEXT;
    const span = tracer().startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path, 'sis.request_id': req.requestId } },
      parent,
    );
    if (!span.isRecording()) return next();
    res.once('close', () => {
      if (req.route) {
        const route = `${req.baseUrl}${String(req.route.path)}`;
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      // A response that never finished: the client went away first.
      if (!res.writableFinished) span.setAttribute('sis.client_aborted', true);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
