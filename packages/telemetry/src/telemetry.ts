import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TelemetryOptions {
  /** `service.name` of every span this process makes: `gateway`, `search` or `worker`. */
  service: string;
  /**
   * OTLP/HTTP collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `<endpoint>/v1/traces`.
   * Unset with no `exporter` either: tracing stays off. @defaultValue none
   */
  endpoint?: string;
  /** Where spans go instead of OTLP, one by one as they end (tests' in-memory exporter). @defaultValue none */
  exporter?: SpanExporter;
}

/** The tracing of one process, as {@link startTelemetry} set it up. */
export interface Telemetry {
  /** Whether spans are recorded and exported; false means every span is the API's no-op. */
  readonly enabled: boolean;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Exports what is left, then stops recording; call it last when the process stops. */
  shutdown(): Promise<void>;
}

/** Every span of sis carries this namespace, so a backend groups the three services together. */
export const SERVICE_NAMESPACE = 'sis';

const OFF: Telemetry = Object.freeze({ enabled: false, flush: async () => undefined, shutdown: async () => undefined });

/**
 * Starts tracing for this process, or leaves it off. Off (no endpoint, no exporter) loads no SDK
 * and registers nothing: every span in sis is then the OpenTelemetry API's no-op, and nothing is
 * exported or sent anywhere. On, it registers a tracer provider (W3C trace context, async-local
 * context) that batches spans to the OTLP/HTTP endpoint as JSON.
 *
 * Call it before anything makes a span, once per process.
 *
 * ### Examples
 * ```ts
 * const telemetry = await startTelemetry({ service: 'gateway', endpoint: config.telemetry.otlpEndpoint });
 * // … on the way out:
 * await telemetry.shutdown();
 * ```
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (!options.endpoint && !options.exporter) return OFF;
  // Loaded only when on, so a process without a collector never pays for the SDK.
  const [{ NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
  ]);
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(await otlpExporter(options.endpoint!));
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': options.service, 'service.namespace': SERVICE_NAMESPACE, 'service.instance.id': randomUUID() }),
    ),
    spanProcessors: [processor],
  });
  provider.register();
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      // Back to the no-op API, so a later start in the same process (tests) begins afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The OTLP/HTTP JSON exporter, sending to the signal path under `endpoint` as the OTLP spec says. */
async function otlpExporter(endpoint: string): Promise<SpanExporter> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
}
